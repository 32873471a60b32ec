/*
 * test_pgbench_script.c - the pgbench builtin scripts (workloads/postgres/script.c): what each
 * statement says on the wire. The expected SQL is pgbench's own builtin_script[] text
 * (src/bin/pgbench/pgbench.c) with the variables substituted as pgbench does for the simple
 * protocol, and with :name replaced by $1, $2, ... in order of appearance for the extended and
 * prepared ones (pgbench's parseQuery numbers every occurrence). Also: integers at the ends of
 * int64, the buffer size the script promises, and -b's name or unique-prefix lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pgbench.h"

/* The values every rendered statement below uses. */
static const int64_t vars[PGB_NVARS] = {
	[PGB_VAR_AID] = 12345,
	[PGB_VAR_BID] = 7,
	[PGB_VAR_TID] = 68,
	[PGB_VAR_DELTA] = -4321,
};

struct want_stmt {
	const char *simple; /* the statement with vars[] substituted */
	const char *param;  /* the statement with $n */
	unsigned nparams;
	int param_var[PGB_MAX_PARAMS];
};

struct want_script {
	const char *name, *title;
	bool vars_used[PGB_NVARS];
	unsigned nstmts;
	struct want_stmt stmt[PGB_MAX_STMTS];
};

#define BEGIN_STMT                                                                                 \
	{                                                                                          \
		"BEGIN;", "BEGIN;", 0,                                                             \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}
#define END_STMT                                                                                   \
	{                                                                                          \
		"END;", "END;", 0,                                                                 \
		{                                                                                  \
			0                                                                          \
		}                                                                                  \
	}
#define UPDATE_ACCOUNTS                                                                            \
	{                                                                                          \
		"UPDATE pgbench_accounts SET abalance = abalance + -4321 WHERE aid = 12345;",      \
			"UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;", 2, \
		{                                                                                  \
			PGB_VAR_DELTA, PGB_VAR_AID                                                 \
		}                                                                                  \
	}
#define SELECT_ACCOUNTS                                                                            \
	{                                                                                          \
		"SELECT abalance FROM pgbench_accounts WHERE aid = 12345;",                        \
			"SELECT abalance FROM pgbench_accounts WHERE aid = $1;", 1,                \
		{                                                                                  \
			PGB_VAR_AID                                                                \
		}                                                                                  \
	}
#define INSERT_HISTORY                                                                                       \
	{                                                                                                    \
		"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (68, 7, 12345, "           \
		"-4321, CURRENT_TIMESTAMP);",                                                                \
			"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, " \
			"CURRENT_TIMESTAMP);",                                                               \
			4,                                                                                   \
		{                                                                                            \
			PGB_VAR_TID, PGB_VAR_BID, PGB_VAR_AID, PGB_VAR_DELTA                                 \
		}                                                                                            \
	}

static const struct want_script wanted[] = {
	{ "tpcb-like",
	  "TPC-B (sort of)",
	  { true, true, true, true },
	  7,
	  { BEGIN_STMT,
	    UPDATE_ACCOUNTS,
	    SELECT_ACCOUNTS,
	    { "UPDATE pgbench_tellers SET tbalance = tbalance + -4321 WHERE tid = 68;",
	      "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2;",
	      2,
	      { PGB_VAR_DELTA, PGB_VAR_TID } },
	    { "UPDATE pgbench_branches SET bbalance = bbalance + -4321 WHERE bid = 7;",
	      "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2;",
	      2,
	      { PGB_VAR_DELTA, PGB_VAR_BID } },
	    INSERT_HISTORY,
	    END_STMT } },
	{ "simple-update",
	  "simple update",
	  { true, true, true, true },
	  5,
	  { BEGIN_STMT, UPDATE_ACCOUNTS, SELECT_ACCOUNTS, INSERT_HISTORY, END_STMT } },
	{ "select-only", "select only", { true, false, false, false }, 1, { SELECT_ACCOUNTS } },
};

static void check_script(const struct want_script *w)
{
	struct pgb_lscript s;

	assert_int_equal(pgb_lscript_build(&s, w->name), 0);
	assert_string_equal(s.name, w->name);
	assert_string_equal(s.title, w->title);
	assert_int_equal(s.nstmts, w->nstmts);
	for (unsigned v = 0; v < PGB_NVARS; v++)
		assert_int_equal(s.vars_used[v], w->vars_used[v]);
	for (unsigned i = 0; i < w->nstmts; i++) {
		const struct want_stmt *ws = &w->stmt[i];
		const struct pgb_stmt *st = &s.stmt[i];
		char *buf = malloc(s.max_sql);
		size_t len;

		assert_non_null(buf);
		len = pgb_stmt_render(st, vars, buf);
		assert_string_equal(buf, ws->simple);
		assert_int_equal(len, strlen(ws->simple));
		assert_string_equal(st->param_sql, ws->param);
		assert_int_equal(st->nparams, ws->nparams);
		for (unsigned p = 0; p < ws->nparams; p++)
			assert_int_equal(st->param_var[p], ws->param_var[p]);
		free(buf);
	}
	pgb_lscript_free(&s);
}

static void test_tpcb_like(void **state)
{
	(void)state;
	check_script(&wanted[0]);
}

static void test_simple_update(void **state)
{
	(void)state;
	check_script(&wanted[1]);
}

static void test_select_only(void **state)
{
	(void)state;
	check_script(&wanted[2]);
}

/* max_sql is what a client allocates once: every statement with every variable at its widest
 * (INT64_MIN, 20 characters) must fit, terminator included. */
static void test_widest_values_fit(void **state)
{
	static const int64_t widest[PGB_NVARS] = { INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN };

	(void)state;
	for (size_t k = 0; k < sizeof(wanted) / sizeof(wanted[0]); k++) {
		struct pgb_lscript s;

		assert_int_equal(pgb_lscript_build(&s, wanted[k].name), 0);
		for (unsigned i = 0; i < s.nstmts; i++) {
			char *buf = calloc(1, s.max_sql + 16);
			size_t len;

			assert_non_null(buf);
			memset(buf + s.max_sql, 'Z', 16);
			len = pgb_stmt_render(&s.stmt[i], widest, buf);
			assert_true(len < s.max_sql);
			assert_int_equal(len, strlen(buf));
			for (int z = 0; z < 16; z++)
				assert_int_equal(buf[s.max_sql + z], 'Z');
			free(buf);
		}
		pgb_lscript_free(&s);
	}
}

static void test_format_int(void **state)
{
	static const struct {
		int64_t v;
		const char *text;
	} cases[] = {
		{ 0, "0" },
		{ 1, "1" },
		{ -1, "-1" },
		{ 9, "9" },
		{ 10, "10" },
		{ -5000, "-5000" },
		{ 5000, "5000" },
		{ 100000, "100000" },
		{ INT64_MAX, "9223372036854775807" },
		{ INT64_MIN, "-9223372036854775808" },
		{ INT64_MIN + 1, "-9223372036854775807" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(buf, 'X', sizeof(buf));
		assert_int_equal(pgb_format_int(buf, cases[i].v), strlen(cases[i].text));
		assert_string_equal(buf, cases[i].text);
	}
}

/* -b takes a builtin's name or a prefix of exactly one, as pgbench's findBuiltin does. */
static void test_builtin_resolve(void **state)
{
	static const struct {
		const char *given, *found;
	} ok[] = {
		{ "tpcb-like", "tpcb-like" }, { "tpcb", "tpcb-like" },
		{ "t", "tpcb-like" },	      { "simple-update", "simple-update" },
		{ "si", "simple-update" },    { "select-only", "select-only" },
		{ "se", "select-only" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		err[0] = '\0';
		assert_string_equal(pgb_lbuiltin_resolve(ok[i].given, err, sizeof(err)),
				    ok[i].found);
		assert_string_equal(err, "");
	}

	assert_null(pgb_lbuiltin_resolve("s", err, sizeof(err)));
	assert_non_null(strstr(err, "ambiguous"));
	assert_non_null(strstr(err, "\"s\""));
	assert_non_null(strstr(err, "tpcb-like, simple-update, select-only"));

	assert_null(pgb_lbuiltin_resolve("tpcc", err, sizeof(err)));
	assert_non_null(strstr(err, "\"tpcc\""));
	assert_null(strstr(err, "ambiguous"));
	assert_non_null(strstr(err, "tpcb-like, simple-update, select-only"));

	assert_null(pgb_lbuiltin_resolve("tpcb-like-x", err, sizeof(err)));
	assert_null(pgb_lbuiltin_resolve("", err, sizeof(err)));
	assert_non_null(strstr(err, "\"\""));
}

/* A short error buffer is cut, never overrun. */
static void test_resolve_error_truncated(void **state)
{
	char err[24];

	(void)state;
	memset(err, 'Z', sizeof(err));
	assert_null(pgb_lbuiltin_resolve("nothing-like-it", err, 8));
	assert_int_equal(strlen(err), 7);
	for (size_t i = 8; i < sizeof(err); i++)
		assert_int_equal(err[i], 'Z');
}

/* pgb_lscript_build takes resolved names only: a prefix is the caller's to resolve. */
static void test_build_unknown(void **state)
{
	struct pgb_lscript s;

	(void)state;
	assert_int_equal(pgb_lscript_build(&s, "tpcb"), -EINVAL);
	assert_int_equal(pgb_lscript_build(&s, "tpc-b"), -EINVAL);
	assert_int_equal(s.nstmts, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tpcb_like),
		cmocka_unit_test(test_simple_update),
		cmocka_unit_test(test_select_only),
		cmocka_unit_test(test_widest_values_fit),
		cmocka_unit_test(test_format_int),
		cmocka_unit_test(test_builtin_resolve),
		cmocka_unit_test(test_resolve_error_truncated),
		cmocka_unit_test(test_build_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
