/*
 * test_hist.c - the latency histogram against exact statistics of the same data: nearest-rank
 * percentiles of the sorted values, min/max/mean/stddev computed directly, and merging checked
 * bucket for bucket against one histogram that saw everything.
 *
 * The data are pseudo-random from a fixed seed so that a failure reproduces.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pvcbench/hist.h"

/* Percentiles in hundredths of a percent, so that exact ranks come from integer arithmetic. */
static const unsigned test_percentiles[] = {
	100,  500,  1000, 1500, 2000, 2500, 3000, 3500, 4000, 4500, 5000, 5500, 6000,
	6500, 7000, 7500, 8000, 8500, 9000, 9500, 9900, 9950, 9990, 9995, 9999, 10000,
};
#define TEST_PERCENTILES (sizeof(test_percentiles) / sizeof(test_percentiles[0]))

static uint64_t test_next(uint64_t *state)
{
	/* splitmix64 */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double test_unit(uint64_t *state)
{
	return (double)(test_next(state) >> 11) / (double)(1ull << 53);
}

static int test_compare(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct hist *test_hist_new(void)
{
	struct hist *h = malloc(sizeof(*h));

	assert_non_null(h);
	hist_init(h);
	return h;
}

/* Records values, then checks every statistic against the exact ones of the same values. */
static void test_check_against_exact(const uint64_t *values, size_t n)
{
	struct hist *h = test_hist_new();
	uint64_t *sorted = malloc(n * sizeof(*sorted));
	long double sum = 0, mean, squares = 0, exact_stddev;
	size_t i;

	assert_non_null(sorted);
	for (i = 0; i < n; i++) {
		hist_record(h, values[i]);
		sorted[i] = values[i];
		sum += values[i];
	}
	qsort(sorted, n, sizeof(*sorted), test_compare);

	assert_int_equal(h->count, n);
	assert_int_equal(h->min, sorted[0]);
	assert_int_equal(h->max, sorted[n - 1]);
	mean = sum / n;
	assert_true(fabs(hist_mean(h) - (double)mean) <= 1e-12 * (double)mean);
	for (i = 0; i < n; i++)
		squares += ((long double)values[i] - mean) * ((long double)values[i] - mean);
	exact_stddev = n < 2 ? 0 : sqrtl(squares / (n - 1)); /* sample stddev, as fio */
	assert_true(fabs(hist_stddev(h) - (double)exact_stddev) <=
		    1e-9 * (double)exact_stddev + 1e-9);

	for (i = 0; i < TEST_PERCENTILES; i++) {
		uint64_t rank = ((uint64_t)test_percentiles[i] * n + 9999) / 10000;
		uint64_t exact, got;

		if (rank == 0)
			rank = 1;
		exact = sorted[rank - 1];
		got = hist_value_at(h, test_percentiles[i] / 100.0);
		if (hist_bucket_of(got) != hist_bucket_of(exact) ||
		    fabs((double)got - (double)exact) > 0.01 * (double)exact)
			fail_msg("p%.2f of %zu values: got %llu, exact %llu",
				 test_percentiles[i] / 100.0, n, (unsigned long long)got,
				 (unsigned long long)exact);
	}
	free(sorted);
	free(h);
}

static void test_uniform(void **state)
{
	const size_t n = 200000;
	uint64_t *values = malloc(n * sizeof(*values)), seed = 1;
	size_t i;

	assert_non_null(values);
	for (i = 0; i < n; i++)
		values[i] = 1 + test_next(&seed) % 1000000;
	test_check_against_exact(values, n);
	free(values);
}

static void test_log_uniform(void **state)
{
	const size_t n = 200000;
	const double hour_ns = 3600e9;
	uint64_t *values = malloc(n * sizeof(*values)), seed = 2;
	size_t i;

	assert_non_null(values);
	for (i = 0; i < n; i++)
		values[i] = (uint64_t)llround(exp(test_unit(&seed) * log(hour_ns)));
	test_check_against_exact(values, n);
	free(values);
}

static void test_constant(void **state)
{
	static const uint64_t constants[] = { 0, 1, 255, 256, 12345, 999999937, 3600000000000ull };
	uint64_t values[1000];
	size_t i, c;

	for (c = 0; c < sizeof(constants) / sizeof(constants[0]); c++) {
		for (i = 0; i < 1000; i++)
			values[i] = constants[c];
		test_check_against_exact(values, 1000);
	}
}

static void test_tiny_counts(void **state)
{
	uint64_t values[7], seed = 3;
	size_t n, i;

	for (n = 1; n <= 7; n++) {
		for (i = 0; i < n; i++)
			values[i] = test_next(&seed) % 100000000;
		test_check_against_exact(values, n);
	}
}

/* Ranks on the edge of floating point: p99.9 of 1000 values is rank 999, not 1000. */
static void test_rank_edges(void **state)
{
	struct hist *h = test_hist_new();
	uint64_t v;

	for (v = 1; v <= 1000; v++)
		hist_record(h, v * 1000);
	assert_true(hist_bucket_of(hist_value_at(h, 99.9)) == hist_bucket_of(999000));
	assert_true(hist_bucket_of(hist_value_at(h, 10)) == hist_bucket_of(100000));
	assert_true(hist_bucket_of(hist_value_at(h, 0.01)) == hist_bucket_of(1000));
	assert_int_equal(hist_value_at(h, 100), 1000000);
	free(h);

	h = test_hist_new();
	hist_record(h, 10);
	hist_record(h, 200);
	assert_int_equal(hist_value_at(h, 50), 10);
	assert_int_equal(hist_value_at(h, 50.0001), 200);
	assert_int_equal(hist_value_at(h, 100), 200);
	free(h);
}

/* A value reads back as its bucket's midpoint, clamped to the exact min and max. */
static void test_midpoint(void **state)
{
	struct hist *h = test_hist_new();
	unsigned b = hist_bucket_of(999500);
	uint64_t mid = hist_bucket_low(b) + (hist_bucket_high(b) - hist_bucket_low(b)) / 2;

	assert_int_equal(hist_bucket_high(b) - hist_bucket_low(b) + 1, 4096);
	hist_record(h, 1);
	hist_record(h, 999500);
	hist_record(h, 999600);
	hist_record(h, 2000000);
	assert_int_equal(hist_value_at(h, 50), mid);
	assert_int_equal(hist_value_at(h, 75), mid);
	assert_int_equal(hist_value_at(h, 25), 1);
	free(h);

	h = test_hist_new();
	hist_record(h, 999500);
	hist_record(h, 999600);
	assert_int_equal(hist_value_at(h, 1), 999600);
	free(h);

	h = test_hist_new();
	hist_record(h, hist_bucket_high(b));
	assert_int_equal(hist_value_at(h, 50), hist_bucket_high(b));
	free(h);
}

static void test_merge(void **state)
{
	struct hist *a = test_hist_new(), *b = test_hist_new(), *all = test_hist_new();
	struct hist *empty = test_hist_new();
	uint64_t seed = 4;
	unsigned i;

	for (i = 0; i < 100000; i++) {
		uint64_t v = (uint64_t)exp(test_unit(&seed) * 30.0);

		hist_record(i % 3 ? a : b, v);
		hist_record(all, v);
	}
	hist_merge(a, b);
	hist_merge(a, empty);
	assert_int_equal(a->count, all->count);
	assert_int_equal(a->min, all->min);
	assert_int_equal(a->max, all->max);
	assert_int_equal(a->sum, all->sum);
	assert_true(a->sum_squares == all->sum_squares);
	for (i = 0; i < HIST_BUCKETS; i++)
		assert_int_equal(a->buckets[i], all->buckets[i]);

	hist_merge(empty, all);
	assert_memory_equal(empty, all, sizeof(*all));
	free(a);
	free(b);
	free(all);
	free(empty);
}

static void test_check_value(uint64_t v)
{
	unsigned b = hist_bucket_of(v);
	uint64_t low = hist_bucket_low(b), high = hist_bucket_high(b);

	if (b >= HIST_BUCKETS || low > v || v > high)
		fail_msg("value %llu: bucket %u [%llu, %llu]", (unsigned long long)v, b,
			 (unsigned long long)low, (unsigned long long)high);
}

static void test_buckets(void **state)
{
	uint64_t v, seed = 5;
	unsigned b, bit, i;

	assert_int_equal(hist_bucket_low(0), 0);
	for (b = 0; b < HIST_BUCKETS; b++) {
		uint64_t low = hist_bucket_low(b), high = hist_bucket_high(b);

		assert_true(low <= high);
		assert_int_equal(hist_bucket_of(low), b);
		assert_int_equal(hist_bucket_of(high), b);
		if (b + 1 < HIST_BUCKETS) {
			assert_int_equal(hist_bucket_low(b + 1), high + 1);
			if (low >= HIST_LINEAR)
				assert_true(high - low + 1 <= low / HIST_SUB_COUNT);
			else
				assert_int_equal(low, high);
		}
	}
	for (v = 0; v < 1u << 20; v++)
		test_check_value(v);
	for (bit = 1; bit < 64; bit++) {
		test_check_value((1ull << bit) - 1);
		test_check_value(1ull << bit);
		test_check_value((1ull << bit) + 1);
		for (i = 0; i < 1000; i++)
			test_check_value((1ull << bit) | (test_next(&seed) & ((1ull << bit) - 1)));
	}
	test_check_value(UINT64_MAX);
	assert_int_equal(hist_bucket_of((1ull << HIST_TOP_BIT) - 1), HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket_of(1ull << HIST_TOP_BIT), HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket_of(UINT64_MAX), HIST_BUCKETS - 1);
	assert_int_equal(hist_bucket_low(HIST_BUCKETS - 1),
			 (1ull << HIST_TOP_BIT) - (1ull << (HIST_TOP_BIT - HIST_SUB_BITS - 1)));
}

static void test_huge_values(void **state)
{
	struct hist *h = test_hist_new();
	const uint64_t top = 1ull << HIST_TOP_BIT;

	hist_record(h, 100);
	hist_record(h, top);
	hist_record(h, top + 12345);
	hist_record(h, 1ull << 50);
	assert_int_equal(h->buckets[HIST_BUCKETS - 1], 3);
	assert_int_equal(h->max, 1ull << 50);
	assert_int_equal(h->min, 100);
	assert_int_equal(hist_value_at(h, 100), 1ull << 50);
	assert_int_equal(hist_value_at(h, 25), 100);
	assert_true(hist_value_at(h, 50) >= hist_bucket_low(HIST_BUCKETS - 1));
	assert_true(hist_value_at(h, 50) <= 1ull << 50);
	free(h);
}

static void test_empty(void **state)
{
	struct hist *h = test_hist_new();

	assert_int_equal(h->count, 0);
	assert_int_equal(h->min, UINT64_MAX);
	assert_int_equal(h->max, 0);
	assert_int_equal(hist_value_at(h, 50), 0);
	assert_int_equal(hist_value_at(h, 100), 0);
	assert_true(hist_mean(h) == 0.0);
	assert_true(hist_stddev(h) == 0.0);
	hist_record(h, 42);
	assert_true(hist_stddev(h) == 0.0);
	assert_int_equal(hist_value_at(h, 1), 42);
	free(h);
}

static void test_add_bucket(void **state)
{
	struct hist *h = test_hist_new(), *ref = test_hist_new();
	unsigned b;

	assert_int_equal(hist_add_bucket(h, HIST_BUCKETS, 1), -EINVAL);
	assert_int_equal(h->count, 0);
	for (b = 0; b < HIST_BUCKETS; b += 37) {
		hist_record(ref, hist_bucket_low(b));
		hist_record(ref, hist_bucket_low(b));
		assert_int_equal(hist_add_bucket(h, b, 2), 0);
	}
	h->min = ref->min;
	h->max = ref->max;
	h->sum = ref->sum;
	h->sum_squares = ref->sum_squares;
	assert_memory_equal(h, ref, sizeof(*h));
	assert_int_equal(hist_value_at(h, 50), hist_value_at(ref, 50));
	free(h);
	free(ref);
}

/* A spread that is tiny against the mean: where sumsq / n - mean^2 in double loses it all. */
static void test_stddev_precision(void **state)
{
	struct hist *h = test_hist_new();
	unsigned i;

	for (i = 0; i < 1000000; i++)
		hist_record(h, 1000000000000ull + (i & 1));
	/* sample stddev: 0.5 * sqrt(n / (n - 1)) */
	assert_true(fabs(hist_stddev(h) - 0.5 * sqrt(1000000.0 / 999999.0)) < 1e-12);
	assert_true(fabs(hist_mean(h) - 1000000000000.5) < 1e-3);
	free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uniform),	    cmocka_unit_test(test_log_uniform),
		cmocka_unit_test(test_constant),    cmocka_unit_test(test_tiny_counts),
		cmocka_unit_test(test_rank_edges),  cmocka_unit_test(test_midpoint),
		cmocka_unit_test(test_merge),	    cmocka_unit_test(test_buckets),
		cmocka_unit_test(test_huge_values), cmocka_unit_test(test_empty),
		cmocka_unit_test(test_add_bucket),  cmocka_unit_test(test_stddev_precision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
