/*
 * test_pattern.c - the pattern options and each clone's generator (pattern.c, pattern_gen.c,
 * pattern_dist.c): budgets (size, io_size, loops, number_ios) exact, rw's :N and rw_sequencer,
 * block sizes per direction, bsrange and bssplit proportions, the distributions' shapes with a
 * fixed seed, zones, file_service_type over several files, trimwrite pairs, and the one-line
 * errors for bad values.
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
#define MB (1024ULL * 1024ULL)
#define MAX_FILES 4

struct fx {
	struct blk_job job;
	struct blk_file files[MAX_FILES];
	struct blk_clone_file cf[MAX_FILES];
	struct blk_clone clone;
	struct blk_gen gen;
	int fds[MAX_FILES];
	char err[512];
};

/* A job of the given "name=value" options over nfiles files of size bytes each; validate's
 * return value (the message in x->err). */
static int make_job(struct fx *x, uint64_t size, unsigned nfiles, const char *const *opts)
{
	memset(x, 0, sizeof(*x));
	assert_int_equal(blk_job_init(&x->job, x->err, sizeof(x->err)), 0);
	snprintf(x->job.o.name, sizeof(x->job.o.name), "x");
	x->job.o.size = size;
	for (; opts && *opts; opts++) {
		char name[64];
		const char *eq = strchr(*opts, '=');
		snprintf(name, sizeof(name), "%.*s", (int)(eq - *opts), *opts);
		int ret = opt_set(&x->job.set, &x->job.o, name, eq + 1, SRC_FLAG, x->err,
				  sizeof(x->err));
		if (ret)
			return ret;
	}
	int ret = blk_pattern_validate(&x->job, x->err, sizeof(x->err));
	if (ret)
		return ret;
	for (unsigned i = 0; i < nfiles; i++) {
		snprintf(x->files[i].path, sizeof(x->files[i].path), "f%u", i);
		x->cf[i].file = &x->files[i];
		x->cf[i].start = 0;
		x->cf[i].len = x->job.o.size;
		x->fds[i] = 10 + (int)i;
	}
	x->clone.job = &x->job;
	x->clone.files = x->cf;
	x->clone.nfiles = nfiles;
	x->clone.seed = 12345;
	return blk_gen_init(&x->gen, &x->clone, x->fds, x->err, sizeof(x->err));
}

static struct fx *job_ok(uint64_t size, unsigned nfiles, const char *const *opts)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	if (make_job(x, size, nfiles, opts))
		fail_msg("%s", x->err);
	return x;
}

static void done(struct fx *x)
{
	blk_gen_free(&x->gen);
	free(x);
}

/* Expects the options to fail validation with exactly this message. */
static void expect_error(const char *const *opts, const char *msg)
{
	struct fx *x = calloc(1, sizeof(*x));
	assert_non_null(x);
	assert_int_not_equal(make_job(x, MB, 1, opts), 0);
	assert_string_equal(x->err, msg);
	free(x);
}

struct totals {
	uint64_t ios[3], bytes[3];
};

/* Runs the generator to its end (at most limit I/Os); counts per direction. */
static uint64_t drain(struct fx *x, uint64_t limit, struct totals *t, struct io_req *reqs)
{
	struct io_req r;
	uint64_t n = 0;

	memset(t, 0, sizeof(*t));
	while (n < limit && blk_gen_next(&x->gen, &r, true)) {
		assert_true(r.dir < 3);
		assert_true(r.len > 0);
		t->ios[r.dir]++;
		t->bytes[r.dir] += r.len;
		if (reqs)
			reqs[n] = r;
		n++;
	}
	return n;
}

static void test_budgets(void **state)
{
	struct totals t;
	struct io_req *reqs = calloc(1024, sizeof(*reqs));
	(void)state;

	struct fx *x = job_ok(MB, 1, NULL);
	assert_int_equal(drain(x, 10000, &t, reqs), 256);
	assert_int_equal(t.bytes[IO_READ], MB);
	for (unsigned i = 0; i < 256; i++)
		assert_int_equal(reqs[i].offset, i * 4 * KB);
	done(x);

	x = job_ok(MB, 1, (const char *const[]){ "loops=3", NULL });
	assert_int_equal(drain(x, 10000, &t, NULL), 768);
	assert_int_equal(t.bytes[IO_READ], 3 * MB);
	done(x);

	x = job_ok(MB, 1, (const char *const[]){ "io_size=3m", "rw=randwrite", NULL });
	assert_int_equal(drain(x, 10000, &t, NULL), 768);
	assert_int_equal(t.bytes[IO_WRITE], 3 * MB);
	done(x);

	x = job_ok(MB, 1, (const char *const[]){ "io_limit=512k", NULL });
	assert_int_equal(drain(x, 10000, &t, NULL), 128);
	done(x);

	x = job_ok(MB, 1, (const char *const[]){ "number_ios=10", "rw=randread", NULL });
	assert_int_equal(drain(x, 10000, &t, NULL), 10);
	done(x);

	/* number_ios is per loop, as in fio */
	x = job_ok(MB, 1, (const char *const[]){ "number_ios=10", "loops=2", "rw=randread", NULL });
	assert_int_equal(drain(x, 10000, &t, NULL), 20);
	done(x);

	/* time_based: the region wraps forever */
	x = job_ok(MB, 1, (const char *const[]){ "time_based=1", "runtime=1", "rw=write", NULL });
	assert_int_equal(drain(x, 5000, &t, NULL), 5000);
	done(x);
	free(reqs);
}

static void test_random_pass(void **state)
{
	struct totals t;
	struct io_req *reqs = calloc(512, sizeof(*reqs));
	uint8_t seen[256] = { 0 };
	(void)state;

	/* each block once per pass */
	struct fx *x = job_ok(MB, 1, (const char *const[]){ "rw=randread", NULL });
	assert_int_equal(drain(x, 10000, &t, reqs), 256);
	for (unsigned i = 0; i < 256; i++) {
		assert_int_equal(reqs[i].offset % (4 * KB), 0);
		assert_false(seen[reqs[i].offset / (4 * KB)]++);
	}
	done(x);
	free(reqs);
}

static void test_rw_modifier(void **state)
{
	struct totals t;
	struct io_req *reqs = calloc(4096, sizeof(*reqs));
	(void)state;

	/* write:4k: a 4k hole after each I/O, wrapping to the start */
	struct fx *x = job_ok(MB, 1, (const char *const[]){ "rw=write:4k", NULL });
	assert_int_equal(drain(x, 10000, &t, reqs), 256);
	for (unsigned i = 0; i < 128; i++) {
		assert_int_equal(reqs[i].offset, i * 8 * KB);
		assert_int_equal(reqs[128 + i].offset, i * 8 * KB);
	}
	done(x);

	/* randread:8, sequential: seven I/Os follow on, the eighth is random */
	x = job_ok(16 * MB, 1, (const char *const[]){ "rw=randread:8", NULL });
	assert_string_equal(blk_pattern_rw_name(&x->job), "randread");
	uint64_t n = drain(x, 4096, &t, reqs), follows = 0;
	assert_int_equal(n, 4096);
	for (unsigned i = 1; i < n; i++)
		follows += reqs[i].offset == reqs[i - 1].offset + reqs[i - 1].len;
	assert_in_range(follows, 4096 * 7 / 8 - 10, 4096 * 7 / 8 + 10);
	for (unsigned i = 0; i < 7; i++)
		assert_int_equal(reqs[i].offset, i * 4 * KB);
	done(x);

	/* identical: the offset repeats between random ones */
	x = job_ok(16 * MB, 1,
		   (const char *const[]){ "rw=randread:4", "rw_sequencer=identical", NULL });
	n = drain(x, 2048, &t, reqs);
	uint64_t same = 0;
	for (unsigned i = 1; i < n; i++)
		same += reqs[i].offset == reqs[i - 1].offset;
	assert_in_range(same, 2048 * 3 / 4 - 10, 2048 * 3 / 4 + 10);
	done(x);
	free(reqs);
}

static void test_block_sizes(void **state)
{
	struct totals t;
	struct io_req *reqs = calloc(4096, sizeof(*reqs));
	(void)state;

	/* per direction: reads 4k, writes 8k; the buffers hold the largest */
	struct fx *x = job_ok(MB, 1, (const char *const[]){ "rw=rw", "bs=4k,8k", NULL });
	uint64_t n = drain(x, 10000, &t, reqs);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(reqs[i].len, reqs[i].dir == IO_READ ? 4 * KB : 8 * KB);
	assert_true(t.bytes[0] + t.bytes[1] >= MB);
	assert_int_equal(blk_pattern_max_bs(&x->job), 8 * KB);
	done(x);

	/* ",16k": reads keep the default 4k */
	x = job_ok(MB, 1, (const char *const[]){ "bs=,16k", NULL });
	assert_int_equal(x->job.o.pat.dir[IO_READ].min, 4 * KB);
	assert_int_equal(x->job.o.pat.dir[IO_WRITE].min, 16 * KB);
	assert_int_equal(x->job.o.pat.dir[IO_TRIM].min, 16 * KB);
	done(x);
	x = job_ok(MB, 1, (const char *const[]){ "bs=8k,16k,", NULL });
	assert_int_equal(x->job.o.pat.dir[IO_TRIM].min, 4 * KB);
	done(x);

	/* bsrange: multiples of the smallest within the range */
	x = job_ok(4 * MB, 1,
		   (const char *const[]){ "rw=randread", "bsrange=4k-16k", "norandommap=1", NULL });
	n = drain(x, 4096, &t, reqs);
	for (unsigned i = 0; i < n; i++) {
		assert_in_range(reqs[i].len, 4 * KB, 16 * KB);
		assert_int_equal(reqs[i].len % (4 * KB), 0);
		assert_true(reqs[i].offset + reqs[i].len <= 4 * MB);
	}
	assert_int_equal(blk_pattern_max_bs(&x->job), 16 * KB);
	done(x);
	free(reqs);
}

static void test_bssplit(void **state)
{
	struct totals t;
	enum { N = 20000 };
	struct io_req *reqs = calloc(N, sizeof(*reqs));
	unsigned count[3] = { 0 };
	(void)state;

	struct fx *x = job_ok(4096 * MB, 1,
			      (const char *const[]){ "rw=randread", "norandommap=1",
						     "bssplit=4k/10:64k/50:32k/40", NULL });
	assert_int_equal(drain(x, N, &t, reqs), N);
	for (unsigned i = 0; i < N; i++)
		count[reqs[i].len == 4 * KB ? 0 : reqs[i].len == 32 * KB ? 1 : 2]++;
	assert_in_range(count[0], N / 10 - N / 50, N / 10 + N / 50);
	assert_in_range(count[1], N * 4 / 10 - N / 50, N * 4 / 10 + N / 50);
	assert_in_range(count[2], N / 2 - N / 50, N / 2 + N / 50);
	done(x);

	/* sizes without a percentage share the rest */
	x = job_ok(MB, 1, (const char *const[]){ "bssplit=4k/50:8k:16k", NULL });
	assert_int_equal(x->job.o.pat.dir[0].nsplit, 3);
	assert_int_equal(x->job.o.pat.dir[0].split[0].perc, 50);
	assert_int_equal(x->job.o.pat.dir[0].split[1].perc, 25);
	assert_int_equal(x->job.o.pat.dir[0].split[2].perc, 25);
	done(x);

	/* random sizes with the map: each block once per pass, the pass exactly the region */
	x = job_ok(MB, 1, (const char *const[]){ "rw=randwrite", "bssplit=4k/20:16k/80", NULL });
	uint8_t seen[256] = { 0 };
	uint64_t n = drain(x, N, &t, reqs);
	assert_int_equal(t.bytes[IO_WRITE], MB);
	for (unsigned i = 0; i < n; i++)
		for (uint64_t b = reqs[i].offset / (4 * KB);
		     b < (reqs[i].offset + reqs[i].len) / (4 * KB); b++)
			assert_false(seen[b]++);
	done(x);
	free(reqs);
}

static void test_per_direction(void **state)
{
	struct totals t;
	enum { N = 4000 };
	struct io_req *reqs = calloc(N, sizeof(*reqs));
	(void)state;

	/* bssplit per direction: reads split 4k/8k, writes all 16k */
	struct fx *x = job_ok(1024 * MB, 1,
			      (const char *const[]){ "rw=randrw", "norandommap=1",
						     "bssplit=4k/50:8k/50,16k", NULL });
	assert_int_equal(drain(x, N, &t, reqs), N);
	unsigned small = 0;
	for (unsigned i = 0; i < N; i++) {
		if (reqs[i].dir == IO_WRITE)
			assert_int_equal(reqs[i].len, 16 * KB);
		else
			small += reqs[i].len == 4 * KB;
	}
	assert_in_range(small, t.ios[IO_READ] * 45 / 100, t.ios[IO_READ] * 55 / 100);
	assert_int_equal(blk_pattern_max_bs(&x->job), 16 * KB);
	done(x);

	/* bs_is_seq_rand: the first size for sequential I/Os, the second for random ones */
	x = job_ok(1024 * MB, 1,
		   (const char *const[]){ "rw=randread", "percentage_random=50", "bs=4k,64k",
					  "bs_is_seq_rand=1", "norandommap=1", NULL });
	drain(x, N, &t, reqs);
	unsigned seq = 0;
	for (unsigned i = 0; i < N; i++) {
		assert_true(reqs[i].len == 4 * KB || reqs[i].len == 64 * KB);
		seq += reqs[i].len == 4 * KB;
	}
	assert_in_range(seq, N * 45 / 100, N * 55 / 100);
	done(x);

	/* zoned per direction: reads hot in the first tenth, writes uniform */
	x = job_ok(256 * MB, 1,
		   (const char *const[]){ "rw=randrw",
					  "random_distribution=zoned:90/10:10/90,100/100", NULL });
	drain(x, N, &t, reqs);
	unsigned hot[2] = { 0 };
	for (unsigned i = 0; i < N; i++)
		hot[reqs[i].dir] += reqs[i].offset < 256 * MB / 10;
	assert_in_range(hot[IO_READ], t.ios[IO_READ] * 86 / 100, t.ios[IO_READ] * 94 / 100);
	assert_in_range(hot[IO_WRITE], t.ios[IO_WRITE] * 6 / 100, t.ios[IO_WRITE] * 14 / 100);
	done(x);
	free(reqs);
}

static void test_offsets_text(void **state)
{
	(void)state;
	struct fx *x = job_ok(MB, 1, (const char *const[]){ "offset=25%", NULL });
	assert_true(x->job.o.pat.offset_pct == 25.0);
	assert_int_equal(x->job.o.offset, 0);
	done(x);
	x = job_ok(MB, 1, (const char *const[]){ "offset=1m", "offset_increment=2m", NULL });
	assert_int_equal(x->job.o.offset, MB);
	assert_int_equal(x->job.o.offset_increment, 2 * MB);
	assert_true(x->job.o.pat.offset_pct < 0);
	done(x);
	expect_error((const char *const[]){ "offset=150%", NULL },
		     "job x: --offset=150%: a percentage is 0-100%");
	expect_error((const char *const[]){ "offset_increment=lots", NULL },
		     "job x: --offset_increment=lots: not a size (e.g. 1g) or a percentage (e.g. "
		     "50%)");
}

static void test_distributions(void **state)
{
	struct blk_dist d;
	uint64_t rng[2];
	enum { N = 200000 };
	(void)state;

	/* zipf: rank 0 comes 1/zeta(n) of the time */
	rng_seed(rng, 7);
	blk_dist_init(&d, DIST_ZIPF, 1.2, 1000, 1);
	unsigned first = 0;
	for (unsigned i = 0; i < N; i++)
		first += blk_dist_rank(&d, rng) == 0;
	double want = N / d.zetan;
	assert_in_range(first, (unsigned)(want * 0.95), (unsigned)(want * 1.05));

	/* pareto:0.3: half the draws in the first tenth (0.1^(log(0.7)/log(0.3)) = 0.505) */
	blk_dist_init(&d, DIST_PARETO, 0.3, 1000, 1);
	unsigned low = 0;
	for (unsigned i = 0; i < N; i++)
		low += blk_dist_rank(&d, rng) < 100;
	assert_in_range(low, N * 48 / 100, N * 53 / 100);

	/* normal:10: 68% within one deviation (100 of 1000) of the middle */
	blk_dist_init(&d, DIST_NORMAL, 10, 1000, 1);
	unsigned near = 0;
	for (unsigned i = 0; i < N; i++) {
		uint64_t v = blk_dist_rank(&d, rng);
		assert_true(v < 1000);
		near += v >= 400 && v < 600;
	}
	assert_in_range(near, N * 66 / 100, N * 70 / 100);

	/* the scattered values are a bijection of the ranks: still below n */
	for (unsigned i = 0; i < 1000; i++)
		assert_true(blk_dist_next(&d, rng) < 1000);
}

static void test_zoned(void **state)
{
	struct totals t;
	enum { N = 20000 };
	struct io_req *reqs = calloc(N, sizeof(*reqs));
	(void)state;

	struct fx *x =
		job_ok(256 * MB, 1,
		       (const char *const[]){ "rw=randread",
					      "random_distribution=zoned:60/10:40/90", NULL });
	assert_int_equal(drain(x, N, &t, reqs), N);
	unsigned hot = 0;
	for (unsigned i = 0; i < N; i++)
		hot += reqs[i].offset < 256 * MB / 10;
	assert_in_range(hot, N * 58 / 100, N * 62 / 100);
	done(x);

	x = job_ok(256 * MB, 1,
		   (const char *const[]){ "rw=randread",
					  "random_distribution=zoned_abs:80/1m:20/255m", NULL });
	assert_int_equal(drain(x, N, &t, reqs), N);
	hot = 0;
	for (unsigned i = 0; i < N; i++)
		hot += reqs[i].offset < MB;
	assert_in_range(hot, N * 78 / 100, N * 82 / 100);
	done(x);
	free(reqs);
}

static void test_mix_and_random_share(void **state)
{
	struct totals t;
	enum { N = 20000 };
	struct io_req *reqs = calloc(N, sizeof(*reqs));
	(void)state;

	struct fx *x =
		job_ok(256 * MB, 1, (const char *const[]){ "rw=randrw", "rwmixwrite=30", NULL });
	assert_int_equal(x->job.o.rwmixread, 70);
	drain(x, N, &t, NULL);
	assert_in_range(t.ios[IO_READ], N * 68 / 100, N * 72 / 100);
	done(x);

	x = job_ok(256 * MB, 1,
		   (const char *const[]){ "rw=randread", "percentage_random=50", NULL });
	drain(x, N, &t, reqs);
	unsigned follows = 0;
	for (unsigned i = 1; i < N; i++)
		follows += reqs[i].offset == reqs[i - 1].offset + reqs[i - 1].len;
	assert_in_range(follows, N * 47 / 100, N * 53 / 100);
	done(x);
	free(reqs);
}

static void test_strided(void **state)
{
	struct totals t;
	struct io_req *reqs = calloc(512, sizeof(*reqs));
	(void)state;

	struct fx *x = job_ok(MB, 1,
			      (const char *const[]){ "zonemode=strided", "zonesize=256k",
						     "zoneskip=256k", NULL });
	assert_int_equal(drain(x, 10000, &t, reqs), 256);
	for (unsigned i = 0; i < 256; i++) {
		uint64_t zone = reqs[i].offset / (256 * KB);
		assert_true(zone == 0 || zone == 2);
	}
	assert_int_equal(reqs[64].offset, 512 * KB);
	assert_int_equal(reqs[128].offset, 0);
	done(x);
	free(reqs);
}

static void test_file_service(void **state)
{
	struct totals t;
	struct io_req *reqs = calloc(1024, sizeof(*reqs));
	(void)state;

	struct fx *x = job_ok(256 * KB, 2, NULL);
	assert_int_equal(drain(x, 10000, &t, reqs), 128);
	for (unsigned i = 0; i < 128; i++) {
		assert_int_equal(reqs[i].fd, 10 + (int)(i % 2));
		assert_int_equal(reqs[i].offset, (i / 2) * 4 * KB);
	}
	done(x);

	x = job_ok(256 * KB, 2, (const char *const[]){ "file_service_type=roundrobin:4", NULL });
	drain(x, 10000, &t, reqs);
	for (unsigned i = 0; i < 128; i++)
		assert_int_equal(reqs[i].fd, 10 + (int)((i / 4) % 2));
	done(x);

	x = job_ok(256 * KB, 2, (const char *const[]){ "file_service_type=sequential", NULL });
	assert_int_equal(drain(x, 10000, &t, reqs), 128);
	for (unsigned i = 0; i < 128; i++)
		assert_int_equal(reqs[i].fd, i < 64 ? 10 : 11);
	done(x);

	x = job_ok(256 * KB, 4, (const char *const[]){ "file_service_type=random", NULL });
	unsigned per[4] = { 0 };
	assert_int_equal(drain(x, 10000, &t, reqs), 256);
	for (unsigned i = 0; i < 256; i++)
		per[reqs[i].fd - 10]++;
	for (unsigned f = 0; f < 4; f++)
		assert_in_range(per[f], 30, 100);
	done(x);

	x = job_ok(256 * KB, 4, (const char *const[]){ "file_service_type=zipf:1.5", NULL });
	assert_int_equal(drain(x, 10000, &t, reqs), 256);
	done(x);
	free(reqs);
}

#ifdef BLK_TRIM_SUPPORTED
static void test_trims(void **state)
{
	struct totals t;
	struct io_req *reqs = calloc(1024, sizeof(*reqs));
	(void)state;

	struct fx *x = job_ok(MB, 1, (const char *const[]){ "rw=trimwrite", NULL });
	assert_int_equal(drain(x, 10000, &t, reqs), 512);
	assert_int_equal(t.bytes[IO_WRITE], MB);
	assert_int_equal(t.bytes[IO_TRIM], MB);
	for (unsigned i = 0; i < 512; i += 2) {
		assert_int_equal(reqs[i].dir, IO_TRIM);
		assert_int_equal(reqs[i + 1].dir, IO_WRITE);
		assert_int_equal(reqs[i].offset, reqs[i + 1].offset);
		assert_int_equal(reqs[i].len, reqs[i + 1].len);
	}
	assert_true(x->job.writes);
	done(x);

	x = job_ok(MB, 1, (const char *const[]){ "rw=randtrim", NULL });
	assert_int_equal(drain(x, 10000, &t, NULL), 256);
	assert_int_equal(t.ios[IO_TRIM], 256);
	done(x);
	free(reqs);
}
#else
/* Until the engines issue trims (BLK_TRIM_SUPPORTED), the trim patterns are refused. */
static void test_trims(void **state)
{
	(void)state;
	expect_error((const char *const[]){ "rw=trimwrite", NULL },
		     "job x: --rw=trimwrite: trims are not supported yet (read, write, randread, "
		     "randwrite, rw, randrw are)");
	expect_error((const char *const[]){ "rw=randtrim", NULL },
		     "job x: --rw=randtrim: trims are not supported yet (read, write, randread, "
		     "randwrite, rw, randrw are)");
}
#endif

static void test_errors(void **state)
{
	(void)state;
	expect_error((const char *const[]){ "bssplit=4k/50:8k/60", NULL },
		     "job x: --bssplit=4k/50:8k/60: percentages add up to 110, at most 100");
	expect_error((const char *const[]){ "rw=randomread", NULL },
		     "job x: --rw=randomread: not one of read, write, randread, randwrite, rw "
		     "(readwrite), randrw, trim, randtrim, trimwrite, randtrimwrite");
	expect_error((const char *const[]){ "rw=randread:0", NULL },
		     "job x: --rw=randread:0: after randread: the number of I/Os per random "
		     "offset, at least 1");
	expect_error((const char *const[]){ "zonemode=zbd", NULL },
		     "job x: --zonemode=zbd: zoned block devices are not supported");
	expect_error((const char *const[]){ "random_distribution=zipf", NULL },
		     "job x: --random_distribution=zipf: zipf needs a number (e.g. zipf:1.2)");
	expect_error((const char *const[]){ "random_distribution=zipf:1.2:2", NULL },
		     "job x: --random_distribution=zipf:1.2:2: the center is a fraction 0.0-1.0");
	expect_error((const char *const[]){ "random_distribution=zoned:50/10:40/90", NULL },
		     "job x: --random_distribution=zoned:50/10:40/90: the access percentages of "
		     "reads add up to 90, not 100");
	expect_error((const char *const[]){ "bsrange=4k", NULL },
		     "job x: --bsrange=4k: 4k is not MIN-MAX (e.g. 1k-64k)");
	expect_error((const char *const[]){ "rwmixread=60", "rwmixwrite=30", NULL },
		     "job x: --rwmixread=60 and --rwmixwrite=30 add up to 90, not 100: give one "
		     "of them");
	expect_error((const char *const[]){ "file_service_type=lottery", NULL },
		     "job x: --file_service_type=lottery: not one of random, roundrobin, "
		     "sequential, zipf:THETA, pareto:H, normal:DEV (gauss), each with an "
		     "optional :N");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budgets),	     cmocka_unit_test(test_random_pass),
		cmocka_unit_test(test_rw_modifier),  cmocka_unit_test(test_block_sizes),
		cmocka_unit_test(test_bssplit),	     cmocka_unit_test(test_distributions),
		cmocka_unit_test(test_zoned),	     cmocka_unit_test(test_mix_and_random_share),
		cmocka_unit_test(test_strided),	     cmocka_unit_test(test_file_service),
		cmocka_unit_test(test_trims),	     cmocka_unit_test(test_per_direction),
		cmocka_unit_test(test_offsets_text), cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
