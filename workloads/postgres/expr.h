/*
 * expr.h - pgbench's values, variables and expression language (what follows `\set NAME`,
 * `\if` and `\elif`), with pgbench 15's types, operators, functions and error messages.
 *
 * Layout:
 *   vars.c       the variable table (names to slots, fixed when the scripts are parsed) and a
 *                client's variables: a value, its string form, or both, converted as pgbench
 *                converts them (makeVariableValue, valueToString)
 *   expr_lex.c   the lexer: exprscan.l's tokens (expr_lex.h)
 *   expr_parse.c the parser: text to a tree whose variable references are slots
 *   expr_tree.c  the tree freed, and printed
 *   expr_eval.c  evaluation: operators, CASE, type rules, the errors pgbench names
 *   expr_func.c  the functions (abs ... sqrt), the random distributions, hash_fnv1a,
 *                hash_murmur2 and permute with pgbench's results for the same arguments
 *   expr_impl.h  what those files share: the tree's nodes, the function table, coercions
 *
 * Parsing allocates; evaluating never does (a client's string buffers grow, rarely, when a
 * longer value comes: never per transaction in a steady run).
 */
#ifndef PVCBENCH_PGBENCH_EXPR_H
#define PVCBENCH_PGBENCH_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A value's type; PGB_V_NONE is "not set" (a variable with no value yet). */
enum pgb_vtype { PGB_V_NONE = 0, PGB_V_NULL, PGB_V_INT, PGB_V_DOUBLE, PGB_V_BOOL };

struct pgb_value {
	enum pgb_vtype type;
	union {
		int64_t i;
		double d;
		bool b;
	} u;
};

/* ---- the variable table (vars.c): every name any script or -D uses, each a slot ---- */

struct pgb_vartab {
	char **names; /* slot -> name */
	unsigned n, cap;
};

/*
 * The slot of name (len bytes, not NUL-terminated), created when new. Returns -1 on ENOMEM.
 * Slots are fixed once the scripts are parsed: the run only reads the table.
 */
int pgb_vartab_slot(struct pgb_vartab *t, const char *name, size_t len);
/* The slot of prefix followed by name, or -1 when no script names it (\gset, \aset). */
int pgb_vartab_find(const struct pgb_vartab *t, const char *prefix, const char *name);
void pgb_vartab_free(struct pgb_vartab *t);
/* pgbench's rule for a variable name: letters (any byte >= 0x80 too), digits, underscores. */
bool pgb_valid_var_name(const char *name, size_t len);

/* ---- a client's variables: one per slot ---- */

struct pgb_var {
	struct pgb_value v; /* PGB_V_NONE: only the string is set (or nothing) */
	char *s;	    /* the string form, when valid */
	uint32_t slen, scap;
	bool s_valid;
};

struct pgb_vars {
	struct pgb_var *v;
	unsigned n;
	const struct pgb_vartab *tab; /* the names, for messages */
};

int pgb_vars_init(struct pgb_vars *vs, const struct pgb_vartab *tab); /* all unset; -ENOMEM */
void pgb_vars_free(struct pgb_vars *vs);

/* Sets a value (the string form is made when asked for). */
void pgb_var_set_value(struct pgb_vars *vs, int slot, const struct pgb_value *val);
/* Sets a string (from -D, \gset, \aset, \setshell); its value is parsed when used. 0/-ENOMEM */
int pgb_var_set_string(struct pgb_vars *vs, int slot, const char *s, size_t len);
/*
 * The variable's value for an expression. A string is parsed as pgbench does: null, a
 * boolean word, an integer, a double; else an error. Errors, with pgbench's wording, in err:
 * 'undefined variable "NAME"', 'malformed variable "NAME" value: "VALUE"'. 0 or -EINVAL.
 */
int pgb_var_value(struct pgb_vars *vs, int slot, struct pgb_value *out, char *err, size_t err_size);
/*
 * The variable's text for SQL and shell arguments (NULL when unset): a value is written as
 * pgbench writes it (integers in decimal, doubles "%.*g" with DBL_DIG, true/false, and
 * NULL as "NULL", as pgbench's getVariable does). The pointer stays valid until the variable
 * is set again. Never allocates once the variable has held a value or a string as long.
 */
const char *pgb_var_string(struct pgb_vars *vs, int slot, size_t *len);

/* ---- expressions ---- */

struct pgb_expr; /* a parsed tree; opaque */

/*
 * Parses text (what follows "\set NAME ", or "\if ") into a tree; variable references get
 * slots in tab (hash*() and permute() without a seed add "default_seed"). The expression
 * ends at the first newline not escaped by a backslash, or at the end of text: text may point
 * into the whole script. On an error returns NULL with pgbench's message in err, its "more"
 * in parentheses as pgbench's syntax_error adds it: "syntax error", "unexpected character
 * ($)", "bigint constant overflow (99999999999999999999)", "double constant overflow (...)",
 * "unexpected function name (foo)", "unexpected number of arguments (abs)", "at least one
 * argument expected (least)", "memory exhausted" (past the 10000 states of pgbench's parser
 * stack: about 10000 levels of nesting); and in *err_col the byte offset in text where pgbench points
 * its caret (its scanner's offset less one: the last byte of the offending token; the
 * newline when the expression ended early; at the end of text without a newline, the last
 * byte, as pgbench at the end of a file). The caller adds the offset of text in its line.
 * NULL and "out of memory" when allocation fails. (pgbench's "too many function arguments"
 * is an evaluation error: see pgb_expr_eval.)
 */
struct pgb_expr *pgb_expr_parse(const char *text, struct pgb_vartab *tab, char *err,
				size_t err_size, int *err_col);
/*
 * Where the expression that starts text ends: the offset just past the newline that ends it
 * (backslash-newline continuations read through), or the text's length. The script's next
 * line starts there, as in pgbench, whose expression lexer reads the script itself.
 */
size_t pgb_expr_text_end(const char *text);
void pgb_expr_free(struct pgb_expr *e);
/* The expression as text, for tests and --show-script's checks (returns bytes wanted). */
size_t pgb_expr_print(const struct pgb_expr *e, const struct pgb_vartab *tab, char *buf,
		      size_t size);

/* What an evaluation reads and writes besides the tree. */
struct pgb_eval {
	struct pgb_vars *vars;
	uint64_t *rng;	 /* the client's random state for random*() (pvcbench/rng.h, [2]) */
	FILE *debug_out; /* debug(): where its line goes (stderr) */
	/* debug()'s "debug(script=S,command=C)": S from 0, C from 1, as pgbench prints them */
	unsigned script, command;
	char *err; /* the reason evaluation failed, pgbench's wording */
	size_t err_size;
};

/*
 * Evaluates e into out. Returns 0, or -EINVAL with pgbench's message in ev->err (e.g.
 * "bigint add out of range", "division by zero", "cannot coerce boolean to int", "double to
 * int overflow for 1000000000000000019884624838656.000000", "gaussian parameter must be at
 * least 2.000000 (not 1.000000)", "empty range given to random", "too many function
 * arguments, maximum is 16", 'undefined variable "x"'). An empty ev->err with -EINVAL: a
 * variable holding the empty string, for which pgbench prints no message of its own.
 * Allocates nothing. Recursive: the deepest tree the parser allows (10000 levels) takes
 * about 2 MB of stack, well within a thread's default 8 MB.
 */
int pgb_expr_eval(const struct pgb_expr *e, struct pgb_eval *ev, struct pgb_value *out);

/* pgbench's truth of a value for \if: NULL is false; ints and doubles non-zero. 0/-EINVAL */
int pgb_value_bool(const struct pgb_value *v, bool *out, char *err, size_t err_size);
/* A value as pgbench writes it into SQL (see pgb_var_string); returns the length. */
size_t pgb_value_format(const struct pgb_value *v, char *buf, size_t size);

/* pgbench's functions with its results for the same arguments (expr_func.c) */
int64_t pgb_hash_fnv1a(int64_t v, int64_t seed);
int64_t pgb_hash_murmur2(int64_t v, int64_t seed);
/* permute(i, size, seed): -EINVAL when size <= 0 ("permute size parameter must be ..."). */
int pgb_permute(int64_t i, int64_t size, int64_t seed, int64_t *out, char *err, size_t err_size);

#endif
