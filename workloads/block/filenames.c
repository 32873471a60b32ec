/*
 * filenames.c - the names of a clone's files, as fio makes them: filename's ':'-separated list
 * ('\:' is a colon in a name), every regular file under opendir (recursively, sorted), or
 * nrfiles names from filename_format ($jobname.$jobnum.$filenum, $clientuid empty in a local
 * run); in directory, whose ':'-separated entries the clones of generated names take in turn
 * (named files use the first), as fio's docs say.
 */
#define _GNU_SOURCE
#include "block.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The index-th ':'-separated item of list ('\:' is a colon in it) into out; false past the end. */
static bool list_item(const char *list, unsigned index, char *out, size_t size)
{
	unsigned k = 0;
	size_t o = 0;

	for (const char *p = list;; p++) {
		if (*p == '\\' && p[1] == ':') {
			if (k == index && o + 1 < size)
				out[o++] = ':';
			p++;
			continue;
		}
		if (*p == ':' || !*p) {
			if (k == index) {
				out[o] = '\0';
				return true;
			}
			if (!*p)
				return false;
			k++;
			continue;
		}
		if (k == index && o + 1 < size)
			out[o++] = *p;
	}
}

static unsigned list_count(const char *list)
{
	char item[8];
	unsigned n = 0;

	while (list_item(list, n, item, sizeof(item)))
		n++;
	return n;
}

/* fio's filename_format keywords */
static void format_name(const struct blk_job *job, unsigned clone, unsigned filenum, char *out,
			size_t size)
{
	static const char *const keys[] = { "$jobname", "$jobnum", "$filenum", "$clientuid" };
	const char *f = job->o.file.filename_format;
	size_t o = 0;

	while (*f && o + 1 < size) {
		unsigned k;
		for (k = 0; k < 4; k++)
			if (!strncmp(f, keys[k], strlen(keys[k])))
				break;
		if (k == 4) {
			out[o++] = *f++;
			continue;
		}
		int n = 0;
		if (k == 0)
			n = snprintf(out + o, size - o, "%s", job->o.name);
		else if (k == 1)
			n = snprintf(out + o, size - o, "%u", clone);
		else if (k == 2)
			n = snprintf(out + o, size - o, "%u", filenum);
		/* $clientuid: the client's address in client/server runs; empty in a local run */
		o += n > 0 && (size_t)n < size - o ? (size_t)n : 0;
		f += strlen(keys[k]);
	}
	out[o] = '\0';
}

struct name_list {
	char **paths;
	unsigned n, cap;
};

static int name_add(struct name_list *l, const char *dir, const char *name)
{
	char path[4096];
	int len = name[0] == '/' || !dir[0] ? snprintf(path, sizeof(path), "%s", name)
					    : snprintf(path, sizeof(path), "%s/%s", dir, name);

	if (len < 0 || (size_t)len >= sizeof(path))
		return -ENAMETOOLONG;
	if (l->n == l->cap) {
		unsigned cap = l->cap ? l->cap * 2 : 8;
		char **p = realloc(l->paths, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->paths = p;
		l->cap = cap;
	}
	l->paths[l->n] = strdup(path);
	return l->paths[l->n] ? (l->n++, 0) : -ENOMEM;
}

/* Every regular file under dir, recursively, in a stable (sorted) order. */
static int add_dir(struct name_list *l, const char *dir, unsigned depth)
{
	struct dirent **entries;
	int n = scandir(dir, &entries, NULL, alphasort), ret = 0;

	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		const char *name = entries[i]->d_name;
		char path[4096];
		struct stat st;

		if (!ret && strcmp(name, ".") && strcmp(name, "..") &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) < sizeof(path) &&
		    !lstat(path, &st)) {
			if (S_ISREG(st.st_mode))
				ret = name_add(l, "", path);
			else if (S_ISDIR(st.st_mode) && depth < 64)
				ret = add_dir(l, path, depth + 1);
		}
		free(entries[i]);
	}
	free(entries);
	return ret;
}

/* Packs the list into one allocation: the pointers, then the strings. */
static int name_pack(struct name_list *l, char ***paths)
{
	size_t bytes = l->n * sizeof(char *);

	for (unsigned i = 0; i < l->n; i++)
		bytes += strlen(l->paths[i]) + 1;
	char **out = malloc(bytes ? bytes : 1);
	if (!out)
		return -ENOMEM;
	char *text = (char *)(out + l->n);
	for (unsigned i = 0; i < l->n; i++) {
		out[i] = text;
		text = stpcpy(text, l->paths[i]) + 1;
	}
	*paths = out;
	return 0;
}

int blk_clone_paths(const struct blk_job *job, unsigned clone, char ***paths, unsigned *n,
		    char *err, size_t err_size)
{
	const struct blk_options *o = &job->o;
	struct name_list l = { 0 };
	char dir[OPT_STRING_MAX] = "", name[OPT_STRING_MAX];
	int ret = 0;

	*paths = NULL;
	*n = 0;
	/* generated names take the directories in turn; named files use the first */
	if (o->directory[0])
		list_item(o->directory, o->filename[0] ? 0 : clone % list_count(o->directory), dir,
			  sizeof(dir));
	if (o->file.opendir[0])
		ret = add_dir(&l, o->file.opendir, 0);
	for (unsigned i = 0;
	     !ret && o->filename[0] && list_item(o->filename, i, name, sizeof(name)); i++)
		if (name[0])
			ret = name_add(&l, dir, name);
	for (unsigned i = 0;
	     !ret && !o->filename[0] && !o->file.opendir[0] && i < (unsigned)o->file.nrfiles; i++) {
		char fmt[4096];
		format_name(job, clone, i, fmt, sizeof(fmt));
		ret = name_add(&l, dir, fmt);
	}
	if (!ret && !l.n) {
		snprintf(err, err_size, "job %s: no files: %s is empty", o->name,
			 o->file.opendir[0] ? o->file.opendir : "--filename");
		ret = -EINVAL;
	} else if (ret) {
		snprintf(err, err_size, "job %s: its files' names: %s", o->name, strerror(-ret));
	}
	if (!ret)
		ret = name_pack(&l, paths);
	if (!ret)
		*n = l.n;
	for (unsigned i = 0; i < l.n; i++)
		free(l.paths[i]);
	free(l.paths);
	return ret;
}

int blk_clone_path(const struct blk_job *job, unsigned clone, char *path, size_t size)
{
	char err[256], **paths;
	unsigned n;
	int ret = blk_clone_paths(job, clone, &paths, &n, err, sizeof(err));

	if (ret)
		return ret;
	int len = snprintf(path, size, "%s", paths[0]);
	free(paths);
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

bool blk_jobs_use_path(struct blk_job *const *jobs, unsigned njobs, const char *path)
{
	bool used = false;

	for (unsigned j = 0; j < njobs && !used; j++) {
		for (unsigned c = 0; c < (unsigned)jobs[j]->o.numjobs && !used; c++) {
			char err[256], **paths;
			unsigned n;
			if (blk_clone_paths(jobs[j], c, &paths, &n, err, sizeof(err)))
				continue;
			for (unsigned i = 0; i < n && !used; i++)
				used = !strcmp(paths[i], path);
			free(paths);
		}
	}
	return used;
}
