/*
 * test_pgbench_txlog.c - -l's files as pgbench 15 and 13 write them: the file names, each
 * per-transaction line's fields (latency, failures by kind, skipped, lag, retries),
 * --sampling-rate's share, and --aggregate-interval's lines: 15 fields in 15's style, 6, 10 or
 * 11 in 13's, empty intervals written, the interval under way dropped at the close.
 *
 * The shapes are those of real pgbench 15.18 runs on a throwaway server (tests/lib/pgserver.py)
 * with -l, --log-prefix, -R, -L, --max-tries, --failures-detailed, --sampling-rate and
 * --aggregate-interval, e.g. `pgbench -n -l --aggregate-interval=1 -T 3` wrote
 * "1795962562 2084 1542359 1211071259 437 3329 0 0 0 0 0 0 0 0 0" and `pgbench -n -l -R 2000
 * -L 0.1` wrote "0 2 skipped 0 1795962568 308439 0". Each test writes into its own temporary
 * directory and reads the file back.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pgbench.h"
#include "pvcbench/clock.h"

#define MAX_LINES 4096

struct logdir {
	char dir[64];
	char lines[MAX_LINES][160];
	unsigned nlines;
};

static struct logdir *logdir_new(struct pgb_config *cfg)
{
	struct logdir *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	snprintf(d->dir, sizeof(d->dir), "/tmp/pvc-txlog.XXXXXX");
	assert_non_null(mkdtemp(d->dir));
	snprintf(cfg->log_prefix, sizeof(cfg->log_prefix), "%s/log", d->dir);
	return d;
}

/* Reads PREFIX.PID[.THREAD] back into d->lines (without newlines) and removes it. */
static void read_log(struct logdir *d, unsigned thread)
{
	char path[128];
	FILE *f;

	if (thread == 0)
		snprintf(path, sizeof(path), "%s/log.%d", d->dir, (int)getpid());
	else
		snprintf(path, sizeof(path), "%s/log.%d.%u", d->dir, (int)getpid(), thread);
	f = fopen(path, "r");
	if (!f)
		fail_msg("no log file %s", path);
	d->nlines = 0;
	while (d->nlines < MAX_LINES && fgets(d->lines[d->nlines], sizeof(d->lines[0]), f)) {
		char *nl = strchr(d->lines[d->nlines], '\n');
		if (!nl)
			fail_msg("line %u of %s has no newline", d->nlines + 1, path);
		*nl = '\0';
		d->nlines++;
	}
	fclose(f);
	unlink(path);
}

static void logdir_free(struct logdir *d)
{
	rmdir(d->dir);
	free(d);
}

/* Splits a line into fields; returns how many. */
static unsigned fields(const char *line, char out[][32], unsigned max)
{
	char copy[160], *save = NULL;
	unsigned n = 0;

	snprintf(copy, sizeof(copy), "%s", line);
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n < max)
			snprintf(out[n], 32, "%s", t);
		n++;
	}
	return n;
}

static int64_t unix_now_s(void)
{
	return (int64_t)time(NULL);
}

static struct pgb_config base_config(bool current)
{
	struct pgb_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.current_style = current;
	cfg.max_tries = 1;
	cfg.seed = 42;
	cfg.log = true;
	return cfg;
}

static struct pgb_txlog *open_log(const struct pgb_config *cfg, unsigned thread)
{
	char err[256] = "";
	struct pgb_txlog *l = pgb_txlog_open(cfg, thread, clock_now_ns(), err, sizeof(err));

	if (!l)
		fail_msg("open: %s", err);
	return l;
}

/* pgbench 15, no -R: "client txn latency script epoch_s epoch_us"; the thread's file name */
static void test_lines_plain(void **state)
{
	struct pgb_config cfg = base_config(true);
	struct logdir *d = logdir_new(&cfg);
	char f[8][32];

	(void)state;
	int64_t before = unix_now_s();
	struct pgb_txlog *l = open_log(&cfg, 0);
	pgb_txlog_txn(l, clock_now_ns(), 3, 1, 0, PGB_TXN_OK, 1234567, 0, 0);
	pgb_txlog_txn(l, clock_now_ns(), 3, 2, 1, PGB_TXN_SERIALIZATION, 999, 0, 0);
	pgb_txlog_txn(l, clock_now_ns(), 4, 1, 0, PGB_TXN_DEADLOCK, 999, 0, 0);
	pgb_txlog_close(l, clock_now_ns());
	int64_t after = unix_now_s();
	read_log(d, 0);
	assert_int_equal(d->nlines, 3);

	assert_int_equal(fields(d->lines[0], f, 8), 6);
	assert_string_equal(f[0], "3");
	assert_string_equal(f[1], "1");
	assert_string_equal(f[2], "1234"); /* whole microseconds */
	assert_string_equal(f[3], "0");
	int64_t sec = strtoll(f[4], NULL, 10), usec = strtoll(f[5], NULL, 10);
	assert_true(sec >= before && sec <= after);
	assert_true(usec >= 0 && usec < 1000000);
	/* without --failures-detailed a failure is "failed", whatever its kind */
	assert_int_equal(fields(d->lines[1], f, 8), 6);
	assert_string_equal(f[2], "failed");
	assert_string_equal(f[3], "1");
	assert_int_equal(fields(d->lines[2], f, 8), 6);
	assert_string_equal(f[0], "4");
	assert_string_equal(f[2], "failed");

	/* thread 2's file is PREFIX.PID.2 */
	l = open_log(&cfg, 2);
	pgb_txlog_txn(l, clock_now_ns(), 7, 9, 0, PGB_TXN_OK, 5000, 0, 0);
	pgb_txlog_close(l, clock_now_ns());
	read_log(d, 2);
	assert_int_equal(d->nlines, 1);
	assert_int_equal(fields(d->lines[0], f, 8), 6);
	assert_string_equal(f[0], "7");
	assert_string_equal(f[2], "5");
	logdir_free(d);
}

/* -R, -L, --max-tries 3, --failures-detailed: lag and retries fields, failure kinds */
static void test_lines_rate_retries(void **state)
{
	struct pgb_config cfg = base_config(true);
	struct logdir *d = logdir_new(&cfg);
	char f[10][32];

	(void)state;
	cfg.rate_tps = 100;
	cfg.latency_limit_ms = 5;
	cfg.max_tries = 3;
	cfg.failures_detailed = true;
	struct pgb_txlog *l = open_log(&cfg, 0);
	pgb_txlog_txn(l, clock_now_ns(), 0, 1, 0, PGB_TXN_OK, 3172000, 119400, 2);
	pgb_txlog_txn(l, clock_now_ns(), 0, 2, 0, PGB_TXN_SKIPPED, 0, 7000, 0);
	pgb_txlog_txn(l, clock_now_ns(), 1, 1, 0, PGB_TXN_SERIALIZATION, 0, 0, 2);
	pgb_txlog_txn(l, clock_now_ns(), 1, 2, 0, PGB_TXN_DEADLOCK, 0, 0, 2);
	pgb_txlog_close(l, clock_now_ns());
	read_log(d, 0);
	assert_int_equal(d->nlines, 4);
	assert_int_equal(fields(d->lines[0], f, 10), 8);
	assert_string_equal(f[2], "3172");
	assert_string_equal(f[6], "119");
	assert_string_equal(f[7], "2");
	/* a skipped transaction has no lag: pgbench writes 0 */
	assert_int_equal(fields(d->lines[1], f, 10), 8);
	assert_string_equal(f[2], "skipped");
	assert_string_equal(f[6], "0");
	assert_string_equal(f[7], "0");
	assert_int_equal(fields(d->lines[2], f, 10), 8);
	assert_string_equal(f[2], "serialization");
	assert_string_equal(f[7], "2");
	assert_int_equal(fields(d->lines[3], f, 10), 8);
	assert_string_equal(f[2], "deadlock");

	/* pgbench 13's lines: no retries field */
	cfg.current_style = false;
	l = open_log(&cfg, 0);
	pgb_txlog_txn(l, clock_now_ns(), 0, 1, 0, PGB_TXN_OK, 3172000, 119400, 2);
	pgb_txlog_txn(l, clock_now_ns(), 0, 2, 0, PGB_TXN_SKIPPED, 0, 0, 0);
	pgb_txlog_close(l, clock_now_ns());
	read_log(d, 0);
	assert_int_equal(d->nlines, 2);
	assert_int_equal(fields(d->lines[0], f, 10), 7);
	assert_string_equal(f[6], "119");
	assert_int_equal(fields(d->lines[1], f, 10), 7);
	assert_string_equal(f[2], "skipped");
	logdir_free(d);
}

/* --sampling-rate 0.25 keeps about a quarter, the same ones for the same seed */
static void test_sampling(void **state)
{
	struct pgb_config cfg = base_config(true);
	struct logdir *d = logdir_new(&cfg);
	unsigned first = 0;

	(void)state;
	cfg.sampling_rate = 0.25;
	for (int round = 0; round < 2; round++) {
		struct pgb_txlog *l = open_log(&cfg, 0);
		for (unsigned i = 1; i <= 4000; i++)
			pgb_txlog_txn(l, clock_now_ns(), 0, i, 0, PGB_TXN_OK, 1000, 0, 0);
		pgb_txlog_close(l, clock_now_ns());
		read_log(d, 0);
		/* binomial(4000, 0.25): mean 1000, sd 27 */
		if (d->nlines < 880 || d->nlines > 1120)
			fail_msg("sampling 0.25 kept %u of 4000", d->nlines);
		if (round == 0)
			first = d->nlines;
		else
			assert_int_equal(d->nlines, first);
	}
	logdir_free(d);
}

/*
 * The monotonic time that falls `ms` milliseconds into the interval that starts `k` intervals
 * after the first one (the first interval begins at the whole Unix second of the open).
 */
static uint64_t at(int64_t first_unix_s, int64_t offset_ns, int64_t k, int64_t ms)
{
	return (uint64_t)((first_unix_s + k) * 1000000000LL + ms * 1000000LL - offset_ns);
}

static int64_t epoch_offset_ns(void)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	return ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000LL + (rt.tv_nsec - mono.tv_nsec);
}

/* --aggregate-interval=1 in 15's style: 15 fields, sums in us, empty intervals, the close */
static void test_aggregate_current(void **state)
{
	struct pgb_config cfg = base_config(true);
	struct logdir *d = logdir_new(&cfg);
	char f[20][32];

	(void)state;
	cfg.aggregate_interval = 1;
	cfg.rate_tps = 10;
	cfg.max_tries = 2;
	cfg.failures_detailed = true;
	int64_t off = epoch_offset_ns();
	uint64_t start = clock_now_ns();
	int64_t first = ((int64_t)start + off) / 1000000000LL;
	char err[256];
	struct pgb_txlog *l = pgb_txlog_open(&cfg, 0, start, err, sizeof(err));
	assert_non_null(l);
	/* interval 0: 1000 and 3000 us, lag 10 and 30; interval 1 empty; interval 2: a
	 * retried success, a serialization failure after a retry and a deadlock */
	pgb_txlog_txn(l, at(first, off, 0, 100), 0, 1, 0, PGB_TXN_OK, 1000000, 10000, 0);
	pgb_txlog_txn(l, at(first, off, 0, 900), 0, 2, 0, PGB_TXN_OK, 3000400, 30000, 0);
	pgb_txlog_txn(l, at(first, off, 2, 500), 0, 3, 0, PGB_TXN_OK, 2000000, 20000, 1);
	pgb_txlog_txn(l, at(first, off, 2, 600), 0, 4, 0, PGB_TXN_SERIALIZATION, 0, 0, 1);
	pgb_txlog_txn(l, at(first, off, 2, 700), 0, 5, 0, PGB_TXN_DEADLOCK, 0, 0, 0);
	/* interval 3 is under way at the close: dropped, as pgbench drops it */
	pgb_txlog_txn(l, at(first, off, 3, 100), 0, 6, 0, PGB_TXN_OK, 1000000, 0, 0);
	pgb_txlog_close(l, at(first, off, 3, 500));
	read_log(d, 0);
	assert_int_equal(d->nlines, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(fields(d->lines[i], f, 20), 15);
	char want[3][160];
	snprintf(want[0], sizeof(want[0]), "%lld 2 4000 10000000 1000 3000 40 1000 10 30 0 0 0 0 0",
		 (long long)first);
	snprintf(want[1], sizeof(want[1]), "%lld 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
		 (long long)first + 1);
	snprintf(want[2], sizeof(want[2]), "%lld 1 2000 4000000 2000 2000 20 400 20 20 0 2 2 1 1",
		 (long long)first + 2);
	for (unsigned i = 0; i < 3; i++)
		assert_string_equal(d->lines[i], want[i]);

	/* without -R, -L, --max-tries and --failures-detailed those fields stay 0 */
	cfg.rate_tps = 0;
	cfg.max_tries = 1;
	cfg.failures_detailed = false;
	start = clock_now_ns();
	first = ((int64_t)start + off) / 1000000000LL;
	l = pgb_txlog_open(&cfg, 0, start, err, sizeof(err));
	assert_non_null(l);
	pgb_txlog_txn(l, at(first, off, 0, 200), 0, 1, 0, PGB_TXN_OK, 1000000, 5000, 0);
	pgb_txlog_txn(l, at(first, off, 0, 300), 0, 2, 0, PGB_TXN_SERIALIZATION, 0, 0, 0);
	pgb_txlog_close(l, at(first, off, 1, 10));
	read_log(d, 0);
	assert_int_equal(d->nlines, 1);
	snprintf(want[0], sizeof(want[0]), "%lld 1 1000 1000000 1000 1000 0 0 0 0 0 0 0 0 0",
		 (long long)first);
	assert_string_equal(d->lines[0], want[0]);
	logdir_free(d);
}

/* pgbench 13's aggregate lines: 6 fields, 10 under -R, 11 under -R with -L */
static void test_aggregate_seed(void **state)
{
	struct pgb_config cfg = base_config(false);
	struct logdir *d = logdir_new(&cfg);
	char err[256], want[160];
	int64_t off = epoch_offset_ns();

	(void)state;
	cfg.aggregate_interval = 2;
	for (int mode = 0; mode < 3; mode++) {
		cfg.rate_tps = mode >= 1 ? 50 : 0;
		cfg.latency_limit_ms = mode == 2 ? 10 : 0;
		uint64_t start = clock_now_ns();
		int64_t first = ((int64_t)start + off) / 1000000000LL;
		struct pgb_txlog *l = pgb_txlog_open(&cfg, 0, start, err, sizeof(err));
		assert_non_null(l);
		pgb_txlog_txn(l, at(first, off, 0, 500), 1, 1, 0, PGB_TXN_OK, 2000000, 3000, 0);
		pgb_txlog_txn(l, at(first, off, 1, 500), 1, 2, 0, PGB_TXN_SKIPPED, 0, 0, 0);
		/* the next 2 s interval starts at first + 2 */
		pgb_txlog_txn(l, at(first, off, 2, 500), 1, 3, 0, PGB_TXN_OK, 4000000, 1000, 0);
		pgb_txlog_close(l, at(first, off, 4, 1));
		read_log(d, 0);
		assert_int_equal(d->nlines, 2);
		if (mode == 0)
			snprintf(want, sizeof(want), "%lld 1 2000 4000000 2000 2000",
				 (long long)first);
		else if (mode == 1)
			snprintf(want, sizeof(want), "%lld 1 2000 4000000 2000 2000 3 9 3 3",
				 (long long)first);
		else
			snprintf(want, sizeof(want), "%lld 1 2000 4000000 2000 2000 3 9 3 3 1",
				 (long long)first);
		assert_string_equal(d->lines[0], want);
	}
	logdir_free(d);
}

/* A prefix in a directory that does not exist: pgbench's message, no file */
static void test_open_error(void **state)
{
	struct pgb_config cfg = base_config(true);
	char err[256] = "";

	(void)state;
	snprintf(cfg.log_prefix, sizeof(cfg.log_prefix), "/nonexistent-dir/x");
	assert_null(pgb_txlog_open(&cfg, 1, clock_now_ns(), err, sizeof(err)));
	char want[256];
	snprintf(want, sizeof(want),
		 "could not open logfile \"/nonexistent-dir/x.%d.1\": No such file or directory",
		 (int)getpid());
	assert_string_equal(err, want);
	/* a NULL log takes transactions and closes without harm */
	pgb_txlog_txn(NULL, clock_now_ns(), 0, 1, 0, PGB_TXN_OK, 1, 0, 0);
	pgb_txlog_close(NULL, clock_now_ns());
}

/* No --log-prefix: pgbench_log.PID in the working directory */
static void test_default_prefix(void **state)
{
	struct pgb_config cfg = base_config(true);
	char dir[64] = "/tmp/pvc-txlog.XXXXXX", cwd[512], path[128];

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	struct pgb_txlog *l = open_log(&cfg, 0);
	pgb_txlog_close(l, clock_now_ns());
	snprintf(path, sizeof(path), "pgbench_log.%d", (int)getpid());
	int present = access(path, F_OK) == 0;
	unlink(path);
	assert_int_equal(chdir(cwd), 0);
	rmdir(dir);
	assert_true(present);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_plain),    cmocka_unit_test(test_lines_rate_retries),
		cmocka_unit_test(test_sampling),       cmocka_unit_test(test_aggregate_current),
		cmocka_unit_test(test_aggregate_seed), cmocka_unit_test(test_open_error),
		cmocka_unit_test(test_default_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
