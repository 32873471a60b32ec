/*
 * fio_cmd.c - `pvcbench fio`: fio's command line and job files for the block workload.
 *
 * As in fio: options before the first --name are global; each --name starts a job that the
 * options after it shape; job files have [global] and job sections, key=value lines and bare
 * flags, ; and # comments, and ${VAR} expanded from the environment. Jobs run together until a
 * job with stonewall, which starts a new group. A key pvcbench does not implement is an error
 * naming it, never silently ignored: results that quietly differ from fio's would be worse.
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

#include "pvcbench/signals.h"
#include "pvcbench/workloads.h"

#define MAX_JOBS 256
#define ERR_SIZE 1024

/* The command's config: the program options (blk_cli_defs' rows). */
struct fio_config {
	struct blk_cli cli;
};

static const struct option_def fio_defs[] = { BLK_CLI_OPTIONS(struct fio_config, cli), { 0 } };

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

/* Expands ${VAR} from the environment, as fio does in job files. */
static int expand_env(const char *in, char *out, size_t size)
{
	size_t o = 0;

	while (*in) {
		if (in[0] == '$' && in[1] == '{') {
			const char *end = strchr(in, '}');
			if (end) {
				char name[256];
				size_t len = (size_t)(end - in - 2);
				if (len >= sizeof(name))
					return -ENAMETOOLONG;
				memcpy(name, in + 2, len);
				name[len] = '\0';
				const char *v = getenv(name);
				for (; v && *v; v++) {
					if (o + 1 >= size)
						return -E2BIG;
					out[o++] = *v;
				}
				in = end + 1;
				continue;
			}
		}
		if (o + 1 >= size)
			return -E2BIG;
		out[o++] = *in++;
	}
	out[o] = '\0';
	return 0;
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

static int parse_job_file(struct fio_cmd *c, const char *path, char *err)
{
	FILE *f = fopen(path, "r");
	struct blk_job file_global;
	struct blk_job *cur = NULL;
	char line[4096], expanded[4096];
	char unsupported[512] = "";
	unsigned lineno = 0;
	bool has_global = false;
	int ret = 0;

	if (!f) {
		snprintf(err, ERR_SIZE, "job file %s: %s", path, strerror(errno));
		return -EINVAL;
	}
	job_copy(&file_global, &c->global);
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		char *s = trim(line);
		if (!*s || *s == ';' || *s == '#')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');
			if (!end) {
				snprintf(err, ERR_SIZE, "%s:%u: section header without ]", path,
					 lineno);
				ret = -EINVAL;
				break;
			}
			*end = '\0';
			if (!strcmp(s + 1, "global")) {
				cur = &file_global;
				has_global = true;
				continue;
			}
			cur = job_new(c, &file_global, err);
			if (!cur) {
				ret = -ENOMEM;
				break;
			}
			ret = opt_set(&cur->set, &cur->o, "name", s + 1, SRC_JOBFILE, err,
				      ERR_SIZE);
			if (ret)
				break;
			continue;
		}
		if (!cur) {
			snprintf(err, ERR_SIZE, "%s:%u: option outside of a [section]", path,
				 lineno);
			ret = -EINVAL;
			break;
		}
		if (expand_env(s, expanded, sizeof(expanded))) {
			snprintf(err, ERR_SIZE, "%s:%u: line too long after ${VAR} expansion", path,
				 lineno);
			ret = -EINVAL;
			break;
		}
		char *eq = strchr(expanded, '=');
		const char *value = NULL;
		if (eq) {
			*eq = '\0';
			value = trim(eq + 1);
		}
		char *key = trim(expanded);
		if (!opt_find(blk_option_defs, key)) {
			size_t used = strlen(unsupported);
			snprintf(unsupported + used, sizeof(unsupported) - used, "%s%s (line %u)",
				 used ? ", " : "", key, lineno);
			continue;
		}
		char inner[ERR_SIZE / 2];
		ret = opt_set(&cur->set, &cur->o, key, value, SRC_JOBFILE, inner, sizeof(inner));
		if (ret) {
			snprintf(err, ERR_SIZE, "%s:%u: %s", path, lineno, inner);
			break;
		}
	}
	fclose(f);
	if (has_global)
		job_copy(&c->global_echo, &file_global);
	if (!ret && unsupported[0]) {
		snprintf(err, ERR_SIZE, "%s: options pvcbench fio does not support: %s", path,
			 unsupported);
		ret = -EINVAL;
	}
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

	if (table == 0)
		return command_store_option(cmd, def, value, err, err_size);
	c = fio_state(cmd, err, err_size);
	if (!c)
		return -ENOMEM;
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

/* The job files, then each job's checks, and the groups the stonewalls make. */
static int fio_configure(struct command *cmd, char *err, size_t err_size)
{
	struct fio_cmd *c = fio_state(cmd, err, err_size);
	int ret = 0;

	if (!c)
		return -ENOMEM;
	job_copy(&c->global_echo, &c->global);
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
		if (i == 0 || c->jobs[i]->o.stonewall)
			c->groups[c->ngroups++].first = i;
		c->groups[c->ngroups - 1].n++;
		c->jobs[i]->groupid = c->ngroups - 1;
	}
	return CMD_CONTINUE;
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
	int ret = 0;
	blk_cli_settings(cmd, &cfg->cli, &c->settings);
	g->planned = true;
	/* files earlier groups laid out for this one are not laid out again */
	for (unsigned k = 0; !ret && k < index; k++)
		ret = blk_group_carry_files(&g->gr, &c->groups[k].gr);
	if (!ret)
		ret = blk_group_plan(&c->jobs[g->first], g->n, &c->settings, &g->gr, plan, err,
				     sizeof(err));
	else
		snprintf(err, sizeof(err), "out of memory");
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
	/* a file a later group uses stays until that group is done */
	unsigned later = index + 1 < c->ngroups ? c->groups[index + 1].first : c->njobs;
	blk_group_release_files(&g->gr, &c->jobs[later], c->njobs - later);
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
