/*
 * test_pgbench_scriptload.c - pgb_scripts_load (workloads/postgres/script.c): the scripts of
 * -f/-b in order with their weights, the default tpcb-like, -D, the well-known variables'
 * slots, command offsets and prepared names, and pgbench 15's refusals with its messages
 * (each checked against /usr/lib/postgresql/15/bin/pgbench given the same options with no
 * server reachable: it refuses these before connecting).
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
#include <unistd.h>

#include "script.h"

/* pgbench.h's legacy enum pgb_var clashes with expr.h's struct until the engine drops it */
#define pgb_var pgb_legacy_var
#include "pgbench.h"
#undef pgb_var

struct load {
	struct pgb_config cfg;
	struct pgb_scripts ss;
	char *err;
	size_t err_len;
	int rc;
	char path[64];
};

static void init(struct load *l)
{
	memset(l, 0, sizeof(*l));
	strcpy(l->cfg.protocol, "simple");
}

static void add_spec(struct load *l, bool builtin, const char *name, int64_t weight)
{
	struct pgb_script_spec *sp = &l->cfg.script_specs[l->cfg.nscripts++];

	sp->builtin = builtin;
	snprintf(sp->name, sizeof(sp->name), "%s", name);
	sp->weight = weight;
}

/* A script file with this text, named in l->path */
static void add_file(struct load *l, const char *text, int64_t weight)
{
	int fd;

	strcpy(l->path, "/tmp/pvc-script-XXXXXX");
	fd = mkstemp(l->path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	add_spec(l, false, l->path, weight);
}

static void load(struct load *l)
{
	FILE *f = open_memstream(&l->err, &l->err_len);

	l->rc = pgb_scripts_load(&l->ss, &l->cfg, f);
	fclose(f);
}

static void done(struct load *l)
{
	pgb_scripts_free(&l->ss);
	free(l->err);
	if (l->path[0])
		unlink(l->path);
}

static void test_default_tpcb_like(void **state)
{
	struct load l;

	(void)state;
	init(&l);
	load(&l);
	assert_int_equal(l.rc, 0);
	assert_string_equal(l.err, "");
	assert_int_equal(l.ss.n, 1);
	assert_string_equal(l.ss.s[0].name, "tpcb-like");
	assert_string_equal(l.ss.s[0].desc, "<builtin: TPC-B (sort of)>");
	assert_true(l.ss.s[0].builtin);
	assert_int_equal(l.ss.s[0].weight, 1);
	assert_int_equal(l.ss.total_weight, 1);
	assert_int_equal(l.ss.total_cmds, 11);
	assert_string_equal(l.ss.s[0].cmds[4].sql.prep_name, "P0_4");
	assert_string_equal(l.ss.vars.names[l.ss.var_scale], "scale");
	assert_string_equal(l.ss.vars.names[l.ss.var_client_id], "client_id");
	assert_string_equal(l.ss.vars.names[l.ss.var_random_seed], "random_seed");
	assert_string_equal(l.ss.vars.names[l.ss.var_default_seed], "default_seed");
	assert_false(l.ss.scale_defined);
	done(&l);
}

static void test_several_scripts_and_defines(void **state)
{
	static char *defines[] = { "x=5", "scale=7", "x=6", "client_id=3" };
	struct load l;

	(void)state;
	init(&l);
	add_spec(&l, true, "simple-update", 3);
	add_file(&l, "\\set y :x + 1\nSELECT :y;\n", 2);
	add_spec(&l, true, "select-only", 0);
	l.cfg.defines = defines;
	l.cfg.ndefines = 4;
	load(&l);
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.ss.n, 3);
	assert_string_equal(l.ss.s[1].name, l.path);
	assert_string_equal(l.ss.s[1].desc, l.path);
	assert_false(l.ss.s[1].builtin);
	assert_int_equal(l.ss.total_weight, 5);
	assert_int_equal(l.ss.s[0].cmd_base, 0);
	assert_int_equal(l.ss.s[1].cmd_base, 9);
	assert_int_equal(l.ss.s[2].cmd_base, 11);
	assert_int_equal(l.ss.total_cmds, 13);
	assert_string_equal(l.ss.s[1].cmds[1].sql.prep_name, "P1_1");
	assert_string_equal(l.ss.s[2].cmds[1].sql.prep_name, "P2_1");
	/* one variable table for every script and -D: the same name, the same slot */
	assert_int_equal(l.ss.s[0].cmds[0].var, l.ss.s[2].cmds[0].var);
	/* -D: a later definition of a name replaces the earlier one */
	assert_int_equal(l.ss.ndefines, 3);
	assert_string_equal(l.ss.vars.names[l.ss.defines[0].slot], "x");
	assert_string_equal(l.ss.defines[0].value, "6");
	assert_int_equal(l.ss.defines[1].slot, l.ss.var_scale);
	assert_string_equal(l.ss.defines[1].value, "7");
	assert_true(l.ss.scale_defined);
	assert_true(l.ss.client_id_defined);
	assert_false(l.ss.random_seed_defined);
	assert_false(l.ss.default_seed_defined);
	done(&l);
}

/* Loads what l holds and expects pgbench's message, the loader empty after */
static void expect_refusal(struct load *l, const char *msg)
{
	load(l);
	assert_int_equal(l->rc, -EINVAL);
	assert_string_equal(l->err, msg);
	assert_int_equal(l->ss.n, 0);
	assert_null(l->ss.s);
	done(l);
}

static void test_refusals(void **state)
{
	static char *bad_name[] = { "1x=3" }, *bad_def[] = { "x" };
	struct load l;
	char want[256], many[1200];

	(void)state;
	init(&l);
	l.cfg.defines = bad_name;
	l.cfg.ndefines = 1;
	expect_refusal(&l, "pvcbench pgbench: error: option: invalid variable name: \"1x\"\n");

	init(&l);
	l.cfg.defines = bad_def;
	l.cfg.ndefines = 1;
	expect_refusal(&l, "pvcbench pgbench: error: invalid variable definition: \"x\"\n");

	init(&l);
	add_spec(&l, true, "si", 0);
	add_spec(&l, true, "se", 0);
	expect_refusal(&l, "pvcbench pgbench: error: total script weight must not be zero\n");

	init(&l);
	add_spec(&l, false, "/nonexistent/no-such-file", 1);
	expect_refusal(&l, "pvcbench pgbench: error: could not open file "
			   "\"/nonexistent/no-such-file\": No such file or directory\n");

	init(&l);
	add_spec(&l, true, "s", 1);
	expect_refusal(&l, "pvcbench pgbench: error: ambiguous builtin name: 2 builtin scripts "
			   "found for prefix \"s\"\n"
			   "Available builtin scripts:\n"
			   "      tpcb-like: <builtin: TPC-B (sort of)>\n"
			   "  simple-update: <builtin: simple update>\n"
			   "    select-only: <builtin: select only>\n"
			   "\n");

	init(&l);
	add_file(&l, "-- nothing\n", 1);
	snprintf(want, sizeof(want),
		 "pvcbench pgbench: error: empty command list for script \"%s\"\n", l.path);
	expect_refusal(&l, want);

	init(&l);
	add_file(&l, "SELECT 1;\n\\sleep 1 fortnight\n", 1);
	snprintf(want, sizeof(want),
		 "pvcbench pgbench: error: %s:2: unrecognized time unit, must be us, ms or s "
		 "(fortnight) in command \"sleep\"\n\\sleep 1 fortnight\n         ^ error found "
		 "here\n",
		 l.path);
	expect_refusal(&l, want);

	/* 256 parameters: too many for pgbench's extended and prepared modes only */
	strcpy(many, "SELECT ");
	for (int i = 0; i < 256; i++)
		strcat(many, ":v,");
	strcat(many, "1;");
	init(&l);
	add_file(&l, many, 1);
	load(&l);
	assert_int_equal(l.rc, 0);
	assert_int_equal(l.ss.s[0].cmds[0].sql.nparams, 256);
	done(&l);
	init(&l);
	strcpy(l.cfg.protocol, "prepared");
	add_file(&l, many, 1);
	snprintf(want, sizeof(want),
		 "pvcbench pgbench: error: statement has too many arguments (maximum is 255): "
		 "%.*s",
		 60, many);
	load(&l);
	assert_int_equal(l.rc, -EINVAL);
	assert_memory_equal(l.err, want, strlen(want));
	assert_string_equal(l.err + strlen(l.err) - 4, ",1;\n");
	done(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_tpcb_like),
		cmocka_unit_test(test_several_scripts_and_defines),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
