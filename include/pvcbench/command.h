/*
 * command.h - a command as the core sees it (struct workload_ops), and the steps every command
 * takes, written once in src/core/command.c:
 *
 *   defaults and environment -> the command line (opt_parse_argv, the command's style) -> --help
 *   -> configure (checks across options) -> open the outputs (whole or not at all) -> prepare
 *   (files, tables, topic) -> for each plan: the runner, then run_done -> the report (the
 *   workload's text, or one JSON envelope) -> commit the outputs -> cleanup -> exit status.
 *
 * The JSON envelope is the same for every workload: fio's header members, the command's own
 * head members, "jobs" (each run's job objects, in fio's shape), "series" (one entry per run:
 * groupid, jobname, and the run's time series), then the command's tail members. Tools that read
 * fio's JSON, and pvcbench merge, find everything in the same place whatever the workload.
 *
 * --start-at (or PVCBENCH_START_AT) is taken by the core for every command: a command that
 * measures waits at the runner's start barrier, after its setup; one that does not waits before
 * it starts.
 *
 * Exit statuses: the command's usage status for bad input (one line on stderr), the status the
 * workload set (command_set_status) or its failure status when a step failed, 0 otherwise; and
 * 128 + the signal when a signal stopped the run (the results gathered so far are still written).
 */
#ifndef PVCBENCH_COMMAND_H
#define PVCBENCH_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "pvcbench/options.h"
#include "pvcbench/report.h"
#include "pvcbench/runner.h"

struct command;

/* Where a command's results go, as its options say (workload_ops.outputs). */
struct cmd_outputs {
	const char *results;	    /* results file; NULL, "" or "-": stdout */
	const char *results_option; /* the option that named it, for messages ("output") */
	const char *series;	    /* the time series as CSV to this file; NULL or "": none */
	bool json;		    /* one JSON document instead of the workload's text */
	bool text_on_stdout;	    /* results in a file: the text report on stdout as well */
};

/* Return of configure: go on, or the command is done (--version) and exits 0. */
enum { CMD_CONTINUE = 0, CMD_DONE = 1 };
/* Return of plan: a run to make, or no more runs. */
enum { CMD_RUN = 0, CMD_NO_MORE_RUNS = 1 };

struct workload_ops {
	const char *name;    /* as typed after pvcbench: "fio", "pgbench", "kafka produce" */
	const char *summary; /* one line for `pvcbench help` */
	const char *usage;   /* --help's text before the options: usage line and what it does */
	enum opt_style style;
	const struct option_def *options; /* the command's table, over its config struct */
	size_t config_size;
	/* Optional second table (fio's job options): its values go to on_option (table 1). */
	const struct option_def *job_options;
	int usage_status;  /* bad options: 2 (pgbench: 1) */
	int failed_status; /* a step failed: 1 (pgbench: 2 for errors during the run) */
	/* a failure before anything ran (prepare, or a runner that could not start); 0: the
	 * failed status (pgbench: 1, its early error) */
	int early_status;
	/* A signal is the command's normal end (a server that runs until SIGTERM): the status
	 * execute returned stands, rather than 128 + the signal. */
	bool signal_is_normal_end;

	/*
	 * Optional: every option found, instead of storing it into the config (table 0:
	 * options, 1: job_options). command_store_option does the default. Returns 0 or a
	 * negative errno with a one-line message in err.
	 */
	int (*on_option)(struct command *cmd, unsigned table, const struct option_def *def,
			 const char *value, char *err, size_t err_size);
	/* Optional: each operand (job files, pgbench's DBNAME); NULL: operands are errors. */
	int (*on_operand)(struct command *cmd, const char *text, char *err, size_t err_size);
	/* Optional: checks across options and derived values, after parsing. Returns
	 * CMD_CONTINUE, CMD_DONE, or a negative errno with a one-line message (bad input). */
	int (*configure)(struct command *cmd, char *err, size_t err_size);
	/* Optional: whether this invocation measures (pgbench -i does not); NULL: it does
	 * when it has plan. */
	bool (*measures)(const struct command *cmd);
	/* A command that does not measure: the whole work. Returns the exit status. */
	int (*execute)(struct command *cmd);

	/* Where results go; NULL: stdout, the workload's text. */
	void (*outputs)(const struct command *cmd, struct cmd_outputs *o);
	/* Optional: what the runs need (files, tables, topic). Prints its errors (command_error)
	 * and returns 0 or a negative errno; then nothing runs. */
	int (*prepare)(struct command *cmd);
	/* Run index: fills plan (the specs must stay valid until cleanup). CMD_RUN,
	 * CMD_NO_MORE_RUNS, or a negative errno after printing why (no further runs). */
	int (*plan)(struct command *cmd, unsigned index, struct run_plan *plan);
	/* Optional: after run index, with its result (never NULL workers). out is the results
	 * stream (fio prints a group's text as it ends). 0 to go on, negative to stop. */
	int (*run_done)(struct command *cmd, unsigned index, struct run_result *res, FILE *out);
	/* The text report at the end. */
	void (*report_text)(struct command *cmd, FILE *out);
	/* JSON: top-level members before "jobs"; run index's job objects; members after. */
	void (*json_head)(struct command *cmd, struct jsonw *j);
	void (*json_jobs)(struct command *cmd, unsigned index, struct jsonw *j);
	void (*json_tail)(struct command *cmd, struct jsonw *j);
	/* Optional: members inside the top-level "environment" after the machine's (environment.h):
	 * what the command learnt of the system it measured ("postgres", "kafka"). */
	void (*json_environment)(struct command *cmd, struct jsonw *j);
	/* The series' jobname and the CSV's label for run index; NULL: the command's name. */
	const char *(*run_label)(const struct command *cmd, unsigned index);
	/* The series' groupid for run index; NULL: the index. */
	unsigned (*run_group)(const struct command *cmd, unsigned index);
	/* Optional: removes what prepare made, frees the command's state. Called whenever
	 * parsing began (on_option may have allocated). A run whose result says detached has
	 * a worker still running: its specs must then stay allocated (the exit frees them). */
	void (*cleanup)(struct command *cmd);
};

/* Runs a command on argv (argv[0] is the command's name). Returns the exit status. */
int command_main(const struct workload_ops *ops, int argc, char **argv);

/* What a workload reaches of its command. */
void *command_config(const struct command *cmd);
const struct option_set *command_options(const struct command *cmd);
const struct workload_ops *command_ops(const struct command *cmd);
void *command_state(const struct command *cmd);
void command_set_state(struct command *cmd, void *state);
/* The default for an option: store it into the config (table 0) with source SRC_FLAG. */
int command_store_option(struct command *cmd, const struct option_def *def, const char *value,
			 char *err, size_t err_size);
/* "pvcbench NAME: message" on stderr. */
void command_error(const struct command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The exit status when no signal stopped the run; the highest status set wins. */
void command_set_status(struct command *cmd, int status);
bool command_json(const struct command *cmd);
/* The results stream (stdout or the results file) while the outputs are open, from prepare to
 * the last run_done: for what a workload prints during its runs (fio's job headers, kafka
 * consume's detailed lines); NULL outside. */
FILE *command_results(const struct command *cmd);
/* Runs made so far (each with its result), and one of them. */
unsigned command_nruns(const struct command *cmd);
struct run_result *command_result(const struct command *cmd, unsigned index);

#endif
