/*
 * test_logs.c - fio's log files and bandwidth/IOPS samples (logs.c, logs_write.c) on synthetic
 * I/Os with chosen times, so every value is exact: an entry per I/O (bandwidth as bytes over
 * the completion latency, IOPS 1), windows of log_avg_msec (the rounded mean, or the max with
 * log_max_value; the partial window at the end), bwavgtime samples, the histogram log, the
 * columns of log_offset and log_prio, per_job_logs=0 (one appended file), epochs, and the
 * options refused. Each test runs in a new directory under /tmp (the logs are written to the
 * working directory, as fio's).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "block.h"

#define MS 1000000ULL
#define T0 (1000 * 1000 * MS) /* the clock at the start of measurement */

struct fixture {
	struct blk_job job;
	struct blk_clone_stats stats;
	struct blk_clone clone;
	char dir[64], old[4096];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (!f || blk_job_init(&f->job, err, sizeof(err)))
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pvcbench-test_logs.XXXXXX");
	if (!mkdtemp(f->dir) || !getcwd(f->old, sizeof(f->old)) || chdir(f->dir))
		return -1;
	f->job.engine_name = "io_uring";
	blk_clone_stats_init(&f->stats);
	f->clone.job = &f->job;
	f->clone.stats = &f->stats;
	f->clone.nfiles = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	if (chdir(f->old))
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd))
		return -1;
	free(f);
	return 0;
}

static void set(struct fixture *f, const char *name, const char *value)
{
	char err[256];

	if (opt_set(&f->job.set, &f->job.o, name, value, SRC_JOBFILE, err, sizeof(err)))
		fail_msg("%s=%s: %s", name, value, err);
}

static void validate_ok(struct fixture *f)
{
	char err[256];

	if (blk_log_validate(&f->job, err, sizeof(err)))
		fail_msg("validate: %s", err);
}

static char *slurp(const char *path)
{
	FILE *fp = fopen(path, "r");
	static char buf[1 << 16];
	size_t n;

	if (!fp)
		fail_msg("no file %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void open_log(struct fixture *f, struct blk_log *l)
{
	char why[256];

	assert_int_equal(blk_log_open(l, &f->clone, why, sizeof(why)), 0);
	assert_true(l->active);
	blk_log_start(l, T0);
}

/* An I/O completing at ms after T0 (ns precision in extra_ns), with its latency. */
static void io(struct blk_log *l, uint64_t ms, uint64_t extra_ns, unsigned dir, uint32_t len,
	       uint64_t offset, uint64_t clat)
{
	struct io_req r = { .offset = offset, .len = len, .dir = (uint8_t)dir };

	blk_log_io(l, T0 + ms * MS + extra_ns, &r, 0, clat);
}

/* log_avg_msec=0: an entry per I/O; bw = bytes * 10^6 / clat_ns; iops 1; the JSON samples too. */
static void test_per_io(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;

	set(f, "name", "t");
	set(f, "write_bw_log", "t");
	set(f, "write_iops_log", "t");
	validate_ok(f);
	open_log(f, &l);
	/* the first I/O was issued at T0: its completion 0.2 ms later is at time 0 */
	io(&l, 0, 200000, IO_READ, 4096, 8192, 200000);
	io(&l, 3, 0, IO_WRITE, 8192, 0, 1000000);
	io(&l, 7, 500000, IO_READ, 4096, 4096, 3000);
	assert_int_equal(blk_log_close(&l, T0 + 9 * MS), 0);
	assert_string_equal(slurp("t_bw.1.log"), "0, 20480, 0, 4096, 0\n"
						 "3, 8192, 1, 8192, 0\n"
						 "7, 1365333, 0, 4096, 0\n");
	assert_string_equal(slurp("t_iops.1.log"), "0, 1, 0, 4096, 0\n"
						   "3, 1, 1, 8192, 0\n"
						   "7, 1, 0, 4096, 0\n");
	/* without bwavgtime, the samples follow the log: one per I/O */
	assert_int_equal(f->stats.bw[IO_READ].n, 2);
	assert_true(f->stats.bw[IO_READ].min == 20480 && f->stats.bw[IO_READ].max == 1365333);
	assert_true(f->stats.bw[IO_READ].sum == 20480 + 1365333);
	assert_int_equal(f->stats.bw[IO_WRITE].n, 1);
	assert_int_equal(f->stats.iops[IO_READ].n, 2);
	assert_true(f->stats.iops[IO_READ].max == 1 && f->stats.iops[IO_READ].sum == 2);
}

/* log_avg_msec: the mean + 0.5 truncated, at the I/O that ends the window, and the rest at the end. */
static void test_windows(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;

	set(f, "name", "w");
	set(f, "write_lat_log", "w");
	set(f, "log_avg_msec", "100");
	validate_ok(f);
	open_log(f, &l);
	io(&l, 0, 10, IO_READ, 4096, 0, 10);
	io(&l, 50, 0, IO_READ, 4096, 0, 20);
	io(&l, 60, 0, IO_WRITE, 4096, 0, 7);
	io(&l, 99, 0, IO_READ, 4096, 0, 15);
	/* mean of 10, 20, 15, 16 is 15.25: 15; the window [100, 200) starts */
	io(&l, 101, 0, IO_READ, 4096, 0, 16);
	io(&l, 150, 0, IO_READ, 4096, 0, 1);
	io(&l, 160, 0, IO_READ, 4096, 0, 2);
	/* 1 and 2 give 1.5: rounded up to 2; the write's window [0, 100) never closed an entry */
	assert_int_equal(blk_log_close(&l, T0 + 230 * MS), 0);
	assert_string_equal(slurp("w_clat.1.log"), "101, 15, 0, 0, 0\n"
						   "230, 2, 0, 0, 0\n"
						   "230, 7, 1, 0, 0\n");
	assert_string_equal(slurp("w_lat.1.log"), slurp("w_clat.1.log"));
	/* slat: 0 with an engine that has a submission latency */
	assert_string_equal(slurp("w_slat.1.log"), "101, 0, 0, 0, 0\n"
						   "230, 0, 0, 0, 0\n"
						   "230, 0, 1, 0, 0\n");
}

static void test_max_value_offset_prio(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;

	set(f, "name", "m");
	set(f, "write_lat_log", "m");
	set(f, "log_avg_msec", "10");
	set(f, "log_max_value", "1");
	set(f, "log_offset", "1");
	set(f, "log_prio", "1");
	f->job.engine_name = "psync";
	validate_ok(f);
	open_log(f, &l);
	io(&l, 0, 5, IO_WRITE, 4096, 4096, 5);
	io(&l, 4, 0, IO_WRITE, 4096, 8192, 900);
	io(&l, 12, 0, IO_WRITE, 4096, 0, 3); /* ends the window, which includes it */
	io(&l, 13, 0, IO_WRITE, 4096, 0, 3);
	assert_int_equal(blk_log_close(&l, T0 + 15 * MS), 0);
	/* windowed entries: bs and offset 0; log_prio prints the priority value in hex */
	assert_string_equal(slurp("m_clat.1.log"), "12, 900, 1, 0, 0, 0x0000\n"
						   "15, 3, 1, 0, 0, 0x0000\n");
	/* a synchronous engine has no submission latency: fio leaves the slat log empty */
	assert_string_equal(slurp("m_slat.1.log"), "");
}

static void test_offset_per_io(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;

	set(f, "name", "o");
	/* a bare key (fio's job files allow one) leaves the prefix empty */
	f->job.source[opt_row_index(&f->job.set, "write_lat_log")] = SRC_JOBFILE;
	set(f, "log_offset", "1");
	f->clone.clone = 2;
	validate_ok(f);
	open_log(f, &l);
	io(&l, 0, 100, IO_READ, 512, 1048576, 100);
	assert_int_equal(blk_log_close(&l, T0 + MS), 0);
	/* given empty (a bare key in a job file): the job's name; clone 2 is job number 3 */
	assert_string_equal(slurp("o_clat.3.log"), "0, 100, 0, 512, 1048576, 0\n");
}

/* bwavgtime/iopsavgtime: a rate per window over the bytes and I/Os done since the last one. */
static void test_rate_samples(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;

	set(f, "bwavgtime", "100");
	set(f, "iopsavgtime", "200");
	validate_ok(f);
	open_log(f, &l);
	for (unsigned ms = 0; ms <= 400; ms += 10)
		io(&l, ms, ms ? 0 : 1000, IO_READ, 4096, 0, 1000);
	assert_int_equal(blk_log_close(&l, T0 + 405 * MS), 0);
	/*
	 * windows end at the I/Os of 100, 200, 300, 400 ms: 10 I/Os of 4 KiB each, the first
	 * window 11 (the one at 0 too): 11 * 4096 * 1000 / 100 / 1024 = 440 KiB/s, then 400
	 */
	assert_int_equal(f->stats.bw[IO_READ].n, 4);
	assert_true(f->stats.bw[IO_READ].max == 440 && f->stats.bw[IO_READ].min == 400);
	assert_true(f->stats.bw[IO_READ].sum == 440 + 3 * 400);
	assert_true(f->stats.bw[IO_READ].sum_squares == 440.0 * 440 + 3 * 400.0 * 400);
	/* 21 I/Os in the first 200 ms (105 IOPS), 20 in the next (100) */
	assert_int_equal(f->stats.iops[IO_READ].n, 2);
	assert_true(f->stats.iops[IO_READ].max == 105 && f->stats.iops[IO_READ].min == 100);
	assert_int_equal(f->stats.bw[IO_WRITE].n, 0);
}

/* write_bw_log with log_avg_msec: the log's entries are the window samples (bs 0). */
static void test_bw_log_averaged(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;

	set(f, "name", "b");
	set(f, "write_bw_log", "b");
	set(f, "log_avg_msec", "100");
	validate_ok(f);
	open_log(f, &l);
	for (unsigned ms = 0; ms <= 290; ms += 10)
		io(&l, ms, ms ? 0 : 1000, IO_WRITE, 4096, 0, 1000);
	/*
	 * the end at 299.5 ms is within 1 ms of the window's end: its sample is taken then, over
	 * 99 ms (9 I/Os: 363 KiB/s), and logged with the rate logs' 1 ms of slack
	 */
	assert_int_equal(blk_log_close(&l, T0 + 299 * MS + MS / 2), 0);
	assert_string_equal(slurp("b_bw.1.log"), "100, 440, 1, 0, 0\n"
						 "200, 400, 1, 0, 0\n"
						 "299, 363, 1, 0, 0\n");
	assert_int_equal(f->stats.bw[IO_WRITE].n, 3);
}

/* disable_bw_measurement: no per-I/O bandwidth entries or samples; IOPS still kept. */
static void test_disable_bw(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;

	set(f, "name", "d");
	set(f, "write_bw_log", "d");
	set(f, "write_iops_log", "d");
	set(f, "disable_bw_measurement", "1");
	validate_ok(f);
	open_log(f, &l);
	io(&l, 0, 10, IO_READ, 4096, 0, 10);
	io(&l, 1, 0, IO_READ, 4096, 0, 10);
	assert_int_equal(blk_log_close(&l, T0 + 2 * MS), 0);
	assert_string_equal(slurp("d_bw.1.log"), "");
	assert_int_equal(f->stats.bw[IO_READ].n, 0);
	assert_string_equal(slurp("d_iops.1.log"), "0, 1, 0, 4096, 0\n"
						   "1, 1, 0, 4096, 0\n");
	assert_int_equal(f->stats.iops[IO_READ].n, 2);
}

/*
 * bwavgtime given with a bandwidth log: the log's window is the smaller of it and log_avg_msec,
 * the samples stay every bwavgtime; log_avg_msec=0 keeps every I/O whatever bwavgtime says.
 */
static void test_bw_window_rules(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;

	set(f, "name", "r");
	set(f, "write_bw_log", "r");
	set(f, "log_avg_msec", "200");
	set(f, "bwavgtime", "100");
	validate_ok(f);
	open_log(f, &l);
	assert_int_equal(l.bw.avg_msec, 100);
	assert_int_equal(l.bw_rate.avg_msec, 100);
	assert_false(l.bw_per_io);
	blk_log_free(&l);

	set(f, "log_avg_msec", "0");
	open_log(f, &l);
	assert_int_equal(l.bw.avg_msec, 0);
	assert_true(l.bw_per_io);
	assert_int_equal(l.bw_rate.avg_msec, 0);
	/* without the log, bwavgtime alone */
	blk_log_free(&l);
	f->job.source[opt_row_index(&f->job.set, "write_bw_log")] = SRC_DEFAULT;
	open_log(f, &l);
	assert_false(l.bw.on);
	assert_int_equal(l.bw_rate.avg_msec, 100);
	assert_int_equal(l.iops_rate.avg_msec, 500);
	blk_log_free(&l);
}

/* per_job_logs=0: PREFIX_bw.log, each clone's entries appended. */
static void test_shared_file(void **state)
{
	struct fixture *f = *state;
	struct blk_log a, b;

	set(f, "name", "s");
	set(f, "write_iops_log", "shared");
	set(f, "per_job_logs", "0");
	validate_ok(f);
	open_log(f, &a);
	f->clone.clone = 1;
	open_log(f, &b);
	io(&a, 0, 10, IO_READ, 4096, 0, 10);
	io(&b, 0, 10, IO_WRITE, 4096, 0, 10);
	assert_int_equal(blk_log_close(&a, T0 + MS), 0);
	assert_int_equal(blk_log_close(&b, T0 + MS), 0);
	assert_string_equal(slurp("shared_iops.log"), "0, 1, 0, 4096, 0\n"
						      "0, 1, 1, 4096, 0\n");
	assert_int_equal(access("shared_iops.1.log", F_OK), -1);
}

static void test_plat_index(void **state)
{
	(void)state;
	assert_int_equal(blk_plat_index(0), 0);
	assert_int_equal(blk_plat_index(127), 127);
	assert_int_equal(blk_plat_index(128), 128);
	assert_int_equal(blk_plat_index(255), 191);
	assert_int_equal(blk_plat_index(256), 192);
	assert_int_equal(blk_plat_index(1000), 317);
	assert_int_equal(blk_plat_index(70000), 708);
	assert_int_equal(blk_plat_index(UINT64_MAX), BLK_PLAT_NR - 1);
}

/* log_hist_msec: each window's clat counts per bucket, log_hist_coarseness columns summed. */
static void test_hist(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;

	set(f, "name", "h");
	set(f, "write_hist_log", "h");
	set(f, "log_hist_msec", "100");
	set(f, "log_hist_coarseness", "6");
	validate_ok(f);
	open_log(f, &l);
	io(&l, 0, 50, IO_READ, 4096, 0, 50);	 /* time 0: the window is not anchored yet */
	io(&l, 1, 0, IO_READ, 4096, 0, 5);	 /* anchors at 1 ms */
	io(&l, 50, 0, IO_READ, 4096, 0, 200);	 /* bucket 164 */
	io(&l, 103, 0, IO_READ, 8192, 0, 70000); /* ends the window at 102: row at 103 */
	io(&l, 150, 0, IO_READ, 4096, 0, 5);	 /* left in the partial window: not written */
	assert_int_equal(blk_log_close(&l, T0 + 220 * MS), 0);
	/* 29 columns of 64 buckets: 50 and 5 in column 0, 200 in column 2, 70000 in column 11 */
	char want[512] = "103, 0, 8192";
	unsigned counts[29] = { 0 };
	counts[0] = 2;
	counts[blk_plat_index(200) / 64] = 1;
	counts[blk_plat_index(70000) / 64] = 1;
	for (unsigned c = 0; c < 29; c++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want), ", %u", counts[c]);
	strcat(want, "\n");
	assert_string_equal(slurp("h_clat_hist.1.log"), want);
}

static void test_unix_epoch(void **state)
{
	struct fixture *f = *state;
	struct blk_log l;
	unsigned long long t;

	set(f, "name", "e");
	set(f, "write_iops_log", "e");
	set(f, "log_unix_epoch", "1");
	validate_ok(f);
	open_log(f, &l);
	io(&l, 0, 10, IO_READ, 4096, 0, 10);
	assert_int_equal(blk_log_close(&l, T0 + MS), 0);
	assert_int_equal(sscanf(slurp("e_iops.1.log"), "%llu, 1, 0, 4096, 0\n", &t), 1);
	/* ms since 1970: after 2020 */
	assert_true(t > 1577836800000ULL);
}

static void refused(struct fixture *f, const char *name, const char *value, const char *want)
{
	char err[256];

	set(f, name, value);
	assert_int_equal(blk_log_validate(&f->job, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("%s=%s: message \"%s\" has no \"%s\"", name, value, err, want);
}

static void test_refused(void **state)
{
	struct fixture *f = *state;

	refused(f, "log_compression", "1m", "--log_compression=1048576: compressed logs");
	set(f, "log_compression", "0");
	refused(f, "log_store_compressed", "1", "--log_store_compressed=1: compressed (.fz)");
	set(f, "log_store_compressed", "0");
	set(f, "log_unix_epoch", "1");
	refused(f, "log_alternate_epoch_clock_id", "1000", "--log_alternate_epoch_clock_id=1000");
	set(f, "log_alternate_epoch_clock_id", "0");
}

/* A log in a directory that does not exist: refused before the run, naming it. */
static void test_log_dir(void **state)
{
	struct fixture *f = *state;
	char err[256];

	set(f, "write_lat_log", "sub/x");
	assert_int_equal(blk_log_validate(&f->job, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "--write_lat_log=sub/x: cannot write log files in sub: "));
	assert_int_equal(mkdir("sub", 0755), 0);
	validate_ok(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_per_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_value_offset_prio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_offset_per_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_samples, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bw_log_averaged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_bw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bw_window_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_file, setup, teardown),
		cmocka_unit_test(test_plat_index),
		cmocka_unit_test_setup_teardown(test_hist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unix_epoch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_dir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
