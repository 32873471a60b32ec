/*
 * expr_eval.c - evaluation of pgbench's expressions with pgbench 15's type rules
 * (evaluateExpr, evalLazyFunc and the operators of evalStandardFunc).
 *
 * The rules: an operator on two ints gives an int (overflow is an error, not a wrap), on a
 * double and a number a double, except % which takes ints (doubles rounded); booleans and
 * NULL are never coerced to numbers. Any NULL argument makes the result NULL, except for IS
 * and debug(). AND, OR and CASE evaluate lazily, so "false AND 1/0" is false.
 *
 * Nothing here allocates: arguments are evaluated into an array on the stack (pgbench
 * evaluates at most 16 and fails beyond), messages go into the caller's buffer.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "expr_impl.h"

int pgb_eval_fail(struct pgb_eval *ev, const char *fmt, ...)
{
	va_list ap;

	if (ev->err && ev->err_size) {
		va_start(ap, fmt);
		vsnprintf(ev->err, ev->err_size, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

const char *pgb_value_type_name(const struct pgb_value *v)
{
	switch (v->type) {
	case PGB_V_NULL:
		return "null";
	case PGB_V_INT:
		return "int";
	case PGB_V_DOUBLE:
		return "double";
	case PGB_V_BOOL:
		return "boolean";
	default:
		return "none";
	}
}

int pgb_coerce_bool(const struct pgb_value *v, bool *out, struct pgb_eval *ev)
{
	if (v->type == PGB_V_BOOL) {
		*out = v->u.b;
		return 0;
	}
	return pgb_eval_fail(ev, "cannot coerce %s to boolean", pgb_value_type_name(v));
}

int pgb_coerce_int(const struct pgb_value *v, int64_t *out, struct pgb_eval *ev)
{
	if (v->type == PGB_V_INT) {
		*out = v->u.i;
		return 0;
	}
	if (v->type == PGB_V_DOUBLE) {
		double d = rint(v->u.d);

		/* pgbench's FLOAT8_FITS_IN_INT64: [-2^63, 2^63) */
		if (isnan(d) || !(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
			char num[400];

			pgb_format_double(num, sizeof(num), d, true);
			return pgb_eval_fail(ev, "double to int overflow for %s", num);
		}
		*out = (int64_t)d;
		return 0;
	}
	return pgb_eval_fail(ev, "cannot coerce %s to int", pgb_value_type_name(v));
}

int pgb_coerce_double(const struct pgb_value *v, double *out, struct pgb_eval *ev)
{
	if (v->type == PGB_V_DOUBLE) {
		*out = v->u.d;
		return 0;
	}
	if (v->type == PGB_V_INT) {
		*out = (double)v->u.i;
		return 0;
	}
	return pgb_eval_fail(ev, "cannot coerce %s to double", pgb_value_type_name(v));
}

/* pgbench's valueTruth, for CASE's conditions */
static bool truth(const struct pgb_value *v)
{
	switch (v->type) {
	case PGB_V_BOOL:
		return v->u.b;
	case PGB_V_INT:
		return v->u.i != 0;
	case PGB_V_DOUBLE:
		return v->u.d != 0.0;
	default:
		return false;
	}
}

/* AND and OR: NULL on either side gives NULL, the right side only when it decides */
static int eval_logic(const struct pgb_expr *e, struct pgb_eval *ev, struct pgb_value *out)
{
	struct pgb_value a;
	bool b = false;
	bool is_and = e->func == PGB_F_AND;

	if (pgb_expr_eval(e->args[0], ev, &a))
		return -EINVAL;
	if (a.type == PGB_V_NULL) {
		pgb_set_null(out);
		return 0;
	}
	if (pgb_coerce_bool(&a, &b, ev))
		return -EINVAL;
	if (b != is_and) {
		/* false AND ..., true OR ... */
		pgb_set_bool(out, b);
		return 0;
	}
	if (pgb_expr_eval(e->args[1], ev, &a))
		return -EINVAL;
	if (a.type == PGB_V_NULL) {
		pgb_set_null(out);
		return 0;
	}
	if (pgb_coerce_bool(&a, &b, ev))
		return -EINVAL;
	pgb_set_bool(out, b);
	return 0;
}

static int eval_case(const struct pgb_expr *e, struct pgb_eval *ev, struct pgb_value *out)
{
	unsigned i;

	for (i = 0; i + 1 < e->nargs; i += 2) {
		struct pgb_value c;

		if (pgb_expr_eval(e->args[i], ev, &c))
			return -EINVAL;
		if (truth(&c))
			return pgb_expr_eval(e->args[i + 1], ev, out);
	}
	return pgb_expr_eval(e->args[i], ev, out);
}

/* + - * / % and comparisons on two doubles */
static int double_op(enum pgb_func f, double l, double r, struct pgb_value *out)
{
	switch (f) {
	case PGB_F_ADD:
		pgb_set_double(out, l + r);
		break;
	case PGB_F_SUB:
		pgb_set_double(out, l - r);
		break;
	case PGB_F_MUL:
		pgb_set_double(out, l * r);
		break;
	case PGB_F_DIV:
		pgb_set_double(out, l / r);
		break;
	case PGB_F_EQ:
		pgb_set_bool(out, l == r);
		break;
	case PGB_F_NE:
		pgb_set_bool(out, l != r);
		break;
	case PGB_F_LE:
		pgb_set_bool(out, l <= r);
		break;
	default:
		pgb_set_bool(out, l < r);
		break;
	}
	return 0;
}

/* ... on two ints, with pgbench's overflow and division errors */
static int int_op(enum pgb_func f, int64_t l, int64_t r, struct pgb_eval *ev, struct pgb_value *out)
{
	int64_t res;

	switch (f) {
	case PGB_F_ADD:
		if (__builtin_add_overflow(l, r, &res))
			return pgb_eval_fail(ev, "bigint add out of range");
		pgb_set_int(out, res);
		return 0;
	case PGB_F_SUB:
		if (__builtin_sub_overflow(l, r, &res))
			return pgb_eval_fail(ev, "bigint sub out of range");
		pgb_set_int(out, res);
		return 0;
	case PGB_F_MUL:
		if (__builtin_mul_overflow(l, r, &res))
			return pgb_eval_fail(ev, "bigint mul out of range");
		pgb_set_int(out, res);
		return 0;
	case PGB_F_DIV:
	case PGB_F_MOD:
		if (r == 0)
			return pgb_eval_fail(ev, "division by zero");
		if (r == -1) {
			/* INT64_MIN / -1 overflows; anything % -1 is 0 */
			if (f == PGB_F_MOD) {
				pgb_set_int(out, 0);
				return 0;
			}
			if (l == INT64_MIN)
				return pgb_eval_fail(ev, "bigint div out of range");
			pgb_set_int(out, -l);
			return 0;
		}
		pgb_set_int(out, f == PGB_F_DIV ? l / r : l % r);
		return 0;
	case PGB_F_EQ:
		pgb_set_bool(out, l == r);
		return 0;
	case PGB_F_NE:
		pgb_set_bool(out, l != r);
		return 0;
	case PGB_F_LE:
		pgb_set_bool(out, l <= r);
		return 0;
	default:
		pgb_set_bool(out, l < r);
		return 0;
	}
}

/* The operators that evaluate all their arguments: arithmetic, comparison, bitwise, NOT, IS */
static int eval_operator(enum pgb_func f, const struct pgb_value *a, struct pgb_eval *ev,
			 struct pgb_value *out)
{
	int64_t li = 0, ri = 0;
	double ld = 0, rd = 0;
	bool b = false;

	switch (f) {
	case PGB_F_ADD:
	case PGB_F_SUB:
	case PGB_F_MUL:
	case PGB_F_DIV:
	case PGB_F_MOD:
	case PGB_F_EQ:
	case PGB_F_NE:
	case PGB_F_LE:
	case PGB_F_LT:
		if ((a[0].type == PGB_V_DOUBLE || a[1].type == PGB_V_DOUBLE) && f != PGB_F_MOD) {
			if (pgb_coerce_double(&a[0], &ld, ev) || pgb_coerce_double(&a[1], &rd, ev))
				return -EINVAL;
			return double_op(f, ld, rd, out);
		}
		if (pgb_coerce_int(&a[0], &li, ev) || pgb_coerce_int(&a[1], &ri, ev))
			return -EINVAL;
		return int_op(f, li, ri, ev, out);
	case PGB_F_BITAND:
	case PGB_F_BITOR:
	case PGB_F_BITXOR:
	case PGB_F_LSHIFT:
	case PGB_F_RSHIFT:
		if (pgb_coerce_int(&a[0], &li, ev) || pgb_coerce_int(&a[1], &ri, ev))
			return -EINVAL;
		if (f == PGB_F_BITAND)
			pgb_set_int(out, li & ri);
		else if (f == PGB_F_BITOR)
			pgb_set_int(out, li | ri);
		else if (f == PGB_F_BITXOR)
			pgb_set_int(out, li ^ ri);
		else if (f == PGB_F_LSHIFT)
			/* pgbench shifts with the machine's instruction: x86-64 takes the count
			 * modulo 64 */
			pgb_set_int(out, (int64_t)((uint64_t)li << (ri & 63)));
		else
			pgb_set_int(out, li >> (ri & 63));
		return 0;
	case PGB_F_NOT:
		if (pgb_coerce_bool(&a[0], &b, ev))
			return -EINVAL;
		pgb_set_bool(out, !b);
		return 0;
	case PGB_F_IS:
		/* pgbench's test, more permissive than SQL's: same type, same boolean member */
		pgb_set_bool(out, a[0].type == a[1].type && a[0].u.b == a[1].u.b);
		return 0;
	default:
		return pgb_func_call(f, a, 2, ev, out);
	}
}

static bool is_operator(enum pgb_func f)
{
	return f <= PGB_F_IS;
}

/*
 * Evaluates the arguments into a (room for cap), then the function. Inlined into two callers
 * with arrays of two and of sixteen, so the recursion through binary operators, the deep one,
 * keeps small frames: pgbench's grammar allows 10000 levels.
 */
static inline __attribute__((always_inline)) int eval_args(const struct pgb_expr *e,
							   struct pgb_eval *ev,
							   struct pgb_value *out,
							   struct pgb_value *a, unsigned cap)
{
	bool has_null = false;
	unsigned n;

	for (n = 0; n < e->nargs && n < cap; n++) {
		if (pgb_expr_eval(e->args[n], ev, &a[n]))
			return -EINVAL;
		has_null |= a[n].type == PGB_V_NULL;
	}
	if (n < e->nargs)
		return pgb_eval_fail(ev, "too many function arguments, maximum is %d",
				     PGB_MAX_FARGS);
	if (has_null && e->func != PGB_F_IS && e->func != PGB_F_DEBUG) {
		pgb_set_null(out);
		return 0;
	}
	if (is_operator(e->func))
		return eval_operator(e->func, a, ev, out);
	return pgb_func_call(e->func, a, n, ev, out);
}

static __attribute__((noinline)) int eval_few(const struct pgb_expr *e, struct pgb_eval *ev,
					      struct pgb_value *out)
{
	struct pgb_value a[2];

	return eval_args(e, ev, out, a, 2);
}

static __attribute__((noinline)) int eval_many(const struct pgb_expr *e, struct pgb_eval *ev,
					       struct pgb_value *out)
{
	struct pgb_value a[PGB_MAX_FARGS];

	return eval_args(e, ev, out, a, PGB_MAX_FARGS);
}

int pgb_expr_eval(const struct pgb_expr *e, struct pgb_eval *ev, struct pgb_value *out)
{
	switch (e->kind) {
	case PGB_N_CONST:
		*out = e->c;
		return 0;
	case PGB_N_VAR:
		return pgb_var_value(ev->vars, e->var, out, ev->err, ev->err_size);
	case PGB_N_FUNC:
		break;
	}
	if (e->func == PGB_F_AND || e->func == PGB_F_OR)
		return eval_logic(e, ev, out);
	if (e->func == PGB_F_CASE)
		return eval_case(e, ev, out);
	return e->nargs <= 2 ? eval_few(e, ev, out) : eval_many(e, ev, out);
}
