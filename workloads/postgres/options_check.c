/*
 * options_check.c - pgbench's checks across options, in pgbench 15's order and words, after
 * the command line is read (pgb_configure): -b list and --show-script first (they print and
 * exit 0), the scripts' total weight, options of the other mode, then the run's rules (-t or
 * -T, the log options under -l, --aggregate-interval against -T, --progress-timestamp under
 * -P, --max-tries=0), and the values derived from them. In run mode the scripts are loaded
 * here, before any connection, so that a script's error is a bad-input exit (1) with nothing
 * on stdout, as pgbench's.
 */
#include "pgbench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "script.h"

static uint64_t seed_from_time(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* -i: pgbench's rules; the steps follow -n and --foreign-keys */
static int check_init(struct pgb_config *cfg, const struct option_set *set, char *err,
		      size_t err_size)
{
	if (opt_given(set, "partition-method") && cfg->partitions == 0)
		return pgb_option_error(
			err, err_size,
			"--partition-method requires greater than zero --partitions");
	/* pgbench blanks every v under -n, whether -I named the steps or not */
	if (cfg->no_vacuum)
		for (char *v = strchr(cfg->init_steps, 'v'); v; v = strchr(v, 'v'))
			*v = ' ';
	if (cfg->foreign_keys && !strchr(cfg->init_steps, 'f'))
		strncat(cfg->init_steps, "f",
			sizeof(cfg->init_steps) - strlen(cfg->init_steps) - 1);
	return CMD_CONTINUE;
}

/* A seed's value: "time", "rand" or the (checked) unsigned integer */
static uint64_t seed_value(const char *seed)
{
	uint64_t v;

	if (!strcmp(seed, "time"))
		return seed_from_time();
	if (!strcmp(seed, "rand")) {
		FILE *f = fopen("/dev/urandom", "rb");
		bool ok = f && fread(&v, sizeof(v), 1, f) == 1;
		if (f)
			fclose(f);
		return ok ? v : seed_from_time();
	}
	return strtoull(seed, NULL, 10);
}

static void say_seed(uint64_t seed)
{
	fprintf(stderr, "%s: setting random seed to %llu\n", PGB_PROGNAME,
		(unsigned long long)seed);
}

/*
 * pgbench's PGBENCH_RANDOM_SEED: checked before anything else (in -i mode too), and the seed
 * unless --random-seed names one; pgbench says which seed it took, as for the option.
 */
static int env_seed(struct pgb_config *cfg, char *err, size_t err_size)
{
	const char *env = getenv("PGBENCH_RANDOM_SEED");

	if (!env)
		return 0;
	if (pgb_check_random_seed(env, "PGBENCH_RANDOM_SEED environment variable", err, err_size))
		return -EINVAL;
	cfg->seed = seed_value(env);
	cfg->seed_from_env = true;
	say_seed(cfg->seed);
	return 0;
}

/* The seed of the run: --random-seed's (said on stderr, as pgbench), else the environment's
 * (env_seed), else the time */
static void draw_seed(struct pgb_config *cfg, const struct option_set *set)
{
	if (opt_given(set, "random-seed")) {
		cfg->seed = seed_value(cfg->random_seed);
		say_seed(cfg->seed);
	} else if (!cfg->seed_from_env) {
		cfg->seed = seed_from_time();
	}
}

/* The log options: each only under -l, and --aggregate-interval against -T */
static int check_log(const struct pgb_config *cfg, char *err, size_t err_size)
{
	if (cfg->sampling_rate > 0 && !cfg->log)
		return pgb_option_error(err, err_size,
					"log sampling (--sampling-rate) is allowed only when "
					"logging transactions (-l)");
	if (cfg->sampling_rate > 0 && cfg->aggregate_interval > 0)
		return pgb_option_error(err, err_size,
					"log sampling (--sampling-rate) and aggregation "
					"(--aggregate-interval) cannot be used at the same time");
	if (cfg->aggregate_interval > 0 && !cfg->log)
		return pgb_option_error(
			err, err_size,
			"log aggregation is allowed only when actually logging transactions");
	if (cfg->log_prefix[0] && !cfg->log)
		return pgb_option_error(err, err_size,
					"log file prefix (--log-prefix) is allowed only when "
					"logging transactions (-l)");
	if (cfg->time > 0 && cfg->aggregate_interval > cfg->time)
		return pgb_option_error(err, err_size,
					"number of seconds for aggregation (%lld) must not be "
					"higher than test duration (%lld)",
					(long long)cfg->aggregate_interval, (long long)cfg->time);
	if (cfg->time > 0 && cfg->aggregate_interval > 0 &&
	    cfg->time % cfg->aggregate_interval != 0)
		return pgb_option_error(
			err, err_size,
			"duration (%lld) must be a multiple of aggregation interval (%lld)",
			(long long)cfg->time, (long long)cfg->aggregate_interval);
	return 0;
}

/*
 * pgbench's open-file check for -c: a socket per client and a few more; the soft limit is
 * raised when the hard one allows, as pgbench does, so that -c 2000 works under a 1024 default.
 */
static int check_open_files(const struct pgb_config *cfg, char *err, size_t err_size)
{
	rlim_t need = (rlim_t)cfg->clients + 3;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return pgb_option_error(err, err_size, "getrlimit failed: %s", strerror(errno));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		pgb_option_error(err, err_size,
				 "need at least %lld open files, but system limit is %lld",
				 (long long)need, (long long)rl.rlim_max);
		pgb_option_note(err, err_size, "hint",
				"Reduce number of clients, or use limit/ulimit to increase the "
				"system limit.");
		return -EINVAL;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need) {
		rl.rlim_cur = need;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			pgb_option_error(err, err_size,
					 "need at least %lld open files, but couldn't raise the "
					 "limit: %s",
					 (long long)need, strerror(errno));
			pgb_option_note(err, err_size, "hint",
					"Reduce number of clients, or use limit/ulimit to increase "
					"the system limit.");
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

	if (check_open_files(cfg, err, err_size))
		return -EINVAL;
	if (t_given && T_given)
		return pgb_option_error(err, err_size,
					"specify either a number of transactions (-t) or a "
					"duration (-T), not both");
	if (!t_given)
		cfg->transactions = T_given ? 0 : 10;
	if (!T_given)
		cfg->time = 0;
	if (check_log(cfg, err, err_size))
		return -EINVAL;
	if (cfg->progress_timestamp && !cfg->progress)
		return pgb_option_error(err, err_size,
					"--progress-timestamp is allowed only under --progress");
	if (cfg->max_tries == 0 && !cfg->latency_limit_ms && !T_given)
		return pgb_option_error(err, err_size,
					"an unlimited number of transaction tries can only be used "
					"with --latency-limit or a duration (-T)");
	draw_seed(cfg, set);
	cfg->threads = (unsigned)(cfg->jobs < cfg->clients ? cfg->jobs : cfg->clients);
	cfg->current_style = !strcmp(cfg->report_style, "current");
	return CMD_CONTINUE;
}

/*
 * The scripts, parsed before any connection. script.c prints a script's errors itself
 * (pgbench's "file:line: message" and the caret); err stays empty for those, so the core adds
 * no line of its own.
 */
static int load_scripts(struct pgb_config *cfg, char *err, size_t err_size)
{
	struct pgb_scripts *ss = calloc(1, sizeof(*ss));
	int ret;

	if (!ss)
		return pgb_option_error(err, err_size, "out of memory");
	ret = pgb_scripts_load(ss, cfg, stderr);
	if (ret) {
		pgb_scripts_free(ss);
		free(ss);
		err[0] = '\0';
		return ret < 0 ? ret : -EINVAL;
	}
	cfg->scripts = ss;
	return 0;
}

/* The scripts' total weight: pgbench refuses a run that could choose none */
static int check_weights(const struct pgb_config *cfg, char *err, size_t err_size)
{
	int64_t total = 0;

	for (unsigned i = 0; i < cfg->nscripts; i++)
		total += cfg->script_specs[i].weight;
	if (cfg->nscripts && total == 0)
		return pgb_option_error(err, err_size, "total script weight must not be zero");
	return 0;
}

/*
 * The option of the other mode to name: opt_check_mode's, except that -N and -S are named
 * rather than --builtin, whose field they set (and whose row then counts as given too).
 */
static const struct option_def *mode_conflict(const struct option_set *set, unsigned mode)
{
	const struct option_def *def = opt_check_mode(set, mode);

	if (!def || strcmp(def->name, "builtin"))
		return def;
	for (unsigned i = 0; i < set->count; i++) {
		const struct option_def *d = &set->defs[i];
		if (d->fixed && d->offset == def->offset && set->source[i] != SRC_DEFAULT)
			return d;
	}
	return def;
}

/* --check's invariant is tpcb-like's: one script, that builtin, and nothing else */
static bool check_allowed(const struct pgb_scripts *ss)
{
	return ss && ss->n == 1 && ss->s[0].builtin && !strcmp(ss->s[0].name, "tpcb-like");
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
	if (env_seed(cfg, err, err_size))
		return -EINVAL;
	/* pgbench lists and shows builtins as it meets the option, and exits */
	if (cfg->list_builtins) {
		pgb_builtin_list(stderr);
		return CMD_DONE;
	}
	if (cfg->show_script[0]) {
		char msg[512];
		if (pgb_builtin_show(cfg->show_script, stderr, msg, sizeof(msg)))
			return pgb_option_error(err, err_size, "%s", msg);
		return CMD_DONE;
	}
	if (!init && check_weights(cfg, err, err_size))
		return -EINVAL;
	const struct option_def *def = mode_conflict(set, init ? OPT_MODE_INIT : OPT_MODE_RUN);
	if (def)
		return pgb_option_error(
			err, err_size, "some of the specified options cannot be used in %s (--%s)",
			init ? "initialization (-i) mode" : "benchmarking mode", def->name);
	cfg->scale_given = opt_given(set, "scale");
	if (init)
		return check_init(cfg, set, err, err_size);
	int ret = check_run(cfg, set, err, err_size);
	if (ret == CMD_CONTINUE)
		ret = load_scripts(cfg, err, err_size);
	if (ret == CMD_CONTINUE && cfg->check && !check_allowed(cfg->scripts))
		return pgb_option_error(err, err_size,
					"--check works with the tpcb-like builtin alone: the "
					"invariant it checks is that script's");
	return ret;
}

void pgb_config_free(struct pgb_config *cfg)
{
	for (unsigned i = 0; i < cfg->ndefines; i++)
		free(cfg->defines[i]);
	free(cfg->defines);
	cfg->defines = NULL;
	cfg->ndefines = 0;
}
