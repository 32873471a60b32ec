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
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size", "1",
			"--transactional-id", "x"),
		   "--transactional-id is not supported");
	assert_bad(&kfk_produce_ops,
		   ARGV("produce", "--topic", "t", "--num-records", "1", "--record-size", "1",
			"--transaction-duration-ms=5"),
		   "--transaction-duration-ms");
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
