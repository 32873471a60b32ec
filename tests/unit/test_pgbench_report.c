/*
 * test_pgbench_report.c - pgbench's text that is built piece by piece never runs past its
 * buffer: pgb_append chained after a cut (the `n += snprintf` defect: n past the end made the
 * next `size - n` a huge size_t), and pgb_progress into buffers of every size from 0 up to its
 * whole line, with guard bytes after the buffer that must stay untouched. The line itself is
 * checked against pgbench's -P format, in both report styles, under -R and with
 * --progress-timestamp.
 *
 * Then the report of a run built here (scripts, threads' results, the runner's totals) summed
 * by pgb_summarize and printed: the per-script sections, -r's statement latencies, the failure
 * lines, to the character. The shapes are real pgbench 15.18 output, produced on a throwaway
 * server (tests/lib/pgserver.py's PgServer) with e.g. `pgbench -n -r -c 2 -j 2 -t 30 -f
 * a.sql@3 -f b.sql -b select-only@2`, `pgbench -n -r -c 4 -t 20 -f ser.sql --max-tries=3`
 * (ser.sql: a REPEATABLE READ update of one branch, which fails on serialization) and
 * `pgbench -n -r -t 5 -f a.sql@0 -f b.sql` (a script that never ran: "(NaN%)"); the figures
 * are this test's own. pgbench 13's shapes (the seed style) are its printResults' formats.
 */
#define _GNU_SOURCE /* open_memstream, strndup */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pgbench.h"
#include "pvcbench/report.h"
#include "script.h"

#define GUARD 64
#define GUARD_BYTE 0x5a

static void fill_guard(char *buf, size_t size)
{
	memset(buf, GUARD_BYTE, size + GUARD);
}

static void expect_guard(const char *buf, size_t size, const char *what)
{
	for (size_t i = size; i < size + GUARD; i++)
		if ((unsigned char)buf[i] != GUARD_BYTE)
			fail_msg("%s: byte %zu written past a buffer of %zu", what, i, size);
}

static void test_append_chains(void **state)
{
	char buf[32];
	size_t n = 0;

	(void)state;
	n = pgb_append(buf, sizeof(buf), n, "progress: %d s", 5);
	n = pgb_append(buf, sizeof(buf), n, ", %s", "1.0 tps");
	assert_int_equal(n, strlen("progress: 5 s, 1.0 tps"));
	assert_string_equal(buf, "progress: 5 s, 1.0 tps");
	n = pgb_append(buf, sizeof(buf), n, "%s", "");
	assert_string_equal(buf, "progress: 5 s, 1.0 tps");
}

/* The defect: a cut append, then another: the second must write nothing past the end. */
static void test_append_after_cut(void **state)
{
	char buf[16 + GUARD];
	size_t n;

	(void)state;
	fill_guard(buf, 16);
	n = pgb_append(buf, 16, 0, "%s", "0123456789");
	n = pgb_append(buf, 16, n, "%s", "abcdefghij"); /* cut: 20 would not fit */
	assert_int_equal(n, 15);
	assert_string_equal(buf, "0123456789abcde");
	n = pgb_append(buf, 16, n, ", lag %.3f ms and some more text", 1.5);
	assert_int_equal(n, 15);
	assert_string_equal(buf, "0123456789abcde");
	expect_guard(buf, 16, "append after a cut");
}

static void test_append_edges(void **state)
{
	char buf[8 + GUARD];

	(void)state;
	fill_guard(buf, 0);
	assert_int_equal(pgb_append(buf, 0, 0, "%s", "x"), 0);
	expect_guard(buf, 0, "size 0");

	fill_guard(buf, 1);
	assert_int_equal(pgb_append(buf, 1, 0, "%s", "xyz"), 0);
	assert_string_equal(buf, "");
	expect_guard(buf, 1, "size 1");

	/* a len already at or past the end (a caller's own mistake) is held at the end */
	fill_guard(buf, 8);
	assert_int_equal(pgb_append(buf, 8, 0, "%s", "1234567"), 7);
	assert_int_equal(pgb_append(buf, 8, 7, "%s", "more"), 7);
	assert_int_equal(pgb_append(buf, 8, 100, "%s", "more"), 7);
	assert_string_equal(buf, "1234567");
	expect_guard(buf, 8, "len at the end");
}

/* What pgb_progress reads: the config, and one interval's point and operation stats. */
struct progress_case {
	struct pgb_config cfg;
	struct pgb_summary sum;
	struct series_point pt;
	struct op_stats ops[2];
};

static struct progress_case *progress_case(bool current, double rate)
{
	struct progress_case *pc = calloc(1, sizeof(*pc));

	assert_non_null(pc);
	pc->cfg.progress = 1;
	pc->cfg.current_style = current;
	pc->cfg.rate_tps = rate;
	pc->sum.cfg = &pc->cfg;
	pc->pt.start_ms = 4000;
	pc->pt.duration_ms = 1000;
	for (unsigned k = 0; k < 2; k++)
		hist_init(&pc->ops[k].lat);
	return pc;
}

static void progress(struct progress_case *pc, char *buf, size_t size)
{
	pgb_progress(&pc->sum, &pc->pt, pc->ops, false, buf, size);
}

static void test_progress_format(void **state)
{
	char buf[512];
	struct progress_case *pc = progress_case(false, 0);

	(void)state;
	pc->ops[PGB_OP_TXN].ops = 250;
	for (int i = 0; i < 250; i++)
		hist_record(&pc->ops[PGB_OP_TXN].lat, 2000000); /* 2 ms */
	progress(pc, buf, sizeof(buf));
	assert_string_equal(buf, "progress: 5.0 s, 250.0 tps, lat 2.000 ms stddev 0.000\n");

	pc->cfg.current_style = true;
	pc->cfg.rate_tps = 300;
	pc->ops[PGB_OP_TXN].errors = 3;
	hist_record(&pc->ops[PGB_OP_LAG].lat, 500000); /* 0.5 ms */
	progress(pc, buf, sizeof(buf));
	assert_string_equal(buf, "progress: 5.0 s, 250.0 tps, lat 2.000 ms stddev 0.000, 3 failed, "
				 "lag 0.500 ms\n");

	/* a last interval shorter than -P has no line, as in pgbench */
	buf[0] = '\0';
	pc->pt.duration_ms = 400;
	pgb_progress(&pc->sum, &pc->pt, pc->ops, true, buf, sizeof(buf));
	assert_string_equal(buf, "");
	free(pc);
}

/*
 * The longest line the fields make (every count and sum at its largest), written into every
 * buffer size from 0 to past its length: never a byte past the buffer, always a prefix of
 * the whole line, and the newline kept.
 */
static void test_progress_every_size(void **state)
{
	struct progress_case *pc = progress_case(true, 1e6);
	char full[1024], *buf = malloc(1024 + GUARD);

	(void)state;
	assert_non_null(buf);
	pc->pt.start_ms = UINT64_MAX / 2;
	pc->pt.duration_ms = 1;
	for (unsigned k = 0; k < 2; k++) {
		struct op_stats *op = &pc->ops[k];
		op->ops = UINT64_MAX;
		op->errors = UINT64_MAX;
		op->lat.count = 2;
		op->lat.sum = UINT64_MAX;
		op->lat.sum_squares = ~(unsigned __int128)0;
		op->lat.max = UINT64_MAX;
	}
	progress(pc, full, sizeof(full));
	size_t len = strlen(full);
	assert_true(len > 100);
	assert_true(full[len - 1] == '\n');
	assert_non_null(strstr(full, " failed, lag "));

	for (size_t size = 0; size <= len + 2; size++) {
		char what[64];
		snprintf(what, sizeof(what), "progress into %zu bytes", size);
		fill_guard(buf, size);
		progress(pc, buf, size);
		expect_guard(buf, size, what);
		if (size == 0)
			continue;
		size_t got = strnlen(buf, size);
		if (got == size)
			fail_msg("%s: not NUL-terminated", what);
		if (size == 1) {
			assert_int_equal(got, 0);
			continue;
		}
		size_t want = len < size - 1 ? len : size - 1;
		if (got != want)
			fail_msg("%s: %zu characters, want %zu", what, got, want);
		if (memcmp(buf, full, want - 1) || buf[want - 1] != '\n')
			fail_msg("%s: '%s' is not the line cut and ended with a newline", what,
				 buf);
	}
	free(buf);
	free(pc);
}

/* --progress-timestamp: Unix time with milliseconds in place of the elapsed time */
static void test_progress_timestamp(void **state)
{
	char buf[512];
	struct progress_case *pc = progress_case(true, 0);

	(void)state;
	pc->cfg.progress_timestamp = true;
	pc->ops[PGB_OP_TXN].ops = 10;
	hist_record(&pc->ops[PGB_OP_TXN].lat, 1000000);
	for (int current = 1; current >= 0; current--) {
		pc->cfg.current_style = current;
		long long before = (long long)time(NULL);
		progress(pc, buf, sizeof(buf));
		long long after = (long long)time(NULL);
		long long sec;
		int ms, used = 0;
		if (sscanf(buf, "progress: %lld.%3d s, 10.0 tps, lat 1.000 ms stddev 0.000%n", &sec,
			   &ms, &used) != 2 ||
		    !used)
			fail_msg("not a timestamped progress line: %s", buf);
		if (sec < before || sec > after + 1)
			fail_msg("timestamp %lld not within %lld..%lld", sec, before, after);
		const char *dot = strchr(buf, '.');
		assert_true(dot && dot[4] == ' '); /* three decimals */
	}
	free(pc);
}

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
		cmocka_unit_test(test_append_chains),
		cmocka_unit_test(test_append_after_cut),
		cmocka_unit_test(test_append_edges),
		cmocka_unit_test(test_progress_format),
		cmocka_unit_test(test_progress_every_size),
		cmocka_unit_test(test_progress_timestamp),
		cmocka_unit_test(test_sections_current),
		cmocka_unit_test(test_failures_current),
		cmocka_unit_test(test_script_never_ran),
		cmocka_unit_test(test_sections_seed),
		cmocka_unit_test(test_json_scripts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
