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
 *
 * Depth: pgbench's bison parser holds at most 10000 states and says "memory exhausted" past
 * them. Each parse function is told how many symbols bison's stack would hold where it starts
 * (d), so the same expressions are refused at the same token, and this parser's recursion is
 * as bounded as pgbench's grammar (about 150 bytes of C stack a level).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_impl.h"
#include "expr_lex.h"

/* bison's YYMAXDEPTH: the states pgbench's parser may stack, its first included */
#define YY_MAX_DEPTH 10000

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

static struct pgb_expr *parse_expr(struct parser *p, int min, int d);

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

/*
 * Shifts the token in hand onto what would be bison's stack, d symbols deep with it. pgbench's
 * parser stops at 10000 states (bison's YYMAXDEPTH, the first one its own): "memory
 * exhausted", found as the token that fills it is shifted. Tracking the same depth keeps this
 * parser's recursion as bounded as pgbench's grammar, and its error where pgbench has it.
 */
static bool shift(struct parser *p, int d)
{
	if (d >= YY_MAX_DEPTH - 1) {
		fail(p, "memory exhausted", NULL, 0);
		return false;
	}
	pgb_lex_next(&p->lx);
	return true;
}

/*
 * NAME ( [expr [, expr]...] ) with pgbench's checks of the argument count, at depth d: the
 * stack then holds function, '(', elist, ',' as the arguments are read.
 */
static struct pgb_expr *parse_call(struct parser *p, int d)
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
	if (!shift(p, d + 1))
		return NULL;
	if (p->lx.cur.kind != T_LPAREN) {
		syntax_error(p);
		return NULL;
	}
	if (!shift(p, d + 2))
		return NULL;
	/* exprparse.y's elist may start empty, so "f(, x)" is f(x) there, and here */
	if (p->lx.cur.kind == T_RPAREN || p->lx.cur.kind == T_COMMA) {
		if (d + 3 >= YY_MAX_DEPTH - 1) { /* the empty elist, pushed */
			fail(p, "memory exhausted", NULL, 0);
			return NULL;
		}
	} else {
		x = parse_expr(p, P_NONE, d + 2);
		if (!x || !list_push(p, &list, &n, &cap, x))
			goto out;
	}
	while (p->lx.cur.kind == T_COMMA) {
		if (!shift(p, d + 4))
			goto out;
		x = parse_expr(p, P_NONE, d + 4);
		if (!x || !list_push(p, &list, &n, &cap, x))
			goto out;
	}
	if (p->lx.cur.kind != T_RPAREN) {
		syntax_error(p);
		goto out;
	}
	if (d + 4 >= YY_MAX_DEPTH - 1) {
		fail(p, "memory exhausted", NULL, 0);
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
			x = pgb_node_var(&p->oom, p->tab, "default_seed", strlen("default_seed"));
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
	/* the ')' is in hand: pgbench checks the count as it reduces the call, then reads on */
	if (!ok || !shift(p, d + 4))
		goto out;
	e = pgb_node_func(&p->oom, def->func, list, n);
	n = 0;
out:
	for (unsigned i = 0; i < n; i++)
		pgb_expr_free(list[i]);
	free(list);
	return e;
}

/*
 * CASE WHEN c THEN v [WHEN c THEN v]... [ELSE v] END: args c, v, ..., else (NULL if none).
 * The stack holds CASE, when_then_list (after the first pair), WHEN, expr, THEN, expr.
 */
static struct pgb_expr *parse_case(struct parser *p, int d)
{
	struct pgb_expr **list = NULL, *e = NULL, *x;
	unsigned n = 0, cap = 0;
	int base = d + 1; /* CASE, then when_then_list once a pair is read */

	if (!shift(p, d + 1))
		return NULL;
	if (p->lx.cur.kind != T_WHEN) {
		syntax_error(p);
		return NULL;
	}
	while (p->lx.cur.kind == T_WHEN) {
		if (!shift(p, base + 1))
			goto out;
		x = parse_expr(p, P_NONE, base + 1);
		if (!x || !list_push(p, &list, &n, &cap, x))
			goto out;
		if (p->lx.cur.kind != T_THEN) {
			syntax_error(p);
			goto out;
		}
		if (!shift(p, base + 3))
			goto out;
		x = parse_expr(p, P_NONE, base + 3);
		if (!x || !list_push(p, &list, &n, &cap, x))
			goto out;
		base = d + 2;
	}
	if (p->lx.cur.kind == T_ELSE) {
		if (!shift(p, d + 3))
			goto out;
		x = parse_expr(p, P_NONE, d + 3);
		base = d + 4;
	} else {
		x = pgb_node_null(&p->oom);
		base = d + 2;
	}
	if (!x || !list_push(p, &list, &n, &cap, x))
		goto out;
	if (p->lx.cur.kind != T_ENDKW) {
		syntax_error(p);
		goto out;
	}
	if (!shift(p, base + 1))
		goto out;
	e = pgb_node_func(&p->oom, PGB_F_CASE, list, n);
	n = 0;
out:
	for (unsigned i = 0; i < n; i++)
		pgb_expr_free(list[i]);
	free(list);
	return e;
}

/* A constant's or a variable's node, and the token shifted */
static struct pgb_expr *parse_leaf(struct parser *p, int d)
{
	struct pgb_value v;
	struct pgb_expr *e;

	switch (p->lx.cur.kind) {
	case T_INT:
		e = pgb_node_int(&p->oom, p->lx.cur.i);
		break;
	case T_DOUBLE:
		pgb_set_double(&v, p->lx.cur.d);
		e = pgb_node_const(&p->oom, &v);
		break;
	case T_TRUE:
	case T_FALSE:
		pgb_set_bool(&v, p->lx.cur.kind == T_TRUE);
		e = pgb_node_const(&p->oom, &v);
		break;
	case T_NULL:
		e = pgb_node_null(&p->oom);
		break;
	default: /* T_VAR */
		e = pgb_node_var(&p->oom, p->tab, p->lx.text + p->lx.cur.start + 1,
				 p->lx.cur.end - p->lx.cur.start - 1);
		break;
	}
	if (e && !shift(p, d + 1)) {
		pgb_expr_free(e);
		return NULL;
	}
	return e;
}

/*
 * A constant, a variable, a call, CASE, a parenthesised expression, or a prefix operator, at
 * depth d (what the stack holds before it).
 */
static struct pgb_expr *parse_unary(struct parser *p, int d)
{
	struct pgb_expr *e;

	switch (p->lx.cur.kind) {
	case T_LPAREN:
		if (!shift(p, d + 1) || !(e = parse_expr(p, P_NONE, d + 1)))
			return NULL;
		if (p->lx.cur.kind != T_RPAREN) {
			syntax_error(p);
			pgb_expr_free(e);
			return NULL;
		}
		if (!shift(p, d + 3)) {
			pgb_expr_free(e);
			return NULL;
		}
		return e;
	case T_PLUS:
		return shift(p, d + 1) ? parse_expr(p, P_UNARY + 1, d + 1) : NULL;
	case T_MINUS:
		if (!shift(p, d + 1))
			return NULL;
		if (p->lx.cur.kind == T_MAXINT) {
			/* "-9223372036854775808": the one place that constant is allowed */
			return shift(p, d + 2) ? pgb_node_int(&p->oom, INT64_MIN) : NULL;
		}
		/* "-x" is "0 - x" */
		e = parse_expr(p, P_UNARY + 1, d + 1);
		return e ? pgb_node_op(&p->oom, PGB_F_SUB, pgb_node_int(&p->oom, 0), e) : NULL;
	case T_TILDE:
		/* "~x" is "-1 # x"; its operand runs to the end of the bitwise level */
		if (!shift(p, d + 1))
			return NULL;
		e = parse_expr(p, P_BIT + 1, d + 1);
		return e ? pgb_node_op(&p->oom, PGB_F_BITXOR, pgb_node_int(&p->oom, -1), e) : NULL;
	case T_NOT:
		if (!shift(p, d + 1))
			return NULL;
		e = parse_expr(p, P_NOT + 1, d + 1);
		return e ? pgb_node_not(&p->oom, e) : NULL;
	case T_INT:
	case T_DOUBLE:
	case T_TRUE:
	case T_FALSE:
	case T_NULL:
	case T_VAR:
		return parse_leaf(p, d);
	case T_IDENT:
		return parse_call(p, d);
	case T_CASE:
		return parse_case(p, d);
	default:
		syntax_error(p);
		return NULL;
	}
}

/*
 * x IS [NOT] NULL|TRUE|FALSE, x ISNULL, x NOTNULL: "!is(x, c)", negated by NOT; x is the
 * stack's symbol d.
 */
static struct pgb_expr *parse_postfix(struct parser *p, struct pgb_expr *lhs, int d)
{
	struct pgb_value v;
	bool negate = false;

	if (p->lx.cur.kind == T_ISNULL || p->lx.cur.kind == T_NOTNULL) {
		negate = p->lx.cur.kind == T_NOTNULL;
		pgb_set_null(&v);
	} else {
		if (!shift(p, ++d))
			goto fail;
		if (p->lx.cur.kind == T_NOT) {
			negate = true;
			if (!shift(p, ++d))
				goto fail;
		}
		if (p->lx.cur.kind == T_NULL) {
			pgb_set_null(&v);
		} else if (p->lx.cur.kind == T_TRUE || p->lx.cur.kind == T_FALSE) {
			pgb_set_bool(&v, p->lx.cur.kind == T_TRUE);
		} else {
			syntax_error(p);
			goto fail;
		}
	}
	if (!shift(p, d + 1))
		goto fail;
	struct pgb_expr *e = pgb_node_op(&p->oom, PGB_F_IS, lhs, pgb_node_const(&p->oom, &v));

	return e && negate ? pgb_node_not(&p->oom, e) : e;
fail:
	pgb_expr_free(lhs);
	return NULL;
}

/*
 * An expression whose operators all bind at level min or tighter, at depth d. A nonassoc
 * level's operator right after another of that level is pgbench's syntax error.
 */
static struct pgb_expr *parse_expr(struct parser *p, int min, int d)
{
	struct pgb_expr *lhs = parse_unary(p, d);
	int last = P_NONE;

	while (lhs) {
		enum tok t = p->lx.cur.kind;
		enum pgb_func f;
		bool swap;
		int level;

		if (t == T_IS || t == T_ISNULL || t == T_NOTNULL) {
			if (P_IS < min)
				break;
			lhs = parse_postfix(p, lhs, d + 1);
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
		struct pgb_expr *rhs = shift(p, d + 2) ? parse_expr(p, level + 1, d + 2) : NULL;

		if (!rhs) {
			pgb_expr_free(lhs);
			return NULL;
		}
		lhs = swap ? pgb_node_op(&p->oom, f, rhs, lhs) : pgb_node_op(&p->oom, f, lhs, rhs);
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
	e = parse_expr(&p, P_NONE, 0);
	if (e && p.lx.cur.kind != T_END)
		syntax_error(&p);
	if (p.oom || p.lx.oom) {
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
		snprintf(err, err_size, "%s (%.*s)", p.lx.err, (int)(p.lx.err_end - p.lx.err_start),
			 text + p.lx.err_start);
		p.err_col = (int)p.lx.err_end - 1;
	}
	if (err_col)
		*err_col = p.err_col;
	return NULL;
}
