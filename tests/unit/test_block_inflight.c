/*
 * test_block_inflight.c - the block worker's oldest request in flight (workloads/block/
 * inflight.h): submission order, completions out of order, a request resubmitted while an
 * older one is still out, and one request stuck while the others cycle thousands of times
 * (the ring compacts and still names the stuck one), checked against a plain scan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inflight.h"

#define DEPTH 8

struct bench {
	struct io_req reqs[DEPTH];
	bool out[DEPTH];
	struct blk_inflight f;
	uint64_t clock;
};

static void submit(struct bench *b, unsigned i)
{
	b->reqs[i].issue_ns = ++b->clock;
	b->out[i] = true;
	blk_inflight_push(&b->f, &b->reqs[i]);
}

static void complete(struct bench *b, unsigned i)
{
	b->out[i] = false;
	blk_inflight_done(&b->f, &b->reqs[i]);
}

/* What a scan of every request says: the smallest issue time of those out, 0 for none. */
static uint64_t scan(const struct bench *b)
{
	uint64_t oldest = 0;

	for (unsigned i = 0; i < DEPTH; i++)
		if (b->out[i] && (!oldest || b->reqs[i].issue_ns < oldest))
			oldest = b->reqs[i].issue_ns;
	return oldest;
}

static void test_order_and_out_of_order(void **state)
{
	struct bench *b = calloc(1, sizeof(*b));

	(void)state;
	assert_int_equal(blk_inflight_init(&b->f, b->reqs, DEPTH), 0);
	assert_int_equal(blk_inflight_oldest(&b->f), 0);
	for (unsigned i = 0; i < 4; i++)
		submit(b, i);
	assert_int_equal(blk_inflight_oldest(&b->f), b->reqs[0].issue_ns);
	complete(b, 2); /* out of order: the oldest stays */
	assert_int_equal(blk_inflight_oldest(&b->f), b->reqs[0].issue_ns);
	complete(b, 0);
	assert_int_equal(blk_inflight_oldest(&b->f), b->reqs[1].issue_ns);
	submit(b, 0); /* resubmitted: now the newest */
	complete(b, 1);
	assert_int_equal(blk_inflight_oldest(&b->f), b->reqs[3].issue_ns);
	complete(b, 3);
	assert_int_equal(blk_inflight_oldest(&b->f), b->reqs[0].issue_ns);
	complete(b, 0);
	assert_int_equal(blk_inflight_oldest(&b->f), 0);
	blk_inflight_free(&b->f);
	free(b);
}

static void test_stuck_one_while_others_cycle(void **state)
{
	struct bench *b = calloc(1, sizeof(*b));
	uint64_t rng = 88172645463325252ull;

	(void)state;
	assert_int_equal(blk_inflight_init(&b->f, b->reqs, DEPTH), 0);
	for (unsigned i = 0; i < DEPTH; i++)
		submit(b, i);
	/* request 5 never completes; the others complete in random order and go out again */
	for (unsigned round = 0; round < 20000; round++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		unsigned i = (unsigned)(rng % DEPTH);
		if (i == 5)
			continue;
		if (!b->out[i]) {
			submit(b, i); /* a free request goes out again */
			continue;
		}
		complete(b, i);
		if (round % 3)
			submit(b, i);
		if (round % 7 == 0) /* a reap batch's end */
			assert_int_equal(blk_inflight_oldest(&b->f), scan(b));
		/* the ring never spans more than its size */
		assert_true(b->f.tail - b->f.head <= b->f.mask + 1);
	}
	assert_int_equal(blk_inflight_oldest(&b->f), b->reqs[5].issue_ns);
	complete(b, 5);
	assert_int_equal(blk_inflight_oldest(&b->f), scan(b));
	for (unsigned i = 0; i < DEPTH; i++)
		if (b->out[i])
			complete(b, i);
	assert_int_equal(blk_inflight_oldest(&b->f), 0);
	blk_inflight_free(&b->f);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_out_of_order),
		cmocka_unit_test(test_stuck_one_while_others_cycle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
