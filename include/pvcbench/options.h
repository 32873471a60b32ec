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
	OPT_DOUBLE, /* double field: a finite decimal within dmin..dmax (when dmax > dmin);
		       positive: above 0 */
	OPT_RATE,   /* double field, events per second: a decimal with an optional k/m/g
		       suffix (x1000); with no_limit set, a negative value (the Java tools'
		       -1) stores -1, meaning no limit */
	OPT_LIST,   /* no field of its own: every value goes to the parser's on_option (the
		       Java tools' --producer-props k=v k=v ...: every argument up to the next
		       --name; in the other styles one value per occurrence). Without
		       on_option, opt_set only records that the row was given. */
	OPT_REFUSED, /* a reference tool's option that pvcbench refuses by name: using it is an
			error quoting help ("option --x is not supported: <help>") */
};

/* Modes of a command in which an option may be given (pgbench's -i and its run): a bitmask */
enum opt_mode { OPT_MODE_ANY = 0, OPT_MODE_INIT = 1u << 0, OPT_MODE_RUN = 1u << 1 };

/* How a command line is read (opt_parse_argv). */
enum opt_style {
	/* fio: --name=value, --name value (not for booleans; the value must not start with
	 * --), a bare --flag; operands (job files, and any argument with one dash) anywhere */
	OPT_STYLE_FIO,
	/* getopt_long, as pgbench: -c10, -c 10, clustered -nS, --client=10, --client 10,
	 * --cli=10 (a prefix of one name), operands anywhere (permuted), a lone - is an
	 * operand; -? is the row whose short_name is '?' */
	OPT_STYLE_GETOPT,
	/* the Java tools: --name value (the value must not start with --), --name=value,
	 * bare switches, OPT_LIST rows */
	OPT_STYLE_JAVA,
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
	char short_name;      /* OPT_STYLE_GETOPT: the letter of -x, 0 for none */
	unsigned modes;	      /* enum opt_mode bits where it may be given; 0: every mode */
	const char *fixed;    /* a flag without a value that sets the field to this text:
				   pgbench's -S is --builtin=select-only (the row's name is
				   select-only, its offset builtin's, its type builtin's; no
				   default). Setting it records the source on the row that owns
				   the field too, so opt_given("builtin") is true after -S. */
	double dmin, dmax;    /* OPT_DOUBLE, OPT_RATE bounds; unused when dmax <= dmin */
	bool positive;	      /* OPT_DOUBLE, OPT_RATE: must be above 0 */
	bool no_limit;	      /* OPT_RATE: a negative value means no limit (stored as -1) */
	const char *arg_name; /* --help's name for the value (FILE...); NULL: by type: NUM
				 (int, double), SIZE, TIME, RATE, else VALUE */
	bool hidden;	      /* left out of --help (aliases kept for compatibility) */
	bool bare_ok;	      /* OPT_STRING: a bare key or flag (no value) stores "" (fio's
				 write_bw_log, which then means the job's name) */
};

struct option_set {
	const struct option_def *defs;
	unsigned count;
	enum opt_source *source; /* one per row */
};

/* Points set at defs with a source per row, allocated (-ENOMEM); opt_set_free releases it. */
int opt_set_init(struct option_set *set, const struct option_def *defs);
void opt_set_free(struct option_set *set);

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

/* Whether the row has a field of its own to echo: not a list, a refused name or a fixed flag. */
bool opt_has_field(const struct option_def *def);

/* opt_print_help_style(defs, OPT_STYLE_FIO, out), for the callers from before the styles. */
void opt_print_help(const struct option_def *defs, FILE *out);

/*
 * One help printer for the three styles: a line per row (hidden and OPT_REFUSED rows left
 * out), its flag as the style writes it ("-c, --client=NUM", "--topic VALUE", "--bs=VALUE"),
 * its help, default, allowed values and environment variable.
 */
void opt_print_help_style(const struct option_def *defs, enum opt_style style, FILE *out);

/* Where opt_parse_argv stores the values of one table. */
struct opt_target {
	const struct option_set *set; /* set->defs is the table */
	void *config;
};

struct opt_argv {
	enum opt_style style;
	const struct opt_target *targets; /* looked up in order; the first table that has a
					     name (or short letter) wins */
	unsigned ntargets;
	/*
	 * Optional: called for every option found, instead of opt_set into its target: target
	 * is the index of the table, def its row, value the text (NULL for a bare flag; a
	 * row's fixed text for a fixed flag; each item of an OPT_LIST in turn). Returns 0, or a
	 * negative errno with a one-line message in err. Rows the callback does not take can be
	 * passed on with opt_set(targets[target].set, ...).
	 */
	int (*on_option)(void *arg, unsigned target, const struct option_def *def,
			 const char *value, char *err, size_t err_size);
	/* Optional: called for each operand (a job file, pgbench's DBNAME), in order; NULL: an
	 * operand is an error ('unexpected argument "X"'). In every style a lone "--" ends the
	 * options: what follows is operands. */
	int (*on_operand)(void *arg, const char *text, char *err, size_t err_size);
	void *arg;
};

/*
 * Reads argv[1..argc-1] in the style, setting values with source SRC_FLAG. Messages are one
 * line without the program's name:
 *   unknown option --blocksize; did you mean --bs?        (-ENOENT; across all the tables)
 *   unknown option -x                                     (-ENOENT)
 *   option --c is ambiguous; possibilities: --client --connect (-EINVAL; getopt style)
 *   option -c needs a value / option --client needs a value (-EINVAL)
 *   option --select-only takes no value                   (-EINVAL; a fixed flag given =x)
 *   option --producer-props needs at least one value      (-EINVAL; a list, Java style)
 *   option --foo is not supported: <help of its OPT_REFUSED row> (-EINVAL)
 *   and opt_set's messages for bad values.
 * Returns 0, or the first error (parsing stops there).
 */
int opt_parse_argv(const struct opt_argv *p, int argc, char **argv, char *err, size_t err_size);

/*
 * After parsing: the first option given (any source but default and preset) whose modes leave
 * out mode, or NULL. pgbench: "--client cannot be used in initialization (-i) mode".
 */
const struct option_def *opt_check_mode(const struct option_set *set, unsigned mode);

/* The index of the row called name (or by its alias) in set, or -1; and whether that row was
 * given (its source is not the default). */
int opt_row_index(const struct option_set *set, const char *name);
bool opt_given(const struct option_set *set, const char *name);

/* Parsers the table uses, exposed for tests and other modules. Return 0 or -EINVAL/-ERANGE. */
int opt_parse_size(const char *text, uint64_t *bytes);
/*
 * What opt_parse_size's k, m, g... mean from now on, for fio's options (its kb_base): 1024 (k is
 * 1024 and, as in fio, KiB is 1000) or 1000 (k is 1000, KiB 1024); 0, the default, is
 * pvcbench's own: every suffix 1024-based. Returns the previous base.
 */
unsigned opt_size_kb_base(unsigned kb_base);
int opt_parse_time(const char *text, uint64_t unit_ns, uint64_t *ns);
int opt_parse_bool(const char *text, bool *value);
int opt_parse_int(const char *text, int64_t *value);
int opt_parse_double(const char *text, double *value);

#endif
