/*
 * options.h - the option table: one row per option is the single source of its command-line
 * flag, environment variable, job-file key, default, bounds, allowed values and help text.
 * Parsing, defaults, validation, --help, docs and the config echoed into JSON all read the table.
 *
 * Values are parsed into a caller's config struct at the row's offset. The set of values keeps,
 * for every row, where its value came from, so that results can say "size=2G (env FIO_SIZE)".
 */
#ifndef PVCBENCH_OPTIONS_H
#define PVCBENCH_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum opt_type {
	OPT_STRING, /* char[OPT_STRING_MAX] field */
	OPT_INT,    /* int64_t field, plain decimal */
	OPT_BOOL,   /* bool field: 1/0, yes/no, true/false, on/off; a bare key means true */
	OPT_SIZE,   /* uint64_t bytes: 4k, 500M, 10G (fio's suffixes, 1024-based) */
	OPT_TIME,   /* uint64_t nanoseconds: 900s, 15m, 1h, 500ms; a bare number is unit_ns units */
	OPT_CHOICE, /* char[OPT_STRING_MAX] field, one of choices[] */
};

#define OPT_STRING_MAX 256

/* preset: fixed by the command itself, e.g. the FIO Summary suite's table of tests */
/* env_alt: set from the row's second environment variable */
enum opt_source { SRC_DEFAULT = 0, SRC_PRESET, SRC_ENV, SRC_ENV_ALT, SRC_JOBFILE, SRC_FLAG };

struct option_def {
	const char *name;    /* flag (--name=value) and job-file key */
	const char *alias;   /* another accepted name (fio's readwrite for rw), or NULL */
	const char *env;     /* environment variable, or NULL */
	const char *env_alt; /* a second environment variable (dbench's names), or NULL */
	enum opt_type type;
	size_t offset;		    /* of the field in the config struct */
	const char *def;	    /* default, as text; NULL = none (empty string, 0, false) */
	int64_t min, max;	    /* bounds for OPT_INT, OPT_SIZE, OPT_TIME (ns); max 0 = none */
	uint64_t unit_ns;	    /* OPT_TIME: unit of a bare number (fio: seconds) */
	const char *const *choices; /* OPT_CHOICE: NULL-terminated list */
	const char *help;
};

struct option_set {
	const struct option_def *defs;
	unsigned count;
	enum opt_source *source; /* one per row */
};

/* Number of rows of a table ending with a row whose name is NULL. */
unsigned opt_count(const struct option_def *defs);

/* The row called name (or by its alias), NULL if none. */
const struct option_def *opt_find(const struct option_def *defs, const char *name);

/*
 * Parses text as the row's type into config. On error returns -EINVAL (or -ERANGE) and writes a
 * one-line message without the program name, e.g. "--bs=0: must be at least 512", into err.
 * flag_style: name the option as --name in messages (else as name=).
 */
int opt_parse_value(const struct option_def *def, const char *text, void *config, char *err,
		    size_t err_size, bool flag_style);

/* Applies every default, then every environment variable that is set. */
int opt_apply_defaults(const struct option_set *set, void *config, char *err, size_t err_size);
int opt_apply_env(const struct option_set *set, void *config, char *err, size_t err_size);

/*
 * Sets name=value (value NULL for a bare key or flag), recording source. Unknown names give
 * -ENOENT and a message with a suggestion ("unknown option --blocksize; did you mean --bs?").
 */
int opt_set(const struct option_set *set, void *config, const char *name, const char *value,
	    enum opt_source source, char *err, size_t err_size);

/* The value of a row as text, for the config echo: sizes in their largest exact suffix (4096 ->
 * "4k"), times in whole s or ms; the text parses back to the same value. */
void opt_format_value(const struct option_def *def, const void *config, char *buf, size_t size);
const char *opt_source_name(enum opt_source source); /* "default", "preset", "env", ... */

/* Prints --help lines for every row: flag, env, default, help. */
void opt_print_help(const struct option_def *defs, FILE *out);

/* Parsers the table uses, exposed for tests and other modules. Return 0 or -EINVAL/-ERANGE. */
int opt_parse_size(const char *text, uint64_t *bytes);
int opt_parse_time(const char *text, uint64_t unit_ns, uint64_t *ns);
int opt_parse_bool(const char *text, bool *value);
int opt_parse_int(const char *text, int64_t *value);

#endif
