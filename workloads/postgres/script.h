/*
 * script.h - pgbench's scripts: the files of -f, the builtins of -b (written in the same
 * language), weights, -D variables, --show-script. A script is parsed once, before any
 * connection, into commands whose variables are slots (expr.h); the clients run them
 * (client_step.c) without parsing or allocating.
 *
 * Layout:
 *   script.c        the builtin scripts' texts, -b list, --show-script, pgb_scripts_load
 *                   (every -f and -b in order with its weight, -D, the well-known variables)
 *   script_parse.c  a script's text to commands: meta-commands (\set, \sleep, \if ...,
 *                   \gset, \aset, \setshell, \shell, \startpipeline, \endpipeline), checked
 *                   as pgbench 15 checks them, with its messages
 *   script_sql.c    where an SQL command ends (';' outside quotes, comments, dollar quotes
 *                   and parentheses; joined by \;), and its segments and $n parameters
 *   script_check.c  the \if structure and its jump targets
 *   script_int.h    what those share
 *   shell.c         \setshell and \shell: the command run through the shell, as pgbench runs it
 *
 * What pgbench 15 checks only at run time stays for the clients: \startpipeline and
 * \endpipeline pairing, \gset or \aset inside a pipeline, the simple protocol with a
 * pipeline, a \set of no valid name (var_invalid).
 */
#ifndef PVCBENCH_PGBENCH_SCRIPT_H
#define PVCBENCH_PGBENCH_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "expr.h"

struct pgb_config;

enum pgb_cmd_type { PGB_CMD_SQL, PGB_CMD_META };

enum pgb_meta {
	PGB_META_NONE, /* an SQL command whose results are only checked */
	PGB_META_GSET, /* an SQL command followed by \gset [prefix] (set on the SQL command) */
	PGB_META_ASET, /* ... by \aset [prefix] */
	PGB_META_SET,
	PGB_META_SETSHELL,
	PGB_META_SHELL,
	PGB_META_SLEEP,
	PGB_META_IF,
	PGB_META_ELIF,
	PGB_META_ELSE,
	PGB_META_ENDIF,
	PGB_META_STARTPIPELINE,
	PGB_META_ENDPIPELINE,
};

/*
 * An SQL command's text (several queries when joined by \;). For the simple protocol it is
 * kept as literal segments with a variable slot between each two: seg[0] var[0] seg[1] ...
 * seg[nsegs - 1]; a slot whose variable is unset at run time is written back as ":name", as
 * pgbench leaves it. "::" (a cast) is literal. For the extended and prepared protocols,
 * param_text has each :name replaced by $1, $2, ... (each occurrence its own parameter, as
 * pgbench numbers them) and param_var[k] is the slot bound to $(k+1).
 */
struct pgb_sql {
	char *text; /* the whole command as sent in simple mode, before substitution */
	unsigned nsegs;
	const char **seg; /* point into text */
	uint32_t *seg_len;
	int *var; /* nsegs - 1 slots */
	char *param_text;
	int *param_var;
	unsigned nparams;
	char prep_name[32]; /* the prepared statement's name (-M prepared) */
};

/* An argument of \sleep, \setshell, \shell: literal text, or a variable (":name"). */
struct pgb_arg {
	char *text; /* the literal; for a variable its name (messages) */
	int var;    /* the slot, or -1 for a literal ("::x" is the literal ":x") */
};

struct pgb_command {
	enum pgb_cmd_type type;
	enum pgb_meta meta;
	unsigned lineno;  /* in the script, from 1 */
	char *first_line; /* what -r and messages show: the command's first line, as pgbench */

	/* PGB_CMD_SQL */
	struct pgb_sql sql;
	char *varprefix; /* \gset / \aset prefix; "" for none */

	/* \set (var, expr); \if and \elif (expr) */
	int var;
	struct pgb_expr *expr;
	/*
	 * \set and \setshell: var's name is no valid variable name. pgbench parses it and
	 * fails at run time instead, after evaluating (after running the command for
	 * \setshell): 'set: invalid variable name: "NAME"', then its abort line ("assignment of
	 * meta-command failed"). pgb_run_shell reports it for \setshell.
	 */
	bool var_invalid;

	/* \sleep: arg[0] a number or :var, times usec (1, 1000 or 1000000 for us, ms, s) */
	/* \setshell (var is the result's slot) and \shell: arg[0..nargs-1] the command words */
	struct pgb_arg *args;
	unsigned nargs;
	int64_t sleep_usec_mult;

	/*
	 * \if and \elif: when false, go to command jump (the chain's next \elif, \else or
	 * \endif; an \elif there is evaluated, an \else or \endif entered past). \else reached
	 * by running off the end of a taken branch: go to jump (the command after the chain's
	 * \endif). An \elif reached that way goes to jump_end, not jump (its jump is its own
	 * false branch). jump_end is set on every command of the chain (\if, \elif, \else,
	 * \endif): the command after its \endif. Indices are within the script.
	 */
	unsigned jump;
	unsigned jump_end;
};

struct pgb_script {
	char *name; /* "tpcb-like", or the file name as given */
	char *desc; /* pgbench's: "<builtin: TPC-B (sort of)>", or the file name */
	bool builtin;
	int64_t weight;
	struct pgb_command *cmds;
	unsigned ncmds;
	unsigned cmd_base; /* its first command's index in the run's per-command arrays */
	bool uses_pipeline;
};

/* A -D NAME=VALUE: set on every client as a string before its first transaction. */
struct pgb_define {
	int slot;
	char *value;
};

struct pgb_scripts {
	struct pgb_script *s;
	unsigned n;
	int64_t total_weight;
	unsigned total_cmds; /* over all scripts: the size of the per-command arrays */
	struct pgb_vartab vars;
	struct pgb_define *defines;
	unsigned ndefines;
	/* the slots pgbench sets on each client: scale, client_id, random_seed, default_seed */
	int var_scale, var_client_id, var_random_seed, var_default_seed;
	bool scale_defined;	  /* -D scale=...: pgbench keeps it instead of the table's */
	bool client_id_defined;	  /* -D client_id=...: kept as given, as pgbench */
	bool random_seed_defined; /* -D random_seed / default_seed: kept as given */
	bool default_seed_defined;
};

/*
 * Loads the scripts the configuration names (cfg->script_specs in order, or tpcb-like when
 * none), with their weights, and cfg->defines. Parse errors are printed on err_out in
 * pgbench's format (source:line: message, the line and a caret) and return -EINVAL: pgbench
 * then exits 1. -ENOMEM after printing "out of memory". Also pgbench's other refusals, each
 * -EINVAL: -D's 'invalid variable definition' and 'option: invalid variable name', 'could
 * not open file', 'empty command list for script', condition errors, 'total script weight
 * must not be zero', and under -M extended/prepared 'statement has too many arguments
 * (maximum is 255)'. Prepared statement names are pgbench 15's: "P<script>_<command>".
 * On failure ss is left empty (nothing to free).
 */
int pgb_scripts_load(struct pgb_scripts *ss, const struct pgb_config *cfg, FILE *err_out);
void pgb_scripts_free(struct pgb_scripts *ss);

/*
 * Parses one script's text (source: the file name or "<builtin>" for messages) into s.
 * Used by pgb_scripts_load, and by the unit tests. 0, -EINVAL (printed), -ENOMEM.
 */
int pgb_script_parse(struct pgb_script *s, const char *source, const char *text,
		     struct pgb_vartab *vars, FILE *err_out);
void pgb_script_release(struct pgb_script *s);

/*
 * Finds a builtin by name or unique prefix; NULL and pgbench's message in err if none or
 * several ('no builtin script found for name "x"', 'ambiguous builtin name: 2 builtin
 * scripts found for prefix "s"'). pgbench prints it as an error, then the list
 * (pgb_builtin_list on stderr), and exits 1.
 */
const char *pgb_builtin_resolve(const char *name, char *err, size_t err_size);
/* A builtin's script text (its full name), as --show-script prints it; NULL if none */
const char *pgb_builtin_text(const char *name);
/* -b list: pgbench's list of the builtins, on out */
void pgb_builtin_list(FILE *out);
/*
 * --show-script=NAME: "-- NAME: DESC" and the script's text on out (pgbench writes it on
 * stderr and exits 0); -EINVAL and err as pgb_builtin_resolve's if none.
 */
int pgb_builtin_show(const char *name, FILE *out, char *err, size_t err_size);

/*
 * \setshell and \shell (shell.c): runs the words (variables substituted) through /bin/sh as
 * pgbench does; for \setshell parses the output as an integer into *result. Returns 0, or
 * -1 with pgbench's message in err ("\setshell: command returned an empty result", ...).
 */
int pgb_run_shell(const struct pgb_command *cmd, struct pgb_vars *vars, bool setshell,
		  int64_t *result, char *err, size_t err_size);

#endif
