/*
 * test_kafka_args.c - the Kafka commands' arguments through their option tables and the core's
 * one parser (command_main, Java style): --name value, --name=value, switches, the props lists
 * (k=v items up to the next --name), refused options, the properties file before the command
 * line's properties (the later wins), --throughput -1 as no limit, and bad numbers.
 *
 * Each case runs the real ops (kfk_produce_ops, kfk_consume_ops, kfk_mock_ops: their on_option
 * and configure) with execute swapped for a capture of the parsed config, so nothing connects.
 * Bad input is exit status 2 with one stderr line naming the value, read back from a file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "kafka.h"
#include "pvcbench/workloads.h"

#define ARGV(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* What the capture saw: the config's plain fields and the merged properties, in order */
static struct {
	bool called;
	struct kfk_config cfg;
	unsigned nprops;
	char props[16][128];
	char bootstrap[128];
} seen;

static char err_text[4096];

static bool never_measures(const struct command *cmd)
{
	(void)cmd;
	return false;
}

static int capture(struct command *cmd)
{
	const struct kfk_config *cfg = command_config(cmd);
	const char *bootstrap = kfk_bootstrap(cfg);

	seen.called = true;
	memcpy(&seen.cfg, cfg, sizeof(*cfg));
	memset(&seen.cfg.props, 0, sizeof(seen.cfg.props));
	memset(&seen.cfg.cli_props, 0, sizeof(seen.cfg.cli_props));
	seen.nprops = cfg->props.count < 16 ? cfg->props.count : 16;
	for (unsigned i = 0; i < seen.nprops; i++)
		snprintf(seen.props[i], sizeof(seen.props[i]), "%s=%s", cfg->props.key[i],
			 cfg->props.value[i]);
	snprintf(seen.bootstrap, sizeof(seen.bootstrap), "%s", bootstrap ? bootstrap : "");
	return 0;
}

/* Runs ops on args (argv[0] is the command's word) with execute as the capture; stderr kept */
static int run(const struct workload_ops *base, const char *const *args)
{
	struct workload_ops ops = *base;
	char *argv[64];
	int argc = 0, status, saved;
	FILE *f = tmpfile();

	ops.measures = never_measures;
	ops.execute = capture;
	memset(&seen, 0, sizeof(seen));
	for (; args[argc]; argc++)
		argv[argc] = (char *)args[argc];
	argv[argc] = NULL;
	assert_non_null(f);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(f), 2);
	status = command_main(&ops, argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	size_t n = fread(err_text, 1, sizeof(err_text) - 1, f);
	err_text[n] = '\0';
	fclose(f);
	return status;
}

/* Exit 2, not executed, and one stderr line containing want */
static void assert_bad(const struct workload_ops *ops, const char *const *args, const char *want)
{
	int status = run(ops, args);

	if (status != 2 || !strstr(err_text, want) ||
	    strchr(err_text, '\n') != err_text + strlen(err_text) - 1)
		fail_msg("status %d, stderr \"%s\": want 2 and one line naming %s", status,
			 err_text, want);
	assert_false(seen.called);
}

static void test_name_value_forms(void **state)
{
	(void)state;
	assert_int_equal(
		run(&kfk_produce_ops, ARGV("produce", "--topic", "t1", "--num-records", "10",
					   "--record-size=100", "--reporting-interval=250")),
		0);
	assert_true(seen.called);
	assert_string_equal(seen.cfg.topic, "t1");
	assert_int_equal(seen.cfg.num_records, 10);
	assert_int_equal(seen.cfg.record_size, 100);
	assert_int_equal(seen.cfg.reporting_interval_ms, 250);
	assert_int_equal(seen.cfg.timeout_ms, 10000); /* the default */
	/* the alias, as the older Java tool spells it */
	assert_int_equal(run(&kfk_produce_ops, ARGV("produce", "--topic", "t", "--num-records", "1",
						    "--record-size", "1", "--broker-list", "h:1")),
			 0);
	assert_string_equal(seen.bootstrap, "h:1");
}

static void test_switches(void **state)
{
	(void)state;
	assert_int_equal(run(&kfk_produce_ops, ARGV("produce", "--payload-monotonic", "--topic",
						    "t", "--print-metrics", "--num-records", "5")),
			 0);
	assert_true(seen.cfg.payload_monotonic);
	assert_true(seen.cfg.print_metrics);
	assert_int_equal(seen.cfg.record_size, 0);
	assert_int_equal(run(&kfk_consume_ops,
			     ARGV("consume", "--topic", "t", "--messages", "3", "--from-latest",
				  "--show-detailed-stats", "--hide-header")),
			 0);
	assert_true(seen.cfg.from_latest);
	assert_true(seen.cfg.detailed);
	assert_true(seen.cfg.hide_header);
	assert_int_equal(strncmp(seen.cfg.group, "perf-consumer-", 14), 0);
}

static void test_props_lists(void **state)
{
	(void)state;
	/* items up to the next --name, in order; a second list adds to the first */
	assert_int_equal(
		run(&kfk_produce_ops, ARGV("produce", "--producer-props", "acks=all", "linger.ms=5",
					   "--topic", "t", "--num-records", "1", "--record-size",
					   "1", "--producer-props=batch.size=100")),
		0);
	assert_int_equal(seen.nprops, 3);
	assert_string_equal(seen.props[0], "acks=all");
	assert_string_equal(seen.props[1], "linger.ms=5");
	assert_string_equal(seen.props[2], "batch.size=100");
	/* a value may hold '=' itself: split at the first */
	assert_int_equal(run(&kfk_consume_ops, ARGV("consume", "--topic", "t", "--messages", "1",
						    "--consumer-props", "sasl.jaas=a=b")),
			 0);
	assert_int_equal(seen.nprops, 1);
	assert_string_equal(seen.props[0], "sasl.jaas=a=b");
}

static void test_props_errors(void **state)
{
	(void)state;
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size", "1",
			"--producer-props", "acks=1", "noequals"),
		   "noequals");
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--producer-props", "=v", "--topic", "t", "--num-records", "1",
			"--record-size", "1"),
		   "\"=v\"");
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--producer-props", "--topic", "t", "--num-records", "1",
			"--record-size", "1"),
		   "--producer-props");
	/* each command has its own list */
	assert_bad(&kfk_consume_ops,
		   ARGV("consume", "--topic", "t", "--messages", "1", "--producer-props", "a=b"),
		   "--producer-props");
}

static void test_refused(void **state)
{
	(void)state;
	/* the transaction options are the Java tool's; a duration must be above 0 */
	assert_int_equal(run(&kfk_produce_ops,
			     ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size",
				  "1", "--transactional-id", "x", "--transaction-duration-ms=5")),
			 0);
	assert_string_equal(seen.cfg.transactional_id, "x");
	assert_int_equal(seen.cfg.transaction_duration_ms, 5);
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size", "1",
			"--transaction-duration-ms=0"),
		   "--transaction-duration-ms");
	/* the deprecated consumer options are accepted (and ignored) */
	assert_int_equal(run(&kfk_consume_ops, ARGV("consume", "--topic", "t", "--messages", "1",
						    "--threads", "4", "--num-fetch-threads", "2")),
			 0);
	assert_int_equal(seen.cfg.threads, 4);
	assert_bad(&kfk_consume_ops,
		   ARGV("consume", "--topic", "t", "--messages", "1", "--command-config", "f"),
		   "--command-config");
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size", "1",
			"--no-such-option", "1"),
		   "--no-such-option");
}

/* The file's properties first, then the command line's, wherever the flags stand */
static void test_file_then_command_line(void **state)
{
	char path[] = "/tmp/test_kafka_args.XXXXXX";
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("# a comment\nacks=1\nbootstrap.servers: from-file:9092\n! another\n"
	      "linger.ms 7\n",
	      f);
	fclose(f);
	assert_int_equal(run(&kfk_produce_ops,
			     ARGV("produce", "--producer-props", "acks=all",
				  "bootstrap.servers=from-cli:9092", "--producer.config", path,
				  "--topic", "t", "--num-records", "1", "--record-size", "1")),
			 0);
	assert_int_equal(seen.nprops, 5);
	assert_string_equal(seen.props[0], "acks=1");
	assert_string_equal(seen.props[1], "bootstrap.servers=from-file:9092");
	assert_string_equal(seen.props[2], "linger.ms=7");
	assert_string_equal(seen.props[3], "acks=all");
	assert_string_equal(seen.props[4], "bootstrap.servers=from-cli:9092");
	/* the later one wins */
	assert_string_equal(seen.bootstrap, "from-cli:9092");
	/* --bootstrap-server wins over both */
	assert_int_equal(run(&kfk_produce_ops, ARGV("produce", "--producer.config", path,
						    "--bootstrap-server", "flag:1", "--topic", "t",
						    "--num-records", "1", "--record-size", "1")),
			 0);
	assert_string_equal(seen.bootstrap, "flag:1");
	unlink(path);
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--producer.config", path, "--topic", "t", "--num-records", "1",
			"--record-size", "1"),
		   path);
}

static void test_throughput(void **state)
{
	(void)state;
	assert_int_equal(run(&kfk_produce_ops, ARGV("produce", "--topic", "t", "--num-records", "1",
						    "--record-size", "1")),
			 0);
	assert_true(seen.cfg.throughput_rps == -1); /* the default: no limit */
	assert_int_equal(run(&kfk_produce_ops, ARGV("produce", "--topic", "t", "--num-records", "1",
						    "--record-size", "1", "--throughput", "-1")),
			 0);
	assert_true(seen.cfg.throughput_rps == -1);
	/* any negative number is the Java tool's no limit */
	assert_int_equal(run(&kfk_produce_ops, ARGV("produce", "--topic", "t", "--num-records", "1",
						    "--record-size", "1", "--throughput=-5")),
			 0);
	assert_true(seen.cfg.throughput_rps == -1);
	assert_int_equal(run(&kfk_produce_ops, ARGV("produce", "--topic", "t", "--num-records", "1",
						    "--record-size", "1", "--throughput", "2.5k")),
			 0);
	assert_true(seen.cfg.throughput_rps == 2500);
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size", "1",
			"--throughput", "abc"),
		   "abc");
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size", "1",
			"--throughput", "0"),
		   "--throughput");
}

static void test_bad_numbers(void **state)
{
	(void)state;
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "abc", "--record-size", "1"),
		   "abc");
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "0", "--record-size", "1"),
		   "num-records");
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size", "1",
			"--reporting-interval", "5"),
		   "--reporting-interval");
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "5", "--record-size", "1",
			"--warmup-records", "5"),
		   "--warmup-records");
	assert_bad(&kfk_consume_ops,
		   ARGV("consume", "--topic", "t", "--messages", "1", "--timeout", "soon"), "soon");
	assert_bad(&kfk_mock_ops, ARGV("mock", "--brokers", "0"), "brokers");
	assert_bad(&kfk_mock_ops, ARGV("mock", "--brokers", "abc"), "abc");
	/* a missing value, and the required options */
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--record-size", "1", "--num-records"),
		   "--num-records");
	assert_bad(&kfk_produce_ops, ARGV("produce", "--num-records", "1", "--record-size", "1"),
		   "--topic");
	assert_bad(&kfk_consume_ops, ARGV("consume", "--topic", "t"), "--messages");
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size", "1",
			"--payload-monotonic"),
		   "exactly one of");
}

/* What a list of properties becomes on a producer's or a consumer's conf */
static int apply(unsigned role, const char *const *kvs, struct kfk_applied *a, char *err,
		 size_t size)
{
	struct kfk_props props = { 0 };
	rd_kafka_conf_t *conf = rd_kafka_conf_new();
	int ret;

	memset(a, 0, sizeof(*a));
	for (; *kvs; kvs++)
		assert_int_equal(kfk_props_add(&props, *kvs, err, size), 0);
	ret = kfk_conf_apply_for(conf, &props, role, "test", a, err, size);
	rd_kafka_conf_destroy(conf);
	kfk_props_free(&props);
	return ret;
}

static void test_java_props(void **state)
{
	struct kfk_applied a;
	char err[1024];

	(void)state;
	assert_int_equal(apply(KFK_ROLE_PRODUCER,
			       ARGV("buffer.memory=67108864", "send.buffer.bytes=-1",
				    "max.request.size=200000", "batch.size=0", "key.serializer=x",
				    "fetch.min.bytes=5", "acks=all", "compression.type=zstd",
				    "compression.zstd.level=7", "compression.gzip.level=3"),
			       &a, err, sizeof(err)),
			 0);
	assert_string_equal(a.became[0], "queue.buffering.max.kbytes=65536");
	assert_string_equal(a.became[1], "socket.send.buffer.bytes=0");
	assert_string_equal(a.became[2], "message.max.bytes=200000");
	assert_string_equal(a.became[3], "batch.num.messages=1");
	assert_string_equal(a.became[4], "");
	assert_string_equal(a.became[5], ""); /* a consumer's property on a producer */
	assert_string_equal(a.became[6], "acks=all");
	assert_string_equal(a.became[8], "compression.level=7");
	assert_string_equal(a.became[9], ""); /* not the codec in use */
	assert_string_equal(a.noted, "key.serializer, fetch.min.bytes, compression.gzip.level");
	kfk_applied_free(&a);

	assert_int_equal(apply(KFK_ROLE_CONSUMER,
			       ARGV("fetch.max.wait.ms=100", "auto.offset.reset=none",
				    "receive.buffer.bytes=65536", "request.timeout.ms=20000",
				    "partition.assignment.strategy=org.apache.kafka.clients."
				    "consumer.RangeAssignor, org.apache.kafka.clients.consumer."
				    "CooperativeStickyAssignor",
				    "sasl.jaas.config=org.apache.kafka.common.security.plain."
				    "PlainLoginModule required username=\"alice\" "
				    "password=\"s3cret\";",
				    "ssl.endpoint.identification.algorithm="),
			       &a, err, sizeof(err)),
			 0);
	assert_string_equal(a.became[0], "fetch.wait.max.ms=100");
	assert_string_equal(a.became[1], "auto.offset.reset=error");
	assert_string_equal(a.became[2], "socket.receive.buffer.bytes=65536");
	assert_string_equal(a.became[3], "socket.timeout.ms=20000");
	assert_string_equal(a.became[4], "partition.assignment.strategy=range");
	assert_string_equal(a.became[5], "sasl.username=alice, sasl.password=(hidden)");
	assert_string_equal(a.became[6], "ssl.endpoint.identification.algorithm=none");
	assert_string_equal(a.noted, "");
	kfk_applied_free(&a);

	/* neither Java nor librdkafka: a suggestion; a bad value: librdkafka's words */
	assert_int_equal(apply(KFK_ROLE_PRODUCER, ARGV("bufer.memory=1"), &a, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "did you mean buffer.memory?"));
	kfk_applied_free(&a);
	assert_int_equal(apply(KFK_ROLE_PRODUCER, ARGV("linger.msec=1"), &a, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "did you mean linger.ms?"));
	kfk_applied_free(&a);
	assert_int_equal(apply(KFK_ROLE_PRODUCER, ARGV("buffer.memory=lots"), &a, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "buffer.memory=lots"));
	kfk_applied_free(&a);
	assert_int_equal(apply(KFK_ROLE_PRODUCER, ARGV("acks=most"), &a, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "acks=most"));
	kfk_applied_free(&a);
	/* every row's name is unique, and the table knows the documented examples */
	for (const struct kfk_java_prop *p = kfk_java_props(); p->name; p++)
		assert_ptr_equal(kfk_java_prop_find(p->name), p);
	assert_non_null(kfk_java_prop_find("max.block.ms"));
	assert_non_null(kfk_java_prop_find("delivery.timeout.ms"));
}

static void test_java_dates(void **state)
{
	char buf[128], err[256];
	/* 2026-03-04 05:06:07.089 UTC, a Wednesday */
	uint64_t ms = 1772600767089ULL;

	(void)state;
	setenv("TZ", "UTC", 1);
	kfk_format_date(buf, sizeof(buf), ms, NULL);
	assert_string_equal(buf, "2026-03-04 05:06:07:089");
	kfk_format_date(buf, sizeof(buf), ms, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
	assert_string_equal(buf, "2026-03-04T05:06:07.089Z");
	kfk_format_date(buf, sizeof(buf), ms, "EEE, d MMM yy h:mm a 'o''clock' Z");
	assert_string_equal(buf, "Wed, 4 Mar 26 5:06 AM o'clock +0000");
	kfk_format_date(buf, sizeof(buf), ms, "EEEE MMMM D S");
	assert_string_equal(buf, "Wednesday March 63 89");
	kfk_format_date(buf, sizeof(buf), ms, "%Y/%m/%d %H:%M:%S.%L");
	assert_string_equal(buf, "2026/03/04 05:06:07.089");
	assert_int_equal(kfk_date_format_check("yyyy-MM-dd HH:mm:ss:SSS", err, sizeof(err)), 0);
	assert_int_equal(kfk_date_format_check("yyyy-qq", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "'q'"));
	assert_int_equal(kfk_date_format_check("'unclosed", err, sizeof(err)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_value_forms),
		cmocka_unit_test(test_switches),
		cmocka_unit_test(test_props_lists),
		cmocka_unit_test(test_props_errors),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_file_then_command_line),
		cmocka_unit_test(test_throughput),
		cmocka_unit_test(test_bad_numbers),
		cmocka_unit_test(test_java_props),
		cmocka_unit_test(test_java_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
