/*
 * test_pgbench_scripterrors.c - every parse error of a pgbench script
 * (workloads/postgres/script_parse.c, script_check.c) with pgbench 15's exact text: the
 * "SOURCE:LINE: MESSAGE (MORE) in command "NAME"" line, the command's line and the caret.
 *
 * How the expected text was obtained: each script given to pgbench 15
 * (/usr/lib/postgresql/15/bin/pgbench -n -t1 -f s.sql) with PGHOST naming a directory
 * without a server: pgbench parses its scripts while it reads its options, so it reports a
 * script's error before it tries to connect. Its stderr is copied here with "pgbench: error: "
 * read as "pvcbench pgbench: error: ". The \set, \if and \elif cases go through expr.h's
 * parser too (helper functions' argument counts, constant overflows, the caret's column).
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

/* ---- every parse error, with pgbench 15's text (see the top of the file) ---- */

struct error_case {
	const char *script, *err;
};

static const struct error_case errors[] = {
	{ "\\gset\n"
	  "\\set x\n"
	  "SELECT 1;\n",
	  "pvcbench pgbench: error: s.sql:3: \\gset must follow an SQL command\n" },
	{ "\\sleep 1\n"
	  "\n"
	  "\n"
	  "\\gset\n",
	  "pvcbench pgbench: error: s.sql:2: \\gset must follow an SQL command (\\s"
	  "leep 1)\n" },
	{ "\\gset\n"
	  "SELECT 1;\n"
	  "\\set x\n",
	  "pvcbench pgbench: error: s.sql:3: \\gset must follow an SQL command\n" },
	{ "\\if 1\n"
	  "SELECT 1;\n",
	  "pvcbench pgbench: error: condition error in script \"s.sql\" command 3: "
	  "\\if without matching \\endif\n" },
	{ "SELECT 1 \\gset\n"
	  "\n"
	  "\n"
	  "\\gset\n",
	  "pvcbench pgbench: error: s.sql:2: \\gset must follow an SQL command\n" },
	{ "\\else\n", "pvcbench pgbench: error: condition error in script \"s.sql\" command 1: "
		      "\\else without matching \\if\n" },
	{ "\\gset\n"
	  "\n"
	  "\n"
	  "\n",
	  "pvcbench pgbench: error: s.sql:4: \\gset must follow an SQL command\n" },
	{ "\\set x 1 + \\\n"
	  " 2\n"
	  "\n"
	  "\n"
	  "\\gset\n",
	  "pvcbench pgbench: error: s.sql:3: \\gset must follow an SQL command (\\s"
	  "et x 1 + \\\n"
	  " 2)\n" },
	{ "\\gset\n", "pvcbench pgbench: error: s.sql:1: \\gset must follow an SQL command\n" },
	{ "\\\n"
	  "\n"
	  "\\gset\n"
	  "\n"
	  "\n",
	  "pvcbench pgbench: error: s.sql:2: \\gset must follow an SQL command\n" },
	{ "\\gset", "pvcbench pgbench: error: s.sql:1: \\gset must follow an SQL command\n" },
	{ "\\set x\n", "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
		       "\\set x\n"
		       "      ^ error found here\n" },
	{ "\n"
	  "\n"
	  "\\gset\n"
	  "\n",
	  "pvcbench pgbench: error: s.sql:4: \\gset must follow an SQL command\n" },
	{ "SELECT 2$q$\\setshell\n"
	  "$q$;\n"
	  "\\setshell\n",
	  "pvcbench pgbench: error: s.sql:3: missing argument in command \"setshel"
	  "l\"\n"
	  "\\setshell\n" },
	{ "\\aset\n"
	  "\n"
	  "\n",
	  "pvcbench pgbench: error: s.sql:3: \\gset must follow an SQL command\n" },
	{ "\\set\n", "pvcbench pgbench: error: s.sql:1: missing argument in command \"set\"\n" },
	{ "\\set x 1 +\n", "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
			   "\\set x 1 +\n"
			   "          ^ error found here\n" },
	{ "\\gset\n"
	  "\\set x 1 +\n"
	  "\\sleep\n"
	  "\\foo\n"
	  "abc",
	  "pvcbench pgbench: error: s.sql:5: \\gset must follow an SQL command\n" },
	{ "\\sleep\n", "pvcbench pgbench: error: s.sql:1: missing argument in command \"sleep\"\n"
		       "\\sleep\n" },
	{ "\\gset\n"
	  "SELECT 1\n"
	  "\\gset a b c\n",
	  "pvcbench pgbench: error: s.sql:3: \\gset must follow an SQL command\n" },
	{ "\\sleep 1 2 3\n",
	  "pvcbench pgbench: error: s.sql:1: too many arguments in command \"sleep"
	  "\"\n"
	  "\\sleep 1 2 3\n"
	  "           ^ error found here\n" },
	{ "\\sleep foo\n", "pvcbench pgbench: error: s.sql:1: invalid sleep time, must be an integ"
			   "er (foo) in command \"sleep\"\n"
			   "\\sleep foo\n"
			   "       ^ error found here\n" },
	{ "\\sleep 10 min\n",
	  "pvcbench pgbench: error: s.sql:1: unrecognized time unit, must be us, "
	  "ms or s (min) in command \"sleep\"\n"
	  "\\sleep 10 min\n"
	  "          ^ error found here\n" },
	{ "\\foo\n", "pvcbench pgbench: error: s.sql:1: invalid command in command \"foo\"\n"
		     "\\foo\n" },
	{ "\\setshell x\n",
	  "pvcbench pgbench: error: s.sql:1: missing argument in command \"setshel"
	  "l\"\n"
	  "\\setshell x\n" },
	{ "\\shell\n", "pvcbench pgbench: error: s.sql:1: missing command in command \"shell\"\n"
		       "\\shell\n" },
	{ "\\else x\n", "pvcbench pgbench: error: s.sql:1: unexpected argument in command \"else"
			"\"\n"
			"\\else x\n" },
	{ "SELECT 1 \\gset a b\n",
	  "pvcbench pgbench: error: s.sql:1: too many arguments in command \"gset\""
	  "\n"
	  "\\gset a b\n" },
	{ "\\set x 1\n"
	  "\\gset\n",
	  "pvcbench pgbench: error: s.sql:2: \\gset must follow an SQL command (\\s"
	  "et x 1)\n" },
	{ "SELECT 1;\n"
	  "\\gset\n"
	  "\\gset\n",
	  "pvcbench pgbench: error: s.sql:3: \\gset must follow an SQL command\n" },
	{ "  -- only\n", "pvcbench pgbench: error: empty command list for script \"s.sql\"\n" },
	{ "", "pvcbench pgbench: error: empty command list for script \"s.sql\"\n" },
	{ "\\set x 1 +", "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
			 "\\set x 1 +\n"
			 "         ^ error found here\n" },
	{ "\\set x (1 +\n"
	  "\\endif",
	  "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
	  "\\set x (1 +\n"
	  "           ^ error found here\n" },
	{ "\\set x 1 + \\\n"
	  " 2 +\n",
	  "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
	  "\\set x 1 + \\\n"
	  " 2 +\n"
	  "                 ^ error found here\n" },
	{ "\\set x 1 +\\\n"
	  "\n",
	  "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
	  "\\set x 1 +\\\n"
	  "            ^ error found here\n" },
	{ "SELECT 1;\n"
	  "\\set x foo(1)\n",
	  "pvcbench pgbench: error: s.sql:2: unexpected function name (foo) in co"
	  "mmand \"set\"\n"
	  "\\set x foo(1)\n"
	  "         ^ error found here\n" },
	{ "\\set x 1 # 2 ~\n", "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
			       "\\set x 1 # 2 ~\n"
			       "             ^ error found here\n" },
	{ "\\if\n"
	  "\\endif\n",
	  "pvcbench pgbench: error: s.sql:1: syntax error in command \"if\"\n"
	  "\\if\n"
	  "   ^ error found here\n" },
	{ "\\if 0\n"
	  "\\elif +\n"
	  "\\endif\n",
	  "pvcbench pgbench: error: s.sql:2: syntax error in command \"elif\"\n"
	  "\\elif +\n"
	  "       ^ error found here\n" },
	{ "select 1 \\gset\n"
	  "select 2 \\aset\n"
	  "\\aset\n",
	  "pvcbench pgbench: error: s.sql:3: \\gset must follow an SQL command\n" },
	{ "\\setshell\n", "pvcbench pgbench: error: s.sql:1: missing argument in command \"setshel"
			  "l\"\n"
			  "\\setshell\n" },
	{ "\\SET x 1\n"
	  "\\Sleep 1\n"
	  "\\sleep 1 2\n",
	  "pvcbench pgbench: error: s.sql:3: unrecognized time unit, must be us, "
	  "ms or s (2) in command \"sleep\"\n"
	  "\\sleep 1 2\n"
	  "         ^ error found here\n" },
	{ "\\sleep 1x2\n", "pvcbench pgbench: error: s.sql:1: unrecognized time unit, must be us, "
			   "ms or s (x2) in command \"sleep\"\n"
			   "\\sleep 1x2\n"
			   "        ^ error found here\n" },
	{ "\\sleep -\n"
	  "\\sleep +5 us\n"
	  "\\sleep 1 US\n"
	  "\\sleep :x xs\n",
	  "pvcbench pgbench: error: s.sql:4: unrecognized time unit, must be us, "
	  "ms or s (xs) in command \"sleep\"\n"
	  "\\sleep :x xs\n"
	  "          ^ error found here\n" },
	{ "select 1 \\gset a b c\n",
	  "pvcbench pgbench: error: s.sql:1: too many arguments in command \"gset\""
	  "\n"
	  "\\gset a b c\n" },
	{ "\\set x 1 \\set y 2\n",
	  "pvcbench pgbench: error: s.sql:1: unexpected character (\\) in command "
	  "\"set\"\n"
	  "\\set x 1 \\set y 2\n"
	  "         ^ error found here\n" },
	{ "\\if 1", "pvcbench pgbench: error: condition error in script \"s.sql\" command 2: "
		    "\\if without matching \\endif\n" },
	{ "\\elif 1", "pvcbench pgbench: error: condition error in script \"s.sql\" command 1: "
		      "\\elif without matching \\if\n" },
	{ "\\endif", "pvcbench pgbench: error: condition error in script \"s.sql\" command 1: "
		     "\\endif without matching \\if\n" },
	{ "\\if 1\n"
	  "\\else\n"
	  "\\elif 0\n"
	  "\\endif",
	  "pvcbench pgbench: error: condition error in script \"s.sql\" command 3: "
	  "\\elif after \\else\n" },
	{ "\\if 1\n"
	  "\\else\n"
	  "\\else\n"
	  "\\endif",
	  "pvcbench pgbench: error: condition error in script \"s.sql\" command 3: "
	  "\\else after \\else\n" },
	{ "\\if 0\n"
	  "\\else BAD\n"
	  "\\endif\n",
	  "pvcbench pgbench: error: s.sql:2: unexpected argument in command \"else"
	  "\"\n"
	  "\\else BAD\n" },
	{ "\\if 0\n"
	  "\\endif BAD\n",
	  "pvcbench pgbench: error: s.sql:2: unexpected argument in command \"endi"
	  "f\"\n"
	  "\\endif BAD\n" },
	{ "\\set i least()\n",
	  "pvcbench pgbench: error: s.sql:1: at least one argument expected (leas"
	  "t) in command \"set\"\n"
	  "\\set i least()\n"
	  "             ^ error found here\n" },
	{ "\\set i greatest()\n",
	  "pvcbench pgbench: error: s.sql:1: at least one argument expected (grea"
	  "test) in command \"set\"\n"
	  "\\set i greatest()\n"
	  "                ^ error found here\n" },
	{ "\\set i hash()\n",
	  "pvcbench pgbench: error: s.sql:1: unexpected number of arguments (hash"
	  ") in command \"set\"\n"
	  "\\set i hash()\n"
	  "            ^ error found here\n" },
	{ "\\set i hash(1,2,3)\n",
	  "pvcbench pgbench: error: s.sql:1: unexpected number of arguments (hash"
	  ") in command \"set\"\n"
	  "\\set i hash(1,2,3)\n"
	  "                 ^ error found here\n" },
	{ "\\set i 100000000000000000000\n",
	  "pvcbench pgbench: error: s.sql:1: bigint constant overflow (1000000000"
	  "00000000000) in command \"set\"\n"
	  "\\set i 100000000000000000000\n"
	  "                           ^ error found here\n" },
	{ "\\set d 1.0E309\n",
	  "pvcbench pgbench: error: s.sql:1: double constant overflow (1.0E309) i"
	  "n command \"set\"\n"
	  "\\set d 1.0E309\n"
	  "             ^ error found here\n" },
	{ "\\set d .1E310\n",
	  "pvcbench pgbench: error: s.sql:1: double constant overflow (.1E310) in"
	  " command \"set\"\n"
	  "\\set d .1E310\n"
	  "            ^ error found here\n" },
	{ "\\set i permute(1)\n",
	  "pvcbench pgbench: error: s.sql:1: unexpected number of arguments (perm"
	  "ute) in command \"set\"\n"
	  "\\set i permute(1)\n"
	  "                ^ error found here\n" },
	{ "\\set i permute(1, 2, 3, 4)\n",
	  "pvcbench pgbench: error: s.sql:1: unexpected number of arguments (perm"
	  "ute) in command \"set\"\n"
	  "\\set i permute(1, 2, 3, 4)\n"
	  "                         ^ error found here\n" },
	{ "SELECT 1;\n"
	  "\\if 1\n"
	  "\\if 2\n"
	  "SELECT 2;\n"
	  "\\endif\n",
	  "pvcbench pgbench: error: condition error in script \"s.sql\" command 6: "
	  "\\if without matching \\endif\n" },
	{ "SELECT 1;\n"
	  "\\endif\n"
	  "\\if 1\n",
	  "pvcbench pgbench: error: condition error in script \"s.sql\" command 2: "
	  "\\endif without matching \\if\n" },
	{ "\\set x 1\n"
	  "\\set y 2\n"
	  "\\else\n",
	  "pvcbench pgbench: error: condition error in script \"s.sql\" command 3: "
	  "\\else without matching \\if\n" },
	{ "\\startpipeline x\n",
	  "pvcbench pgbench: error: s.sql:1: unexpected argument in command \"star"
	  "tpipeline\"\n"
	  "\\startpipeline x\n" },
	{ "\\endpipeline 1 2\n",
	  "pvcbench pgbench: error: s.sql:1: unexpected argument in command \"endp"
	  "ipeline\"\n"
	  "\\endpipeline 1 2\n" },
	{ "\\shell  \n", "pvcbench pgbench: error: s.sql:1: missing command in command \"shell\"\n"
			 "\\shell  \n" },
	{ "\\set x :\n", "pvcbench pgbench: error: s.sql:1: unexpected character (:) in command "
			 "\"set\"\n"
			 "\\set x :\n"
			 "       ^ error found here\n" },
	{ "\\set x 1 \\\n"
	  " + \\\n",
	  "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
	  "\\set x 1 \\\n"
	  " + \\\n"
	  "               ^ error found here\n" },
	{ "\\sleep 5 s extra\n",
	  "pvcbench pgbench: error: s.sql:1: too many arguments in command \"sleep"
	  "\"\n"
	  "\\sleep 5 s extra\n"
	  "           ^ error found here\n" },
	{ "\\ \n", "pvcbench pgbench: error: empty command list for script \"s.sql\"\n" },
	{ "\\set x", "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
		     "\\set x\n"
		     "     ^ error found here\n" },
	{ "\\if", "pvcbench pgbench: error: s.sql:1: syntax error in command \"if\"\n"
		  "\\if\n"
		  "  ^ error found here\n" },
	{ "\\set x ", "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
		      "\\set x \n"
		      "      ^ error found here\n" },
	{ "\\set x (", "pvcbench pgbench: error: s.sql:1: syntax error in command \"set\"\n"
		       "\\set x (\n"
		       "       ^ error found here\n" },
	{ "\\set x 1 \\", "pvcbench pgbench: error: s.sql:1: unexpected character (\\) in command "
			  "\"set\"\n"
			  "\\set x 1 \\\n"
			  "         ^ error found here\n" },
	{ "\\set x 1\n"
	  "\\set y\n",
	  "pvcbench pgbench: error: s.sql:2: syntax error in command \"set\"\n"
	  "\\set y\n"
	  "      ^ error found here\n" },
};

static void test_parse_errors(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		struct pgb_vartab vars = { 0 };
		struct pgb_script s = { 0 };
		char *err = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&err, &len);
		int rc;

		assert_non_null(f);
		rc = pgb_script_parse(&s, "s.sql", errors[i].script, &vars, f);
		fclose(f);
		if (rc != -EINVAL || strcmp(err, errors[i].err))
			fail_msg("script %u:\n%s\nwant:\n%sgot (%d):\n%s", i, errors[i].script,
				 errors[i].err, rc, err);
		pgb_script_release(&s);
		pgb_vartab_free(&vars);
		free(err);
	}
}

/* pgbench takes 256 words (the command's name included) and refuses the 257th */
static void test_too_many_words(void **state)
{
	char script[1200];
	struct pgb_vartab vars = { 0 };
	struct pgb_script s = { 0 };
	char *err = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	strcpy(script, "\\shell echo");
	for (int i = 0; i < 254; i++)
		strcat(script, " w");
	strcat(script, "\n");
	assert_int_equal(pgb_script_parse(&s, "s.sql", script, &vars, stderr), 0);
	assert_int_equal(s.cmds[0].nargs, 255);
	pgb_script_release(&s);

	/* a long name is named whole */
	f = open_memstream(&err, &len);
	assert_int_equal(
		pgb_script_parse(&s, "s.sql",
				 "\\abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvwxyz\n", &vars,
				 f),
		-EINVAL);
	fclose(f);
	assert_string_equal(err, "pvcbench pgbench: error: s.sql:1: invalid command in command "
				 "\"abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvwxyz\"\n"
				 "\\abcdefghijklmnopqrstuvwxyz_abcdefghijklmnopqrstuvwxyz\n");
	free(err);
	pgb_script_release(&s);

	strcpy(strrchr(script, '\n'), " w\n");
	f = open_memstream(&err, &len);
	assert_int_equal(pgb_script_parse(&s, "s.sql", script, &vars, f), -EINVAL);
	fclose(f);
	assert_string_equal(err, "pvcbench pgbench: error: s.sql:1: too many arguments in command "
				 "\"shell\"\n");
	free(err);
	pgb_script_release(&s);
	pgb_vartab_free(&vars);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_too_many_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
