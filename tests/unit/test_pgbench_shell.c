/*
 * test_pgbench_shell.c - \shell and \setshell (workloads/postgres/shell.c): the words joined
 * and substituted, the result read back as an integer, and each failure's message. The
 * expected messages are pgbench 15's for the same commands, as it printed them running these
 * scripts against a throwaway server (/usr/lib/postgresql/15/bin/pgbench -n -t1 -f FILE).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "script.h"

struct shell {
	struct pgb_vartab tab;
	struct pgb_script s;
	struct pgb_vars vars;
	char err[256];
	int64_t result;
};

/* Parses a one-command script, sets x=7 (and long= 300 bytes), runs its command */
static int run(struct shell *sh, const char *script)
{
	char longval[301];
	int slot;

	memset(sh, 0, sizeof(*sh));
	assert_int_equal(pgb_script_parse(&sh->s, "t.sql", script, &sh->tab, stderr), 0);
	slot = pgb_vartab_slot(&sh->tab, "x", 1);
	assert_true(slot >= 0);
	assert_true(pgb_vartab_slot(&sh->tab, "long", 4) >= 0);
	assert_int_equal(pgb_vars_init(&sh->vars, &sh->tab), 0);
	assert_int_equal(pgb_var_set_string(&sh->vars, slot, "7", 1), 0);
	memset(longval, 'x', 300);
	longval[300] = '\0';
	assert_int_equal(
		pgb_var_set_string(&sh->vars, pgb_vartab_slot(&sh->tab, "long", 4), longval, 300),
		0);
	sh->result = -999;
	return pgb_run_shell(&sh->s.cmds[0], &sh->vars, sh->s.cmds[0].meta == PGB_META_SETSHELL,
			     &sh->result, sh->err, sizeof(sh->err));
}

static void done(struct shell *sh)
{
	pgb_vars_free(&sh->vars);
	pgb_script_release(&sh->s);
	pgb_vartab_free(&sh->tab);
}

static void test_setshell_reads_an_integer(void **state)
{
	struct shell sh;

	(void)state;
	assert_int_equal(run(&sh, "\\setshell r echo 42\n"), 0);
	assert_int_equal(sh.result, 42);
	done(&sh);
	/* a variable's text, joined by single spaces; whitespace around the number is fine */
	assert_int_equal(run(&sh, "\\setshell r expr :x   + 5\n"), 0);
	assert_int_equal(sh.result, 12);
	done(&sh);
	assert_int_equal(run(&sh, "\\setshell r echo '  -3  '\n"), 0);
	assert_int_equal(sh.result, -3);
	done(&sh);
}

static void test_setshell_errors(void **state)
{
	struct shell sh;

	(void)state;
	/* "::5" is the literal ":5", which is no integer (pgbench quotes the line it read) */
	assert_int_equal(run(&sh, "\\setshell r echo ::5\n"), -1);
	assert_string_equal(sh.err, "echo: shell command must return an integer (not \":5\n\")");
	done(&sh);
	assert_int_equal(run(&sh, "\\setshell r echo :nope\n"), -1);
	assert_string_equal(sh.err, "echo: undefined variable \":nope\"");
	done(&sh);
	assert_int_equal(run(&sh, "\\setshell r :cmd 5\n"), -1);
	assert_string_equal(sh.err, ":cmd: undefined variable \":cmd\"");
	done(&sh);
	/* the command runs, then the name is refused, as pgbench does it */
	assert_int_equal(run(&sh, "\\setshell 1x echo 1\n"), -1);
	assert_string_equal(sh.err, "setshell: invalid variable name: \"1x\"");
	done(&sh);
	assert_int_equal(run(&sh, "\\setshell r true\n"), -1);
	assert_string_equal(sh.err, "true: could not read result of shell command");
	assert_int_equal(sh.result, -999);
	done(&sh);
}

static void test_shell(void **state)
{
	struct shell sh;
	char path[] = "/tmp/pvc-shell-XXXXXX", script[128];
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	/* the command runs: it leaves a file */
	snprintf(script, sizeof(script), "\\shell touch %s\n", path);
	assert_int_equal(run(&sh, script), 0);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	done(&sh);
	/* its exit status is checked */
	assert_int_equal(run(&sh, "\\shell false\n"), -1);
	assert_string_equal(sh.err, "false: could not launch shell command");
	done(&sh);
	/* at most 255 bytes of command */
	assert_int_equal(run(&sh, "\\shell echo :long\n"), -1);
	assert_string_equal(sh.err, "echo: shell command is too long");
	done(&sh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_setshell_reads_an_integer),
		cmocka_unit_test(test_setshell_errors),
		cmocka_unit_test(test_shell),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
