/*
 * files.c - the file options (size, filename, directory, direct, keep, force, ...) and opening
 * a clone's files in its worker.
 */
#define _GNU_SOURCE
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#define F(field) offsetof(struct blk_options, field)

const struct option_def blk_file_option_defs[] = {
	{ .name = "size",
	  .type = OPT_SIZE,
	  .offset = F(size),
	  .def = NULL,
	  .min = 1,
	  .help = "bytes of the file each clone addresses (required)" },
	{ .name = "direct",
	  .type = OPT_BOOL,
	  .offset = F(direct),
	  .def = "0",
	  .help = "O_DIRECT: bypass the page cache" },
	{ .name = "filename",
	  .type = OPT_STRING,
	  .offset = F(filename),
	  .def = NULL,
	  .help = "file to use (in directory); default JOBNAME.CLONE.0" },
	{ .name = "directory",
	  .type = OPT_STRING,
	  .offset = F(directory),
	  .def = NULL,
	  .help = "directory for the job's files; default the working directory" },
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

int blk_files_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;

	if (!o->size) {
		snprintf(err, err_size, "job %s: --size is required (e.g. --size=1G)", o->name);
		return -EINVAL;
	}
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
	if (strchr(o->filename, ':')) {
		snprintf(err, err_size,
			 "job %s: --filename=%s: several files per job (a:b) are not supported",
			 o->name, o->filename);
		return -EINVAL;
	}
	return 0;
}

int blk_clone_open(const struct blk_clone *clone, int *fds, char *why, size_t why_size)
{
	for (unsigned i = 0; i < clone->nfiles; i++)
		fds[i] = -1;
	for (unsigned i = 0; i < clone->nfiles; i++) {
		const struct blk_file *f = clone->files[i].file;
		fds[i] = blk_file_open(f, clone->job);
		if (fds[i] < 0) {
			int ret = fds[i];
			snprintf(why, why_size, "%s: %s", f->path, strerror(-ret));
			blk_clone_close(clone, fds);
			return ret;
		}
	}
	return 0;
}

void blk_clone_close(const struct blk_clone *clone, int *fds)
{
	for (unsigned i = 0; i < clone->nfiles; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}
