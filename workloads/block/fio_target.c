/*
 * fio_target.c - what a block job's result says of where it ran: the filesystem and device
 * under its target (pvcbench/environment.h), from its filename or directory as fio resolves
 * them (the first of a ':' list; a data file already removed is looked for by its directory).
 */
#include "fio_unit.h"
#include "pvcbench/environment.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>

void blk_unit_target_json(struct jsonw *j, const struct blk_unit *u)
{
	const struct blk_options *o = &u->job->o;
	char dir[PATH_MAX] = ".", path[2 * PATH_MAX + 2];
	struct stat st;

	if (o->directory[0])
		snprintf(dir, sizeof(dir), "%.*s", (int)strcspn(o->directory, ":"), o->directory);
	if (o->filename[0]) {
		char first[PATH_MAX];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(o->filename, ":"), o->filename);
		if (first[0] == '/' || !o->directory[0])
			snprintf(path, sizeof(path), "%s", first);
		else
			snprintf(path, sizeof(path), "%s/%s", dir, first);
		if (stat(path, &st)) {
			char *slash = strrchr(path, '/');
			if (slash && slash != path)
				*slash = '\0';
			else
				snprintf(path, sizeof(path), "%s", slash ? "/" : ".");
		}
	} else {
		snprintf(path, sizeof(path), "%s", dir);
	}
	report_target_json(j, path);
}
