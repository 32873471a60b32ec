/*
 * layout.c - the block workload's files: where they are, whether pvcbench may write them, and
 * laying them out with random (incompressible) data before the run.
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
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "pvcbench/signals.h"

#define OWNER_XATTR "user.pvcbench"
#define LAYOUT_CHUNK (1u << 20)

int blk_clone_path(const struct blk_job *job, unsigned clone, char *path, size_t size)
{
	const struct blk_options *o = &job->o;
	char name[OPT_STRING_MAX + 32];
	int n;

	if (o->filename[0])
		snprintf(name, sizeof(name), "%s", o->filename);
	else
		snprintf(name, sizeof(name), "%s.%u.0", o->name, clone);
	if (name[0] == '/' || !o->directory[0])
		n = snprintf(path, size, "%s", name);
	else
		n = snprintf(path, size, "%s/%s", o->directory, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

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

int blk_files_layout(struct blk_file *files, unsigned nfiles, FILE *note, char *err,
		     size_t err_size)
{
	char size_text[32];

	for (unsigned i = 0; i < nfiles; i++) {
		struct blk_file *f = &files[i];
		struct stat st;
		bool exists = !stat(f->path, &st);
		uint64_t have = exists ? (uint64_t)st.st_size : 0;
		int fd, ret;

		if (f->is_device)
			continue;
		if (exists && owned_by_us(f->path))
			f->created = true; /* left by an earlier --keep run: ours to remove */
		if (exists && have >= f->need)
			continue;
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
		if (note)
			fprintf(note, "pvcbench: laying out %s (%s)\n", f->path,
				fmt_size(size_text, sizeof(size_text), f->need));
		ret = set_size(fd, f, err, err_size);
		if (!ret)
			ret = fill(fd, have, f->need, err, err_size, f->path);
		if (!ret && fdatasync(fd)) {
			int e = errno;

			snprintf(err, err_size, "%s: fdatasync: %s", f->path, strerror(e));
			ret = -e;
		}
		/* the run must read the device, not what the layout left in the page cache */
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
		if (ret)
			return ret;
	}
	return 0;
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
		if (files[i].created && !files[i].keep) {
			unlink(files[i].path);
			files[i].created = false;
		}
	}
}

int blk_file_open(const struct blk_file *f, const struct blk_job *job)
{
	int flags = (job->writes ? O_RDWR : O_RDONLY) | (job->o.direct ? O_DIRECT : 0);
	int fd = open(f->path, flags);

	return fd < 0 ? -errno : fd;
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
