/*
 * test_progress.c - the status line's arithmetic (src/core/progress.c): the rate per second
 * over an interval, fio's eta text, the line itself and --eta-newline's cadence.
 *
 * The rate was count * 10^9 / dt in 64 bits, which overflows once count passes 18.4 * 10^9: a
 * disk at 2 GB/s over a 10 s --interval. The figures here are such intervals, with rates worked
 * out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/core/runner_int.h"

#define SEC 1000000000ULL

static void test_rate_small(void **state)
{
	assert_int_equal(progress_rate(55612, SEC), 55612);
	assert_int_equal(progress_rate(1000, SEC / 2), 2000);
	/* a whole number of operations per second, rounded down */
	assert_int_equal(progress_rate(10, 3 * SEC), 3);
	assert_int_equal(progress_rate(0, SEC), 0);
	/* no time, no rate (not a division by zero) */
	assert_int_equal(progress_rate(12345, 0), 0);
}

static void test_rate_large_interval(void **state)
{
	/* 2 GB/s over 10 s: 20 * 10^9 bytes, past 64 bits once multiplied by 10^9 */
	assert_int_equal(progress_rate(20000000000ULL, 10 * SEC), 2000000000ULL);
	/* 7 GiB/s over 60 s */
	uint64_t bytes = 7ULL * 1024 * 1024 * 1024 * 60;
	assert_int_equal(progress_rate(bytes, 60 * SEC), 7ULL * 1024 * 1024 * 1024);
	/* just past the old formula's limit: 18446744074 bytes in one second */
	assert_int_equal(progress_rate(18446744074ULL, SEC), 18446744074ULL);
	/* an uneven interval: 30 * 10^9 bytes in 1.5 s */
	assert_int_equal(progress_rate(30000000000ULL, 3 * SEC / 2), 20000000000ULL);
}

static void test_rate_saturates(void **state)
{
	/* more than 2^64 per second: the largest rate, not a wrapped one */
	assert_true(progress_rate(UINT64_MAX, 1) == UINT64_MAX);
	assert_true(progress_rate(UINT64_MAX / 2, SEC / 4) == UINT64_MAX);
	assert_true(progress_rate(UINT64_MAX, SEC) == UINT64_MAX);
}

static void test_eta(void **state)
{
	char buf[32];

	progress_eta_text(buf, sizeof(buf), 13 * SEC);
	assert_string_equal(buf, "00m:13s");
	/* part of a second left counts as a second */
	progress_eta_text(buf, sizeof(buf), SEC / 2);
	assert_string_equal(buf, "00m:01s");
	progress_eta_text(buf, sizeof(buf), 59 * 60 * SEC + 59 * SEC);
	assert_string_equal(buf, "59m:59s");
	progress_eta_text(buf, sizeof(buf), 3723 * SEC);
	assert_string_equal(buf, "01h:02m:03s");
}

static void test_line(void **state)
{
	const struct run_plan plan = { .nops = 2, .op_names = { "read", "write" } };
	uint64_t dops[2] = { 55612, 0 }, dbytes[2] = { 55612ULL * 4096, 0 };
	char buf[512];

	progress_format(buf, sizeof(buf), &plan, dops, dbytes, SEC, 2, 13 * SEC, "", "\n");
	assert_string_equal(buf,
			    "Jobs: 2 (f=2): [r=217MiB/s,w=0B/s][r=55.6k,w=0 IOPS][eta 00m:13s]\n");
	/* half the counts over half a second: the same rates; no deadline: no eta */
	dops[0] /= 2;
	dbytes[0] /= 2;
	progress_format(buf, sizeof(buf), &plan, dops, dbytes, SEC / 2, 1, UINT64_MAX, "\r",
			"\033[K");
	assert_string_equal(buf, "\rJobs: 1 (f=1): [r=217MiB/s,w=0B/s][r=55.6k,w=0 IOPS][eta "
				 "--m:--s]\033[K");
}

/*
 * --eta-newline=2 with a line every second (and a millisecond of lag each, as a reporter has):
 * as fio, once more than 2 s have passed since the first line or the last new line, the line
 * after the one just printed starts a new line: the first row holds three lines (its clock
 * starts at its first line), the others two (they start at the line that set it).
 */
static void test_eta_newline_cadence(void **state)
{
	struct progress_state ps;
	char row[32] = "";

	memset(&ps, 0, sizeof(ps));
	for (uint64_t k = 1; k <= 9; k++) {
		const char *prefix = progress_newline(&ps, 2 * SEC, k * SEC + k * 1000000ULL);
		strcat(row, *prefix == '\n' ? "|" : "");
		strcat(row, "x");
	}
	assert_string_equal(row, "xxx|xx|xx|xx");
	/* without --eta-newline, never */
	memset(&ps, 0, sizeof(ps));
	for (uint64_t k = 1; k <= 9; k++)
		assert_string_equal(progress_newline(&ps, 0, k * 10 * SEC), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_small),     cmocka_unit_test(test_rate_large_interval),
		cmocka_unit_test(test_rate_saturates), cmocka_unit_test(test_eta),
		cmocka_unit_test(test_line),	       cmocka_unit_test(test_eta_newline_cadence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
