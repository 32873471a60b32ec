/*
 * test_progress.c - the status line's arithmetic (src/core/progress.c): the rate per second
 * over an interval, and fio's eta text.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_small),
		cmocka_unit_test(test_rate_large_interval),
		cmocka_unit_test(test_rate_saturates),
		cmocka_unit_test(test_eta),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
