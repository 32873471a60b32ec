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
 * The tool's own settings are the Java tool's: client.id perf-consumer-client (unless the
 * properties name one), check.crcs false, group.id from --group; --fetch-size,
 * --socket-buffer-size and --from-latest win over the properties when given (as in Java),
 * and are defaults the properties may change when not. A --timeout that ends the run early
 * is Java's WARNING and exit status 0.
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
#include "pvcbench/metrics.h"
#include "pvcbench/report.h"
#include "pvcbench/rng.h"
#include "pvcbench/signals.h"

struct consume_report {
	struct consumer *c;
	FILE *out;
	uint64_t total_msgs, total_bytes, last_join_ns;
};

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
	/* the command's */
	struct kfk_client client;
	struct worker_spec spec;
	struct consume_report rep;
	bool ran; /* the run started: its report and metrics are due */
	struct op_stats total;
	uint64_t runtime_ns;
	const struct run_result *res; /* the run's */
	/* its outage windows, less the group join and the --timeout wait (consume_stalls) */
	struct stall_list stalls;
	bool has_stalls;
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
				worker_record_failure(w, 0, rd_kafka_err2name(m->err));
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

static void json_job(struct jsonw *j, const struct consumer *c, const struct op_stats *s,
		     uint64_t runtime_ns, const struct option_set *set, const char *bootstrap)
{
	const struct kfk_config *cfg = c->cfg;
	double ms = (double)(c->end_ms - c->start_ms);
	double join_ms = (double)(atomic_load(&((struct consumer *)c)->join_ns) / 1000000ULL);
	double fetch_ms = ms > join_ms ? ms - join_ms : 0;
	double mb = (double)c->bytes / 1048576.0;

	jsonw_object_begin(j, NULL);
	jsonw_string(j, "jobname", "kafka-consume");
	jsonw_u64(j, "groupid", 0);
	jsonw_i64(j, "error", 0); /* a timeout is the Java tool's WARNING, not an error */
	report_config_json(j, set, cfg);
	report_op_json(j, "consume", s, runtime_ns);
	if (c->has_stalls)
		report_stalls_json(j, "stalls", &c->stalls);
	jsonw_object_begin(j, "kafka");
	jsonw_string(j, "topic", cfg->topic);
	jsonw_string(j, "bootstrap", bootstrap);
	jsonw_string(j, "group", cfg->group);
	jsonw_i64(j, "messages_wanted", cfg->messages);
	jsonw_u64(j, "start_unix_ms", c->start_ms);
	jsonw_u64(j, "end_unix_ms", c->end_ms);
	jsonw_double(j, "data_consumed_mb", mb);
	jsonw_double(j, "mb_per_sec", per_sec(mb, ms));
	jsonw_u64(j, "messages_consumed", c->consumed);
	jsonw_double(j, "messages_per_sec", per_sec((double)c->consumed, ms));
	jsonw_u64(j, "rebalance_time_ms", (uint64_t)join_ms);
	jsonw_u64(j, "fetch_time_ms", (uint64_t)fetch_ms);
	jsonw_double(j, "fetch_mb_per_sec", per_sec(mb, fetch_ms));
	jsonw_double(j, "fetch_messages_per_sec", per_sec((double)c->consumed, fetch_ms));
	jsonw_bool(j, "timed_out", c->timed_out);
	jsonw_u64(j, "consumer_errors", c->errors);
	kfk_applied_json(j, "properties", &cfg->props, &c->client.applied);
	jsonw_object_end(j);
	jsonw_object_end(j);
}

/* ---- the command ---- */

static int consume_configure(struct command *cmd, char *err, size_t size)
{
	struct kfk_config *cfg = command_config(cmd);
	struct consumer *c;

	if (kfk_props_merge(cfg, err, size) || kfk_date_format_check(cfg->date_format, err, size))
		return -EINVAL;
	if (cfg->verify_file[0])
		return CMD_CONTINUE; /* a check of the topic (verify_read.c), not a measurement */
	if (!cfg->topic[0] || cfg->messages <= 0) {
		snprintf(err, size, "%s is required",
			 !cfg->topic[0] ? "--topic"
					: "--messages (a number of messages, at least 1)");
		return -EINVAL;
	}
	if (!cfg->group[0]) {
		/* the Java tool's default: a new group, so the run reads from the start */
		uint64_t rng[2];
		rng_seed(rng, clock_now_ns() ^ ((uint64_t)getpid() << 32));
		snprintf(cfg->group, sizeof(cfg->group), "perf-consumer-%lld",
			 (long long)rng_range(rng, 0, 99999));
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	c->cfg = cfg;
	command_set_state(cmd, c);
	return CMD_CONTINUE;
}

/* --verify=FILE checks the topic instead of measuring */
static bool consume_measures(const struct command *cmd)
{
	const struct kfk_config *cfg = command_config(cmd);

	return !cfg->verify_file[0];
}

static void consume_outputs(const struct command *cmd, struct cmd_outputs *o)
{
	const struct kfk_config *cfg = command_config(cmd);

	o->results = cfg->output;
	o->json = !strcmp(cfg->output_format, "json");
}

/* The client (and the mock cluster), then the header where the lines will go */
static int consume_prepare(struct command *cmd)
{
	const struct kfk_config *cfg = command_config(cmd);
	struct consumer *c = command_state(cmd);
	char err[2048], fetch[32], sockbuf[32];

	snprintf(fetch, sizeof(fetch), "%lld", (long long)cfg->fetch_size);
	snprintf(sockbuf, sizeof(sockbuf), "%lld", (long long)cfg->socket_buffer_size);
	const struct option_set *set = command_options(cmd);
	const struct kfk_setting tool[] = {
		{ "auto.offset.reset", cfg->from_latest ? "latest" : "earliest" },
		{ "max.partition.fetch.bytes", fetch },
		{ "socket.receive.buffer.bytes", sockbuf },
	};
	bool given[] = { opt_given(set, "from-latest"), opt_given(set, "fetch-size"),
			 opt_given(set, "socket-buffer-size") };
	/* the tool's settings: before the properties when left out, after them when given */
	struct kfk_setting defaults[6] = { { "client.id", "perf-consumer-client" },
					   { "check.crcs", "false" } };
	struct kfk_setting overrides[5] = { { "group.id", cfg->group } };
	unsigned nd = 2, no = 1;
	for (unsigned i = 0; i < 3; i++) {
		if (given[i])
			overrides[no++] = tool[i];
		else
			defaults[nd++] = tool[i];
	}
	struct kfk_client_spec spec = { .cmd = "consume",
					.type = RD_KAFKA_CONSUMER,
					.defaults = defaults,
					.overrides = overrides,
					.rebalance_cb = on_rebalance,
					.arg = c };
	int ret = kfk_client_open(&c->client, cfg, &spec, err, sizeof(err));

	if (ret) {
		command_error(cmd, "%s", err);
		if (ret == -EINVAL)
			command_set_status(cmd, KFK_EXIT_USAGE);
		return ret;
	}
	c->rk = c->client.rk;
	/* after the metadata wait, which serves the main queue itself */
	rd_kafka_poll_set_consumer(c->rk);
	bool json = command_json(cmd);
	c->rep = (struct consume_report){ .c = c, .out = json ? stderr : command_results(cmd) };
	if (opt_given(set, "threads") || opt_given(set, "num-fetch-threads"))
		fprintf(c->rep.out, "WARNING: option [threads] and [num-fetch-threads] have been "
				    "deprecated and will be ignored by the test\n");
	if (!cfg->hide_header && !(json && !cfg->detailed))
		fprintf(c->rep.out, "%s\n", cfg->detailed ? header_detailed : header_total);
	fflush(c->rep.out);
	return 0;
}

static int consume_plan(struct command *cmd, unsigned index, struct run_plan *plan)
{
	const struct kfk_config *cfg = command_config(cmd);
	struct consumer *c = command_state(cmd);

	if (index > 0)
		return CMD_NO_MORE_RUNS;
	c->spec = (struct worker_spec){ .cpu = -1, .numa_node = -1, .arg = c };
	plan->nworkers = 1;
	plan->nops = 1;
	plan->op_names[0] = "consume";
	plan->specs = &c->spec;
	plan->interval_ns = (uint64_t)cfg->reporting_interval_ms * 1000000ULL;
	plan->worker_init = consume_init;
	plan->worker_run = consume_run;
	plan->on_interval = detailed_line;
	plan->on_interval_arg = &c->rep;
	plan->interval_out = c->rep.out;
	plan->stall_threshold_ns = cfg->stall_threshold_ns;
	plan->progress_label = "kafka consume";
	/* the JSON's jobname; a consumer's poll is no operation in flight: none is published */
	static const char *const jobs[] = { "kafka-consume" };
	plan->worker_jobs = jobs;
	metrics_set_engine(jobs[0], "librdkafka");
	return CMD_RUN;
}

/*
 * The run's outage windows as the consumer's report gives them: without the wait from the
 * start to the first record (the group join: the line's rebalance.time.ms), and without the
 * final wait that --timeout ended, even when nothing was read (the WARNING says so, and the
 * run's failures by cause stay in the totals); every other gap, failures and causes kept.
 */
static void consume_stalls(struct consumer *c, const struct run_result *res)
{
	const struct stall_list *all = &res->stalls;

	stall_list_init(&c->stalls, all->threshold_ns);
	for (size_t i = 0; i < all->n; i++) {
		const struct stall *s = &all->v[i];
		bool joining = i == 0 && s->start_ns == 0 && !s->open;
		bool timeout = i == all->n - 1 && s->open && c->timed_out;
		if (!joining && !timeout)
			stall_list_add(&c->stalls, s);
	}
	c->stalls.dropped += all->dropped;
	c->stalls.ncauses = all->ncauses;
	memcpy(c->stalls.causes, all->causes, sizeof(all->causes));
	c->stalls.run_failures = all->run_failures;
	c->has_stalls = true;
}

/* Leaves the group, totals the run; the timeout's WARNING where the Java tool prints it */
static int consume_run_done(struct command *cmd, unsigned index, struct run_result *res, FILE *out)
{
	const struct kfk_config *cfg = command_config(cmd);
	struct consumer *c = command_state(cmd);

	(void)index;
	(void)out;
	c->ran = !res->init_failed;
	c->res = res;
	consume_stalls(c, res);
	if (!c->end_ms)
		c->end_ms = kfk_unix_ms();
	rd_kafka_consumer_close(c->rk);
	if (res->workers[0].error_msg[0]) {
		command_error(cmd, "%s", res->workers[0].error_msg);
		command_set_status(cmd, KFK_EXIT_FAILED);
	}
	run_result_total(res, 0, &c->total, &c->runtime_ns);
	if (c->timed_out) {
		fprintf(command_json(cmd) ? stderr : stdout,
			"WARNING: Exiting before consuming the expected number of messages: timeout "
			"(%lld ms) exceeded. You can use the --timeout option to increase the "
			"timeout.\n",
			(long long)cfg->timeout_ms);
		/* and exit status 0, as the Java tool's */
	}
	if (c->errors) {
		command_error(cmd, "%llu consumer errors; first: %s", (unsigned long long)c->errors,
			      c->first_error);
		/* the Java tool dies of such an error (exit 1); one that did not stop the run
		 * from consuming everything is only said */
		if (c->consumed < (uint64_t)cfg->messages)
			command_set_status(cmd, KFK_EXIT_FAILED);
	}
	return 0;
}

static void consume_report_text(struct command *cmd, FILE *out)
{
	const struct consumer *c = command_state(cmd);

	if (!c->cfg->detailed)
		total_line(out, c);
	if (c->has_stalls)
		stall_print_text(out, &c->stalls, "");
}

static void consume_json_jobs(struct command *cmd, unsigned index, struct jsonw *j)
{
	const struct consumer *c = command_state(cmd);

	(void)index;
	json_job(j, c, &c->total, c->runtime_ns, command_options(cmd), c->client.bootstrap);
}

/* --print-metrics comes here, after the report, where the Java tool prints its metrics */
static void consume_cleanup(struct command *cmd)
{
	struct kfk_config *cfg = command_config(cmd);
	struct consumer *c = command_state(cmd);

	if (c && c->ran && cfg->print_metrics) {
		/* statistics taken after the close, so they count every message fetched */
		kfk_client_final_stats(&c->client);
		kfk_print_metrics(!strcmp(cfg->output_format, "json") ? stderr : stdout,
				  c->client.stats);
	}
	if (c) {
		kfk_client_close(&c->client);
		stall_list_free(&c->stalls);
		free(c);
	}
	kfk_props_free(&cfg->cli_props);
	kfk_props_free(&cfg->props);
}

const struct workload_ops kfk_consume_ops = {
	.name = "kafka consume",
	.summary = "kafka-consumer-perf-test: consume messages, measure throughput",
	.usage = "usage: pvcbench kafka consume --option value ...\n\n"
		 "Consumes messages and measures them as kafka-consumer-perf-test does.\n",
	.style = OPT_STYLE_JAVA,
	.options = kfk_consume_defs,
	.config_size = sizeof(struct kfk_config),
	.usage_status = KFK_EXIT_USAGE,
	.failed_status = KFK_EXIT_FAILED,
	.on_option = kfk_on_option,
	.configure = consume_configure,
	.measures = consume_measures,
	.execute = kfk_consume_verify,
	.outputs = consume_outputs,
	.prepare = consume_prepare,
	.plan = consume_plan,
	.run_done = consume_run_done,
	.report_text = consume_report_text,
	.json_jobs = consume_json_jobs,
	.cleanup = consume_cleanup,
};
