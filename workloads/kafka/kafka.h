/*
 * kafka.h - the kafka workload: Apache Kafka's producer and consumer perf tests
 * (kafka-producer-perf-test, kafka-consumer-perf-test) through librdkafka, measured on the
 * shared core, and librdkafka's mock cluster for trials and tests.
 *
 * Layout:
 *   args.c     the option tables (the core parses them, Java style); properties files and
 *              --producer-props/--consumer-props, passed through to librdkafka
 *   client.c   one client opener for both commands: conf, bootstrap, mock, statistics, the
 *              reachability wait (failing early when every broker refused)
 *   cluster.c  the in-process mock cluster, the metadata wait, topic creation, metrics lines,
 *              what the metadata said of the cluster (the result's "environment")
 *   produce.c  `kafka produce`: the producer loop and delivery reports on the runner
 *   payload.c  produce's payloads: --record-size, --payload-file, --payload-monotonic
 *   produce_report.c  produce's output: the Java tool's lines, JSON
 *   produce_txn.c  produce's transactions (--transactional-id, ...) and max.block.ms
 *   consume.c  `kafka consume`: the consumer loop, rebalance and fetch times, its output
 *   mock.c     `kafka mock`: a mock cluster served until SIGTERM, controlled from stdin
 *   report.c   dates as the Java tools print them
 *   verify.c   --verify: the producer's ledger, its file, and the check of what was read
 *   verify_read.c  reading a topic back for the check; `kafka consume --verify=FILE`
 *   e2e*.c     `kafka e2e`: Kafka's EndToEndLatency tool (e2e.h)
 *   javaprops.c the Java client's properties and what each becomes in librdkafka
 */
#ifndef PVCBENCH_KAFKA_H
#define PVCBENCH_KAFKA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "pvcbench/command.h"
#include "pvcbench/options.h"
#include "pvcbench/report.h"
#include "pvcbench/rng.h"
#include "pvcbench/runner.h"

/* Exit statuses */
enum { KFK_EXIT_OK = 0, KFK_EXIT_FAILED = 1, KFK_EXIT_USAGE = 2 };

#define KFK_MAX_PROPS 128

/* Properties for librdkafka, in the order given: a file first, then the command line. */
struct kfk_props {
	unsigned count;
	char *key[KFK_MAX_PROPS];
	char *value[KFK_MAX_PROPS];
};

struct kfk_config {
	/* both */
	char topic[OPT_STRING_MAX];
	char bootstrap[OPT_STRING_MAX];
	char config_file[OPT_STRING_MAX];
	bool print_metrics;
	int64_t reporting_interval_ms;
	int64_t timeout_ms;
	char output_format[OPT_STRING_MAX];
	char output[OPT_STRING_MAX];
	uint64_t stall_threshold_ns; /* --stall-threshold: outage windows (stall.h) */
	/* --verify[=FILE]: produce writes its ledger there ("" bare: kept in memory only);
	 * consume reads one from there and checks the topic against it (verify.c) */
	char verify_file[OPT_STRING_MAX];
	bool verify_read; /* produce --verify-read: read the topic back after producing */
	/* produce */
	int64_t num_records;
	int64_t record_size;
	char payload_file[OPT_STRING_MAX];
	char payload_delimiter[OPT_STRING_MAX];
	bool payload_monotonic;
	double throughput_rps; /* -1: no limit */
	int64_t warmup_records;
	int64_t partitions;
	int64_t replication_factor;
	char transactional_id[OPT_STRING_MAX];
	int64_t transaction_duration_ms; /* 0: not given */
	/* consume */
	int64_t messages;
	char group[OPT_STRING_MAX];
	bool from_latest;
	bool detailed;
	char date_format[OPT_STRING_MAX];
	bool hide_header;
	int64_t fetch_size;
	int64_t socket_buffer_size;
	int64_t threads, num_fetch_threads; /* deprecated and ignored, as in Java */

	/* the properties: the command line's as given, then all of them in order (configure) */
	struct kfk_props cli_props;
	struct kfk_props props;
};

extern const struct option_def kfk_produce_defs[];
extern const struct option_def kfk_consume_defs[];

/*
 * The commands' on_option: an OPT_LIST row's items (--producer-props k=v ...) go to
 * cfg->cli_props ("--producer-props: property "x" is not key=value"), the rest to the config.
 */
int kfk_on_option(struct command *cmd, unsigned table, const struct option_def *def,
		  const char *value, char *err, size_t err_size);
/* In configure: the properties file, then the command line's properties, into cfg->props. */
int kfk_props_merge(struct kfk_config *cfg, char *err, size_t size);
/* Reads a Java properties file (k=v or k:v lines, # and ! comments) into props. */
int kfk_props_read_file(struct kfk_props *props, const char *path, char *err, size_t size);
int kfk_props_add(struct kfk_props *props, const char *kv, char *err, size_t size);
void kfk_props_free(struct kfk_props *props);
/* The bootstrap list: --bootstrap-server, else bootstrap.servers in the properties, or NULL */
const char *kfk_bootstrap(const struct kfk_config *cfg);
/* Sets every property on conf; unknown or invalid ones are an error naming them. */
int kfk_conf_apply(rd_kafka_conf_t *conf, const struct kfk_props *props, char *err, size_t size);

/* ---- the Java client's properties (javaprops.c) ---- */

/* Which client a property belongs to */
enum { KFK_ROLE_PRODUCER = 1, KFK_ROLE_CONSUMER = 2, KFK_ROLE_ANY = 3 };

struct kfk_jp_ctx;

/* One Java client property and what it becomes in librdkafka */
struct kfk_java_prop {
	const char *name;
	unsigned roles;	    /* KFK_ROLE_*: the clients that have it */
	const char *target; /* librdkafka's property of that meaning, or NULL: none */
	int (*apply)(struct kfk_jp_ctx *x, const char *value); /* a conversion, or NULL */
	const char *becomes; /* the docs' words when more than the target's name */
};

/* The table, ended by a row with a NULL name */
const struct kfk_java_prop *kfk_java_props(void);
const struct kfk_java_prop *kfk_java_prop_find(const char *name);
/*
 * Sets what a Java property becomes on conf. Returns 1 when something was set (became
 * says what: "k=v[, k=v]"), 0 when it has no effect here (the other client's property, no
 * librdkafka counterpart, or one this librdkafka lacks), -EINVAL with err for a bad value.
 */
int kfk_java_prop_apply(const struct kfk_java_prop *jp, rd_kafka_conf_t *conf,
			const struct kfk_props *all, unsigned role, const char *value, char *became,
			size_t became_size, char *err, size_t err_size);
/* The value of the last property named key, or NULL */
const char *kfk_props_get(const struct kfk_props *props, const char *key);

/* What each property given became: applied->value[i] is librdkafka's "k=v" for props' i,
 * or "" when it had no effect; noted lists those, for the one note line */
struct kfk_applied {
	unsigned count;
	char *became[KFK_MAX_PROPS];
	char noted[1024];
};

/*
 * kfk_conf_apply for one client (role): Java properties through the table, the rest passed
 * to librdkafka; an unknown name is -EINVAL with a "did you mean". Those with no effect are
 * named in one note line on stderr ("pvcbench kafka WHO: note: ..."). applied may be NULL.
 */
int kfk_conf_apply_for(rd_kafka_conf_t *conf, const struct kfk_props *props, unsigned role,
		       const char *who, struct kfk_applied *applied, char *err, size_t size);
void kfk_applied_free(struct kfk_applied *applied);
/* The properties and what they became, as a JSON array named key */
void kfk_applied_json(struct jsonw *j, const char *key, const struct kfk_props *props,
		      const struct kfk_applied *applied);

/* ---- the cluster (cluster.c) ---- */

struct kfk_mock {
	rd_kafka_t *rk; /* the handle that owns the mock cluster */
	struct rd_kafka_mock_cluster_s *cluster;
	char bootstraps[1024];
};

/* Starts a mock cluster of n brokers on loopback. */
int kfk_mock_start(struct kfk_mock *m, int brokers, char *err, size_t size);
void kfk_mock_stop(struct kfk_mock *m);
/* "mock" or "mock:N": the number of brokers asked for, else 0. -1 for a bad N. */
int kfk_mock_spec(const char *bootstrap);

/* librdkafka's statistics, as name : value lines (--print-metrics) */
void kfk_print_metrics(FILE *out, const char *stats_json);

/* What the cluster's metadata said when the client opened: for the result's "environment" */
struct kfk_cluster_info {
	bool known; /* the cluster answered */
	int brokers;
	char cluster_id[128]; /* "": the cluster gave none (Metadata before v2) */
	bool topic_known;     /* the topic was in it */
	int partitions;
	int replication_factor; /* the fewest replicas of any of its partitions */
};

/*
 * The "kafka" member of "environment" (workload_ops.json_environment) from what the client's
 * metadata said; nothing when the cluster never answered. A topic that was not there before
 * the run (created by the broker on the first record) is looked up once more, for at most a
 * second; partitions and replication_factor are null when it is still not found.
 */
struct kfk_client;
void kfk_cluster_json(struct jsonw *j, struct kfk_client *c, const char *topic);

/* ---- the client (client.c) ---- */

/* A librdkafka setting the command makes, around the user's properties */
struct kfk_setting {
	const char *key, *value;
};

/* What a command asks of kfk_client_open */
struct kfk_client_spec {
	const char *cmd; /* "produce", "consume": for the messages */
	rd_kafka_type_t type;
	const struct kfk_setting *defaults;  /* before the properties, which may override them */
	const struct kfk_setting *overrides; /* after them; both end with a NULL key */
	void (*dr_msg_cb)(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque);
	void (*rebalance_cb)(rd_kafka_t *rk, rd_kafka_resp_err_t err,
			     rd_kafka_topic_partition_list_t *parts, void *opaque);
	void *arg; /* the command's state, for its callbacks: kfk_client_arg */
	int64_t partitions, replication; /* create the topic when missing (partitions > 0) */
};

/*
 * One open client. The callbacks' opaque is the client itself; the command's state is arg.
 * The statistics are written by the callback in the thread that polls, and read by the
 * same thread after the run.
 */
struct kfk_client {
	rd_kafka_t *rk;
	struct kfk_mock mock;
	const char *bootstrap; /* the list connected to: the mock's for mock[:N] */
	void *arg;
	bool print_metrics;
	int64_t stats_interval_ms;
	char *stats;		    /* the latest statistics JSON, or NULL */
	int64_t stats_ts_us;	    /* its "ts": librdkafka's monotonic clock, in microseconds */
	atomic_bool all_down;	    /* every broker's connection has failed (error callback) */
	struct kfk_applied applied; /* what each property became */
	struct kfk_cluster_info cluster;
};

static inline void *kfk_client_arg(void *opaque)
{
	return ((struct kfk_client *)opaque)->arg;
}

/*
 * Opens the client: the conf (log level, the spec's defaults, the properties, the spec's
 * overrides, the bootstrap, statistics with --print-metrics, callbacks), the in-process mock
 * cluster for mock[:N], and waits up to --timeout for the cluster's metadata (failing as
 * soon as every bootstrap broker has refused), creating the topic when asked. Returns 0;
 * -EINVAL for bad input (exit 2), another negative errno when the cluster failed (exit 1);
 * both with one line in err. Close it with kfk_client_close, opened or not.
 */
int kfk_client_open(struct kfk_client *c, const struct kfk_config *cfg,
		    const struct kfk_client_spec *spec, char *err, size_t size);
void kfk_client_close(struct kfk_client *c);
/*
 * With --print-metrics: serves the client's queue until statistics emitted after this call
 * arrive (bounded in time), so the printed counters include everything done so far.
 */
void kfk_client_final_stats(struct kfk_client *c);
/* Waits up to timeout_ms for the metadata and creates the topic; used by kfk_client_open */
int kfk_prepare_topic(struct kfk_client *c, const char *topic, int64_t partitions,
		      int64_t replication, int64_t timeout_ms, char *err, size_t size);

/* ---- produce's payloads (payload.c) ---- */

struct kfk_payloads {
	bool monotonic; /* --payload-monotonic: the record's index */
	char *payload;	/* --record-size: one payload of random letters, sent every time */
	size_t payload_len;
	char *file_data; /* --payload-file: the whole file; records point into it */
	char **records;
	size_t *record_len, nrecords;
	uint64_t rng[2];
};

/* Builds the payloads the configuration asks for: 0, -EINVAL (bad input), -ENOMEM; err. */
int kfk_payloads_init(struct kfk_payloads *pl, const struct kfk_config *cfg, char *err,
		      size_t size);
void kfk_payloads_free(struct kfk_payloads *pl);

#define KFK_MONOTONIC_MAX 24 /* bytes of a --payload-monotonic payload, NUL included */

/*
 * The payload of record seq and its length. A --payload-monotonic one is written into tmp
 * and *copy is set (librdkafka must copy it); the others live until the end.
 */
static inline const char *kfk_payload_of(struct kfk_payloads *pl, uint64_t seq, size_t *len,
					 char tmp[KFK_MONOTONIC_MAX], bool *copy)
{
	if (pl->monotonic) {
		*len = (size_t)snprintf(tmp, KFK_MONOTONIC_MAX, "%llu", (unsigned long long)seq);
		*copy = true;
		return tmp;
	}
	*copy = false;
	if (pl->nrecords) {
		size_t i = (size_t)rng_range(pl->rng, 0, (int64_t)pl->nrecords - 1);

		*len = pl->record_len[i];
		return pl->records[i];
	}
	*len = pl->payload_len;
	return pl->payload;
}

/* ---- produce's transactions and max.block.ms (produce_txn.c) ---- */

struct kfk_txn {
	const char *id;	      /* transactional.id: transactions are on; NULL: off */
	int64_t max_block_ms; /* max.block.ms: the transaction calls' and a full queue's bound */
	uint64_t duration_ns, start_ns, commits;
	bool open;
	char id_buf[80];
	char error[512];
};

/* The Java tool's rules from the options and the properties (after kfk_props_merge) */
void kfk_txn_configure(struct kfk_txn *t, const struct kfk_config *cfg);
/* init_transactions: 0, or -1 with one line in err */
int kfk_txn_init(struct kfk_txn *t, rd_kafka_t *rk, char *err, size_t size);
/* begin and commit: NULL, or the error's line (kept in t) */
const char *kfk_txn_begin(struct kfk_txn *t, rd_kafka_t *rk, uint64_t now);
const char *kfk_txn_commit(struct kfk_txn *t, rd_kafka_t *rk);
/* An open transaction that is --transaction-duration-ms old at now */
static inline bool kfk_txn_due(const struct kfk_txn *t, uint64_t now)
{
	return t->open && now - t->start_ns >= t->duration_ns;
}

/* ---- produce's output (produce_report.c) ---- */

enum { KFK_OP_PRODUCE = 0, KFK_OP_SCHEDULED = 1 };

/* What the producer measured, for its lines and its JSON */
struct kfk_produce_summary {
	const struct kfk_config *cfg;
	const struct option_set *set;
	const struct run_result *res;
	const struct op_stats *s;     /* acknowledged records */
	const struct op_stats *sched; /* from their due times; NULL without --throughput */
	uint64_t runtime_ns;
	double secs; /* the steady part: after the warm-up records, to the last report */
	uint64_t failed, purged;
	const char *bootstrap;
	const struct kfk_client *client; /* its properties, for the JSON */
	const char *txn_id;		 /* transactions: the id, or NULL */
	uint64_t txn_commits, txn_aborted;
	const struct kfk_verify *verify; /* --verify-read's check, or NULL */
};

/* The runner's on_interval: the Java tool's progress line (arg unused) */
void kfk_produce_progress(void *arg, const struct series_point *pt, const struct op_stats *ops,
			  bool last, char *line, size_t size);
/* The final line, and the scheduled-latency line under --throughput */
void kfk_produce_lines(FILE *out, const struct kfk_produce_summary *sum);
/* The job object in the JSON envelope's "jobs" */
void kfk_produce_json_job(struct jsonw *j, const struct kfk_produce_summary *sum);

/* ---- verification: every acknowledged record accounted for (verify.c, verify_read.c) ---- */

/*
 * A --verify record's first bytes: "pv", the producer id (8 hex digits) and the sequence
 * number (14 hex digits); the rest of the record is the --record-size payload as ever.
 */
#define KFK_VERIFY_MARK 24
#define KFK_VERIFY_FIRST 8 /* lost records named in the report, the first by sequence */

/* What became of a numbered record that was not acknowledged (kfk_ledger.partition) */
enum { KFK_SEQ_UNANSWERED = -1, KFK_SEQ_FAILED = -2 };

/* The producer's ledger: where each numbered record was acknowledged, or that it failed */
struct kfk_ledger {
	char topic[OPT_STRING_MAX];
	uint32_t producer;
	uint64_t n;	    /* records 0 .. n-1 were handed to the client */
	uint64_t cap;	    /* entries allocated */
	int32_t *partition; /* per sequence: its partition, or KFK_SEQ_* */
	int64_t *offset;    /* per sequence: its offset when acknowledged */
	uint64_t acked, failed;
	/* the producer's: slots payloads of len bytes, each a copy of the --record-size one */
	char *buf;
	size_t len;
	unsigned slots;
};

/* An empty ledger for up to records sequence numbers, with a random producer id */
int kfk_ledger_init(struct kfk_ledger *l, const char *topic, uint64_t records);
void kfk_ledger_free(struct kfk_ledger *l);
/* Writes record seq's mark into the first KFK_VERIFY_MARK bytes of buf */
void kfk_ledger_mark(struct kfk_ledger *l, uint64_t seq, char *buf);
/*
 * The producer's payloads: up to max_slots copies of payload (len >= KFK_VERIFY_MARK bytes),
 * fewer when large (librdkafka copies each when it is handed over); -ENOMEM.
 */
int kfk_ledger_payloads(struct kfk_ledger *l, const char *payload, size_t len, unsigned max_slots);
/* Slot slot's payload, marked as record seq's */
static inline const char *kfk_ledger_payload(struct kfk_ledger *l, unsigned slot, uint64_t seq)
{
	char *p = l->buf + (size_t)slot * l->len;

	kfk_ledger_mark(l, seq, p);
	return p;
}
/* Its delivery report: acknowledged at partition/offset, or failed (a final error) */
void kfk_ledger_ack(struct kfk_ledger *l, uint64_t seq, int32_t partition, int64_t offset);
void kfk_ledger_fail(struct kfk_ledger *l, uint64_t seq);
/* A FILE we may write: absent, or a ledger of ours; -EEXIST (err) for anything else */
int kfk_ledger_path_ok(const char *path, char *err, size_t size);
/* The file format of docs/kafka-verify.md, written whole (a temporary file renamed) */
int kfk_ledger_write(const struct kfk_ledger *l, const char *path, char *err, size_t size);
int kfk_ledger_read(struct kfk_ledger *l, const char *path, char *err, size_t size);

/* One partition's figures, in the classes of Jepsen's Kafka analysis */
struct kfk_verify_part {
	int32_t partition;
	int64_t low, high;	     /* log start and end offsets when the read began */
	uint64_t read;		     /* records read */
	uint64_t lost;		     /* acknowledged here, read nowhere */
	uint64_t expired;	     /* the same, below the log start: removed by retention */
	uint64_t duplicated;	     /* copies read beyond the first */
	uint64_t out_of_order;	     /* a lower sequence after a higher one */
	uint64_t unexpected;	     /* our producer's mark, never handed to the client */
	uint64_t failed_present;     /* failed delivery, yet read (allowed) */
	uint64_t unanswered_present; /* no answer before the stop, read (allowed) */
	uint64_t foreign;	     /* not a record of this producer */
	int64_t last_seq;	     /* the highest sequence read here so far */
};

struct kfk_verify {
	const struct kfk_ledger *l;
	uint8_t *seen; /* per sequence: times read, saturating */
	unsigned nparts;
	struct kfk_verify_part *parts;
	struct kfk_verify_part total;
	bool complete; /* every partition read to the end it had when the read began */
	char incomplete[256];
	unsigned nfirst_lost;
	uint64_t first_lost[KFK_VERIFY_FIRST]; /* sequence numbers */
};

int kfk_verify_begin(struct kfk_verify *v, const struct kfk_ledger *l, unsigned nparts);
void kfk_verify_record(struct kfk_verify *v, int32_t partition, const void *payload, size_t len);
/* After the read: lost and expired, from the ledger and each partition's log start */
void kfk_verify_end(struct kfk_verify *v);
void kfk_verify_free(struct kfk_verify *v);
/* True when something acknowledged was lost or the read could not finish: exit status 1 */
bool kfk_verify_failed(const struct kfk_verify *v);
void kfk_verify_text(FILE *out, const struct kfk_verify *v);
void kfk_verify_json(struct jsonw *j, const char *key, const struct kfk_verify *v);

/*
 * Reads every partition of the ledger's topic from its log start to the end it has now, with
 * a consumer of cfg's properties at bootstrap, into v (begun here). Gives up after timeout_ms
 * without progress, or at a stop request (v->complete false). Returns 0, or a negative errno
 * with one line in err when it could not read at all (-EINVAL: bad properties).
 */
int kfk_verify_read(struct kfk_verify *v, const struct kfk_ledger *l, const struct kfk_config *cfg,
		    const char *bootstrap, char *err, size_t size);
/* `kafka consume --verify=FILE`: the whole command (workload_ops.execute) */
int kfk_consume_verify(struct command *cmd);

/* ---- subcommands: kfk_produce_ops, kfk_consume_ops, kfk_mock_ops (workloads.h) ---- */

/* ---- output helpers (report.c) ---- */

/* A wall-clock time in milliseconds, in local time, as the Java tools print it: fmt is a
 * java.text.SimpleDateFormat pattern (NULL or "": yyyy-MM-dd HH:mm:ss:SSS), or a strftime
 * format (one with a '%'; %L: milliseconds). */
void kfk_format_date(char *buf, size_t size, uint64_t unix_ms, const char *fmt);
/* -1 with one line in err for a pattern SimpleDateFormat refuses (an unknown letter) */
int kfk_date_format_check(const char *fmt, char *err, size_t size);
uint64_t kfk_unix_ms(void);
/* Whole milliseconds, floored, of a histogram value in ns, as the Java tool's integer ms */
static inline long long kfk_ms_floor(uint64_t ns)
{
	return (long long)(ns / 1000000ULL);
}

#endif
