/*
 * test_verify_fio.c - the differential test of fio's verify layout: for every verify type fio
 * 3.33 lists, fio writes a 256 KiB file (also once with verify_interval=1024 and once with a
 * verify_offset) and every 4 KiB block of it checks here; one byte changed in one block is
 * found in exactly that block. The other way round, files pvcbench fills pass fio's own
 * --verify_only, and fail it once a byte is changed. That proves the header fields, the
 * checksums and their byte order are fio's, both ways.
 *
 * Also prints (asserts nothing about) how long one 4 KiB check takes for a few types.
 * Needs fio: missing, the test exits 77, or fails under CI=true. Files live in a mkdtemp
 * directory that is removed at the end.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../lib/ci_skip.h"

#include "verify.h"

#define BS 4096
#define FILE_SIZE (256 * 1024)
#define NBLOCKS (FILE_SIZE / BS)
#define VERIFY_OFFSET 200

static char dir[256];

enum variant { PLAIN, INTERVAL, OFFSET };

/* One fio job per type and variant, each with its own file. */
struct job {
	const char *type;
	enum variant v;
	struct blk_verify_spec spec;
	char path[300];
	char opts[3][64];
};

#define MAX_JOBS 64
static struct job jobs[MAX_JOBS];
static int njobs;

/* Runs fio with args (NULL-terminated); its output goes to dir/fio.log. The exit status. */
static int run_fio(const char *const *args)
{
	char log[300];
	pid_t pid;
	int status;

	snprintf(log, sizeof(log), "%s/fio.log", dir);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* whatever fio leaves behind stays in the test's directory */
		if (chdir(dir))
			_exit(126);
		execvp("fio", (char *const *)args);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void show_fio_log(void)
{
	char log[300], line[512];
	FILE *f;

	snprintf(log, sizeof(log), "%s/fio.log", dir);
	f = fopen(log, "r");
	while (f && fgets(line, sizeof(line), f))
		print_message("fio: %s", line);
	if (f)
		fclose(f);
}

/* Each job's err= from fio's log ("j3: (groupid=0, jobs=1): err= 0: ..."), -1 when absent. */
static void fio_job_errors(int *err)
{
	char log[300], line[512];
	FILE *f;

	for (int i = 0; i < njobs; i++)
		err[i] = -1;
	snprintf(log, sizeof(log), "%s/fio.log", dir);
	f = fopen(log, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		int j, group, n, e;

		if (sscanf(line, "j%d: (groupid=%d, jobs=%d): err=%d", &j, &group, &n, &e) == 4 &&
		    j >= 0 && j < njobs)
			err[j] = e;
	}
	fclose(f);
}

static void spec_of(struct blk_verify_spec *s, const char *type, enum variant v)
{
	static const uint8_t pat[12] = { 0xaa, 0xbb, 0, 0, 0, 0, 0, 0, 0, 0, 'x', 'y' };

	memset(s, 0, sizeof(*s));
	assert_int_equal(blk_verify_type_parse(type, &s->type), 0);
	if (v == INTERVAL)
		s->interval = 1024;
	if (v == OFFSET)
		s->offset = VERIFY_OFFSET;
	if (!strcmp(type, "pattern")) {
		s->pattern = pat;
		s->pattern_len = sizeof(pat);
		s->pattern_has_offset = true;
		s->pattern_offset_at = 2;
	}
}

/* Every type fio lists, plain, with verify_interval=1024 and with verify_offset=200. */
static void make_jobs(void)
{
	njobs = 0;
	for (const char *const *t = blk_verify_type_names; *t; t++) {
		if (!strcmp(*t, "0"))
			continue;
		for (int v = PLAIN; v <= OFFSET; v++) {
			struct job *j = &jobs[njobs];

			spec_of(&j->spec, *t, (enum variant)v);
			/* verify_offset moves a header: not for the types without one */
			if (v == OFFSET && !blk_verify_hdr_size(j->spec.type))
				continue;
			assert_true(njobs < MAX_JOBS);
			j->type = *t;
			j->v = (enum variant)v;
			snprintf(j->path, sizeof(j->path), "%s/fio.%d", dir, njobs);
			snprintf(j->opts[0], sizeof(j->opts[0]), "--verify=%s", *t);
			snprintf(j->opts[1], sizeof(j->opts[1]), "%s",
				 v == INTERVAL ? "--verify_interval=1024"
				 : v == OFFSET ? "--verify_offset=200"
					       : "");
			snprintf(j->opts[2], sizeof(j->opts[2]), "%s",
				 !strcmp(*t, "pattern") ? "--verify_pattern=0xaabb%o\"xy\"" : "");
			njobs++;
		}
	}

	/* verify_pattern with a header: under meta (checked), without verify= (fio's type 17,
	 * checked) and under a checksum (the checksum alone is checked) */
	static const uint8_t p55aa[2] = { 0x55, 0xaa }, pdeadbeef[4] = { 0xde, 0xad, 0xbe, 0xef };
	static const struct {
		const char *label, *verify, *pattern;
		int type;
		const uint8_t *bytes;
		uint32_t len;
	} extra[] = {
		{ "meta+verify_pattern", "--verify=meta", "--verify_pattern=0x55aa",
		  BLK_VERIFY_HDR_ONLY, p55aa, 2 },
		{ "verify_pattern alone", "", "--verify_pattern=0xdeadbeef", BLK_VERIFY_PATTERN,
		  pdeadbeef, 4 },
		{ "crc32c+verify_pattern", "--verify=crc32c", "--verify_pattern=0xdeadbeef",
		  BLK_VERIFY_CRC32C, pdeadbeef, 4 },
	};
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		struct job *j = &jobs[njobs];

		assert_true(njobs < MAX_JOBS);
		memset(j, 0, sizeof(*j));
		j->type = extra[i].label;
		j->v = PLAIN;
		j->spec.type = extra[i].type;
		j->spec.pattern = extra[i].bytes;
		j->spec.pattern_len = extra[i].len;
		snprintf(j->path, sizeof(j->path), "%s/fio.%d", dir, njobs);
		snprintf(j->opts[0], sizeof(j->opts[0]), "%s", extra[i].verify);
		snprintf(j->opts[2], sizeof(j->opts[2]), "%s", extra[i].pattern);
		njobs++;
	}
}

static int setup(void **state)
{
	(void)state;
	make_jobs();
	return 0;
}

/* One fio run for every job: writing (do_verify=0), or verify_only. */
static int run_jobs(bool verify_only)
{
	static char names[MAX_JOBS][24], files[MAX_JOBS][320];
	const char *a[16 + 5 * MAX_JOBS];
	int n = 0;

	a[n++] = "fio";
	a[n++] = "--rw=write";
	a[n++] = "--bs=4k";
	a[n++] = "--size=256k";
	a[n++] = "--ioengine=psync";
	/* fio 3.33 keeps only the last interval's result unless verify_fatal stops at the first */
	a[n++] = verify_only ? "--verify_only=1" : "--do_verify=0";
	a[n++] = "--verify_fatal=1";
	/* a failed verify would save fio's state files (local-*-verify.state) */
	a[n++] = "--verify_state_save=0";
	for (int i = 0; i < njobs; i++) {
		snprintf(names[i], sizeof(names[i]), "--name=j%d", i);
		snprintf(files[i], sizeof(files[i]), "--filename=%s", jobs[i].path);
		a[n++] = names[i];
		a[n++] = files[i];
		for (int k = 0; k < 3; k++)
			if (jobs[i].opts[k][0])
				a[n++] = jobs[i].opts[k];
	}
	a[n] = NULL;
	return run_fio(a);
}

static uint8_t *read_file(const char *path)
{
	uint8_t *buf = malloc(FILE_SIZE);
	int fd = open(path, O_RDONLY);

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, buf, FILE_SIZE), FILE_SIZE);
	close(fd);
	return buf;
}

static void write_file(const char *path, const uint8_t *buf)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, FILE_SIZE), FILE_SIZE);
	close(fd);
}

/* Checks every block; returns how many failed, the first one's index in *first. */
static int check_all(const struct blk_verify_spec *s, const char *path, const uint8_t *buf,
		     int *first, enum blk_verify_result *first_r)
{
	int bad = 0;

	*first = -1;
	for (int i = 0; i < NBLOCKS; i++) {
		struct blk_verify_found f;
		enum blk_verify_result r = blk_verify_check_file(s, path, buf + (size_t)i * BS, BS,
								 (uint64_t)i * BS, &f);

		if (r == BLK_VERIFY_OK)
			continue;
		if (!bad++) {
			*first = i;
			*first_r = r;
			print_message("  block %d: %s: %s\n", i, blk_verify_result_name(r),
				      f.detail);
		}
	}
	return bad;
}

/*
 * Where to change a byte so that the type can notice: in the data; for meta in the header's
 * time field; for fio's sha512, whose field holds only the data's first 128 and last bytes
 * (fio never finalises that hash), near the block's end.
 */
static size_t damage_at(const struct blk_verify_spec *s)
{
	if (s->type == BLK_VERIFY_HDR_ONLY && !s->pattern_len)
		return (s->offset ? s->offset : 0) + 25;
	if (s->type == BLK_VERIFY_SHA512)
		return BS - 6;
	return 3000;
}

/* What the damage is found as: meta alone sees its header, a checksum its data, else the
 * pattern. */
static enum blk_verify_result expected_damage(const struct blk_verify_spec *s)
{
	if (s->type == BLK_VERIFY_HDR_ONLY && !s->pattern_len)
		return BLK_VERIFY_BAD_HDR_CRC;
	return blk_verify_csum_size(s->type) ? BLK_VERIFY_BAD_CSUM : BLK_VERIFY_BAD_PATTERN;
}

static const char *variant_name(enum variant v)
{
	return v == INTERVAL ? " verify_interval=1024" : v == OFFSET ? " verify_offset=200" : "";
}

/* fio writes every type, we check every block; one changed byte is found in its block. */
static void test_fio_writes(void **state)
{
	(void)state;
	if (run_jobs(false)) {
		show_fio_log();
		fail_msg("fio could not write the verify jobs");
	}
	for (int i = 0; i < njobs; i++) {
		const struct job *j = &jobs[i];
		int first;
		enum blk_verify_result r;
		uint8_t *buf = read_file(j->path);

		print_message("fio wrote verify=%s%s\n", j->type, variant_name(j->v));
		assert_int_equal(check_all(&j->spec, j->path, buf, &first, &r), 0);
		if (j->spec.type != BLK_VERIFY_NULL) {
			buf[17 * BS + damage_at(&j->spec)] ^= 0x04;
			assert_int_equal(check_all(&j->spec, j->path, buf, &first, &r), 1);
			assert_int_equal(first, 17);
			assert_int_equal(r, expected_damage(&j->spec));
		}
		free(buf);
	}
}

/* We fill every type, fio's verify_only passes it (fio 3.33 compares neither rand_seed nor
 * numberio there), and fails it once one byte is changed. */
static void test_fio_checks(void **state)
{
	int err[MAX_JOBS];

	(void)state;
	for (int i = 0; i < njobs; i++) {
		const struct job *j = &jobs[i];
		uint8_t *buf = malloc(FILE_SIZE);
		int first;
		enum blk_verify_result r;

		assert_non_null(buf);
		for (int k = 0; k < NBLOCKS; k++) {
			struct blk_verify_block b = {
				.offset = (uint64_t)k * BS,
				.rand_seed = 0x5eed0000ULL + (uint64_t)k,
				.numberio = (uint64_t)k,
				.thread = 1,
				.time_sec = 1,
				.time_nsec = 2,
			};

			assert_int_equal(blk_verify_fill(&j->spec, buf + (size_t)k * BS, BS, &b),
					 0);
		}
		assert_int_equal(check_all(&j->spec, j->path, buf, &first, &r), 0);
		write_file(j->path, buf);
		free(buf);
	}
	if (run_jobs(true)) {
		show_fio_log();
		fail_msg("fio --verify_only rejected pvcbench's blocks");
	}
	fio_job_errors(err);
	for (int i = 0; i < njobs; i++)
		if (err[i])
			fail_msg("fio --verify_only: job %d (verify=%s%s): err=%d", i, jobs[i].type,
				 variant_name(jobs[i].v), err[i]);

	/* one byte changed in block 17 of every file: fio fails every job but null's */
	for (int i = 0; i < njobs; i++) {
		uint8_t *buf = read_file(jobs[i].path);

		buf[17 * BS + damage_at(&jobs[i].spec)] ^= 0x04;
		write_file(jobs[i].path, buf);
		free(buf);
	}
	assert_int_not_equal(run_jobs(true), 0);
	fio_job_errors(err);
	for (int i = 0; i < njobs; i++) {
		bool is_null = jobs[i].spec.type == BLK_VERIFY_NULL;

		if (is_null ? err[i] != 0 : err[i] <= 0) {
			show_fio_log();
			fail_msg("fio --verify_only on a changed verify=%s%s file: err=%d",
				 jobs[i].type, variant_name(jobs[i].v), err[i]);
		}
	}
}

/* How long a 4 KiB check takes: printed for the record, never asserted. */
static void test_speed(void **state)
{
	static const char *const types[] = { "crc32c", "xxhash", "md5", "sha256", "meta" };
	static uint8_t buf[BS];
	struct blk_verify_block b = { .rand_seed = 1 };

	(void)state;
	print_message("crc32c: %s\n", blk_crc32c_hw() ? "SSE4.2 instruction" : "tables");
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct blk_verify_spec s;
		struct blk_verify_found f;
		double best = 0;

		spec_of(&s, types[i], PLAIN);
		assert_int_equal(blk_verify_fill(&s, buf, BS, &b), 0);
		/* the best of 10 rounds: a loaded machine only ever makes a round slower */
		for (int round = 0; round < 10; round++) {
			struct timespec t0, t1;
			const int n = 2000;

			clock_gettime(CLOCK_MONOTONIC, &t0);
			for (int k = 0; k < n; k++)
				assert_int_equal(blk_verify_check(&s, buf, BS, 0, &f),
						 BLK_VERIFY_OK);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
				     (double)(t1.tv_nsec - t0.tv_nsec)) /
				    n;
			if (!round || ns < best)
				best = ns;
		}
		double ns = best;
		print_message("check of a 4 KiB verify=%s block: %.0f ns\n", types[i], ns);
	}
}

/* Removes what the test wrote (also after a failure left files behind) and the directory. */
static int teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[600];

	(void)state;
	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, "fio.", 4) && !strstr(e->d_name, "verify.state"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	return rmdir(dir) ? -1 : 0;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	const char *const version[] = { "fio", "--version", NULL };

	snprintf(dir, sizeof(dir), "%s/pvc-verify-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	for (const char *const *t = blk_verify_type_names; *t; t++) {
		int type;

		if (blk_verify_type_parse(*t, &type) == -ENOTSUP) {
			rmdir(dir);
			return t_cannot_run("verify=%s not built (%s)", *t,
					    blk_verify_type_unbuilt(type));
		}
	}
	if (run_fio(version)) {
		teardown(NULL);
		return t_cannot_run("fio is not installed");
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fio_writes),
		cmocka_unit_test(test_fio_checks),
		cmocka_unit_test(test_speed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
