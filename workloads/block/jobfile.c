/*
 * jobfile.c - fio's job files: [global] and job sections, key=value lines and bare flags,
 * comments from a ; or # to the end of the line, ${VAR} from the environment, fio's integer
 * expressions of $ncpus, $pagesize and $mb_memory, and include lines (relative to the
 * including file). --section leaves out the other job sections; --showcmd's command line is
 * built while reading, as fio prints it.
 */
#define _GNU_SOURCE
#include "block.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void blk_job_copy(struct blk_job *dst, const struct blk_job *src)
{
	*dst = *src;
	dst->set.source = dst->source;
}

/* Expands ${VAR} from the environment, as fio does in job files (an unset one: nothing). */
static int expand_env(const char *in, char *out, size_t size)
{
	size_t o = 0;

	while (*in) {
		const char *end = in[0] == '$' && in[1] == '{' ? strchr(in, '}') : NULL;
		if (end) {
			char name[256];
			size_t len = (size_t)(end - in - 2);
			if (len >= sizeof(name))
				return -ENAMETOOLONG;
			memcpy(name, in + 2, len);
			name[len] = '\0';
			for (const char *v = getenv(name); v && *v; v++) {
				if (o + 1 >= size)
					return -E2BIG;
				out[o++] = *v;
			}
			in = end + 1;
			continue;
		}
		if (o + 1 >= size)
			return -E2BIG;
		out[o++] = *in++;
	}
	out[o] = '\0';
	return 0;
}

/*
 * fio's values with $ ("numjobs=$ncpus*2"): $ncpus, $pagesize and $mb_memory in an
 * integer expression of + - * / % and parentheses, which fio hands to bc (scale 0: integer
 * division). A small recursive descent over the text: p is the parse position.
 */
struct expr {
	const char *p;
	bool bad;
};

static long long expr_sum(struct expr *e);

static long long expr_atom(struct expr *e)
{
	static const char *const words[] = { "$ncpus", "$pagesize", "$mb_memory" };
	long long values[] = { sysconf(_SC_NPROCESSORS_ONLN), sysconf(_SC_PAGESIZE),
			       (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE) >> 20 };
	char *end;

	while (*e->p == ' ')
		e->p++;
	if (*e->p == '(') {
		e->p++;
		long long v = expr_sum(e);
		while (*e->p == ' ')
			e->p++;
		if (*e->p++ != ')')
			e->bad = true;
		return v;
	}
	if (*e->p == '-') {
		e->p++;
		return -expr_atom(e);
	}
	for (unsigned i = 0; i < 3; i++) {
		size_t len = strlen(words[i]);
		if (!strncmp(e->p, words[i], len) && !isalnum((unsigned char)e->p[len]) &&
		    e->p[len] != '_') {
			e->p += len;
			return values[i];
		}
	}
	long long v = strtoll(e->p, &end, 10);
	if (end == e->p)
		e->bad = true;
	e->p = end;
	return v;
}

static long long expr_product(struct expr *e)
{
	long long v = expr_atom(e);

	for (;;) {
		while (*e->p == ' ')
			e->p++;
		char op = *e->p;
		if (op != '*' && op != '/' && op != '%')
			return v;
		e->p++;
		long long r = expr_atom(e);
		if (op != '*' && r == 0) {
			e->bad = true;
			return 0;
		}
		v = op == '*' ? v * r : op == '/' ? v / r : v % r;
	}
}

static long long expr_sum(struct expr *e)
{
	long long v = expr_product(e);

	for (;;) {
		while (*e->p == ' ')
			e->p++;
		char op = *e->p;
		if (op != '+' && op != '-')
			return v;
		e->p++;
		long long r = expr_product(e);
		v = op == '+' ? v + r : v - r;
	}
}

/* A value starting with $ or naming a keyword (${VAR} is expanded before) evaluated into buf;
 * 1 when done, 0 when not such a value, -EINVAL when it does not evaluate. */
static int eval_keyword_value(const char *value, char *buf, size_t size)
{
	struct expr e = { .p = value };

	if (!value || (value[0] != '$' && !strstr(value, "$ncpus") && !strstr(value, "$pagesize") &&
		       !strstr(value, "$mb_memory")))
		return 0;
	long long v = expr_sum(&e);
	while (*e.p == ' ')
		e.p++;
	if (e.bad || *e.p)
		return -EINVAL;
	snprintf(buf, size, "%lld", v);
	return 1;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Appends " --key=value" (or " --key") to *buf. */
static int append_option(char **buf, size_t *len, const char *key, const char *value)
{
	size_t need = strlen(key) + (value ? strlen(value) + 3 : 0) + 4;
	char *grown = realloc(*buf, *len + need + 1);

	if (!grown)
		return -ENOMEM;
	*buf = grown;
	/* fio quotes the one free-text option */
	bool quote = value && !strcmp(key, "description");
	*len += (size_t)sprintf(grown + *len, " --%s%s%s%s%s", key, value ? "=" : "",
				quote ? "\"" : "", value ? value : "", quote ? "\"" : "");
	return 0;
}

/* --showcmd: an option of the job files on the command line; in [global], remembered too. */
static int showcmd_add(struct blk_jobfile *jf, bool global, const char *key, const char *value)
{
	if (global && append_option(&jf->globals, &jf->globals_len, key, value))
		return -ENOMEM;
	return append_option(&jf->cmdline, &jf->cmdline_len, key, value);
}

/* --showcmd: fio repeats every global option so far where a later [global] starts. */
static int showcmd_repeat_globals(struct blk_jobfile *jf)
{
	char *grown;

	if (!jf->globals_len)
		return 0;
	grown = realloc(jf->cmdline, jf->cmdline_len + jf->globals_len + 1);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + jf->cmdline_len, jf->globals, jf->globals_len + 1);
	jf->cmdline = grown;
	jf->cmdline_len += jf->globals_len;
	return 0;
}

static bool section_wanted(const struct blk_jobfile *jf, const char *name)
{
	for (unsigned i = 0; i < jf->nsections; i++)
		if (!strcmp(jf->sections[i], name))
			return true;
	return !jf->nsections;
}

/* Where a job file's lines go: the state carries over into the files it includes. */
struct jobfile_state {
	struct blk_job file_global;
	struct blk_job *cur; /* NULL before the first section */
	bool in_section;     /* a section was opened (a skipped one too) */
	bool skipping;	     /* a section --section leaves out */
	bool has_global;
	char unsupported[512];
	size_t err_size;
};

#define MAX_INCLUDE_DEPTH 8

static int parse_job_lines(struct blk_jobfile *jf, struct jobfile_state *st, const char *path,
			   unsigned depth, char *err);

/* fio's "include FILE": a path relative to the including file's directory. */
static int include_file(struct blk_jobfile *jf, struct jobfile_state *st, const char *path,
			const char *name, unsigned depth, char *err)
{
	char full[4096];
	const char *slash = strrchr(path, '/');

	if (depth == MAX_INCLUDE_DEPTH) {
		snprintf(err, st->err_size, "%s: include %s: more than %d levels of include", path,
			 name, MAX_INCLUDE_DEPTH);
		return -ELOOP;
	}
	if (name[0] == '/' || !slash)
		snprintf(full, sizeof(full), "%s", name);
	else
		snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - path), path, name);
	return parse_job_lines(jf, st, full, depth + 1, err);
}

/* A [section] line: [global], or a new job (unless --section leaves it out). */
static int open_section(struct blk_jobfile *jf, struct jobfile_state *st, char *name, char *err)
{
	st->in_section = true;
	st->skipping = false;
	if (!strcmp(name, "global")) {
		st->cur = &st->file_global;
		st->has_global = true;
		return jf->showcmd ? showcmd_repeat_globals(jf) : 0;
	}
	if (!section_wanted(jf, name)) {
		st->skipping = true;
		st->cur = NULL;
		return 0;
	}
	st->cur = jf->new_job(jf->arg, &st->file_global, err, st->err_size);
	if (!st->cur)
		return -ENOMEM;
	if (jf->showcmd && showcmd_add(jf, false, "name", name))
		return -ENOMEM;
	return opt_set(&st->cur->set, &st->cur->o, "name", name, SRC_JOBFILE, err, st->err_size);
}

/* A key[=value] line of the current section. */
static int job_line(struct blk_jobfile *jf, struct jobfile_state *st, char *expanded,
		    const char *path, unsigned lineno, char *err)
{
	char *eq = strchr(expanded, '=');
	const char *value = NULL;
	char inner[512];

	if (eq) {
		*eq = '\0';
		value = trim(eq + 1);
	}
	char *key = trim(expanded);
	char number[32];
	int evaluated = eval_keyword_value(value, number, sizeof(number));
	if (evaluated < 0) {
		snprintf(err, st->err_size,
			 "%s:%u: %s=%s: a value with $ is an expression of $ncpus, "
			 "$pagesize, $mb_memory, numbers and + - * / %% ( )",
			 path, lineno, key, value);
		return -EINVAL;
	}
	if (evaluated)
		value = number;
	if (!opt_find(blk_option_defs, key)) {
		size_t used = strlen(st->unsupported);
		snprintf(st->unsupported + used, sizeof(st->unsupported) - used, "%s%s (%s:%u)",
			 used ? ", " : "", key, path, lineno);
		return 0;
	}
	if (jf->showcmd && showcmd_add(jf, st->cur == &st->file_global, key, value))
		return -ENOMEM;
	int ret = blk_job_set(st->cur, key, value, SRC_JOBFILE, inner, sizeof(inner));
	if (ret)
		snprintf(err, st->err_size, "%s:%u: %s", path, lineno, inner);
	return ret;
}

static int parse_job_lines(struct blk_jobfile *jf, struct jobfile_state *st, const char *path,
			   unsigned depth, char *err)
{
	FILE *f = fopen(path, "r");
	char line[4096], expanded[4096];
	unsigned lineno = 0;
	int ret = 0;

	if (!f) {
		snprintf(err, st->err_size, "job file %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	while (!ret && fgets(line, sizeof(line), f)) {
		lineno++;
		/* as fio: a ; or # anywhere starts a comment (size=1m ; 1 MiB) */
		line[strcspn(line, ";#")] = '\0';
		char *s = trim(line);
		if (!*s)
			continue;
		if (!strncmp(s, "include", 7) && isspace((unsigned char)s[7])) {
			ret = include_file(jf, st, path, trim(s + 8), depth, err);
			continue;
		}
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end) {
				snprintf(err, st->err_size, "%s:%u: section header without ]", path,
					 lineno);
				ret = -EINVAL;
				break;
			}
			*end = '\0';
			ret = open_section(jf, st, s + 1, err);
			continue;
		}
		if (!st->in_section) {
			snprintf(err, st->err_size, "%s:%u: option <%s> outside of a [section]",
				 path, lineno, s);
			ret = -EINVAL;
			break;
		}
		if (st->skipping)
			continue;
		if (expand_env(s, expanded, sizeof(expanded))) {
			snprintf(err, st->err_size, "%s:%u: line too long after ${VAR} expansion",
				 path, lineno);
			ret = -EINVAL;
			break;
		}
		ret = job_line(jf, st, expanded, path, lineno, err);
	}
	fclose(f);
	return ret;
}

int blk_jobfile_read(struct blk_jobfile *jf, const char *path, char *err, size_t err_size)
{
	struct jobfile_state *st = calloc(1, sizeof(*st));
	int ret;

	if (!st) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	st->err_size = err_size;
	blk_job_copy(&st->file_global, jf->global);
	ret = parse_job_lines(jf, st, path, 0, err);
	if (st->has_global)
		blk_job_copy(jf->global_echo, &st->file_global);
	if (!ret && st->unsupported[0]) {
		snprintf(err, err_size, "%s: options pvcbench fio does not support: %s", path,
			 st->unsupported);
		ret = -EINVAL;
	}
	free(st);
	return ret;
}

void blk_jobfile_free_cmdline(struct blk_jobfile *jf)
{
	free(jf->cmdline);
	free(jf->globals);
	jf->cmdline = jf->globals = NULL;
	jf->cmdline_len = jf->globals_len = 0;
}
