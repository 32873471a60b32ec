/*
 * fio_cmd.c - `pvcbench fio`: fio's command line and job files for the block workload.
 *
 * As in fio: options before the first --name are global; each --name starts a job that the
 * options after it shape; job files have [global] and job sections, key=value lines and bare
 * flags, comments from ; or #, ${VAR} expanded from the environment, $ncpus expressions and
 * include lines. Jobs run together until a job with stonewall (or wait_for), which starts a new
 * group. A key pvcbench does not implement is an error naming it, never silently ignored:
 * results that quietly differ from fio's would be worse. fio's program options that shape the
 * jobs (--section, --parse-only, --readonly, --showcmd) are here too.
 *
 * The command skeleton (src/core/command.c) parses the command line, opens and commits the
 * outputs, runs each group's plan and writes the JSON envelope; this file is fio's job model,
 * its job files, and what fio prints of a group.
 */
#define _GNU_SOURCE
#include "block.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvcbench/signals.h"
#include "pvcbench/workloads.h"

#define MAX_JOBS 256
#define ERR_SIZE 1024

/* The command's config: the program options (blk_cli_defs' rows, then fio's own). */
struct fio_config {
	struct blk_cli cli;
	bool parse_only;
	bool readonly;
	bool showcmd;
	int64_t alloc_size;
};

#define FIO_CFG(field) offsetof(struct fio_config, field)

static const struct option_def fio_defs[] = {
	BLK_CLI_OPTIONS(struct fio_config, cli),
	{ .name = "parse-only",
	  .type = OPT_BOOL,
	  .offset = FIO_CFG(parse_only),
	  .help = "read and check the options and job files, run nothing" },
	{ .name = "section",
	  .type = OPT_LIST,
	  .arg_name = "NAME",
	  .help = "run only this section of the job files (repeatable)" },
	{ .name = "readonly",
	  .type = OPT_BOOL,
	  .offset = FIO_CFG(readonly),
	  .help = "refuse every job that writes" },
	{ .name = "showcmd",
	  .type = OPT_BOOL,
	  .offset = FIO_CFG(showcmd),
	  .help = "print each job file as one command line and exit" },
	{ .name = "alloc-size",
	  .type = OPT_INT,
	  .offset = FIO_CFG(alloc_size),
	  .min = 1,
	  .help = "accepted for fio compatibility: fio's shared-memory pool (KiB); pvcbench's "
		  "threads need none" },
	{ .name = "inflate-log",
	  .type = OPT_REFUSED,
	  .help = "pvcbench writes no compressed logs; use fio --inflate-log" },
	{ .name = "debug",
	  .type = OPT_REFUSED,
	  .help = "fio's debug traces show fio's internals, which pvcbench does not have" },
	{ 0 }
};

/* A group of jobs that runs at once: jobs[first..first+n). */
struct fio_group {
	unsigned first, n;
	struct blk_group_result gr;
	bool planned;
};

struct fio_cmd {
	struct blk_job global;
	struct blk_job global_echo; /* global options as the last job file left them */
	struct blk_job *cur;	    /* where job options go: global until the first --name */
	struct blk_job *jobs[MAX_JOBS];
	unsigned njobs;
	const char *files[MAX_JOBS];
	unsigned nfiles;
	const char *sections[MAX_JOBS]; /* --section: only these job sections */
	unsigned nsections;
	bool want_showcmd;
	char *showcmd; /* --showcmd: the job files as options */
	size_t showcmd_len;
	char *showcmd_global; /* the [global] options so far: fio repeats them at each [global] */
	size_t showcmd_global_len;
	struct fio_group *groups;
	unsigned ngroups;
	struct blk_run_settings settings;
};

static void job_copy(struct blk_job *dst, const struct blk_job *src)
{
	*dst = *src;
	dst->set.source = dst->source;
}

static struct blk_job *job_new(struct fio_cmd *c, const struct blk_job *base, char *err)
{
	if (c->njobs == MAX_JOBS) {
		snprintf(err, ERR_SIZE, "too many jobs (at most %d)", MAX_JOBS);
		return NULL;
	}
	struct blk_job *job = malloc(sizeof(*job));
	if (!job) {
		snprintf(err, ERR_SIZE, "out of memory");
		return NULL;
	}
	job_copy(job, base);
	c->jobs[c->njobs++] = job;
	return job;
}

/* The command's state, made with the first option or operand that needs it. */
static struct fio_cmd *fio_state(struct command *cmd, char *err, size_t err_size)
{
	struct fio_cmd *c = command_state(cmd);

	if (c)
		return c;
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	if (blk_job_init(&c->global, err, err_size)) {
		free(c);
		return NULL;
	}
	c->cur = &c->global;
	command_set_state(cmd, c);
	return c;
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
static int showcmd_add(struct fio_cmd *c, bool global, const char *key, const char *value)
{
	if (global && append_option(&c->showcmd_global, &c->showcmd_global_len, key, value))
		return -ENOMEM;
	return append_option(&c->showcmd, &c->showcmd_len, key, value);
}

/* --showcmd: fio repeats every global option so far where a later [global] starts. */
static int showcmd_repeat_globals(struct fio_cmd *c)
{
	char *grown;

	if (!c->showcmd_global_len)
		return 0;
	grown = realloc(c->showcmd, c->showcmd_len + c->showcmd_global_len + 1);
	if (!grown)
		return -ENOMEM;
	memcpy(grown + c->showcmd_len, c->showcmd_global, c->showcmd_global_len + 1);
	c->showcmd = grown;
	c->showcmd_len += c->showcmd_global_len;
	return 0;
}

static bool section_wanted(const struct fio_cmd *c, const char *name)
{
	for (unsigned i = 0; i < c->nsections; i++)
		if (!strcmp(c->sections[i], name))
			return true;
	return !c->nsections;
}

/* Where a job file's lines go: the state carries over into the files it includes. */
struct jobfile_state {
	struct blk_job file_global;
	struct blk_job *cur; /* NULL before the first section */
	bool in_section;     /* a section was opened (a skipped one too) */
	bool skipping;	     /* a section --section leaves out */
	bool has_global;
	char unsupported[512];
};

#define MAX_INCLUDE_DEPTH 8

static int parse_job_lines(struct fio_cmd *c, struct jobfile_state *st, const char *path,
			   unsigned depth, char *err);

/* fio's "include FILE": a path relative to the including file's directory. */
static int include_file(struct fio_cmd *c, struct jobfile_state *st, const char *path,
			const char *name, unsigned depth, char *err)
{
	char full[4096];
	const char *slash = strrchr(path, '/');

	if (depth == MAX_INCLUDE_DEPTH) {
		snprintf(err, ERR_SIZE, "%s: include %s: more than %d levels of include", path,
			 name, MAX_INCLUDE_DEPTH);
		return -ELOOP;
	}
	if (name[0] == '/' || !slash)
		snprintf(full, sizeof(full), "%s", name);
	else
		snprintf(full, sizeof(full), "%.*s/%s", (int)(slash - path), path, name);
	return parse_job_lines(c, st, full, depth + 1, err);
}

/* A [section] line: [global], or a new job (unless --section leaves it out). */
static int open_section(struct fio_cmd *c, struct jobfile_state *st, char *name, char *err)
{
	st->in_section = true;
	st->skipping = false;
	if (!strcmp(name, "global")) {
		st->cur = &st->file_global;
		st->has_global = true;
		return c->want_showcmd ? showcmd_repeat_globals(c) : 0;
	}
	if (!section_wanted(c, name)) {
		st->skipping = true;
		st->cur = NULL;
		return 0;
	}
	st->cur = job_new(c, &st->file_global, err);
	if (!st->cur)
		return -ENOMEM;
	if (c->want_showcmd && showcmd_add(c, false, "name", name))
		return -ENOMEM;
	return opt_set(&st->cur->set, &st->cur->o, "name", name, SRC_JOBFILE, err, ERR_SIZE);
}

/* A key[=value] line of the current section. */
static int job_line(struct fio_cmd *c, struct jobfile_state *st, char *expanded, const char *path,
		    unsigned lineno, char *err)
{
	char *eq = strchr(expanded, '=');
	const char *value = NULL;
	char inner[ERR_SIZE / 2];

	if (eq) {
		*eq = '\0';
		value = trim(eq + 1);
	}
	char *key = trim(expanded);
	char number[32];
	int evaluated = eval_keyword_value(value, number, sizeof(number));
	if (evaluated < 0) {
		snprintf(err, ERR_SIZE,
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
	if (c->want_showcmd && showcmd_add(c, st->cur == &st->file_global, key, value))
		return -ENOMEM;
	int ret =
		opt_set(&st->cur->set, &st->cur->o, key, value, SRC_JOBFILE, inner, sizeof(inner));
	if (ret)
		snprintf(err, ERR_SIZE, "%s:%u: %s", path, lineno, inner);
	return ret;
}

static int parse_job_lines(struct fio_cmd *c, struct jobfile_state *st, const char *path,
			   unsigned depth, char *err)
{
	FILE *f = fopen(path, "r");
	char line[4096], expanded[4096];
	unsigned lineno = 0;
	int ret = 0;

	if (!f) {
		snprintf(err, ERR_SIZE, "job file %s: %s", path, strerror(errno));
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
			ret = include_file(c, st, path, trim(s + 8), depth, err);
			continue;
		}
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end) {
				snprintf(err, ERR_SIZE, "%s:%u: section header without ]", path,
					 lineno);
				ret = -EINVAL;
				break;
			}
			*end = '\0';
			ret = open_section(c, st, s + 1, err);
			continue;
		}
		if (!st->in_section) {
			snprintf(err, ERR_SIZE, "%s:%u: option <%s> outside of a [section]", path,
				 lineno, s);
			ret = -EINVAL;
			break;
		}
		if (st->skipping)
			continue;
		if (expand_env(s, expanded, sizeof(expanded))) {
			snprintf(err, ERR_SIZE, "%s:%u: line too long after ${VAR} expansion", path,
				 lineno);
			ret = -EINVAL;
			break;
		}
		ret = job_line(c, st, expanded, path, lineno, err);
	}
	fclose(f);
	return ret;
}

static int parse_job_file(struct fio_cmd *c, const char *path, char *err)
{
	struct jobfile_state *st = calloc(1, sizeof(*st));
	int ret;

	if (!st) {
		snprintf(err, ERR_SIZE, "out of memory");
		return -ENOMEM;
	}
	job_copy(&st->file_global, &c->global);
	ret = parse_job_lines(c, st, path, 0, err);
	if (st->has_global)
		job_copy(&c->global_echo, &st->file_global);
	if (!ret && st->unsupported[0]) {
		snprintf(err, ERR_SIZE, "%s: options pvcbench fio does not support: %s", path,
			 st->unsupported);
		ret = -EINVAL;
	}
	free(st);
	return ret;
}

/* fio's "global options": what [global] (or options before the first --name) set. */
static void global_options_json(struct jsonw *j, const struct blk_job *g)
{
	char value[OPT_STRING_MAX];
	bool any = false;

	for (unsigned i = 0; i < g->set.count; i++)
		any |= g->source[i] != SRC_DEFAULT;
	if (!any)
		return;
	jsonw_object_begin(j, "global options");
	for (unsigned i = 0; i < g->set.count; i++) {
		if (g->source[i] == SRC_DEFAULT)
			continue;
		opt_format_value(&g->set.defs[i], &g->o, value, sizeof(value));
		jsonw_string(j, g->set.defs[i].name, value);
	}
	jsonw_object_end(j);
}

/* Job options go to the current job; --name starts a new one from the global options. */
static int fio_on_option(struct command *cmd, unsigned table, const struct option_def *def,
			 const char *value, char *err, size_t err_size)
{
	struct fio_cmd *c;

	c = fio_state(cmd, err, err_size);
	if (!c)
		return -ENOMEM;
	if (table == 0 && !strcmp(def->name, "section")) {
		if (c->nsections == MAX_JOBS) {
			snprintf(err, err_size, "too many --section options (at most %d)",
				 MAX_JOBS);
			return -EINVAL;
		}
		c->sections[c->nsections++] = value;
		return 0;
	}
	if (table == 0)
		return command_store_option(cmd, def, value, err, err_size);
	if (!strcmp(def->name, "name")) {
		c->cur = job_new(c, &c->global, err);
		if (!c->cur)
			return -ENOMEM;
	}
	return opt_set(&c->cur->set, &c->cur->o, def->name, value, SRC_FLAG, err, err_size);
}

static int fio_on_operand(struct command *cmd, const char *text, char *err, size_t err_size)
{
	struct fio_cmd *c = fio_state(cmd, err, err_size);

	if (!c)
		return -ENOMEM;
	if (c->nfiles == MAX_JOBS) {
		snprintf(err, err_size, "too many job files");
		return -EINVAL;
	}
	c->files[c->nfiles++] = text;
	return 0;
}

/*
 * fio's wait_for=NAME: the job starts once NAME has finished. Groups run one after the other,
 * so it becomes a stonewall before the job when NAME is an earlier job: the job then also waits
 * for the other jobs before it, which fio's wait_for does not ask for.
 */
static int wait_for_group(struct fio_cmd *c, unsigned i, char *err, size_t err_size)
{
	const char *name = c->jobs[i]->o.ctl.wait_for;

	if (!name[0])
		return 0;
	for (unsigned k = 0; k < i; k++)
		if (!strcmp(c->jobs[k]->o.name, name))
			return 1;
	snprintf(err, err_size,
		 "job %s: --wait_for=%s: no earlier job of that name (pvcbench waits only for "
		 "jobs defined before)",
		 c->jobs[i]->o.name, name);
	return -EINVAL;
}

/* fio --showcmd: each job file as one command line, its [global] options its own. */
static int show_commands(struct fio_cmd *c, char *err)
{
	int ret = 0;

	for (unsigned i = 0; !ret && i < c->nfiles; i++) {
		ret = parse_job_file(c, c->files[i], err);
		if (!ret)
			printf("fio%s\n", c->showcmd ? c->showcmd : "");
		free(c->showcmd); /* here: fio_cleanup does not know them */
		free(c->showcmd_global);
		c->showcmd = c->showcmd_global = NULL;
		c->showcmd_len = c->showcmd_global_len = 0;
	}
	return ret ? ret : CMD_DONE;
}

/* fio --readonly: no job may write. */
static int check_readonly(const struct fio_cmd *c, char *err, size_t err_size)
{
	for (unsigned i = 0; i < c->njobs; i++) {
		if (!c->jobs[i]->writes)
			continue;
		snprintf(err, err_size, "job %s: --rw=%s writes, but --readonly is given",
			 c->jobs[i]->o.name, c->jobs[i]->o.rw);
		return -EINVAL;
	}
	return 0;
}

/* The job files, then each job's checks, and the groups the stonewalls (and wait_for) make. */
static int fio_configure(struct command *cmd, char *err, size_t err_size)
{
	struct fio_cmd *c = fio_state(cmd, err, err_size);
	const struct fio_config *cfg = command_config(cmd);
	int ret = 0;

	if (!c)
		return -ENOMEM;
	c->want_showcmd = cfg->showcmd;
	job_copy(&c->global_echo, &c->global);
	if (cfg->showcmd)
		return show_commands(c, err);
	for (unsigned i = 0; !ret && i < c->nfiles; i++)
		ret = parse_job_file(c, c->files[i], err);
	if (ret)
		return ret;
	if (!c->njobs) {
		snprintf(
			err, err_size,
			"no job defined: give --name=NAME with options, or a job file (see --help)");
		return -EINVAL;
	}
	c->groups = calloc(c->njobs, sizeof(*c->groups));
	if (!c->groups) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (unsigned i = 0; i < c->njobs; i++) {
		ret = blk_job_validate(c->jobs[i], err, err_size);
		if (ret)
			return ret;
		int waits = wait_for_group(c, i, err, err_size);
		if (waits < 0)
			return waits;
		if (i == 0 || c->jobs[i]->o.stonewall || waits)
			c->groups[c->ngroups++].first = i;
		c->groups[c->ngroups - 1].n++;
		c->jobs[i]->groupid = c->ngroups - 1;
	}
	if (cfg->readonly && (ret = check_readonly(c, err, err_size)))
		return ret;
	return cfg->parse_only ? CMD_DONE : CMD_CONTINUE;
}

static void fio_outputs(const struct command *cmd, struct cmd_outputs *o)
{
	const struct fio_config *cfg = command_config(cmd);

	blk_cli_outputs(&cfg->cli, o);
}

static int fio_plan(struct command *cmd, unsigned index, struct run_plan *plan)
{
	struct fio_cmd *c = command_state(cmd);
	const struct fio_config *cfg = command_config(cmd);
	char err[ERR_SIZE];

	if (index >= c->ngroups)
		return CMD_NO_MORE_RUNS;
	struct fio_group *g = &c->groups[index];
	blk_cli_settings(cmd, &cfg->cli, &c->settings);
	g->planned = true;
	int ret = blk_group_plan(&c->jobs[g->first], g->n, &c->settings, &g->gr, plan, err,
				 sizeof(err));
	if (!ret)
		return CMD_RUN;
	command_error(cmd, "%s", err);
	/* bad input is exit 2 only while nothing has been done: then it is 1 */
	command_set_status(cmd, g->gr.before_io && index == 0 ? 2 : 1);
	blk_group_cleanup(&g->gr);
	return ret;
}

static int fio_run_done(struct command *cmd, unsigned index, struct run_result *res, FILE *out)
{
	struct fio_cmd *c = command_state(cmd);
	struct fio_group *g = &c->groups[index];
	char err[ERR_SIZE];
	int ret;

	ret = blk_group_done(&g->gr, res, &c->settings, err, sizeof(err));
	if (ret) {
		command_error(cmd, "%s", err);
		command_set_status(cmd, 1);
	}
	if (!command_json(cmd) && blk_group_measured(&g->gr))
		blk_print_group_normal(out, &g->gr, index);
	blk_group_cleanup(&g->gr);
	return ret;
}

static void fio_json_head(struct command *cmd, struct jsonw *j)
{
	struct fio_cmd *c = command_state(cmd);

	global_options_json(j, &c->global_echo);
}

static void fio_json_jobs(struct command *cmd, unsigned index, struct jsonw *j)
{
	struct fio_cmd *c = command_state(cmd);

	blk_group_json(j, &c->groups[index].gr, index);
}

static const char *fio_run_label(const struct command *cmd, unsigned index)
{
	const struct fio_cmd *c = command_state(cmd);

	return c->jobs[c->groups[index].first]->o.name;
}

static void fio_cleanup(struct command *cmd)
{
	struct fio_cmd *c = command_state(cmd);

	if (!c)
		return;
	for (unsigned g = 0; g < c->ngroups; g++) {
		if (!c->groups[g].planned)
			continue;
		blk_group_cleanup(&c->groups[g].gr);
		blk_group_free(&c->groups[g].gr);
	}
	free(c->groups);
	for (unsigned i = 0; i < c->njobs; i++)
		free(c->jobs[i]);
	free(c);
	command_set_state(cmd, NULL);
}

const struct workload_ops blk_fio_ops = {
	.name = "fio",
	.summary = "fio-style jobs from flags or job files",
	.usage = "usage: pvcbench fio [--option=value ...] [JOBFILE ...]\n"
		 "Runs fio-style jobs with fio's option names; --name starts a new job.\n",
	.style = OPT_STYLE_FIO,
	.options = fio_defs,
	.config_size = sizeof(struct fio_config),
	.job_options = blk_option_defs,
	.usage_status = 2,
	.failed_status = 1,
	.on_option = fio_on_option,
	.on_operand = fio_on_operand,
	.configure = fio_configure,
	.outputs = fio_outputs,
	.plan = fio_plan,
	.run_done = fio_run_done,
	.json_head = fio_json_head,
	.json_jobs = fio_json_jobs,
	.run_label = fio_run_label,
	.cleanup = fio_cleanup,
};
