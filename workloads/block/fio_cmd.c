/*
 * fio_cmd.c - `pvcbench fio`: fio's command line and job files for the block workload.
 *
 * As in fio: options before the first --name are global; each --name starts a job that the
 * options after it shape; job files have [global] and job sections, key=value lines and bare
 * flags, comments from ; or #, ${VAR} expanded from the environment, $ncpus expressions and
 * include lines. Jobs run together until a job with stonewall (or a wait_for on a job of the
 * same run), which starts a new run; fio's reporting groups (groupid) are apart from runs: a new
 * one at each stonewall or new_group. A key pvcbench does not implement is an error naming it, never silently ignored:
 * results that quietly differ from fio's would be worse. fio's program options that shape the
 * jobs (--section, --parse-only, --readonly, --showcmd) are here too.
 *
 * The command skeleton (src/core/command.c) parses the command line, opens and commits the
 * outputs, runs each group's plan and writes the JSON envelope; this file is fio's job model,
 * its job files, and what fio prints of a group.
 */
#define _GNU_SOURCE
#include "block.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvcbench/environment.h"
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

/* A run: the jobs that run at once, jobs[first..first+n) (up to a stonewall). Its jobs may be in
 * several of fio's reporting groups (new_group), each job's in job->groupid. */
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
	struct blk_jobfile reader;
	struct fio_group *groups;
	unsigned ngroups;
	struct blk_run_settings settings;
	struct blk_disk_util du_run, du_total; /* disk stats: this group's, all groups' */
};

static struct blk_job *job_new(void *arg, const struct blk_job *base, char *err, size_t err_size)
{
	struct fio_cmd *c = arg;

	if (c->njobs == MAX_JOBS) {
		snprintf(err, err_size, "too many jobs (at most %d)", MAX_JOBS);
		return NULL;
	}
	struct blk_job *job = malloc(sizeof(*job));
	if (!job) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	blk_job_copy(job, base);
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
		/* as in fio, --name=global is the global section: its options go to every job */
		if (value && !strcmp(value, "global")) {
			c->cur = &c->global;
			return 0;
		}
		c->cur = job_new(c, &c->global, err, err_size);
		if (!c->cur)
			return -ENOMEM;
	}
	return blk_job_set(c->cur, def->name, value, SRC_FLAG, err, err_size);
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
 * fio's wait_for=NAME: the job starts once NAME has finished, the other jobs running on. NAME
 * in an earlier run has finished before this run starts, as fio's stonewall between them
 * ensures: nothing to do. NAME in the job's own run: pvcbench's runner starts a run's workers
 * together, so the job starts a new run after it: it then also waits for the other jobs of the
 * run, and the jobs after it run with it, not with NAME. 1: a new run, 0: none, <0: error.
 */
static int wait_for_run(struct fio_cmd *c, unsigned i, unsigned run_first, char *err,
			size_t err_size)
{
	const char *name = c->jobs[i]->o.ctl.wait_for;

	if (!name[0])
		return 0;
	for (unsigned k = 0; k < i; k++)
		if (!strcmp(c->jobs[k]->o.name, name))
			return k >= run_first;
	snprintf(err, err_size,
		 "job %s: --wait_for=%s: no earlier job of that name (pvcbench waits only for "
		 "jobs defined before)",
		 c->jobs[i]->o.name, name);
	return -EINVAL;
}

/*
 * The runs and fio's groupids: a run ends before a stonewall (or a wait_for on a job of the
 * run); the groupid grows at each stonewall or new_group after the first job, as fio's add_job
 * numbers them (a wait_for keeps it: fio reports the job in the group it is defined in).
 */
static int plan_runs(struct fio_cmd *c, char *err, size_t err_size)
{
	unsigned groupid = 0;

	for (unsigned i = 0; i < c->njobs; i++) {
		const struct blk_job *job = c->jobs[i];
		unsigned run_first = c->ngroups ? c->groups[c->ngroups - 1].first : 0;
		int waits = wait_for_run(c, i, run_first, err, err_size);
		if (waits < 0)
			return waits;
		if (i && (job->o.stonewall || job->o.ctl.new_group))
			groupid++;
		if (i == 0 || job->o.stonewall || waits)
			c->groups[c->ngroups++].first = i;
		c->groups[c->ngroups - 1].n++;
		c->jobs[i]->groupid = groupid;
	}
	return 0;
}

/* fio --showcmd: each job file as one command line, its [global] options its own. */
static int show_commands(struct fio_cmd *c, char *err, size_t err_size)
{
	int ret = 0;

	for (unsigned i = 0; !ret && i < c->nfiles; i++) {
		ret = blk_jobfile_read(&c->reader, c->files[i], err, err_size);
		if (!ret)
			printf("fio%s\n", c->reader.cmdline ? c->reader.cmdline : "");
		blk_jobfile_free_cmdline(&c->reader); /* here: fio_cleanup does not know it */
	}
	return ret ? ret : CMD_DONE;
}

/* fio's --section applies to the jobs of the command line too (the job files' reader skips
 * theirs). */
static void keep_sections(struct fio_cmd *c)
{
	unsigned kept = 0;

	for (unsigned i = 0; i < c->njobs; i++) {
		bool wanted = !c->nsections;
		for (unsigned k = 0; k < c->nsections && !wanted; k++)
			wanted = !strcmp(c->sections[k], c->jobs[i]->o.name);
		if (wanted)
			c->jobs[kept++] = c->jobs[i];
		else
			free(c->jobs[i]);
	}
	c->njobs = kept;
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

/* Whether run g holds jobs of several reporting groups (new_group without stonewall). */
static bool run_has_groups(const struct fio_cmd *c, unsigned g)
{
	const struct fio_group *run = &c->groups[g];

	for (unsigned k = 1; k < run->n; k++)
		if (c->jobs[run->first + k]->groupid != c->jobs[run->first]->groupid)
			return true;
	return false;
}

/*
 * fio's exitall and exitall_on_error with exit_what=group stop the jobs of the ended job's
 * reporting group only; pvcbench's stop its whole run, the same only while a run holds one
 * reporting group.
 */
static int check_exitall_groups(const struct fio_cmd *c, char *err, size_t err_size)
{
	for (unsigned g = 0; g < c->ngroups; g++) {
		for (unsigned i = 0; run_has_groups(c, g) && i < c->groups[g].n; i++) {
			const struct blk_job *job = c->jobs[c->groups[g].first + i];
			const struct blk_jobctl_opts *ctl = &job->o.ctl;
			if (!(ctl->exitall || ctl->exitall_on_error) ||
			    strcmp(ctl->exit_what, "group"))
				continue;
			snprintf(
				err, err_size,
				"job %s: %s with exit_what=group and new_group is not supported: "
				"pvcbench stops every job running with the one that ends, fio only "
				"those of its reporting group; use exit_what=stonewall or a stonewall",
				job->o.name, ctl->exitall ? "exitall" : "exitall_on_error");
			return -EINVAL;
		}
	}
	return 0;
}

/* The job files, then each job's checks, the runs the stonewalls (and wait_for) make and fio's
 * reporting groups. */
static int fio_configure(struct command *cmd, char *err, size_t err_size)
{
	struct fio_cmd *c = fio_state(cmd, err, err_size);
	const struct fio_config *cfg = command_config(cmd);
	int ret = 0;

	if (!c)
		return -ENOMEM;
	c->reader = (struct blk_jobfile){
		.global = &c->global,
		.sections = c->sections,
		.nsections = c->nsections,
		.showcmd = cfg->showcmd,
		.new_job = job_new,
		.arg = c,
		.global_echo = &c->global_echo,
	};
	blk_job_copy(&c->global_echo, &c->global);
	if (cfg->showcmd)
		return show_commands(c, err, err_size);
	keep_sections(c);
	for (unsigned i = 0; !ret && i < c->nfiles; i++)
		ret = blk_jobfile_read(&c->reader, c->files[i], err, err_size);
	if (ret)
		return ret;
	if (!c->njobs) {
		snprintf(
			err, err_size,
			"no job defined: give --name=NAME with options, or a job file (see --help)");
		return -EINVAL;
	}
	ret = blk_cli_check(&cfg->cli, true, err, err_size);
	if (ret)
		return ret;
	c->groups = calloc(c->njobs, sizeof(*c->groups));
	if (!c->groups) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	unsigned threads = 0;
	for (unsigned i = 0; i < c->njobs; i++) {
		ret = blk_job_validate(c->jobs[i], err, err_size);
		if (ret)
			return ret;
		c->jobs[i]->first_thread = threads + 1;
		threads += (unsigned)c->jobs[i]->o.numjobs;
	}
	ret = plan_runs(c, err, err_size);
	if (ret)
		return ret;
	/* fio_output.c's units: a group_reporting job joins the unit of the job before it (with
	 * stats) when both are in one reporting group; the live metrics name jobs the same way */
	for (unsigned i = 0, prev = UINT32_MAX; i < c->njobs; i++) {
		struct blk_job *job = c->jobs[i];
		if (!job->o.rep.stats)
			continue;
		if (job->o.group_reporting && prev != UINT32_MAX &&
		    c->jobs[prev]->groupid == job->groupid)
			job->report_name = c->jobs[prev]->report_name;
		else
			job->report_name = job->o.name;
		prev = i;
	}
	/* fio's exitall is the run's: any job that sets it makes every job's end stop its group */
	bool exitall = false;
	for (unsigned i = 0; i < c->njobs; i++)
		exitall |= c->jobs[i]->o.ctl.exitall;
	for (unsigned i = 0; exitall && i < c->njobs; i++)
		c->jobs[i]->o.ctl.exitall = true;
	ret = check_exitall_groups(c, err, err_size);
	if (ret)
		return ret;
	if (cfg->readonly && (ret = check_readonly(c, err, err_size)))
		return ret;
	return cfg->parse_only ? CMD_DONE : CMD_CONTINUE;
}

static void fio_outputs(const struct command *cmd, struct cmd_outputs *o)
{
	const struct fio_config *cfg = command_config(cmd);

	blk_cli_outputs(&cfg->cli, o);
}

/* Whether a clone of the group ended the whole run (exitall with exit_what=all). */
static bool ended_all(const struct blk_group_result *gr)
{
	for (unsigned i = 0; gr->stats && i < gr->run.nworkers; i++)
		if (gr->stats[i].ended_all)
			return true;
	return false;
}

static int fio_plan(struct command *cmd, unsigned index, struct run_plan *plan)
{
	struct fio_cmd *c = command_state(cmd);
	const struct fio_config *cfg = command_config(cmd);
	char err[ERR_SIZE];

	if (index >= c->ngroups || (index && ended_all(&c->groups[index - 1].gr)))
		return CMD_NO_MORE_RUNS;
	struct fio_group *g = &c->groups[index];
	int ret = 0;
	blk_cli_settings(cmd, &cfg->cli, &c->settings);
	/* fio's order: every job's line, the version, "Starting", then each group's layout */
	bool text = !c->settings.quiet;
	c->settings.quiet = true;
	g->planned = true;
	/* files earlier groups laid out for this one are not laid out again */
	for (unsigned k = 0; !ret && k < index; k++)
		ret = blk_group_carry_files(&g->gr, &c->groups[k].gr);
	if (!ret)
		ret = blk_group_plan(&c->jobs[g->first], g->n, &c->settings, &g->gr, plan, err,
				     sizeof(err));
	else
		snprintf(err, sizeof(err), "out of memory");
	if (!ret) {
		blk_status_plan(plan, &g->gr, index, &cfg->cli, c->settings.out);
		if (text && index == 0)
			blk_print_run_header(c->settings.out, c->jobs, c->njobs);
		if (text && g->gr.layout_lines)
			fputs(g->gr.layout_lines, c->settings.out);
		blk_disk_util_start(&c->du_run, &g->gr);
		return CMD_RUN;
	}
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
	(void)out; /* fio prints every group's report at the end (fio_report_text) */
	blk_disk_util_stop(&c->du_run);
	blk_disk_util_add(&c->du_total, &c->du_run);
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

/* The output formats asked for (BLK_OUT_*), checked in configure. */
static unsigned fio_formats(const struct command *cmd)
{
	const struct fio_config *cfg = command_config(cmd);
	char err[ERR_SIZE];

	return blk_cli_formats(&cfg->cli, err, sizeof(err));
}

static void fio_json_tail(struct command *cmd, struct jsonw *j)
{
	struct fio_cmd *c = command_state(cmd);

	if (c->ngroups && c->jobs[0]->o.rep.disk_util)
		blk_disk_util_json(j, &c->du_total);
}

static const char *fio_run_label(const struct command *cmd, unsigned index)
{
	const struct fio_cmd *c = command_state(cmd);

	return c->jobs[c->groups[index].first]->o.name;
}

/* Whether run index ran and measured (its report is printed). */
static bool group_measured(const struct command *cmd, unsigned index)
{
	const struct fio_cmd *c = command_state(cmd);

	return index < c->ngroups && c->groups[index].planned &&
	       blk_group_measured(&c->groups[index].gr);
}

/* The runs that measured, in order (what the report reads: a job's reporting group may span
 * runs); *pos: where run index is among them (unchanged when it is not). */
static unsigned measured_runs(struct command *cmd, const struct blk_group_result **runs,
			      unsigned index, unsigned *pos)
{
	struct fio_cmd *c = command_state(cmd);
	unsigned n = 0;

	for (unsigned i = 0; i < command_nruns(cmd) && i < c->ngroups; i++) {
		if (!group_measured(cmd, i))
			continue;
		if (i == index)
			*pos = n;
		runs[n++] = &c->groups[i].gr;
	}
	return n;
}

static void fio_json_jobs(struct command *cmd, unsigned index, struct jsonw *j)
{
	const struct blk_group_result *runs[MAX_JOBS];
	unsigned pos = MAX_JOBS, n = measured_runs(cmd, runs, index, &pos);

	if (pos < n)
		blk_group_json_format(j, runs, n, pos, fio_formats(cmd) & BLK_OUT_JSON_PLUS);
}

/* The series' groupid: fio's groupid of the run's first job. */
static unsigned fio_run_group(const struct command *cmd, unsigned index)
{
	const struct fio_cmd *c = command_state(cmd);

	return c->jobs[c->groups[index].first]->groupid;
}

/* JSON among other formats: the command's document, written here in fio's order. */
static void fio_json_doc(struct command *cmd, FILE *out)
{
	struct jsonw j;

	jsonw_begin(&j, out);
	report_json_header(&j);
	report_environment_json(&j);
	fio_json_head(cmd, &j);
	jsonw_array_begin(&j, "jobs");
	for (unsigned i = 0; i < command_nruns(cmd); i++)
		if (group_measured(cmd, i))
			fio_json_jobs(cmd, i, &j);
	jsonw_array_end(&j);
	jsonw_array_begin(&j, "series");
	for (unsigned i = 0; i < command_nruns(cmd); i++) {
		if (!group_measured(cmd, i))
			continue;
		jsonw_object_begin(&j, NULL);
		jsonw_u64(&j, "groupid", fio_run_group(cmd, i));
		jsonw_string(&j, "jobname", fio_run_label(cmd, i));
		report_series_json(&j, "series", command_result(cmd, i));
		report_stalls_json(&j, "stalls", &command_result(cmd, i)->stalls);
		jsonw_object_end(&j);
	}
	jsonw_array_end(&j);
	fio_json_tail(cmd, &j);
	jsonw_end(&j);
}

/* fio's order at the end: terse lines, the JSON document, then the normal text. */
static void fio_report_text(struct command *cmd, FILE *out)
{
	const struct fio_config *cfg = command_config(cmd);
	struct fio_cmd *c = command_state(cmd);
	const struct blk_group_result *groups[MAX_JOBS];
	unsigned formats = fio_formats(cmd), pos = 0, n = measured_runs(cmd, groups, 0, &pos);

	blk_report_end(out, formats & BLK_OUT_TERSE, (unsigned)cfg->cli.terse_version, groups, n,
		       &c->du_total);
	if (formats & BLK_OUT_JSON)
		fio_json_doc(cmd, out);
	blk_report_end(out, formats & BLK_OUT_NORMAL, (unsigned)cfg->cli.terse_version, groups, n,
		       &c->du_total);
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
	.json_tail = fio_json_tail,
	.report_text = fio_report_text,
	.run_label = fio_run_label,
	.run_group = fio_run_group,
	.cleanup = fio_cleanup,
};
