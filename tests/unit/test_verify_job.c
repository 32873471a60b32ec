/*
 * test_verify_job.c - the verify options of a block job (verify_job.c) and the clone's history
 * (verify_state.c): what blk_job_validate derives from fio's verify options, the refusals, and
 * that the history keeps only the last write to each place, overlapping sizes included.
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

/* A job from key=value pairs, validated: 0 or the validation's error (err kept). */
static int job_from(struct blk_job *job, char *err, size_t err_size, const char *const *kv)
{
	int ret;

	assert_int_equal(blk_job_init(job, err, err_size), 0);
	assert_int_equal(blk_job_set(job, "size", "1m", SRC_FLAG, err, err_size), 0);
	for (; kv[0]; kv += 2) {
		ret = blk_job_set(job, kv[0], kv[1], SRC_FLAG, err, err_size);
		if (ret)
			return ret;
	}
	return blk_job_validate(job, err, err_size);
}

static void test_types_and_defaults(void **state)
{
	struct blk_job *job = calloc(1, sizeof(*job));
	char err[512] = "";

	(void)state;
	assert_int_equal(
		job_from(job, err, sizeof(err), (const char *const[]){ "rw", "write", NULL }), 0);
	assert_false(job->o.verify.active); /* fio's default verify=0 */
	assert_true(job->o.verify.do_verify);
	assert_true(job->o.verify.verify_state_save);
	assert_int_equal(job_from(job, err, sizeof(err),
				  (const char *const[]){ "rw", "randwrite", "verify", "crc32c",
							 "verify_backlog", "16", NULL }),
			 0);
	assert_true(job->o.verify.active);
	assert_int_equal(job->o.verify.type, BLK_VERIFY_CRC32C);
	assert_int_equal(job->o.verify.verify_backlog_batch, 16); /* defaults to the backlog */
	assert_true(blk_verify_writes(job));
	/* a pattern alone: fio's header and pattern; verify=pattern: the pattern alone */
	assert_int_equal(job_from(job, err, sizeof(err),
				  (const char *const[]){ "rw", "write", "verify_pattern",
							 "0xdead%o\"ab\"", NULL }),
			 0);
	assert_int_equal(job->o.verify.type, BLK_VERIFY_PATTERN);
	assert_true(job->o.verify.pattern_has_offset);
	assert_int_equal(job->o.verify.pattern_offset_at, 2);
	assert_int_equal(job->o.verify.pattern_len, 12);
	assert_memory_equal(job->o.verify.pattern, "\xde\xad\0\0\0\0\0\0\0\0ab", 12);
	assert_int_equal(job_from(job, err, sizeof(err),
				  (const char *const[]){ "rw", "write", "verify", "pattern",
							 "verify_pattern", "0xff", NULL }),
			 0);
	assert_int_equal(job->o.verify.type, BLK_VERIFY_PATTERN_NO_HDR);
	free(job);
}

static void test_verify_only_reads(void **state)
{
	struct blk_job *job = calloc(1, sizeof(*job));
	char err[512] = "";

	(void)state;
	assert_int_equal(job_from(job, err, sizeof(err),
				  (const char *const[]){ "rw", "randwrite", "verify", "md5",
							 "verify_only", "1", NULL }),
			 0);
	/* the files are opened read-only, the writes only replayed */
	assert_false(job->writes);
	assert_true(job->reads);
	assert_false(blk_verify_writes(job));
	assert_int_equal(job_from(job, err, sizeof(err),
				  (const char *const[]){ "rw", "read", "verify", "md5",
							 "verify_only", "1", NULL }),
			 -EINVAL);
	assert_non_null(strstr(err, "replays a writing job"));
	free(job);
}

static void test_refusals(void **state)
{
	static const char *const bad[][8] = {
		{ "verify", "crc33", NULL },
		{ "verify", "pattern", NULL },
		{ "verify_pattern", "0xzz", NULL },
		{ "ack_journal", "/tmp/j", NULL },
		{ "verify", "null", "ack_journal", "/tmp/j", NULL },
		{ "verify", "md5", "verify_interval", "1000", NULL },
		{ "verify", "md5", "verify_interval", "16", NULL },
		{ "verify", "crc32c", "trim_percentage", "5", "ack_witness", "h:1", NULL },
	};
	struct blk_job *job = calloc(1, sizeof(*job));
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *kv[12] = { "rw", "write" };
		size_t n = 2;
		for (size_t k = 0; bad[i][k]; k++)
			kv[n++] = bad[i][k];
		kv[n] = NULL;
		err[0] = 0;
		assert_int_equal(job_from(job, err, sizeof(err), kv), -EINVAL);
		assert_true(strlen(err) > 0 && !strchr(err, '\n'));
	}
	free(job);
}

/* A clone of a validated job over two (unopened) files, for its history. */
struct hist_fixture {
	struct blk_job job;
	struct blk_file files[2];
	struct blk_clone_file cfiles[2];
	struct blk_clone clone;
	struct blk_vclone v;
};

static void dry(struct blk_vclone *v, unsigned file, uint64_t offset, uint32_t len)
{
	struct io_req r = { .offset = offset, .len = len, .dir = IO_WRITE };

	assert_int_equal(blk_vclone_dry_write(v, &r, file), 0);
}

static void test_history_last_write(void **state)
{
	struct hist_fixture *f = calloc(1, sizeof(*f));
	char err[512] = "";

	(void)state;
	assert_int_equal(job_from(&f->job, err, sizeof(err),
				  (const char *const[]){ "rw", "randwrite", "verify", "crc32c",
							 "verify_only", "1", NULL }),
			 0);
	for (unsigned i = 0; i < 2; i++)
		f->cfiles[i].file = &f->files[i];
	f->clone = (struct blk_clone){ .job = &f->job, .files = f->cfiles, .nfiles = 2 };
	assert_int_equal(blk_vclone_init(&f->v, &f->clone, 4, err, sizeof(err)), 0);
	dry(&f->v, 0, 0, 16384);     /* 1: overwritten in part by 3 */
	dry(&f->v, 0, 16384, 4096);  /* 2: overwritten by 5 */
	dry(&f->v, 0, 4096, 4096);   /* 3 */
	dry(&f->v, 1, 0, 4096);	     /* 4: the other file: kept */
	dry(&f->v, 0, 12288, 8192);  /* 5 */
	dry(&f->v, 0, 32768, 4096);  /* 6: nothing over it */
	dry(&f->v, 0, 28672, 4096);  /* 7: next to 6, not over it */
	dry(&f->v, 0, 24576, 16384); /* 8: over 6 and 7, newer: both go */
	assert_int_equal(blk_vclone_compact(&f->v), 0);
	/* left, in the order written: 3, 4, 5, 8 */
	uint64_t want[] = { 3, 4, 5, 8 };
	assert_int_equal(f->v.nhist, 4);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(f->v.hist[i].seq, want[i]);
	assert_int_equal(f->v.hist[1].file, 1);
	/* an older big write does not come back when the small one over it is dropped later */
	dry(&f->v, 0, 65536, 16384); /* 9 */
	dry(&f->v, 0, 69632, 4096);  /* 10: drops 9 */
	dry(&f->v, 0, 73728, 4096);  /* 11 */
	dry(&f->v, 0, 65536, 8192);  /* 12: drops 10 */
	assert_int_equal(blk_vclone_compact(&f->v), 0);
	assert_int_equal(f->v.nhist, 6);
	assert_int_equal(f->v.hist[4].seq, 11);
	assert_int_equal(f->v.hist[5].seq, 12);
	/* a dropped big write still covers what is older under its end */
	dry(&f->v, 0, 139264, 4096);  /* 13: overwritten by 14 */
	dry(&f->v, 0, 131072, 16384); /* 14: dropped by 15, but over 13 */
	dry(&f->v, 0, 131072, 4096);  /* 15 */
	assert_int_equal(blk_vclone_compact(&f->v), 0);
	assert_int_equal(f->v.nhist, 7);
	assert_int_equal(f->v.hist[6].seq, 15);
	blk_vclone_free(&f->v);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_types_and_defaults),
		cmocka_unit_test(test_verify_only_reads),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_history_last_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
