/*
 * pgbench.c - `pvcbench pgbench`: parse pgbench's command line, then either initialise the
 * tables (-i) or check the server and tables, vacuum as pgbench does, run the clients over
 * -j threads on the shared runner, and print pgbench's report. Exit statuses are pgbench's:
 * 0 done, 1 bad options or an early error, 2 errors during the run.
 */
#include "pgbench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/report.h"
#include "pvcbench/signals.h"

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

/* pgbench's vacuum before a run: it also empties pgbench_history */
static int vacuum_before_run(PGconn *conn, const struct pgb_config *cfg)
{
	fprintf(stderr, "starting vacuum...");
	if (pgb_exec(conn, "vacuum pgbench_branches") || pgb_exec(conn, "vacuum pgbench_tellers") ||
	    pgb_exec(conn, "truncate pgbench_history") || pgb_exec(conn, "vacuum pgbench_history"))
		return -1;
	if (cfg->vacuum_all) {
		fprintf(stderr, "starting vacuum pgbench_accounts...");
		if (pgb_exec(conn, "vacuum analyze pgbench_accounts"))
			return -1;
	}
	fprintf(stderr, "end.\n");
	return 0;
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
	if (s->aborted) {
		for (unsigned i = 0; i < s->nthreads; i++) {
			if (!s->threads[i].aborted)
				continue;
			fprintf(stderr, "pvcbench pgbench: %u of %lld clients aborted; first: %s\n",
				s->aborted, (long long)s->cfg->clients, s->threads[i].abort_error);
			break;
		}
	}
}

/*
 * Whether the runner started the workers. It can fail before any worker exists (its own
 * allocations, a plan it refuses): it then returns an error that no worker holds, and
 * result->workers may be NULL, so nothing in result may be read.
 */
static bool run_started(int ret, const struct run_result *r)
{
	if (!r->workers)
		return false;
	if (!ret)
		return true;
	for (unsigned i = 0; i < r->nworkers; i++)
		if (r->workers[i].error)
			return true;
	return false;
}

static int run_bench(struct pgb_config *cfg, struct option_set *set, const struct pgb_conninfo *ci)
{
	struct pgb_run run = { .cfg = cfg, .ci = ci };
	struct report_output out = { 0 };
	char err[512];
	int status = PGB_EXIT_OK;

	PGconn *conn = pgb_connect(ci);
	if (!conn)
		return PGB_EXIT_EARLY;
	run.scale = find_scale(conn);
	if (run.scale < 0 || (!cfg->no_vacuum && vacuum_before_run(conn, cfg))) {
		PQfinish(conn);
		return PGB_EXIT_EARLY;
	}
	if (cfg->scale_given)
		fprintf(stderr,
			"pvcbench pgbench: warning: scale option ignored, using count from "
			"pgbench_branches table (%lld)\n",
			(long long)run.scale);
	PQfinish(conn);

	if (pgb_script_build(&run.script, cfg->builtin)) {
		fprintf(stderr, "pvcbench pgbench: error: out of memory\n");
		return PGB_EXIT_EARLY;
	}
	run.mode = !strcmp(cfg->protocol, "simple")	? PGB_SIMPLE
		   : !strcmp(cfg->protocol, "extended") ? PGB_EXTENDED
							: PGB_PREPARED;
	if (cfg->rate_tps)
		run.throttle_ns = (uint64_t)(1e9 * cfg->threads / cfg->rate_tps);
	if (cfg->rate_tps && !run.throttle_ns)
		run.throttle_ns = 1;
	run.latency_limit_ns = (uint64_t)(cfg->latency_limit_ms * 1e6);
	run.nops = cfg->rate_tps ? 2 : 1;

	if (report_output_open(&out, cfg->output[0] ? cfg->output : NULL, "output", err,
			       sizeof(err))) {
		fprintf(stderr, "pvcbench pgbench: %s\n", err);
		pgb_script_free(&run.script);
		return PGB_EXIT_EARLY;
	}

	unsigned nthreads = cfg->threads;
	struct worker_spec *specs = calloc(nthreads, sizeof(*specs));
	struct pgb_thread_spec *tspecs = calloc(nthreads, sizeof(*tspecs));
	struct pgb_thread_result *tres = calloc(nthreads, sizeof(*tres));
	struct run_result result;
	struct pgb_summary sum = {
		.cfg = cfg, .run = &run, .result = &result, .threads = tres, .nthreads = nthreads
	};
	if (!specs || !tspecs || !tres) {
		fprintf(stderr, "pvcbench pgbench: error: out of memory\n");
		report_output_abort(&out);
		pgb_script_free(&run.script);
		free(specs);
		free(tspecs);
		free(tres);
		return PGB_EXIT_EARLY;
	}
	/* clients over threads as evenly as they go, as pgbench deals them */
	unsigned dealt = 0;
	for (unsigned i = 0; i < nthreads; i++) {
		unsigned n = ((unsigned)cfg->clients - dealt + nthreads - i - 1) / (nthreads - i);
		tspecs[i] = (struct pgb_thread_spec){
			.run = &run, .first_client = dealt, .nclients = n, .result = &tres[i]
		};
		specs[i] = (struct worker_spec){
			.runtime_ns = cfg->time > 0 ? (uint64_t)cfg->time * 1000000000ULL : 0,
			.cpu = -1,
			.numa_node = -1,
			.arg = &tspecs[i],
		};
		dealt += n;
	}
	struct run_plan plan = {
		.nworkers = nthreads,
		.nops = run.nops,
		.op_names = { "txn", "lag" },
		.specs = specs,
		.interval_ns = (cfg->progress ? (uint64_t)cfg->progress : 1) * 1000000000ULL,
		.progress = false,
		.worker_init = pgb_worker_init,
		.worker_run = pgb_worker_run,
		.worker_exit = pgb_worker_exit,
		.on_interval = cfg->progress ? pgb_progress : NULL,
		.on_interval_arg = &sum,
		.interval_out = stderr,
	};
	int ret = runner_run(&plan, &result);
	if (!run_started(ret, &result)) {
		/* as pgbench, which exits 1 when it cannot allocate or start its threads */
		fprintf(stderr, "pvcbench pgbench: error: could not start the run: %s\n",
			strerror(ret ? -ret : ENOMEM));
		report_output_abort(&out);
		status = PGB_EXIT_EARLY;
		goto done;
	}
	if (result.init_failed) {
		for (unsigned i = 0; i < nthreads; i++)
			if (result.workers[i].error)
				fprintf(stderr, "pvcbench pgbench: error: %s\n",
					result.workers[i].error_msg);
		report_output_abort(&out);
		status = PGB_EXIT_RUN;
		goto done;
	}
	pgb_summarize(&sum);
	print_connect_failures(&sum);
	if (ret) {
		for (unsigned i = 0; i < nthreads; i++)
			if (result.workers[i].error)
				fprintf(stderr, "pvcbench pgbench: error: %s\n",
					result.workers[i].error_msg);
		status = PGB_EXIT_RUN;
	}
	if (!strcmp(cfg->output_format, "json"))
		pgb_print_json(out.f, &sum, set);
	else
		pgb_print_text(out.f, &sum);
	/* with --output, the text report goes to stdout as well */
	if (out.f != stdout)
		pgb_print_text(stdout, &sum);
	if (report_output_commit(&out, err, sizeof(err))) {
		fprintf(stderr, "pvcbench pgbench: %s\n", err);
		status = PGB_EXIT_RUN;
	}
	if (sum.not_connected || sum.aborted) {
		fprintf(stderr, "pvcbench pgbench: error: Run was aborted; the above results are "
				"incomplete.\n");
		status = PGB_EXIT_RUN;
	}
	if (result.interrupted)
		fprintf(stderr,
			"pvcbench pgbench: stopped by signal %d; the results are those "
			"gathered until then\n",
			signals_received());
done:
	if (!result.detached) {
		free(specs);
		free(tspecs);
		free(tres);
	}
	run_result_free(&result);
	pgb_script_free(&run.script);
	return status;
}

int pgb_main(int argc, char **argv)
{
	struct pgb_config *cfg = calloc(1, sizeof(*cfg));
	enum opt_source source[64];
	struct option_set set = { .defs = pgb_option_defs,
				  .count = opt_count(pgb_option_defs),
				  .source = source };
	struct pgb_conninfo ci;
	int status;

	if (!cfg)
		return PGB_EXIT_EARLY;
	memset(source, 0, sizeof(source));
	int ret = pgb_parse_args(argc, argv, cfg, &set);
	if (ret) {
		free(cfg);
		return ret > 0 ? PGB_EXIT_OK : PGB_EXIT_EARLY;
	}
	pgb_conninfo_build(&ci, cfg);
	if (cfg->initialize)
		status = pgb_init(cfg, &ci) ? PGB_EXIT_EARLY : PGB_EXIT_OK;
	else
		status = run_bench(cfg, &set, &ci);
	int sig = signals_received();
	free(cfg);
	return sig ? 128 + sig : status;
}
