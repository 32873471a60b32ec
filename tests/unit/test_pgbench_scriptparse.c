/*
 * test_pgbench_scriptparse.c - pgbench scripts parsed (workloads/postgres/script_parse.c,
 * script_sql.c, script_check.c, script.c's builtins): the builtins' commands, where SQL
 * commands end, what the meta-commands become (the parse errors: test_pgbench_scripterrors).
 *
 * How the expected values were obtained:
 * - the SQL split: the same texts run by pgbench 15 (/usr/lib/postgresql/15/bin/pgbench -n -t1
 *   -d -f FILE against a throwaway server started with tests/lib/pgserver.py); its "client 0
 *   sending ..." debug lines show each command's text as sent (its log drops one trailing
 *   newline: that the last command keeps its "\n" was read from the server's
 *   length(current_query())).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

struct parsed {
	struct pgb_vartab vars;
	struct pgb_script s;
	char *err;
	size_t err_len;
	int rc;
};

static void parse(struct parsed *p, const char *text)
{
	FILE *err;

	memset(p, 0, sizeof(*p));
	err = open_memstream(&p->err, &p->err_len);
	assert_non_null(err);
	p->rc = pgb_script_parse(&p->s, "s.sql", text, &p->vars, err);
	fclose(err);
}

static void done(struct parsed *p)
{
	pgb_script_release(&p->s);
	pgb_vartab_free(&p->vars);
	free(p->err);
}

static const char *var_name(const struct parsed *p, int slot)
{
	assert_true(slot >= 0 && (unsigned)slot < p->vars.n);
	return p->vars.names[slot];
}

/* ---- the builtins ---- */

static void check_set(const struct parsed *p, unsigned i, const char *var, const char *line)
{
	const struct pgb_command *c = &p->s.cmds[i];

	assert_int_equal(c->type, PGB_CMD_META);
	assert_int_equal(c->meta, PGB_META_SET);
	assert_string_equal(var_name(p, c->var), var);
	assert_non_null(c->expr);
	assert_string_equal(c->first_line, line);
	assert_int_equal(c->lineno, i + 1);
}

/* An SQL command: its text, its variables in order, its text with $n */
static void check_sql(const struct parsed *p, unsigned i, const char *text, const char *vars,
		      const char *param)
{
	const struct pgb_command *c = &p->s.cmds[i];
	char got[256] = "";

	assert_int_equal(c->type, PGB_CMD_SQL);
	assert_int_equal(c->meta, PGB_META_NONE);
	assert_string_equal(c->sql.text, text);
	assert_string_equal(c->sql.param_text, param);
	assert_int_equal(c->sql.nparams, c->sql.nsegs - 1);
	for (unsigned k = 0; k + 1 < c->sql.nsegs; k++) {
		strcat(got, k ? "," : "");
		strcat(got, var_name(p, c->sql.var[k]));
		assert_int_equal(c->sql.param_var[k], c->sql.var[k]);
	}
	assert_string_equal(got, vars);
}

/* The segments around the variables put back together give the text again */
static void check_segments(const struct pgb_command *c, const struct pgb_vartab *t)
{
	char buf[1024] = "";

	for (unsigned k = 0; k < c->sql.nsegs; k++) {
		strncat(buf, c->sql.seg[k], c->sql.seg_len[k]);
		if (k + 1 < c->sql.nsegs) {
			strcat(buf, ":");
			strcat(buf, t->names[c->sql.var[k]]);
		}
	}
	assert_string_equal(buf, c->sql.text);
}

#define UPD_ACC "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;"
#define UPD_ACC_P "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;"
#define SEL_ACC "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;"
#define SEL_ACC_P "SELECT abalance FROM pgbench_accounts WHERE aid = $1;"
#define INS_HIST                                                                                   \
	"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, "     \
	":delta, CURRENT_TIMESTAMP);"
#define INS_HIST_P                                                                                 \
	"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, "       \
	"CURRENT_TIMESTAMP);"

static void test_builtin_tpcb_like(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, pgb_builtin_text("tpcb-like"));
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s.ncmds, 11);
	check_set(&p, 0, "aid", "\\set aid random(1, 100000 * :scale)");
	check_set(&p, 1, "bid", "\\set bid random(1, 1 * :scale)");
	check_set(&p, 2, "tid", "\\set tid random(1, 10 * :scale)");
	check_set(&p, 3, "delta", "\\set delta random(-5000, 5000)");
	check_sql(&p, 4, "BEGIN;", "", "BEGIN;");
	check_sql(&p, 5, UPD_ACC, "delta,aid", UPD_ACC_P);
	check_sql(&p, 6, SEL_ACC, "aid", SEL_ACC_P);
	check_sql(
		&p, 7, "UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;",
		"delta,tid", "UPDATE pgbench_tellers SET tbalance = tbalance + $1 WHERE tid = $2;");
	check_sql(&p, 8,
		  "UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;",
		  "delta,bid",
		  "UPDATE pgbench_branches SET bbalance = bbalance + $1 WHERE bid = $2;");
	check_sql(&p, 9, INS_HIST, "tid,bid,aid,delta", INS_HIST_P);
	check_sql(&p, 10, "END;", "", "END;");
	for (unsigned i = 4; i < 11; i++) {
		check_segments(&p.s.cmds[i], &p.vars);
		assert_int_equal(p.s.cmds[i].lineno, i + 1);
		assert_string_equal(p.s.cmds[i].first_line, p.s.cmds[i].sql.text);
	}
	/* the variable of a \set is the one its SQL reads */
	assert_int_equal(p.s.cmds[0].var, p.s.cmds[6].sql.var[0]);
	assert_int_equal(pgb_vartab_find(&p.vars, "", "scale") >= 0, 1);
	assert_false(p.s.uses_pipeline);
	done(&p);
}

static void test_builtin_simple_update_select_only(void **state)
{
	struct parsed p;

	(void)state;
	parse(&p, pgb_builtin_text("simple-update"));
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s.ncmds, 9);
	check_set(&p, 0, "aid", "\\set aid random(1, 100000 * :scale)");
	check_set(&p, 3, "delta", "\\set delta random(-5000, 5000)");
	check_sql(&p, 4, "BEGIN;", "", "BEGIN;");
	check_sql(&p, 5, UPD_ACC, "delta,aid", UPD_ACC_P);
	check_sql(&p, 6, SEL_ACC, "aid", SEL_ACC_P);
	check_sql(&p, 7, INS_HIST, "tid,bid,aid,delta", INS_HIST_P);
	check_sql(&p, 8, "END;", "", "END;");
	done(&p);

	parse(&p, pgb_builtin_text("select-only"));
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s.ncmds, 2);
	check_set(&p, 0, "aid", "\\set aid random(1, 100000 * :scale)");
	check_sql(&p, 1, SEL_ACC, "aid", SEL_ACC_P);
	done(&p);
}

/* -b's lookup, -b list and --show-script, each as pgbench 15 prints it */
static void test_builtin_lookup_list_show(void **state)
{
	char err[160], *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	assert_string_equal(pgb_builtin_resolve("tpcb-like", err, sizeof(err)), "tpcb-like");
	assert_string_equal(pgb_builtin_resolve("si", err, sizeof(err)), "simple-update");
	assert_string_equal(pgb_builtin_resolve("se", err, sizeof(err)), "select-only");
	assert_string_equal(pgb_builtin_resolve("t", err, sizeof(err)), "tpcb-like");
	assert_null(pgb_builtin_resolve("s", err, sizeof(err)));
	assert_string_equal(err,
			    "ambiguous builtin name: 2 builtin scripts found for prefix \"s\"");
	assert_null(pgb_builtin_resolve("", err, sizeof(err)));
	assert_string_equal(err, "ambiguous builtin name: 3 builtin scripts found for prefix \"\"");
	assert_null(pgb_builtin_resolve("foo", err, sizeof(err)));
	assert_string_equal(err, "no builtin script found for name \"foo\"");
	assert_null(pgb_builtin_resolve("tpcb-like-x", err, sizeof(err)));
	assert_null(pgb_builtin_text("tpcb"));

	f = open_memstream(&out, &len);
	pgb_builtin_list(f);
	fclose(f);
	assert_string_equal(out, "Available builtin scripts:\n"
				 "      tpcb-like: <builtin: TPC-B (sort of)>\n"
				 "  simple-update: <builtin: simple update>\n"
				 "    select-only: <builtin: select only>\n"
				 "\n");
	free(out);

	f = open_memstream(&out, &len);
	assert_int_equal(pgb_builtin_show("se", f, err, sizeof(err)), 0);
	fclose(f);
	assert_string_equal(out, "-- select-only: <builtin: select only>\n"
				 "\\set aid random(1, 100000 * :scale)\n"
				 "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n"
				 "\n");
	free(out);
	assert_int_equal(pgb_builtin_show("zz", stderr, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "no builtin script found for name \"zz\"");
}

/* ---- where SQL commands end (pgbench 15's "sending" lines for the same texts) ---- */

static void expect_texts(const char *script, const char *const *want, unsigned n)
{
	struct parsed p;

	parse(&p, script);
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s.ncmds, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(p.s.cmds[i].type, PGB_CMD_SQL);
		assert_string_equal(p.s.cmds[i].sql.text, want[i]);
		check_segments(&p.s.cmds[i], &p.vars);
	}
	done(&p);
}

static void test_sql_split_quotes_comments(void **state)
{
	static const char script[] =
		"-- leading comment\n"
		"SELECT 1 AS a;   -- trailing\n"
		"SELECT 'a;b' AS x, E'c\\';d' AS y, \"t\" FROM (SELECT 1 AS \"t;\") AS \"t\" WHERE "
		"';' = ';' \\; SELECT 2;\n"
		"SELECT $$ ; $$ AS d, $q$ ;$$; $q$ AS e /* c ; /* n ; */ ; */;\n"
		"SELECT\n  2::int\n  + 3 AS b\n;\n"
		"/* only a comment */ SELECT (';'\n) IS NULL;\n"
		"CREATE OR REPLACE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql BEGIN ATOMIC "
		"SELECT 1; SELECT 2; END;\n"
		"SELECT 3 AS z\n";
	static const char *const want[] = {
		"SELECT 1 AS a;",
		"SELECT 'a;b' AS x, E'c\\';d' AS y, \"t\" FROM (SELECT 1 AS \"t;\") AS \"t\" WHERE "
		"';' = ';' ; SELECT 2;",
		"SELECT $$ ; $$ AS d, $q$ ;$$; $q$ AS e /* c ; /* n ; */ ; */;",
		"SELECT\n  2::int\n  + 3 AS b\n;",
		"/* only a comment */ SELECT (';'\n) IS NULL;",
		"CREATE OR REPLACE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql BEGIN ATOMIC "
		"SELECT 1; SELECT 2; END;",
		"SELECT 3 AS z\n",
	};

	(void)state;
	expect_texts(script, want, sizeof(want) / sizeof(want[0]));
}

static void test_sql_split_more(void **state)
{
	static const char script[] = "SELECT 1 -- c ; x\n, 2;\n\n   \n"
				     "SELECT 1 \\:\\:int AS \"a\\;b\";\n"
				     "SELECT $a$ $b$ ; $b$ $a$ AS a, 3 ;\n"
				     "SELECT 1 \\;\nSELECT 2 AS two \\gset\n"
				     "SELECT e'\\\\' AS x, U&'\\0041' AS y; SELECT 4;SELECT 5;\n"
				     "SELECT 'unterminated ;\n";
	static const char *const want[] = {
		"SELECT 1 -- c ; x\n, 2;",
		"SELECT 1 ::int AS \"a\\;b\";",
		"SELECT $a$ $b$ ; $b$ $a$ AS a, 3 ;",
		"SELECT 1 ;\nSELECT 2 AS two ",
		"SELECT e'\\\\' AS x, U&'\\0041' AS y;",
		"SELECT 4;",
		"SELECT 5;",
		"SELECT 'unterminated ;\n",
	};
	struct parsed p;

	(void)state;
	expect_texts(script, want, sizeof(want) / sizeof(want[0]));
	parse(&p, script);
	assert_int_equal(p.s.cmds[3].meta, PGB_META_GSET);
	assert_string_equal(p.s.cmds[3].varprefix, "");
	assert_string_equal(p.s.cmds[3].first_line, "SELECT 1 ;");
	assert_int_equal(p.s.cmds[3].lineno, 7);
	assert_int_equal(p.s.cmds[5].lineno, 9);
	done(&p);

	/* nothing but whitespace and "--" comments: no command (and so an empty script) */
	parse(&p, "  -- only\n\n");
	assert_int_equal(p.rc, -EINVAL);
	done(&p);
	/* a C comment is kept: pgbench sends it as a command of its own */
	parse(&p, "/* c */\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s.ncmds, 1);
	assert_string_equal(p.s.cmds[0].sql.text, "/* c */\n");
	done(&p);
}

/* more of psqlscan's cases: dollar-quote tags, '$' inside identifiers, E'' escapes,
 * standard strings' backslashes, BEGIN ATOMIC with CASE, ";;" (a ';' is a command) */
static void test_sql_split_tricky(void **state)
{
	static const char script[] =
		"SELECT $f$ a ; $$ b ; $$ c $f$ AS x;\n"
		"SELECT 1 AS a$b;\n"
		"SELECT E'it''s\\\\'';' AS y;\n"
		"SELECT 'a\\' AS z;\n"
		"SELECT '--x;' AS c, '/*' AS d;\n"
		"CREATE FUNCTION pg_temp.g() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;\n"
		"CREATE OR REPLACE PROCEDURE pg_temp.p() LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 ELSE 2 END; SELECT 2; END;\n"
		"SELECT ')' , (';');\n"
		"SELECT B'101', X'1F', N'x';\n"
		"SELECT 1;;\n"
		"SELECT 1 AS \"a\"\"b;\";\n"
		"SELECT 1 /* a /* b */ ; */ ;\n"
		"SELECT 2 -- x\n"
		" -- y ;\n"
		";\n"
		"  /* lead */ SELECT 3;\n"
		"SELECT E'\\'' || e'\\\\' AS q;\n"
		"SELECT 4 AS four\n";
	static const char *const want[] = {
		"SELECT $f$ a ; $$ b ; $$ c $f$ AS x;",
		"SELECT 1 AS a$b;",
		"SELECT E'it''s\\\\'';' AS y;",
		"SELECT 'a\\' AS z;",
		"SELECT '--x;' AS c, '/*' AS d;",
		"CREATE FUNCTION pg_temp.g() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;",
		"CREATE OR REPLACE PROCEDURE pg_temp.p() LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 ELSE 2 END; SELECT 2; END;",
		"SELECT ')' , (';');",
		"SELECT B'101', X'1F', N'x';",
		"SELECT 1;",
		";",
		"SELECT 1 AS \"a\"\"b;\";",
		"SELECT 1 /* a /* b */ ; */ ;",
		"SELECT 2 -- x\n -- y ;\n;",
		"/* lead */ SELECT 3;",
		"SELECT E'\\'' || e'\\\\' AS q;",
		"SELECT 4 AS four\n",
	};

	(void)state;
	expect_texts(script, want, sizeof(want) / sizeof(want[0]));
}

/* :name is a variable everywhere in the text (quotes too, as pgbench substitutes); "::" and
 * any run of colons not followed by a name is literal */
static void test_sql_variables(void **state)
{
	struct parsed p;
	char buf[300];

	(void)state;
	parse(&p, "SELECT :x::text, ':x', ':::x', :y AS u, :_a1:b2, x:=1, :1;\n");
	assert_int_equal(p.rc, 0);
	check_sql(&p, 0, "SELECT :x::text, ':x', ':::x', :y AS u, :_a1:b2, x:=1, :1;",
		  "x,x,y,_a1,b2", "SELECT $1::text, '$2', ':::x', $3 AS u, $4$5, x:=1, :1;");
	check_segments(&p.s.cmds[0], &p.vars);
	assert_string_equal(p.s.cmds[0].sql.prep_name, "P0_0");
	done(&p);

	/* a \set of no valid name parses: pgbench refuses it at run time */
	parse(&p, "\\set . 1\n\\set 1x 2\n\\set é 3\n");
	assert_int_equal(p.rc, 0);
	assert_true(p.s.cmds[0].var_invalid);
	assert_true(p.s.cmds[1].var_invalid);
	assert_false(p.s.cmds[2].var_invalid);
	done(&p);

	/* every occurrence its own parameter, up to pgbench's 255 (the loader checks) */
	strcpy(buf, "SELECT ");
	for (int i = 0; i < 40; i++)
		strcat(buf, ":v,");
	strcat(buf, "1;");
	parse(&p, buf);
	assert_int_equal(p.s.cmds[0].sql.nparams, 40);
	assert_non_null(strstr(p.s.cmds[0].sql.param_text, "$40,1;"));
	done(&p);
}

/* ---- meta-commands ---- */

static void test_meta_commands(void **state)
{
	struct parsed p;
	const struct pgb_command *c;

	(void)state;
	parse(&p, "\\set x 1 + \\\n  2\n"
		  "\\sleep 10ms\n\\sleep :d US\n\\sleep 3\n\\SLEEP -2 s\n"
		  "\\setshell r echo :x ::lit  plain\n"
		  "\\shell true\n"
		  "SELECT 1 AS a \\aset p_\n"
		  "\\startpipeline\nSELECT 2;\n\\endpipeline\n");
	assert_int_equal(p.rc, 0);
	assert_int_equal(p.s.ncmds, 11);
	c = &p.s.cmds[0];
	assert_int_equal(c->meta, PGB_META_SET);
	assert_string_equal(c->first_line, "\\set x 1 + \\\n  2");
	assert_false(c->var_invalid);
	c = &p.s.cmds[1];
	assert_int_equal(c->meta, PGB_META_SLEEP);
	assert_int_equal(c->lineno, 3);
	assert_int_equal(c->nargs, 1);
	assert_string_equal(c->args[0].text, "10");
	assert_int_equal(c->args[0].var, -1);
	assert_int_equal(c->sleep_usec_mult, 1000);
	c = &p.s.cmds[2];
	assert_string_equal(var_name(&p, c->args[0].var), "d");
	assert_int_equal(c->sleep_usec_mult, 1);
	assert_int_equal(p.s.cmds[3].sleep_usec_mult, 1000000);
	assert_string_equal(p.s.cmds[4].args[0].text, "-2");
	assert_int_equal(p.s.cmds[4].sleep_usec_mult, 1000000);
	c = &p.s.cmds[5];
	assert_int_equal(c->meta, PGB_META_SETSHELL);
	assert_string_equal(var_name(&p, c->var), "r");
	assert_int_equal(c->nargs, 4);
	assert_string_equal(c->args[0].text, "echo");
	assert_string_equal(var_name(&p, c->args[1].var), "x");
	assert_string_equal(c->args[2].text, ":lit");
	assert_int_equal(c->args[2].var, -1);
	assert_string_equal(c->args[3].text, "plain");
	assert_string_equal(c->first_line, "\\setshell r echo :x ::lit  plain");
	assert_false(c->var_invalid);
	c = &p.s.cmds[6];
	assert_int_equal(c->meta, PGB_META_SHELL);
	assert_int_equal(c->nargs, 1);
	c = &p.s.cmds[7];
	assert_int_equal(c->type, PGB_CMD_SQL);
	assert_int_equal(c->meta, PGB_META_ASET);
	assert_string_equal(c->varprefix, "p_");
	assert_string_equal(c->sql.text, "SELECT 1 AS a ");
	assert_int_equal(p.s.cmds[8].meta, PGB_META_STARTPIPELINE);
	assert_int_equal(p.s.cmds[10].meta, PGB_META_ENDPIPELINE);
	assert_true(p.s.uses_pipeline);
	done(&p);

	/* \sleep takes every ':' as a variable's start: "::x" looks up ":x" (unset at run time) */
	parse(&p, "\\sleep ::x\n");
	assert_int_equal(p.rc, 0);
	assert_string_equal(var_name(&p, p.s.cmds[0].args[0].var), ":x");
	done(&p);
}

/* \if chains: where a false condition goes, where a finished branch goes */
static void test_conditionals_jumps(void **state)
{
	struct parsed p;
	const struct pgb_command *c;

	(void)state;
	parse(&p, "\\if :a\n"		/* 0 */
		  "SELECT 1;\n"		/* 1 */
		  "\\elif :b\n"		/* 2 */
		  "\\if :c\n"		/* 3 */
		  "SELECT 2;\n"		/* 4 */
		  "\\endif\n"		/* 5 */
		  "\\elif :d\n"		/* 6 */
		  "\\else\n"		/* 7 */
		  "SELECT 3;\n"		/* 8 */
		  "\\endif\n"		/* 9 */
		  "SELECT 4;\n"		/* 10 */
		  "\\if 0\n\\endif\n"); /* 11, 12 */
	assert_int_equal(p.rc, 0);
	c = p.s.cmds;
	assert_int_equal(c[0].jump, 2);
	assert_int_equal(c[2].jump, 6);
	assert_int_equal(c[6].jump, 7);
	assert_int_equal(c[7].jump, 10);
	for (unsigned i = 0; i < 10; i++) {
		if (i == 3 || i == 5)
			continue;
		if (c[i].type == PGB_CMD_META)
			assert_int_equal(c[i].jump_end, 10);
	}
	assert_int_equal(c[3].jump, 5);
	assert_int_equal(c[3].jump_end, 6);
	assert_int_equal(c[5].jump_end, 6);
	assert_int_equal(c[11].jump, 12);
	assert_int_equal(c[11].jump_end, 13);
	done(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_tpcb_like),
		cmocka_unit_test(test_builtin_simple_update_select_only),
		cmocka_unit_test(test_builtin_lookup_list_show),
		cmocka_unit_test(test_sql_split_quotes_comments),
		cmocka_unit_test(test_sql_split_more),
		cmocka_unit_test(test_sql_variables),
		cmocka_unit_test(test_meta_commands),
		cmocka_unit_test(test_conditionals_jumps),
		cmocka_unit_test(test_sql_split_tricky),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
