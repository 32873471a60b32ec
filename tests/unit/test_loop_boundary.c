/*
 * test_loop_boundary.c - the generator's loop boundary (pattern_gen.c): with pause_each_loop,
 * blk_gen_next stops at the end of each loop but the last with loop_ended set, and
 * blk_gen_next_loop goes on with a new loop; the I/Os are the same as without the pause (the
 * same bytes per loop, the same offsets), whether bytes or number_ios end a loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "block.h"

#define KB 1024ULL

struct fx {
	struct blk_job job;
	struct blk_file file;
	struct blk_clone_file cf;
	struct blk_clone clone;
	struct blk_gen gen;
	int fd;
	char err[512];
};

/* A one-file job of size bytes with the given "name=value" options; its generator set up. */
static struct fx *job(uint64_t size, const char *const *opts)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	assert_int_equal(blk_job_init(&x->job, x->err, sizeof(x->err)), 0);
	snprintf(x->job.o.name, sizeof(x->job.o.name), "x");
	x->job.o.size = size;
	for (; opts && *opts; opts++) {
		char name[64];
		const char *eq = strchr(*opts, '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - *opts), *opts);
		if (opt_set(&x->job.set, &x->job.o, name, eq + 1, SRC_FLAG, x->err, sizeof(x->err)))
			fail_msg("%s", x->err);
	}
	if (blk_pattern_validate(&x->job, x->err, sizeof(x->err)))
		fail_msg("%s", x->err);
	snprintf(x->file.path, sizeof(x->file.path), "f");
	x->cf.file = &x->file;
	x->cf.len = size;
	x->fd = 10;
	x->clone.job = &x->job;
	x->clone.files = &x->cf;
	x->clone.nfiles = 1;
	x->clone.seed = 42;
	if (blk_gen_init(&x->gen, &x->clone, &x->fd, x->err, sizeof(x->err)))
		fail_msg("%s", x->err);
	return x;
}

static void done(struct fx *x)
{
	blk_gen_free(&x->gen);
	free(x);
}

/*
 * Runs x's generator with the pause on and y's without: the I/Os must be the same; returns
 * the number of pauses, and the I/Os of each loop in per_loop (at most 8 loops).
 */
static unsigned compare(struct fx *x, struct fx *y, uint64_t per_loop[8])
{
	struct io_req a, b;
	unsigned pauses = 0;

	x->gen.pause_each_loop = true;
	memset(per_loop, 0, 8 * sizeof(per_loop[0]));
	for (;;) {
		if (!blk_gen_next(&x->gen, &a, true)) {
			if (!x->gen.loop_ended)
				break;
			pauses++;
			assert_true(pauses < 8);
			blk_gen_next_loop(&x->gen);
			assert_false(x->gen.loop_ended);
			continue;
		}
		assert_true(blk_gen_next(&y->gen, &b, true));
		assert_int_equal(a.dir, b.dir);
		assert_int_equal(a.offset, b.offset);
		assert_int_equal(a.len, b.len);
		per_loop[pauses]++;
	}
	assert_false(blk_gen_next(&y->gen, &b, true));
	return pauses;
}

static void test_pause_at_each_loop(void **state)
{
	static const char *const seq[] = { "loops=3", "rw=write", "bs=16k", NULL };
	static const char *const rnd[] = { "loops=4", "rw=randwrite", NULL };
	static const char *const ios[] = { "loops=3", "number_ios=5", "rw=randread", NULL };
	uint64_t per_loop[8];
	struct fx *x, *y;
	(void)state;

	x = job(64 * KB, seq), y = job(64 * KB, seq);
	assert_int_equal(compare(x, y, per_loop), 2);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(per_loop[i], 4);
	done(x), done(y);

	x = job(64 * KB, rnd), y = job(64 * KB, rnd);
	assert_int_equal(compare(x, y, per_loop), 3);
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(per_loop[i], 16);
	done(x), done(y);

	/* number_ios ends each loop as the bytes would */
	x = job(64 * KB, ios), y = job(64 * KB, ios);
	assert_int_equal(compare(x, y, per_loop), 2);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(per_loop[i], 5);
	done(x), done(y);
}

static void test_no_pause(void **state)
{
	static const char *const one[] = { "loops=1", "rw=write", NULL };
	struct io_req r;
	unsigned n = 0;
	struct fx *x = job(64 * KB, one);
	(void)state;

	/* one loop: nothing between loops, the end is the end */
	x->gen.pause_each_loop = true;
	while (blk_gen_next(&x->gen, &r, true))
		n++;
	assert_int_equal(n, 16);
	assert_false(x->gen.loop_ended);
	done(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pause_at_each_loop),
		cmocka_unit_test(test_no_pause),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
