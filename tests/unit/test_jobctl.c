/*
 * test_jobctl.c - the job-control options as fio defines them: which I/O errors a job goes on
 * after (continue_on_error with ignore_error's lists, fio's default EIO and EILSEQ), cpumask
 * made into a CPU list, the CPU a clone gets under cpus_allowed_policy, numa_mem_policy's
 * forms, and the one-line errors for bad values.
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

static struct blk_job job;
static char err[1024];

/* A job with the given name=value pairs (NULL-terminated), checked by the jobctl group. */
static int job_with(const char *first, ...)
{
	va_list ap;

	assert_int_equal(blk_job_init(&job, err, sizeof(err)), 0);
	err[0] = '\0';
	va_start(ap, first);
	for (const char *k = first; k; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);
		assert_int_equal(opt_set(&job.set, &job.o, k, v, SRC_FLAG, err, sizeof(err)), 0);
	}
	va_end(ap);
	return blk_jobctl_validate(&job, err, sizeof(err));
}

static void test_default_stops_on_every_error(void **state)
{
	(void)state;
	assert_int_equal(job_with(NULL), 0);
	assert_false(blk_jobctl_error_continue(&job, IO_READ, -EIO));
	assert_false(blk_jobctl_error_continue(&job, IO_WRITE, -EIO));
}

static void test_continue_on_error_kinds(void **state)
{
	(void)state;
	assert_int_equal(job_with("continue_on_error", "read", NULL), 0);
	assert_true(blk_jobctl_error_continue(&job, IO_READ, -EIO));
	assert_false(blk_jobctl_error_continue(&job, IO_WRITE, -EIO));
	/* only fio's non-fatal errors without an ignore_error list */
	assert_false(blk_jobctl_error_continue(&job, IO_READ, -ENOSPC));

	assert_int_equal(job_with("continue_on_error", "io", NULL), 0);
	assert_true(blk_jobctl_error_continue(&job, IO_WRITE, -EIO));
	assert_false(blk_jobctl_error_continue(&job, IO_READ, -EILSEQ)); /* a verify error */

	assert_int_equal(job_with("continue_on_error", "verify", NULL), 0);
	assert_true(blk_jobctl_error_continue(&job, IO_READ, -EILSEQ));
	assert_false(blk_jobctl_error_continue(&job, IO_READ, -EIO));

	assert_int_equal(job_with("continue_on_error", "1", NULL), 0);
	assert_true(blk_jobctl_error_continue(&job, IO_WRITE, -EIO));
	assert_int_equal(job_with("continue_on_error", "0", NULL), 0);
	assert_false(blk_jobctl_error_continue(&job, IO_WRITE, -EIO));
}

static void test_ignore_error_lists(void **state)
{
	(void)state;
	/* fio's example: EAGAIN for reads; ENOSPC and 122 (EDQUOT) for writes */
	assert_int_equal(
		job_with("continue_on_error", "all", "ignore_error", "EAGAIN,ENOSPC:122", NULL), 0);
	assert_true(blk_jobctl_error_continue(&job, IO_READ, -EAGAIN));
	assert_false(blk_jobctl_error_continue(&job, IO_READ, -EIO)); /* the list replaces EIO */
	assert_true(blk_jobctl_error_continue(&job, IO_WRITE, -ENOSPC));
	assert_true(blk_jobctl_error_continue(&job, IO_WRITE, -EDQUOT));
	assert_false(blk_jobctl_error_continue(&job, IO_WRITE, -EIO));
	/* the verify list was not given: fio's default */
	assert_true(blk_jobctl_error_continue(&job, IO_READ, -EILSEQ));

	/* a list without continue_on_error changes nothing, as in fio */
	assert_int_equal(job_with("ignore_error", "EIO,EIO", NULL), 0);
	assert_false(blk_jobctl_error_continue(&job, IO_READ, -EIO));
}

static void test_ignore_error_bad(void **state)
{
	(void)state;
	assert_int_equal(job_with("ignore_error", "EIO:EFOO", NULL), -EINVAL);
	assert_non_null(strstr(err, "--ignore_error=EIO:EFOO: unknown error EFOO"));
	assert_int_equal(job_with("ignore_error", "EIO,EIO,EIO,EIO", NULL), -EINVAL);
	assert_non_null(strstr(err, "at most three lists"));
}

static void test_cpumask_and_policy(void **state)
{
	int cpus[2] = { 0, 1 };

	(void)state;
	assert_int_equal(job_with("cpumask", "0x1", NULL), 0);
	assert_string_equal(job.o.cpus_allowed, "0");
	assert_int_equal(job_with("cpumask", "1", "cpus_allowed", "0", NULL), -EINVAL);
	assert_non_null(strstr(err, "not both"));
	assert_int_equal(job_with("cpumask", "0", NULL), -EINVAL);

	/* shared: every clone on the whole set (set in its thread); split: one CPU each */
	assert_int_equal(job_with(NULL), 0);
	assert_int_equal(blk_jobctl_clone_cpu(&job, 1, cpus, 2), -1);
	assert_int_equal(blk_jobctl_clone_cpu(&job, 1, cpus, 1), 0);
	assert_int_equal(blk_jobctl_clone_cpu(&job, 1, cpus, 0), -1);
	assert_int_equal(job_with("cpus_allowed_policy", "split", NULL), 0);
	assert_int_equal(blk_jobctl_clone_cpu(&job, 0, cpus, 2), 0);
	assert_int_equal(blk_jobctl_clone_cpu(&job, 1, cpus, 2), 1);
	assert_int_equal(blk_jobctl_clone_cpu(&job, 2, cpus, 2), 0);
}

static void test_numa_mem_policy(void **state)
{
	(void)state;
	assert_int_equal(job_with(NULL), 0);
	assert_int_equal(job.o.ctl.mem_mode, -1);
	assert_int_equal(job_with("numa_mem_policy", "default", NULL), 0);
	assert_int_equal(job.o.ctl.mem_mode, 0);
	assert_int_equal(job_with("numa_mem_policy", "bind:0", NULL), 0);
	assert_int_equal(job.o.ctl.mem_mode, 2);
	assert_int_equal(job.o.ctl.mem_nodes[0], 1UL);
	assert_int_equal(job_with("numa_mem_policy", "prefer:0", NULL), 0);
	assert_int_equal(job.o.ctl.mem_mode, 1);
	assert_int_equal(job_with("numa_mem_policy", "interleave:0-0", NULL), 0);
	assert_int_equal(job.o.ctl.mem_mode, 3);
	/* node 1023 exists on no machine this runs on */
	assert_int_equal(job_with("numa_mem_policy", "bind:0,1023", NULL), -EINVAL);
	assert_non_null(strstr(err, "this machine has no NUMA node 1023"));
	static const char *const bad[] = { "prefer:0,1", "local:0", "interleave", "bind:x", "any" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(job_with("numa_mem_policy", bad[i], NULL), -EINVAL);
		assert_non_null(strstr(err, "give default, local, prefer:NODE"));
	}
}

static void test_bad_values(void **state)
{
	(void)state;
	assert_int_equal(job_with("nice", "-20", NULL), 0);
	assert_int_equal(job.o.ctl.nice_value, -20);
	assert_int_equal(job_with("nice", "20", NULL), -EINVAL);
	assert_non_null(strstr(err, "--nice=20: give a number from -20 to 19"));
	assert_int_equal(job_with("nice", "x", NULL), -EINVAL);
	/* new_group alone is fio's: a new reporting group, the job running with the others */
	assert_int_equal(job_with("new_group", NULL, NULL), 0);
	assert_true(job.o.ctl.new_group);
	assert_int_equal(job_with("new_group", NULL, "stonewall", NULL, NULL), 0);
	assert_int_equal(blk_job_init(&job, err, sizeof(err)), 0);
	assert_int_not_equal(opt_set(&job.set, &job.o, "prio", "8", SRC_FLAG, err, sizeof(err)), 0);
	assert_int_not_equal(
		opt_set(&job.set, &job.o, "prioclass", "4", SRC_FLAG, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_stops_on_every_error),
		cmocka_unit_test(test_continue_on_error_kinds),
		cmocka_unit_test(test_ignore_error_lists),
		cmocka_unit_test(test_ignore_error_bad),
		cmocka_unit_test(test_cpumask_and_policy),
		cmocka_unit_test(test_numa_mem_policy),
		cmocka_unit_test(test_bad_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
