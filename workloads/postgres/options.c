/*
 * options.c - pgbench's command line as one option table: each row's short letter, the modes
 * (-i or the run) it belongs to, -N and -S as fixed values of --builtin, and pgbench's options
 * pvcbench lacks as refused rows. The core's parser reads it in getopt's style (-c10, -c 10,
 * --client=10, --client 10, clustered flags, DBNAME anywhere); configure then applies pgbench's
 * rules across options: -t or -T, init-only and run-only options, -j lowered to -c.
 */
#include "pgbench.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	/* run mode */
	{ .name = "builtin",
	  .type = OPT_STRING,
	  .offset = F(builtin),
	  .def = "tpcb-like",
	  .help = "tpcb-like, simple-update (-N) or select-only (-S); a unique prefix will do",
	  .short_name = 'b',
	  .modes = OPT_MODE_RUN },
	/* pgbench's -N and -S: --builtin with a fixed value */
	{ .name = "skip-some-updates",
	  .type = OPT_STRING,
	  .offset = F(builtin),
	  .fixed = "simple-update",
	  .help = "= --builtin=simple-update",
	  .short_name = 'N',
	  .modes = OPT_MODE_RUN },
	{ .name = "select-only",
	  .type = OPT_STRING,
	  .offset = F(builtin),
	  .fixed = "select-only",
	  .help = "= --builtin=select-only",
	  .short_name = 'S',
	  .modes = OPT_MODE_RUN },
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
	  .help = "seed of the random values: time, rand, or an unsigned integer" },
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
	/* pgbench's options that pvcbench does not have, and why: refused by name, never ignored */
	{ .name = "file",
	  .type = OPT_REFUSED,
	  .help = "custom script files; builtin scripts: tpcb-like, simple-update, select-only",
	  .short_name = 'f' },
	{ .name = "define",
	  .type = OPT_REFUSED,
	  .help = "variables for custom scripts",
	  .short_name = 'D' },
	{ .name = "log",
	  .type = OPT_REFUSED,
	  .help = "per-transaction log files; --output-format=json has the histogram",
	  .short_name = 'l' },
	{ .name = "report-per-command",
	  .type = OPT_REFUSED,
	  .help = "per-command latencies",
	  .short_name = 'r' },
	{ .name = "report-latencies", .type = OPT_REFUSED, .help = "per-command latencies" },
	{ .name = "debug", .type = OPT_REFUSED, .help = "debug output", .short_name = 'd' },
	{ .name = "sampling-rate", .type = OPT_REFUSED, .help = "transaction log sampling" },
	{ .name = "aggregate-interval",
	  .type = OPT_REFUSED,
	  .help = "transaction log aggregation; -P and the JSON series instead" },
	{ .name = "log-prefix", .type = OPT_REFUSED, .help = "transaction log files" },
	{ .name = "show-script", .type = OPT_REFUSED, .help = "script listing" },
	{ .name = "tablespace", .type = OPT_REFUSED, .help = "tablespaces" },
	{ .name = "index-tablespace", .type = OPT_REFUSED, .help = "tablespaces" },
	{ .name = "progress-timestamp", .type = OPT_REFUSED, .help = "Unix-time progress stamps" },
	{ .name = "failures-detailed", .type = OPT_REFUSED, .help = "failures by kind" },
	{ .name = "verbose-errors", .type = OPT_REFUSED, .help = "verbose error messages" },
	{ 0 }
};

/* -R and -L keep pgbench's wording for a bad value, whatever the parser says */
int pgb_on_option(struct command *cmd, unsigned table, const struct option_def *def,
		  const char *value, char *err, size_t err_size)
{
	int ret = command_store_option(cmd, def, value, err, err_size);

	(void)table;
	if (ret && !strcmp(def->name, "rate"))
		snprintf(err, err_size,
			 "invalid rate limit: \"%s\"; a number of transactions per second above 0",
			 value ? value : "");
	else if (ret && !strcmp(def->name, "latency-limit"))
		snprintf(err, err_size, "invalid latency limit: \"%s\"; milliseconds above 0",
			 value ? value : "");
	return ret;
}

/* DBNAME or a connection string: one at most, as pgbench */
int pgb_on_operand(struct command *cmd, const char *text, char *err, size_t err_size)
{
	struct pgb_config *cfg = command_config(cmd);

	if (cfg->dbname_given) {
		snprintf(err, err_size, "too many command-line arguments (first is \"%s\")", text);
		return -EINVAL;
	}
	if (strlen(text) >= sizeof(cfg->dbname)) {
		snprintf(err, err_size,
			 "database name or connection string longer than %zu characters",
			 sizeof(cfg->dbname) - 1);
		return -EINVAL;
	}
	snprintf(cfg->dbname, sizeof(cfg->dbname), "%s", text);
	cfg->dbname_given = true;
	return 0;
}

static uint64_t seed_from_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* -i's checks; the steps follow -n and --foreign-keys unless -I named them */
static int check_init(struct pgb_config *cfg, const struct option_set *set, char *err,
		      size_t err_size)
{
	for (const char *p = cfg->init_steps; *p; p++) {
		if (!strchr("dtgGvpf ", *p)) {
			snprintf(err, err_size,
				 "unrecognized initialization step \"%c\" in --init-steps=%s; "
				 "allowed: d t g G v p f",
				 *p, cfg->init_steps);
			return -EINVAL;
		}
	}
	if (!opt_given(set, "init-steps") && cfg->no_vacuum) {
		char *v = strchr(cfg->init_steps, 'v');
		if (v)
			memmove(v, v + 1, strlen(v));
	}
	if (cfg->foreign_keys && !strchr(cfg->init_steps, 'f'))
		strncat(cfg->init_steps, "f",
			sizeof(cfg->init_steps) - strlen(cfg->init_steps) - 1);
	if (opt_given(set, "partition-method") && cfg->partitions == 0) {
		snprintf(err, err_size,
			 "--partition-method requires greater than zero --partitions");
		return -EINVAL;
	}
	return CMD_CONTINUE;
}

static int check_seed(struct pgb_config *cfg, char *err, size_t err_size)
{
	const char *seed = cfg->random_seed;

	if (!strcmp(seed, "time")) {
		cfg->seed = seed_from_time();
	} else if (!strcmp(seed, "rand")) {
		FILE *f = fopen("/dev/urandom", "rb");
		if (!f || fread(&cfg->seed, sizeof(cfg->seed), 1, f) != 1)
			cfg->seed = seed_from_time();
		if (f)
			fclose(f);
	} else {
		char *end;
		errno = 0;
		cfg->seed = strtoull(seed, &end, 10);
		if (errno || end == seed || *end || *seed == '-') {
			snprintf(err, err_size,
				 "unrecognized random seed option \"%s\"; allowed: time, rand, or "
				 "an unsigned integer",
				 seed);
			return -EINVAL;
		}
	}
	return 0;
}

/* The run's checks and the values derived from its options */
static int check_run(struct pgb_config *cfg, const struct option_set *set, char *err,
		     size_t err_size)
{
	bool t_given = opt_given(set, "transactions");
	bool T_given = opt_given(set, "time");

	if (t_given && T_given) {
		snprintf(err, err_size,
			 "specify either a number of transactions (-t) or a duration (-T), not "
			 "both");
		return -EINVAL;
	}
	if (!t_given)
		cfg->transactions = T_given ? 0 : 10;

	const char *b = pgb_lbuiltin_resolve(cfg->builtin, err, err_size);
	if (!b)
		return -EINVAL;
	snprintf(cfg->builtin, sizeof(cfg->builtin), "%s", b);

	if (cfg->max_tries == 0 && !cfg->latency_limit_ms && !T_given) {
		snprintf(err, err_size,
			 "an unlimited number of transaction tries (--max-tries=0) can only be "
			 "used with --latency-limit or a duration (-T)");
		return -EINVAL;
	}
	if (check_seed(cfg, err, err_size))
		return -EINVAL;
	cfg->threads = (unsigned)(cfg->jobs < cfg->clients ? cfg->jobs : cfg->clients);
	cfg->current_style = !strcmp(cfg->report_style, "current");
	return CMD_CONTINUE;
}

int pgb_configure(struct command *cmd, char *err, size_t err_size)
{
	struct pgb_config *cfg = command_config(cmd);
	const struct option_set *set = command_options(cmd);
	bool init = cfg->initialize;

	if (cfg->version) {
		printf("pvcbench pgbench (pvcbench %s; libpq %d)\n", PVC_VERSION, PQlibVersion());
		return CMD_DONE;
	}
	const struct option_def *def = opt_check_mode(set, init ? OPT_MODE_INIT : OPT_MODE_RUN);
	if (def) {
		snprintf(err, err_size, "--%s %s in initialization (-i) mode", def->name,
			 init ? "cannot be used" : "can only be used");
		return -EINVAL;
	}
	cfg->scale_given = opt_given(set, "scale");
	return init ? check_init(cfg, set, err, err_size) : check_run(cfg, set, err, err_size);
}
