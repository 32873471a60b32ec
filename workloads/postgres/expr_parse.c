/*
 * expr_parse.c - pgbench 15's expression language, text to tree: a precedence-climbing parser
 * over expr_lex.c's tokens that accepts exactly what exprparse.y's grammar accepts and builds
 * the same tree.
 *
 * Precedence, lowest first (exprparse.y's): OR; AND; NOT (right); IS, ISNULL, NOTNULL
 * (postfix, nonassoc); comparisons (nonassoc: "a < b < c" is a syntax error); the bitwise
 * operators and ~ (left); + -; * / %; unary + and -. A unary ~ takes what follows at its own
 * (bitwise) level: "~1 + 2" is "~(1 + 2)", as in pgbench.
 *
 * Errors are pgbench's, where pgbench finds them: a syntax error at the first token that
 * cannot continue the expression, "unexpected function name" as soon as the name is read,
 * argument counts at the closing parenthesis. The column is the last byte of the token in
 * hand (pgbench's scanner offset minus one). pgbench then reads the rest of the line for its
 * message, and a lexical error met there (an unexpected character, an integer or double
 * constant out of range) is the one it reports: the line's last lexical error wins, here too.
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_impl.h"
#include "expr_lex.h"

struct parser {
	struct lexer lx;
	struct pgb_vartab *tab;
	char *err;
	size_t err_size;
	int err_col;
	bool failed;
	bool oom;
};

/* A parse error at the token in hand; the first one counts */
static void fail(struct parser *p, const char *msg, const char *more, size_t more_len)
{
	if (p->failed)
		return;
	p->failed = true;
	if (more)
		snprintf(p->err, p->err_size, "%s (%.*s)", msg, (int)more_len, more);
	else
		snprintf(p->err, p->err_size, "%s", msg);
	p->err_col = p->lx.cur.end > 0 ? (int)p->lx.cur.end - 1 : 0;
}

static void syntax_error(struct parser *p)
{
	fail(p, "syntax error", NULL, 0);
}

static struct pgb_expr *node_new(struct parser *p, enum pgb_node_kind kind)
{
	struct pgb_expr *e = calloc(1, sizeof(*e));

	if (!e)
		p->oom = p->failed = true;
	else
		e->kind = kind;
	return e;
}

static struct pgb_expr *node_const(struct parser *p, const struct pgb_value *v)
{
	struct pgb_expr *e = node_new(p, PGB_N_CONST);

	if (e)
		e->c = *v;
	return e;
}

static struct pgb_expr *node_int(struct parser *p, int64_t i)
{
	struct pgb_value v;

	pgb_set_int(&v, i);
	return node_const(p, &v);
}

static struct pgb_expr *node_null(struct parser *p)
{
	struct pgb_value v;

	pgb_set_null(&v);
	return node_const(p, &v);
}

static struct pgb_expr *node_var(struct parser *p, const char *name, size_t len)
{
	int slot = pgb_vartab_slot(p->tab, name, len);

	if (slot < 0) {
		p->oom = p->failed = true;
		return NULL;
	}
	struct pgb_expr *e = node_new(p, PGB_N_VAR);

	if (e)
		e->var = slot;
	return e;
}

/* A function node over args (taken: freed on failure); NULL on failure */
static struct pgb_expr *node_func(struct parser *p, enum pgb_func f, struct pgb_expr **args,
				  unsigned nargs)
{
	struct pgb_expr *e = NULL;

	for (unsigned i = 0; i < nargs; i++)
		if (!args[i])
			goto fail;
	e = node_new(p, PGB_N_FUNC);
	if (!e)
		goto fail;
	e->func = f;
	e->nargs = nargs;
	if (nargs) {
		e->args = malloc(nargs * sizeof(*e->args));
		if (!e->args) {
			p->oom = p->failed = true;
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

static struct pgb_expr *node_op(struct parser *p, enum pgb_func f, struct pgb_expr *a,
				struct pgb_expr *b)
{
	struct pgb_expr *args[2] = { a, b };

	return node_func(p, f, args, 2);
}

static struct pgb_expr *node_not(struct parser *p, struct pgb_expr *a)
{
	return node_func(p, PGB_F_NOT, &a, 1);
}

/* Precedence levels of exprparse.y, lowest first */
enum {
	P_NONE = 0,
	P_OR,
	P_AND,
	P_NOT,
	P_IS,
	P_CMP,
	P_BIT,
	P_ADD,
	P_MUL,
	P_UNARY,
};

/* A binary operator's level and function; swap for > and >= (b < a, b <= a) */
static int binary_op(enum tok t, enum pgb_func *f, bool *swap)
{
	*swap = false;
	switch (t) {
	case T_OR:
		*f = PGB_F_OR;
		return P_OR;
	case T_AND:
		*f = PGB_F_AND;
		return P_AND;
	case T_LT:
		*f = PGB_F_LT;
		return P_CMP;
	case T_GT:
		*f = PGB_F_LT;
		*swap = true;
		return P_CMP;
	case T_LE:
		*f = PGB_F_LE;
		return P_CMP;
	case T_GE:
		*f = PGB_F_LE;
		*swap = true;
		return P_CMP;
	case T_EQ:
		*f = PGB_F_EQ;
		return P_CMP;
	case T_NE:
		*f = PGB_F_NE;
		return P_CMP;
	case T_BAR:
		*f = PGB_F_BITOR;
		return P_BIT;
	case T_HASH:
		*f = PGB_F_BITXOR;
		return P_BIT;
	case T_AMP:
		*f = PGB_F_BITAND;
		return P_BIT;
	case T_LSHIFT:
		*f = PGB_F_LSHIFT;
		return P_BIT;
	case T_RSHIFT:
		*f = PGB_F_RSHIFT;
		return P_BIT;
	case T_PLUS:
		*f = PGB_F_ADD;
		return P_ADD;
	case T_MINUS:
		*f = PGB_F_SUB;
		return P_ADD;
	case T_STAR:
		*f = PGB_F_MUL;
		return P_MUL;
	case T_SLASH:
		*f = PGB_F_DIV;
		return P_MUL;
	case T_PERCENT:
		*f = PGB_F_MOD;
		return P_MUL;
	default:
		return P_NONE;
	}
}

static struct pgb_expr *parse_expr(struct parser *p, int min);

static const struct pgb_func_def *find_func(const char *name, size_t len)
{
	for (const struct pgb_func_def *d = pgb_func_defs; d->name; d++)
		if (strlen(d->name) == len && strncasecmp(d->name, name, len) == 0)
			return d;
	return NULL;
}

/* Appends e to a growing list; false when out of memory (e freed) */
static bool list_push(struct parser *p, struct pgb_expr ***list, unsigned *n, unsigned *cap,
		      struct pgb_expr *e)
{
	if (*n == *cap) {
		unsigned c = *cap ? 2 * *cap : 8;
		struct pgb_expr **l = realloc(*list, c * sizeof(*l));

		if (!l) {
			p->oom = p->failed = true;
			pgb_expr_free(e);
			return false;
		}
		*list = l;
		*cap = c;
	}
	(*list)[(*n)++] = e;
	return true;
}

/* NAME ( [expr [, expr]...] ) with pgbench's checks of the argument count */
static struct pgb_expr *parse_call(struct parser *p)
{
	const struct pgb_func_def *def =
		find_func(p->lx.text + p->lx.cur.start, p->lx.cur.end - p->lx.cur.start);
	struct pgb_expr **list = NULL, *e = NULL, *x;
	unsigned n = 0, cap = 0;
	bool ok;

	if (!def) {
		fail(p, "unexpected function name", p->lx.text + p->lx.cur.start,
		     p->lx.cur.end - p->lx.cur.start);
		return NULL;
	}
	pgb_lex_next(&p->lx);
	if (p->lx.cur.kind != T_LPAREN) {
		syntax_error(p);
		return NULL;
	}
	pgb_lex_next(&p->lx);
	/* exprparse.y's elist may start empty, so "f(, x)" is f(x) there, and here */
	bool need = p->lx.cur.kind != T_RPAREN && p->lx.cur.kind != T_COMMA;

	for (;;) {
		if (need) {
			x = parse_expr(p, P_NONE);
			if (!x || !list_push(p, &list, &n, &cap, x))
				goto out;
		}
		if (p->lx.cur.kind != T_COMMA)
			break;
		pgb_lex_next(&p->lx);
		need = true;
	}
	if (p->lx.cur.kind != T_RPAREN) {
		syntax_error(p);
		goto out;
	}
	switch (def->nargs) {
	case PGB_NARGS_VARIABLE:
		ok = n >= 1;
		if (!ok)
			fail(p, "at least one argument expected", def->name, strlen(def->name));
		break;
	case PGB_NARGS_HASH:
	case PGB_NARGS_PERMUTE: {
		unsigned least = def->nargs == PGB_NARGS_HASH ? 1 : 2;

		ok = n == least || n == least + 1;
		if (!ok) {
			fail(p, "unexpected number of arguments", def->name, strlen(def->name));
		} else if (n == least) {
			/* the seed defaults to the variable default_seed, set on each client */
			x = node_var(p, "default_seed", strlen("default_seed"));
			if (!x || !list_push(p, &list, &n, &cap, x))
				goto out;
		}
		break;
	}
	default:
		ok = (unsigned)def->nargs == n;
		if (!ok)
			fail(p, "unexpected number of arguments", def->name, strlen(def->name));
		break;
	}
	if (!ok)
		goto out;
	pgb_lex_next(&p->lx);
	e = node_func(p, def->func, list, n);
	n = 0;
out:
	for (unsigned i = 0; i < n; i++)
		pgb_expr_free(list[i]);
	free(list);
	return e;
}

/* CASE WHEN c THEN v [WHEN c THEN v]... [ELSE v] END: args c, v, ..., else (NULL if none) */
static struct pgb_expr *parse_case(struct parser *p)
{
	struct pgb_expr **list = NULL, *e = NULL, *x;
	unsigned n = 0, cap = 0;

	pgb_lex_next(&p->lx);
	if (p->lx.cur.kind != T_WHEN) {
		syntax_error(p);
		return NULL;
	}
	while (p->lx.cur.kind == T_WHEN) {
		pgb_lex_next(&p->lx);
		x = parse_expr(p, P_NONE);
		if (!x || !list_push(p, &list, &n, &cap, x))
			goto out;
		if (p->lx.cur.kind != T_THEN) {
			syntax_error(p);
			goto out;
		}
		pgb_lex_next(&p->lx);
		x = parse_expr(p, P_NONE);
		if (!x || !list_push(p, &list, &n, &cap, x))
			goto out;
	}
	if (p->lx.cur.kind == T_ELSE) {
		pgb_lex_next(&p->lx);
		x = parse_expr(p, P_NONE);
	} else {
		x = node_null(p);
	}
	if (!x || !list_push(p, &list, &n, &cap, x))
		goto out;
	if (p->lx.cur.kind != T_ENDKW) {
		syntax_error(p);
		goto out;
	}
	pgb_lex_next(&p->lx);
	e = node_func(p, PGB_F_CASE, list, n);
	n = 0;
out:
	for (unsigned i = 0; i < n; i++)
		pgb_expr_free(list[i]);
	free(list);
	return e;
}

/* A constant, a variable, a call, CASE, a parenthesised expression, or a prefix operator */
static struct pgb_expr *parse_unary(struct parser *p)
{
	struct pgb_value v;
	struct pgb_expr *e;

	switch (p->lx.cur.kind) {
	case T_LPAREN:
		pgb_lex_next(&p->lx);
		e = parse_expr(p, P_NONE);
		if (!e)
			return NULL;
		if (p->lx.cur.kind != T_RPAREN) {
			syntax_error(p);
			pgb_expr_free(e);
			return NULL;
		}
		pgb_lex_next(&p->lx);
		return e;
	case T_PLUS:
		pgb_lex_next(&p->lx);
		return parse_expr(p, P_UNARY + 1);
	case T_MINUS:
		pgb_lex_next(&p->lx);
		if (p->lx.cur.kind == T_MAXINT) {
			/* "-9223372036854775808": the one place that constant is allowed */
			pgb_lex_next(&p->lx);
			return node_int(p, INT64_MIN);
		}
		/* "-x" is "0 - x" */
		e = parse_expr(p, P_UNARY + 1);
		return e ? node_op(p, PGB_F_SUB, node_int(p, 0), e) : NULL;
	case T_TILDE:
		/* "~x" is "-1 # x"; its operand runs to the end of the bitwise level */
		pgb_lex_next(&p->lx);
		e = parse_expr(p, P_BIT + 1);
		return e ? node_op(p, PGB_F_BITXOR, node_int(p, -1), e) : NULL;
	case T_NOT:
		pgb_lex_next(&p->lx);
		e = parse_expr(p, P_NOT + 1);
		return e ? node_not(p, e) : NULL;
	case T_INT:
		e = node_int(p, p->lx.cur.i);
		pgb_lex_next(&p->lx);
		return e;
	case T_DOUBLE:
		pgb_set_double(&v, p->lx.cur.d);
		e = node_const(p, &v);
		pgb_lex_next(&p->lx);
		return e;
	case T_TRUE:
	case T_FALSE:
		pgb_set_bool(&v, p->lx.cur.kind == T_TRUE);
		e = node_const(p, &v);
		pgb_lex_next(&p->lx);
		return e;
	case T_NULL:
		e = node_null(p);
		pgb_lex_next(&p->lx);
		return e;
	case T_VAR:
		e = node_var(p, p->lx.text + p->lx.cur.start + 1,
			     p->lx.cur.end - p->lx.cur.start - 1);
		pgb_lex_next(&p->lx);
		return e;
	case T_IDENT:
		return parse_call(p);
	case T_CASE:
		return parse_case(p);
	default:
		syntax_error(p);
		return NULL;
	}
}

/* x IS [NOT] NULL|TRUE|FALSE, x ISNULL, x NOTNULL: "!is(x, c)", negated by NOT */
static struct pgb_expr *parse_postfix(struct parser *p, struct pgb_expr *lhs)
{
	struct pgb_value v;
	bool negate = false;

	if (p->lx.cur.kind == T_ISNULL || p->lx.cur.kind == T_NOTNULL) {
		negate = p->lx.cur.kind == T_NOTNULL;
		pgb_set_null(&v);
	} else {
		pgb_lex_next(&p->lx);
		if (p->lx.cur.kind == T_NOT) {
			negate = true;
			pgb_lex_next(&p->lx);
		}
		if (p->lx.cur.kind == T_NULL) {
			pgb_set_null(&v);
		} else if (p->lx.cur.kind == T_TRUE || p->lx.cur.kind == T_FALSE) {
			pgb_set_bool(&v, p->lx.cur.kind == T_TRUE);
		} else {
			syntax_error(p);
			pgb_expr_free(lhs);
			return NULL;
		}
	}
	pgb_lex_next(&p->lx);
	struct pgb_expr *e = node_op(p, PGB_F_IS, lhs, node_const(p, &v));

	return e && negate ? node_not(p, e) : e;
}

/*
 * An expression whose operators all bind at level min or tighter. A nonassoc level's operator
 * right after another of that level is pgbench's syntax error.
 */
static struct pgb_expr *parse_expr(struct parser *p, int min)
{
	struct pgb_expr *lhs = parse_unary(p);
	int last = P_NONE;

	while (lhs) {
		enum tok t = p->lx.cur.kind;
		enum pgb_func f;
		bool swap;
		int level;

		if (t == T_IS || t == T_ISNULL || t == T_NOTNULL) {
			if (P_IS < min)
				break;
			lhs = parse_postfix(p, lhs);
			last = P_IS;
			continue;
		}
		level = binary_op(t, &f, &swap);
		if (level == P_NONE || level < min)
			break;
		if (level == P_CMP && last == P_CMP) {
			syntax_error(p);
			pgb_expr_free(lhs);
			return NULL;
		}
		pgb_lex_next(&p->lx);
		struct pgb_expr *rhs = parse_expr(p, level + 1);

		if (!rhs) {
			pgb_expr_free(lhs);
			return NULL;
		}
		lhs = swap ? node_op(p, f, rhs, lhs) : node_op(p, f, lhs, rhs);
		last = level;
	}
	return lhs;
}

struct pgb_expr *pgb_expr_parse(const char *text, struct pgb_vartab *tab, char *err,
				size_t err_size, int *err_col)
{
	struct parser p = { .lx = { .text = text }, .tab = tab, .err = err, .err_size = err_size };
	struct pgb_expr *e;

	if (err_col)
		*err_col = -1;
	if (err_size)
		err[0] = '\0';
	pgb_lex_next(&p.lx);
	e = parse_expr(&p, P_NONE);
	if (e && p.lx.cur.kind != T_END)
		syntax_error(&p);
	if (p.oom) {
		pgb_expr_free(e);
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	if (!p.failed && !p.lx.failed)
		return e;
	pgb_expr_free(e);
	/* pgbench reads on to the end of the line: a lexical error there is what it reports */
	while (p.lx.cur.kind != T_END)
		pgb_lex_next(&p.lx);
	if (p.lx.failed) {
		snprintf(err, err_size, "%s", p.lx.err);
		p.err_col = p.lx.col;
	}
	if (err_col)
		*err_col = p.err_col;
	return NULL;
}
