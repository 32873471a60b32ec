/*
 * expr_tree.c - a parsed expression's tree: its nodes made (each constructor sets *oom and
 * returns NULL when memory runs out, freeing what it was given), freed, and printed fully
 * parenthesised (operators as they are written, functions by their names) for tests and checks.
 */
#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expr_impl.h"

static struct pgb_expr *node_new(bool *oom, enum pgb_node_kind kind)
{
	struct pgb_expr *e = calloc(1, sizeof(*e));

	if (!e)
		*oom = true;
	else
		e->kind = kind;
	return e;
}

struct pgb_expr *pgb_node_const(bool *oom, const struct pgb_value *v)
{
	struct pgb_expr *e = node_new(oom, PGB_N_CONST);

	if (e)
		e->c = *v;
	return e;
}

struct pgb_expr *pgb_node_int(bool *oom, int64_t i)
{
	struct pgb_value v;

	pgb_set_int(&v, i);
	return pgb_node_const(oom, &v);
}

struct pgb_expr *pgb_node_null(bool *oom)
{
	struct pgb_value v;

	pgb_set_null(&v);
	return pgb_node_const(oom, &v);
}

struct pgb_expr *pgb_node_var(bool *oom, struct pgb_vartab *tab, const char *name, size_t len)
{
	int slot = pgb_vartab_slot(tab, name, len);

	if (slot < 0) {
		*oom = true;
		return NULL;
	}
	struct pgb_expr *e = node_new(oom, PGB_N_VAR);

	if (e)
		e->var = slot;
	return e;
}

/* A function node over args (taken: freed on failure); NULL on failure */
struct pgb_expr *pgb_node_func(bool *oom, enum pgb_func f, struct pgb_expr **args, unsigned nargs)
{
	struct pgb_expr *e = NULL;

	for (unsigned i = 0; i < nargs; i++)
		if (!args[i])
			goto fail;
	e = node_new(oom, PGB_N_FUNC);
	if (!e)
		goto fail;
	e->func = f;
	e->nargs = nargs;
	if (nargs) {
		e->args = malloc(nargs * sizeof(*e->args));
		if (!e->args) {
			*oom = true;
			free(e);
			goto fail;
		}
		memcpy(e->args, args, nargs * sizeof(*args));
	}
	return e;
fail:
	for (unsigned i = 0; i < nargs; i++)
		pgb_expr_free(args[i]);
	return NULL;
}

struct pgb_expr *pgb_node_op(bool *oom, enum pgb_func f, struct pgb_expr *a, struct pgb_expr *b)
{
	struct pgb_expr *args[2] = { a, b };

	return pgb_node_func(oom, f, args, 2);
}

struct pgb_expr *pgb_node_not(bool *oom, struct pgb_expr *a)
{
	return pgb_node_func(oom, PGB_F_NOT, &a, 1);
}

void pgb_expr_free(struct pgb_expr *e)
{
	if (!e)
		return;
	for (unsigned i = 0; i < e->nargs; i++)
		pgb_expr_free(e->args[i]);
	free(e->args);
	free(e);
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	size_t room = o->len < o->size ? o->size - o->len : 0;

	va_start(ap, fmt);
	int n = vsnprintf(room ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static const char *infix(enum pgb_func f)
{
	switch (f) {
	case PGB_F_ADD:
		return "+";
	case PGB_F_SUB:
		return "-";
	case PGB_F_MUL:
		return "*";
	case PGB_F_DIV:
		return "/";
	case PGB_F_MOD:
		return "%";
	case PGB_F_AND:
		return "AND";
	case PGB_F_OR:
		return "OR";
	case PGB_F_BITAND:
		return "&";
	case PGB_F_BITOR:
		return "|";
	case PGB_F_BITXOR:
		return "#";
	case PGB_F_LSHIFT:
		return "<<";
	case PGB_F_RSHIFT:
		return ">>";
	case PGB_F_EQ:
		return "=";
	case PGB_F_NE:
		return "<>";
	case PGB_F_LE:
		return "<=";
	case PGB_F_LT:
		return "<";
	case PGB_F_IS:
		return "IS";
	default:
		return NULL;
	}
}

static void print_node(const struct pgb_expr *e, const struct pgb_vartab *tab, struct out *o)
{
	const char *op;

	switch (e->kind) {
	case PGB_N_CONST:
		switch (e->c.type) {
		case PGB_V_NULL:
			put(o, "NULL");
			break;
		case PGB_V_BOOL:
			put(o, "%s", e->c.u.b ? "TRUE" : "FALSE");
			break;
		case PGB_V_INT:
			put(o, "%" PRId64, e->c.u.i);
			break;
		default: {
			char num[64];

			/* a double always shows a point or an exponent, so it reads as one */
			snprintf(num, sizeof(num), "%.*g", DBL_DIG, e->c.u.d);
			put(o, "%s%s", num, strpbrk(num, ".enN") ? "" : ".0");
			break;
		}
		}
		return;
	case PGB_N_VAR:
		put(o, ":%s", tab->names[e->var]);
		return;
	case PGB_N_FUNC:
		break;
	}
	if (e->func == PGB_F_NOT) {
		put(o, "(NOT ");
		print_node(e->args[0], tab, o);
		put(o, ")");
		return;
	}
	if (e->func == PGB_F_CASE) {
		put(o, "CASE");
		for (unsigned i = 0; i + 1 < e->nargs; i += 2) {
			put(o, " WHEN ");
			print_node(e->args[i], tab, o);
			put(o, " THEN ");
			print_node(e->args[i + 1], tab, o);
		}
		put(o, " ELSE ");
		print_node(e->args[e->nargs - 1], tab, o);
		put(o, " END");
		return;
	}
	op = infix(e->func);
	if (op) {
		put(o, "(");
		print_node(e->args[0], tab, o);
		put(o, " %s ", op);
		print_node(e->args[1], tab, o);
		put(o, ")");
		return;
	}
	put(o, "%s(", pgb_func_def_of(e->func)->name);
	for (unsigned i = 0; i < e->nargs; i++) {
		if (i)
			put(o, ", ");
		print_node(e->args[i], tab, o);
	}
	put(o, ")");
}

size_t pgb_expr_print(const struct pgb_expr *e, const struct pgb_vartab *tab, char *buf,
		      size_t size)
{
	struct out o = { .buf = buf, .size = size };

	if (size)
		buf[0] = '\0';
	print_node(e, tab, &o);
	return o.len;
}
