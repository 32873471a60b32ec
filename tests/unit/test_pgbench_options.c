/*
 * test_pgbench_options.c - `pvcbench pgbench`'s command line as pgbench 15 reads it, without a
 * server: each case runs the command (command_main over pgb_ops) in a child with stdout and
 * stderr in files, and checks the exit status, that stdout stays empty where pgbench's does,
 * and stderr's lines. Bad input: pgbench's words (error:, detail:, hint: lines), in the order
 * pgbench checks, status 1. Good input gets past every check to the connection, which fails
 * (a socket directory that does not exist): the options were taken.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pvcbench/command.h"
#include "pvcbench/workloads.h"

#define MAX_ARGS 160
#define OUT_MAX 8192

/* PGBENCH_RANDOM_SEED in the child, when set */
static const char *child_seed;

struct outcome {
	int status;
	char out[OUT_MAX], err[OUT_MAX];
};

static void slurp(FILE *f, char *buf)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, OUT_MAX - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/* Runs `pvcbench pgbench` with nargs arguments in a child; no PG* variable leaks in. */
static void run_argv(struct outcome *o, char **args, int nargs)
{
	char *argv[MAX_ARGS] = { "pgbench" };
	int argc = 1;
	FILE *out = tmpfile(), *err = tmpfile();

	assert_non_null(out);
	assert_non_null(err);
	assert_true(nargs < MAX_ARGS);
	for (int i = 0; i < nargs; i++)
		argv[argc++] = args[i];
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		unsetenv("PGHOST");
		unsetenv("PGPORT");
		unsetenv("PGDATABASE");
		unsetenv("PGBENCH_RANDOM_SEED");
		if (child_seed)
			setenv("PGBENCH_RANDOM_SEED", child_seed, 1);
		setenv("PGCONNECT_TIMEOUT", "2", 1);
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		int status = command_main(&pgb_ops, argc, argv);
		fflush(stdout);
		fflush(stderr);
		_exit(status);
	}
	int ws;
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	assert_true(WIFEXITED(ws));
	o->status = WEXITSTATUS(ws);
	slurp(out, o->out);
	slurp(err, o->err);
}

/* The same with the arguments listed, NULL-terminated */
static void run_pgbench(struct outcome *o, ...)
{
	char *args[MAX_ARGS];
	int n = 0;
	va_list ap;

	va_start(ap, o);
	for (char *a; (a = va_arg(ap, char *)) && n < MAX_ARGS - 1;)
		args[n++] = a;
	va_end(ap);
	run_argv(o, args, n);
}

/* Bad input: status 1, nothing on stdout, and stderr exactly the lines given */
static void expect_refused(const struct outcome *o, const char *err)
{
	if (o->status != 1 || o->out[0] || strcmp(o->err, err))
		fail_msg("status %d (want 1), stdout %s\nstderr:\n%swant:\n%s", o->status,
			 o->out[0] ? "not empty" : "empty", o->err, err);
}

#define P "pvcbench pgbench: "
#define NOSERVER "-h", "/nonexistent-pvcbench-dir"

static void test_weights(void **state)
{
	struct outcome o;

	(void)state;
	run_pgbench(&o, "--builtin=select-only@one", NULL);
	expect_refused(&o, P "error: invalid weight specification: @one\n");
	run_pgbench(&o, "-b", "select-only@-1", NULL);
	expect_refused(&o, P "error: weight specification out of range (0 .. 2147483647): -1\n");
	run_pgbench(&o, "-b", "select-only@2147483648", NULL);
	expect_refused(&o, P "error: weight specification out of range (0 .. 2147483647): "
			     "2147483648\n");
	run_pgbench(&o, "-b", "se@", NULL);
	expect_refused(&o, P "error: invalid weight specification: @\n");
	run_pgbench(&o, "-b", "se@0", "-b", "si@0", "-b", "tpcb@0", NULL);
	expect_refused(&o, P "error: total script weight must not be zero\n");
	/* a zero weight beside another is no error: the run gets to its connection */
	run_pgbench(&o, NOSERVER, "-b", "se@0", "-b", "si@3", NULL);
	assert_int_not_equal(o.status, 0);
	assert_non_null(strstr(o.err, "nonexistent-pvcbench-dir"));
}

static void test_too_many_scripts(void **state)
{
	char *argv[MAX_ARGS];
	struct outcome o;

	(void)state;
	/* 128 is pgbench's limit: the 129th -S is refused before anything else */
	for (int i = 0; i < 129; i++)
		argv[i] = "-S";
	run_argv(&o, argv, 129);
	expect_refused(&o, P "error: at most 128 SQL scripts are allowed\n");
}

static void test_builtins(void **state)
{
	struct outcome o;

	(void)state;
	run_pgbench(&o, "-b", "list", NULL);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "");
	assert_non_null(strstr(o.err, "Available builtin scripts:\n"));
	assert_non_null(strstr(o.err, "select-only: <builtin: select only>\n"));
	run_pgbench(&o, "--show-script=si", NULL);
	assert_int_equal(o.status, 0);
	assert_string_equal(o.out, "");
	assert_non_null(strstr(o.err, "-- simple-update: <builtin: simple update>\n"));
	run_pgbench(&o, "-b", "s", NULL);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	assert_true(!strncmp(o.err,
			     P "error: ambiguous builtin name: 2 builtin scripts found for prefix "
			       "\"s\"\nAvailable builtin scripts:\n",
			     strlen(P) + 88));
	run_pgbench(&o, "--show-script=nope", NULL);
	assert_int_equal(o.status, 1);
	assert_non_null(strstr(o.err, "no builtin script found for name \"nope\""));
}

static void test_values(void **state)
{
	struct outcome o;

	(void)state;
	run_pgbench(&o, "-c", "three", NULL);
	expect_refused(&o, P "error: invalid value \"three\" for option -c/--clients\n");
	run_pgbench(&o, "-c0", NULL);
	expect_refused(&o, P "error: -c/--clients must be in range 1..100000, got \"0\"\n");
	run_pgbench(&o, "-i", "-F", "1", NULL);
	expect_refused(&o, P "error: -F/--fillfactor must be in range 10..100, got \"1\"\n");
	run_pgbench(&o, "--aggregate-interval=-3", NULL);
	expect_refused(&o, P "error: --aggregate-interval must be in range 1..2147483647, got "
			     "\"-3\"\n");
	run_pgbench(&o, "-M", "no-such-mode", NULL);
	expect_refused(&o, P "error: invalid query mode (-M): \"no-such-mode\"\n");
	run_pgbench(&o, "--rate=0.0", NULL);
	expect_refused(&o, P "error: invalid rate limit: \"0.0\"\n");
	run_pgbench(&o, "-L", "x", NULL);
	expect_refused(&o, P "error: invalid latency limit: \"x\"\n");
	run_pgbench(&o, "--sampling-rate=1.5", NULL);
	expect_refused(&o, P "error: invalid sampling rate: \"1.5\"\n");
	run_pgbench(&o, "--max-tries", "-10", NULL);
	expect_refused(&o, P "error: invalid number of maximum tries: \"-10\"\n");
	run_pgbench(&o, "-i", "--partition-method=BAD", NULL);
	expect_refused(&o, P "error: invalid partition method, expecting \"range\" or \"hash\", "
			     "got: \"BAD\"\n");
	run_pgbench(&o, "-i", "-I", "dta", NULL);
	expect_refused(&o, P "error: unrecognized initialization step \"a\"\n" P
			     "detail: Allowed step characters are: \"dtgGvpf\".\n");
	run_pgbench(&o, "--random-seed=one", NULL);
	expect_refused(&o, P "error: unrecognized random seed option \"one\"\n" P
			     "detail: Expecting an unsigned integer, \"time\" or \"rand\".\n" P
			     "error: error while setting random seed from --random-seed option\n");
	run_pgbench(&o, "--define", "foobla", NULL);
	expect_refused(&o, P "error: invalid variable definition: \"foobla\"\n");
	run_pgbench(&o, "-D", "=1", NULL);
	expect_refused(&o, P "error: invalid variable definition: \"=1\"\n");
	run_pgbench(&o, "-D", "a=", NULL);
	expect_refused(&o, P "error: invalid variable definition: \"a=\"\n");
}

/* pgbench's checks across options, in its order: the first one that applies is the one said */
static void test_cross_checks(void **state)
{
	struct outcome o;

	(void)state;
	run_pgbench(&o, "-i", "-S", NULL);
	expect_refused(&o, P "error: some of the specified options cannot be used in "
			     "initialization (-i) mode (--select-only)\n");
	run_pgbench(&o, "-S", "-F", "90", NULL);
	expect_refused(&o, P "error: some of the specified options cannot be used in "
			     "benchmarking mode (--fillfactor)\n");
	run_pgbench(&o, "-i", "--random-seed=1", NULL);
	expect_refused(&o, P "error: some of the specified options cannot be used in "
			     "initialization (-i) mode (--random-seed)\n");
	run_pgbench(&o, "-N", "-l", "--aggregate-interval=5", "--log-prefix=x", "-t", "1000", "-T",
		    "1", NULL);
	expect_refused(&o, P "error: specify either a number of transactions (-t) or a duration "
			     "(-T), not both\n");
	run_pgbench(&o, "--sampling-rate=0.01", "--aggregate-interval=3", NULL);
	expect_refused(&o, P "error: log sampling (--sampling-rate) is allowed only when logging "
			     "transactions (-l)\n");
	run_pgbench(&o, "-l", "--sampling-rate=0.1", "--aggregate-interval=3", NULL);
	expect_refused(&o, P "error: log sampling (--sampling-rate) and aggregation "
			     "(--aggregate-interval) cannot be used at the same time\n");
	run_pgbench(&o, "--aggregate-interval=3", "--log-prefix=x", NULL);
	expect_refused(&o, P "error: log aggregation is allowed only when actually logging "
			     "transactions\n");
	run_pgbench(&o, "--log-prefix=x", NULL);
	expect_refused(&o, P "error: log file prefix (--log-prefix) is allowed only when logging "
			     "transactions (-l)\n");
	run_pgbench(&o, "-l", "-T", "1", "--aggregate-interval=3", NULL);
	expect_refused(&o, P "error: number of seconds for aggregation (3) must not be higher "
			     "than test duration (1)\n");
	run_pgbench(&o, "-l", "-T", "5", "--aggregate-interval=3", NULL);
	expect_refused(&o, P "error: duration (5) must be a multiple of aggregation interval "
			     "(3)\n");
	run_pgbench(&o, "--progress-timestamp", "--max-tries=0", NULL);
	expect_refused(&o, P "error: --progress-timestamp is allowed only under --progress\n");
	run_pgbench(&o, "--max-tries=0", NULL);
	expect_refused(&o, P "error: an unlimited number of transaction tries can only be used "
			     "with --latency-limit or a duration (-T)\n");
	run_pgbench(&o, "-i", "--partition-method=hash", NULL);
	expect_refused(&o, P "error: --partition-method requires greater than zero "
			     "--partitions\n");
}

static void test_usage(void **state)
{
	struct outcome o;

	(void)state;
	run_pgbench(&o, "--bad-option", NULL);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	assert_non_null(strstr(o.err, "\n" P "hint: Try \"pvcbench pgbench --help\" for more "
				      "information.\n"));
	run_pgbench(&o, "a", "b", NULL);
	expect_refused(&o, P "error: too many command-line arguments (first is \"b\")\n" P
			     "hint: Try \"pvcbench pgbench --help\" for more information.\n");
}

/* Every option pgbench 15 has, taken: the run gets as far as its connection */
static void test_accepted(void **state)
{
	char script[] = "/tmp/pvcbench-options-XXXXXX";
	struct outcome o;
	int fd = mkstemp(script);
	char fspec[sizeof(script) + 8];

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\\set a 1\nSELECT :a;\n", 20), 20);
	close(fd);
	snprintf(fspec, sizeof(fspec), "%s@3", script);
	run_pgbench(&o, NOSERVER, "-f", fspec, "-b", "tpcb@2", "-N", "-S", "-D", "x=1",
		    "--define=y=two", "-r", "--report-latencies", "-l", "--log-prefix=/tmp/x",
		    "--sampling-rate=0.5", "--failures-detailed", "--verbose-errors", "-d",
		    "--debug", "-P", "1", "--progress-timestamp", "--max-tries=3", "-c", "2", "-j",
		    "2", "-M", "prepared", "-t", "5", "--random-seed=7", "db", NULL);
	unlink(script);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	/* the seed is said first, then the connection fails: no option was refused */
	assert_true(!strncmp(o.err, P "setting random seed to 7\n", strlen(P) + 25));
	assert_non_null(strstr(o.err, "nonexistent-pvcbench-dir"));
	assert_non_null(strstr(o.err, "\n" P "error: could not create connection for setup\n"));
	assert_null(strstr(o.err, "error: some"));
	/* -i's options, as far as its connection */
	run_pgbench(&o, NOSERVER, "-i", "-I", "dtg", "-s", "2", "-F", "90", "-q", "-n",
		    "--foreign-keys", "--unlogged-tables", "--partitions=3",
		    "--partition-method=HASH", "--tablespace=ts", "--index-tablespace=its", NULL);
	assert_int_equal(o.status, 1);
	assert_string_equal(o.out, "");
	assert_non_null(
		strstr(o.err, "\n" P "error: could not create connection for initialization\n"));
}

/* PGBENCH_RANDOM_SEED: checked first, in -i mode too; --random-seed overrides it */
static void test_env_seed(void **state)
{
	struct outcome o;

	(void)state;
	child_seed = "x";
	run_pgbench(&o, "-i", NULL);
	expect_refused(&o, P "error: unrecognized random seed option \"x\"\n" P
			     "detail: Expecting an unsigned integer, \"time\" or \"rand\".\n" P
			     "error: error while setting random seed from PGBENCH_RANDOM_SEED "
			     "environment variable\n");
	child_seed = "12";
	run_pgbench(&o, NOSERVER, "-t", "1", "--random-seed=5", NULL);
	child_seed = NULL;
	assert_int_equal(o.status, 1);
	assert_true(!strncmp(o.err, P "setting random seed to 12\n" P "setting random seed to 5\n",
			     2 * strlen(P) + 51));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weights),	     cmocka_unit_test(test_too_many_scripts),
		cmocka_unit_test(test_builtins),     cmocka_unit_test(test_values),
		cmocka_unit_test(test_cross_checks), cmocka_unit_test(test_usage),
		cmocka_unit_test(test_accepted),     cmocka_unit_test(test_env_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
