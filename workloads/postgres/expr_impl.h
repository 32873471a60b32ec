/*
 * expr_impl.h - the inside of expr.h's expressions, shared by expr_parse.c, expr_eval.c and
 * expr_func.c only: the tree's nodes, the table of functions and operators (pgbench 15's list,
 * with its names and argument counts), and the coercions both evaluators use.
 *
 * A tree is what pgbench's grammar builds: operators are functions of two arguments ("-x" is
 * "0 - x", "~x" is "-1 # x", "a > b" is "b < a", "a >= b" is "b <= a", "x IS NULL" is
 * "!is(x, NULL)"), CASE is one function whose arguments are WHEN, THEN, ..., ELSE (ELSE NULL
 * when absent), and a hash or permute without a seed gets the variable default_seed.
 */
#ifndef PVCBENCH_PGBENCH_EXPR_IMPL_H
#define PVCBENCH_PGBENCH_EXPR_IMPL_H

#include "expr.h"

/* pgbench evaluates at most this many arguments of a function (its MAX_FARGS) */
#define PGB_MAX_FARGS 16

enum pgb_func {
	/* operators, evaluated as functions */
	PGB_F_ADD,
	PGB_F_SUB,
	PGB_F_MUL,
	PGB_F_DIV,
	PGB_F_MOD,
	PGB_F_AND,
	PGB_F_OR,
	PGB_F_NOT,
	PGB_F_BITAND,
	PGB_F_BITOR,
	PGB_F_BITXOR,
	PGB_F_LSHIFT,
	PGB_F_RSHIFT,
	PGB_F_EQ,
	PGB_F_NE,
	PGB_F_LE,
	PGB_F_LT,
	PGB_F_IS,
	PGB_F_CASE,
	/* functions by name */
	PGB_F_ABS,
	PGB_F_LEAST,
	PGB_F_GREATEST,
	PGB_F_DEBUG,
	PGB_F_PI,
	PGB_F_SQRT,
	PGB_F_LN,
	PGB_F_EXP,
	PGB_F_INT,
	PGB_F_DOUBLE,
	PGB_F_RANDOM,
	PGB_F_RANDOM_GAUSSIAN,
	PGB_F_RANDOM_EXPONENTIAL,
	PGB_F_RANDOM_ZIPFIAN,
	PGB_F_POW,
	PGB_F_HASH_MURMUR2,
	PGB_F_HASH_FNV1A,
	PGB_F_PERMUTE,
	PGB_F_COUNT
};

/* Argument counts beyond a fixed number, as pgbench's grammar checks them */
enum {
	PGB_NARGS_VARIABLE = -1, /* least, greatest: at least one */
	PGB_NARGS_CASE = -2,	 /* WHEN/THEN pairs and ELSE: odd, >= 3 */
	PGB_NARGS_HASH = -3,	 /* one, and an optional seed */
	PGB_NARGS_PERMUTE = -4,	 /* two, and an optional seed */
};

struct pgb_func_def {
	const char *name; /* as pgbench names it in messages ("!and" for the internal ones) */
	int nargs;	  /* a count, or one of PGB_NARGS_* */
	enum pgb_func func;
};

/* Every name the parser may look up, pow and power both; NULL-terminated. */
extern const struct pgb_func_def pgb_func_defs[];
/* The definition of a function (its canonical name for messages and printing). */
const struct pgb_func_def *pgb_func_def_of(enum pgb_func f);

enum pgb_node_kind { PGB_N_CONST, PGB_N_VAR, PGB_N_FUNC };

struct pgb_expr {
	enum pgb_node_kind kind;
	struct pgb_value c; /* PGB_N_CONST */
	int var;	    /* PGB_N_VAR: the slot */
	enum pgb_func func; /* PGB_N_FUNC */
	unsigned nargs;
	struct pgb_expr **args; /* nargs of them */
};

/*
 * The tree's nodes (expr_tree.c). On failure each sets *oom and returns NULL; a function's
 * arguments are taken (freed on failure, and a NULL among them fails the node).
 */
struct pgb_expr *pgb_node_const(bool *oom, const struct pgb_value *v);
struct pgb_expr *pgb_node_int(bool *oom, int64_t i);
struct pgb_expr *pgb_node_null(bool *oom);
struct pgb_expr *pgb_node_var(bool *oom, struct pgb_vartab *tab, const char *name, size_t len);
struct pgb_expr *pgb_node_func(bool *oom, enum pgb_func f, struct pgb_expr **args, unsigned nargs);
struct pgb_expr *pgb_node_op(bool *oom, enum pgb_func f, struct pgb_expr *a, struct pgb_expr *b);
struct pgb_expr *pgb_node_not(bool *oom, struct pgb_expr *a);

/* Coercions with pgbench's messages in ev->err (expr_eval.c); 0 or -EINVAL */
int pgb_coerce_int(const struct pgb_value *v, int64_t *out, struct pgb_eval *ev);
int pgb_coerce_double(const struct pgb_value *v, double *out, struct pgb_eval *ev);
int pgb_coerce_bool(const struct pgb_value *v, bool *out, struct pgb_eval *ev);
/* An evaluation error: the message into ev->err, -EINVAL */
int pgb_eval_fail(struct pgb_eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *pgb_value_type_name(const struct pgb_value *v);

/*
 * A double as pgbench prints it: "%.*g" with DBL_DIG digits, or "%f" when fixed, and NaN,
 * Infinity, -Infinity as PostgreSQL's snprintf writes them. Returns the length (vars.c).
 */
size_t pgb_format_double(char *buf, size_t size, double d, bool fixed);

/* pgbench's strtoint64 (vars.c): 0, -ERANGE (out of range) or -EINVAL (not an integer) */
int pgb_parse_int64(const char *s, int64_t *out);

/* A named function's result from its evaluated arguments (expr_func.c); 0 or -EINVAL */
int pgb_func_call(enum pgb_func f, const struct pgb_value *args, unsigned nargs,
		  struct pgb_eval *ev, struct pgb_value *out);

static inline void pgb_set_int(struct pgb_value *v, int64_t i)
{
	v->type = PGB_V_INT;
	v->u.i = i;
}

static inline void pgb_set_double(struct pgb_value *v, double d)
{
	v->type = PGB_V_DOUBLE;
	v->u.d = d;
}

/* The whole union is cleared first: IS compares the bool member of both sides */
static inline void pgb_set_bool(struct pgb_value *v, bool b)
{
	v->type = PGB_V_BOOL;
	v->u.i = 0;
	v->u.b = b;
}

static inline void pgb_set_null(struct pgb_value *v)
{
	v->type = PGB_V_NULL;
	v->u.i = 0;
}

#endif
