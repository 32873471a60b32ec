/*
 * files.h - the block workload's files: their names, sizes, creation and layout, how a worker
 * opens them, and removing what pvcbench created.
 */
#ifndef PVCBENCH_BLOCK_FILES_H
#define PVCBENCH_BLOCK_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pvcbench/options.h"

struct blk_job;
struct blk_clone;

/* fio's fallocate modes: how a file is given its size before the run */
enum blk_fallocate {
	BLK_FALLOCATE_NATIVE, /* fallocate(2); where the filesystem lacks it, nothing */
	BLK_FALLOCATE_NONE,
	BLK_FALLOCATE_POSIX, /* posix_fallocate(3) */
	BLK_FALLOCATE_KEEP,  /* fallocate(FALLOC_FL_KEEP_SIZE) */
	BLK_FALLOCATE_TRUNCATE,
};

/* The file options that have no field in struct blk_options' first part. */
struct blk_file_opts {
	char size_text[OPT_STRING_MAX]; /* size: bytes or N% (validate sets o.size) */
	unsigned size_percent;		/* size=N%: of each existing file */
	char filesize[OPT_STRING_MAX];	/* bytes, or a range LOW-HIGH */
	uint64_t filesize_low, filesize_high;
	bool fill_device;
	bool file_append;
	int64_t nrfiles;
	int64_t openfiles;
	char filename_format[OPT_STRING_MAX];
	bool unique_filename;
	char opendir[OPT_STRING_MAX];
	char lockfile[OPT_STRING_MAX];
	bool buffered;
	bool atomic;
	char sync[OPT_STRING_MAX];
	int open_sync; /* O_SYNC, O_DSYNC or 0, from sync */
	bool overwrite;
	bool invalidate;
	bool create_serialize;
	bool create_fsync;
	bool create_on_open;
	bool create_only;
	bool allow_file_create;
	bool allow_mounted_write;
	bool pre_read;
	bool unlink;
	bool unlink_each_loop;
	char fallocate[OPT_STRING_MAX];
	enum blk_fallocate fallocate_mode;
	char fadvise_hint[OPT_STRING_MAX];
	char write_hint[OPT_STRING_MAX];
};

/*
 * One file a group uses: created and laid out by pvcbench, or the user's. The zero value of
 * every flag is what a plain read/write job wants (lay out data, fsync it, fallocate natively).
 */
struct blk_file {
	char path[4096];
	uint64_t need; /* bytes the jobs address (the size the file is given) */
	bool writes;   /* some job writes it */
	bool direct;   /* some job opens it O_DIRECT */
	bool created;  /* pvcbench made it: removed at the end unless kept */
	bool keep;     /* --keep: leave the file when done */
	bool force;    /* --force: may write a device or a file pvcbench did not create */
	bool is_device;
	bool no_data;	 /* only written by its jobs (fio's overwrite=0): allocated, not filled */
	bool append;	 /* file_append: the jobs write after its end, nothing to lay out */
	bool on_open;	 /* create_on_open: made when a clone opens it, not before */
	bool no_create;	 /* allow_file_create=0 */
	bool no_fsync;	 /* create_fsync=0 */
	bool mounted_ok; /* allow_mounted_write=1: a mounted device may be written */
	bool unlink;	 /* unlink=1: removed when done even if kept */
	enum blk_fallocate fallocate;
	const char *owner; /* the job that first uses it, for "JOB: Laying out IO file" */
	unsigned owner_clone;
};

/* The rows of the file options (size, filename, directory, direct, keep, force, ...). */
extern const struct option_def blk_file_option_defs[];
/* Checks the file options together. */
int blk_files_validate(struct blk_job *job, char *err, size_t err_size);

/*
 * The paths of a clone's files as fio names them: filename's ':'-separated names ('\:' is a
 * colon), every file under opendir, or nrfiles names from filename_format
 * ($jobname.$jobnum.$filenum), in directory (several ':'-separated: clones take them in turn).
 * *paths is an array of *n strings in one allocation (free(*paths)). 0 or a negative errno with
 * a message in err.
 */
int blk_clone_paths(const struct blk_job *job, unsigned clone, char ***paths, unsigned *n,
		    char *err, size_t err_size);
/* The first of them (the only one of a plain job), for messages and the engine probe. */
int blk_clone_path(const struct blk_job *job, unsigned clone, char *path, size_t size);
/* Whether any clone of the jobs uses path. */
bool blk_jobs_use_path(struct blk_job *const *jobs, unsigned njobs, const char *path);
/*
 * Checks directories, ownership and free space of every file, before any I/O. Returns 0, or
 * -EINVAL/-ENOSPC/-EPERM... with a one-line message in err.
 */
int blk_files_check(struct blk_file *files, unsigned nfiles, char *err, size_t err_size);
/* Creates and lays out (writes random data to) every file that needs it; notes on note. */
int blk_files_layout(struct blk_file *files, unsigned nfiles, FILE *note, char *err,
		     size_t err_size);
/*
 * The same, as fio does it: a file only written by its jobs (no_data) is allocated, not filled;
 * each owner's files get fio's line "JOB: Laying out IO file (1 file / 16MiB)", printed on out
 * (when not NULL) and appended to *lines (malloc'd, may be NULL before). Returns the number
 * of files laid out, or a negative errno with a message in err.
 */
int blk_files_lay_out(struct blk_file *files, unsigned nfiles, FILE *out, char **lines, char *err,
		      size_t err_size);
/* Drops the files' pages from the page cache, so a buffered run reads the device (fio's
 * invalidate=1), not what an earlier job left in memory. */
void blk_files_invalidate(const struct blk_file *files, unsigned nfiles);
struct blk_group_result;
/*
 * Files several groups share (fio_cmd.c): a group is done; of the files it created, those a
 * later job uses stay (handed over with blk_group_carry_files), the others are removed.
 */
void blk_group_release_files(struct blk_group_result *gr, struct blk_job *const *later,
			     unsigned nlater);
/* Before into is planned: takes over the files from left for later groups (still pvcbench's). */
int blk_group_carry_files(struct blk_group_result *into, struct blk_group_result *from);

/* Removes the files pvcbench created, unless kept. */
void blk_files_cleanup(struct blk_file *files, unsigned nfiles);
/* Opens a file for a worker with the job's flags. Returns an fd or a negative errno. */
int blk_file_open(const struct blk_file *f, const struct blk_job *job);
/* The same, making the file when create is set and the job writes. */
int blk_file_open_create(const struct blk_file *f, const struct blk_job *job, bool create);
/* The same before the file exists: an unnamed file in its directory, to try O_DIRECT and engines. */
int blk_file_open_probe(const struct blk_file *f, const struct blk_job *job);
/*
 * Opens every file of a clone into fds (clone->nfiles entries, in order). Returns 0, or a
 * negative errno with a message naming the file in why (then nothing stays open).
 */
int blk_clone_open(const struct blk_clone *clone, int *fds, char *why, size_t why_size);
/*
 * Whether the files' options ask for something at each loop's end (unlink_each_loop, or
 * invalidate on a buffered job: fio drops the cache again when it reopens the files).
 */
bool blk_files_act_each_loop(const struct blk_job *job);
/*
 * Between two loops, with nothing in flight: closes the clone's files, removes them with
 * unlink_each_loop (a writing job makes them again, empty) and opens them again into fds, as
 * blk_clone_open (without pre_read). 0, or a negative errno with a message in why (then
 * nothing stays open).
 */
int blk_clone_loop_end(const struct blk_clone *clone, int *fds, char *why, size_t why_size);
/* Closes what blk_clone_open opened (entries below 0 are skipped). */
void blk_clone_close(const struct blk_clone *clone, int *fds);

#endif
