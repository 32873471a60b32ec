/*
 * verify_read.c - reading a topic back for --verify (verify.c's check), and
 * `kafka consume --verify=FILE`, which does only that against a ledger file.
 *
 * The reader is a plain consumer (no group joined, nothing committed) assigned every partition
 * at its log start; it asks each partition's end offset first and reads until it has passed
 * it, so records produced later are not waited for, and a partition the retention has cut is
 * read from where it now starts (the records below are counted as expired, not lost). It gives
 * up after --timeout ms without a record, or at SIGINT/SIGTERM: the check is then incomplete,
 * which fails it (exit status 1), since a record not reached is not a record lost.
 */
#include "kafka.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvcbench/clock.h"
#include "pvcbench/signals.h"

#define SLICE_MS 100

static int topic_partitions(rd_kafka_t *rk, const char *topic, int timeout_ms)
{
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
	const struct rd_kafka_metadata *md = NULL;
	int n = 0;

	if (!rkt)
		return 0;
	if (rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms) == RD_KAFKA_RESP_ERR_NO_ERROR) {
		if (md->topic_cnt == 1 && !md->topics[0].err)
			n = md->topics[0].partition_cnt;
		rd_kafka_metadata_destroy(md);
	}
	rd_kafka_topic_destroy(rkt);
	return n;
}

/* Each partition's log start and end now, and the assignment from the start */
static int assign_all(struct kfk_verify *v, rd_kafka_t *rk, const char *topic, int timeout_ms,
		      char *err, size_t size)
{
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new((int)v->nparts);

	for (unsigned p = 0; p < v->nparts; p++) {
		struct kfk_verify_part *pp = &v->parts[p];
		rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(
			rk, topic, (int32_t)p, &pp->low, &pp->high, timeout_ms);
		if (e) {
			snprintf(err, size, "topic %s partition %u: no offsets: %s", topic, p,
				 rd_kafka_err2str(e));
			rd_kafka_topic_partition_list_destroy(parts);
			return -EIO;
		}
		rd_kafka_topic_partition_list_add(parts, topic, (int32_t)p)->offset =
			RD_KAFKA_OFFSET_BEGINNING;
	}
	rd_kafka_resp_err_t e = rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	if (e) {
		snprintf(err, size, "cannot assign %s's partitions: %s", topic,
			 rd_kafka_err2str(e));
		return -EIO;
	}
	return 0;
}

/* Reads until every partition is past its end offset of the start; v->complete when so */
static void read_all(struct kfk_verify *v, rd_kafka_t *rk, int64_t timeout_ms)
{
	int64_t *next = calloc(v->nparts, sizeof(*next));
	unsigned left = 0;
	uint64_t last = clock_now_ns();

	if (!next) {
		snprintf(v->incomplete, sizeof(v->incomplete), "out of memory");
		return;
	}
	for (unsigned p = 0; p < v->nparts; p++) {
		next[p] = v->parts[p].low;
		left += next[p] < v->parts[p].high;
	}
	while (left) {
		if (signals_stop_requested()) {
			snprintf(v->incomplete, sizeof(v->incomplete), "stopped by a signal");
			break;
		}
		if (clock_now_ns() - last > (uint64_t)timeout_ms * 1000000ULL) {
			unsigned p = 0;
			while (next[p] >= v->parts[p].high)
				p++;
			snprintf(v->incomplete, sizeof(v->incomplete),
				 "nothing read for %lld ms; partition %u read to offset %" PRId64
				 " of %" PRId64 " (--timeout)",
				 (long long)timeout_ms, p, next[p], v->parts[p].high);
			break;
		}
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, SLICE_MS);
		if (!m)
			continue;
		if (!m->err && m->partition >= 0 && (unsigned)m->partition < v->nparts) {
			unsigned p = (unsigned)m->partition;
			bool was_left = next[p] < v->parts[p].high;
			last = clock_now_ns();
			/* records past the end of the start: produced since, not ours to judge */
			if (m->offset < v->parts[p].high)
				kfk_verify_record(v, m->partition, m->payload, m->len);
			if (m->offset + 1 > next[p])
				next[p] = m->offset + 1;
			left -= was_left && next[p] >= v->parts[p].high;
		}
		rd_kafka_message_destroy(m);
	}
	v->complete = left == 0;
	free(next);
}

int kfk_verify_read(struct kfk_verify *v, const struct kfk_ledger *l, const struct kfk_config *cfg,
		    const char *bootstrap, char *err, size_t size)
{
	struct kfk_config rcfg = *cfg; /* shares the properties: freed by the caller's */
	struct kfk_client c;
	char group[64];
	int ret;

	snprintf(rcfg.bootstrap, sizeof(rcfg.bootstrap), "%s", bootstrap);
	snprintf(rcfg.topic, sizeof(rcfg.topic), "%s", l->topic);
	rcfg.print_metrics = false;
	snprintf(group, sizeof(group), "pvcbench-verify-%d-%llu", (int)getpid(),
		 (unsigned long long)kfk_unix_ms());
	const struct kfk_setting settings[] = {
		{ "group.id", group }, /* never joined: the partitions are assigned */
		{ "enable.auto.commit", "false" },
		{ "enable.auto.offset.store", "false" },
		{ "auto.offset.reset", "earliest" },
		{ "check.crcs", "true" },
		{ NULL, NULL },
	};
	struct kfk_client_spec spec = { .cmd = "verify",
					.type = RD_KAFKA_CONSUMER,
					.overrides = settings };
	if ((ret = kfk_client_open(&c, &rcfg, &spec, err, size))) {
		kfk_client_close(&c);
		return ret;
	}
	int timeout = rcfg.timeout_ms > 0 ? (int)rcfg.timeout_ms : 10000;
	int n = topic_partitions(c.rk, l->topic, timeout);
	if (n <= 0) {
		snprintf(err, size, "topic %s: no partitions in the cluster's metadata", l->topic);
		kfk_client_close(&c);
		return -EIO;
	}
	if ((ret = kfk_verify_begin(v, l, (unsigned)n))) {
		snprintf(err, size, "out of memory");
		kfk_client_close(&c);
		return ret;
	}
	if ((ret = assign_all(v, c.rk, l->topic, timeout, err, size))) {
		kfk_client_close(&c);
		return ret;
	}
	read_all(v, c.rk, timeout);
	kfk_verify_end(v);
	rd_kafka_consumer_close(c.rk);
	kfk_client_close(&c);
	return 0;
}

/* Writes the report whole: to a temporary file renamed to --output, or to stdout */
static int write_report(const struct kfk_config *cfg, const struct kfk_verify *v, bool json)
{
	char tmp[OPT_STRING_MAX + 32];
	FILE *f = stdout;

	if (cfg->output[0] && strcmp(cfg->output, "-")) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", cfg->output, (int)getpid());
		if (!(f = fopen(tmp, "w")))
			return -errno;
	}
	if (json) {
		struct jsonw j;
		jsonw_begin(&j, f);
		jsonw_string(&j, "command", "kafka consume --verify");
		jsonw_string(&j, "ledger", cfg->verify_file);
		kfk_verify_json(&j, "verify", v);
		jsonw_end(&j);
	} else {
		kfk_verify_text(f, v);
	}
	if (f == stdout)
		return fflush(f) ? -EIO : 0;
	if (ferror(f) | fclose(f) || rename(tmp, cfg->output)) {
		int e = errno ? errno : EIO;
		unlink(tmp);
		return -e;
	}
	return 0;
}

int kfk_consume_verify(struct command *cmd)
{
	struct kfk_config *cfg = command_config(cmd);
	struct kfk_ledger l;
	struct kfk_verify v = { 0 };
	char err[1024];
	int ret;

	if (kfk_ledger_read(&l, cfg->verify_file, err, sizeof(err))) {
		command_error(cmd, "%s", err);
		return KFK_EXIT_USAGE;
	}
	if (cfg->topic[0] && strcmp(cfg->topic, l.topic)) {
		command_error(cmd, "--topic %s: the ledger %s is of topic %s", cfg->topic,
			      cfg->verify_file, l.topic);
		kfk_ledger_free(&l);
		return KFK_EXIT_USAGE;
	}
	const char *bootstrap = kfk_bootstrap(cfg);
	if (bootstrap && kfk_mock_spec(bootstrap) != 0) {
		command_error(cmd,
			      "--bootstrap-server %s: an in-process mock starts empty; give the "
			      "cluster the records were produced to",
			      bootstrap);
		kfk_ledger_free(&l);
		return KFK_EXIT_USAGE;
	}
	ret = kfk_verify_read(&v, &l, cfg, bootstrap ? bootstrap : "", err, sizeof(err));
	if (ret) {
		command_error(cmd, "%s", err);
		kfk_ledger_free(&l);
		return ret == -EINVAL ? KFK_EXIT_USAGE : KFK_EXIT_FAILED;
	}
	int status = kfk_verify_failed(&v) ? KFK_EXIT_FAILED : KFK_EXIT_OK;
	if ((ret = write_report(cfg, &v, !strcmp(cfg->output_format, "json")))) {
		command_error(cmd, "--output %s: %s", cfg->output, strerror(-ret));
		status = KFK_EXIT_FAILED;
	}
	if (!v.complete)
		command_error(cmd, "the check is incomplete: %s", v.incomplete);
	else if (v.total.lost)
		command_error(cmd, "%" PRIu64 " acknowledged records lost", v.total.lost);
	kfk_verify_free(&v);
	kfk_ledger_free(&l);
	return status;
}
