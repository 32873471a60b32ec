/*
 * output.c - where results go: stdout, or a file written whole (temporary file, then rename),
 * so an interrupted or failed run never leaves half a result behind. A path that exists and is
 * not a regular file (/dev/null, a FIFO, a terminal) is written to directly: renaming over it
 * would replace the device node with a file.
 */
#define _GNU_SOURCE
#include "pvcbench/report.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifndef PVC_VERSION
#define PVC_VERSION "0.1.0"
#endif

int report_output_open(struct report_output *o, const char *path, const char *option, char *err,
		       size_t err_size)
{
	memset(o, 0, sizeof(*o));
	if (!path || !*path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	snprintf(o->path, sizeof(o->path), "%s", path);
	struct stat st;
	o->direct = !stat(path, &st) && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
	if (o->direct)
		snprintf(o->tmp, sizeof(o->tmp), "%s", path);
	else
		snprintf(o->tmp, sizeof(o->tmp), "%s.tmp.%d", path, (int)getpid());
	o->f = fopen(o->tmp, "w");
	if (!o->f) {
		int e = errno;
		snprintf(err, err_size, "--%s=%s: %s", option, path, strerror(e));
		return -e;
	}
	snprintf(o->option, sizeof(o->option), "%s", option);
	return 0;
}

/*
 * The cause of a write that failed before the commit, whose errno is long gone: a full
 * filesystem is by far the likeliest and can be seen; anything else is reported as EIO.
 */
static int lost_write_errno(const struct report_output *o)
{
	char dir[sizeof(o->tmp)];
	struct statvfs vfs;

	snprintf(dir, sizeof(dir), "%s", o->tmp);
	if (!statvfs(dirname(dir), &vfs) && vfs.f_blocks && vfs.f_bavail == 0)
		return ENOSPC;
	return EIO;
}

int report_output_commit(struct report_output *o, char *err, size_t err_size)
{
	int e = 0;

	if (!o->f || o->f == stdout) {
		fflush(stdout);
		return 0;
	}
	/*
	 * A write that failed earlier (a full filesystem) leaves the error flag set even when
	 * nothing is left to flush; and the FILE is closed whatever failed, so neither it nor the
	 * temporary file outlives a failed commit.
	 */
	errno = 0;
	if (fflush(o->f) || ferror(o->f))
		e = errno ? errno : lost_write_errno(o);
	else if (!o->direct && fsync(fileno(o->f)))
		e = errno;
	if (fclose(o->f) && !e)
		e = errno;
	o->f = NULL;
	if (o->direct) {
		if (e)
			snprintf(err, err_size, "--%s=%s: %s", o->option, o->path, strerror(e));
		return -e;
	}
	if (e) {
		unlink(o->tmp);
		snprintf(err, err_size, "--%s=%s: %s", o->option, o->path, strerror(e));
		return -e;
	}
	if (rename(o->tmp, o->path)) {
		e = errno;
		unlink(o->tmp);
		snprintf(err, err_size, "--%s=%s: %s", o->option, o->path, strerror(e));
		return -e;
	}
	return 0;
}

void report_output_abort(struct report_output *o)
{
	if (o->f && o->f != stdout) {
		fclose(o->f);
		if (!o->direct)
			unlink(o->tmp);
	}
	o->f = NULL;
}

void report_json_header(struct jsonw *j)
{
	struct timeval tv;
	char when[64];

	gettimeofday(&tv, NULL);
	time_t now = tv.tv_sec;
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", localtime(&now));
	jsonw_string(j, "fio version", "pvcbench-" PVC_VERSION);
	jsonw_u64(j, "timestamp", (uint64_t)tv.tv_sec);
	jsonw_u64(j, "timestamp_ms", (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000);
	jsonw_string(j, "time", when);
}
