/*
 * consume.c - `pvcbench kafka consume`, kafka-consumer-perf-test on librdkafka's consumer.
 *
 * One consumer in a group reads --messages messages, or stops when none came for --timeout
 * ms. As in the Java tool, the time to join the group (subscribe until partitions are
 * assigned, and again after every revocation) is the rebalance time, and the rest of the
 * elapsed time is the fetch time. Each message's latency is the time since its timestamp
 * (the producer's create time, or the broker's append time): an end-to-end figure with the
 * timestamps' millisecond resolution, recorded in the shared histogram.
 *
 * Under the cooperative protocol (partition.assignment.strategy=cooperative-sticky) one
 * rebalance may call the assign callback more than once (incremental assignments): a join's
 * time is counted once, at its first assignment.
 */
#include "kafka.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvcbench/clock.h"
#include "pvcbench/report.h"
#include "pvcbench/rng.h"
#include "pvcbench/signals.h"

struct consumer {
	const struct kfk_config *cfg;
	rd_kafka_t *rk;
	struct worker *w;
	uint64_t start_ms, end_ms; /* wall clock, for the report's dates */
	uint64_t start_ns;
	uint64_t join_start_ns;
	bool joining;		  /* subscribed or revoked, and not assigned since */
	_Atomic uint64_t join_ns; /* read by the reporter for detailed lines */
	uint64_t consumed, bytes, errors;
	bool timed_out;
	char first_error[256];
};

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct consumer *c = kfk_client_arg(opaque);
	bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
	uint64_t now = clock_now_ns();

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (cooperative)
			rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
		else
			rd_kafka_assign(rk, parts);
		if (c->joining)
			atomic_fetch_add(&c->join_ns, now - c->join_start_ns);
		c->joining = false;
	} else {
		if (cooperative)
			rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
		else
			rd_kafka_assign(rk, NULL);
		if (!c->joining)
			c->join_start_ns = now;
		c->joining = true;
	}
}

static int consume_init(struct worker *w)
{
	struct consumer *c = worker_arg(w);

	c->w = w;
	worker_set_state(w, c);
	return 0;
}

static int consume_run(struct worker *w)
{
	struct consumer *c = worker_state(w);
	uint64_t want = (uint64_t)c->cfg->messages;
	uint64_t timeout_ns = (uint64_t)c->cfg->timeout_ms * 1000000ULL;
	rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);

	rd_kafka_topic_partition_list_add(topics, c->cfg->topic, RD_KAFKA_PARTITION_UA);
	c->start_ms = kfk_unix_ms();
	c->start_ns = c->join_start_ns = clock_now_ns();
	c->joining = true;
	rd_kafka_resp_err_t err = rd_kafka_subscribe(c->rk, topics);
	rd_kafka_topic_partition_list_destroy(topics);
	if (err)
		return worker_fail(w, -EINVAL, "cannot subscribe to %s: %s", c->cfg->topic,
				   rd_kafka_err2str(err));
	uint64_t last = c->start_ns;
	while (c->consumed < want) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			break;
		if (now - last > timeout_ns) {
			c->timed_out = true;
			break;
		}
		rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);
		if (!m)
			continue;
		if (m->err) {
			if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
				if (!c->errors)
					snprintf(c->first_error, sizeof(c->first_error), "%s",
						 rd_kafka_message_errstr(m));
				c->errors++;
			}
			rd_kafka_message_destroy(m);
			continue;
		}
		now = clock_now_ns();
		last = now;
		c->consumed++;
		c->bytes += m->len;
		int64_t ts = rd_kafka_message_timestamp(m, NULL);
		uint64_t wall = kfk_unix_ms();
		uint64_t lat =
			ts > 0 && wall > (uint64_t)ts ? (wall - (uint64_t)ts) * 1000000ULL : 0;
		worker_record(w, 0, lat, m->len);
		rd_kafka_message_destroy(m);
	}
	c->end_ms = kfk_unix_ms();
	return 0;
}

/* ---- output ---- */

static const char header_total[] =
	"start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
	"rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";
static const char header_detailed[] =
	"time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, "
	"rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec";

struct consume_report {
	struct consumer *c;
	FILE *out;
	uint64_t total_msgs, total_bytes, last_join_ns;
};

static double per_sec(double amount, double ms)
{
	return ms > 0 ? amount * 1000.0 / ms : 0;
}

static void detailed_line(void *arg, const struct series_point *pt, const struct op_stats *ops,
			  bool last, char *line, size_t size)
{
	struct consume_report *r = arg;
	const struct consumer *c = r->c;
	char date[64];

	r->total_msgs += ops[0].ops;
	r->total_bytes += ops[0].bytes;
	if (!c->cfg->detailed)
		return;
	uint64_t join = atomic_load(&r->c->join_ns);
	double join_ms = (double)(join - r->last_join_ns) / 1e6;
	r->last_join_ns = join;
	double ms = (double)pt->duration_ms;
	double fetch_ms = ms > join_ms ? ms - join_ms : 0;
	double mb = (double)ops[0].bytes / 1048576.0;
	kfk_format_date(date, sizeof(date), c->start_ms + pt->start_ms + pt->duration_ms,
			c->cfg->date_format);
	snprintf(line, size, "%s, %d, %.4f, %.4f, %llu, %.4f, %lld, %lld, %.4f, %.4f\n", date, 0,
		 (double)r->total_bytes / 1048576.0, per_sec(mb, ms),
		 (unsigned long long)r->total_msgs, per_sec((double)ops[0].ops, ms),
		 (long long)join_ms, (long long)fetch_ms, per_sec(mb, fetch_ms),
		 per_sec((double)ops[0].ops, fetch_ms));
	(void)last;
}

static void total_line(FILE *out, const struct consumer *c)
{
	char start[64], end[64];
	double ms = (double)(c->end_ms - c->start_ms);
	double join_ms = (double)(atomic_load(&((struct consumer *)c)->join_ns) / 1000000ULL);
	double fetch_ms = ms > join_ms ? ms - join_ms : 0;
	double mb = (double)c->bytes / 1048576.0;

	kfk_format_date(start, sizeof(start), c->start_ms, c->cfg->date_format);
	kfk_format_date(end, sizeof(end), c->end_ms, c->cfg->date_format);
	fprintf(out, "%s, %s, %.4f, %.4f, %llu, %.4f, %lld, %lld, %.4f, %.4f\n", start, end, mb,
		per_sec(mb, ms), (unsigned long long)c->consumed, per_sec((double)c->consumed, ms),
		(long long)join_ms, (long long)fetch_ms, per_sec(mb, fetch_ms),
		per_sec((double)c->consumed, fetch_ms));
}

static void json_result(FILE *out, const struct consumer *c, const struct run_result *res,
			const struct op_stats *s, uint64_t runtime_ns, const struct option_set *set,
			const char *bootstrap)
{
	const struct kfk_config *cfg = c->cfg;
	struct jsonw j;
	double ms = (double)(c->end_ms - c->start_ms);
	double join_ms = (double)(atomic_load(&((struct consumer *)c)->join_ns) / 1000000ULL);
	double fetch_ms = ms > join_ms ? ms - join_ms : 0;
	double mb = (double)c->bytes / 1048576.0;

	jsonw_begin(&j, out);
	report_json_header(&j);
	jsonw_array_begin(&j, "jobs");
	jsonw_object_begin(&j, NULL);
	jsonw_string(&j, "jobname", "kafka-consume");
	jsonw_u64(&j, "groupid", 0);
	jsonw_i64(&j, "error", c->timed_out ? 1 : 0);
	report_config_json(&j, set, cfg);
	report_op_json(&j, "consume", s, runtime_ns);
	jsonw_object_begin(&j, "kafka");
	jsonw_string(&j, "topic", cfg->topic);
	jsonw_string(&j, "bootstrap", bootstrap);
	jsonw_string(&j, "group", cfg->group);
	jsonw_i64(&j, "messages_wanted", cfg->messages);
	jsonw_u64(&j, "start_unix_ms", c->start_ms);
	jsonw_u64(&j, "end_unix_ms", c->end_ms);
	jsonw_double(&j, "data_consumed_mb", mb);
	jsonw_double(&j, "mb_per_sec", per_sec(mb, ms));
	jsonw_u64(&j, "messages_consumed", c->consumed);
	jsonw_double(&j, "messages_per_sec", per_sec((double)c->consumed, ms));
	jsonw_u64(&j, "rebalance_time_ms", (uint64_t)join_ms);
	jsonw_u64(&j, "fetch_time_ms", (uint64_t)fetch_ms);
	jsonw_double(&j, "fetch_mb_per_sec", per_sec(mb, fetch_ms));
	jsonw_double(&j, "fetch_messages_per_sec", per_sec((double)c->consumed, fetch_ms));
	jsonw_bool(&j, "timed_out", c->timed_out);
	jsonw_u64(&j, "consumer_errors", c->errors);
	jsonw_object_end(&j);
	report_series_json(&j, "series", res);
	jsonw_object_end(&j);
	jsonw_array_end(&j);
	jsonw_end(&j);
}

/* Runs the consumer on the runner and prints what it measured; returns the exit status */
static int consume_measure(struct consumer *c, struct kfk_client *client,
			   const struct option_set *set)
{
	const struct kfk_config *cfg = c->cfg;
	struct report_output out = { 0 };
	char err[1024];
	int status = KFK_EXIT_OK;

	if (report_output_open(&out, cfg->output[0] ? cfg->output : NULL, "output", err,
			       sizeof(err))) {
		fprintf(stderr, "pvcbench kafka consume: %s\n", err);
		return KFK_EXIT_USAGE;
	}
	bool json = !strcmp(cfg->output_format, "json");
	FILE *text = json ? stderr : out.f;
	if (!cfg->hide_header && !(json && !cfg->detailed))
		fprintf(text, "%s\n", cfg->detailed ? header_detailed : header_total);
	fflush(text);
	struct consume_report rep = { .c = c, .out = text };
	struct worker_spec spec = { .cpu = -1, .numa_node = -1, .arg = c };
	struct run_plan plan = {
		.nworkers = 1,
		.nops = 1,
		.op_names = { "consume" },
		.specs = &spec,
		.interval_ns = (uint64_t)cfg->reporting_interval_ms * 1000000ULL,
		.worker_init = consume_init,
		.worker_run = consume_run,
		.on_interval = detailed_line,
		.on_interval_arg = &rep,
		.interval_out = rep.out,
	};
	struct run_result res;
	int rr = runner_run(&plan, &res);
	if (!res.workers || res.init_failed) {
		/* nothing ran: the runner could not start, or stopped before the start
		   (--start-at) */
		if (rr && !res.init_failed)
			fprintf(stderr, "pvcbench kafka consume: cannot run: %s\n", strerror(-rr));
		report_output_abort(&out);
		run_result_free(&res);
		return rr && !res.init_failed ? KFK_EXIT_FAILED : KFK_EXIT_USAGE;
	}
	if (!c->end_ms)
		c->end_ms = kfk_unix_ms();
	rd_kafka_consumer_close(c->rk);
	if (rr && res.workers[0].error_msg[0]) {
		fprintf(stderr, "pvcbench kafka consume: %s\n", res.workers[0].error_msg);
		report_output_abort(&out);
		run_result_free(&res);
		return KFK_EXIT_FAILED;
	}
	struct op_stats s;
	uint64_t runtime_ns;
	run_result_total(&res, 0, &s, &runtime_ns);
	if (json)
		json_result(out.f, c, &res, &s, runtime_ns, set, client->bootstrap);
	else if (!cfg->detailed)
		total_line(out.f, c);
	if (cfg->print_metrics) {
		/* statistics taken after the close, so they count every message fetched */
		kfk_client_final_stats(client);
		kfk_print_metrics(json ? stderr : stdout, client->stats);
	}
	if (report_output_commit(&out, err, sizeof(err))) {
		fprintf(stderr, "pvcbench kafka consume: %s\n", err);
		status = KFK_EXIT_FAILED;
	}
	if (c->timed_out) {
		fprintf(json ? stderr : stdout,
			"WARNING: Exiting before consuming the expected number of messages: timeout "
			"(%lld ms) exceeded. You can use the --timeout option to increase the "
			"timeout.\n",
			(long long)cfg->timeout_ms);
		status = KFK_EXIT_FAILED;
	}
	if (c->errors)
		fprintf(stderr, "pvcbench kafka consume: %llu consumer errors; first: %s\n",
			(unsigned long long)c->errors, c->first_error);
	run_result_free(&res);
	return status;
}

int kfk_consume_main(int argc, char **argv)
{
	struct kfk_config *cfg = calloc(1, sizeof(*cfg));
	struct consumer *c = calloc(1, sizeof(*c));
	enum opt_source source[64] = { 0 };
	struct option_set set = { .defs = kfk_consume_defs,
				  .count = opt_count(kfk_consume_defs),
				  .source = source };
	struct kfk_client client = { 0 };
	char err[2048], fetch[32], sockbuf[32];
	int status = KFK_EXIT_USAGE;

	if (!cfg || !c) {
		free(cfg);
		free(c);
		return KFK_EXIT_FAILED;
	}
	int ret = kfk_parse_args(argc, argv, "consume", kfk_consume_defs, "consumer-props", cfg,
				 &set);
	if (ret) {
		if (ret > 0) {
			kfk_print_help(stdout, "consume",
				       "Consumes messages and measures them as "
				       "kafka-consumer-perf-test does.",
				       kfk_consume_defs);
			status = KFK_EXIT_OK;
		}
		goto done;
	}
	if (!cfg->topic[0] || cfg->messages <= 0) {
		fprintf(stderr, "pvcbench kafka consume: %s is required\n",
			!cfg->topic[0] ? "--topic"
				       : "--messages (a number of messages, at least 1)");
		goto done;
	}
	if (!cfg->group[0]) {
		/* the Java tool's default: a new group, so the run reads from the start */
		uint64_t rng[2];
		rng_seed(rng, clock_now_ns() ^ ((uint64_t)getpid() << 32));
		snprintf(cfg->group, sizeof(cfg->group), "perf-consumer-%lld",
			 (long long)rng_range(rng, 0, 99999));
	}
	c->cfg = cfg;
	snprintf(fetch, sizeof(fetch), "%lld", (long long)cfg->fetch_size);
	snprintf(sockbuf, sizeof(sockbuf), "%lld", (long long)cfg->socket_buffer_size);
	const struct kfk_setting defaults[] = {
		{ "auto.offset.reset", cfg->from_latest ? "latest" : "earliest" },
		{ "max.partition.fetch.bytes", fetch },
		{ "socket.receive.buffer.bytes", sockbuf },
		{ NULL, NULL },
	};
	const struct kfk_setting overrides[] = { { "group.id", cfg->group }, { NULL, NULL } };
	struct kfk_client_spec spec = { .cmd = "consume",
					.type = RD_KAFKA_CONSUMER,
					.defaults = defaults,
					.overrides = overrides,
					.rebalance_cb = on_rebalance,
					.arg = c };
	ret = kfk_client_open(&client, cfg, &spec, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "pvcbench kafka consume: %s\n", err);
		status = ret == -EINVAL ? KFK_EXIT_USAGE : KFK_EXIT_FAILED;
		goto done;
	}
	c->rk = client.rk;
	/* after the metadata wait, which serves the main queue itself */
	rd_kafka_poll_set_consumer(c->rk);
	status = consume_measure(c, &client, &set);
done:
	kfk_client_close(&client);
	free(c);
	kfk_props_free(&cfg->props);
	free(cfg);
	int sig = signals_received();
	return sig ? 128 + sig : status;
}
