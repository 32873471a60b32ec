/*
 * fio_cmd.c - `pvcbench fio`: fio's command line and job files for the block workload.
 *
 * As in fio: options before the first --name are global; each --name starts a job that the
 * options after it shape; job files have [global] and job sections, key=value lines and bare
 * flags, ; and # comments, and ${VAR} expanded from the environment. Jobs run together until a
 * job with stonewall, which starts a new group. A key pvcbench does not implement is an error
 * naming it, never silently ignored: results that quietly differ from fio's would be worse.
 */
#define _GNU_SOURCE
#include "block.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/signals.h"

#define MAX_JOBS 256
#define ERR_SIZE 1024

struct fio_cmd {
	struct blk_cli cli;
	struct blk_job global;
	struct blk_job global_echo; /* global options as the last job file left them */
	struct blk_job *jobs[MAX_JOBS];
	unsigned njobs;
	const char *files[MAX_JOBS];
	unsigned nfiles;
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

static void usage(FILE *out)
{
	fputs("usage: pvcbench fio [--option=value ...] [JOBFILE ...]\n"
	      "Runs fio-style jobs with fio's option names; --name starts a new job.\n\n"
	      "Program options:\n",
	      out);
	opt_print_help(blk_cli_defs, out);
	fputs("\nJob options (also job-file keys):\n", out);
	opt_print_help(blk_option_defs, out);
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

static int parse_args(struct fio_cmd *c, int argc, char **argv, char *err)
{
	const struct option_def *const tables[] = { blk_cli_defs, blk_option_defs, NULL };
	struct blk_job *cur = &c->global;
	int ret;

	ret = blk_cli_init(&c->cli, err, ERR_SIZE);
	if (!ret)
		ret = blk_job_init(&c->global, err, ERR_SIZE);
	if (ret)
		return ret;
	for (int i = 1; i < argc;) {
		const char *arg = argv[i];
		if (strncmp(arg, "--", 2) || !arg[2]) {
			if (c->nfiles == MAX_JOBS) {
				snprintf(err, ERR_SIZE, "too many job files");
				return -EINVAL;
			}
			c->files[c->nfiles++] = arg;
			i++;
			continue;
		}
		char key[128];
		const char *value;
		i += blk_split_arg(argv, argc, i, tables, key, sizeof(key), &value);
		if (opt_find(blk_cli_defs, key)) {
			ret = opt_set(&c->cli.set, &c->cli, key, value, SRC_FLAG, err, ERR_SIZE);
		} else if (!strcmp(key, "name")) {
			cur = job_new(c, &c->global, err);
			ret = cur ? opt_set(&cur->set, &cur->o, key, value, SRC_FLAG, err, ERR_SIZE)
				  : -ENOMEM;
		} else {
			ret = opt_set(&cur->set, &cur->o, key, value, SRC_FLAG, err, ERR_SIZE);
		}
		if (ret)
			return ret;
	}
	return 0;
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

static void free_cmd(struct fio_cmd *c)
{
	for (unsigned i = 0; i < c->njobs; i++)
		free(c->jobs[i]);
}

int blk_fio_main(int argc, char **argv)
{
	struct fio_cmd *c = calloc(1, sizeof(*c));
	char err[ERR_SIZE] = "";
	int ret;

	if (!c)
		return 1;
	ret = parse_args(c, argc, argv, err);
	job_copy(&c->global_echo, &c->global);
	for (unsigned i = 0; !ret && i < c->nfiles; i++)
		ret = parse_job_file(c, c->files[i], err);
	if (!ret && c->cli.help) {
		usage(stdout);
		free_cmd(c);
		free(c);
		return 0;
	}
	if (!ret && !c->njobs) {
		snprintf(
			err, sizeof(err),
			"no job defined: give --name=NAME with options, or a job file (see --help)");
		ret = -EINVAL;
	}
	unsigned groupid = 0;
	for (unsigned i = 0; !ret && i < c->njobs; i++) {
		ret = blk_job_validate(c->jobs[i], err, sizeof(err));
		if (i > 0 && c->jobs[i]->o.stonewall)
			groupid++;
		c->jobs[i]->groupid = groupid;
	}
	if (ret) {
		fprintf(stderr, "pvcbench fio: %s\n", err);
		free_cmd(c);
		free(c);
		return 2;
	}

	struct blk_outputs outputs;
	struct report_output *out = &outputs.results;
	ret = blk_outputs_open(&outputs, &c->cli, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "pvcbench fio: %s\n", err);
		free_cmd(c);
		free(c);
		return 2;
	}
	bool json = blk_cli_json(&c->cli);
	struct blk_run_settings settings = {
		.progress = blk_cli_progress(&c->cli),
		.out = out->f,
		.note = stderr,
		.quiet = json,
		.interval_ns = c->cli.interval,
	};
	struct blk_group_result *groups = calloc(groupid + 1, sizeof(*groups));
	unsigned ngroups = 0, first = 0;
	int status = 0;

	if (!groups) {
		blk_outputs_finish(&outputs, false, NULL, 0, err, sizeof(err));
		free_cmd(c);
		free(c);
		return 1;
	}
	while (first < c->njobs && !signals_stop_requested()) {
		unsigned n = 1;
		while (first + n < c->njobs &&
		       c->jobs[first + n]->groupid == c->jobs[first]->groupid)
			n++;
		struct blk_group_result *gr = &groups[ngroups++];
		ret = blk_group_run(&c->jobs[first], n, &settings, gr, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "pvcbench fio: %s\n", err);
			/* bad input is exit 2 only while nothing has been done: then it is 1 */
			status = gr->before_io && ngroups == 1 ? 2 : 1;
		}
		if (!json && gr->run.workers && !gr->run.init_failed)
			blk_print_group_normal(out->f, gr, c->jobs[first]->groupid);
		blk_group_cleanup(gr);
		first += n;
		if (ret)
			break;
	}
	bool any_ran = false;
	for (unsigned g = 0; g < ngroups; g++)
		any_ran |= groups[g].run.workers && !groups[g].run.init_failed;
	if (any_ran && json) {
		struct jsonw j;
		jsonw_begin(&j, out->f);
		report_json_header(&j);
		global_options_json(&j, &c->global_echo);
		jsonw_array_begin(&j, "jobs");
		for (unsigned g = 0; g < ngroups; g++)
			if (!groups[g].run.init_failed)
				blk_group_json(&j, &groups[g], groups[g].jobs[0]->groupid);
		jsonw_array_end(&j);
		jsonw_array_begin(&j, "series");
		for (unsigned g = 0; g < ngroups; g++) {
			if (!groups[g].run.workers || groups[g].run.init_failed)
				continue;
			jsonw_object_begin(&j, NULL);
			jsonw_u64(&j, "groupid", groups[g].jobs[0]->groupid);
			report_series_json(&j, "series", &groups[g].run);
			jsonw_object_end(&j);
		}
		jsonw_array_end(&j);
		jsonw_end(&j);
	}
	if (blk_outputs_finish(&outputs, any_ran, groups, ngroups, err, sizeof(err))) {
		fprintf(stderr, "pvcbench fio: %s\n", err);
		if (!status)
			status = 1;
	}
	for (unsigned g = 0; g < ngroups; g++)
		blk_group_free(&groups[g]);
	free(groups);
	free_cmd(c);
	free(c);
	if (signals_received())
		return blk_exit_status(0);
	return status;
}
