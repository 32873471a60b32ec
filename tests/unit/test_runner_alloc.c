/*
 * test_runner_alloc.c - the series and the totals add up even when the reporter runs out of
 * memory, or the run fails with -ENOMEM and says so.
 *
 * Every allocation of the reporter goes through series_realloc (src/core/series.c), a weak
 * realloc in the product; this file defines its own, which fails the allocations numbered
 * [test_fail_from, test_fail_to) and passes the others to realloc.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pvcbench/clock.h"
#include "pvcbench/runner.h"
#include "pvcbench/signals.h"

#define MS 1000000ULL
#define TEST_WORKERS 3
#define TEST_NOPS 2

static atomic_long test_allocs;
static long test_fail_from, test_fail_to;

void *series_realloc(void *ptr, size_t size);

void *series_realloc(void *ptr, size_t size)
{
	long n = atomic_fetch_add(&test_allocs, 1) + 1;

	if (n >= test_fail_from && n < test_fail_to)
		return NULL;
	return realloc(ptr, size);
}

static void test_fail_allocations(long from, long to)
{
	atomic_store(&test_allocs, 0);
	test_fail_from = from;
	test_fail_to = to;
}

struct test_worker {
	uint64_t ops[TEST_NOPS], bytes[TEST_NOPS]; /* recorded while measuring */
	bool gave_up;
};

static void test_sleep_us(unsigned us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

static int test_init(struct worker *w)
{
	worker_set_state(w, worker_arg(w));
	return 0;
}

static int test_run(struct worker *w)
{
	struct test_worker *t = worker_state(w);
	uint64_t start = clock_now_ns();

	for (uint64_t i = 0;; i++) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			return 0;
		if (now - start > 20000 * MS) {
			t->gave_up = true;
			return 0;
		}
		unsigned op = (unsigned)(i % TEST_NOPS);
		if (worker_measuring(w)) {
			t->ops[op]++;
			t->bytes[op] += 512 * (op + 1);
		}
		worker_record(w, op, 1000 * (op + 1), 512 * (op + 1));
		test_sleep_us(100);
	}
}

struct test_run {
	struct test_worker workers[TEST_WORKERS];
	struct worker_spec specs[TEST_WORKERS];
	struct run_plan plan;
	struct run_result result;
	int ret;
	uint64_t elapsed_ns;
};

/* Three workers for 300 ms in 10 ms intervals: ~30 pending intervals and points. */
static void test_go(struct test_run *r)
{
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < TEST_WORKERS; i++)
		r->specs[i] = (struct worker_spec){
			.runtime_ns = 300 * MS, .cpu = -1, .numa_node = -1, .arg = &r->workers[i]
		};
	r->plan = (struct run_plan){
		.nworkers = TEST_WORKERS,
		.nops = TEST_NOPS,
		.op_names = { "read", "write" },
		.specs = r->specs,
		.interval_ns = 10 * MS,
		.progress_out = stderr,
		.worker_init = test_init,
		.worker_run = test_run,
	};
	atomic_store(&signals_stop_flag, 0);
	uint64_t start = clock_now_ns();
	r->ret = runner_run(&r->plan, &r->result);
	r->elapsed_ns = clock_now_ns() - start;
	for (unsigned i = 0; i < TEST_WORKERS; i++)
		assert_false(r->workers[i].gave_up);
}

/* The totals are what the workers recorded: nothing is lost for want of memory. */
static void test_check_totals(const struct test_run *r)
{
	assert_non_null(r->result.workers);
	for (unsigned i = 0; i < TEST_WORKERS; i++) {
		for (unsigned k = 0; k < TEST_NOPS; k++) {
			const struct op_stats *s = &r->result.workers[i].op[k];
			assert_int_equal(s->ops, r->workers[i].ops[k]);
			assert_int_equal(s->bytes, r->workers[i].bytes[k]);
			assert_int_equal(s->lat.count, r->workers[i].ops[k]);
		}
		assert_true(r->workers[i].ops[0] > 0);
	}
}

/* Whether the series adds up to the totals, to the operation and byte. */
static bool test_series_adds_up(const struct test_run *r, char *why, size_t size)
{
	const struct run_result *res = &r->result;

	for (unsigned k = 0; k < TEST_NOPS; k++) {
		uint64_t ops = 0, bytes = 0;
		struct op_stats total;
		for (size_t p = 0; p < res->npoints; p++) {
			ops += res->points[p].op[k].ops;
			bytes += res->points[p].op[k].bytes;
		}
		run_result_total(res, k, &total, NULL);
		if (ops != total.ops || bytes != total.bytes) {
			snprintf(why, size,
				 "op %u: the series has %llu ops %llu bytes in %zu points, the "
				 "totals %llu, %llu",
				 k, (unsigned long long)ops, (unsigned long long)bytes,
				 res->npoints, (unsigned long long)total.ops,
				 (unsigned long long)total.bytes);
			return false;
		}
	}
	return true;
}

/* A run without failures: the hook is reached, and the figures add up. */
static void test_no_failure(void **state)
{
	struct test_run *r = calloc(1, sizeof(*r));
	char why[256];

	assert_non_null(r);
	test_fail_allocations(0, 0);
	test_go(r);
	assert_int_equal(r->ret, 0);
	assert_int_equal(r->result.error, 0);
	/* otherwise the tests below prove nothing */
	assert_true(atomic_load(&test_allocs) >= 3);
	test_check_totals(r);
	if (!test_series_adds_up(r, why, sizeof(why)))
		fail_msg("%s", why);
	run_result_free(&r->result);
	free(r);
}

/*
 * One allocation fails, each of the first few in turn: the series still adds up to the totals,
 * or the run says it does not (-ENOMEM in the return and in result.error).
 */
static void test_one_allocation_fails(void **state)
{
	struct test_run *r = calloc(1, sizeof(*r));
	char why[256];

	assert_non_null(r);
	for (long n = 1; n <= 6; n++) {
		test_fail_allocations(n, n + 1);
		test_go(r);
		if (atomic_load(&test_allocs) < n)
			fail_msg("allocation %ld never happened: the test proves nothing", n);
		test_check_totals(r);
		bool adds_up = test_series_adds_up(r, why, sizeof(why));
		if (r->ret == -ENOMEM) {
			assert_int_equal(r->result.error, -ENOMEM);
		} else {
			assert_int_equal(r->ret, 0);
			if (!adds_up)
				fail_msg("allocation %ld failed, the run returned 0, and %s", n,
					 why);
		}
		run_result_free(&r->result);
	}
	free(r);
}

/*
 * Every allocation from the third on fails: the run cannot keep its series, so it fails with
 * -ENOMEM, in bounded time, and the totals still hold everything the workers recorded.
 */
static void test_memory_stays_short(void **state)
{
	struct test_run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	test_fail_allocations(3, 1L << 40);
	test_go(r);
	assert_int_equal(r->ret, -ENOMEM);
	assert_int_equal(r->result.error, -ENOMEM);
	assert_false(r->result.init_failed);
	test_check_totals(r);
	if (r->elapsed_ns > 5000 * MS)
		fail_msg("a 300 ms run took %llu ms", (unsigned long long)(r->elapsed_ns / MS));
	run_result_free(&r->result);
	free(r);
	test_fail_allocations(0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_failure),
		cmocka_unit_test(test_one_allocation_fails),
		cmocka_unit_test(test_memory_stays_short),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
