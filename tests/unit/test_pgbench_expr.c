/*
 * test_pgbench_expr.c - pgbench's expression language and variables (workloads/postgres/expr.h):
 * every case of pgbench_expr_cases.h gives what pgbench 15.18 printed for it (values and their
 * types, debug()'s lines, evaluation errors, parse errors and their carets, variables given
 * as strings); the tree's shape (precedence, associativity, the rewrites pgbench makes); the
 * random distributions' bounds and shapes; permute being a permutation; and evaluation
 * allocating nothing. The variables' own rules: test_pgbench_vars.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"
#include "pvcbench/rng.h"

#include "pgbench_expr_cases.h"

/*
 * pgbench 15 with --random-seed=5 sets these on client 0 (tests/postgres/pgexprcases.py
 * records them as the cases :default_seed, :random_seed, :client_id and :scale); the script
 * engine sets them in a run, this test sets them itself.
 */
static const struct {
	const char *name;
	int64_t value;
} engine_vars[] = {
	{ "default_seed", -1240385398947155067LL },
	{ "random_seed", 5 },
	{ "client_id", 0 },
	{ "scale", 1 },
};

/*
 * ---- counting allocations ----
 * Plain builds replace malloc, calloc and realloc with glibc's own entry points behind a
 * counter. Under AddressSanitizer (which owns those symbols) its allocator hook counts them.
 */

static int counting;
static long allocations;

#if defined(__SANITIZE_ADDRESS__)
/* the sanitizer runtime's hook (sanitizer/allocator_interface.h, not always installed) */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
					      void (*free_hook)(const volatile void *));

static void count_malloc(const volatile void *ptr, size_t size)
{
	(void)ptr;
	(void)size;
	allocations += counting;
}

static void ignore_free(const volatile void *ptr)
{
	(void)ptr;
}

static void install_counter(void)
{
	__sanitizer_install_malloc_and_free_hooks(count_malloc, ignore_free);
}
#else
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);

void *malloc(size_t size)
{
	allocations += counting;
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	allocations += counting;
	return __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
	allocations += counting;
	return __libc_realloc(ptr, size);
}

static void install_counter(void)
{
}
#endif

/* ---- the recorded cases ---- */

static void set_engine_vars(struct pgb_vars *vs, const struct pgb_vartab *tab)
{
	for (size_t i = 0; i < sizeof(engine_vars) / sizeof(engine_vars[0]); i++) {
		int slot = pgb_vartab_find(tab, "", engine_vars[i].name);
		struct pgb_value v = { .type = PGB_V_INT, .u.i = engine_vars[i].value };

		if (slot >= 0)
			pgb_var_set_value(vs, slot, &v);
	}
}

/* -D NAME=VALUE;NAME=VALUE: each a string, as pgbench's -D sets it */
static void set_defines(struct pgb_vars *vs, struct pgb_vartab *tab, const char *defines)
{
	const char *p = defines;

	while (*p) {
		const char *eq = strchr(p, '='), *end = strchr(p, ';');

		if (!end)
			end = p + strlen(p);
		assert_non_null(eq);
		int slot = pgb_vartab_find(tab, "", "v");

		assert_int_equal(eq - p, 1); /* the cases name their variable v */
		assert_true(slot >= 0);
		assert_int_equal(pgb_var_set_string(vs, slot, eq + 1, (size_t)(end - eq - 1)), 0);
		p = *end ? end + 1 : end;
	}
}

/* Appends "[1: VALUE] " for each debug line of command 1, and VALUE of command 2's */
static void debug_outcome(const char *lines, char *out, size_t size)
{
	const char *p = lines;
	size_t len = strlen(out);

	while (*p) {
		const char *nl = strchr(p, '\n');
		unsigned script, command;
		int skip = 0;

		assert_non_null(nl);
		assert_int_equal(
			sscanf(p, "debug(script=%u,command=%u): %n", &script, &command, &skip), 2);
		assert_true(skip > 0);
		assert_int_equal(script, 0);
		len += (size_t)snprintf(out + len, size - len, command == 1 ? "[1: %.*s] " : "%.*s",
					(int)(nl - p - skip), p + skip);
		p = nl + 1;
	}
}

/* What pgbench prints for \set x EXPR; \set y debug(:x), in the cases' form */
static void run_case(const struct expr_case *c, char *out, size_t size)
{
	struct pgb_vartab tab = { 0 };
	struct pgb_vars vs;
	char err[1024], *text = malloc(strlen(c->expr) + 2), *dbg = NULL;
	size_t dbg_len = 0;
	int col, x = pgb_vartab_slot(&tab, "x", 1);
	uint64_t rng[2];

	out[0] = '\0';
	pgb_vartab_slot(&tab, "v", 1);
	assert_non_null(text);
	sprintf(text, "%s\n", c->expr); /* as the line ends in the script */
	struct pgb_expr *ex = pgb_expr_parse(text, &tab, err, sizeof(err), &col);

	free(text);
	if (!ex) {
		int n = snprintf(out, size, "? %s @%d", err, col);

		assert_true(n > 0 && (size_t)n < size);
		pgb_vartab_free(&tab);
		return;
	}
	struct pgb_expr *ey = pgb_expr_parse("debug(:x)\n", &tab, err, sizeof(err), &col);

	assert_non_null(ey);
	assert_int_equal(pgb_vars_init(&vs, &tab), 0);
	set_engine_vars(&vs, &tab);
	set_defines(&vs, &tab, c->defines);
	rng_seed(rng, 5);
	FILE *f = open_memstream(&dbg, &dbg_len);

	assert_non_null(f);
	struct pgb_eval ev = { .vars = &vs,
			       .rng = rng,
			       .debug_out = f,
			       .script = 0,
			       .command = 1,
			       .err = err,
			       .err_size = sizeof(err) };
	struct pgb_value val;
	int rc = pgb_expr_eval(ex, &ev, &val);

	if (rc == 0) {
		pgb_var_set_value(&vs, x, &val);
		ev.command = 2;
		assert_int_equal(pgb_expr_eval(ey, &ev, &val), 0);
	}
	fclose(f);
	debug_outcome(dbg, out, size);
	if (rc) {
		assert_int_equal(rc, -EINVAL);
		size_t len = strlen(out);

		snprintf(out + len, size - len, "! %s", err);
	}
	free(dbg);
	pgb_vars_free(&vs);
	pgb_expr_free(ex);
	pgb_expr_free(ey);
	pgb_vartab_free(&tab);
}

static void test_pgbench_cases(void **state)
{
	(void)state;
	char got[1024];
	int failed = 0;

	for (size_t i = 0; i < sizeof(expr_cases) / sizeof(expr_cases[0]); i++) {
		run_case(&expr_cases[i], got, sizeof(got));
		if (strcmp(got, expr_cases[i].outcome) != 0) {
			print_error("\\set x %s [%s]: pgbench 15 printed %s, here %s\n",
				    expr_cases[i].expr, expr_cases[i].defines,
				    expr_cases[i].outcome, got);
			failed++;
		}
	}
	assert_int_equal(failed, 0);
}

/* c repeated n times, then mid, then end repeated n times, into a new string */
static char *nest(const char *open, int n, const char *mid, const char *close)
{
	size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
	char *s = malloc((lo + lc) * (size_t)n + lm + 1), *p = s;

	assert_non_null(s);
	for (int i = 0; i < n; i++, p += lo)
		memcpy(p, open, lo);
	memcpy(p, mid, lm);
	p += lm;
	for (int i = 0; i < n; i++, p += lc)
		memcpy(p, close, lc);
	*p = '\0';
	return s;
}

/*
 * pgbench's parser stack holds 10000 states: the deepest expressions it takes, and the first
 * it refuses with its caret. The outcomes are pgbench 15.18's for the same texts (DEEP in
 * tests/postgres/pgexprcases.py, recorded as the other cases).
 */
static void test_depth_limit(void **state)
{
	(void)state;
	static const struct {
		const char *open, *mid, *close;
		int n;
		const char *outcome;
	} deep[] = {
		{ "-", "1", "", 9997, "int -1" },
		{ "-", "1", "", 9998, "? memory exhausted @9998" },
		{ "(", "1", ")", 9996, "int 1" },
		{ "(", "1", ")", 9997, "? memory exhausted @9998" },
		{ "abs(", "1", ")", 4998, "int 1" },
		{ "abs(", "1", ")", 4999, "? memory exhausted @19996" },
		{ "1+(", "1", ")", 3332, "int 3333" },
		{ "1+(", "1", ")", 3333, "? memory exhausted @9998" },
		{ "CASE WHEN true THEN ", "1", " END", 2499, "int 1" },
		{ "CASE WHEN true THEN ", "1", " END", 2500, "? memory exhausted @49993" },
		{ "CASE WHEN true THEN 1 ELSE ", "1", " END", 3333, "? memory exhausted @89977" },
		{ "abs(,", "1", ")", 2499, "int 1" },
		{ "abs(,", "1", ")", 2500, "? memory exhausted @12499" },
		{ "least(1,", "1", ")", 2500, "? memory exhausted @19998" },
		{ "NOT ", "true IS NOT NULL", "", 9994, "boolean true" },
		{ "NOT ", "true IS NOT NULL", "", 9995, "? memory exhausted @39995" },
		{ "NOT ", "true ISNULL", "", 9997, "? memory exhausted @39998" },
	};
	char got[1024];

	for (size_t i = 0; i < sizeof(deep) / sizeof(deep[0]); i++) {
		struct expr_case c = { .defines = "" };
		char *text = nest(deep[i].open, deep[i].n, deep[i].mid, deep[i].close);

		c.expr = text;
		run_case(&c, got, sizeof(got));
		if (strcmp(got, deep[i].outcome) != 0)
			print_error("%d x \"%s\": want %s, got %s\n", deep[i].n, deep[i].open,
				    deep[i].outcome, got);
		assert_string_equal(got, deep[i].outcome);
		free(text);
	}
	/* long numbers are read whole, and named whole (DEEP's last two) */
	char num[700], want[700];
	struct expr_case c = { .expr = num, .defines = "" };

	snprintf(num, sizeof(num), "1.%0600d", 0);
	run_case(&c, got, sizeof(got));
	assert_string_equal(got, "double 1");
	snprintf(num, sizeof(num), "1%0300d + 1", 0);
	snprintf(want, sizeof(want), "? bigint constant overflow (1%0300d) @300", 0);
	run_case(&c, got, sizeof(got));
	assert_string_equal(got, want);
}

/* ---- the tree: precedence, associativity and pgbench's rewrites ---- */

static void test_tree_shapes(void **state)
{
	(void)state;
	static const struct {
		const char *text, *tree;
	} shapes[] = {
		{ "1 + 2 * 3", "(1 + (2 * 3))" },
		{ "1 - 2 - 3", "((1 - 2) - 3)" },
		{ "-:x", "(0 - :x)" },
		{ "~:x + 1", "(-1 # (:x + 1))" },
		{ "~:x | 1", "((-1 # :x) | 1)" },
		{ ":a > :b", "(:b < :a)" },
		{ ":a >= :b", "(:b <= :a)" },
		{ ":a != :b", "(:a <> :b)" },
		{ ":a % 2", "(:a % 2)" },
		{ "NOT :a AND :b OR :c", "(((NOT :a) AND :b) OR :c)" },
		{ ":a OR :b AND :c", "(:a OR (:b AND :c))" },
		{ "NOT :a = :b", "(NOT (:a = :b))" },
		{ ":a ISNULL", "(:a IS NULL)" },
		{ ":a NOTNULL", "(NOT (:a IS NULL))" },
		{ ":a IS NOT TRUE", "(NOT (:a IS TRUE))" },
		{ ":a + 1 IS NULL", "((:a + 1) IS NULL)" },
		{ ":a IS NULL + 1", "((:a IS NULL) + 1)" },
		{ "1 << 2 + 3", "(1 << (2 + 3))" },
		{ "- 9223372036854775808", "-9223372036854775808" },
		{ "1.5e3", "1500.0" },
		{ "hash(:a)", "hash_murmur2(:a, :default_seed)" },
		{ "Hash_Fnv1a(1, 2)", "hash_fnv1a(1, 2)" },
		{ "permute(1, 2)", "permute(1, 2, :default_seed)" },
		{ "power(2, 3)", "pow(2, 3)" },
		{ "CASE WHEN :a THEN 1 END", "CASE WHEN :a THEN 1 ELSE NULL END" },
		{ "case when :a then 1 when :b then 2 else 3 end",
		  "CASE WHEN :a THEN 1 WHEN :b THEN 2 ELSE 3 END" },
		{ "least(1, 2.5, NULL, true)", "least(1, 2.5, NULL, TRUE)" },
	};
	char buf[256], err[128];
	int col;

	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct pgb_vartab tab = { 0 };
		struct pgb_expr *e = pgb_expr_parse(shapes[i].text, &tab, err, sizeof(err), &col);

		assert_non_null(e);
		size_t n = pgb_expr_print(e, &tab, buf, sizeof(buf));

		assert_int_equal(n, strlen(shapes[i].tree));
		assert_string_equal(buf, shapes[i].tree);
		/* the length wanted, whatever the room */
		assert_int_equal(pgb_expr_print(e, &tab, buf, 4), n);
		assert_int_equal(strlen(buf), 3);
		pgb_expr_free(e);
		pgb_vartab_free(&tab);
	}
}

/* An expression ends at its line's end: text may run on into the rest of the script */
static void test_parse_stops_at_newline(void **state)
{
	(void)state;
	struct pgb_vartab tab = { 0 };
	char err[128], buf[64];
	int col;
	struct pgb_expr *e =
		pgb_expr_parse("1 + \\\n 2\n\\set y $$$\n", &tab, err, sizeof(err), &col);

	assert_non_null(e);
	pgb_expr_print(e, &tab, buf, sizeof(buf));
	assert_string_equal(buf, "(1 + 2)");
	assert_int_equal(col, -1);
	pgb_expr_free(e);
	assert_int_equal(pgb_expr_text_end("1 + \\\n 2\n\\set y 3\n"), 9);
	assert_int_equal(pgb_expr_text_end("abs($) # @\nnext"), 11);
	assert_int_equal(pgb_expr_text_end("1 + 2"), 5);
	/* at the end of the text (a file's last line without its newline), the last byte */
	assert_null(pgb_expr_parse("1 +", &tab, err, sizeof(err), &col));
	assert_string_equal(err, "syntax error");
	assert_int_equal(col, 2);
	pgb_vartab_free(&tab);
}

/* ---- the random functions ---- */

#define DRAWS 20000

/* Draws EXPR DRAWS times into counts[value - lo] (all must be in [lo, hi]) */
static void draw(const char *text, int64_t lo, int64_t hi, unsigned *counts)
{
	struct pgb_vartab tab = { 0 };
	struct pgb_vars vs;
	char err[128];
	int col;
	uint64_t rng[2];
	struct pgb_expr *e = pgb_expr_parse(text, &tab, err, sizeof(err), &col);

	assert_non_null(e);
	assert_int_equal(pgb_vars_init(&vs, &tab), 0);
	rng_seed(rng, 12345);
	struct pgb_eval ev = { .vars = &vs, .rng = rng, .err = err, .err_size = sizeof(err) };

	for (int i = 0; i < DRAWS; i++) {
		struct pgb_value v;

		assert_int_equal(pgb_expr_eval(e, &ev, &v), 0);
		assert_int_equal(v.type, PGB_V_INT);
		assert_true(v.u.i >= lo && v.u.i <= hi);
		counts[v.u.i - lo]++;
	}
	pgb_expr_free(e);
	pgb_vars_free(&vs);
	pgb_vartab_free(&tab);
}

static void test_random_bounds_and_shapes(void **state)
{
	(void)state;
	unsigned c[10];

	/* uniform, bounds inclusive: every value, each near DRAWS / 10 */
	memset(c, 0, sizeof(c));
	draw("random(-5, 4)", -5, 4, c);
	for (int i = 0; i < 10; i++)
		assert_in_range(c[i], DRAWS / 10 * 85 / 100, DRAWS / 10 * 115 / 100);
	/* gaussian around the middle, symmetric: the two central values most frequent */
	memset(c, 0, sizeof(c));
	draw("random_gaussian(1, 10, 2.5)", 1, 10, c);
	assert_true(c[4] > c[1] && c[5] > c[8] && c[4] > 2 * c[0] && c[5] > 2 * c[9]);
	assert_true(c[0] > 0 && c[9] > 0);
	/* exponential: falling from the low end */
	memset(c, 0, sizeof(c));
	draw("random_exponential(1, 10, 3.0)", 1, 10, c);
	for (int i = 1; i < 10; i++)
		assert_true(c[i] < c[i - 1]);
	/* zipfian, s = 1.5: 1 the most frequent, about 2^1.5 times 2 */
	memset(c, 0, sizeof(c));
	draw("random_zipfian(1, 10, 1.5)", 1, 10, c);
	assert_in_range(c[0] * 100 / c[1], 230, 340);
	for (int i = 1; i < 10; i++)
		assert_true(c[i] < c[i - 1]);
	/* a range of one value, at the ends of int64 */
	unsigned one[1] = { 0 };

	draw("random(9223372036854775807, 9223372036854775807)", INT64_MAX, INT64_MAX, one);
	assert_int_equal(one[0], DRAWS);
}

static void test_permute_is_a_permutation(void **state)
{
	(void)state;
	static const int64_t sizes[] = { 2, 3, 10, 1000, 4097 };
	char err[128];

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		int64_t n = sizes[s];
		bool *seen = calloc((size_t)n, sizeof(*seen));
		int moved = 0;

		assert_non_null(seen);
		for (int64_t i = 0; i < n; i++) {
			int64_t out;

			assert_int_equal(pgb_permute(i, n, 777, &out, err, sizeof(err)), 0);
			assert_in_range(out, 0, n - 1);
			assert_false(seen[out]);
			seen[out] = true;
			moved += out != i;
			/* i and i + n land on the same place: the value is taken modulo the size */
			int64_t again;

			assert_int_equal(pgb_permute(i + n, n, 777, &again, err, sizeof(err)), 0);
			assert_int_equal(again, out);
		}
		assert_true(n <= 3 || moved > n / 2);
		free(seen);
	}
	int64_t out;

	assert_int_equal(pgb_permute(5, 0, 1, &out, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "permute size parameter must be greater than zero");
}

/* ---- evaluation allocates nothing ---- */

static void test_eval_allocates_nothing(void **state)
{
	(void)state;
	static const char *const texts[] = {
		"random(1, :n) + :s * 2",
		"CASE WHEN :b THEN hash(:s) WHEN NOT :b THEN permute(:s, 1000) END",
		"random_zipfian(1, 100, 1.2) + random_gaussian(1, 100, 3) + "
		"random_exponential(1, 100, 2.5)",
		"debug(least(:d, 2, 3) / greatest(1, :n) IS NULL AND hash_fnv1a(:s, 7) <> 0)",
		"abs(-:n) % 7 << 2 | int(sqrt(:d) * pi()) # ~:n",
		"1 / 0",
		":nope",
	};
	struct pgb_vartab tab = { 0 };
	struct pgb_expr *e[sizeof(texts) / sizeof(texts[0])];
	struct pgb_vars vs;
	char err[128];
	int col;
	uint64_t rng[2];
	struct pgb_value v;
	FILE *devnull = fopen("/dev/null", "w");

	assert_non_null(devnull);
	install_counter();
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		assert_non_null(e[i] = pgb_expr_parse(texts[i], &tab, err, sizeof(err), &col));
	assert_int_equal(pgb_vars_init(&vs, &tab), 0);
	set_engine_vars(&vs, &tab);
	pgb_var_set_string(&vs, pgb_vartab_find(&tab, "", "n"), "50", 2);
	pgb_var_set_string(&vs, pgb_vartab_find(&tab, "", "s"), "12345", 5);
	pgb_var_set_string(&vs, pgb_vartab_find(&tab, "", "b"), "yes", 3);
	pgb_var_set_string(&vs, pgb_vartab_find(&tab, "", "d"), "2.25", 4);
	fprintf(devnull, "warm\n"); /* the stream's buffer, made once */
	rng_seed(rng, 1);
	struct pgb_eval ev = { .vars = &vs,
			       .rng = rng,
			       .debug_out = devnull,
			       .command = 1,
			       .err = err,
			       .err_size = sizeof(err) };
	int slot = pgb_vartab_find(&tab, "", "n");

	/* the first round may make each variable's text buffer, once */
	for (int round = 0; round < 3; round++) {
		if (round == 1) {
			allocations = 0;
			counting = 1;
		}
		for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
			int rc = pgb_expr_eval(e[i], &ev, &v);

			assert_int_equal(rc,
					 i + 2 < sizeof(texts) / sizeof(texts[0]) ? 0 : -EINVAL);
			if (rc == 0 && i == 0)
				pgb_var_set_value(&vs, slot, &v); /* a new value each time */
			assert_non_null(pgb_var_string(&vs, slot, NULL));
		}
	}
	counting = 0;
	assert_int_equal(allocations, 0);
	/* and the count does see the module's allocations: a new name takes some */
	counting = 1;
	assert_true(pgb_vartab_slot(&tab, "fresh", 5) >= 0);
	counting = 0;
	assert_true(allocations > 0);
	fclose(devnull);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		pgb_expr_free(e[i]);
	pgb_vars_free(&vs);
	pgb_vartab_free(&tab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pgbench_cases),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_tree_shapes),
		cmocka_unit_test(test_parse_stops_at_newline),
		cmocka_unit_test(test_random_bounds_and_shapes),
		cmocka_unit_test(test_permute_is_a_permutation),
		cmocka_unit_test(test_eval_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
