/*
 * pgbench.c - `pvcbench pgbench` as the core's workload_ops (command.h): -i initialises the
 * tables (execute); a run checks the server and tables, vacuums as pgbench does (prepare), runs
 * the clients over -j threads on the shared runner (one plan), and prints pgbench's report.
 * Exit statuses are pgbench's: 0 done, 1 bad options or an early error (prepare sets it, so the
 * core's failure status, 2, does not override it), 2 errors during the run.
 */
#include "pgbench.h"
#include "script.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/metrics.h"
#include "pvcbench/report.h"
#include "pvcbench/rng.h"
#include "pvcbench/signals.h"
#include "pvcbench/workloads.h"

/* The scale factor from the data, as pgbench finds it; -1 after printing why not. */
static int64_t find_scale(PGconn *conn)
{
	PGresult *res = PQexec(conn, "select count(*) from pgbench_branches");
	int64_t scale;

	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		char line[512];
		pgb_first_line(PQerrorMessage(conn), line, sizeof(line));
		fprintf(stderr, "pvcbench pgbench: error: could not count number of branches: %s\n",
			line);
		if (!strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE) ?: "", "42P01"))
			fprintf(stderr,
				"pvcbench pgbench: hint: Perhaps you need to do "
				"initialization (\"pgbench -i\") in database \"%s\".\n",
				PQdb(conn));
		PQclear(res);
		return -1;
	}
	scale = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (scale <= 0) {
		fprintf(stderr,
			"pvcbench pgbench: error: pgbench_branches table is empty\n"
			"pvcbench pgbench: hint: Perhaps you need to do initialization "
			"(\"pgbench -i\") in database \"%s\".\n",
			PQdb(conn));
		return -1;
	}
	return scale;
}

/* pgbench's tryExecuteStatement: an error is said, and the run goes on */
static void try_exec(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *msg = PQerrorMessage(conn);
		size_t len = strlen(msg);
		while (len && msg[len - 1] == '\n')
			len--;
		fprintf(stderr,
			"pvcbench pgbench: error: %.*s\n"
			"pvcbench pgbench: detail: (ignoring this error and continuing anyway)\n",
			(int)len, msg);
	}
	PQclear(res);
}

/* pgbench's vacuum before a run (it also empties pgbench_history); errors are ignored */
static void vacuum_before_run(PGconn *conn, const struct pgb_config *cfg)
{
	fprintf(stderr, "starting vacuum...");
	try_exec(conn, "vacuum pgbench_branches");
	try_exec(conn, "vacuum pgbench_tellers");
	try_exec(conn, "truncate pgbench_history");
	try_exec(conn, "vacuum pgbench_history");
	fprintf(stderr, "end.\n");
	if (cfg->vacuum_all) {
		fprintf(stderr, "starting vacuum pgbench_accounts...");
		try_exec(conn, "vacuum analyze pgbench_accounts");
		fprintf(stderr, "end.\n");
	}
}

/* Connection failures, once per distinct message, with how many clients each hit */
static void print_connect_failures(const struct pgb_summary *s)
{
	for (unsigned i = 0; i < s->nthreads; i++) {
		const struct pgb_thread_result *t = &s->threads[i];
		if (!t->not_connected)
			continue;
		bool seen = false;
		for (unsigned k = 0; k < i && !seen; k++)
			seen = s->threads[k].not_connected &&
			       !strcmp(s->threads[k].conn_error, t->conn_error);
		if (seen)
			continue;
		unsigned count = 0;
		for (unsigned k = i; k < s->nthreads; k++)
			if (s->threads[k].not_connected &&
			    !strcmp(s->threads[k].conn_error, t->conn_error))
				count += s->threads[k].not_connected;
		fprintf(stderr, "pvcbench pgbench: %u of %lld clients could not connect: %s\n",
			count, (long long)s->cfg->clients, t->conn_error);
	}
	/* aborted clients said why as it happened, as pgbench's do */
}

/* What a run needs from prepare to cleanup; the workers point into it. */
struct pgb_state {
	struct pgb_conninfo ci;
	struct pgb_run run;
	struct worker_spec *specs;
	struct pgb_thread_spec *tspecs;
	struct pgb_thread_result *tres;
	struct pgb_summary sum;
	bool detached;		  /* a worker still runs: nothing it reaches may be freed */
	const char **worker_jobs; /* the live metrics' job of each thread: the JSON's "pgbench" */
};

static bool pgb_measures(const struct command *cmd)
{
	const struct pgb_config *cfg = command_config(cmd);

	return !cfg->initialize;
}

static int pgb_execute(struct command *cmd)
{
	const struct pgb_config *cfg = command_config(cmd);
	struct pgb_conninfo ci;

	pgb_conninfo_build(&ci, cfg);
	return pgb_init(cfg, &ci) ? PGB_EXIT_EARLY : PGB_EXIT_OK;
}

static void pgb_outputs(const struct command *cmd, struct cmd_outputs *o)
{
	const struct pgb_config *cfg = command_config(cmd);

	o->results = cfg->output;
	o->results_option = "output";
	o->json = !strcmp(cfg->output_format, "json");
	/* with --output, the text report goes to stdout as well */
	o->text_on_stdout = true;
}

/* True when a builtin script runs: pgbench then reads the scale from pgbench_branches */
static bool builtin_used(const struct pgb_scripts *ss)
{
	for (unsigned i = 0; i < ss->n; i++)
		if (ss->s[i].builtin)
			return true;
	return false;
}

/* Connect, find the scale, vacuum: an error here is pgbench's early error (status 1) */
static int check_server(struct command *cmd, struct pgb_state *st)
{
	const struct pgb_config *cfg = command_config(cmd);
	PGconn *conn = pgb_connect(&st->ci);

	if (!conn)
		return -ECONNREFUSED;
	/* custom scripts alone: :scale is -s (1 unless given), as pgbench's */
	st->run.scale = cfg->scale;
	if (builtin_used(st->run.scripts)) {
		st->run.scale = find_scale(conn);
		if (st->run.scale < 0) {
			PQfinish(conn);
			return -EIO;
		}
		if (cfg->scale_given)
			fprintf(stderr,
				"pvcbench pgbench: warning: scale option ignored, using count from "
				"pgbench_branches table (%lld)\n",
				(long long)st->run.scale);
	}
	if (!cfg->no_vacuum)
		vacuum_before_run(conn, cfg);
	PQfinish(conn);
	return 0;
}

/* Clients over threads as evenly as they go, as pgbench deals them */
static void deal_clients(const struct pgb_config *cfg, struct pgb_state *st)
{
	unsigned nthreads = cfg->threads, dealt = 0;

	for (unsigned i = 0; i < nthreads; i++) {
		unsigned n = ((unsigned)cfg->clients - dealt + nthreads - i - 1) / (nthreads - i);
		st->tspecs[i] = (struct pgb_thread_spec){ .run = &st->run,
							  .first_client = dealt,
							  .nclients = n,
							  .result = &st->tres[i] };
		st->specs[i] = (struct worker_spec){
			.runtime_ns = cfg->time > 0 ? (uint64_t)cfg->time * 1000000000ULL : 0,
			.cpu = -1,
			.numa_node = -1,
			.arg = &st->tspecs[i],
		};
		dealt += n;
	}
}

/*
 * The scripts (-f, -b, -N, -S; tpcb-like when none), parsed before anything connects:
 * configure loads them with pgbench's early checks; a configuration that comes without them
 * is loaded here. A parse error is pgbench's status 1, its message printed by the loader.
 */
static int load_scripts(struct pgb_config *cfg, struct pgb_state *st)
{
	if (!cfg->scripts) {
		struct pgb_scripts *ss = calloc(1, sizeof(*ss));
		if (!ss)
			return -ENOMEM;
		int ret = pgb_scripts_load(ss, cfg, stderr);
		if (ret) {
			pgb_scripts_free(ss);
			free(ss);
			return ret;
		}
		cfg->scripts = ss;
	}
	st->run.scripts = cfg->scripts;
	return 0;
}

/* The scripts are freed with the configuration's run, whoever loaded them */
static void free_scripts(struct pgb_config *cfg)
{
	if (!cfg->scripts)
		return;
	pgb_scripts_free(cfg->scripts);
	free(cfg->scripts);
	cfg->scripts = NULL;
}

/* :default_seed as pgbench 15 draws it: its base sequence's draw after one per client */
static int64_t default_seed(uint64_t seed, unsigned nclients)
{
	uint64_t base[2];

	pgb_prng_seed(base, seed);
	for (unsigned i = 0; i < nclients; i++)
		pgb_prng_next(base);
	return (int64_t)pgb_prng_next(base);
}

static int pgb_prepare(struct command *cmd)
{
	struct pgb_config *cfg = command_config(cmd);
	struct pgb_state *st = calloc(1, sizeof(*st));
	int ret;

	if (!st)
		goto nomem;
	command_set_state(cmd, st);
	pgb_conninfo_build(&st->ci, cfg);
	st->run = (struct pgb_run){ .cfg = cfg, .ci = &st->ci };
	ret = load_scripts(cfg, st);
	if (ret) {
		command_set_status(cmd, PGB_EXIT_EARLY);
		return ret;
	}
	ret = check_server(cmd, st);
	if (!ret && cfg->check && pgb_check_before(&st->ci, &st->sum.check))
		ret = -EIO;
	if (ret) {
		command_set_status(cmd, PGB_EXIT_EARLY);
		return ret;
	}
	st->run.reconnect = !strcmp(cfg->on_error, "reconnect");
	st->run.reconnect_timeout_ns = (uint64_t)cfg->reconnect_timeout * 1000000000ULL;
	st->run.default_seed = default_seed(cfg->seed, (unsigned)cfg->clients);
	st->run.mode = !strcmp(cfg->protocol, "simple")	    ? PGB_SIMPLE
		       : !strcmp(cfg->protocol, "extended") ? PGB_EXTENDED
							    : PGB_PREPARED;
	if (cfg->rate_tps)
		st->run.throttle_ns = (uint64_t)(1e9 * cfg->threads / cfg->rate_tps);
	if (cfg->rate_tps && !st->run.throttle_ns)
		st->run.throttle_ns = 1;
	st->run.latency_limit_ns = (uint64_t)(cfg->latency_limit_ms * 1e6);
	st->run.nops = cfg->rate_tps ? 2 : 1;

	st->specs = calloc(cfg->threads, sizeof(*st->specs));
	st->tspecs = calloc(cfg->threads, sizeof(*st->tspecs));
	st->tres = calloc(cfg->threads, sizeof(*st->tres));
	if (!st->specs || !st->tspecs || !st->tres)
		goto nomem;
	deal_clients(cfg, st);
	st->sum.cfg = cfg;
	st->sum.run = &st->run;
	st->sum.threads = st->tres;
	st->sum.nthreads = cfg->threads;
	return 0;
nomem:
	command_error(cmd, "error: out of memory");
	command_set_status(cmd, PGB_EXIT_EARLY);
	return -ENOMEM;
}

static int pgb_plan(struct command *cmd, unsigned index, struct run_plan *plan)
{
	const struct pgb_config *cfg = command_config(cmd);
	struct pgb_state *st = command_state(cmd);

	if (index > 0)
		return CMD_NO_MORE_RUNS;
	st->worker_jobs = calloc(cfg->threads, sizeof(*st->worker_jobs));
	if (!st->worker_jobs) {
		command_error(cmd, "error: out of memory");
		command_set_status(cmd, PGB_EXIT_EARLY);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < cfg->threads; i++)
		st->worker_jobs[i] = "pgbench";
	metrics_set_engine("pgbench", "libpq");
	*plan = (struct run_plan){
		.nworkers = cfg->threads,
		.nops = st->run.nops,
		.op_names = { "txn", "lag" },
		.specs = st->specs,
		.interval_ns = (cfg->progress ? (uint64_t)cfg->progress : 1) * 1000000000ULL,
		.progress = false,
		.worker_init = pgb_worker_init,
		.worker_run = pgb_worker_run,
		.worker_exit = pgb_worker_exit,
		.on_interval = cfg->progress ? pgb_progress : NULL,
		.on_interval_arg = &st->sum,
		.interval_out = stderr,
		.stall_threshold_ns = cfg->stall_threshold,
		.worker_jobs = st->worker_jobs,
	};
	return CMD_RUN;
}

static void print_worker_errors(const struct run_result *res)
{
	for (unsigned i = 0; i < res->nworkers; i++)
		if (res->workers[i].error)
			fprintf(stderr, "pvcbench pgbench: error: %s\n", res->workers[i].error_msg);
}

/* Connection failures, aborted clients and worker errors: pgbench's status 2 */
static int pgb_run_done(struct command *cmd, unsigned index, struct run_result *res, FILE *out)
{
	struct pgb_state *st = command_state(cmd);
	const struct pgb_config *cfg = command_config(cmd);

	(void)index;
	(void)out;
	st->detached = res->detached;
	if (res->init_failed) {
		print_worker_errors(res);
		command_set_status(cmd, PGB_EXIT_RUN);
		return 0;
	}
	st->sum.result = res;
	pgb_summarize(&st->sum);
	print_connect_failures(&st->sum);
	for (unsigned i = 0; i < res->nworkers; i++) {
		if (res->workers[i].error) {
			print_worker_errors(res);
			command_set_status(cmd, PGB_EXIT_RUN);
			break;
		}
	}
	if (st->sum.not_connected || st->sum.aborted) {
		fprintf(stderr, "pvcbench pgbench: error: Run was aborted; the above results are "
				"incomplete.\n");
		command_set_status(cmd, PGB_EXIT_RUN);
	}
	if (cfg->check && res->interrupted) {
		st->sum.check.skipped = true;
		snprintf(st->sum.check.error, sizeof(st->sum.check.error),
			 "not made: the run was stopped by a signal");
	} else if (cfg->check) {
		pgb_check_after(&st->ci, &st->sum.check, st->sum.processed, st->sum.in_doubt);
		if (!st->sum.check.ok) {
			fprintf(stderr,
				"pvcbench pgbench: error: CHECK FAILED: %s (see the check lines of "
				"the report)\n",
				st->sum.check.error[0]	      ? st->sum.check.error
				: !st->sum.check.invariant_ok ? "the TPC-B invariant does not hold"
							      : "the history does not match the "
								"acknowledged transactions");
			command_set_status(cmd, PGB_EXIT_RUN);
		}
	}
	if (res->interrupted)
		fprintf(stderr,
			"pvcbench pgbench: stopped by signal %d; the results are those "
			"gathered until then\n",
			signals_received());
	return 0;
}

static void pgb_report_text(struct command *cmd, FILE *out)
{
	const struct pgb_state *st = command_state(cmd);

	pgb_print_text(out, &st->sum);
	/* the outage windows, then what survived them: nothing in a clean run without --check */
	if (st->sum.result)
		stall_print_text(out, &st->sum.result->stalls, "  ");
	if (st->sum.cfg->check && st->sum.result)
		pgb_check_print(out, &st->sum.check);
}

static void pgb_json_jobs(struct command *cmd, unsigned index, struct jsonw *j)
{
	const struct pgb_state *st = command_state(cmd);

	(void)index;
	pgb_json_job(j, &st->sum, command_options(cmd));
}

static unsigned cfg_threads(struct command *cmd)
{
	const struct pgb_config *cfg = command_config(cmd);

	return cfg->threads;
}

static void pgb_cleanup(struct command *cmd)
{
	struct pgb_state *st = command_state(cmd);

	/* a detached worker still reads the specs, the run and the script: leave them */
	if (st && st->detached)
		return;
	if (!st) {
		free_scripts(command_config(cmd));
		pgb_config_free(command_config(cmd));
		return;
	}
	for (unsigned i = 0; st->tres && i < cfg_threads(cmd); i++) {
		free(st->tres[i].scripts);
		free(st->tres[i].cmds);
	}
	pgb_summary_free(&st->sum);
	free_scripts(command_config(cmd));
	pgb_config_free(command_config(cmd));
	free(st->specs);
	free(st->worker_jobs);
	free(st->tspecs);
	free(st->tres);
	free(st);
	command_set_state(cmd, NULL);
}

const struct workload_ops pgb_ops = {
	.name = "pgbench",
	.summary = "pgbench-compatible PostgreSQL load: -i to initialise, then run",
	.usage = "usage: pvcbench pgbench [OPTION]... [DBNAME | CONNECTION-STRING]\n\n"
		 "pgbench's options and meaning. Connection settings also come from libpq's\n"
		 "environment: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGCONNECT_TIMEOUT\n"
		 "(default 10 s here). Exit status: 0 done, 1 bad options or an early error,\n"
		 "2 errors during the run, or a failed --check.\n",
	.style = OPT_STYLE_GETOPT,
	.options = pgb_option_defs,
	.config_size = sizeof(struct pgb_config),
	.usage_status = PGB_EXIT_EARLY,
	.failed_status = PGB_EXIT_RUN,
	.early_status = PGB_EXIT_EARLY,
	.on_option = pgb_on_option,
	.on_operand = pgb_on_operand,
	.configure = pgb_configure,
	.measures = pgb_measures,
	.execute = pgb_execute,
	.outputs = pgb_outputs,
	.prepare = pgb_prepare,
	.plan = pgb_plan,
	.run_done = pgb_run_done,
	.report_text = pgb_report_text,
	.json_jobs = pgb_json_jobs,
	.cleanup = pgb_cleanup,
};
