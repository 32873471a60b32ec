/*
 * layout.c - the block workload's files: where they are, whether pvcbench may write them, and
 * laying them out before the run as fio's extend_file does: a file some job reads (or writes
 * with overwrite=1) is filled with random (incompressible) data and fsync'd; a file its jobs
 * only write is made anew and allocated (fallocate=), not filled, so that the run's first
 * writes do not read back pages a layout wrote and the cache dropped (small buffered writes
 * were 8x slower for that).
 *
 * pvcbench marks the files it creates with the extended attribute user.pvcbench, so a later run
 * (after --keep) knows them as its own. It never writes to a block device, or to a file it did
 * not create, unless --force is given; it removes the files it created unless --keep is given.
 */
#define _GNU_SOURCE
#include "block.h"
#include "pvcbench/fmt.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "pvcbench/signals.h"

#define OWNER_XATTR "user.pvcbench"
#define LAYOUT_CHUNK (1u << 20)

static bool owned_by_us(const char *path)
{
	char v[8];
	ssize_t n = getxattr(path, OWNER_XATTR, v, sizeof(v));

	return n == 1 && v[0] == '1';
}

static int check_directory(const char *path, char *err, size_t err_size)
{
	char copy[4096];
	struct stat st;
	struct statvfs vfs;

	snprintf(copy, sizeof(copy), "%s", path);
	const char *dir = dirname(copy);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, err_size, "directory %s does not exist", dir);
		return -ENOENT;
	}
	if (!statvfs(dir, &vfs) && (vfs.f_flag & ST_RDONLY)) {
		snprintf(err, err_size, "directory %s is on a read-only filesystem", dir);
		return -EROFS;
	}
	if (access(dir, W_OK | X_OK)) {
		int e = errno;

		snprintf(err, err_size, "directory %s is not writable: %s", dir, strerror(e));
		return -EACCES;
	}
	return 0;
}

/* The device's size in bytes, or -errno when it cannot be opened or asked */
static int device_size(const char *path, uint64_t *bytes)
{
	int fd = open(path, O_RDONLY);
	int ret = 0;

	*bytes = 0;
	if (fd < 0)
		return -errno;
	if (ioctl(fd, BLKGETSIZE64, bytes))
		ret = -errno; /* read before close can change it */
	close(fd);
	return ret;
}

/* Whether the device (or a partition of it) is mounted: its number is a mount's source. */
static bool device_mounted(const struct stat *dev)
{
	char line[4096];
	bool mounted = false;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && !mounted && fgets(line, sizeof(line), f)) {
		unsigned major, minor;
		/* ID PARENT MAJOR:MINOR ...; a partition's disk: same major, minors above it */
		if (sscanf(line, "%*u %*u %u:%u", &major, &minor) == 2)
			mounted = makedev(major, minor) == dev->st_rdev;
	}
	if (f)
		fclose(f);
	return mounted;
}

int blk_files_check(struct blk_file *files, unsigned nfiles, char *err, size_t err_size)
{
	char a[32], b[32];

	for (unsigned i = 0; i < nfiles; i++) {
		struct blk_file *f = &files[i];
		struct stat st;
		int ret;

		if (!stat(f->path, &st)) {
			if (S_ISBLK(st.st_mode)) {
				f->is_device = true;
				if (f->writes && !f->force) {
					snprintf(
						err, err_size,
						"%s is a block device: pvcbench will not write to it without --force=1",
						f->path);
					return -EPERM;
				}
				if (f->writes && !f->mounted_ok && device_mounted(&st)) {
					snprintf(
						err, err_size,
						"%s is mounted: pvcbench will not write to it without --allow_mounted_write=1",
						f->path);
					return -EBUSY;
				}
				uint64_t have;
				ret = device_size(f->path, &have);
				if (ret) {
					snprintf(err, err_size, "%s: cannot open the device: %s",
						 f->path, strerror(-ret));
					return ret;
				}
				if (have < f->need) {
					snprintf(err, err_size, "%s: device holds %s, jobs need %s",
						 f->path, fmt_size(a, sizeof(a), have),
						 fmt_size(b, sizeof(b), f->need));
					return -ENOSPC;
				}
				continue;
			}
			if (!S_ISREG(st.st_mode)) {
				snprintf(err, err_size, "%s: not a regular file or block device",
					 f->path);
				return -EINVAL;
			}
			bool grows = (uint64_t)st.st_size < f->need;
			if ((f->writes || grows) && !f->force && !owned_by_us(f->path)) {
				snprintf(
					err, err_size,
					"%s exists and was not created by pvcbench; it would be %s: pass --force=1 to allow it",
					f->path, f->writes ? "written" : "extended");
				return -EEXIST;
			}
			continue;
		}
		if (errno != ENOENT) {
			int e = errno; /* snprintf may change errno */

			snprintf(err, err_size, "%s: %s", f->path, strerror(e));
			return -e;
		}
		if (f->no_create) {
			snprintf(err, err_size, "%s does not exist and allow_file_create=0",
				 f->path);
			return -ENOENT;
		}
		ret = check_directory(f->path, err, err_size);
		if (ret)
			return ret;
	}
	/* free space, per filesystem: files on the same one add up */
	for (unsigned i = 0; i < nfiles; i++) {
		struct statvfs vfs;
		char copy[4096];
		uint64_t missing = 0;
		struct stat st;

		if (files[i].is_device)
			continue;
		snprintf(copy, sizeof(copy), "%s", files[i].path);
		if (statvfs(dirname(copy), &vfs))
			continue;
		for (unsigned k = 0; k < nfiles; k++) {
			struct statvfs other;
			char c2[4096];
			snprintf(c2, sizeof(c2), "%s", files[k].path);
			if (files[k].is_device || statvfs(dirname(c2), &other) ||
			    other.f_fsid != vfs.f_fsid)
				continue;
			uint64_t have = stat(files[k].path, &st) ? 0 : (uint64_t)st.st_blocks * 512;
			if (files[k].need > have)
				missing += files[k].need - have;
		}
		uint64_t avail = (uint64_t)vfs.f_bavail * vfs.f_frsize;
		/* ramfs and some FUSE filesystems report no capacity at all: unknown, not full */
		if (missing > avail && vfs.f_blocks) {
			snprintf(
				err, err_size,
				"not enough space for %s: the jobs need %s more, the filesystem has %s free",
				files[i].path, fmt_size(a, sizeof(a), missing),
				fmt_size(b, sizeof(b), avail));
			return -ENOSPC;
		}
	}
	return 0;
}

/* Writes random data into [from, to) of fd. */
static int fill(int fd, uint64_t from, uint64_t to, char *err, size_t err_size, const char *path)
{
	void *buf;
	uint64_t rng[2];

	if (posix_memalign(&buf, 4096, LAYOUT_CHUNK))
		return -ENOMEM;
	rng_seed(rng, (uint64_t)time(NULL) ^ (uint64_t)getpid() ^ from);
	while (from < to) {
		if (signals_stop_requested()) {
			free(buf);
			snprintf(err, err_size, "%s: interrupted while laying out", path);
			return -EINTR;
		}
		size_t len = to - from < LAYOUT_CHUNK ? (size_t)(to - from) : LAYOUT_CHUNK;
		blk_fill_random(buf, len, rng);
		ssize_t n = pwrite(fd, buf, len, (off_t)from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;
			free(buf);
			snprintf(err, err_size, "%s: laying out at %llu: %s", path,
				 (unsigned long long)from, strerror(e));
			return -e;
		}
		from += (uint64_t)n;
	}
	free(buf);
	return 0;
}

/*
 * Gives the file its full size before any data is written (as fio does), so that a size the
 * filesystem or a file-size limit (ulimit -f) refuses fails at once, not gigabytes later.
 */
static int set_size(int fd, const struct blk_file *f, char *err, size_t err_size)
{
	char size_text[32];

	if (ftruncate(fd, (off_t)f->need) == 0)
		return 0;
	int e = errno;
	snprintf(err, err_size, "%s: cannot make it %s long: ftruncate: %s", f->path,
		 fmt_size(size_text, sizeof(size_text), f->need), strerror(e));
	return -e;
}

/* Whether the file must be given its size (or made) before the run. */
static bool needs_extending(const struct blk_file *f)
{
	struct stat st;

	if (f->is_device || f->on_open)
		return false;
	return stat(f->path, &st) || (uint64_t)st.st_size < f->need;
}

/* fio's fallocate modes; where the filesystem lacks fallocate(2), native does nothing */
static int preallocate(int fd, const struct blk_file *f, uint64_t from, char *err, size_t err_size)
{
	const char *call = "fallocate";
	int ret = 0;

	if (from >= f->need)
		return 0;
	switch (f->fallocate) {
	case BLK_FALLOCATE_NONE:
		return 0;
	case BLK_FALLOCATE_NATIVE:
		if (fallocate(fd, 0, (off_t)from, (off_t)(f->need - from)))
			ret = errno == EOPNOTSUPP || errno == ENOSYS ? 0 : errno;
		break;
	case BLK_FALLOCATE_KEEP:
		if (fallocate(fd, FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(f->need - from)))
			ret = errno == EOPNOTSUPP || errno == ENOSYS ? 0 : errno;
		break;
	case BLK_FALLOCATE_POSIX:
		call = "posix_fallocate";
		ret = posix_fallocate(fd, (off_t)from, (off_t)(f->need - from));
		break;
	case BLK_FALLOCATE_TRUNCATE:
		call = "ftruncate";
		ret = ftruncate(fd, (off_t)f->need) ? errno : 0;
		break;
	}
	if (ret) {
		char size_text[32];
		snprintf(err, err_size, "%s: cannot make it %s long: %s: %s", f->path,
			 fmt_size(size_text, sizeof(size_text), f->need), call, strerror(ret));
		return -ret;
	}
	return 0;
}

/*
 * One file, as fio's extend_file: a file its jobs only write (overwrite=0) is made anew and
 * allocated, so the run's first writes do not read back what a layout put there; the others
 * are given their size and filled with random data, then fsync'd (create_fsync).
 */
static int lay_out_file(struct blk_file *f, char *err, size_t err_size)
{
	struct stat st;
	bool exists = !stat(f->path, &st);
	uint64_t have = exists ? (uint64_t)st.st_size : 0;
	int fd, ret;

	if (exists && owned_by_us(f->path))
		f->created = true; /* left by an earlier --keep run: ours to remove */
	if (exists && f->no_data && !f->append && f->created) {
		unlink(f->path);
		exists = false;
		have = 0;
	}
	fd = open(f->path, O_WRONLY | O_CREAT | (exists ? 0 : O_EXCL), 0644);
	if (fd < 0) {
		int e = errno;

		snprintf(err, err_size, "%s: cannot create: %s", f->path, strerror(e));
		return -e;
	}
	if (!exists) {
		f->created = true;
		/* best effort: a filesystem without user xattrs just won't recognise it later */
		fsetxattr(fd, OWNER_XATTR, "1", 1, 0);
	}
	if (f->no_data) {
		ret = preallocate(fd, f, have, err, err_size);
	} else {
		ret = set_size(fd, f, err, err_size);
		if (!ret)
			ret = preallocate(fd, f, have, err, err_size);
		if (!ret)
			ret = fill(fd, have, f->need, err, err_size, f->path);
		if (!ret && !f->no_fsync && fsync(fd)) {
			int e = errno;

			snprintf(err, err_size, "%s: fsync: %s", f->path, strerror(e));
			ret = -e;
		}
	}
	/* the run must read the device, not what the layout left in the page cache */
	posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
	close(fd);
	return ret;
}

/* fio's line for the files one clone lays out: "a: Laying out IO files (3 files / total 3MiB)" */
static void layout_line(FILE *out, char **lines, const struct blk_file *f, unsigned n,
			uint64_t bytes)
{
	char line[4400], size_text[32];

	if (f->owner)
		snprintf(line, sizeof(line), "%s: Laying out IO file%s (%u file%s / %s%lluMiB)\n",
			 f->owner, n > 1 ? "s" : "", n, n > 1 ? "s" : "", n > 1 ? "total " : "",
			 (unsigned long long)(bytes >> 20));
	else
		snprintf(line, sizeof(line), "pvcbench: laying out %s (%s)\n", f->path,
			 fmt_size(size_text, sizeof(size_text), f->need));
	if (out)
		fputs(line, out);
	if (!lines)
		return;
	size_t had = *lines ? strlen(*lines) : 0;
	char *more = realloc(*lines, had + strlen(line) + 1);
	if (!more)
		return;
	strcpy(more + had, line);
	*lines = more;
}

static bool same_owner(const struct blk_file *a, const struct blk_file *b)
{
	return a->owner == b->owner && a->owner_clone == b->owner_clone;
}

int blk_files_lay_out(struct blk_file *files, unsigned nfiles, FILE *out, char **lines, char *err,
		      size_t err_size)
{
	unsigned laid_out = 0;

	for (unsigned i = 0; i < nfiles; i++) {
		struct stat st;

		if (files[i].is_device)
			continue;
		if (!stat(files[i].path, &st) && owned_by_us(files[i].path))
			files[i].created = true;
	}
	for (unsigned i = 0; i < nfiles;) {
		unsigned end = i + 1, n = 0;
		uint64_t bytes = 0;
		bool extend[nfiles];

		while (end < nfiles && files[i].owner && same_owner(&files[i], &files[end]))
			end++;
		for (unsigned k = i; k < end; k++) {
			extend[k] = needs_extending(&files[k]);
			n += extend[k];
			bytes += extend[k] ? files[k].need : 0;
		}
		if (n)
			layout_line(out, lines, &files[i], n, bytes);
		laid_out += n;
		for (unsigned k = i; k < end; k++) {
			if (signals_stop_requested()) {
				snprintf(err, err_size, "%s: interrupted while laying out",
					 files[k].path);
				return -EINTR;
			}
			int ret = extend[k] ? lay_out_file(&files[k], err, err_size) : 0;
			if (ret)
				return ret;
		}
		i = end;
	}
	return (int)laid_out;
}

int blk_files_layout(struct blk_file *files, unsigned nfiles, FILE *note, char *err,
		     size_t err_size)
{
	int ret = blk_files_lay_out(files, nfiles, note, NULL, err, err_size);

	return ret < 0 ? ret : 0;
}

void blk_files_invalidate(const struct blk_file *files, unsigned nfiles)
{
	for (unsigned i = 0; i < nfiles; i++) {
		int fd = open(files[i].path, O_RDONLY);
		if (fd < 0)
			continue;
		/* dirty pages cannot be dropped: write them first, as fio's invalidate=1 does */
		fdatasync(fd);
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

void blk_files_cleanup(struct blk_file *files, unsigned nfiles)
{
	for (unsigned i = 0; i < nfiles; i++) {
		if (files[i].created && (!files[i].keep || files[i].unlink)) {
			unlink(files[i].path);
			files[i].created = false;
		}
	}
}

int blk_file_open_create(const struct blk_file *f, const struct blk_job *job, bool create)
{
	int flags = (job->writes ? O_RDWR : O_RDONLY) | (job->o.direct ? O_DIRECT : 0) |
		    job->o.file.open_sync;
	int fd = open(f->path, flags | (create && job->writes ? O_CREAT : 0), 0644);

	return fd < 0 ? -errno : fd;
}

int blk_file_open(const struct blk_file *f, const struct blk_job *job)
{
	/* create_on_open: the clone makes it (the plan counted it as pvcbench's) */
	return blk_file_open_create(f, job, f->on_open);
}

int blk_file_open_probe(const struct blk_file *f, const struct blk_job *job)
{
	int direct = job->o.direct ? O_DIRECT : 0;
	char copy[4096], name[4200];
	int fd;

	if (!access(f->path, F_OK))
		return blk_file_open(f, job);
	/* not laid out yet: an unnamed file in the same directory answers the same questions */
	snprintf(copy, sizeof(copy), "%s", f->path);
	const char *dir = dirname(copy);
	fd = open(dir, O_TMPFILE | O_RDWR | direct, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != ENOENT))
		return fd < 0 ? -errno : fd;
	snprintf(name, sizeof(name), "%s/.pvcbench-probe.%d", dir, (int)getpid());
	fd = open(name, O_CREAT | O_EXCL | O_RDWR | direct, 0600);
	if (fd < 0)
		return -errno;
	unlink(name);
	return fd;
}
