/*
 * options_parse.c - each option as pgbench's getopt loop takes it (pgb_on_option): -b, -f, -N
 * and -S add scripts in order with pgbench's NAME@W weights, -D collects variables, and the
 * values pgbench checks itself get its messages ("invalid value \"x\" for option
 * -c/--clients", "-F/--fillfactor must be in range 10..100"); then the table stores the value
 * and records that the option was given. DBNAME is the one operand.
 *
 * Messages are pgbench 15's, worded as its pg_log_error lines: "error: ..." after our program
 * name, and pgbench's "detail:" and "hint:" lines where it prints them.
 */
#define _GNU_SOURCE /* open_memstream */
#include "pgbench.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "script.h"

/* pgbench's names for its integer options in messages ("-c/--clients must be in range ...") */
static const struct {
	const char *row, *shown;
} int_names[] = {
	{ "client", "-c/--clients" },
	{ "jobs", "-j/--jobs" },
	{ "scale", "-s/--scale" },
	{ "transactions", "-t/--transactions" },
	{ "time", "-T/--time" },
	{ "progress", "-P/--progress" },
	{ "fillfactor", "-F/--fillfactor" },
	{ "partitions", "--partitions" },
	{ "aggregate-interval", "--aggregate-interval" },
};

int pgb_option_error(char *err, size_t err_size, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, err_size, "error: ");

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < err_size)
		vsnprintf(err + n, err_size - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* pgbench's second line of a message ("pgbench: detail: ...", "pgbench: hint: ...") */
void pgb_option_note(char *err, size_t err_size, const char *kind, const char *text)
{
	size_t len = strlen(err);

	if (len < err_size)
		snprintf(err + len, err_size - len, "\n%s: %s: %s", PGB_PROGNAME, kind, text);
}

/*
 * pgbench's option_parse_int: a decimal (trailing blanks allowed) within the row's bounds,
 * which are at most an int's, as pgbench's. The two messages are pgbench's.
 */
static int parse_int(const struct option_def *def, const char *shown, const char *value, char *err,
		     size_t err_size)
{
	int64_t max = def->max && def->max < INT32_MAX ? def->max : INT32_MAX;
	char *end;
	long long v;

	errno = 0;
	v = strtoll(value, &end, 10);
	while (*end && isspace((unsigned char)*end))
		end++;
	if (*end)
		return pgb_option_error(err, err_size, "invalid value \"%s\" for option %s", value,
					shown);
	if (errno == ERANGE || v < def->min || v > max)
		/* pgbench's words, and the value (pgbench leaves it out) */
		return pgb_option_error(err, err_size, "%s must be in range %lld..%lld, got \"%s\"",
					shown, (long long)def->min, (long long)max, value);
	return 0;
}

/* A whole decimal number (pgbench reads these with atof; a typo is refused here) */
static bool parse_number(const char *value, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(value, &end);
	while (*end && isspace((unsigned char)*end))
		end++;
	return end != value && !*end && !errno && isfinite(*v);
}

/*
 * pgbench's parseScriptWeight: NAME@W splits at the last '@'; W a decimal in 0..INT_MAX.
 * name gets the part before it (the whole text without '@').
 */
static int parse_weight(const char *text, char *name, size_t name_size, int64_t *weight, char *err,
			size_t err_size)
{
	const char *sep = strrchr(text, '@');

	*weight = 1;
	if (!sep) {
		snprintf(name, name_size, "%s", text);
		return 0;
	}
	snprintf(name, name_size, "%.*s", (int)(sep - text), text);
	char *end;
	errno = 0;
	long long w = strtoll(sep + 1, &end, 10);
	if (errno || end == sep + 1 || *end)
		return pgb_option_error(err, err_size, "invalid weight specification: %s", sep);
	if (w > INT32_MAX || w < 0)
		return pgb_option_error(err, err_size,
					"weight specification out of range (0 .. %d): %lld",
					INT32_MAX, w);
	*weight = w;
	return 0;
}

/* pgbench lists the builtins after a name it does not know: err gets the list's lines */
static void append_builtin_list(char *err, size_t err_size)
{
	char *text = NULL;
	size_t len = 0, used = strlen(err);
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	pgb_builtin_list(f);
	if (fclose(f) == 0 && text) {
		/* the core ends the message with the list's last newline */
		if (len && text[len - 1] == '\n')
			text[--len] = '\0';
		if (used < err_size)
			snprintf(err + used, err_size - used, "\n%s", text);
	}
	free(text);
}

/* -b NAME[@W], -N, -S (builtin true) and -f FILE[@W]: one more script, in order */
static int add_script(struct pgb_config *cfg, bool builtin, const char *value, char *err,
		      size_t err_size)
{
	struct pgb_script_spec spec = { .builtin = builtin };
	char name[OPT_STRING_MAX];

	if (cfg->nscripts >= PGB_MAX_SCRIPTS)
		return pgb_option_error(err, err_size, "at most %d SQL scripts are allowed",
					PGB_MAX_SCRIPTS);
	if (parse_weight(value, name, sizeof(name), &spec.weight, err, err_size))
		return -EINVAL;
	if (builtin) {
		const char *full = pgb_builtin_resolve(name, err, err_size);
		if (!full) {
			/* script.c's message, as pgbench words it, after our prefix */
			char msg[OPT_STRING_MAX + 128];
			snprintf(msg, sizeof(msg), "%s", err);
			pgb_option_error(err, err_size, "%s", msg);
			append_builtin_list(err, err_size);
			return -EINVAL;
		}
		snprintf(name, sizeof(name), "%s", full);
		/* builtin keeps the last builtin named (the JSON's config echo) */
		snprintf(cfg->builtin, sizeof(cfg->builtin), "%s", full);
	}
	snprintf(spec.name, sizeof(spec.name), "%s", name);
	cfg->script_specs[cfg->nscripts++] = spec;
	return 0;
}

/* -D NAME=VALUE, kept whole for pgb_scripts_load; pgbench's check of its shape */
static int add_define(struct pgb_config *cfg, const char *value, char *err, size_t err_size)
{
	const char *eq = strchr(value, '=');

	if (!eq || eq == value || !eq[1])
		return pgb_option_error(err, err_size, "invalid variable definition: \"%s\"",
					value);
	char **defines = realloc(cfg->defines, (cfg->ndefines + 1) * sizeof(*defines));
	if (!defines)
		return pgb_option_error(err, err_size, "out of memory");
	cfg->defines = defines;
	defines[cfg->ndefines] = strdup(value);
	if (!defines[cfg->ndefines])
		return pgb_option_error(err, err_size, "out of memory");
	cfg->ndefines++;
	return 0;
}

/* pgbench's checkInitSteps, at the option as pgbench checks it */
static int check_init_steps(const char *steps, char *err, size_t err_size)
{
	if (!steps[0])
		return pgb_option_error(err, err_size, "no initialization steps specified");
	for (const char *p = steps; *p; p++) {
		if (!strchr(PGB_INIT_STEPS " ", *p)) {
			pgb_option_error(err, err_size, "unrecognized initialization step \"%c\"",
					 *p);
			pgb_option_note(err, err_size, "detail",
					"Allowed step characters are: \"" PGB_INIT_STEPS "\".");
			return -EINVAL;
		}
	}
	return 0;
}

/* pgbench's set_random_seed's check; from names where the seed came from, for its message */
int pgb_check_random_seed(const char *seed, const char *from, char *err, size_t err_size)
{
	char *end;
	char last[160];

	if (!strcmp(seed, "time") || !strcmp(seed, "rand"))
		return 0;
	errno = 0;
	(void)strtoull(seed, &end, 10);
	if (!errno && end != seed && !*end && *seed != '-')
		return 0;
	pgb_option_error(err, err_size, "unrecognized random seed option \"%s\"", seed);
	pgb_option_note(err, err_size, "detail",
			"Expecting an unsigned integer, \"time\" or \"rand\".");
	snprintf(last, sizeof(last), "error while setting random seed from %s", from);
	pgb_option_note(err, err_size, "error", last);
	return -EINVAL;
}

/* The options whose values pgbench checks itself, with its messages; the rest as the table */
static int check_value(const struct option_def *def, const char *value, char *err, size_t err_size)
{
	const char *name = def->name;
	double d;

	for (size_t i = 0; i < sizeof(int_names) / sizeof(int_names[0]); i++)
		if (!strcmp(name, int_names[i].row))
			return parse_int(def, int_names[i].shown, value, err, err_size);
	if (!strcmp(name, "rate") && !(parse_number(value, &d) && d > 0))
		return pgb_option_error(err, err_size, "invalid rate limit: \"%s\"", value);
	if (!strcmp(name, "latency-limit") && !(parse_number(value, &d) && d > 0))
		return pgb_option_error(err, err_size, "invalid latency limit: \"%s\"", value);
	if (!strcmp(name, "sampling-rate") && !(parse_number(value, &d) && d > 0 && d <= 1))
		return pgb_option_error(err, err_size, "invalid sampling rate: \"%s\"", value);
	if (!strcmp(name, "max-tries")) {
		char *end;
		errno = 0;
		long long v = strtoll(value, &end, 10);
		if (errno || end == value || *end || v < 0 || v > def->max)
			return pgb_option_error(err, err_size,
						"invalid number of maximum tries: \"%s\"", value);
	}
	if (!strcmp(name, "protocol") && strcmp(value, "simple") && strcmp(value, "extended") &&
	    strcmp(value, "prepared"))
		return pgb_option_error(err, err_size, "invalid query mode (-M): \"%s\"", value);
	if (!strcmp(name, "partition-method") && strcasecmp(value, "range") &&
	    strcasecmp(value, "hash"))
		return pgb_option_error(
			err, err_size,
			"invalid partition method, expecting \"range\" or \"hash\", got: \"%s\"",
			value);
	if (!strcmp(name, "init-steps"))
		return check_init_steps(value, err, err_size);
	if (!strcmp(name, "random-seed"))
		return pgb_check_random_seed(value, "--random-seed option", err, err_size);
	return 0;
}

/*
 * Every option as pgbench takes it: scripts and -D collected in order, values checked with
 * pgbench's messages, then stored by the table (which records that the option was given).
 */
int pgb_on_option(struct command *cmd, unsigned table, const struct option_def *def,
		  const char *value, char *err, size_t err_size)
{
	struct pgb_config *cfg = command_config(cmd);
	const char *name = def->name;
	int ret;

	(void)table;
	if (!strcmp(name, "builtin") && value && !strcmp(value, "list")) {
		cfg->list_builtins = true;
		return 0;
	}
	if (!strcmp(name, "builtin") || def->fixed)
		ret = add_script(cfg, true, value ? value : "", err, err_size);
	else if (!strcmp(name, "file"))
		ret = add_script(cfg, false, value ? value : "", err, err_size);
	else if (!strcmp(name, "define"))
		ret = add_define(cfg, value ? value : "", err, err_size);
	else
		ret = value ? check_value(def, value, err, err_size) : 0;
	if (ret)
		return ret;
	if (!strcmp(name, "builtin")) {
		/* the parser copies the value into cfg->builtin: not from itself */
		char resolved[OPT_STRING_MAX];

		snprintf(resolved, sizeof(resolved), "%s", cfg->builtin);
		return command_store_option(cmd, def, resolved, err, err_size);
	}
	if (!strcmp(name, "partition-method")) {
		char lower[OPT_STRING_MAX];
		size_t i;
		for (i = 0; value[i] && i + 1 < sizeof(lower); i++)
			lower[i] = (char)tolower((unsigned char)value[i]);
		lower[i] = '\0';
		return command_store_option(cmd, def, lower, err, err_size);
	}
	ret = command_store_option(cmd, def, value, err, err_size);
	if (ret) {
		/* the table's message, in pgbench's form */
		char msg[512];
		snprintf(msg, sizeof(msg), "%s", err);
		return pgb_option_error(err, err_size, "%s", msg);
	}
	return 0;
}

/* DBNAME or a connection string: one at most, as pgbench */
int pgb_on_operand(struct command *cmd, const char *text, char *err, size_t err_size)
{
	struct pgb_config *cfg = command_config(cmd);

	if (cfg->dbname_given) {
		pgb_option_error(err, err_size, "too many command-line arguments (first is \"%s\")",
				 text);
		pgb_option_note(err, err_size, "hint", PGB_TRY_HELP);
		return -EINVAL;
	}
	if (strlen(text) >= sizeof(cfg->dbname))
		return pgb_option_error(
			err, err_size,
			"database name or connection string longer than %zu characters",
			sizeof(cfg->dbname) - 1);
	snprintf(cfg->dbname, sizeof(cfg->dbname), "%s", text);
	cfg->dbname_given = true;
	return 0;
}
