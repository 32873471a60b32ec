/*
 * produce.c - `pvcbench kafka produce`, kafka-producer-perf-test on librdkafka.
 *
 * One thread produces (as the Java tool does) and serves the delivery reports itself
 * (rd_kafka_poll), so every report is recorded by the thread that owns the statistics, with
 * no lock. Latency runs from just before rd_kafka_produce to the delivery report, in
 * nanoseconds: each record carries its sequence number as its opaque, and the send times
 * live in a ring as large as librdkafka's queue can hold, so nothing is allocated per record.
 * With --throughput, record i is due at start + i / rate; a second histogram measures from
 * that due time, so a stalled cluster shows as latency even though sending was paced
 * (coordinated omission).
 */
#include "kafka.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <librdkafka/rdkafka_mock.h>

#include "pvcbench/clock.h"
#include "pvcbench/rng.h"
#include "pvcbench/report.h"
#include "pvcbench/signals.h"

enum { OP_PRODUCE = 0, OP_SCHEDULED = 1 };

#define BATCH 1024	   /* records handed to librdkafka per call */
#define STOP_FLUSH_MS 1000 /* after SIGTERM: wait this long for reports */

struct producer {
	const struct kfk_config *cfg;
	rd_kafka_t *rk;
	rd_kafka_topic_t *rkt;
	struct worker *w;
	uint64_t *sent_ns, ring_mask;
	uint64_t start_ns, steady_start_ns, end_ns;
	double period_ns; /* --throughput: time between due times */
	uint64_t warmup;
	/* payloads */
	char *payload;
	size_t payload_len;
	char *file_data;
	char **records;
	size_t *record_len, nrecords;
	uint64_t rng[2];
	rd_kafka_message_t batch[BATCH];
	char batch_tmp[BATCH][24]; /* --payload-monotonic payloads, copied by librdkafka */
	/* outcome */
	uint64_t delivered, failed, purged, warm;
	char first_error[256];
	char *stats;
};

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	struct producer *p = opaque;
	uint64_t seq = (uint64_t)(uintptr_t)m->_private;
	uint64_t now = clock_now_ns();

	if (m->err == RD_KAFKA_RESP_ERR__PURGE_QUEUE ||
	    m->err == RD_KAFKA_RESP_ERR__PURGE_INFLIGHT) {
		p->purged++; /* stopped by a signal before the cluster answered */
		return;
	}
	if (m->err) {
		if (!p->failed)
			snprintf(p->first_error, sizeof(p->first_error), "%s",
				 rd_kafka_err2str(m->err));
		p->failed++;
		worker_record_error(p->w, OP_PRODUCE);
		return;
	}
	if (seq < p->warmup) {
		p->warm++;
		return;
	}
	p->delivered++;
	uint64_t sent = p->sent_ns[seq & p->ring_mask];
	worker_record(p->w, OP_PRODUCE, now > sent ? now - sent : 0, m->len);
	if (p->period_ns > 0) {
		uint64_t due = p->start_ns + (uint64_t)((double)seq * p->period_ns);
		worker_record(p->w, OP_SCHEDULED, now > due ? now - due : 0, m->len);
	}
}

static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct producer *p = opaque;
	char *copy = strndup(json, len);

	if (copy) {
		free(p->stats);
		p->stats = copy;
	}
	return 0; /* librdkafka frees json */
}

/* The payload of record seq, and whether librdkafka must copy it */
static inline const char *payload_of(struct producer *p, uint64_t seq, size_t *len, char *tmp,
				     int *flags)
{
	if (p->cfg->payload_monotonic) {
		*len = (size_t)sprintf(tmp, "%" PRIu64, seq);
		*flags = RD_KAFKA_MSG_F_COPY;
		return tmp;
	}
	*flags = 0; /* the buffers live until the end: no copy */
	if (p->nrecords) {
		size_t i = (size_t)rng_range(p->rng, 0, (int64_t)p->nrecords - 1);
		*len = p->record_len[i];
		return p->records[i];
	}
	*len = p->payload_len;
	return p->payload;
}

/* Waits until the due time, serving delivery reports meanwhile */
static void wait_until(struct producer *p, uint64_t due, uint64_t now)
{
	uint64_t left = due - now;

	if (left > 2000000ULL) {
		rd_kafka_poll(p->rk, (int)(left / 1000000ULL) - 1);
	} else {
		rd_kafka_poll(p->rk, 0);
		struct timespec ts = { 0, (long)left };
		nanosleep(&ts, NULL);
	}
}

static int produce_init(struct worker *w)
{
	struct producer *p = worker_arg(w);

	p->w = w;
	worker_set_state(w, p);
	return 0;
}

/* Records what librdkafka refused for good (not a full queue) as failed deliveries */
static void send_failed(struct producer *p, rd_kafka_resp_err_t err)
{
	if (!p->failed)
		snprintf(p->first_error, sizeof(p->first_error), "%s", rd_kafka_err2str(err));
	p->failed++;
	worker_record_error(p->w, OP_PRODUCE);
}

/*
 * Hands records seq .. seq+count-1 to librdkafka in one call, stamped with one send time (the
 * call's start). Returns how many were taken; a full queue stops the batch there, and the
 * rest is sent again after serving delivery reports, as the Java producer blocks in send().
 */
static uint64_t send_batch(struct producer *p, uint64_t seq, unsigned count, uint64_t now)
{
	rd_kafka_message_t *msgs = p->batch;
	int flags = 0;

	for (unsigned j = 0; j < count; j++) {
		size_t len;
		msgs[j].payload = (void *)payload_of(p, seq + j, &len, p->batch_tmp[j], &flags);
		msgs[j].len = len;
		msgs[j].key = NULL;
		msgs[j].key_len = 0;
		msgs[j]._private = (void *)(uintptr_t)(seq + j);
		msgs[j].err = RD_KAFKA_RESP_ERR_NO_ERROR;
		p->sent_ns[(seq + j) & p->ring_mask] = now;
	}
	int taken = rd_kafka_produce_batch(p->rkt, RD_KAFKA_PARTITION_UA, flags, msgs, (int)count);
	if ((unsigned)taken == count)
		return count;
	for (unsigned j = 0; j < count; j++) {
		if (msgs[j].err == RD_KAFKA_RESP_ERR__QUEUE_FULL)
			return j; /* this one and the rest again, later */
		if (msgs[j].err)
			send_failed(p, msgs[j].err);
	}
	return count;
}

static int produce_run(struct worker *w)
{
	struct producer *p = worker_state(w);
	uint64_t n = (uint64_t)p->cfg->num_records;
	uint64_t seq = 0;

	p->start_ns = clock_now_ns();
	p->steady_start_ns = p->warmup ? 0 : p->start_ns;
	while (seq < n) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			break;
		uint64_t count = n - seq < BATCH ? n - seq : BATCH;
		if (p->period_ns > 0) {
			/* paced: what is due by now, and no more */
			uint64_t due = p->start_ns + (uint64_t)((double)seq * p->period_ns);
			if (now < due) {
				wait_until(p, due, now);
				continue;
			}
			uint64_t due_now =
				(uint64_t)((double)(now - p->start_ns) / p->period_ns) + 1;
			if (due_now - seq < count)
				count = due_now - seq;
		}
		/* the warm-up ends inside this batch: the steady part starts with it */
		if (p->warmup && !p->steady_start_ns && seq + count > p->warmup)
			p->steady_start_ns = now;
		uint64_t sent = send_batch(p, seq, (unsigned)count, now);
		seq += sent;
		rd_kafka_poll(p->rk, sent < count ? 1 : 0);
	}
	/* every record sent: wait for the last reports, as the Java tool's close() does */
	while (rd_kafka_outq_len(p->rk) > 0) {
		if (!worker_tick(w, clock_now_ns()))
			break;
		rd_kafka_poll(p->rk, 50);
	}
	if (signals_stop_requested()) {
		rd_kafka_flush(p->rk, STOP_FLUSH_MS);
		rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(p->rk, 0);
	}
	p->end_ns = clock_now_ns();
	return 0;
}

/* ---- output ---- */

struct produce_report {
	const struct kfk_config *cfg;
	FILE *progress;
};

static void progress_line(void *arg, const struct series_point *pt, const struct op_stats *ops,
			  bool last, char *line, size_t size)
{
	const struct op_stats *s = &ops[OP_PRODUCE];
	double secs = (double)pt->duration_ms / 1000.0;

	if (last || !s->ops)
		return; /* the final line covers it; the Java tool prints a window only when records
			   completed in it */
	snprintf(line, size,
		 "%llu records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms "
		 "max latency.\n",
		 (unsigned long long)s->ops, secs > 0 ? (double)s->ops / secs : 0,
		 secs > 0 ? (double)s->bytes / 1048576.0 / secs : 0,
		 s->lat.count ? hist_mean(&s->lat) / 1e6 : 0, (double)s->lat.max / 1e6);
}

static void final_lines(FILE *out, const struct producer *p, const struct op_stats *s,
			const struct op_stats *sched, double secs)
{
	const struct hist *h = &s->lat;

	fprintf(out,
		"%llu records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max "
		"latency, %lld ms 50th, %lld ms 95th, %lld ms 99th, %lld ms 99.9th.\n",
		(unsigned long long)s->ops, secs > 0 ? (double)s->ops / secs : 0,
		secs > 0 ? (double)s->bytes / 1048576.0 / secs : 0,
		h->count ? hist_mean(h) / 1e6 : 0, (double)h->max / 1e6,
		kfk_ms_floor(hist_value_at(h, 50)), kfk_ms_floor(hist_value_at(h, 95)),
		kfk_ms_floor(hist_value_at(h, 99)), kfk_ms_floor(hist_value_at(h, 99.9)));
	if (sched) {
		const struct hist *d = &sched->lat;
		fprintf(out,
			"latency from scheduled send time: %.2f ms avg, %.2f ms max, %lld ms 50th, "
			"%lld ms 95th, %lld ms 99th, %lld ms 99.9th.\n",
			d->count ? hist_mean(d) / 1e6 : 0, (double)d->max / 1e6,
			kfk_ms_floor(hist_value_at(d, 50)), kfk_ms_floor(hist_value_at(d, 95)),
			kfk_ms_floor(hist_value_at(d, 99)), kfk_ms_floor(hist_value_at(d, 99.9)));
	}
}

static void json_result(FILE *out, const struct producer *p, const struct run_result *res,
			const struct op_stats *s, const struct op_stats *sched, uint64_t runtime_ns,
			double secs, const struct option_set *set, const char *bootstrap)
{
	const struct kfk_config *cfg = p->cfg;
	struct jsonw j;

	jsonw_begin(&j, out);
	report_json_header(&j);
	jsonw_array_begin(&j, "jobs");
	jsonw_object_begin(&j, NULL);
	jsonw_string(&j, "jobname", "kafka-produce");
	jsonw_u64(&j, "groupid", 0);
	jsonw_i64(&j, "error", p->failed ? 1 : 0);
	report_config_json(&j, set, cfg);
	report_op_json(&j, "produce", s, runtime_ns);
	if (sched)
		report_op_json(&j, "produce_scheduled", sched, runtime_ns);
	jsonw_object_begin(&j, "kafka");
	jsonw_string(&j, "topic", cfg->topic);
	jsonw_string(&j, "bootstrap", bootstrap);
	jsonw_i64(&j, "num_records", cfg->num_records);
	jsonw_i64(&j, "record_size", cfg->record_size);
	jsonw_double(&j, "throughput", cfg->throughput_rps > 0 ? cfg->throughput_rps : -1);
	jsonw_i64(&j, "warmup_records", cfg->warmup_records);
	jsonw_u64(&j, "records_sent", s->ops);
	jsonw_u64(&j, "records_failed", p->failed);
	jsonw_u64(&j, "records_unacknowledged_at_stop", p->purged);
	jsonw_double(&j, "records_per_sec", secs > 0 ? (double)s->ops / secs : 0);
	jsonw_double(&j, "mb_per_sec", secs > 0 ? (double)s->bytes / 1048576.0 / secs : 0);
	jsonw_object_end(&j);
	report_series_json(&j, "series", res);
	jsonw_object_end(&j);
	jsonw_array_end(&j);
	jsonw_end(&j);
}

/* ---- setup ---- */

static int unescape_delimiter(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in && n + 1 < size; in++) {
		if (*in == '\\' && in[1]) {
			in++;
			out[n++] = *in == 'n' ? '\n' : *in == 't' ? '\t' : *in == 'r' ? '\r' : *in;
		} else {
			out[n++] = *in;
		}
	}
	out[n] = '\0';
	return n ? 0 : -EINVAL;
}

static int load_payload_file(struct producer *p, char *err, size_t size)
{
	const struct kfk_config *cfg = p->cfg;
	char delim[64];
	FILE *f = fopen(cfg->payload_file, "rb");

	if (!f) {
		snprintf(err, size, "--payload-file %s: %s", cfg->payload_file, strerror(errno));
		return -EINVAL;
	}
	if (unescape_delimiter(cfg->payload_delimiter, delim, sizeof(delim))) {
		fclose(f);
		snprintf(err, size, "--payload-delimiter must not be empty");
		return -EINVAL;
	}
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	p->file_data = malloc((size_t)len + 1);
	if (!p->file_data || fread(p->file_data, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		snprintf(err, size, "--payload-file %s: cannot read it", cfg->payload_file);
		return -EINVAL;
	}
	fclose(f);
	p->file_data[len] = '\0';
	size_t dlen = strlen(delim), cap = 0;
	char *s = p->file_data, *end = p->file_data + len;
	while (s < end) {
		char *d = strstr(s, delim);
		char *stop = d ? d : end;
		if (stop > s) {
			if (p->nrecords == cap) {
				cap = cap ? 2 * cap : 1024;
				p->records = realloc(p->records, cap * sizeof(*p->records));
				p->record_len =
					realloc(p->record_len, cap * sizeof(*p->record_len));
				if (!p->records || !p->record_len) {
					snprintf(err, size, "out of memory");
					return -ENOMEM;
				}
			}
			p->records[p->nrecords] = s;
			p->record_len[p->nrecords++] = (size_t)(stop - s);
		}
		s = d ? d + dlen : end;
	}
	if (!p->nrecords) {
		snprintf(err, size, "--payload-file %s has no records", cfg->payload_file);
		return -EINVAL;
	}
	fprintf(stderr, "pvcbench kafka produce: %zu records read from %s\n", p->nrecords,
		cfg->payload_file);
	return 0;
}

static int check_config(struct kfk_config *cfg, const struct option_set *set, char *err,
			size_t size)
{
	int payloads = (cfg->record_size > 0) + (cfg->payload_file[0] != 0) +
		       (cfg->payload_monotonic ? 1 : 0);
	char *end;

	if (!cfg->topic[0]) {
		snprintf(err, size, "--topic is required");
		return -EINVAL;
	}
	if (cfg->num_records <= 0) {
		snprintf(err, size, "--num-records is required (a number of records, at least 1)");
		return -EINVAL;
	}
	if (payloads != 1) {
		snprintf(err, size,
			 "give exactly one of --record-size, --payload-file and "
			 "--payload-monotonic");
		return -EINVAL;
	}
	errno = 0;
	cfg->throughput_rps = strtod(cfg->throughput, &end);
	if (errno || end == cfg->throughput || *end || !isfinite(cfg->throughput_rps) ||
	    cfg->throughput_rps == 0) {
		snprintf(err, size,
			 "--throughput %s: records per second above 0, or -1 for no limit",
			 cfg->throughput);
		return -EINVAL;
	}
	if (cfg->warmup_records >= cfg->num_records) {
		snprintf(err, size, "--warmup-records %lld: must be less than --num-records %lld",
			 (long long)cfg->warmup_records, (long long)cfg->num_records);
		return -EINVAL;
	}
	if (cfg->replication_factor && !cfg->partitions) {
		snprintf(err, size,
			 "--replication-factor needs --partitions (used when the topic "
			 "is created)");
		return -EINVAL;
	}
	return 0;
}

static size_t ring_size(rd_kafka_conf_t *conf)
{
	char value[64];
	size_t len = sizeof(value);
	uint64_t max = 100000;

	if (rd_kafka_conf_get(conf, "queue.buffering.max.messages", value, &len) ==
	    RD_KAFKA_CONF_OK)
		max = strtoull(value, NULL, 10);
	size_t n = 1024;
	while (n <= max + 1024)
		n <<= 1;
	return n;
}

int kfk_produce_main(int argc, char **argv)
{
	struct kfk_config *cfg = calloc(1, sizeof(*cfg));
	struct producer *p = calloc(1, sizeof(*p));
	enum opt_source source[64] = { 0 };
	struct option_set set = { .defs = kfk_produce_defs,
				  .count = opt_count(kfk_produce_defs),
				  .source = source };
	struct kfk_mock mock = { 0 };
	struct report_output out = { 0 };
	char err[1024], errstr[512];
	int status = KFK_EXIT_USAGE;
	rd_kafka_conf_t *conf = NULL;

	if (!cfg || !p)
		return KFK_EXIT_FAILED;
	int ret = kfk_parse_args(argc, argv, "produce", kfk_produce_defs, "producer-props", cfg,
				 &set);
	if (ret) {
		if (ret > 0) {
			kfk_print_help(stdout, "produce",
				       "Produces records and measures them as "
				       "kafka-producer-perf-test does.",
				       kfk_produce_defs);
			status = KFK_EXIT_OK;
		}
		goto done;
	}
	if (check_config(cfg, &set, err, sizeof(err))) {
		fprintf(stderr, "pvcbench kafka produce: %s\n", err);
		goto done;
	}
	const char *bootstrap = kfk_bootstrap(cfg);
	if (!bootstrap) {
		fprintf(stderr, "pvcbench kafka produce: --bootstrap-server is required (or "
				"bootstrap.servers in the properties; mock for an in-process "
				"cluster)\n");
		goto done;
	}
	int brokers = kfk_mock_spec(bootstrap);
	if (brokers < 0) {
		fprintf(stderr,
			"pvcbench kafka produce: --bootstrap-server %s: mock:N takes 1 to 64 "
			"brokers\n",
			bootstrap);
		goto done;
	}
	p->cfg = cfg;
	conf = rd_kafka_conf_new();
	if (kfk_conf_apply(conf, &cfg->props, err, sizeof(err))) {
		fprintf(stderr, "pvcbench kafka produce: %s\n", err);
		goto done;
	}
	status = KFK_EXIT_FAILED;
	if (brokers > 0) {
		if (kfk_mock_start(&mock, brokers, err, sizeof(err))) {
			fprintf(stderr, "pvcbench kafka produce: %s\n", err);
			goto done;
		}
		bootstrap = mock.bootstraps;
		/* the mock does not implement CreateTopics: it has its own call */
		if (cfg->partitions > 0 &&
		    rd_kafka_mock_topic_create(
			    mock.cluster, cfg->topic, (int)cfg->partitions,
			    cfg->replication_factor > 0 ? (int)cfg->replication_factor : 1)) {
			fprintf(stderr,
				"pvcbench kafka produce: cannot create topic %s in the mock "
				"cluster\n",
				cfg->topic);
			goto done;
		}
		fprintf(stderr,
			"pvcbench kafka produce: in-process mock cluster (%d broker%s) at "
			"%s\n",
			brokers, brokers == 1 ? "" : "s", bootstrap);
	}
	rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof(errstr));
	if (cfg->print_metrics) {
		char v[32];
		size_t vlen = sizeof(v);
		if (rd_kafka_conf_get(conf, "statistics.interval.ms", v, &vlen) !=
			    RD_KAFKA_CONF_OK ||
		    !strcmp(v, "0"))
			rd_kafka_conf_set(conf, "statistics.interval.ms", "1000", errstr,
					  sizeof(errstr));
		rd_kafka_conf_set_stats_cb(conf, on_stats);
	}
	rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
	rd_kafka_conf_set_opaque(conf, p);
	size_t ring = ring_size(conf);
	p->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
	if (!p->rk) {
		fprintf(stderr, "pvcbench kafka produce: %s\n", errstr);
		status = KFK_EXIT_USAGE;
		goto done;
	}
	conf = NULL; /* the handle owns it */
	if (kfk_prepare_topic(p->rk, cfg->topic, cfg->partitions, cfg->replication_factor,
			      cfg->timeout_ms, err, sizeof(err))) {
		fprintf(stderr, "pvcbench kafka produce: bootstrap %s: %s\n", bootstrap, err);
		goto done;
	}
	p->rkt = rd_kafka_topic_new(p->rk, cfg->topic, NULL);
	p->sent_ns = calloc(ring, sizeof(*p->sent_ns));
	p->ring_mask = ring - 1;
	p->warmup = (uint64_t)cfg->warmup_records;
	rng_seed(p->rng, clock_now_ns());
	p->period_ns = cfg->throughput_rps > 0 ? 1e9 / cfg->throughput_rps : 0;
	if (!p->rkt || !p->sent_ns) {
		fprintf(stderr, "pvcbench kafka produce: out of memory\n");
		goto done;
	}
	if (cfg->payload_file[0]) {
		if (load_payload_file(p, err, sizeof(err))) {
			fprintf(stderr, "pvcbench kafka produce: %s\n", err);
			status = KFK_EXIT_USAGE;
			goto done;
		}
	} else if (!cfg->payload_monotonic) {
		/* as the Java tool: one payload of random upper-case letters, sent every time */
		p->payload_len = (size_t)cfg->record_size;
		p->payload = malloc(p->payload_len);
		if (!p->payload) {
			fprintf(stderr, "pvcbench kafka produce: out of memory\n");
			goto done;
		}
		for (size_t i = 0; i < p->payload_len; i++)
			p->payload[i] = (char)('A' + rng_range(p->rng, 0, 25));
	}
	if (report_output_open(&out, cfg->output[0] ? cfg->output : NULL, "output", err,
			       sizeof(err))) {
		fprintf(stderr, "pvcbench kafka produce: %s\n", err);
		status = KFK_EXIT_USAGE;
		goto done;
	}
	bool json = !strcmp(cfg->output_format, "json");
	struct produce_report rep = { .cfg = cfg,
				      .progress = json || out.f != stdout ? stderr : stdout };
	struct worker_spec spec = { .cpu = -1, .numa_node = -1, .arg = p };
	struct run_plan plan = {
		.nworkers = 1,
		.nops = p->period_ns > 0 ? 2 : 1,
		.op_names = { "produce", "produce_scheduled" },
		.specs = &spec,
		.interval_ns = (uint64_t)cfg->reporting_interval_ms * 1000000ULL,
		.worker_init = produce_init,
		.worker_run = produce_run,
		.on_interval = progress_line,
		.on_interval_arg = &rep,
		.interval_out = rep.progress,
	};
	struct run_result res;
	runner_run(&plan, &res);
	if (res.init_failed) {
		/* stopped before the start (--start-at): nothing ran, nothing to report */
		report_output_abort(&out);
		run_result_free(&res);
		goto done;
	}
	struct op_stats s, sched;
	uint64_t runtime_ns = 0;
	run_result_total(&res, OP_PRODUCE, &s, &runtime_ns);
	if (plan.nops > 1)
		run_result_total(&res, OP_SCHEDULED, &sched, NULL);
	/* the rate over the steady part: after the warm-up records, to the last report */
	uint64_t end_ns = p->end_ns;
	uint64_t from = p->steady_start_ns ? p->steady_start_ns : p->start_ns;
	double secs = end_ns > from ? (double)(end_ns - from) / 1e9 : 0;
	if (json)
		json_result(out.f, p, &res, &s, plan.nops > 1 ? &sched : NULL, runtime_ns, secs,
			    &set, bootstrap);
	else
		final_lines(out.f, p, &s, plan.nops > 1 ? &sched : NULL, secs);
	if (out.f != stdout && !json)
		final_lines(stdout, p, &s, plan.nops > 1 ? &sched : NULL, secs);
	if (cfg->print_metrics)
		kfk_print_metrics(json ? stderr : stdout, p->stats);
	status = KFK_EXIT_OK;
	if (report_output_commit(&out, err, sizeof(err))) {
		fprintf(stderr, "pvcbench kafka produce: %s\n", err);
		status = KFK_EXIT_FAILED;
	}
	if (p->failed) {
		fprintf(stderr, "pvcbench kafka produce: %llu records failed delivery: %s\n",
			(unsigned long long)p->failed, p->first_error);
		status = KFK_EXIT_FAILED;
	}
	if (p->purged)
		fprintf(stderr,
			"pvcbench kafka produce: %llu records not acknowledged when the "
			"run was stopped\n",
			(unsigned long long)p->purged);
	run_result_free(&res);
done:
	if (conf)
		rd_kafka_conf_destroy(conf);
	if (p->rkt)
		rd_kafka_topic_destroy(p->rkt);
	if (p->rk)
		rd_kafka_destroy(p->rk);
	kfk_mock_stop(&mock);
	free(p->sent_ns);
	free(p->payload);
	free(p->file_data);
	free(p->records);
	free(p->record_len);
	free(p->stats);
	free(p);
	kfk_props_free(&cfg->props);
	free(cfg);
	int sig = signals_received();
	return sig ? 128 + sig : status;
}
