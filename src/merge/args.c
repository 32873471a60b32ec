/*
 * args.c - what the command lines of merge, compare and report share: a list of their operands
 * (the results, in the order given) and of the repeated --label NAME=FILE, which gives a result
 * the name of its storage class.
 */
#define _GNU_SOURCE
#include "merge_int.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int merge_list_add(struct merge_list *l, const char *text, char *err, size_t err_size)
{
	if (l->n == l->cap) {
		int cap = l->cap ? 2 * l->cap : 16;
		const char **v = realloc(l->v, (size_t)cap * sizeof(*v));
		if (!v) {
			snprintf(err, err_size, "out of memory");
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = text;
	return 0;
}

void merge_list_free(struct merge_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

int merge_label_add(struct merge_list *labels, const char *spec, char *err, size_t err_size)
{
	const char *eq = spec ? strchr(spec, '=') : NULL;

	if (!eq || eq == spec || !eq[1]) {
		snprintf(err, err_size,
			 "--label=%s: must be NAME=FILE (a storage class, and one of the results)",
			 spec ? spec : "");
		return -EINVAL;
	}
	return merge_list_add(labels, spec, err, err_size);
}

/* Whether two paths name one file: the same text, or the same file on disk. */
static bool same_file(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (!strcmp(a, b))
		return true;
	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

int merge_labels_check(const struct merge_list *labels, const struct merge_list *files, char *err,
		       size_t err_size)
{
	for (int l = 0; l < labels->n; l++) {
		const char *file = strchr(labels->v[l], '=') + 1;
		bool found = false;
		for (int i = 0; i < files->n && !found; i++)
			found = same_file(file, files->v[i]);
		if (!found) {
			snprintf(err, err_size, "--label=%s: %s is not one of the results given",
				 labels->v[l], file);
			return -EINVAL;
		}
	}
	return 0;
}

bool merge_label_of(const struct merge_list *labels, const char *file, char *name, size_t size)
{
	for (int l = labels->n - 1; l >= 0; l--) {
		const char *eq = strchr(labels->v[l], '=');
		if (same_file(eq + 1, file)) {
			snprintf(name, size, "%.*s", (int)(eq - labels->v[l]), labels->v[l]);
			return true;
		}
	}
	return false;
}
