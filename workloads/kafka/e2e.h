/*
 * e2e.h - `pvcbench kafka e2e`, Kafka's EndToEndLatency tool (kafka-e2e-latency.sh): one
 * producer and one consumer, each message sent, acknowledged and read back before the next.
 * The state that e2e.c (the command, the clients, the loop) and e2e_report.c (the Java tool's
 * lines, the JSON job) share. kafka.h is helper F's: this header holds only e2e's own.
 */
#ifndef PVCBENCH_KAFKA_E2E_H
#define PVCBENCH_KAFKA_E2E_H

#include <stdint.h>
#include <stdio.h>

#include "kafka.h"

#define E2E_JAVA_STATUS 1	     /* the Java tool exits 1 for whatever goes wrong */
#define E2E_CLUSTER_TIMEOUT_MS 10000 /* metadata, topic creation, end offsets */
#define E2E_MAX_OPERANDS 6	     /* broker_list topic num_messages producer_acks size [props] */
#define E2E_POLL_TIMEOUT_MS 60000    /* the Java tool's POLL_TIMEOUT_MS */
/*
 * The Java tool sorts every latency in whole milliseconds; counting them per millisecond gives
 * the same order statistics in fixed memory (4 MiB) whatever the number of messages. A
 * round trip is bounded by the delivery timeout plus the 60 s poll: far below 17 minutes,
 * where the last slot collects the rest.
 */
#define E2E_MS_SLOTS (1u << 20)

/* What the loop measured: what the Java tool's lines and our JSON are made of */
struct e2e_figures {
	uint64_t done;	  /* messages that made the round trip */
	double total_ns;  /* their latencies summed as the Java tool sums them (a double) */
	uint32_t *ms;	  /* E2E_MS_SLOTS counts of whole-millisecond latencies */
	uint64_t clamped; /* latencies counted in the last slot because they were longer */
};

/* The command's configuration: the kafka module's, and the named form's texts (e2e_args.c) */
struct e2e_config {
	struct kfk_config kfk; /* first: what the kafka module's functions read */
	char num_records[OPT_STRING_MAX], producer_acks[OPT_STRING_MAX],
		record_size[OPT_STRING_MAX], record_key_size[OPT_STRING_MAX],
		num_headers[OPT_STRING_MAX], record_header_key_size[OPT_STRING_MAX],
		record_header_size[OPT_STRING_MAX];
};

struct e2e {
	const struct kfk_config *cfg;
	/* the operands, as given */
	char *operand[E2E_MAX_OPERANDS];
	unsigned noperands, extra_operands;
	/* the Java tool's own refusal of its command line (its status, 1): the command then
	 * measures nothing and only says this */
	char java_error[512];
	int64_t num_messages, message_size;
	const char *acks;
	/* the named form (Kafka 4.2): a key (empty by default, never null) and headers */
	bool named;
	int64_t key_size, num_headers, header_key_size, header_value_size; /* -1: null values */
	/* the clients: the consumer's configuration is cfg with the producer's bootstrap */
	struct kfk_config consumer_cfg;
	struct kfk_client producer, consumer;
	rd_kafka_topic_t *rkt;
	bool topic_created;
	char *message;				 /* one buffer, refilled for each message */
	char *key, *header_keys, *header_values; /* the named form\'s */
	int64_t random_seed; /* java.util.Random's 48-bit state, seeded with 0 as the tool's */
	FILE *progress;	     /* the "i<TAB>ms" lines: stdout with the text report, else stderr */
	/* the loop's */
	struct worker *w;
	struct worker_spec spec;
	bool delivered;
	rd_kafka_resp_err_t delivery_err;
	struct e2e_figures fig;
	/* the command's */
	bool ran;
	bool failed; /* the loop stopped on an error: the Java tool's exception */
	struct op_stats total;
	uint64_t runtime_ns;
	const struct option_set *set;
	const struct run_result *res; /* the run's, for its outage windows */
};

/* ---- the command line (e2e_args.c) ---- */

extern const struct option_def e2e_defs[];
/* The command's state, made by the first operand or by configure */
struct e2e *e2e_state(struct command *cmd);
int e2e_on_operand(struct command *cmd, const char *text, char *err, size_t size);
int e2e_configure(struct command *cmd, char *err, size_t size);
/* A command line the Java tool refuses measures nothing: execute says why, with its status */
bool e2e_measures(const struct command *cmd);
int e2e_execute(struct command *cmd);

/* ---- the loop (e2e_loop.c) ---- */

/* java.util.Random's state for a seed */
int64_t e2e_random_seed(int64_t seed);
/* The producer's delivery report: the message in flight is acknowledged, or failed */
void e2e_on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);
/* The runner's worker_init and worker_run: the messages, one at a time */
int e2e_init(struct worker *w);
int e2e_run(struct worker *w);

/* ---- the output (e2e_report.c) ---- */

/* Java's Double.toString of v (JDK 19 and later: the shortest decimal that reads back) */
void e2e_java_double(char *buf, size_t size, double v);
/* Java's String.format("%.<decimals>f", v) for 0 <= v < 10^15 (HALF_UP on Java's digits) */
void e2e_java_fixed(char *buf, size_t size, double v, int decimals);
/* The Java tool's percentile (p of 1): its sorted array's element at (int)(n * p), in ms */
long long e2e_percentile_ms(const struct e2e_figures *fig, double p);
/* "Avg latency: %.4f ms" and the percentiles line; nothing when no message came back */
void e2e_lines(FILE *out, const struct e2e *e);
/* The job object of the JSON envelope's "jobs" */
void e2e_json_job(struct jsonw *j, const struct e2e *e);

#endif
