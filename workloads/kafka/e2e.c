/*
 * e2e.c - `pvcbench kafka e2e BROKERS TOPIC NUM_MESSAGES ACKS MESSAGE_SIZE [PROPERTIES_FILE]`,
 * Kafka's EndToEndLatency tool (kafka-e2e-latency.sh) on librdkafka.
 *
 * As the Java tool: a producer (linger.ms=0, acks 1 or all) and a consumer (its own group,
 * no auto-commit, fetch.wait.max.ms=0) assigned every partition of the topic at its end
 * (created with 1 partition and replication 1 when missing). For each message: fill it with
 * the tool's bytes (java.util.Random seeded with 0: one letter A-Z repeated), send it, wait for
 * its acknowledgement, poll the consumer until it comes back (60 s at most), and check that it
 * is the same message and the only one. Its latency runs from before the send to the
 * consumer's receipt on the monotonic clock, in nanoseconds, into the shared histogram (the
 * operation "e2e") and into e2e.h's whole-millisecond counts, from which the Java tool's own
 * figures come. One message is in flight at a time, so the buffer is refilled in place and
 * nothing is allocated per message.
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
#include "pvcbench/report.h"
#include "pvcbench/signals.h"

#define JAVA_STATUS 1		 /* the Java tool exits 1 for whatever goes wrong */
#define OUR_USAGE_STATUS 2	 /* bad input that only pvcbench checks */
#define CLUSTER_TIMEOUT_MS 10000 /* metadata, topic creation, end offsets */
#define SLICE_MS 100		 /* the topic's metadata is asked for this often */

static const char usage_line[] = "USAGE: pvcbench kafka e2e broker_list topic num_messages "
				 "producer_acks message_size_bytes [optional] properties_file";

#define F(field) offsetof(struct kfk_config, field)

static const char *const format_choices[] = { "text", "json", NULL };

static const struct option_def e2e_defs[] = {
	{ .name = "output-format",
	  .type = OPT_CHOICE,
	  .offset = F(output_format),
	  .def = "text",
	  .choices = format_choices,
	  .arg_name = "FORMAT",
	  .help = "the Java tool's lines, or one JSON document" },
	{ .name = "output",
	  .type = OPT_STRING,
	  .offset = F(output),
	  .arg_name = "FILE",
	  .help = "write the results to this file (whole, or not at all)" },
	{ 0 }
};

/* ---- the operands ---- */

static struct e2e *e2e_state(struct command *cmd)
{
	struct e2e *e = command_state(cmd);

	if (!e) {
		e = calloc(1, sizeof(*e));
		if (e)
			command_set_state(cmd, e);
	}
	return e;
}

static int e2e_on_operand(struct command *cmd, const char *text, char *err, size_t size)
{
	struct e2e *e = e2e_state(cmd);

	if (!e) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	if (e->noperands == E2E_MAX_OPERANDS) {
		e->extra_operands++; /* the usage line, once all are counted */
		return 0;
	}
	e->operand[e->noperands] = strdup(text);
	if (!e->operand[e->noperands]) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	e->noperands++;
	return 0;
}

/* Integer.parseInt: an optional sign and decimal digits, within 32 bits */
static bool java_parse_int(const char *text, int64_t *value)
{
	const char *s = text + (*text == '-' || *text == '+');
	int64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > (int64_t)INT32_MAX + 1)
			return false;
	}
	v = *text == '-' ? -v : v;
	if (v > INT32_MAX || v < INT32_MIN)
		return false;
	*value = v;
	return true;
}

static int set_string(char *field, const char *value, const char *what, char *err, size_t size)
{
	if (strlen(value) >= OPT_STRING_MAX) {
		snprintf(err, size, "%s: longer than %d characters", what, OPT_STRING_MAX - 1);
		return -EINVAL;
	}
	snprintf(field, OPT_STRING_MAX, "%s", value);
	return 0;
}

static bool blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

/*
 * The Java tool's checks of its arguments, in its order (the numbers, then acks), and its
 * properties file: -EINVAL with its refusal in err.
 */
static int java_checks(struct e2e *e, struct kfk_config *cfg, char *err, size_t size)
{
	if ((e->noperands != 5 && e->noperands != 6) || e->extra_operands) {
		snprintf(err, size, "%s", usage_line);
		return -EINVAL;
	}
	if (!cfg->topic[0]) {
		snprintf(err, size, "topic \"\": must not be empty");
		return -EINVAL;
	}
	if (!java_parse_int(e->operand[2], &e->num_messages) || e->num_messages < 1) {
		snprintf(err, size, "num_messages \"%s\": must be a whole number from 1 to %d",
			 e->operand[2], INT32_MAX);
		return -EINVAL;
	}
	if (!java_parse_int(e->operand[4], &e->message_size) || e->message_size < 0) {
		snprintf(err, size,
			 "message_size_bytes \"%s\": must be a whole number from 0 to %d",
			 e->operand[4], INT32_MAX);
		return -EINVAL;
	}
	e->acks = e->operand[3];
	if (strcmp(e->acks, "1") && strcmp(e->acks, "all")) {
		snprintf(err, size,
			 "producer_acks \"%s\": Latency testing requires synchronous "
			 "acknowledgement. Please use 1 or all",
			 e->acks);
		return -EINVAL;
	}
	return kfk_props_merge(cfg, err, size) ? -EINVAL : 0;
}

/*
 * Our options' errors are ours (status 2, from the core); the Java tool's refusals keep its
 * status 1: they are kept for e2e_execute, which the command runs instead of measuring.
 */
static int e2e_configure(struct command *cmd, char *err, size_t size)
{
	struct kfk_config *cfg = command_config(cmd);
	struct e2e *e = e2e_state(cmd);

	if (!e) {
		snprintf(err, size, "out of memory");
		return -ENOMEM;
	}
	e->cfg = cfg;
	e->set = command_options(cmd);
	cfg->timeout_ms = CLUSTER_TIMEOUT_MS;
	if (e->noperands >= 2 &&
	    (set_string(cfg->bootstrap, e->operand[0], "broker_list", err, size) ||
	     set_string(cfg->topic, e->operand[1], "topic", err, size)))
		return -EINVAL;
	if (e->noperands == 6 && !blank(e->operand[5]) &&
	    set_string(cfg->config_file, e->operand[5], "properties_file", err, size))
		return -EINVAL;
	if (java_checks(e, cfg, e->java_error, sizeof(e->java_error)) && !e->java_error[0])
		snprintf(e->java_error, sizeof(e->java_error), "%s", usage_line);
	return CMD_CONTINUE;
}

static bool e2e_measures(const struct command *cmd)
{
	const struct e2e *e = command_state(cmd);

	return !e->java_error[0];
}

/* A command line the Java tool refuses: its one line, its status */
static int e2e_execute(struct command *cmd)
{
	const struct e2e *e = command_state(cmd);

	command_error(cmd, "%s", e->java_error);
	return JAVA_STATUS;
}

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

	if (rd_kafka_metadata(rk, 1, NULL, &md, CLUSTER_TIMEOUT_MS))
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
			      CLUSTER_TIMEOUT_MS);
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
	} else if (!kfk_prepare_topic(&e->producer, topic, 1, 1, CLUSTER_TIMEOUT_MS, err,
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
	for (uint64_t until = clock_now_ns() + CLUSTER_TIMEOUT_MS * 1000000ULL;
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
			rk, topic, p, &low, &high, CLUSTER_TIMEOUT_MS);
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
		command_set_status(cmd, ret == -EINVAL ? OUR_USAGE_STATUS : JAVA_STATUS);
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
	if (!e->message || !e->fig.ms) {
		command_error(cmd, "out of memory");
		return -ENOMEM;
	}
	e->random_seed = e2e_random_seed(0);

	const struct kfk_setting producer_settings[] = {
		{ "linger.ms", "0" }, /* every send goes at once */
		{ "acks", e->acks },
		{ NULL, NULL },
	};
	struct kfk_client_spec pspec = { .cmd = "e2e",
					 .type = RD_KAFKA_PRODUCER,
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
	struct kfk_client_spec cspec = {
		.cmd = "e2e", .type = RD_KAFKA_CONSUMER, .overrides = consumer_settings, .arg = e
	};
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
	return CMD_RUN;
}

static int e2e_run_done(struct command *cmd, unsigned index, struct run_result *res, FILE *out)
{
	struct e2e *e = command_state(cmd);

	(void)index;
	(void)out;
	e->ran = !res->init_failed;
	run_result_total(res, 0, &e->total, &e->runtime_ns);
	if (res->workers[0].error_msg[0]) {
		e->failed = true;
		command_error(cmd, "%s", res->workers[0].error_msg);
		command_set_status(cmd, JAVA_STATUS);
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
		free(e->fig.ms);
		free(e);
	}
	kfk_props_free(&cfg->cli_props);
	kfk_props_free(&cfg->props);
}

const struct workload_ops kfk_e2e_ops = {
	.name = "kafka e2e",
	.summary = "EndToEndLatency: one message at a time, producer to consumer",
	.usage = "usage: pvcbench kafka e2e broker_list topic num_messages producer_acks "
		 "message_size_bytes [properties_file]\n\n"
		 "Measures the end-to-end latency of messages one at a time, as Kafka's\n"
		 "EndToEndLatency tool (kafka-e2e-latency.sh): send, acknowledge (producer_acks\n"
		 "1 or all), read back by a consumer; broker_list mock or mock:N starts an\n"
		 "in-process mock cluster.\n",
	.style = OPT_STYLE_JAVA,
	.options = e2e_defs,
	.config_size = sizeof(struct kfk_config),
	.usage_status = OUR_USAGE_STATUS,
	.failed_status = JAVA_STATUS,
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
