/*
 * e2e.c - `pvcbench kafka e2e BROKERS TOPIC NUM_MESSAGES ACKS MESSAGE_SIZE [PROPERTIES_FILE]`
 * (or the 4.2 tool's named options: e2e_args.c), Kafka's EndToEndLatency tool
 * (kafka-e2e-latency.sh) on librdkafka: the command, its clients, its report.
 *
 * As the Java tool: a producer (linger.ms=0, acks 1 or all) and a consumer (its own group,
 * no auto-commit, fetch.wait.max.ms=0) assigned every partition of the topic at its end
 * (created with 1 partition and replication 1 when missing). For each message: fill it with
 * the tool's bytes (java.util.Random seeded with 0: one letter A-Z repeated), send it, wait for
 * its acknowledgement, poll the consumer until it comes back (60 s at most), and check that it
 * is the same message and the only one. Its latency runs from before the send to the
 * consumer's receipt on the monotonic clock, in nanoseconds, into the shared histogram (the
 * operation "e2e") and into e2e.h's whole-millisecond counts, from which the Java tool's own
 * figures come. One message is in flight at a time, so the buffers are refilled in place and
 * nothing is allocated per message (but librdkafka's headers, when the named form asks for
 * headers: librdkafka takes them over).
 *
 * Statuses are the Java tool's: 1 for its usage line, a bad number or acks, an unreadable
 * properties file, and for a failure during the run; 2 for what is ours (a bad --output-format,
 * an unknown --option, a property librdkafka does not know, a bad mock:N).
 * SIGTERM/SIGINT stop the loop within a poll slice (100 ms) and the lines of what came back
 * are still printed.
 */
#include "e2e.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka_mock.h>

#include "pvcbench/clock.h"
#include "pvcbench/metrics.h"
#include "pvcbench/report.h"
#include "pvcbench/signals.h"

#define OUR_USAGE_STATUS 2 /* bad input that only pvcbench checks */
#define SLICE_MS 100	   /* the topic's metadata is asked for this often */

static void e2e_outputs(const struct command *cmd, struct cmd_outputs *o)
{
	const struct kfk_config *cfg = command_config(cmd);

	o->results = cfg->output;
	o->json = !strcmp(cfg->output_format, "json");
	o->text_on_stdout = !o->json;
}

/* ---- the clients ---- */

/* The topic's partition count in rk's view of the cluster: 0 when it is not there, -1 when the
 * cluster did not answer */
static int topic_partitions(rd_kafka_t *rk, const char *topic)
{
	const struct rd_kafka_metadata *md = NULL;
	int n = 0;

	if (rd_kafka_metadata(rk, 1, NULL, &md, E2E_CLUSTER_TIMEOUT_MS))
		return -1;
	for (int i = 0; i < md->topic_cnt; i++)
		if (!strcmp(md->topics[i].topic, topic) && !md->topics[i].err)
			n = md->topics[i].partition_cnt;
	rd_kafka_metadata_destroy(md);
	return n;
}

/* As the Java tool: a missing topic is created with 1 partition and replication factor 1 */
static int ensure_topic(struct command *cmd, struct e2e *e)
{
	const char *topic = e->cfg->topic;
	char err[1024];
	int n = topic_partitions(e->producer.rk, topic);

	if (n < 0) {
		command_error(cmd, "bootstrap %s: no metadata within %d ms", e->producer.bootstrap,
			      E2E_CLUSTER_TIMEOUT_MS);
		return -EIO;
	}
	if (n > 0)
		return 0;
	fprintf(e->progress,
		"Topic \"%s\" does not exist. Will create topic with 1 partition(s) and "
		"replication factor = 1\n",
		topic);
	fflush(e->progress);
	e->topic_created = true;
	if (e->producer.mock.cluster) {
		/* the mock has no CreateTopics: it has its own call */
		if (!rd_kafka_mock_topic_create(e->producer.mock.cluster, topic, 1, 1))
			return 0;
		snprintf(err, sizeof(err), "the mock cluster refused it");
	} else if (!kfk_prepare_topic(&e->producer, topic, 1, 1, E2E_CLUSTER_TIMEOUT_MS, err,
				      sizeof(err))) {
		return 0;
	}
	command_error(cmd, "Creation of topic %s failed: %s", topic, err);
	return -EIO;
}

/*
 * Assigns the consumer every partition of the topic at its current end (the high watermark,
 * asked for now), as the Java tool's seekToEnd and position: the first message sent is the
 * first one read, whenever the fetcher starts.
 */
static int assign_at_end(struct command *cmd, struct e2e *e)
{
	rd_kafka_t *rk = e->consumer.rk;
	const char *topic = e->cfg->topic;
	int n = 0;

	/* a topic created just now may take a moment to show in the consumer's metadata */
	for (uint64_t until = clock_now_ns() + E2E_CLUSTER_TIMEOUT_MS * 1000000ULL;
	     (n = topic_partitions(rk, topic)) == 0 && clock_now_ns() < until;)
		rd_kafka_poll(rk, SLICE_MS);
	if (n <= 0) {
		command_error(cmd, "topic %s: no partitions in the cluster's metadata", topic);
		return -EIO;
	}
	rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(n);
	for (int p = 0; p < n; p++) {
		int64_t low, high;
		rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
			rk, topic, p, &low, &high, E2E_CLUSTER_TIMEOUT_MS);
		if (err) {
			command_error(cmd, "topic %s partition %d: no end offset: %s", topic, p,
				      rd_kafka_err2str(err));
			rd_kafka_topic_partition_list_destroy(parts);
			return -EIO;
		}
		rd_kafka_topic_partition_list_add(parts, topic, p)->offset = high;
	}
	rd_kafka_resp_err_t err = rd_kafka_assign(rk, parts);
	rd_kafka_topic_partition_list_destroy(parts);
	if (err) {
		command_error(cmd, "cannot assign %s's partitions: %s", topic,
			      rd_kafka_err2str(err));
		return -EIO;
	}
	return 0;
}

/* Opens one client; a property librdkafka refuses, or a bad mock:N, is our bad input (2) */
static int open_client(struct command *cmd, struct kfk_client *c, const struct kfk_config *cfg,
		       const struct kfk_client_spec *spec)
{
	char err[1024];
	int ret = kfk_client_open(c, cfg, spec, err, sizeof(err));

	if (ret) {
		command_error(cmd, "%s", err);
		command_set_status(cmd, ret == -EINVAL ? OUR_USAGE_STATUS : E2E_JAVA_STATUS);
	}
	return ret;
}

/* The producer (and the mock cluster), the topic, then the consumer at the topic's end */
static int e2e_prepare(struct command *cmd)
{
	const struct kfk_config *cfg = command_config(cmd);
	struct e2e *e = command_state(cmd);
	char group[64];
	int ret;

	e->progress = command_json(cmd) || command_results(cmd) != stdout ? stderr : stdout;
	e->message = malloc(e->message_size ? (size_t)e->message_size : 1);
	e->fig.ms = calloc(E2E_MS_SLOTS, sizeof(*e->fig.ms));
	/* the named form's key and headers: one buffer each, every header side by side */
	size_t nh = (size_t)e->num_headers;
	size_t hv = e->header_value_size > 0 ? (size_t)e->header_value_size : 0;
	e->key = malloc(e->key_size ? (size_t)e->key_size : 1);
	e->header_keys = malloc(nh * (size_t)e->header_key_size + 1);
	e->header_values = malloc(nh * hv + 1);
	if (!e->message || !e->fig.ms || !e->key || !e->header_keys || !e->header_values) {
		command_error(cmd, "out of memory");
		return -ENOMEM;
	}
	e->random_seed = e2e_random_seed(0);

	/*
	 * The Java producer (3.0 and later) is idempotent by default unless acks conflicts
	 * (acks=1): a send retried after a broker failure is then written once, not twice
	 * (a duplicate would fail the next message's check). librdkafka's default is off, so
	 * it is the default here for acks=all; the properties may still turn it off.
	 */
	const struct kfk_setting producer_defaults[] = {
		{ strcmp(e->acks, "all") ? NULL : "enable.idempotence", "true" }, /* acks=1: none */
		{ NULL, NULL },
	};
	const struct kfk_setting producer_settings[] = {
		{ "linger.ms", "0" }, /* every send goes at once */
		{ "acks", e->acks },
		{ NULL, NULL },
	};
	struct kfk_client_spec pspec = { .cmd = "e2e producer",
					 .type = RD_KAFKA_PRODUCER,
					 .defaults = producer_defaults,
					 .overrides = producer_settings,
					 .dr_msg_cb = e2e_on_delivery,
					 .arg = e };
	if ((ret = open_client(cmd, &e->producer, cfg, &pspec)))
		return ret;
	if ((ret = ensure_topic(cmd, e)))
		return ret;
	e->rkt = rd_kafka_topic_new(e->producer.rk, cfg->topic, NULL);
	if (!e->rkt) {
		command_error(cmd, "topic %s: %s", cfg->topic,
			      rd_kafka_err2str(rd_kafka_last_error()));
		return -EINVAL;
	}

	/* the consumer reaches the same cluster: the producer's mock, if it started one */
	e->consumer_cfg = *cfg;
	snprintf(e->consumer_cfg.bootstrap, sizeof(e->consumer_cfg.bootstrap), "%s",
		 e->producer.bootstrap);
	snprintf(group, sizeof(group), "test-group-%llu", (unsigned long long)kfk_unix_ms());
	const struct kfk_setting consumer_settings[] = {
		{ "group.id", group },
		{ "enable.auto.commit", "false" },
		{ "auto.offset.reset", "latest" },
		{ "fetch.wait.max.ms", "0" }, /* no waiting for a batch to fill */
		{ NULL, NULL },
	};
	struct kfk_client_spec cspec = { .cmd = "e2e consumer",
					 .type = RD_KAFKA_CONSUMER,
					 .overrides = consumer_settings,
					 .arg = e };
	if ((ret = open_client(cmd, &e->consumer, &e->consumer_cfg, &cspec)))
		return ret;
	return assign_at_end(cmd, e);
}

static int e2e_plan(struct command *cmd, unsigned index, struct run_plan *plan)
{
	struct e2e *e = command_state(cmd);

	if (index > 0)
		return CMD_NO_MORE_RUNS;
	e->spec = (struct worker_spec){ .cpu = -1, .numa_node = -1, .arg = e };
	plan->nworkers = 1;
	plan->nops = 1;
	plan->op_names[0] = "e2e";
	plan->specs = &e->spec;
	plan->interval_ns = 1000000000ULL;
	plan->worker_init = e2e_init;
	plan->worker_run = e2e_run;
	plan->stall_threshold_ns = e->cfg->stall_threshold_ns;
	plan->progress_label = "kafka e2e";
	static const char *const jobs[] = { "kafka-e2e" }; /* the JSON's jobname */
	plan->worker_jobs = jobs;
	metrics_set_engine(jobs[0], "librdkafka");
	return CMD_RUN;
}

static int e2e_run_done(struct command *cmd, unsigned index, struct run_result *res, FILE *out)
{
	struct e2e *e = command_state(cmd);

	(void)index;
	(void)out;
	e->ran = !res->init_failed;
	e->res = res;
	run_result_total(res, 0, &e->total, &e->runtime_ns);
	if (res->workers[0].error_msg[0]) {
		e->failed = true;
		command_error(cmd, "%s", res->workers[0].error_msg);
		command_set_status(cmd, E2E_JAVA_STATUS);
	}
	if (e->ran && !e->fig.done && !e->failed)
		command_error(cmd, "no message made the round trip");
	if (signals_stop_requested()) {
		/* what was sent and not acknowledged goes: nothing is left to wait for */
		rd_kafka_purge(e->producer.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
		rd_kafka_poll(e->producer.rk, 0);
	}
	return 0;
}

static void e2e_report_text(struct command *cmd, FILE *out)
{
	e2e_lines(out, command_state(cmd));
}

static void e2e_json_jobs(struct command *cmd, unsigned index, struct jsonw *j)
{
	(void)index;
	e2e_json_job(j, command_state(cmd));
}

static void e2e_cleanup(struct command *cmd)
{
	struct kfk_config *cfg = command_config(cmd);
	struct e2e *e = command_state(cmd);

	if (e) {
		if (e->rkt)
			rd_kafka_topic_destroy(e->rkt);
		/* the consumer first: the producer's client owns the mock cluster, if any */
		kfk_client_close(&e->consumer);
		kfk_client_close(&e->producer);
		for (unsigned i = 0; i < e->noperands; i++)
			free(e->operand[i]);
		free(e->message);
		free(e->key);
		free(e->header_keys);
		free(e->header_values);
		free(e->fig.ms);
		free(e);
	}
	kfk_props_free(&cfg->cli_props);
	kfk_props_free(&cfg->props);
}

const struct workload_ops kfk_e2e_ops = {
	.name = "kafka e2e",
	.summary = "EndToEndLatency: one message at a time, producer to consumer",
	.usage =
		"usage: pvcbench kafka e2e broker_list topic num_messages producer_acks "
		"message_size_bytes [properties_file]\n"
		"   or: pvcbench kafka e2e --bootstrap-server B --topic T --num-records N "
		"--producer-acks 1|all\n"
		"                          --record-size S [--command-config FILE] "
		"[--record-key-size K]\n"
		"                          [--num-headers H] [--record-header-key-size HK] "
		"[--record-header-size HV]\n\n"
		"Measures the end-to-end latency of messages one at a time, as Kafka's\n"
		"EndToEndLatency tool (kafka-e2e-latency.sh): send, acknowledge (producer_acks\n"
		"1 or all), read back by a consumer. The positional form is the 3.x tool's, the\n"
		"named one the 4.2 tool's (keys and headers). broker_list mock or mock:N starts an\n"
		"in-process mock cluster.\n",
	.style = OPT_STYLE_JAVA,
	.options = e2e_defs,
	.config_size = sizeof(struct e2e_config),
	.usage_status = OUR_USAGE_STATUS,
	.failed_status = E2E_JAVA_STATUS,
	.on_operand = e2e_on_operand,
	.configure = e2e_configure,
	.measures = e2e_measures,
	.execute = e2e_execute,
	.outputs = e2e_outputs,
	.prepare = e2e_prepare,
	.plan = e2e_plan,
	.run_done = e2e_run_done,
	.report_text = e2e_report_text,
	.json_jobs = e2e_json_jobs,
	.cleanup = e2e_cleanup,
};
