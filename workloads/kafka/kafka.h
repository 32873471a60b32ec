/*
 * kafka.h - the kafka workload: Apache Kafka's producer and consumer perf tests
 * (kafka-producer-perf-test, kafka-consumer-perf-test) through librdkafka, measured on the
 * shared core, and librdkafka's mock cluster for trials and tests.
 *
 * Layout:
 *   args.c     Java-style arguments (--name value) over an option table; properties files and
 *              --producer-props/--consumer-props, passed through to librdkafka
 *   cluster.c  the in-process mock cluster, the reachability check, topic creation
 *   produce.c  `kafka produce`: the producer loop and delivery reports on the runner
 *   consume.c  `kafka consume`: the consumer loop, rebalance and fetch times
 *   mock.c     `kafka mock`: a mock cluster served until SIGTERM, controlled from stdin
 *   report.c   the Java tools' lines, dates, JSON
 *   kafka.c    `pvcbench kafka`: the subcommands
 */
#ifndef PVCBENCH_KAFKA_H
#define PVCBENCH_KAFKA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <librdkafka/rdkafka.h>

#include "pvcbench/options.h"
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
	bool help;
	/* produce */
	int64_t num_records;
	int64_t record_size;
	char payload_file[OPT_STRING_MAX];
	char payload_delimiter[OPT_STRING_MAX];
	bool payload_monotonic;
	char throughput[OPT_STRING_MAX];
	int64_t warmup_records;
	int64_t partitions;
	int64_t replication_factor;
	/* consume */
	int64_t messages;
	char group[OPT_STRING_MAX];
	bool from_latest;
	bool detailed;
	char date_format[OPT_STRING_MAX];
	bool hide_header;
	int64_t fetch_size;
	int64_t socket_buffer_size;

	/* derived */
	double throughput_rps; /* <= 0: no limit */
	struct kfk_props props;
};

extern const struct option_def kfk_produce_defs[];
extern const struct option_def kfk_consume_defs[];

/*
 * Parses the Java tools' arguments: --name value, --name=value, switches, and the props flag
 * (props_flag: "producer-props" or "consumer-props") taking every following k=v. Returns 0,
 * 1 after printing --help, or -EINVAL after printing one line.
 */
int kfk_parse_args(int argc, char **argv, const char *cmd, const struct option_def *defs,
		   const char *props_flag, struct kfk_config *cfg, struct option_set *set);
void kfk_print_help(FILE *out, const char *cmd, const char *what, const struct option_def *defs);
/* Reads a Java properties file (k=v or k:v lines, # and ! comments) into props. */
int kfk_props_read_file(struct kfk_props *props, const char *path, char *err, size_t size);
int kfk_props_add(struct kfk_props *props, const char *kv, char *err, size_t size);
void kfk_props_free(struct kfk_props *props);
/* The bootstrap list: --bootstrap-server, else bootstrap.servers in the properties, or NULL */
const char *kfk_bootstrap(const struct kfk_config *cfg);
/* Sets every property on conf; unknown or invalid ones are an error naming them. */
int kfk_conf_apply(rd_kafka_conf_t *conf, const struct kfk_props *props, char *err, size_t size);

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

/*
 * Waits up to timeout_ms for the cluster's metadata; creates the topic with partitions and
 * replication when it does not exist and partitions > 0. Returns 0, or -1 with a message.
 */
int kfk_prepare_topic(rd_kafka_t *rk, const char *topic, int64_t partitions, int64_t replication,
		      int64_t timeout_ms, char *err, size_t size);

/* librdkafka's statistics, as name : value lines (--print-metrics) */
void kfk_print_metrics(FILE *out, const char *stats_json);

/* ---- subcommands ---- */

int kfk_produce_main(int argc, char **argv);
int kfk_consume_main(int argc, char **argv);
int kfk_mock_main(int argc, char **argv);
int kfk_main(int argc, char **argv);

/* ---- output helpers (report.c) ---- */

/* A wall-clock time in milliseconds as the Java tools print it (yyyy-MM-dd HH:mm:ss:SSS) or
 * with a strftime format (%L: milliseconds). */
void kfk_format_date(char *buf, size_t size, uint64_t unix_ms, const char *fmt);
uint64_t kfk_unix_ms(void);
/* Whole milliseconds, floored, of a histogram value in ns, as the Java tool's integer ms */
static inline long long kfk_ms_floor(uint64_t ns)
{
	return (long long)(ns / 1000000ULL);
}

#endif
