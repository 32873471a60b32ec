/*
 * options.c - pgbench's command line. The option table holds every value, its bounds and its
 * help; getopt_long gives pgbench's syntax (-c10, -c 10, --client=10, --client 10), and the
 * checks after parsing follow pgbench's rules: -t or -T, init-only and run-only options, -j
 * lowered to -c.
 */
#include "pgbench.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
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
	  .help = "create the pgbench tables at the scale factor and fill them" },
	{ .name = "init-steps",
	  .type = OPT_STRING,
	  .offset = F(init_steps),
	  .def = "dtgvp",
	  .help = "steps of -i: d drop, t create, g generate (COPY), G generate on the "
		  "server, v vacuum, p primary keys, f foreign keys" },
	{ .name = "fillfactor",
	  .type = OPT_INT,
	  .offset = F(fillfactor),
	  .def = "100",
	  .min = 10,
	  .max = 100,
	  .help = "fill factor of the tables" },
	{ .name = "no-vacuum",
	  .type = OPT_BOOL,
	  .offset = F(no_vacuum),
	  .def = "0",
	  .help = "no vacuum (init: leave out step v; run: no vacuum before the test)" },
	{ .name = "vacuum-all",
	  .type = OPT_BOOL,
	  .offset = F(vacuum_all),
	  .def = "0",
	  .help = "vacuum all four tables before the test (default: all but accounts)" },
	{ .name = "quiet",
	  .type = OPT_BOOL,
	  .offset = F(quiet),
	  .def = "0",
	  .help = "init progress every 5 s instead of every 100000 rows" },
	{ .name = "scale",
	  .type = OPT_INT,
	  .offset = F(scale),
	  .def = "1",
	  .min = 1,
	  .max = 2000000000,
	  .help = "scale factor (100000 accounts each)" },
	{ .name = "foreign-keys",
	  .type = OPT_BOOL,
	  .offset = F(foreign_keys),
	  .def = "0",
	  .help = "create foreign keys between the tables (step f)" },
	{ .name = "unlogged-tables",
	  .type = OPT_BOOL,
	  .offset = F(unlogged_tables),
	  .def = "0",
	  .help = "create the tables unlogged" },
	{ .name = "partitions",
	  .type = OPT_INT,
	  .offset = F(partitions),
	  .def = "0",
	  .min = 0,
	  .max = 100000000,
	  .help = "partition pgbench_accounts into this many parts" },
	{ .name = "partition-method",
	  .type = OPT_CHOICE,
	  .offset = F(partition_method),
	  .def = "range",
	  .choices = partition_choices,
	  .help = "how pgbench_accounts is partitioned" },
	/* run mode */
	{ .name = "builtin",
	  .type = OPT_STRING,
	  .offset = F(builtin),
	  .def = "tpcb-like",
	  .help = "tpcb-like, simple-update (-N) or select-only (-S); a unique prefix will do" },
	{ .name = "client",
	  .type = OPT_INT,
	  .offset = F(clients),
	  .def = "1",
	  .min = 1,
	  .max = 100000,
	  .help = "number of concurrent clients (database sessions)" },
	{ .name = "connect",
	  .type = OPT_BOOL,
	  .offset = F(connect),
	  .def = "0",
	  .help = "a new connection for each transaction" },
	{ .name = "jobs",
	  .type = OPT_INT,
	  .offset = F(jobs),
	  .def = "1",
	  .min = 1,
	  .max = 4096,
	  .help = "number of threads (at most the number of clients)" },
	{ .name = "protocol",
	  .type = OPT_CHOICE,
	  .offset = F(protocol),
	  .def = "simple",
	  .choices = protocol_choices,
	  .help = "query protocol" },
	{ .name = "progress",
	  .type = OPT_INT,
	  .offset = F(progress),
	  .def = "0",
	  .min = 1,
	  .max = 86400,
	  .help = "a progress line on stderr every this many seconds" },
	{ .name = "rate",
	  .type = OPT_STRING,
	  .offset = F(rate),
	  .def = NULL,
	  .help = "target rate in transactions per second (Poisson arrivals); latency counts "
		  "from each transaction's scheduled start" },
	{ .name = "transactions",
	  .type = OPT_INT,
	  .offset = F(transactions),
	  .def = "0",
	  .min = 1,
	  .max = INT64_MAX / 100001,
	  .help = "transactions per client (default 10)" },
	{ .name = "time",
	  .type = OPT_INT,
	  .offset = F(time),
	  .def = "0",
	  .min = 1,
	  .max = 31536000,
	  .help = "run for this many seconds" },
	{ .name = "max-tries",
	  .type = OPT_INT,
	  .offset = F(max_tries),
	  .def = "1",
	  .min = 0,
	  .max = 1000000,
	  .help = "tries of a transaction that fails on a serialization error or "
		  "deadlock (0: no limit, with -T or -L)" },
	{ .name = "latency-limit",
	  .type = OPT_STRING,
	  .offset = F(latency_limit),
	  .def = NULL,
	  .help = "count transactions above this many ms; with -R, skip those already late" },
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
	  .help = "server host or socket directory (default: PGHOST, libpq's default)" },
	{ .name = "port",
	  .type = OPT_STRING,
	  .offset = F(port),
	  .def = NULL,
	  .help = "server port (default: PGPORT, 5432)" },
	{ .name = "username",
	  .type = OPT_STRING,
	  .offset = F(username),
	  .def = NULL,
	  .help = "user name (default: PGUSER, the login name)" },
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
	  .help = "write the results to this file (whole, or not at all) instead of stdout" },
	{ .name = "report-style",
	  .type = OPT_CHOICE,
	  .offset = F(report_style),
	  .def = "seed",
	  .choices = style_choices,
	  .help = "seed: pgbench 13's report (the white paper's); current: pgbench 15's" },
	{ .name = "help", .type = OPT_BOOL, .offset = F(help), .def = "0", .help = "this help" },
	{ .name = "version",
	  .type = OPT_BOOL,
	  .offset = F(version),
	  .def = "0",
	  .help = "print the version" },
	{ 0 }
};

/* pgbench's options that pvcbench does not have, and why, so that nothing is silently ignored */
static const struct {
	const char *name;
	int short_opt;
	const char *why;
} unsupported[] = {
	{ "file", 'f',
	  "custom script files; builtin scripts: tpcb-like, simple-update, select-only" },
	{ "define", 'D', "variables for custom scripts" },
	{ "log", 'l', "per-transaction log files; --output-format=json has the histogram" },
	{ "report-per-command", 'r', "per-command latencies" },
	{ "report-latencies", 0, "per-command latencies" },
	{ "debug", 'd', "debug output" },
	{ "sampling-rate", 0, "transaction log sampling" },
	{ "aggregate-interval", 0, "transaction log aggregation; -P and the JSON series instead" },
	{ "log-prefix", 0, "transaction log files" },
	{ "show-script", 0, "script listing" },
	{ "tablespace", 0, "tablespaces" },
	{ "index-tablespace", 0, "tablespaces" },
	{ "progress-timestamp", 0, "Unix-time progress stamps" },
	{ "failures-detailed", 0, "failures by kind" },
	{ "verbose-errors", 0, "verbose error messages" },
	{ NULL, 0, NULL },
};

/* Short option letters and the rows they set; options taking no value have no ':' */
static const struct {
	int letter;
	const char *name;
	const char *value; /* for flags that set a row to a fixed value */
} shorts[] = {
	{ 'i', "initialize", NULL },
	{ 'I', "init-steps", NULL },
	{ 'F', "fillfactor", NULL },
	{ 'n', "no-vacuum", NULL },
	{ 'v', "vacuum-all", NULL },
	{ 'q', "quiet", NULL },
	{ 's', "scale", NULL },
	{ 'b', "builtin", NULL },
	{ 'N', "builtin", "simple-update" },
	{ 'S', "builtin", "select-only" },
	{ 'c', "client", NULL },
	{ 'C', "connect", NULL },
	{ 'j', "jobs", NULL },
	{ 'M', "protocol", NULL },
	{ 'P', "progress", NULL },
	{ 'R', "rate", NULL },
	{ 't', "transactions", NULL },
	{ 'T', "time", NULL },
	{ 'L', "latency-limit", NULL },
	{ 'h', "host", NULL },
	{ 'p', "port", NULL },
	{ 'U', "username", NULL },
	{ '?', "help", NULL },
	{ 'V', "version", NULL },
	{ 0, NULL, NULL },
};

static const char short_opts[] = ":iI:F:nqs:b:NSc:Cj:M:P:R:t:T:L:h:p:U:Vv?f:D:l:rd";

/* Options only meaningful with -i, and only without it (pgbench refuses the mix) */
static const char *const init_only[] = {
	"init-steps", "fillfactor",	  "quiet", "foreign-keys", "unlogged-tables",
	"partitions", "partition-method", NULL
};
static const char *const run_only[] = { "vacuum-all", "builtin",   "client",
					"connect",    "jobs",	   "protocol",
					"progress",   "rate",	   "transactions",
					"time",	      "max-tries", "latency-limit",
					NULL };

static bool in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

static int opt_index(const char *name)
{
	const struct option_def *d = opt_find(pgb_option_defs, name);
	return d ? (int)(d - pgb_option_defs) : -1;
}

void pgb_print_help(FILE *out)
{
	fputs("usage: pvcbench pgbench [OPTION]... [DBNAME | CONNECTION-STRING]\n\n"
	      "pgbench's options and meaning. Connection settings also come from libpq's\n"
	      "environment: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, PGCONNECT_TIMEOUT\n"
	      "(default 10 s here). Exit status: 0 done, 1 bad options or an early error,\n"
	      "2 errors during the run.\n\noptions:\n",
	      out);
	for (const struct option_def *d = pgb_option_defs; d->name; d++) {
		char flag[64] = "";
		for (unsigned i = 0; shorts[i].letter; i++)
			if (!strcmp(shorts[i].name, d->name) && !shorts[i].value)
				snprintf(flag, sizeof(flag), "-%c, ", shorts[i].letter);
		char left[96];
		snprintf(left, sizeof(left), "%s--%s%s", flag, d->name,
			 d->type == OPT_BOOL ? "" : "=VALUE");
		fprintf(out, "  %-30s %s", left, d->help);
		if (d->def && d->type != OPT_BOOL && strcmp(d->def, "0"))
			fprintf(out, " (default %s)", d->def);
		if (d->choices) {
			fputs(" [", out);
			for (unsigned i = 0; d->choices[i]; i++)
				fprintf(out, "%s%s", i ? "|" : "", d->choices[i]);
			fputc(']', out);
		}
		fputc('\n', out);
	}
	fputs("  -N                             = --builtin=simple-update\n"
	      "  -S                             = --builtin=select-only\n",
	      out);
}

static int set_option(struct option_set *set, struct pgb_config *cfg, const char *name,
		      const char *value)
{
	char err[256];
	int ret = opt_set(set, cfg, name, value, SRC_FLAG, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "pvcbench pgbench: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static int parse_positive_double(const char *text, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(*v) || *v <= 0)
		return -EINVAL;
	return 0;
}

static uint64_t seed_from_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* pgbench's checks across options, and the values derived from them */
static int check_config(struct pgb_config *cfg, const struct option_set *set)
{
	char err[256];
	bool init = cfg->initialize;

	for (unsigned i = 0; i < set->count; i++) {
		if (set->source[i] != SRC_FLAG)
			continue;
		const char *name = set->defs[i].name;
		if (init && in_list(run_only, name)) {
			fprintf(stderr,
				"pvcbench pgbench: --%s cannot be used in initialization (-i) mode\n",
				name);
			return -EINVAL;
		}
		if (!init && in_list(init_only, name)) {
			fprintf(stderr,
				"pvcbench pgbench: --%s can only be used in initialization (-i) mode\n",
				name);
			return -EINVAL;
		}
	}
	cfg->scale_given = set->source[opt_index("scale")] == SRC_FLAG;
	if (init) {
		for (const char *p = cfg->init_steps; *p; p++) {
			if (!strchr("dtgGvpf ", *p)) {
				fprintf(stderr,
					"pvcbench pgbench: unrecognized initialization step \"%c\" in "
					"--init-steps=%s; allowed: d t g G v p f\n",
					*p, cfg->init_steps);
				return -EINVAL;
			}
		}
		bool steps_given = set->source[opt_index("init-steps")] == SRC_FLAG;
		if (!steps_given && cfg->no_vacuum) {
			char *v = strchr(cfg->init_steps, 'v');
			if (v)
				memmove(v, v + 1, strlen(v));
		}
		if (cfg->foreign_keys && !strchr(cfg->init_steps, 'f'))
			strncat(cfg->init_steps, "f",
				sizeof(cfg->init_steps) - strlen(cfg->init_steps) - 1);
		if (set->source[opt_index("partition-method")] == SRC_FLAG &&
		    cfg->partitions == 0) {
			fprintf(stderr,
				"pvcbench pgbench: --partition-method requires greater than "
				"zero --partitions\n");
			return -EINVAL;
		}
		return 0;
	}

	bool t_given = set->source[opt_index("transactions")] == SRC_FLAG;
	bool T_given = set->source[opt_index("time")] == SRC_FLAG;
	if (t_given && T_given) {
		fprintf(stderr,
			"pvcbench pgbench: specify either a number of transactions (-t) or a "
			"duration (-T), not both\n");
		return -EINVAL;
	}
	if (!t_given && !T_given)
		cfg->transactions = 10;
	if (!t_given)
		cfg->transactions = T_given ? 0 : 10;

	const char *b = pgb_builtin_resolve(cfg->builtin, err, sizeof(err));
	if (!b) {
		fprintf(stderr, "pvcbench pgbench: %s\n", err);
		return -EINVAL;
	}
	snprintf(cfg->builtin, sizeof(cfg->builtin), "%s", b);

	if (cfg->rate[0] && parse_positive_double(cfg->rate, &cfg->rate_tps)) {
		fprintf(stderr,
			"pvcbench pgbench: invalid rate limit: \"%s\"; a number of "
			"transactions per second above 0\n",
			cfg->rate);
		return -EINVAL;
	}
	if (cfg->latency_limit[0] &&
	    parse_positive_double(cfg->latency_limit, &cfg->latency_limit_ms)) {
		fprintf(stderr,
			"pvcbench pgbench: invalid latency limit: \"%s\"; milliseconds above "
			"0\n",
			cfg->latency_limit);
		return -EINVAL;
	}
	if (cfg->max_tries == 0 && !cfg->latency_limit_ms && !T_given) {
		fprintf(stderr,
			"pvcbench pgbench: an unlimited number of transaction tries "
			"(--max-tries=0) can only be used with --latency-limit or a duration "
			"(-T)\n");
		return -EINVAL;
	}

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
			fprintf(stderr,
				"pvcbench pgbench: unrecognized random seed option \"%s\"; "
				"allowed: time, rand, or an unsigned integer\n",
				seed);
			return -EINVAL;
		}
	}
	cfg->threads = (unsigned)(cfg->jobs < cfg->clients ? cfg->jobs : cfg->clients);
	cfg->current_style = !strcmp(cfg->report_style, "current");
	return 0;
}

int pgb_parse_args(int argc, char **argv, struct pgb_config *cfg, struct option_set *set)
{
	static struct option longs[64];
	unsigned n = 0;
	char err[256];

	memset(cfg, 0, sizeof(*cfg));
	if (opt_apply_defaults(set, cfg, err, sizeof(err))) {
		fprintf(stderr, "pvcbench pgbench: %s\n", err);
		return -EINVAL;
	}
	/* long options: the table's rows (val = 1000 + row) and pgbench's unsupported ones */
	for (const struct option_def *d = pgb_option_defs; d->name; d++, n++) {
		longs[n].name = d->name;
		longs[n].has_arg = d->type == OPT_BOOL ? no_argument : required_argument;
		longs[n].flag = NULL;
		longs[n].val = 1000 + (int)n;
	}
	unsigned first_unsupported = n;
	for (unsigned i = 0; unsupported[i].name; i++, n++) {
		longs[n].name = unsupported[i].name;
		longs[n].has_arg = optional_argument;
		longs[n].flag = NULL;
		longs[n].val = 2000 + (int)i;
	}
	longs[n].name = "skip-some-updates";
	longs[n].has_arg = no_argument;
	longs[n].val = 'N';
	n++;
	longs[n].name = "select-only";
	longs[n].has_arg = no_argument;
	longs[n].val = 'S';
	n++;
	memset(&longs[n], 0, sizeof(longs[n]));
	(void)first_unsupported;

	opterr = 0;
	optind = 1;
	int c, long_index;
	while ((c = getopt_long(argc, argv, short_opts, longs, &long_index)) != -1) {
		if (c >= 2000) {
			unsigned i = (unsigned)(c - 2000);
			fprintf(stderr, "pvcbench pgbench: option --%s is not supported (%s)\n",
				unsupported[i].name, unsupported[i].why);
			return -EINVAL;
		}
		if (c >= 1000) {
			const struct option_def *d = &pgb_option_defs[c - 1000];
			if (set_option(set, cfg, d->name, d->type == OPT_BOOL ? NULL : optarg))
				return -EINVAL;
			continue;
		}
		if (c == ':') {
			if (optopt >= 1000 && optopt < 2000)
				fprintf(stderr, "pvcbench pgbench: option --%s needs a value\n",
					pgb_option_defs[optopt - 1000].name);
			else if (optopt > 0 && optopt < 128)
				fprintf(stderr, "pvcbench pgbench: option -%c needs a value\n",
					optopt);
			else
				fprintf(stderr, "pvcbench pgbench: option %s needs a value\n",
					argv[optind - 1]);
			return -EINVAL;
		}
		if (c == '?' && optopt) {
			if (optopt == '?')
				goto help;
			fprintf(stderr,
				"pvcbench pgbench: unknown or incomplete option -%c (try "
				"pvcbench pgbench --help)\n",
				optopt);
			return -EINVAL;
		}
		if (c == '?') {
			/* '?' itself, or an unknown long option (optopt 0) */
			const char *arg = argv[optind - 1];
			if (arg && strcmp(arg, "-?")) {
				fprintf(stderr,
					"pvcbench pgbench: unknown or incomplete option %s (try "
					"pvcbench pgbench --help)\n",
					arg);
				return -EINVAL;
			}
		help:
			pgb_print_help(stdout);
			return 1;
		}
		bool found = false;
		for (unsigned i = 0; shorts[i].letter; i++) {
			if (shorts[i].letter != c)
				continue;
			found = true;
			const struct option_def *d = opt_find(pgb_option_defs, shorts[i].name);
			const char *value = shorts[i].value	  ? shorts[i].value
					    : d->type == OPT_BOOL ? NULL
								  : optarg;
			if (set_option(set, cfg, shorts[i].name, value))
				return -EINVAL;
			break;
		}
		if (!found) {
			for (unsigned i = 0; unsupported[i].name; i++) {
				if (unsupported[i].short_opt == c) {
					fprintf(stderr,
						"pvcbench pgbench: option -%c is not supported (%s)\n",
						c, unsupported[i].why);
					return -EINVAL;
				}
			}
			fprintf(stderr, "pvcbench pgbench: unknown option -%c\n", c);
			return -EINVAL;
		}
	}
	if (cfg->help) {
		pgb_print_help(stdout);
		return 1;
	}
	if (cfg->version) {
		printf("pvcbench pgbench (pvcbench %s; libpq %d)\n", PVC_VERSION, PQlibVersion());
		return 1;
	}
	if (optind < argc) {
		snprintf(cfg->dbname, sizeof(cfg->dbname), "%s", argv[optind++]);
		if (strlen(argv[optind - 1]) >= sizeof(cfg->dbname)) {
			fprintf(stderr,
				"pvcbench pgbench: database name or connection string longer "
				"than %zu characters\n",
				sizeof(cfg->dbname) - 1);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"pvcbench pgbench: too many command-line arguments (first is \"%s\")\n",
			argv[optind]);
		return -EINVAL;
	}
	return check_config(cfg, set);
}
