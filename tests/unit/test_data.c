/*
 * test_data.c - what the block workload writes (data.c): fio's buffer_pattern syntax (the
 * examples of fio's lib/pattern.c), the default scramble (every 512 bytes carry their offset),
 * compressible chunks, dedupe percentages and the fixed fills (zeros, pattern).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "block.h"

struct fixture {
	struct blk_job job;
	struct blk_data data;
	char err[256];
};

static struct fixture *data_for(const char *const *kv)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(blk_job_init(&f->job, f->err, sizeof(f->err)), 0);
	assert_int_equal(
		opt_set(&f->job.set, &f->job.o, "size", "4m", SRC_FLAG, f->err, sizeof(f->err)), 0);
	for (; kv && kv[0]; kv += 2)
		assert_int_equal(opt_set(&f->job.set, &f->job.o, kv[0], kv[1], SRC_FLAG, f->err,
					 sizeof(f->err)),
				 0);
	/* the files' and the pattern's checks give size and the block sizes */
	assert_int_equal(blk_files_validate(&f->job, f->err, sizeof(f->err)), 0);
	assert_int_equal(blk_pattern_validate(&f->job, f->err, sizeof(f->err)), 0);
	f->job.writes = true;
	assert_int_equal(blk_data_validate(&f->job, f->err, sizeof(f->err)), 0);
	blk_data_init(&f->data, &f->job, 7);
	return f;
}

static void expect_pattern(const char *text, const unsigned char *bytes, int n)
{
	unsigned char out[BLK_PATTERN_MAX];

	assert_int_equal(blk_data_parse_pattern(text, out, sizeof(out)), n);
	assert_memory_equal(out, bytes, (size_t)n);
}

static void test_pattern_syntax(void **state)
{
	unsigned char out[BLK_PATTERN_MAX];

	(void)state;
	expect_pattern("\"abcd\"", (const unsigned char *)"abcd", 4);
	expect_pattern("-1024", (const unsigned char[]){ 0x00, 0xfc, 0xff, 0xff }, 4);
	expect_pattern("66", (const unsigned char[]){ 0x42 }, 1);
	expect_pattern("0", (const unsigned char[]){ 0x00 }, 1);
	expect_pattern("0xFF0X1", (const unsigned char[]){ 0xff, 0x01 }, 2);
	expect_pattern("0xdeadbeef", (const unsigned char[]){ 0xde, 0xad, 0xbe, 0xef }, 4);
	expect_pattern("0xabc", (const unsigned char[]){ 0x0a, 0xbc }, 2);
	expect_pattern("\"123\"0xFFeeCC",
		       (const unsigned char[]){ '1', '2', '3', 0xff, 0xee, 0xcc }, 6);
	expect_pattern("-100xab\"1\"", (const unsigned char[]){ 0xf6, 0xff, 0xff, 0xff, 0xab, '1' },
		       6);
	assert_int_equal(blk_data_parse_pattern("", out, sizeof(out)), -EINVAL);
	assert_int_equal(blk_data_parse_pattern("0x", out, sizeof(out)), -EINVAL);
	assert_int_equal(blk_data_parse_pattern("\"open", out, sizeof(out)), -EINVAL);
	assert_int_equal(blk_data_parse_pattern("abc", out, sizeof(out)), -EINVAL);
	assert_int_equal(blk_data_parse_pattern("4294967296", out, sizeof(out)), -EINVAL);
	assert_int_equal(blk_data_parse_pattern("'/nonexistent/pattern'", out, sizeof(out)),
			 -EINVAL);
	assert_int_equal(blk_data_parse_pattern("0xdeadbeef", out, 3), -EINVAL);
}

static void test_bad_pattern_line(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	(void)state;
	assert_int_equal(blk_job_init(&f->job, f->err, sizeof(f->err)), 0);
	assert_int_equal(opt_set(&f->job.set, &f->job.o, "buffer_pattern", "0xzz", SRC_FLAG, f->err,
				 sizeof(f->err)),
			 0);
	assert_int_equal(blk_data_validate(&f->job, f->err, sizeof(f->err)), -EINVAL);
	assert_non_null(strstr(f->err, "--buffer_pattern=0xzz: expected 0x hex bytes"));
	free(f);
}

static void test_scramble_default(void **state)
{
	struct fixture *f = data_for(NULL);
	unsigned char a[4096], b[4096];

	(void)state;
	assert_int_equal(f->data.mode, BLK_DATA_SCRAMBLE);
	blk_data_fill(&f->data, a, sizeof(a));
	memcpy(b, a, sizeof(b));
	blk_data_write(&f->data, a, sizeof(a), 8192);
	blk_data_write(&f->data, b, sizeof(b), 8192);
	/* every 512 bytes carry their offset at 56 and differ from write to write */
	for (unsigned s = 0; s < 8; s++) {
		uint64_t off;
		memcpy(&off, a + s * 512 + 56, sizeof(off));
		assert_int_equal(off, 8192 + s * 512);
		assert_memory_not_equal(a + s * 512, b + s * 512, 512);
	}
	free(f);
}

static void test_zero_and_pattern(void **state)
{
	static const char *const zero[] = { "zero_buffers", "1", NULL };
	static const char *const pat[] = { "buffer_pattern", "\"abc\"", "bs", "1000", NULL };
	struct fixture *f = data_for(zero), *g = data_for(pat);
	unsigned char buf[2000], z[2000] = { 0 };

	(void)state;
	memset(buf, 0x55, sizeof(buf));
	blk_data_fill(&f->data, buf, sizeof(buf));
	blk_data_write(&f->data, buf, sizeof(buf), 0);
	assert_memory_equal(buf, z, sizeof(buf));
	/* the pattern starts again in each buffer (bs=1000), as fio fills each io_u */
	blk_data_fill(&g->data, buf, sizeof(buf));
	assert_memory_equal(buf, "abcabc", 6);
	assert_memory_equal(buf + 998, "ca", 2);
	assert_memory_equal(buf + 1000, "abcabc", 6);
	free(f);
	free(g);
}

static void test_compress(void **state)
{
	static const char *const kv[] = { "buffer_compress_percentage", "75", NULL };
	struct fixture *f = data_for(kv);
	unsigned char buf[4096], z[384] = { 0 };

	(void)state;
	assert_int_equal(f->data.mode, BLK_DATA_REFILL);
	memset(buf, 0x55, sizeof(buf));
	blk_data_write(&f->data, buf, sizeof(buf), 0);
	/* each 512-byte chunk: 128 random bytes, then 384 zeros */
	for (unsigned c = 0; c < 8; c++) {
		assert_memory_equal(buf + c * 512 + 128, z, sizeof(z));
		assert_memory_not_equal(buf + c * 512, z, 128);
	}
	free(f);
}

/* How many of n writes of 4 KiB repeat an earlier buffer's contents exactly. */
static unsigned repeats(struct fixture *f, unsigned n)
{
	unsigned char(*bufs)[4096] = malloc((size_t)n * 4096);
	unsigned dup = 0;

	assert_non_null(bufs);
	for (unsigned i = 0; i < n; i++) {
		blk_data_write(&f->data, bufs[i], 4096, (uint64_t)i * 4096);
		for (unsigned k = 0; k < i; k++)
			if (!memcmp(bufs[i], bufs[k], 4096)) {
				dup++;
				break;
			}
	}
	free(bufs);
	return dup;
}

static void test_dedupe(void **state)
{
	static const char *const none[] = { "refill_buffers", "1", NULL };
	static const char *const half[] = { "dedupe_percentage", "50", NULL };
	static const char *const all[] = { "dedupe_percentage", "100", NULL };
	static const char *const ws[] = { "dedupe_percentage",
					  "80",
					  "dedupe_mode",
					  "working_set",
					  "bs",
					  "4k",
					  "dedupe_working_set_percentage",
					  "1",
					  NULL };
	struct fixture *f;
	unsigned r;

	(void)state;
	f = data_for(none);
	assert_int_equal(repeats(f, 1000), 0);
	free(f);
	f = data_for(half);
	r = repeats(f, 1000);
	assert_true(r > 440 && r < 560);
	free(f);
	f = data_for(all);
	assert_int_equal(repeats(f, 200), 199);
	free(f);
	/* 1% of 4 MiB: 10 pages that 80% of the writes repeat */
	f = data_for(ws);
	assert_int_equal(f->data.working_set_pages, 10);
	r = repeats(f, 1000);
	assert_true(r > 760 && r < 840);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_syntax),	 cmocka_unit_test(test_bad_pattern_line),
		cmocka_unit_test(test_scramble_default), cmocka_unit_test(test_zero_and_pattern),
		cmocka_unit_test(test_compress),	 cmocka_unit_test(test_dedupe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
