/*
 * files.c - the file options (size, filename, directory, nrfiles, filesize, direct, sync,
 * fallocate, ...), their checks, and opening a clone's files in its worker (flags, write hint,
 * pre_read or invalidate, fadvise_hint). The files' names: filenames.c; layout: layout.c.
 *
 * A job's size is per clone, as in fio: size bytes spread over its nrfiles files, or each
 * file's filesize; without size, what an existing file or device holds.
 */
#define _GNU_SOURCE
#include "block.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define F(field) offsetof(struct blk_options, field)
#define FO(field) offsetof(struct blk_options, file.field)

static const char *const lockfile_choices[] = { "none", "exclusive", "readwrite", NULL };
static const char *const sync_choices[] = { "none", "0", "sync", "1", "dsync", NULL };
static const char *const fallocate_choices[] = { "native",   "none", "posix", "keep",
						 "truncate", "0",    "1",     NULL };
static const char *const fadvise_choices[] = { "1", "0", "random", "sequential", NULL };
static const char *const write_hint_choices[] = {
	"none", "short", "medium", "long", "extreme", NULL
};

const struct option_def blk_file_option_defs[] = {
	{ .name = "size",
	  .type = OPT_STRING,
	  .offset = FO(size_text),
	  .help = "bytes each clone addresses over its files, or N% of existing files; default: "
		  "the size of the existing file or device" },
	{ .name = "filesize",
	  .type = OPT_STRING,
	  .offset = FO(filesize),
	  .help = "size of each file, or a range LOW-HIGH (random per file)" },
	{ .name = "nrfiles",
	  .alias = "nr_files",
	  .type = OPT_INT,
	  .offset = FO(nrfiles),
	  .def = "1",
	  .min = 1,
	  .max = 65536,
	  .help = "files per clone; size is split between them" },
	{ .name = "openfiles",
	  .type = OPT_INT,
	  .offset = FO(openfiles),
	  .def = "0",
	  .min = 0,
	  .help = "files open at once (0: all; pvcbench keeps every file of a clone open)" },
	{ .name = "filename",
	  .type = OPT_STRING,
	  .offset = F(filename),
	  .def = NULL,
	  .help = "file(s) to use (in directory), ':'-separated ('\\:' for a colon); default "
		  "JOBNAME.CLONE.FILE" },
	{ .name = "filename_format",
	  .type = OPT_STRING,
	  .offset = FO(filename_format),
	  .def = "$jobname.$jobnum.$filenum",
	  .help = "names of generated files: $jobname, $jobnum (clone), $filenum, $clientuid" },
	{ .name = "unique_filename",
	  .type = OPT_BOOL,
	  .offset = FO(unique_filename),
	  .def = "1",
	  .help = "no effect: fio prefixes names with the client's address in client/server "
		  "runs only" },
	{ .name = "opendir",
	  .type = OPT_STRING,
	  .offset = FO(opendir),
	  .help = "use every regular file under this directory, recursively" },
	{ .name = "directory",
	  .type = OPT_STRING,
	  .offset = F(directory),
	  .def = NULL,
	  .help = "directory for the job's files; several ':'-separated: clones take them in "
		  "turn; default the working directory" },
	{ .name = "file_append",
	  .type = OPT_BOOL,
	  .offset = FO(file_append),
	  .def = "0",
	  .help = "do the I/O after the end of each file (offset = its size)" },
	{ .name = "fill_device",
	  .alias = "fill_fs",
	  .type = OPT_BOOL,
	  .offset = FO(fill_device),
	  .def = "0",
	  .help = "write until the device or filesystem is full" },
	{ .name = "lockfile",
	  .type = OPT_CHOICE,
	  .offset = FO(lockfile),
	  .def = "none",
	  .choices = lockfile_choices,
	  .help = "file locking around each I/O: only none" },
	{ .name = "direct",
	  .type = OPT_BOOL,
	  .offset = F(direct),
	  .def = "0",
	  .help = "O_DIRECT: bypass the page cache" },
	{ .name = "buffered",
	  .type = OPT_BOOL,
	  .offset = FO(buffered),
	  .def = "1",
	  .help = "through the page cache: the inverse of direct" },
	{ .name = "atomic",
	  .type = OPT_BOOL,
	  .offset = FO(atomic),
	  .def = "0",
	  .help = "O_ATOMIC writes: not supported (only 0)" },
	{ .name = "sync",
	  .type = OPT_CHOICE,
	  .offset = FO(sync),
	  .def = "none",
	  .choices = sync_choices,
	  .help = "open with O_SYNC (1, sync) or O_DSYNC (dsync)" },
	{ .name = "overwrite",
	  .type = OPT_BOOL,
	  .offset = FO(overwrite),
	  .def = "0",
	  .help = "a write job's files are filled before the run (else only allocated)" },
	{ .name = "invalidate",
	  .type = OPT_BOOL,
	  .offset = FO(invalidate),
	  .def = "1",
	  .help = "drop the region's pages from the page cache when each clone starts" },
	{ .name = "create_serialize",
	  .type = OPT_BOOL,
	  .offset = FO(create_serialize),
	  .def = "1",
	  .help = "no effect: files are always laid out one after another before the run" },
	{ .name = "create_fsync",
	  .type = OPT_BOOL,
	  .offset = FO(create_fsync),
	  .def = "1",
	  .help = "fsync a file after laying it out" },
	{ .name = "create_on_open",
	  .type = OPT_BOOL,
	  .offset = FO(create_on_open),
	  .def = "0",
	  .help = "create files when a clone opens them, not before the run" },
	{ .name = "create_only",
	  .type = OPT_BOOL,
	  .offset = FO(create_only),
	  .def = "0",
	  .help = "only lay out the files (kept at the end): the job does no I/O" },
	{ .name = "allow_file_create",
	  .type = OPT_BOOL,
	  .offset = FO(allow_file_create),
	  .def = "1",
	  .help = "may create files that do not exist" },
	{ .name = "allow_mounted_write",
	  .type = OPT_BOOL,
	  .offset = FO(allow_mounted_write),
	  .def = "0",
	  .help = "may write a mounted block device (with --force=1)" },
	{ .name = "pre_read",
	  .type = OPT_BOOL,
	  .offset = FO(pre_read),
	  .def = "0",
	  .help = "read each clone's region into the page cache before the run (no invalidate)" },
	{ .name = "unlink",
	  .type = OPT_BOOL,
	  .offset = FO(unlink),
	  .def = "0",
	  .help = "remove the files pvcbench created when done, even with --keep" },
	{ .name = "unlink_each_loop",
	  .type = OPT_BOOL,
	  .offset = FO(unlink_each_loop),
	  .def = "0",
	  .help = "remove the files after each loop (with loops=1: as unlink)" },
	{ .name = "fallocate",
	  .type = OPT_CHOICE,
	  .offset = FO(fallocate),
	  .def = "native",
	  .choices = fallocate_choices,
	  .help = "how files get their space before the run" },
	{ .name = "fadvise_hint",
	  .type = OPT_CHOICE,
	  .offset = FO(fadvise_hint),
	  .def = "1",
	  .choices = fadvise_choices,
	  .help = "posix_fadvise: 1 as the pattern (random or sequential), 0 none" },
	{ .name = "write_hint",
	  .type = OPT_CHOICE,
	  .offset = FO(write_hint),
	  .def = "none",
	  .choices = write_hint_choices,
	  .help = "the files' expected write lifetime (fcntl F_SET_RW_HINT)" },
	{ .name = "keep",
	  .type = OPT_BOOL,
	  .offset = F(keep),
	  .def = "0",
	  .help = "keep the data files pvcbench created instead of removing them" },
	{ .name = "force",
	  .type = OPT_BOOL,
	  .offset = F(force),
	  .def = "0",
	  .help = "allow writing to a block device or a file pvcbench did not create" },
	{ 0 }
};

static bool given(const struct blk_job *job, const char *name)
{
	return opt_given(&job->set, name);
}

/* size and filesize: "N", "N%" (size), "LOW-HIGH" (filesize) */
static int parse_sizes(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_file_opts *fo = &job->o.file;
	const char *s = fo->size_text;
	char *end;

	job->o.size = 0;
	fo->size_percent = 0;
	if (s[0] && s[strlen(s) - 1] == '%') {
		long pct = strtol(s, &end, 10);
		if (end == s || *end != '%' || pct < 1 || pct > 100) {
			snprintf(err, err_size, "job %s: --size=%s: a percentage is 1%% to 100%%",
				 job->o.name, s);
			return -EINVAL;
		}
		fo->size_percent = (unsigned)pct;
	} else if (s[0] && (opt_parse_size(s, &job->o.size) || !job->o.size)) {
		snprintf(err, err_size,
			 "job %s: --size=%s: must be a size of at least 1 byte (4k, 1G) or N%%",
			 job->o.name, s);
		return -EINVAL;
	}
	fo->filesize_low = fo->filesize_high = 0;
	if (fo->filesize[0]) {
		char low[OPT_STRING_MAX];
		const char *dash = strchr(fo->filesize + 1, '-');
		size_t n = dash ? (size_t)(dash - fo->filesize) : strlen(fo->filesize);
		snprintf(low, sizeof(low), "%.*s", (int)n, fo->filesize);
		if (opt_parse_size(low, &fo->filesize_low) ||
		    opt_parse_size(dash ? dash + 1 : low, &fo->filesize_high) ||
		    !fo->filesize_low || fo->filesize_high < fo->filesize_low) {
			snprintf(
				err, err_size,
				"job %s: --filesize=%s: must be a size (1m) or a range LOW-HIGH (1m-4m)",
				job->o.name, fo->filesize);
			return -EINVAL;
		}
	}
	return 0;
}

/* Size of an existing file or block device; false when it does not exist. */
static bool existing_size(const char *path, uint64_t *bytes)
{
	struct stat st;

	*bytes = 0;
	if (stat(path, &st))
		return false;
	if (S_ISBLK(st.st_mode)) {
		int fd = open(path, O_RDONLY);
		if (fd < 0)
			return false;
		bool ok = !ioctl(fd, BLKGETSIZE64, bytes);
		close(fd);
		return ok;
	}
	*bytes = (uint64_t)st.st_size;
	return S_ISREG(st.st_mode);
}

/*
 * size absent or N%: the bytes of the existing files of clone 0 (fio's real_file_size less the
 * offset, times the percentage); fio's error when none exists.
 */
static int size_from_files(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;
	char **paths;
	unsigned n;
	uint64_t total = 0;
	int ret = blk_clone_paths(job, 0, &paths, &n, err, err_size);

	if (ret)
		return ret;
	for (unsigned i = 0; i < n; i++) {
		uint64_t have;
		if (!existing_size(paths[i], &have) || have <= o->offset)
			continue;
		uint64_t len = have - o->offset;
		if (o->file.size_percent)
			len = (have * o->file.size_percent / 100 < len)
				      ? have * o->file.size_percent / 100
				      : len;
		total += len;
	}
	if (!total) {
		snprintf(err, err_size,
			 "job %s: you need to specify size= (%s%s does not exist or is empty)",
			 o->name, paths[0], n > 1 ? " and the other files" : "");
		ret = -EINVAL;
	}
	free(paths);
	o->size = total;
	return ret;
}

static int refuse(const struct blk_job *job, char *err, size_t err_size, const char *line)
{
	snprintf(err, err_size, "job %s: %s", job->o.name, line);
	return -EINVAL;
}

/* The options fio has and pvcbench does not do: one line each. */
static int check_refused(const struct blk_job *job, char *err, size_t err_size)
{
	const struct blk_file_opts *fo = &job->o.file;

	if (fo->atomic)
		return refuse(job, err, err_size, "atomic writes (O_ATOMIC) are not supported");
	if (strcmp(fo->lockfile, "none"))
		return refuse(job, err, err_size,
			      "--lockfile: file locking is not supported (only none)");
	if (fo->fill_device)
		return refuse(job, err, err_size,
			      "--fill_device (fill_fs) is not supported: give --size");
	/*
	 * openfiles below nrfiles: fio closes and reopens files to hold fewer descriptors;
	 * pvcbench keeps every file of a clone open, which issues the same I/O.
	 */
	return 0;
}

int blk_files_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;
	struct blk_file_opts *fo = &o->file;
	int ret = check_refused(job, err, err_size);

	if (ret)
		return ret;
	ret = parse_sizes(job, err, err_size);
	if (ret)
		return ret;
	/* buffered is direct's inverse: the one given decides */
	if (given(job, "buffered") && given(job, "direct") && fo->buffered == o->direct) {
		snprintf(
			err, err_size,
			"job %s: --direct=%d and --buffered=%d contradict each other (buffered is the inverse of direct)",
			o->name, o->direct, fo->buffered);
		return -EINVAL;
	}
	if (given(job, "buffered"))
		o->direct = !fo->buffered;
	fo->buffered = !o->direct;
	fo->open_sync = !strcmp(fo->sync, "1") || !strcmp(fo->sync, "sync") ? O_SYNC
			: !strcmp(fo->sync, "dsync")			    ? O_DSYNC
									    : 0;
	static const enum blk_fallocate modes[] = {
		BLK_FALLOCATE_NATIVE,	BLK_FALLOCATE_NONE, BLK_FALLOCATE_POSIX, BLK_FALLOCATE_KEEP,
		BLK_FALLOCATE_TRUNCATE, BLK_FALLOCATE_NONE, BLK_FALLOCATE_POSIX,
	};
	for (unsigned i = 0; fallocate_choices[i]; i++)
		if (!strcmp(fo->fallocate, fallocate_choices[i]))
			fo->fallocate_mode = modes[i];
	if (fo->pre_read)
		fo->invalidate = false; /* as fio: pointless to read the files in and drop them */
	if (o->direct && (o->bs % 512)) {
		snprintf(err, err_size,
			 "job %s: --bs=%llu: must be a multiple of 512 with --direct=1", o->name,
			 (unsigned long long)o->bs);
		return -EINVAL;
	}
	if (o->direct && ((o->offset % 512) || (o->offset_increment % 512))) {
		snprintf(
			err, err_size,
			"job %s: --offset and --offset_increment must be multiples of 512 with --direct=1",
			o->name);
		return -EINVAL;
	}
	if (fo->opendir[0]) {
		struct stat st;
		if (stat(fo->opendir, &st) || !S_ISDIR(st.st_mode)) {
			snprintf(err, err_size, "job %s: --opendir=%s: not a directory", o->name,
				 fo->opendir);
			return -EINVAL;
		}
	}
	if (!o->size && fo->filesize_high) /* each clone then does its files' sizes at most */
		o->size = fo->filesize_high * (uint64_t)fo->nrfiles;
	if (!o->size)
		return size_from_files(job, err, err_size);
	return 0;
}

/* --- opening --- */

static const struct {
	const char *name;
	uint64_t hint;
} write_hints[] = {
	{ "short", RWH_WRITE_LIFE_SHORT },
	{ "medium", RWH_WRITE_LIFE_MEDIUM },
	{ "long", RWH_WRITE_LIFE_LONG },
	{ "extreme", RWH_WRITE_LIFE_EXTREME },
};

/*
 * fio's per-file work at open: write hint, then pre_read or invalidate, then fadvise_hint.
 * fio reads the files in (pre_read) once before the first loop, not at each loop's reopening.
 */
static int prepare_fd(int fd, const struct blk_clone_file *cf, const struct blk_job *job,
		      bool reopen, char *why, size_t why_size)
{
	const struct blk_file_opts *fo = &job->o.file;

	for (unsigned i = 0; i < sizeof(write_hints) / sizeof(write_hints[0]); i++) {
		uint64_t hint = write_hints[i].hint;
		if (strcmp(fo->write_hint, write_hints[i].name))
			continue;
		if (fcntl(fd, F_SET_RW_HINT, &hint)) {
			int e = errno;
			snprintf(why, why_size, "%s: write_hint=%s: fcntl F_SET_RW_HINT: %s",
				 cf->file->path, fo->write_hint, strerror(e));
			return -e;
		}
	}
	if (fo->pre_read && !reopen) {
		char *buf = malloc(1 << 20);
		for (uint64_t at = cf->start; buf && at < cf->start + cf->len;) {
			uint64_t left = cf->start + cf->len - at;
			ssize_t n = pread(fd, buf, left < (1 << 20) ? left : (1 << 20), (off_t)at);
			if (n <= 0)
				break;
			at += (uint64_t)n;
		}
		free(buf);
	} else if (fo->invalidate && !job->o.direct) {
		/* as fio at each job's start: what an earlier job left in memory is not read */
		if (cf->file->is_device)
			ioctl(fd, BLKFLSBUF, 0); /* root only: fio goes on without it too */
		else
			posix_fadvise(fd, (off_t)cf->start, (off_t)cf->len, POSIX_FADV_DONTNEED);
	}
	if (!strcmp(fo->fadvise_hint, "random") || (!strcmp(fo->fadvise_hint, "1") && job->random))
		posix_fadvise(fd, (off_t)cf->start, (off_t)cf->len, POSIX_FADV_RANDOM);
	else if (strcmp(fo->fadvise_hint, "0"))
		posix_fadvise(fd, (off_t)cf->start, (off_t)cf->len, POSIX_FADV_SEQUENTIAL);
	return 0;
}

/* reopen: between two loops, where the files removed by unlink_each_loop are made again. */
static int open_files(const struct blk_clone *clone, int *fds, bool reopen, char *why,
		      size_t why_size)
{
	for (unsigned i = 0; i < clone->nfiles; i++)
		fds[i] = -1;
	for (unsigned i = 0; i < clone->nfiles; i++) {
		const struct blk_file *f = clone->files[i].file;
		int ret;

		bool create = reopen && clone->job->o.file.unlink_each_loop && f->created;

		fds[i] = create ? blk_file_open_create(f, clone->job, true)
				: blk_file_open(f, clone->job);
		if (fds[i] < 0) {
			ret = fds[i];
			snprintf(why, why_size, "%s: %s", f->path, strerror(-ret));
		} else {
			ret = prepare_fd(fds[i], &clone->files[i], clone->job, reopen, why,
					 why_size);
		}
		if (ret) {
			blk_clone_close(clone, fds);
			return ret;
		}
	}
	return 0;
}

int blk_clone_open(const struct blk_clone *clone, int *fds, char *why, size_t why_size)
{
	return open_files(clone, fds, false, why, why_size);
}

bool blk_files_act_each_loop(const struct blk_job *job)
{
	const struct blk_file_opts *fo = &job->o.file;

	/* what fio's close and reopen at a loop's end do that can be seen (opens aside) */
	return fo->unlink_each_loop || (fo->invalidate && !job->o.direct);
}

/*
 * fio's clear_io_state and unlink_all_files between two loops: the files are closed, with
 * unlink_each_loop removed, and opened again as at the start. A removed file is made again,
 * empty (fio does not lay it out again), when the job writes; a read-only job then fails to
 * open it, as fio's does. Only files pvcbench created are removed: a user's file or a device
 * stays (fio would unlink those too).
 */
int blk_clone_loop_end(const struct blk_clone *clone, int *fds, char *why, size_t why_size)
{
	const struct blk_job *job = clone->job;

	blk_clone_close(clone, fds);
	if (job->o.file.unlink_each_loop) {
		for (unsigned i = 0; i < clone->nfiles; i++) {
			const struct blk_file *f = clone->files[i].file;

			if (!f->created || f->is_device)
				continue;
			/* another clone of a shared file may have removed or made it already */
			if (unlink(f->path) && errno != ENOENT) {
				int e = errno;
				snprintf(why, why_size, "%s: unlink_each_loop: %s", f->path,
					 strerror(e));
				return -e;
			}
		}
	}
	return open_files(clone, fds, true, why, why_size);
}

void blk_clone_close(const struct blk_clone *clone, int *fds)
{
	for (unsigned i = 0; i < clone->nfiles; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}
