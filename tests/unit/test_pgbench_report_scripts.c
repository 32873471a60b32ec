/*
 * test_pgbench_report_scripts.c - the report of a run built here (scripts, the threads'
 * results, the runner's totals) summed by pgb_summarize and printed: the per-script sections,
 * -r's statement latencies, the failure lines, to the character, in pgbench 15's and 13's
 * shapes; and the per-script and per-command figures of the JSON job.
 *
 * The shapes are real pgbench 15.18 output, produced on a throwaway server
 * (tests/lib/pgserver.py's PgServer) with e.g. `pgbench -n -r -c 2 -j 2 -t 30 -f a.sql@3 -f
 * b.sql -b select-only@2`, `pgbench -n -r -c 4 -t 20 -f ser.sql --max-tries=3` (ser.sql: a
 * REPEATABLE READ update of one branch, which fails on serialization) and `pgbench -n -r -t 5
 * -f a.sql@0 -f b.sql` (a script that never ran: "(NaN%)"); the figures are this test's own.
 * pgbench 13's shapes (the seed style) are its printResults' formats.
 */
#define _GNU_SOURCE /* open_memstream, strndup */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pgbench.h"
#include "pvcbench/report.h"
#include "script.h"

/* ---- the report of a built run ---- */

#define MAX_CMDS 8

/* A run: its config, scripts, the threads' results and the runner's totals. */
struct built {
	struct pgb_config cfg;
	struct pgb_run run;
	struct pgb_scripts ss;
	struct pgb_script script[3];
	struct pgb_command cmd[MAX_CMDS];
	struct pgb_thread_result tres[2];
	struct pgb_script_stats tscripts[2][3];
	struct pgb_cmd_stats tcmds[2][MAX_CMDS];
	struct worker_result wres[2];
	struct run_result rr;
	struct pgb_summary sum;
};

static struct built *built_new(bool current, unsigned nthreads)
{
	struct built *b = calloc(1, sizeof(*b));

	assert_non_null(b);
	b->cfg.current_style = current;
	b->cfg.clients = 2;
	b->cfg.threads = nthreads;
	b->cfg.max_tries = 1;
	b->cfg.transactions = 30;
	snprintf(b->cfg.protocol, sizeof(b->cfg.protocol), "simple");
	b->run.cfg = &b->cfg;
	b->run.scale = 1;
	b->run.scripts = &b->ss;
	b->ss.s = b->script;
	for (unsigned t = 0; t < nthreads; t++) {
		b->tres[t].scripts = b->tscripts[t];
		b->tres[t].cmds = b->tcmds[t];
		b->wres[t].runtime_ns = 1000000000ULL; /* one second */
		for (unsigned k = 0; k < PVC_MAX_OPS; k++)
			hist_init(&b->wres[t].op[k].lat);
	}
	b->rr.nworkers = nthreads;
	b->rr.nops = 1;
	b->rr.workers = b->wres;
	return b;
}

/* Adds a script of ncmds commands with these first lines. */
static void add_script(struct built *b, const char *name, const char *desc, int64_t weight,
		       unsigned ncmds, const char *const *lines)
{
	struct pgb_script *sc = &b->script[b->ss.n];

	sc->name = (char *)name;
	sc->desc = (char *)desc;
	sc->weight = weight;
	sc->cmds = &b->cmd[b->ss.total_cmds];
	sc->ncmds = ncmds;
	sc->cmd_base = b->ss.total_cmds;
	for (unsigned c = 0; c < ncmds; c++) {
		sc->cmds[c].first_line = (char *)lines[c];
		sc->cmds[c].lineno = c + 1;
	}
	b->ss.n++;
	b->ss.total_weight += weight;
	b->ss.total_cmds += ncmds;
}

/* n processed transactions of script i in thread t, each lasting ns */
static void add_txns(struct built *b, unsigned t, unsigned i, unsigned n, uint64_t ns)
{
	for (unsigned k = 0; k < n; k++) {
		pgb_simple_add(&b->tscripts[t][i].latency, (double)ns);
		hist_record(&b->wres[t].op[PGB_OP_TXN].lat, ns);
	}
	b->tscripts[t][i].processed += n;
	b->wres[t].op[PGB_OP_TXN].ops += n;
}

static void add_cmd(struct built *b, unsigned t, unsigned c, unsigned n, uint64_t ns)
{
	for (unsigned k = 0; k < n; k++)
		pgb_simple_add(&b->tcmds[t][c].latency, (double)ns);
}

/* The report as text (freed by the caller) */
static char *report(struct built *b)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	b->sum = (struct pgb_summary){ .cfg = &b->cfg,
				       .run = &b->run,
				       .result = &b->rr,
				       .threads = b->tres,
				       .nthreads = b->cfg.threads };
	pgb_summarize(&b->sum);
	pgb_print_text(f, &b->sum);
	fclose(f);
	return text;
}

/* The part of text from the line starting with `from` to the line starting with `to` */
static char *between(const char *text, const char *from, const char *to)
{
	const char *a = strstr(text, from);
	if (!a)
		fail_msg("no %s in:\n%s", from, text);
	const char *z = strstr(a, to);
	if (!z)
		fail_msg("no %s after %s in:\n%s", to, from, text);
	return strndup(a, (size_t)(z - a));
}

static void expect_text(const char *got, const char *want)
{
	if (strcmp(got, want))
		fail_msg("got:\n%s\nwant:\n%s", got, want);
}

static const char *const a_sql[] = { "\\set aid random(1, 100000)",
				     "SELECT abalance FROM pgbench_accounts" };
static const char *const select_only[] = {
	"\\set aid random(1, 100000 * :scale)",
	"SELECT abalance FROM pgbench_accounts WHERE aid = :aid;"
};

/* Two scripts over two threads: their sections and -r's lines, pgbench 15's shape */
static void test_sections_current(void **state)
{
	struct built *b = built_new(true, 2);

	(void)state;
	b->cfg.report_per_command = true;
	add_script(b, "a.sql", "a.sql", 3, 2, a_sql);
	add_script(b, "select-only", "<builtin: select only>", 1, 2, select_only);
	/* script 1: 1 and 3 ms in thread 0, 2 ms in thread 1; script 2: 0.5 ms */
	add_txns(b, 0, 0, 10, 1000000);
	add_txns(b, 0, 0, 10, 3000000);
	add_txns(b, 1, 0, 10, 2000000);
	add_txns(b, 0, 1, 15, 500000);
	add_txns(b, 1, 1, 15, 500000);
	add_cmd(b, 0, 0, 20, 1000);
	add_cmd(b, 1, 0, 10, 1000);
	add_cmd(b, 0, 1, 20, 1500000);
	add_cmd(b, 1, 1, 10, 1500000);
	add_cmd(b, 0, 2, 15, 2000);
	add_cmd(b, 1, 3, 15, 173000);
	char *text = report(b);
	assert_non_null(strstr(text, "transaction type: multiple scripts\n"));
	assert_non_null(strstr(text, "number of transactions actually processed: 60/60\n"));
	/* the sections follow the tps line, as in pgbench */
	assert_non_null(strstr(text, "(without initial connection time)\nSQL script 1: a.sql\n"));
	char *part = between(text, "SQL script 1", "latency percentiles");
	expect_text(part, "SQL script 1: a.sql\n"
			  " - weight: 3 (targets 75.0% of total)\n"
			  " - 30 transactions (50.0% of total, tps = 30.000000)\n"
			  " - number of failed transactions: 0 (0.000%)\n"
			  " - latency average = 2.000 ms\n"
			  " - latency stddev = 0.816 ms\n"
			  " - statement latencies in milliseconds and failures:\n"
			  "         0.001           0  \\set aid random(1, 100000)\n"
			  "         1.500           0  SELECT abalance FROM pgbench_accounts\n"
			  "SQL script 2: <builtin: select only>\n"
			  " - weight: 1 (targets 25.0% of total)\n"
			  " - 30 transactions (50.0% of total, tps = 30.000000)\n"
			  " - number of failed transactions: 0 (0.000%)\n"
			  " - latency average = 0.500 ms\n"
			  " - latency stddev = 0.000 ms\n"
			  " - statement latencies in milliseconds and failures:\n"
			  "         0.002           0  \\set aid random(1, 100000 * :scale)\n"
			  "         0.173           0  SELECT abalance FROM pgbench_accounts WHERE "
			  "aid = :aid;\n");
	free(part);
	free(text);

	/* without -r: the sections alone */
	pgb_summary_free(&b->sum);
	b->cfg.report_per_command = false;
	memset(b->tscripts, 0, sizeof(b->tscripts));
	memset(b->wres, 0, sizeof(b->wres));
	for (unsigned t = 0; t < 2; t++)
		b->wres[t].runtime_ns = 1000000000ULL;
	add_txns(b, 0, 0, 4, 1000000);
	add_txns(b, 1, 1, 4, 1000000);
	text = report(b);
	assert_null(strstr(text, "statement latencies"));
	assert_non_null(strstr(text, "SQL script 2: <builtin: select only>\n"
				     " - weight: 1 (targets 25.0% of total)\n"
				     " - 4 transactions (50.0% of total, tps = 4.000000)\n"));
	free(text);
	pgb_summary_free(&b->sum);
	free(b);
}

static const char *const ser_sql[] = {
	"BEGIN ISOLATION LEVEL REPEATABLE READ;",
	"UPDATE pgbench_branches SET bbalance = bbalance + 1 WHERE bid = 1;", "\\sleep 1 ms", "END;"
};

/* One script with failures and retries: the failure lines and -r's three columns */
static void test_failures_current(void **state)
{
	struct built *b = built_new(true, 1);

	(void)state;
	b->cfg.clients = 4;
	b->cfg.transactions = 20;
	b->cfg.max_tries = 3;
	b->cfg.report_per_command = true;
	b->cfg.failures_detailed = true;
	add_script(b, "ser.sql", "ser.sql", 1, 4, ser_sql);
	add_txns(b, 0, 0, 47, 4000000);
	b->wres[0].op[PGB_OP_TXN].errors = 33;
	b->tres[0].failed = 33;
	b->tres[0].serialization_failures = 33;
	b->tres[0].retried = 41;
	b->tres[0].retries = 79;
	b->tscripts[0][0].serialization_failures = 33;
	b->tscripts[0][0].retried = 41;
	b->tscripts[0][0].retries = 79;
	add_cmd(b, 0, 0, 80, 152000);
	add_cmd(b, 0, 1, 47, 188000);
	b->tcmds[0][1].failures = 33;
	b->tcmds[0][1].retries = 79;
	add_cmd(b, 0, 2, 47, 1102000);
	add_cmd(b, 0, 3, 47, 223000);
	char *text = report(b);
	char *part = between(text, "number of transactions actually", "latency average");
	expect_text(part, "number of transactions actually processed: 47/80\n"
			  "number of failed transactions: 33 (41.250%)\n"
			  "number of serialization failures: 33 (41.250%)\n"
			  "number of deadlock failures: 0 (0.000%)\n"
			  "number of transactions retried: 41 (51.250%)\n"
			  "total number of retries: 79\n");
	free(part);
	assert_non_null(strstr(text, "transaction type: ser.sql\n"));
	assert_non_null(strstr(text, "latency average = 4.000 ms (including failures)\n"));
	part = between(text, "statement latencies", "latency percentiles");
	expect_text(part, "statement latencies in milliseconds, failures and retries:\n"
			  "         0.152           0           0  BEGIN ISOLATION LEVEL "
			  "REPEATABLE READ;\n"
			  "         0.188          33          79  UPDATE pgbench_branches SET "
			  "bbalance = bbalance + 1 WHERE bid = 1;\n"
			  "         1.102           0           0  \\sleep 1 ms\n"
			  "         0.223           0           0  END;\n");
	free(part);
	/* one script: no section */
	assert_null(strstr(text, "SQL script"));
	free(text);
	pgb_summary_free(&b->sum);
	free(b);
}

/* A script that never ran: pgbench 15 prints its failure share as NaN, no latency */
static void test_script_never_ran(void **state)
{
	struct built *b = built_new(true, 1);
	static const char *const one[] = { "select 1;" }, *const two[] = { "select 2;" };

	(void)state;
	b->cfg.clients = 1;
	b->cfg.transactions = 5;
	b->cfg.report_per_command = true;
	add_script(b, "a.sql", "a.sql", 0, 1, one);
	add_script(b, "b.sql", "b.sql", 1, 1, two);
	add_txns(b, 0, 1, 5, 167000);
	add_cmd(b, 0, 1, 5, 167000);
	char *text = report(b);
	char *part = between(text, "SQL script 1", "SQL script 2");
	expect_text(part, "SQL script 1: a.sql\n"
			  " - weight: 0 (targets 0.0% of total)\n"
			  " - 0 transactions (0.0% of total, tps = 0.000000)\n"
			  " - number of failed transactions: 0 (NaN%)\n"
			  " - statement latencies in milliseconds and failures:\n"
			  "         0.000           0  select 1;\n");
	free(part);
	free(text);
	pgb_summary_free(&b->sum);
	free(b);
}

/* pgbench 13's shapes: sections without failure lines, -r with latencies alone */
static void test_sections_seed(void **state)
{
	struct built *b = built_new(false, 1);

	(void)state;
	b->cfg.report_per_command = true;
	add_script(b, "a.sql", "a.sql", 3, 2, a_sql);
	add_script(b, "select-only", "<builtin: select only>", 1, 2, select_only);
	add_txns(b, 0, 0, 40, 2000000);
	add_txns(b, 0, 1, 20, 500000);
	add_cmd(b, 0, 0, 40, 1000);
	add_cmd(b, 0, 1, 40, 1999000);
	add_cmd(b, 0, 2, 20, 2000);
	add_cmd(b, 0, 3, 20, 498000);
	b->tres[0].initial_conn_ns = 0;
	char *text = report(b);
	assert_non_null(
		strstr(text, "(excluding connections establishing)\nSQL script 1: a.sql\n"));
	char *part = between(text, "SQL script 1", "latency percentiles");
	expect_text(part,
		    "SQL script 1: a.sql\n"
		    " - weight: 3 (targets 75.0% of total)\n"
		    " - 40 transactions (66.7% of total, tps = 40.000000)\n"
		    " - latency average = 2.000 ms\n"
		    " - latency stddev = 0.000 ms\n"
		    " - statement latencies in milliseconds:\n"
		    "         0.001  \\set aid random(1, 100000)\n"
		    "         1.999  SELECT abalance FROM pgbench_accounts\n"
		    "SQL script 2: <builtin: select only>\n"
		    " - weight: 1 (targets 25.0% of total)\n"
		    " - 20 transactions (33.3% of total, tps = 20.000000)\n"
		    " - latency average = 0.500 ms\n"
		    " - latency stddev = 0.000 ms\n"
		    " - statement latencies in milliseconds:\n"
		    "         0.002  \\set aid random(1, 100000 * :scale)\n"
		    "         0.498  SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n");
	free(part);
	free(text);
	pgb_summary_free(&b->sum);

	/* one script, -r: the header without " - ", right after the tps lines */
	struct built *one = built_new(false, 1);
	one->cfg.report_per_command = true;
	add_script(one, "a.sql", "a.sql", 1, 2, a_sql);
	add_txns(one, 0, 0, 10, 2000000);
	add_cmd(one, 0, 0, 10, 1000);
	add_cmd(one, 0, 1, 10, 1999000);
	text = report(one);
	assert_non_null(strstr(text, "transaction type: a.sql\n"));
	assert_non_null(strstr(text, "(excluding connections establishing)\n"
				     "statement latencies in milliseconds:\n"
				     "         0.001  \\set aid random(1, 100000)\n"));
	free(text);
	pgb_summary_free(&one->sum);
	free(one);
	free(b);
}

/* The JSON job: per-script and per-command figures under pgbench.scripts */
static void test_json_scripts(void **state)
{
	struct built *b = built_new(true, 2);
	char *text = NULL;
	size_t len = 0;

	(void)state;
	b->cfg.report_per_command = true;
	add_script(b, "a.sql", "a.sql", 3, 2, a_sql);
	add_script(b, "select-only", "<builtin: select only>", 1, 2, select_only);
	add_txns(b, 0, 0, 10, 1000000);
	add_txns(b, 1, 0, 10, 3000000);
	add_txns(b, 1, 1, 5, 500000);
	b->tscripts[1][1].serialization_failures = 2;
	b->tcmds[1][3].failures = 2;
	add_cmd(b, 0, 1, 10, 1000000);
	add_cmd(b, 1, 1, 10, 3000000);
	b->sum = (struct pgb_summary){
		.cfg = &b->cfg, .run = &b->run, .result = &b->rr, .threads = b->tres, .nthreads = 2
	};
	pgb_summarize(&b->sum);
	FILE *f = open_memstream(&text, &len);
	struct jsonw j;
	jsonw_begin(&j, f);
	jsonw_object_begin(&j, "pgbench");
	pgb_json_scripts(&j, &b->sum);
	jsonw_object_end(&j);
	jsonw_end(&j);
	fclose(f);
	/* collapse the layout: one space between tokens */
	char *flat = calloc(1, len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == ' ' || text[i] == '\n') {
			if (n && flat[n - 1] != ' ')
				flat[n++] = ' ';
			continue;
		}
		flat[n++] = text[i];
	}
	const char *want[] = {
		"\"scripts\" : [ { \"script\" : 1, \"name\" : \"a.sql\", \"description\" : "
		"\"a.sql\", \"weight\" : 3, \"processed\" : 20, \"failed\" : 0,",
		"\"tps\" : 20.000000, \"latency_ms\" : { \"count\" : 20, \"mean\" : 2.000000, "
		"\"stddev\" : 1.000000, \"min\" : 1.000000, \"max\" : 3.000000 }, \"commands\" : [ "
		"{ \"command\" : 1, \"line\" : 1, \"text\" : \"\\\\set aid random(1, 100000)\", "
		"\"count\" : 0, \"latency_mean_ms\" : 0.000000, \"failures\" : 0, \"retries\" : 0 "
		"}, { \"command\" : 2, \"line\" : 2,",
		"\"count\" : 20, \"latency_mean_ms\" : 2.000000,",
		"{ \"script\" : 2, \"name\" : \"select-only\", \"description\" : \"<builtin: select "
		"only>\", \"weight\" : 1, \"processed\" : 5, \"failed\" : 2, "
		"\"serialization_failures\" : 2, \"deadlock_failures\" : 0,",
		"\"failures\" : 2, \"retries\" : 0 } ] } ]",
	};
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(flat, want[i]))
			fail_msg("JSON lacks %s\nin %s", want[i], flat);
	free(flat);
	free(text);
	pgb_summary_free(&b->sum);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_current), cmocka_unit_test(test_failures_current),
		cmocka_unit_test(test_script_never_ran), cmocka_unit_test(test_sections_seed),
		cmocka_unit_test(test_json_scripts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
