/*
 * consume.c - `pvcbench kafka consume`, kafka-consumer-perf-test on librdkafka's consumer.
 *
 * One consumer in a group reads --messages messages, or stops when none came for --timeout
 * ms. As in the Java tool, the time to join the group (subscribe until partitions are
 * assigned, and again after every revocation) is the rebalance time, and the rest of the
 * elapsed time is the fetch time. Each message's latency is the time since its timestamp
 * (the producer's create time, or the broker's append time): an end-to-end figure with the
 * timestamps' millisecond resolution, recorded in the shared histogram.
 */
#include "kafka.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvcbench/clock.h"
#include "pvcbench/report.h"
#include "pvcbench/signals.h"

struct consumer {
	const struct kfk_config *cfg;
	rd_kafka_t *rk;
	struct worker *w;
	uint64_t start_ms, end_ms; /* wall clock, for the report's dates */
	uint64_t start_ns;
	uint64_t join_start_ns;
	_Atomic uint64_t join_ns; /* read by the reporter for detailed lines */
	uint64_t consumed, bytes, errors;
	bool timed_out;
	char first_error[256];
	char *stats;
};

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			 rd_kafka_topic_partition_list_t *parts, void *opaque)
{
	struct consumer *c = opaque;
	bool cooperative = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
	uint64_t now = clock_now_ns();

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (cooperative)
			rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, parts));
		else
			rd_kafka_assign(rk, parts);
		atomic_fetch_add(&c->join_ns, now - c->join_start_ns);
	} else {
		if (cooperative)
			rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, parts));
		else
			rd_kafka_assign(rk, NULL);
		c->join_start_ns = now;
	}
}

static int on_stats(rd_kafka_t *rk, char *json, size_t len, void *opaque)
{
	struct consumer *c = opaque;
	char *copy = strndup(json, len);

	if (copy) {
		free(c->stats);
		c->stats = copy;
	}
	return 0; /* librdkafka frees json */
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

static int set_conf(rd_kafka_conf_t *conf, const char *key, const char *value, char *err,
		    size_t size)
{
	char errstr[256];

	if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
		snprintf(err, size, "%s=%s: %s", key, value, errstr);
		return -1;
	}
	return 0;
}

int kfk_consume_main(int argc, char **argv)
{
	struct kfk_config *cfg = calloc(1, sizeof(*cfg));
	struct consumer *c = calloc(1, sizeof(*c));
	enum opt_source source[64] = { 0 };
	struct option_set set = { .defs = kfk_consume_defs,
				  .count = opt_count(kfk_consume_defs),
				  .source = source };
	struct kfk_mock mock = { 0 };
	struct report_output out = { 0 };
	char err[2048], errstr[512], num[32];
	int status = KFK_EXIT_USAGE;
	rd_kafka_conf_t *conf = NULL;

	if (!cfg || !c)
		return KFK_EXIT_FAILED;
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
	const char *bootstrap = kfk_bootstrap(cfg);
	if (!bootstrap) {
		fprintf(stderr, "pvcbench kafka consume: --bootstrap-server is required\n");
		goto done;
	}
	int brokers = kfk_mock_spec(bootstrap);
	if (brokers < 0) {
		fprintf(stderr,
			"pvcbench kafka consume: --bootstrap-server %s: mock:N takes 1 to 64 "
			"brokers\n",
			bootstrap);
		goto done;
	}
	if (!cfg->group[0]) {
		/* the Java tool's default: a new group, so the run reads from the start */
		srand((unsigned)clock_now_ns());
		snprintf(cfg->group, sizeof(cfg->group), "perf-consumer-%d", rand() % 100000);
	}
	c->cfg = cfg;
	conf = rd_kafka_conf_new();
	snprintf(num, sizeof(num), "%lld", (long long)cfg->fetch_size);
	if (set_conf(conf, "auto.offset.reset", cfg->from_latest ? "latest" : "earliest", err,
		     sizeof(err)) ||
	    set_conf(conf, "max.partition.fetch.bytes", num, err, sizeof(err)) ||
	    (snprintf(num, sizeof(num), "%lld", (long long)cfg->socket_buffer_size),
	     set_conf(conf, "socket.receive.buffer.bytes", num, err, sizeof(err))) ||
	    kfk_conf_apply(conf, &cfg->props, err, sizeof(err)) ||
	    set_conf(conf, "group.id", cfg->group, err, sizeof(err))) {
		fprintf(stderr, "pvcbench kafka consume: %s\n", err);
		goto done;
	}
	status = KFK_EXIT_FAILED;
	if (brokers > 0) {
		if (kfk_mock_start(&mock, brokers, err, sizeof(err))) {
			fprintf(stderr, "pvcbench kafka consume: %s\n", err);
			goto done;
		}
		bootstrap = mock.bootstraps;
	}
	set_conf(conf, "bootstrap.servers", bootstrap, err, sizeof(err));
	if (cfg->print_metrics) {
		set_conf(conf, "statistics.interval.ms", "1000", err, sizeof(err));
		rd_kafka_conf_set_stats_cb(conf, on_stats);
	}
	rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
	rd_kafka_conf_set_opaque(conf, c);
	c->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
	if (!c->rk) {
		fprintf(stderr, "pvcbench kafka consume: %s\n", errstr);
		status = KFK_EXIT_USAGE;
		goto done;
	}
	conf = NULL;
	rd_kafka_poll_set_consumer(c->rk);
	if (kfk_prepare_topic(c->rk, cfg->topic, 0, 0, cfg->timeout_ms, err, sizeof(err))) {
		fprintf(stderr, "pvcbench kafka consume: bootstrap %s: %s\n", bootstrap, err);
		goto done;
	}
	if (report_output_open(&out, cfg->output[0] ? cfg->output : NULL, "output", err,
			       sizeof(err))) {
		fprintf(stderr, "pvcbench kafka consume: %s\n", err);
		status = KFK_EXIT_USAGE;
		goto done;
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
	if (res.init_failed) {
		/* stopped before the start (--start-at): nothing ran, nothing to report */
		report_output_abort(&out);
		run_result_free(&res);
		goto done;
	}
	if (!c->end_ms)
		c->end_ms = kfk_unix_ms();
	rd_kafka_consumer_close(c->rk);
	if (rr && res.workers && res.workers[0].error_msg[0]) {
		fprintf(stderr, "pvcbench kafka consume: %s\n", res.workers[0].error_msg);
		report_output_abort(&out);
		run_result_free(&res);
		goto done;
	}
	struct op_stats s;
	uint64_t runtime_ns;
	run_result_total(&res, 0, &s, &runtime_ns);
	if (json)
		json_result(out.f, c, &res, &s, runtime_ns, &set, bootstrap);
	else if (!cfg->detailed)
		total_line(out.f, c);
	if (cfg->print_metrics)
		kfk_print_metrics(json ? stderr : stdout, c->stats);
	status = KFK_EXIT_OK;
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
done:
	if (conf)
		rd_kafka_conf_destroy(conf);
	if (c->rk)
		rd_kafka_destroy(c->rk);
	kfk_mock_stop(&mock);
	free(c->stats);
	free(c);
	kfk_props_free(&cfg->props);
	free(cfg);
	int sig = signals_received();
	return sig ? 128 + sig : status;
}
