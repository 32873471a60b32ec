/*
 * test_pace.c - the pacing options (pace.c): fio's per-direction values and start delay ranges,
 * the intended issue time of each I/O under rate and rate_iops (linear and poisson), think time,
 * how far a clone fell behind, and rate_min failing a clone that falls below it.
 *
 * Time is passed in: blk_pace_due is a pure schedule of the clock values it is given, so these
 * tests assert exact due times and never wait.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "block.h"

#define MS 1000000ULL
#define SEC 1000000000ULL
#define T0 (1000 * SEC) /* an arbitrary clock value for the first I/O */

struct fixture {
	struct blk_job job;
	struct blk_clone clone;
	struct blk_clone_stats stats;
	struct blk_pace pace;
	char err[256];
};

/* A job named j with bs=4k, size=4m and the options given as name, value pairs. */
static struct fixture *setup(const char *const *kv)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(blk_job_init(&f->job, f->err, sizeof(f->err)), 0);
	assert_int_equal(
		opt_set(&f->job.set, &f->job.o, "name", "j", SRC_FLAG, f->err, sizeof(f->err)), 0);
	assert_int_equal(
		opt_set(&f->job.set, &f->job.o, "size", "4m", SRC_FLAG, f->err, sizeof(f->err)), 0);
	for (; kv && kv[0]; kv += 2)
		assert_int_equal(opt_set(&f->job.set, &f->job.o, kv[0], kv[1], SRC_FLAG, f->err,
					 sizeof(f->err)),
				 0);
	return f;
}

/* setup, then the pacing checks and one clone's pace. */
static struct fixture *pace_for(const char *const *kv)
{
	struct fixture *f = setup(kv);

	/* the files' and the pattern's checks give size and the block sizes */
	assert_int_equal(blk_files_validate(&f->job, f->err, sizeof(f->err)), 0);
	assert_int_equal(blk_pattern_validate(&f->job, f->err, sizeof(f->err)), 0);
	assert_int_equal(blk_pace_validate(&f->job, f->err, sizeof(f->err)), 0);
	blk_clone_stats_init(&f->stats);
	f->clone.job = &f->job;
	f->clone.stats = &f->stats;
	f->clone.seed = 42;
	assert_int_equal(blk_pace_init(&f->pace, &f->clone, f->err, sizeof(f->err)), 0);
	return f;
}

static void test_parse_dirs(void **state)
{
	uint64_t v[BLK_PACE_DIRS];

	(void)state;
	/* one value: every direction, as fio's rate=1m limits reads and writes each */
	assert_int_equal(blk_pace_parse_dirs("1m", v), 0);
	assert_int_equal(v[0], 1048576);
	assert_int_equal(v[1], 1048576);
	assert_int_equal(v[2], 1048576);
	assert_int_equal(blk_pace_parse_dirs("1m,2m", v), 0);
	assert_int_equal(v[0], 1048576);
	assert_int_equal(v[1], 2097152);
	assert_int_equal(v[2], 0);
	assert_int_equal(blk_pace_parse_dirs(",500k", v), 0);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 512000);
	assert_int_equal(blk_pace_parse_dirs("500k,", v), 0);
	assert_int_equal(v[0], 512000);
	assert_int_equal(v[1], 0);
	assert_int_equal(blk_pace_parse_dirs("", v), 0);
	assert_int_equal(v[0] | v[1] | v[2], 0);
	assert_int_equal(blk_pace_parse_dirs("1,2,3,4", v), -EINVAL);
	assert_int_equal(blk_pace_parse_dirs("fast", v), -EINVAL);
}

static void test_parse_delay(void **state)
{
	uint64_t lo, hi;

	(void)state;
	assert_int_equal(blk_pace_parse_delay("10", &lo, &hi), 0);
	assert_int_equal(lo, 10 * SEC);
	assert_int_equal(hi, 10 * SEC);
	assert_int_equal(blk_pace_parse_delay("500ms", &lo, &hi), 0);
	assert_int_equal(lo, 500 * MS);
	assert_int_equal(blk_pace_parse_delay("1-10", &lo, &hi), 0);
	assert_int_equal(lo, 1 * SEC);
	assert_int_equal(hi, 10 * SEC);
	assert_int_equal(blk_pace_parse_delay("10-1", &lo, &hi), -EINVAL);
	assert_int_equal(blk_pace_parse_delay("-5", &lo, &hi), -EINVAL);
	assert_int_equal(blk_pace_parse_delay("5-", &lo, &hi), -EINVAL);
	assert_int_equal(blk_pace_parse_delay("soon", &lo, &hi), -EINVAL);
}

static void test_bad_values(void **state)
{
	static const char *const rate_min_above[] = { "rate", "100k", "rate_min", "200k", NULL };
	static const char *const bad_rate[] = { "rate", "1m,fast", NULL };
	static const char *const bad_delay[] = { "startdelay", "9-3", NULL };
	struct fixture *f;

	(void)state;
	f = setup(rate_min_above);
	assert_int_equal(blk_pace_validate(&f->job, f->err, sizeof(f->err)), -EINVAL);
	assert_string_equal(
		f->err,
		"job j: the minimum rate of reads (204800 B/s) exceeds their rate (102400 B/s)");
	free(f);
	f = setup(bad_rate);
	assert_int_equal(blk_pace_validate(&f->job, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "job j: --rate=1m,fast: expected"));
	free(f);
	f = setup(bad_delay);
	assert_int_equal(blk_pace_validate(&f->job, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "job j: --startdelay=9-3: expected"));
	free(f);
}

static void test_refused(void **state)
{
	struct fixture *f = setup(NULL);

	(void)state;
	assert_int_not_equal(opt_set(&f->job.set, &f->job.o, "latency_target", "10ms", SRC_FLAG,
				     f->err, sizeof(f->err)),
			     0);
	assert_non_null(strstr(f->err, "latency_target"));
	free(f);
}

static void test_no_pacing(void **state)
{
	struct fixture *f = pace_for(NULL);

	(void)state;
	assert_false(f->pace.active);
	free(f);
}

static void test_linear_rate(void **state)
{
	/* 1 MiB/s of 4 KiB writes: one every 3.90625 ms */
	static const char *const kv[] = { "rate", ",1m", NULL };
	struct fixture *f = pace_for(kv);
	uint64_t gap = 4096 * SEC / 1048576;

	(void)state;
	assert_true(f->pace.active);
	for (uint64_t i = 0; i < 100; i++)
		assert_int_equal(blk_pace_due(&f->pace, IO_WRITE, 4096, T0), T0 + i * gap);
	/* reads have no limit: at once */
	assert_int_equal(blk_pace_due(&f->pace, IO_READ, 4096, T0 + 5), T0 + 5);
	assert_int_equal(f->stats.behind_max_ns, 0);
	free(f);
}

static void test_behind(void **state)
{
	static const char *const kv[] = { "rate_iops", "1000", NULL };
	struct fixture *f = pace_for(kv);

	(void)state;
	assert_int_equal(blk_pace_due(&f->pace, IO_READ, 4096, T0), T0);
	/* the device took 50 ms: the next I/O was due 49 ms ago and keeps its intended time */
	assert_int_equal(blk_pace_due(&f->pace, IO_READ, 4096, T0 + 50 * MS), T0 + 1 * MS);
	assert_int_equal(f->stats.behind_max_ns, 49 * MS);
	/* catching up: the next ones are due at once, their intended times still 1 ms apart */
	assert_int_equal(blk_pace_due(&f->pace, IO_READ, 4096, T0 + 50 * MS), T0 + 2 * MS);
	assert_int_equal(f->stats.behind_max_ns, 49 * MS);
	free(f);
}

static void test_poisson_mean(void **state)
{
	static const char *const kv[] = { "rate_iops", "1000", "rate_process", "poisson", NULL };
	struct fixture *f = pace_for(kv);
	uint64_t last = 0, n = 20000, min_gap = UINT64_MAX, max_gap = 0;

	(void)state;
	for (uint64_t i = 0; i < n; i++) {
		uint64_t due = blk_pace_due(&f->pace, IO_READ, 4096, T0);
		if (i) {
			min_gap = due - last < min_gap ? due - last : min_gap;
			max_gap = due - last > max_gap ? due - last : max_gap;
		}
		last = due;
	}
	/* a mean gap of 1 ms (within 3% over 20000 draws), gaps far from even */
	uint64_t mean = (last - T0) / (n - 1);
	assert_true(mean > 970000 && mean < 1030000);
	assert_true(min_gap < 100000);
	assert_true(max_gap > 5 * MS);
	free(f);
}

static void test_thinktime(void **state)
{
	static const char *const kv[] = { "thinktime", "2ms", "thinktime_blocks", "3", NULL };
	struct fixture *f = pace_for(kv);
	uint64_t now = T0;

	(void)state;
	assert_true(f->pace.active);
	/* three I/Os, then a 2 ms pause before the fourth, and again after the sixth */
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(blk_pace_due(&f->pace, IO_WRITE, 4096, now), now);
	assert_int_equal(blk_pace_due(&f->pace, IO_WRITE, 4096, now), now + 2 * MS);
	now += 2 * MS;
	assert_int_equal(blk_pace_due(&f->pace, IO_WRITE, 4096, now), now);
	assert_int_equal(blk_pace_due(&f->pace, IO_WRITE, 4096, now), now);
	assert_int_equal(blk_pace_due(&f->pace, IO_WRITE, 4096, now), now + 2 * MS);
	free(f);
}

static void test_thinktime_rate(void **state)
{
	/* 1000 IOPS with a 10 ms pause after every 5: fio catches up after the pause... */
	static const char *const catch_up[] = { "rate_iops",	    "1000", "thinktime", "10ms",
						"thinktime_blocks", "5",    NULL };
	/* ...unless rate_ignore_thinktime: then the schedule moves by the pause */
	static const char *const ignore[] = { "rate_iops",
					      "1000",
					      "thinktime",
					      "10ms",
					      "thinktime_blocks",
					      "5",
					      "rate_ignore_thinktime",
					      "1",
					      NULL };
	struct fixture *f = pace_for(catch_up), *g = pace_for(ignore);

	(void)state;
	for (uint64_t i = 0; i < 5; i++) {
		assert_int_equal(blk_pace_due(&f->pace, IO_READ, 4096, T0 + i * MS), T0 + i * MS);
		assert_int_equal(blk_pace_due(&g->pace, IO_READ, 4096, T0 + i * MS), T0 + i * MS);
	}
	/* the sixth: after the pause in both */
	assert_int_equal(blk_pace_due(&f->pace, IO_READ, 4096, T0 + 5 * MS), T0 + 15 * MS);
	assert_int_equal(blk_pace_due(&g->pace, IO_READ, 4096, T0 + 5 * MS), T0 + 15 * MS);
	/* the seventh: at once in fio's catch-up, 1 ms later when the pause is ignored */
	assert_int_equal(blk_pace_due(&f->pace, IO_READ, 4096, T0 + 15 * MS), T0 + 6 * MS);
	assert_int_equal(blk_pace_due(&g->pace, IO_READ, 4096, T0 + 15 * MS), T0 + 16 * MS);
	free(f);
	free(g);
}

static void test_startdelay(void **state)
{
	static const char *const kv[] = { "startdelay", "2", "rate_iops", "10", NULL };
	static const char *const range[] = { "startdelay", "1-3", NULL };
	struct fixture *f = pace_for(kv), *g;
	struct worker_spec spec = { .ramp_ns = 5 * SEC };

	(void)state;
	assert_true(f->pace.active);
	/* the first I/O waits for the delay; the schedule starts there */
	assert_int_equal(blk_pace_due(&f->pace, IO_READ, 4096, T0), T0 + 2 * SEC);
	assert_int_equal(blk_pace_due(&f->pace, IO_READ, 4096, T0), T0 + 2 * SEC + 100 * MS);
	/* the delay is unmeasured: it lengthens the ramp */
	blk_pace_adjust_spec(&f->job, &spec);
	assert_int_equal(spec.ramp_ns, 7 * SEC);
	g = pace_for(range);
	uint64_t d = blk_pace_startdelay(&g->job);
	assert_true(d >= 1 * SEC && d <= 3 * SEC);
	/* one draw per job: the spec and every clone's pace agree */
	assert_int_equal(blk_pace_startdelay(&g->job), d);
	assert_int_equal(g->pace.delay_ns, d);
	free(f);
	free(g);
}

static void test_rate_min(void **state)
{
	/* capped at 1 MiB/s, at least 512 KiB/s, but the device only manages 256 I/Os of 1 KiB/s */
	static const char *const kv[] = { "rate", "1m", "rate_min", "512k", "bs", "1k", NULL };
	struct fixture *f = pace_for(kv);
	uint64_t now = T0, due = 0;
	unsigned n = 0;

	(void)state;
	assert_int_equal(blk_pace_validate(&f->job, f->err, sizeof(f->err)), 0);
	for (; n < 10000; n++, now += 4 * MS) {
		due = blk_pace_due(&f->pace, IO_WRITE, 1024, now);
		if (due == BLK_PACE_STOP)
			break;
	}
	/* the first check after 2 s takes the counts, the next one a second later fails */
	assert_int_equal(due, BLK_PACE_STOP);
	assert_true(now >= T0 + 3 * SEC && now < T0 + 3 * SEC + 10 * MS);
	assert_int_equal(f->pace.error, -EIO);
	assert_string_equal(f->pace.why, "j: rate_min=524288B/s not met, got 256000B/s");
	assert_false(blk_pace_wait(&f->pace, due));
	free(f);
}

static void test_pick_dir(void **state)
{
	/* writes capped at 100 IOPS, reads free: fio issues reads while writes wait */
	static const char *const kv[] = { "rate_iops", ",100", NULL };
	static const char *const both[] = { "rate_iops", "100,200", NULL };
	struct fixture *f = pace_for(kv), *g;

	(void)state;
	f->job.reads = f->job.writes = true;
	assert_int_equal(blk_pace_init(&f->pace, &f->clone, f->err, sizeof(f->err)), 0);
	assert_int_equal(blk_pace_pick_dir(&f->pace, IO_WRITE, T0), IO_WRITE);
	assert_int_equal(blk_pace_due(&f->pace, IO_WRITE, 4096, T0), T0);
	/* the next write is due in 10 ms: a write chosen now becomes a read */
	assert_int_equal(blk_pace_pick_dir(&f->pace, IO_WRITE, T0 + 1 * MS), IO_READ);
	assert_int_equal(blk_pace_pick_dir(&f->pace, IO_READ, T0 + 1 * MS), IO_READ);
	assert_int_equal(blk_pace_pick_dir(&f->pace, IO_WRITE, T0 + 10 * MS), IO_WRITE);
	free(f);
	/* both capped and both ahead: the one due first */
	g = pace_for(both);
	g->job.reads = g->job.writes = true;
	assert_int_equal(blk_pace_init(&g->pace, &g->clone, g->err, sizeof(g->err)), 0);
	assert_int_equal(blk_pace_due(&g->pace, IO_READ, 4096, T0), T0);
	assert_int_equal(blk_pace_due(&g->pace, IO_WRITE, 4096, T0), T0);
	/* reads next at T0 + 10 ms, writes at T0 + 5 ms */
	assert_int_equal(blk_pace_pick_dir(&g->pace, IO_READ, T0 + 1 * MS), IO_WRITE);
	assert_int_equal(blk_pace_pick_dir(&g->pace, IO_WRITE, T0 + 1 * MS), IO_WRITE);
	/* a job that only writes never switches */
	g->pace.mixed = false;
	assert_int_equal(blk_pace_pick_dir(&g->pace, IO_READ, T0 + 1 * MS), IO_READ);
	free(g);
}

static void test_rate_min_without_rate(void **state)
{
	/* as in fio, a minimum alone is not checked */
	static const char *const kv[] = { "rate_min", "512k", NULL };
	struct fixture *f = pace_for(kv);

	(void)state;
	assert_false(f->pace.check_min);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_dirs),
		cmocka_unit_test(test_parse_delay),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_no_pacing),
		cmocka_unit_test(test_linear_rate),
		cmocka_unit_test(test_behind),
		cmocka_unit_test(test_poisson_mean),
		cmocka_unit_test(test_thinktime),
		cmocka_unit_test(test_thinktime_rate),
		cmocka_unit_test(test_startdelay),
		cmocka_unit_test(test_rate_min),
		cmocka_unit_test(test_rate_min_without_rate),
		cmocka_unit_test(test_pick_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
