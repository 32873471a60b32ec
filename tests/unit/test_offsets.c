/*
 * test_offsets.c - the block workload's random offsets and buffer contents (offsets.c).
 *
 * A pass of blk_perm_next must be a permutation of 0..n-1 (every block exactly once), passes must
 * differ from each other and from seed to seed, and the same seed must give the same sequence, so
 * that a run with randrepeat repeats. blk_fill_random must fill every byte it is given, odd
 * tails included, and nothing past them, with data a compressing or deduplicating device cannot
 * shrink.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "block.h"

static const uint64_t test_sizes[] = {
	1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 1000, 4096, 4097, 65536, 65537, (1ULL << 20) + 7,
};
#define TEST_SIZES (sizeof(test_sizes) / sizeof(test_sizes[0]))

/* Draws one pass of n values into order[], failing on a value out of range or seen twice. */
static void test_one_pass(struct blk_perm *p, uint64_t n, uint64_t *order, uint8_t *seen)
{
	memset(seen, 0, (n + 7) / 8);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t v = blk_perm_next(p);
		if (v >= n)
			fail_msg("n=%llu: value %llu out of range at %llu", (unsigned long long)n,
				 (unsigned long long)v, (unsigned long long)i);
		if (seen[v / 8] & (1u << (v % 8)))
			fail_msg("n=%llu: value %llu repeated at %llu", (unsigned long long)n,
				 (unsigned long long)v, (unsigned long long)i);
		seen[v / 8] |= (uint8_t)(1u << (v % 8));
		order[i] = v;
	}
	/* n distinct values below n: all of them; checked anyway */
	for (uint64_t v = 0; v < n; v++)
		assert_true(seen[v / 8] & (1u << (v % 8)));
}

static void test_permutation(void **state)
{
	for (size_t t = 0; t < TEST_SIZES; t++) {
		uint64_t n = test_sizes[t];
		uint64_t *first = malloc(n * sizeof(*first));
		uint64_t *second = malloc(n * sizeof(*second));
		uint64_t *third = malloc(n * sizeof(*third));
		uint8_t *seen = malloc((n + 7) / 8);
		struct blk_perm p;

		assert_non_null(first);
		assert_non_null(second);
		assert_non_null(third);
		assert_non_null(seen);
		blk_perm_init(&p, n, 42 + t);
		test_one_pass(&p, n, first, seen);
		test_one_pass(&p, n, second, seen);
		test_one_pass(&p, n, third, seen);
		if (n >= 8) {
			if (!memcmp(first, second, n * sizeof(*first)))
				fail_msg("n=%llu: the second pass repeats the first",
					 (unsigned long long)n);
			if (!memcmp(second, third, n * sizeof(*first)))
				fail_msg("n=%llu: the third pass repeats the second",
					 (unsigned long long)n);
		}
		free(first);
		free(second);
		free(third);
		free(seen);
	}
}

static void test_seeds(void **state)
{
	for (size_t t = 0; t < TEST_SIZES; t++) {
		uint64_t n = test_sizes[t];
		/* two passes of each, so that the second pass's keys are compared too */
		uint64_t len = 2 * n;
		uint64_t *a = malloc(len * sizeof(*a));
		uint64_t *b = malloc(len * sizeof(*b));
		uint64_t *c = malloc(len * sizeof(*c));
		struct blk_perm pa, pb, pc;

		assert_non_null(a);
		assert_non_null(b);
		assert_non_null(c);
		blk_perm_init(&pa, n, 1234);
		blk_perm_init(&pb, n, 1234);
		blk_perm_init(&pc, n, 1235);
		for (uint64_t i = 0; i < len; i++) {
			a[i] = blk_perm_next(&pa);
			b[i] = blk_perm_next(&pb);
			c[i] = blk_perm_next(&pc);
		}
		if (memcmp(a, b, len * sizeof(*a)))
			fail_msg("n=%llu: the same seed gave different orders",
				 (unsigned long long)n);
		if (n >= 8) {
			if (!memcmp(a, c, n * sizeof(*a)))
				fail_msg("n=%llu: seeds 1234 and 1235 gave the same first pass",
					 (unsigned long long)n);
			if (!memcmp(a + n, c + n, n * sizeof(*a)))
				fail_msg("n=%llu: seeds 1234 and 1235 gave the same second pass",
					 (unsigned long long)n);
		}
		free(a);
		free(b);
		free(c);
	}

	/* re-initialising starts the same sequence again */
	struct blk_perm p;
	uint64_t once[100];
	blk_perm_init(&p, 1000, 7);
	for (unsigned i = 0; i < 100; i++)
		once[i] = blk_perm_next(&p);
	blk_perm_init(&p, 1000, 7);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(blk_perm_next(&p), once[i]);
}

/* Random offsets must not walk the disk in order: few steps of +1 and no fixed points en masse. */
static void test_not_sequential(void **state)
{
	const uint64_t n = 65536;
	struct blk_perm p;
	uint64_t prev, ascending = 0, fixed = 0, steps_up = 0;

	blk_perm_init(&p, n, 99);
	prev = blk_perm_next(&p);
	fixed += prev == 0;
	for (uint64_t i = 1; i < n; i++) {
		uint64_t v = blk_perm_next(&p);
		ascending += v == prev + 1;
		steps_up += v > prev;
		fixed += v == i;
		prev = v;
	}
	/* a random permutation: about one +1 step and one fixed point; half the steps go up */
	assert_true(ascending < 64);
	assert_true(fixed < 64);
	assert_true(steps_up > n / 2 - n / 20 && steps_up < n / 2 + n / 20);
}

/*
 * Over many seeds, where a given block lands in the pass should be roughly uniform: each of 10
 * equal parts of the pass gets about a tenth of the seeds.
 */
static void test_position_spread(void **state)
{
	const uint64_t n = 1000;
	const unsigned seeds = 4000;
	unsigned first_value[10] = { 0 }, where_zero[10] = { 0 };

	for (unsigned s = 0; s < seeds; s++) {
		struct blk_perm p;
		blk_perm_init(&p, n, 0x51ed0000ULL + s);
		for (uint64_t i = 0; i < n; i++) {
			uint64_t v = blk_perm_next(&p);
			if (i == 0)
				first_value[v * 10 / n]++;
			if (v == 0)
				where_zero[i * 10 / n]++;
		}
	}
	for (unsigned b = 0; b < 10; b++) {
		/* expected 400 each, standard deviation 19: 300..500 is over five of them */
		if (first_value[b] < 300 || first_value[b] > 500)
			fail_msg("first value in tenth %u for %u of %u seeds", b, first_value[b],
				 seeds);
		if (where_zero[b] < 300 || where_zero[b] > 500)
			fail_msg("block 0 in tenth %u of the pass for %u of %u seeds", b,
				 where_zero[b], seeds);
	}
}

/* Regions far larger than we can walk: values stay below n and reach its upper half. */
static void test_huge(void **state)
{
	static const uint64_t sizes[] = { (1ULL << 40) + 1, (1ULL << 62) + 1, UINT64_MAX };

	for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
		uint64_t n = sizes[t], high = 0;
		struct blk_perm p;

		blk_perm_init(&p, n, 5);
		for (unsigned i = 0; i < 10000; i++) {
			uint64_t v = blk_perm_next(&p);
			if (v >= n)
				fail_msg("n=%llu: value %llu out of range", (unsigned long long)n,
					 (unsigned long long)v);
			high += v >= n / 2;
		}
		assert_true(high > 4000 && high < 6000);
	}
}

static void test_rand(void **state)
{
	/* xoroshiro128+ (shifts 24, 16, 37) from a state worked by hand */
	uint64_t s[2] = { 1, 2 };
	assert_int_equal(rng_next(s), 3);
	assert_int_equal(s[0], 0x1030003ULL);
	assert_int_equal(s[1], 0x6000000000ULL);
	assert_int_equal(rng_next(s), 0x6001030003ULL);

	uint64_t a[2], b[2], c[2];
	rng_seed(a, 77);
	rng_seed(b, 77);
	rng_seed(c, 78);
	assert_true(a[0] || a[1]);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, c, sizeof(a));
	rng_seed(a, 0);
	assert_true(a[0] || a[1]);
	for (unsigned i = 0; i < 1000; i++)
		assert_true(rng_next(a) != rng_next(b));
}

/* A pattern a fill must overwrite, and different from the guard so that both are checked. */
#define TEST_PATTERN 0xa5
#define TEST_GUARD 0x3c
#define TEST_GUARD_LEN 16

static void test_fill_lengths(void **state)
{
	enum { MAX_LEN = 80, TRIALS = 32 };
	static const size_t big[] = { 4095, 4097, 65535, (1u << 20) + 3 };
	unsigned char buf[MAX_LEN + TEST_GUARD_LEN];
	uint64_t s[2];

	rng_seed(s, 2024);
	for (size_t len = 0; len <= MAX_LEN; len++) {
		unsigned same[MAX_LEN] = { 0 };

		for (unsigned trial = 0; trial < TRIALS; trial++) {
			memset(buf, TEST_PATTERN, len);
			memset(buf + len, TEST_GUARD, TEST_GUARD_LEN);
			blk_fill_random(buf, len, s);
			for (size_t i = 0; i < len; i++)
				same[i] += buf[i] == TEST_PATTERN;
			for (size_t i = len; i < len + TEST_GUARD_LEN; i++) {
				if (buf[i] != TEST_GUARD)
					fail_msg("len %zu: byte %zu past the end was written", len,
						 i);
			}
		}
		/* a byte kept its old value by chance in 1/256 of trials; 8 of 32 is no chance */
		for (size_t i = 0; i < len; i++) {
			if (same[i] >= 8)
				fail_msg("len %zu: byte %zu kept its old value in %u of %u fills",
					 len, i, same[i], (unsigned)TRIALS);
		}
	}

	for (size_t t = 0; t < sizeof(big) / sizeof(big[0]); t++) {
		size_t len = big[t];
		unsigned char *p = malloc(len + TEST_GUARD_LEN);

		assert_non_null(p);
		memset(p, TEST_PATTERN, len);
		memset(p + len, TEST_GUARD, TEST_GUARD_LEN);
		blk_fill_random(p, len, s);
		size_t same = 0;
		for (size_t i = 0; i < len; i++)
			same += p[i] == TEST_PATTERN;
		/* expected len / 256 */
		assert_true(same < len / 128 + 8);
		for (size_t i = 0; i < TEST_GUARD_LEN; i++)
			assert_int_equal(p[len + i], TEST_GUARD);
		/* the tail, bytes the 8-byte loop does not reach, kept the pattern in no run */
		size_t tail = len % 8;
		unsigned tail_same = 0;
		for (size_t i = len - tail; i < len; i++)
			tail_same += p[i] == TEST_PATTERN;
		assert_true(tail_same < tail || tail == 0);
		free(p);
	}
}

/* 1 MiB of buffer contents must look like noise, byte by byte and bit by bit. */
static void test_fill_incompressible(void **state)
{
	const size_t len = 1u << 20;
	unsigned char *a = malloc(len), *b = malloc(len);
	unsigned counts[256] = { 0 };
	uint64_t s[2], ones = 0;

	assert_non_null(a);
	assert_non_null(b);
	memset(a, 0, len);
	rng_seed(s, 31337);
	blk_fill_random(a, len, s);
	for (size_t i = 0; i < len; i++) {
		counts[a[i]]++;
		ones += (uint64_t)__builtin_popcount(a[i]);
	}
	unsigned distinct = 0;
	double chi2 = 0;
	const double expected = (double)len / 256;
	for (unsigned v = 0; v < 256; v++) {
		distinct += counts[v] != 0;
		chi2 += (counts[v] - expected) * (counts[v] - expected) / expected;
	}
	assert_true(distinct >= 250);
	/* 255 degrees of freedom: mean 255, standard deviation 22.6 */
	if (chi2 > 400)
		fail_msg("byte frequencies are far from uniform: chi-square %.1f", chi2);
	/* 8 Mi bits: half are ones, standard deviation 1448 */
	if (ones < len * 4 - 15000 || ones > len * 4 + 15000)
		fail_msg("%llu one bits in %zu bytes", (unsigned long long)ones, len);

	/* no 4 KiB block repeats within the buffer, so deduplication finds nothing */
	for (size_t i = 4096; i < len; i += 4096)
		assert_memory_not_equal(a, a + i, 4096);

	/* the next fill from the advanced state differs; the same seed gives the same data */
	memcpy(b, a, len);
	blk_fill_random(b, len, s);
	assert_memory_not_equal(a, b, 4096);
	rng_seed(s, 31337);
	blk_fill_random(b, len, s);
	assert_memory_equal(a, b, len);
	rng_seed(s, 31338);
	blk_fill_random(b, len, s);
	assert_memory_not_equal(a, b, 4096);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_permutation),    cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_not_sequential), cmocka_unit_test(test_position_spread),
		cmocka_unit_test(test_huge),	       cmocka_unit_test(test_rand),
		cmocka_unit_test(test_fill_lengths),   cmocka_unit_test(test_fill_incompressible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
