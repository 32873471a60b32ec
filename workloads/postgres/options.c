/*
 * options.c - pgbench's command line as one option table: each row's short letter, the modes
 * (-i or the run) it belongs to, -N and -S as fixed values of --builtin. The core's parser
 * reads it in getopt's style (-c10, -c 10, --client=10, --client 10, clustered flags, DBNAME
 * anywhere); pgb_on_option takes each option as pgbench's getopt loop does: -b, -f, -N, -S
 * add scripts in order (NAME@W weights), -D collects variables, and the values pgbench checks
 * itself get its messages ("invalid value \"x\" for option -c/--clients"). The checks across
 * options are options_check.c's.
 *
 * Messages are pgbench 15's, worded as its pg_log_error lines: "error: ..." after our program
 * name, and pgbench's "detail:" and "hint:" lines where it prints them.
 */
#include "pgbench.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options_fallback.h"

#define F(field) offsetof(struct pgb_config, field)

static const char *const protocol_choices[] = { "simple", "extended", "prepared", NULL };
static const char *const partition_choices[] = { "range", "hash", NULL };
static const char *const format_choices[] = { "text", "json", NULL };
static const char *const style_choices[] = { "seed", "current", NULL };

const struct option_def pgb_option_defs[] = {
	/* init mode */
	{ .name = "initialize",
	  .type = OPT_BOOL,
	  .offset = F(initialize),
	  .def = "0",
	  .help = "create the pgbench tables at the scale factor and fill them",
	  .short_name = 'i' },
	{ .name = "init-steps",
	  .type = OPT_STRING,
	  .offset = F(init_steps),
	  .def = "dtgvp",
	  .help = "steps of -i: d drop, t create, g generate (COPY), G generate on the "
		  "server, v vacuum, p primary keys, f foreign keys",
	  .short_name = 'I',
	  .modes = OPT_MODE_INIT },
	{ .name = "fillfactor",
	  .type = OPT_INT,
	  .offset = F(fillfactor),
	  .def = "100",
	  .min = 10,
	  .max = 100,
	  .help = "fill factor of the tables",
	  .short_name = 'F',
	  .modes = OPT_MODE_INIT },
	{ .name = "no-vacuum",
	  .type = OPT_BOOL,
	  .offset = F(no_vacuum),
	  .def = "0",
	  .help = "no vacuum (init: leave out step v; run: no vacuum before the test)",
	  .short_name = 'n' },
	{ .name = "vacuum-all",
	  .type = OPT_BOOL,
	  .offset = F(vacuum_all),
	  .def = "0",
	  .help = "vacuum all four tables before the test (default: all but accounts)",
	  .short_name = 'v',
	  .modes = OPT_MODE_RUN },
	{ .name = "quiet",
	  .type = OPT_BOOL,
	  .offset = F(quiet),
	  .def = "0",
	  .help = "init progress every 5 s instead of every 100000 rows",
	  .short_name = 'q',
	  .modes = OPT_MODE_INIT },
	{ .name = "scale",
	  .type = OPT_INT,
	  .offset = F(scale),
	  .def = "1",
	  .min = 1,
	  .max = 2000000000,
	  .help = "scale factor (100000 accounts each)",
	  .short_name = 's' },
	{ .name = "foreign-keys",
	  .type = OPT_BOOL,
	  .offset = F(foreign_keys),
	  .def = "0",
	  .help = "create foreign keys between the tables (step f)",
	  .modes = OPT_MODE_INIT },
	{ .name = "unlogged-tables",
	  .type = OPT_BOOL,
	  .offset = F(unlogged_tables),
	  .def = "0",
	  .help = "create the tables unlogged",
	  .modes = OPT_MODE_INIT },
	{ .name = "partitions",
	  .type = OPT_INT,
	  .offset = F(partitions),
	  .def = "0",
	  .min = 0,
	  .max = 100000000,
	  .help = "partition pgbench_accounts into this many parts",
	  .modes = OPT_MODE_INIT },
	{ .name = "partition-method",
	  .type = OPT_CHOICE,
	  .offset = F(partition_method),
	  .def = "range",
	  .choices = partition_choices,
	  .help = "how pgbench_accounts is partitioned",
	  .modes = OPT_MODE_INIT },
	{ .name = "tablespace",
	  .type = OPT_STRING,
	  .offset = F(tablespace),
	  .def = NULL,
	  .arg_name = "TABLESPACE",
	  .help = "create the tables in this tablespace",
	  .modes = OPT_MODE_INIT },
	{ .name = "index-tablespace",
	  .type = OPT_STRING,
	  .offset = F(index_tablespace),
	  .def = NULL,
	  .arg_name = "TABLESPACE",
	  .help = "create the indexes in this tablespace",
	  .modes = OPT_MODE_INIT },
	/* run mode: what to run. -b, -f, -N and -S add scripts in order (options.c's
	 * pgb_on_option); builtin keeps the last builtin's name for the fixed engine */
	{ .name = "builtin",
	  .type = OPT_STRING,
	  .offset = F(builtin),
	  .def = "tpcb-like",
	  .arg_name = "NAME[@W]",
	  .help = "add a builtin script (tpcb-like, simple-update, select-only; a unique prefix "
		  "will do) weighted at W (default 1); \"-b list\" lists them",
	  .short_name = 'b',
	  .modes = OPT_MODE_RUN },
	{ .name = "file",
	  .type = OPT_LIST,
	  .arg_name = "FILE[@W]",
	  .help = "add a script file weighted at W (default 1)",
	  .short_name = 'f',
	  .modes = OPT_MODE_RUN },
	/* pgbench's -N and -S: -b with a fixed value */
	{ .name = "skip-some-updates",
	  .type = OPT_STRING,
	  .offset = F(builtin),
	  .fixed = "simple-update",
	  .help = "= -b simple-update",
	  .short_name = 'N',
	  .modes = OPT_MODE_RUN },
	{ .name = "select-only",
	  .type = OPT_STRING,
	  .offset = F(builtin),
	  .fixed = "select-only",
	  .help = "= -b select-only",
	  .short_name = 'S',
	  .modes = OPT_MODE_RUN },
	{ .name = "define",
	  .type = OPT_LIST,
	  .arg_name = "NAME=VALUE",
	  .help = "set a variable for the scripts",
	  .short_name = 'D',
	  .modes = OPT_MODE_RUN },
	{ .name = "show-script",
	  .type = OPT_STRING,
	  .offset = F(show_script),
	  .def = NULL,
	  .arg_name = "NAME",
	  .help = "print a builtin script's text on stderr, then exit" },
	{ .name = "client",
	  .type = OPT_INT,
	  .offset = F(clients),
	  .def = "1",
	  .min = 1,
	  .max = 100000,
	  .help = "number of concurrent clients (database sessions)",
	  .short_name = 'c',
	  .modes = OPT_MODE_RUN },
	{ .name = "connect",
	  .type = OPT_BOOL,
	  .offset = F(connect),
	  .def = "0",
	  .help = "a new connection for each transaction",
	  .short_name = 'C',
	  .modes = OPT_MODE_RUN },
	{ .name = "jobs",
	  .type = OPT_INT,
	  .offset = F(jobs),
	  .def = "1",
	  .min = 1,
	  .max = 4096,
	  .help = "number of threads (at most the number of clients)",
	  .short_name = 'j',
	  .modes = OPT_MODE_RUN },
	{ .name = "protocol",
	  .type = OPT_CHOICE,
	  .offset = F(protocol),
	  .def = "simple",
	  .choices = protocol_choices,
	  .help = "query protocol",
	  .short_name = 'M',
	  .modes = OPT_MODE_RUN },
	{ .name = "progress",
	  .type = OPT_INT,
	  .offset = F(progress),
	  .min = 1,
	  .max = 86400,
	  .help = "a progress line on stderr every this many seconds",
	  .short_name = 'P',
	  .modes = OPT_MODE_RUN },
	{ .name = "rate",
	  .type = OPT_DOUBLE,
	  .offset = F(rate_tps),
	  .def = NULL,
	  .positive = true,
	  .help = "target rate in transactions per second (Poisson arrivals); latency counts "
		  "from each transaction's scheduled start",
	  .short_name = 'R',
	  .modes = OPT_MODE_RUN },
	{ .name = "transactions",
	  .type = OPT_INT,
	  .offset = F(transactions),
	  .def = "10",
	  .min = 1,
	  .max = INT64_MAX / 100001,
	  .help = "transactions per client",
	  .short_name = 't',
	  .modes = OPT_MODE_RUN },
	{ .name = "time",
	  .type = OPT_INT,
	  .offset = F(time),
	  .min = 1,
	  .max = 31536000,
	  .help = "run for this many seconds",
	  .short_name = 'T',
	  .modes = OPT_MODE_RUN },
	{ .name = "max-tries",
	  .type = OPT_INT,
	  .offset = F(max_tries),
	  .def = "1",
	  .min = 0,
	  .max = 1000000,
	  .help = "tries of a transaction that fails on a serialization error or "
		  "deadlock (0: no limit, with -T or -L)",
	  .modes = OPT_MODE_RUN },
	{ .name = "latency-limit",
	  .type = OPT_DOUBLE,
	  .offset = F(latency_limit_ms),
	  .def = NULL,
	  .positive = true,
	  .help = "count transactions above this many ms; with -R, skip those already late",
	  .short_name = 'L',
	  .modes = OPT_MODE_RUN },
	{ .name = "random-seed",
	  .type = OPT_STRING,
	  .offset = F(random_seed),
	  .def = "time",
	  .help = "seed of the random values: time, rand, or an unsigned integer",
	  .modes = OPT_MODE_RUN },
	/* connection */
	{ .name = "host",
	  .type = OPT_STRING,
	  .offset = F(host),
	  .def = NULL,
	  .help = "server host or socket directory (default: PGHOST, libpq's default)",
	  .short_name = 'h' },
	{ .name = "port",
	  .type = OPT_STRING,
	  .offset = F(port),
	  .def = NULL,
	  .help = "server port (default: PGPORT, 5432)",
	  .short_name = 'p' },
	{ .name = "username",
	  .type = OPT_STRING,
	  .offset = F(username),
	  .def = NULL,
	  .help = "user name (default: PGUSER, the login name)",
	  .short_name = 'U' },
	/* pvcbench's own */
	{ .name = "output-format",
	  .type = OPT_CHOICE,
	  .offset = F(output_format),
	  .def = "text",
	  .choices = format_choices,
	  .help = "results as pgbench's text or as one JSON document" },
	{ .name = "output",
	  .type = OPT_STRING,
	  .offset = F(output),
	  .def = NULL,
	  .arg_name = "FILE",
	  .help = "write the results to this file (whole, or not at all) instead of stdout" },
	{ .name = "report-style",
	  .type = OPT_CHOICE,
	  .offset = F(report_style),
	  .def = "seed",
	  .choices = style_choices,
	  .help = "seed: pgbench 13's report (the white paper's); current: pgbench 15's" },
	{ .name = "version",
	  .type = OPT_BOOL,
	  .offset = F(version),
	  .def = "0",
	  .help = "print the version",
	  .short_name = 'V' },
	/* reporting */
	{ .name = "report-per-command",
	  .alias = "report-latencies",
	  .type = OPT_BOOL,
	  .offset = F(report_per_command),
	  .def = "0",
	  .help = "report latencies, failures and retries per command",
	  .short_name = 'r',
	  .modes = OPT_MODE_RUN },
	{ .name = "log",
	  .type = OPT_BOOL,
	  .offset = F(log),
	  .def = "0",
	  .help = "write each transaction to a log file (pgbench_log.PID[.THREAD])",
	  .short_name = 'l',
	  .modes = OPT_MODE_RUN },
	{ .name = "log-prefix",
	  .type = OPT_STRING,
	  .offset = F(log_prefix),
	  .def = NULL,
	  .arg_name = "PREFIX",
	  .help = "prefix of the log files (default pgbench_log)",
	  .modes = OPT_MODE_RUN },
	{ .name = "sampling-rate",
	  .type = OPT_DOUBLE,
	  .offset = F(sampling_rate),
	  .def = NULL,
	  .help = "fraction of the transactions to log (e.g. 0.01 for 1%)",
	  .modes = OPT_MODE_RUN },
	{ .name = "aggregate-interval",
	  .type = OPT_INT,
	  .offset = F(aggregate_interval),
	  .def = NULL,
	  .min = 1,
	  .max = INT32_MAX,
	  .help = "log one line of aggregates per this many seconds",
	  .modes = OPT_MODE_RUN },
	{ .name = "failures-detailed",
	  .type = OPT_BOOL,
	  .offset = F(failures_detailed),
	  .def = "0",
	  .help = "report the failures by kind (serialization, deadlock)",
	  .modes = OPT_MODE_RUN },
	{ .name = "verbose-errors",
	  .type = OPT_BOOL,
	  .offset = F(verbose_errors),
	  .def = "0",
	  .help = "print every error, retried ones too",
	  .modes = OPT_MODE_RUN },
	{ .name = "progress-timestamp",
	  .type = OPT_BOOL,
	  .offset = F(progress_timestamp),
	  .def = "0",
	  .help = "progress lines stamped with Unix time",
	  .modes = OPT_MODE_RUN },
	{ .name = "debug",
	  .type = OPT_BOOL,
	  .offset = F(debug),
	  .def = "0",
	  .help = "print what each client sends and receives",
	  .short_name = 'd' },
	{ 0 }
};

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
		return pgb_option_error(err, err_size, "%s must be in range %lld..%lld", shown,
					(long long)def->min, (long long)max);
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
			return pgb_option_error(err, err_size, "%s", msg);
		}
		snprintf(name, sizeof(name), "%s", full);
		/* the fixed engine runs the last builtin named */
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

/* pgbench's set_random_seed's check; the seed itself is drawn by configure */
static int check_random_seed(const char *seed, char *err, size_t err_size)
{
	char *end;

	if (!strcmp(seed, "time") || !strcmp(seed, "rand"))
		return 0;
	errno = 0;
	(void)strtoull(seed, &end, 10);
	if (!errno && end != seed && !*end && *seed != '-')
		return 0;
	pgb_option_error(err, err_size, "unrecognized random seed option \"%s\"", seed);
	pgb_option_note(err, err_size, "detail",
			"Expecting an unsigned integer, \"time\" or \"rand\".");
	pgb_option_note(err, err_size, "error",
			"error while setting random seed from --random-seed option");
	return -EINVAL;
}

/* The options whose values pgbench checks itself, with its messages; the rest as the table */
static int check_value(struct pgb_config *cfg, const struct option_def *def, const char *value,
		       char *err, size_t err_size)
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
		return check_random_seed(value, err, err_size);
	(void)cfg;
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
		ret = value ? check_value(cfg, def, value, err, err_size) : 0;
	if (ret)
		return ret;
	if (!strcmp(name, "builtin"))
		return command_store_option(cmd, def, cfg->builtin, err, err_size);
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
