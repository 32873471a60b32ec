/*
 * command.c - the steps every command takes, once (see command.h): the command line through the
 * option table, help, checks, outputs written whole or not at all, the runs on the runner, the
 * report (the workload's text or the one JSON envelope), cleanup and the exit status.
 *
 * A run whose workers never started (a worker failed to initialise, or the runner could not set
 * itself up) is kept for the workload to explain but adds nothing to the results; when no run
 * measured anything, the outputs are dropped rather than written empty.
 */
#define _GNU_SOURCE
#include "pvcbench/environment.h"
#include "pvcbench/command.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/metrics.h"
#include "pvcbench/signals.h"
#include "pvcbench/startat.h"

#define ERR_SIZE 1024

struct command {
	const struct workload_ops *ops;
	void *config;
	struct option_set set, job_set;
	void *state;
	int status;
	bool json;
	FILE *results;	  /* the results stream while measuring */
	bool hook_failed; /* the error came from the command's on_option or on_operand */
	struct run_result *runs;
	unsigned nruns, runs_cap;
};

void *command_config(const struct command *cmd)
{
	return cmd->config;
}

const struct option_set *command_options(const struct command *cmd)
{
	return &cmd->set;
}

const struct workload_ops *command_ops(const struct command *cmd)
{
	return cmd->ops;
}

void *command_state(const struct command *cmd)
{
	return cmd->state;
}

void command_set_state(struct command *cmd, void *state)
{
	cmd->state = state;
}

bool command_json(const struct command *cmd)
{
	return cmd->json;
}

FILE *command_results(const struct command *cmd)
{
	return cmd->results;
}

unsigned command_nruns(const struct command *cmd)
{
	return cmd->nruns;
}

struct run_result *command_result(const struct command *cmd, unsigned index)
{
	return index < cmd->nruns ? &cmd->runs[index] : NULL;
}

void command_set_status(struct command *cmd, int status)
{
	if (status > cmd->status)
		cmd->status = status;
}

void command_error(const struct command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvcbench %s: ", cmd->ops->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int command_store_option(struct command *cmd, const struct option_def *def, const char *value,
			 char *err, size_t err_size)
{
	return opt_set(&cmd->set, cmd->config, def->name, value, SRC_FLAG, err, err_size);
}

static int on_option(void *arg, unsigned table, const struct option_def *def, const char *value,
		     char *err, size_t err_size)
{
	struct command *cmd = arg;
	int ret;

	if (!cmd->ops->on_option)
		return command_store_option(cmd, def, value, err, err_size);
	ret = cmd->ops->on_option(cmd, table, def, value, err, err_size);
	cmd->hook_failed = ret != 0;
	return ret;
}

static int on_operand(void *arg, const char *text, char *err, size_t err_size)
{
	struct command *cmd = arg;
	int ret = cmd->ops->on_operand(cmd, text, err, err_size);

	cmd->hook_failed = ret != 0;
	return ret;
}

static void print_help(const struct workload_ops *ops, FILE *out)
{
	fputs(ops->usage, out);
	fputs(ops->job_options ? "\nProgram options:\n" : "\nOptions:\n", out);
	opt_print_help_style(ops->options, ops->style, out);
	if (ops->job_options) {
		fputs("\nJob options (also job-file keys):\n", out);
		opt_print_help_style(ops->job_options, ops->style, out);
	}
	fputs("\nEvery command also takes " STARTAT_FLAG "=TIME (or " STARTAT_ENV
	      "): wait until then to start;\nTIME is " STARTAT_FORMS ".\n",
	      out);
	/* prose, like --start-at's: these are the core's, not the command's option table */
	fputs("\nLive metrics (docs/metrics.md): " METRICS_LISTEN_FLAG
	      "=ADDR:PORT serves Prometheus' /metrics there\n(127.0.0.1:9100, :9100 for every "
	      "address, [::1]:9100; port 0: a free one); " METRICS_LINGER_FLAG "=TIME\n"
	      "keeps it up after the end until the final values were scraped (30s; 0: no);\n" METRICS_PUSH_FLAG
	      "=URL pushes to a Prometheus Pushgateway (http:// or https://) every\n" METRICS_PUSH_INTERVAL_FLAG
	      "=TIME (5s) and at the end. Or " METRICS_LISTEN_ENV ",\n" METRICS_LINGER_ENV
	      ", " METRICS_PUSH_ENV ", " METRICS_PUSH_INTERVAL_ENV ".\n",
	      out);
}

static bool wants_help(const struct workload_ops *ops, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--help"))
			return true;
		if (ops->style == OPT_STYLE_GETOPT && !strcmp(argv[i], "-?"))
			return true;
	}
	return false;
}

/* Defaults, environment, command line, then the workload's checks. */
static int parse(struct command *cmd, int argc, char **argv, char *err)
{
	const struct workload_ops *ops = cmd->ops;
	struct opt_target targets[2] = { { &cmd->set, cmd->config }, { &cmd->job_set, NULL } };
	struct opt_argv p = {
		.style = ops->style,
		.targets = targets,
		.ntargets = ops->job_options ? 2 : 1,
		.on_option = on_option,
		.on_operand = ops->on_operand ? on_operand : NULL,
		.arg = cmd,
	};
	int ret;

	ret = opt_apply_defaults(&cmd->set, cmd->config, err, ERR_SIZE);
	if (!ret)
		ret = opt_apply_env(&cmd->set, cmd->config, err, ERR_SIZE);
	if (!ret) {
		ret = opt_parse_argv(&p, argc, argv, err, ERR_SIZE);
		/* getopt's complaints come with pgbench's hint, as getopt_long's callers print it */
		if (ret && !cmd->hook_failed && ops->style == OPT_STYLE_GETOPT) {
			size_t len = strlen(err);
			snprintf(err + len, ERR_SIZE - len,
				 "\npvcbench %s: hint: Try \"pvcbench %s --help\" for more "
				 "information.",
				 ops->name, ops->name);
		}
	}
	if (!ret && ops->configure)
		ret = ops->configure(cmd, err, ERR_SIZE);
	return ret;
}

static int keep_run(struct command *cmd, struct run_result *res)
{
	if (cmd->nruns == cmd->runs_cap) {
		unsigned cap = cmd->runs_cap ? 2 * cmd->runs_cap : 4;
		struct run_result *runs = realloc(cmd->runs, cap * sizeof(*runs));
		if (!runs)
			return -ENOMEM;
		cmd->runs = runs;
		cmd->runs_cap = cap;
	}
	cmd->runs[cmd->nruns++] = *res;
	return 0;
}

static int early_status(const struct workload_ops *ops)
{
	return ops->early_status ? ops->early_status : ops->failed_status;
}

static bool run_measured(const struct run_result *res)
{
	return res->workers && !res->init_failed;
}

static const char *run_label(const struct command *cmd, unsigned i)
{
	const char *label = cmd->ops->run_label ? cmd->ops->run_label(cmd, i) : NULL;

	return label ? label : cmd->ops->name;
}

static unsigned run_group(const struct command *cmd, unsigned i)
{
	return cmd->ops->run_group ? cmd->ops->run_group(cmd, i) : i;
}

/* Every plan in turn on the runner. Returns whether any run measured something. */
static bool run_all(struct command *cmd, FILE *out)
{
	const struct workload_ops *ops = cmd->ops;
	bool measured = false;

	for (unsigned i = 0; !signals_stop_requested(); i++) {
		struct run_plan plan;
		struct run_result res;

		memset(&plan, 0, sizeof(plan));
		int ret = ops->plan(cmd, i, &plan);
		if (ret == CMD_NO_MORE_RUNS)
			break;
		if (ret < 0) {
			command_set_status(cmd, ops->failed_status);
			break;
		}
		plan.metrics_run = i;
		ret = runner_run(&plan, &res);
		if (!res.workers) {
			/* the runner could not set itself up: nothing ran */
			command_error(cmd, "could not start the run: %s",
				      strerror(-(res.error ? res.error : ret)));
			command_set_status(cmd,
					   cmd->nruns ? ops->failed_status : early_status(ops));
			run_result_free(&res);
			break;
		}
		if (keep_run(cmd, &res)) {
			command_error(cmd, "out of memory");
			command_set_status(cmd, ops->failed_status);
			run_result_free(&res);
			break;
		}
		measured |= run_measured(&res);
		if (res.error) {
			/* the run itself failed (its series could not be kept): say so, whatever
			 * the workers did */
			command_error(cmd, "run %u: %s", i + 1, strerror(-res.error));
			command_set_status(cmd, ops->failed_status);
		}
		if (ops->run_done && ops->run_done(cmd, i, &cmd->runs[i], out) < 0)
			break;
	}
	return measured;
}

static void write_json(struct command *cmd, FILE *out)
{
	const struct workload_ops *ops = cmd->ops;
	struct jsonw j;

	jsonw_begin(&j, out);
	report_json_header(&j);
	report_environment_json(&j);
	if (ops->json_head)
		ops->json_head(cmd, &j);
	jsonw_array_begin(&j, "jobs");
	for (unsigned i = 0; ops->json_jobs && i < cmd->nruns; i++)
		if (run_measured(&cmd->runs[i]))
			ops->json_jobs(cmd, i, &j);
	jsonw_array_end(&j);
	jsonw_array_begin(&j, "series");
	for (unsigned i = 0; i < cmd->nruns; i++) {
		if (!run_measured(&cmd->runs[i]))
			continue;
		jsonw_object_begin(&j, NULL);
		jsonw_u64(&j, "groupid", run_group(cmd, i));
		jsonw_string(&j, "jobname", run_label(cmd, i));
		report_series_json(&j, "series", &cmd->runs[i]);
		report_stalls_json(&j, "stalls", &cmd->runs[i].stalls);
		jsonw_object_end(&j);
	}
	jsonw_array_end(&j);
	if (ops->json_tail)
		ops->json_tail(cmd, &j);
	jsonw_end(&j);
}

static void write_series_csv(struct command *cmd, FILE *f)
{
	bool header = true;

	for (unsigned i = 0; i < cmd->nruns; i++) {
		if (!run_measured(&cmd->runs[i]))
			continue;
		report_series_csv(f, &cmd->runs[i], run_label(cmd, i), header);
		header = false;
	}
}

/* Writes the results, then commits both files; measured false drops them. */
static void finish_outputs(struct command *cmd, const struct cmd_outputs *o,
			   struct report_output *results, struct report_output *series,
			   bool measured)
{
	char err[ERR_SIZE];

	if (!measured) {
		/* nothing was measured: no empty result, just the errors already printed */
		report_output_abort(results);
		report_output_abort(series);
		return;
	}
	if (cmd->json)
		write_json(cmd, results->f);
	else if (cmd->ops->report_text)
		cmd->ops->report_text(cmd, results->f);
	if (o->text_on_stdout && results->f != stdout && cmd->ops->report_text)
		cmd->ops->report_text(cmd, stdout);
	if (series->f)
		write_series_csv(cmd, series->f);
	if (report_output_commit(results, err, sizeof(err))) {
		command_error(cmd, "%s", err);
		command_set_status(cmd, cmd->ops->failed_status);
		report_output_abort(series);
		return;
	}
	if (series->f && report_output_commit(series, err, sizeof(err))) {
		command_error(cmd, "%s", err);
		command_set_status(cmd, cmd->ops->failed_status);
	}
}

static int open_outputs(struct command *cmd, const struct cmd_outputs *o,
			struct report_output *results, struct report_output *series, char *err)
{
	const char *path = o->results && o->results[0] ? o->results : NULL;
	int ret;

	memset(results, 0, sizeof(*results));
	memset(series, 0, sizeof(*series));
	ret = report_output_open(results, path, o->results_option ? o->results_option : "output",
				 err, ERR_SIZE);
	if (ret || !o->series || !o->series[0])
		return ret;
	ret = report_output_open(series, o->series, "series", err, ERR_SIZE);
	if (ret)
		report_output_abort(results);
	return ret;
}

/* The measured path: outputs, prepare, the runs, the report. */
static void measure(struct command *cmd, const struct cmd_outputs *o, char *err)
{
	const struct workload_ops *ops = cmd->ops;
	struct report_output results, series;

	if (open_outputs(cmd, o, &results, &series, err)) {
		command_error(cmd, "%s", err);
		command_set_status(cmd, ops->usage_status);
		return;
	}
	cmd->results = results.f;
	metrics_set_phase(METRICS_SETUP);
	if (ops->prepare && ops->prepare(cmd)) {
		/* a status prepare set for its failure stands */
		if (!cmd->status)
			command_set_status(cmd, early_status(ops));
		cmd->results = NULL;
		finish_outputs(cmd, o, &results, &series, false);
		return;
	}
	bool measured = run_all(cmd, results.f);
	cmd->results = NULL;
	finish_outputs(cmd, o, &results, &series, measured);
}

static bool measures(const struct command *cmd)
{
	if (cmd->ops->measures)
		return cmd->ops->measures(cmd);
	return cmd->ops->plan != NULL;
}

int command_main(const struct workload_ops *ops, int argc, char **argv)
{
	struct command cmd = { .ops = ops };
	struct cmd_outputs o = { 0 };
	char err[ERR_SIZE] = "";
	int ret;

	if (wants_help(ops, argc, argv)) {
		print_help(ops, stdout);
		return 0;
	}
	/* --start-at is taken first: it is the core's option, in every style */
	struct timespec when;
	bool start_set;
	if (startat_take(&argc, argv, &when, &start_set, err, sizeof(err))) {
		command_error(&cmd, "%s", err);
		return ops->usage_status;
	}
	/* and the live metrics' flags, the core's too */
	struct metrics_config metrics;
	if (metrics_take(&argc, argv, &metrics, err, sizeof(err))) {
		command_error(&cmd, "%s", err);
		return ops->usage_status;
	}
	cmd.config = calloc(1, ops->config_size ? ops->config_size : 1);
	if (!cmd.config || opt_set_init(&cmd.set, ops->options) ||
	    (ops->job_options && opt_set_init(&cmd.job_set, ops->job_options))) {
		command_error(&cmd, "out of memory");
		ret = ops->failed_status;
		goto out;
	}
	ret = parse(&cmd, argc, argv, err);
	if (ret) {
		/* an empty message: the command printed its own (pgbench's script errors) */
		if (ret < 0 && err[0])
			command_error(&cmd, "%s", err);
		ret = ret < 0 ? ops->usage_status : 0;
		goto cleanup;
	}
	/* the endpoint binds now, so that a port in use stops the command before any setup */
	if (measures(&cmd) && metrics_start(&metrics, ops->name, err, sizeof(err))) {
		command_error(&cmd, "%s", err);
		ret = early_status(ops);
		goto cleanup;
	}
	if (start_set) {
		if (measures(&cmd)) {
			startat_defer(&when);
		} else if (startat_wait(&when, stderr)) {
			int sig = signals_received();
			command_error(&cmd, "stopped before the start time; nothing was run");
			ret = sig ? 128 + sig : 1;
			goto cleanup;
		}
	}
	if (!measures(&cmd)) {
		ret = ops->execute ? ops->execute(&cmd) : 0;
		goto cleanup;
	}
	if (ops->outputs)
		ops->outputs(&cmd, &o);
	cmd.json = o.json;
	measure(&cmd, &o, err);
	ret = cmd.status;
cleanup:
	if (ops->cleanup)
		ops->cleanup(&cmd);
	/*
	 * The results are committed and the data files gone: the final push, then the linger. A
	 * signal during the linger only ends it: the command had ended, its status stands.
	 */
	int sig = signals_received();
	metrics_stop();
	if (sig && !ops->signal_is_normal_end)
		ret = 128 + sig;
out:
	for (unsigned i = 0; i < cmd.nruns; i++)
		run_result_free(&cmd.runs[i]);
	free(cmd.runs);
	opt_set_free(&cmd.set);
	opt_set_free(&cmd.job_set);
	free(cmd.config);
	return ret;
}
