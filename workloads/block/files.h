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

/* The file options that have no field in struct blk_options' first part. */
struct blk_file_opts {
	char reserved; /* the options of the files group go here */
};

/* One file a group uses: created and laid out by pvcbench, or the user's. */
struct blk_file {
	char path[4096];
	uint64_t need; /* bytes the jobs address */
	bool writes;   /* some job writes it */
	bool direct;   /* some job opens it O_DIRECT */
	bool created;  /* pvcbench made it: removed at the end unless kept */
	bool keep;     /* --keep: leave the file when done */
	bool force;    /* --force: may write a device or a file pvcbench did not create */
	bool is_device;
};

/* The rows of the file options (size, filename, directory, direct, keep, force, ...). */
extern const struct option_def blk_file_option_defs[];
/* Checks the file options together. */
int blk_files_validate(struct blk_job *job, char *err, size_t err_size);

/* The path of a clone's file: filename (in directory) or JOBNAME.CLONE.0 as fio names it. */
int blk_clone_path(const struct blk_job *job, unsigned clone, char *path, size_t size);
/*
 * Checks directories, ownership and free space of every file, before any I/O. Returns 0, or
 * -EINVAL/-ENOSPC/-EPERM... with a one-line message in err.
 */
int blk_files_check(struct blk_file *files, unsigned nfiles, char *err, size_t err_size);
/* Creates and lays out (writes random data to) every file that needs it. */
int blk_files_layout(struct blk_file *files, unsigned nfiles, FILE *note, char *err,
		     size_t err_size);
/* Drops the files' pages from the page cache, so a buffered run reads the device (fio's
 * invalidate=1), not what an earlier job left in memory. */
void blk_files_invalidate(const struct blk_file *files, unsigned nfiles);
/* Removes the files pvcbench created, unless kept. */
void blk_files_cleanup(struct blk_file *files, unsigned nfiles);
/* Opens a file for a worker with the job's flags. Returns an fd or a negative errno. */
int blk_file_open(const struct blk_file *f, const struct blk_job *job);
/* The same before the file exists: an unnamed file in its directory, to try O_DIRECT and engines. */
int blk_file_open_probe(const struct blk_file *f, const struct blk_job *job);
/*
 * Opens every file of a clone into fds (clone->nfiles entries, in order). Returns 0, or a
 * negative errno with a message naming the file in why (then nothing stays open).
 */
int blk_clone_open(const struct blk_clone *clone, int *fds, char *why, size_t why_size);
/* Closes what blk_clone_open opened (entries below 0 are skipped). */
void blk_clone_close(const struct blk_clone *clone, int *fds);

#endif
