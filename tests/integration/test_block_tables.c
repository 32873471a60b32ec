/*
 * test_block_tables.c - the block workload's fixed arrays of option sources against the tables
 * they hold a slot for: a table longer than its array is refused with a message naming it (the
 * tables are extern, so only a check at set-up can see their length), and today's tables fit.
 *
 * Exit: 0 pass, 1 fail.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <setjmp.h>
#include <cmocka.h>

#include "block.h"

static void test_table_too_long(void **state)
{
	static const struct option_def three[] = {
		{ .name = "a", .type = OPT_BOOL },
		{ .name = "b", .type = OPT_BOOL },
		{ .name = "c", .type = OPT_BOOL },
		{ 0 },
	};
	char err[256] = "";

	(void)state;
	assert_int_equal(blk_option_table_fits(three, 3, "test rows", err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(blk_option_table_fits(three, 2, "test rows", err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "internal error: the table of test rows has 3 rows, room for 2");
}

static void test_tables_fit(void **state)
{
	struct blk_job job;
	char err[256] = "";

	(void)state;
	assert_int_equal(blk_option_tables_check(err, sizeof(err)), 0);
	assert_true(opt_count(blk_option_defs) <= BLK_MAX_OPTIONS);
	assert_int_equal(sizeof(job.source) / sizeof(job.source[0]), BLK_MAX_OPTIONS);
	assert_int_equal(blk_job_init(&job, err, sizeof(err)), 0);
	assert_int_equal(job.set.count, opt_count(blk_option_defs));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_too_long),
		cmocka_unit_test(test_tables_fit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL) ? 1 : 0;
}
