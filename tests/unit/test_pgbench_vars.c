/*
 * test_pgbench_vars.c - pgbench's variables (workloads/postgres/vars.c): the table of names and
 * slots, pgbench's rule for a variable's name, a value's text as pgbench writes it into SQL
 * (getVariable's formats, NaN and Infinity as PostgreSQL's snprintf spells them), a string's
 * value parsed when read and kept, the messages for an unset, out-of-range or empty variable,
 * and \if's truth of a value. How strings become values, case by case against pgbench 15:
 * test_pgbench_expr.c (the -D cases).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

static void test_vartab(void **state)
{
	(void)state;
	struct pgb_vartab tab = { 0 };

	assert_int_equal(pgb_vartab_slot(&tab, "aid", 3), 0);
	assert_int_equal(pgb_vartab_slot(&tab, "bidx", 3), 1); /* len counts: "bid" */
	assert_int_equal(pgb_vartab_slot(&tab, "aid", 3), 0);
	for (int i = 0; i < 40; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p_x%d", i);
		assert_int_equal(pgb_vartab_slot(&tab, name, strlen(name)), 2 + i);
	}
	assert_int_equal(pgb_vartab_find(&tab, "", "bid"), 1);
	assert_int_equal(pgb_vartab_find(&tab, "p_", "x7"), 9);
	assert_int_equal(pgb_vartab_find(&tab, "p_", "x"), -1);
	assert_int_equal(pgb_vartab_find(&tab, "", "nope"), -1);
	assert_string_equal(tab.names[1], "bid");
	pgb_vartab_free(&tab);
	assert_int_equal(tab.n, 0);

	assert_true(pgb_valid_var_name("a", 1));
	assert_true(pgb_valid_var_name("_a9", 3));
	assert_true(pgb_valid_var_name("\xc3\xa9t\xc3\xa9", 5)); /* bytes >= 0x80 are letters */
	assert_false(pgb_valid_var_name("9a", 2));
	assert_false(pgb_valid_var_name("", 0));
	assert_false(pgb_valid_var_name("a-b", 3));
	assert_false(pgb_valid_var_name("a b", 3));
}

static void want_text(struct pgb_vars *vs, int slot, const char *want)
{
	size_t len = 99;
	const char *s = pgb_var_string(vs, slot, &len);

	assert_non_null(s);
	assert_string_equal(s, want);
	assert_int_equal(len, strlen(want));
}

static void test_var_strings_and_values(void **state)
{
	(void)state;
	struct pgb_vartab tab = { 0 };
	struct pgb_vars vs;
	struct pgb_value v;
	char err[512];
	int a = pgb_vartab_slot(&tab, "a", 1), b = pgb_vartab_slot(&tab, "b", 1);

	assert_int_equal(pgb_vars_init(&vs, &tab), 0);
	/* unset: no text, and pgbench's message */
	assert_null(pgb_var_string(&vs, a, NULL));
	assert_int_equal(pgb_var_value(&vs, a, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "undefined variable \"a\"");

	/* values as pgbench writes them into SQL: getVariable's formats */
	static const struct {
		struct pgb_value v;
		const char *text;
	} forms[] = {
		{ { .type = PGB_V_INT, .u.i = INT64_MIN }, "-9223372036854775808" },
		{ { .type = PGB_V_INT, .u.i = 42 }, "42" },
		{ { .type = PGB_V_DOUBLE, .u.d = 0.1 }, "0.1" },
		{ { .type = PGB_V_DOUBLE, .u.d = 1.0 / 3.0 }, "0.333333333333333" },
		{ { .type = PGB_V_DOUBLE, .u.d = 1e16 }, "1e+16" },
		{ { .type = PGB_V_DOUBLE, .u.d = -INFINITY }, "-Infinity" },
		{ { .type = PGB_V_DOUBLE, .u.d = NAN }, "NaN" },
		{ { .type = PGB_V_BOOL, .u.b = true }, "true" },
		{ { .type = PGB_V_BOOL, .u.b = false }, "false" },
		{ { .type = PGB_V_NULL }, "NULL" },
	};
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		pgb_var_set_value(&vs, a, &forms[i].v);
		want_text(&vs, a, forms[i].text);
		assert_int_equal(pgb_var_value(&vs, a, &v, err, sizeof(err)), 0);
		assert_int_equal(v.type, forms[i].v.type);
	}
	/* a string is kept as given, its value parsed when read, and kept */
	assert_int_equal(pgb_var_set_string(&vs, b, "0042xyz", 4), 0);
	want_text(&vs, b, "0042");
	assert_int_equal(pgb_var_value(&vs, b, &v, err, sizeof(err)), 0);
	assert_int_equal(v.type, PGB_V_INT);
	assert_int_equal(v.u.i, 42);
	want_text(&vs, b, "0042"); /* not rewritten as "42" */
	/* a value set over a string replaces it */
	v.u.i = 7;
	pgb_var_set_value(&vs, b, &v);
	want_text(&vs, b, "7");
	/* a long string, then a short value in the same buffer */
	char long_text[300];

	memset(long_text, '9', sizeof(long_text));
	assert_int_equal(pgb_var_set_string(&vs, b, long_text, sizeof(long_text)), 0);
	assert_int_equal(pgb_var_value(&vs, b, &v, err, sizeof(err)), -EINVAL);
	assert_true(strncmp(err, "value \"999", 10) == 0);
	assert_non_null(strstr(err, "\" is out of range for type bigint"));
	/* an empty string (\gset of ''): pgbench fails without a message of its own */
	assert_int_equal(pgb_var_set_string(&vs, b, "", 0), 0);
	strcpy(err, "stale");
	assert_int_equal(pgb_var_value(&vs, b, &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "");
	want_text(&vs, b, "");

	char buf[8];

	assert_int_equal(pgb_value_format(&forms[0].v, buf, sizeof(buf)), 20); /* length wanted */
	assert_string_equal(buf, "-922337");
	pgb_vars_free(&vs);
	pgb_vartab_free(&tab);
}

static void test_value_bool(void **state)
{
	(void)state;
	static const struct {
		struct pgb_value v;
		bool truth;
	} cases[] = {
		{ { .type = PGB_V_NULL }, false },
		{ { .type = PGB_V_BOOL, .u.b = true }, true },
		{ { .type = PGB_V_BOOL, .u.b = false }, false },
		{ { .type = PGB_V_INT, .u.i = 0 }, false },
		{ { .type = PGB_V_INT, .u.i = -3 }, true },
		{ { .type = PGB_V_DOUBLE, .u.d = 0.0 }, false },
		{ { .type = PGB_V_DOUBLE, .u.d = 0.5 }, true },
	};
	char err[64];
	bool b;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pgb_value_bool(&cases[i].v, &b, err, sizeof(err)), 0);
		assert_int_equal(b, cases[i].truth);
	}
	struct pgb_value none = { .type = PGB_V_NONE };

	assert_int_equal(pgb_value_bool(&none, &b, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vartab),
		cmocka_unit_test(test_var_strings_and_values),
		cmocka_unit_test(test_value_bool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
