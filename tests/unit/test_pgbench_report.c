/*
 * test_pgbench_report.c - pgbench's text that is built piece by piece never runs past its
 * buffer: pgb_append chained after a cut (the `n += snprintf` defect: n past the end made the
 * next `size - n` a huge size_t), and pgb_progress into buffers of every size from 0 up to its
 * whole line, with guard bytes after the buffer that must stay untouched. The line itself is
 * checked against pgbench's -P format, in both report styles, under -R and with
 * --progress-timestamp.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pgbench.h"

#define GUARD 64
#define GUARD_BYTE 0x5a

static void fill_guard(char *buf, size_t size)
{
	memset(buf, GUARD_BYTE, size + GUARD);
}

static void expect_guard(const char *buf, size_t size, const char *what)
{
	for (size_t i = size; i < size + GUARD; i++)
		if ((unsigned char)buf[i] != GUARD_BYTE)
			fail_msg("%s: byte %zu written past a buffer of %zu", what, i, size);
}

static void test_append_chains(void **state)
{
	char buf[32];
	size_t n = 0;

	(void)state;
	n = pgb_append(buf, sizeof(buf), n, "progress: %d s", 5);
	n = pgb_append(buf, sizeof(buf), n, ", %s", "1.0 tps");
	assert_int_equal(n, strlen("progress: 5 s, 1.0 tps"));
	assert_string_equal(buf, "progress: 5 s, 1.0 tps");
	n = pgb_append(buf, sizeof(buf), n, "%s", "");
	assert_string_equal(buf, "progress: 5 s, 1.0 tps");
}

/* The defect: a cut append, then another: the second must write nothing past the end. */
static void test_append_after_cut(void **state)
{
	char buf[16 + GUARD];
	size_t n;

	(void)state;
	fill_guard(buf, 16);
	n = pgb_append(buf, 16, 0, "%s", "0123456789");
	n = pgb_append(buf, 16, n, "%s", "abcdefghij"); /* cut: 20 would not fit */
	assert_int_equal(n, 15);
	assert_string_equal(buf, "0123456789abcde");
	n = pgb_append(buf, 16, n, ", lag %.3f ms and some more text", 1.5);
	assert_int_equal(n, 15);
	assert_string_equal(buf, "0123456789abcde");
	expect_guard(buf, 16, "append after a cut");
}

static void test_append_edges(void **state)
{
	char buf[8 + GUARD];

	(void)state;
	fill_guard(buf, 0);
	assert_int_equal(pgb_append(buf, 0, 0, "%s", "x"), 0);
	expect_guard(buf, 0, "size 0");

	fill_guard(buf, 1);
	assert_int_equal(pgb_append(buf, 1, 0, "%s", "xyz"), 0);
	assert_string_equal(buf, "");
	expect_guard(buf, 1, "size 1");

	/* a len already at or past the end (a caller's own mistake) is held at the end */
	fill_guard(buf, 8);
	assert_int_equal(pgb_append(buf, 8, 0, "%s", "1234567"), 7);
	assert_int_equal(pgb_append(buf, 8, 7, "%s", "more"), 7);
	assert_int_equal(pgb_append(buf, 8, 100, "%s", "more"), 7);
	assert_string_equal(buf, "1234567");
	expect_guard(buf, 8, "len at the end");
}

/* What pgb_progress reads: the config, and one interval's point and operation stats. */
struct progress_case {
	struct pgb_config cfg;
	struct pgb_summary sum;
	struct series_point pt;
	struct op_stats ops[2];
};

static struct progress_case *progress_case(bool current, double rate)
{
	struct progress_case *pc = calloc(1, sizeof(*pc));

	assert_non_null(pc);
	pc->cfg.progress = 1;
	pc->cfg.current_style = current;
	pc->cfg.rate_tps = rate;
	pc->sum.cfg = &pc->cfg;
	pc->pt.start_ms = 4000;
	pc->pt.duration_ms = 1000;
	for (unsigned k = 0; k < 2; k++)
		hist_init(&pc->ops[k].lat);
	return pc;
}

static void progress(struct progress_case *pc, char *buf, size_t size)
{
	pgb_progress(&pc->sum, &pc->pt, pc->ops, false, buf, size);
}

static void test_progress_format(void **state)
{
	char buf[512];
	struct progress_case *pc = progress_case(false, 0);

	(void)state;
	pc->ops[PGB_OP_TXN].ops = 250;
	for (int i = 0; i < 250; i++)
		hist_record(&pc->ops[PGB_OP_TXN].lat, 2000000); /* 2 ms */
	progress(pc, buf, sizeof(buf));
	assert_string_equal(buf, "progress: 5.0 s, 250.0 tps, lat 2.000 ms stddev 0.000\n");

	pc->cfg.current_style = true;
	pc->cfg.rate_tps = 300;
	pc->ops[PGB_OP_TXN].errors = 3;
	hist_record(&pc->ops[PGB_OP_LAG].lat, 500000); /* 0.5 ms */
	progress(pc, buf, sizeof(buf));
	assert_string_equal(buf, "progress: 5.0 s, 250.0 tps, lat 2.000 ms stddev 0.000, 3 failed, "
				 "lag 0.500 ms\n");

	/* a last interval shorter than -P has no line, as in pgbench */
	buf[0] = '\0';
	pc->pt.duration_ms = 400;
	pgb_progress(&pc->sum, &pc->pt, pc->ops, true, buf, sizeof(buf));
	assert_string_equal(buf, "");
	free(pc);
}

/*
 * The longest line the fields make (every count and sum at its largest), written into every
 * buffer size from 0 to past its length: never a byte past the buffer, always a prefix of
 * the whole line, and the newline kept.
 */
static void test_progress_every_size(void **state)
{
	struct progress_case *pc = progress_case(true, 1e6);
	char full[1024], *buf = malloc(1024 + GUARD);

	(void)state;
	assert_non_null(buf);
	pc->pt.start_ms = UINT64_MAX / 2;
	pc->pt.duration_ms = 1;
	for (unsigned k = 0; k < 2; k++) {
		struct op_stats *op = &pc->ops[k];
		op->ops = UINT64_MAX;
		op->errors = UINT64_MAX;
		op->lat.count = 2;
		op->lat.sum = UINT64_MAX;
		op->lat.sum_squares = ~(unsigned __int128)0;
		op->lat.max = UINT64_MAX;
	}
	progress(pc, full, sizeof(full));
	size_t len = strlen(full);
	assert_true(len > 100);
	assert_true(full[len - 1] == '\n');
	assert_non_null(strstr(full, " failed, lag "));

	for (size_t size = 0; size <= len + 2; size++) {
		char what[64];
		snprintf(what, sizeof(what), "progress into %zu bytes", size);
		fill_guard(buf, size);
		progress(pc, buf, size);
		expect_guard(buf, size, what);
		if (size == 0)
			continue;
		size_t got = strnlen(buf, size);
		if (got == size)
			fail_msg("%s: not NUL-terminated", what);
		if (size == 1) {
			assert_int_equal(got, 0);
			continue;
		}
		size_t want = len < size - 1 ? len : size - 1;
		if (got != want)
			fail_msg("%s: %zu characters, want %zu", what, got, want);
		if (memcmp(buf, full, want - 1) || buf[want - 1] != '\n')
			fail_msg("%s: '%s' is not the line cut and ended with a newline", what,
				 buf);
	}
	free(buf);
	free(pc);
}

/* --progress-timestamp: Unix time with milliseconds in place of the elapsed time */
static void test_progress_timestamp(void **state)
{
	char buf[512];
	struct progress_case *pc = progress_case(true, 0);

	(void)state;
	pc->cfg.progress_timestamp = true;
	pc->ops[PGB_OP_TXN].ops = 10;
	hist_record(&pc->ops[PGB_OP_TXN].lat, 1000000);
	for (int current = 1; current >= 0; current--) {
		pc->cfg.current_style = current;
		long long before = (long long)time(NULL);
		progress(pc, buf, sizeof(buf));
		long long after = (long long)time(NULL);
		long long sec;
		int ms, used = 0;
		if (sscanf(buf, "progress: %lld.%3d s, 10.0 tps, lat 1.000 ms stddev 0.000%n", &sec,
			   &ms, &used) != 2 ||
		    !used)
			fail_msg("not a timestamped progress line: %s", buf);
		if (sec < before || sec > after + 1)
			fail_msg("timestamp %lld not within %lld..%lld", sec, before, after);
		const char *dot = strchr(buf, '.');
		assert_true(dot && dot[4] == ' '); /* three decimals */
	}
	free(pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_chains),
		cmocka_unit_test(test_append_after_cut),
		cmocka_unit_test(test_append_edges),
		cmocka_unit_test(test_progress_format),
		cmocka_unit_test(test_progress_every_size),
		cmocka_unit_test(test_progress_timestamp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
