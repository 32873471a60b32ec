/*
 * test_report_output.c - a results file whose writing fails (here: a file-size limit, as a full
 * filesystem would) is not committed: report_output_commit returns the error with a message
 * naming the file, the temporary file is gone, nothing appears at the path, and the FILE (its
 * descriptor) is closed. Two ways to fail: data still buffered when the commit flushes, and a
 * write that failed earlier with nothing left to flush (only the stream's error flag says so).
 *
 * The limit is RLIMIT_FSIZE with SIGXFSZ ignored, so writes past it fail with EFBIG; it is
 * lifted again after each test. Exit: 0 pass, 1 fail.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

#include "pvcbench/report.h"

#define T_LIMIT 4096

struct t_dir {
	char dir[64], path[128];
	struct rlimit saved;
};

static unsigned t_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int t_setup(void **state)
{
	struct t_dir *t = calloc(1, sizeof(*t));
	struct rlimit small;

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "/var/tmp/pvc-output-XXXXXX");
	if (!mkdtemp(t->dir))
		return -1;
	snprintf(t->path, sizeof(t->path), "%s/results.json", t->dir);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &t->saved);
	small = t->saved;
	small.rlim_cur = T_LIMIT;
	if (setrlimit(RLIMIT_FSIZE, &small))
		return -1;
	*state = t;
	return 0;
}

static int t_teardown(void **state)
{
	struct t_dir *t = *state;
	char tmp[160];

	setrlimit(RLIMIT_FSIZE, &t->saved);
	unlink(t->path);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", t->path, (int)getpid());
	unlink(tmp);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* The commit failed as it must: error, message, no file at either name, descriptor closed. */
/* want_errno: the error the message must name, 0 for any */
static void t_expect_failed_commit(struct t_dir *t, struct report_output *o, unsigned fds_before,
				   int want_errno)
{
	char err[8192] = "", tmp[4112];
	struct stat st;
	int ret;

	snprintf(tmp, sizeof(tmp), "%s", o->tmp);
	ret = report_output_commit(o, err, sizeof(err));
	fprintf(stderr, "commit: %d %s\n", ret, err);
	assert_true(ret < 0);
	assert_non_null(strstr(err, t->path));
	assert_non_null(strstr(err, "--output="));
	if (want_errno)
		assert_non_null(strstr(err, strerror(want_errno)));
	assert_int_equal(stat(tmp, &st), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(stat(t->path, &st), -1);
	assert_int_equal(t_open_fds(), fds_before);
	assert_null(o->f);
}

static void test_flush_fails(void **state)
{
	struct t_dir *t = *state;
	static char block[T_LIMIT];
	struct report_output o;
	char err[256] = "";
	unsigned fds = t_open_fds();

	assert_int_equal(report_output_open(&o, t->path, "output", err, sizeof(err)), 0);
	/* up to the limit exactly (a large write goes to the file at once), then a line that
	 * stays in the buffer until the commit's flush, which fails with EFBIG */
	memset(block, 'x', sizeof(block));
	assert_int_equal(fwrite(block, 1, sizeof(block), o.f), sizeof(block));
	fputs("one line more\n", o.f);
	assert_false(ferror(o.f));
	t_expect_failed_commit(t, &o, fds, EFBIG);
}

static void test_earlier_write_failed(void **state)
{
	struct t_dir *t = *state;
	static char block[8 * T_LIMIT];
	struct report_output o;
	char err[256] = "";
	unsigned fds = t_open_fds();

	assert_int_equal(report_output_open(&o, t->path, "output", err, sizeof(err)), 0);
	memset(block, 'x', sizeof(block));
	/* one large write goes to the file directly and fails past the limit: the buffer is
	 * empty afterwards, only the stream's error flag remembers */
	assert_true(fwrite(block, 1, sizeof(block), o.f) < sizeof(block));
	assert_true(ferror(o.f));
	t_expect_failed_commit(t, &o, fds, 0);
}

/* The same file written within the limit commits: the failures above are the limit's. */
static void test_commit_within_limit(void **state)
{
	struct t_dir *t = *state;
	struct report_output o;
	char err[256] = "";
	struct stat st;

	assert_int_equal(report_output_open(&o, t->path, "output", err, sizeof(err)), 0);
	fputs("{}\n", o.f);
	assert_int_equal(report_output_commit(&o, err, sizeof(err)), 0);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_size, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flush_fails, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_earlier_write_failed, t_setup, t_teardown),
		cmocka_unit_test_setup_teardown(test_commit_within_limit, t_setup, t_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL) ? 1 : 0;
}
