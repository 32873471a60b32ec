/*
 * options.c - the block workload's job options: the core rows (name, numjobs, runtime, ...),
 * the one table made of every group's rows (pattern.c, files.c, engine_options.c, pace.c,
 * data.c, jobctl.c, fio_output.c, logs.c), and the checks that run each group's own.
 */
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(struct blk_options, field)
#define SEC 1000000000ULL

static const struct option_def core_option_defs[] = {
	{ .name = "name",
	  .type = OPT_STRING,
	  .offset = F(name),
	  .def = "job",
	  .help = "job name; a new --name starts a new job" },
	{ .name = "numjobs",
	  .type = OPT_INT,
	  .offset = F(numjobs),
	  .def = "1",
	  .min = 1,
	  .max = 1024,
	  .help = "clones of this job, each a thread with its own queue" },
	{ .name = "runtime",
	  .alias = "timeout",
	  .type = OPT_TIME,
	  .offset = F(runtime),
	  .def = "0",
	  .unit_ns = SEC,

	  .help = "stop after this time (bare number: seconds)" },
	{ .name = "time_based",
	  .type = OPT_BOOL,
	  .offset = F(time_based),
	  .def = "0",
	  .help = "run for the whole runtime, wrapping around the region" },
	{ .name = "ramp_time",
	  .type = OPT_TIME,
	  .offset = F(ramp_time),
	  .def = "0",
	  .unit_ns = SEC,
	  .help = "run this long before measuring" },
	{ .name = "thread",
	  .type = OPT_BOOL,
	  .offset = F(thread),
	  .def = "1",
	  .help = "accepted for fio compatibility: clones are always threads" },
	{ .name = "gtod_reduce",
	  .type = OPT_BOOL,
	  .offset = F(gtod_reduce),
	  .def = "0",
	  .help = "accepted for fio compatibility: latency is always measured" },
	{ 0 }
};

/* Every group's rows, in the order --help lists them. */
static const struct option_def *const option_groups[] = {
	core_option_defs,	    blk_pattern_option_defs, blk_file_option_defs,
	blk_engine_job_option_defs, blk_pace_option_defs,    blk_data_option_defs,
	blk_jobctl_option_defs,	    blk_report_option_defs,  blk_log_option_defs,
	blk_verify_option_defs,	    blk_refused_option_defs,
};

struct option_def blk_option_defs[BLK_MAX_OPTIONS + 1];
static unsigned option_rows_wanted;  /* rows of all groups: more than fit is an error */
static const char *option_duplicate; /* a name two rows share */

/* Builds the one table before main: command tables point at it. */
__attribute__((constructor)) static void build_option_table(void)
{
	unsigned n = 0;

	for (size_t g = 0; g < sizeof(option_groups) / sizeof(option_groups[0]); g++) {
		for (const struct option_def *d = option_groups[g]; d->name; d++) {
			for (unsigned k = 0; k < n && k < BLK_MAX_OPTIONS; k++) {
				const struct option_def *e = &blk_option_defs[k];
				if (!strcmp(e->name, d->name) ||
				    (d->alias && !strcmp(e->name, d->alias)) ||
				    (e->alias && !strcmp(e->alias, d->name)))
					option_duplicate = d->name;
			}
			if (n < BLK_MAX_OPTIONS)
				blk_option_defs[n] = *d;
			n++;
		}
	}
	option_rows_wanted = n;
}

int blk_option_table_fits(const struct option_def *defs, unsigned capacity, const char *what,
			  char *err, size_t err_size)
{
	unsigned rows = opt_count(defs);

	if (rows <= capacity)
		return 0;
	snprintf(err, err_size, "internal error: the table of %s has %u rows, room for %u", what,
		 rows, capacity);
	return -E2BIG;
}

#define SLOTS(array) ((unsigned)(sizeof(array) / sizeof((array)[0])))

int blk_option_tables_check(char *err, size_t err_size)
{
	const struct blk_job *job = NULL;

	if (option_duplicate) {
		snprintf(err, err_size, "internal error: two job options are called %s",
			 option_duplicate);
		return -EINVAL;
	}
	if (option_rows_wanted > BLK_MAX_OPTIONS) {
		snprintf(
			err, err_size,
			"internal error: the job options have %u rows, room for %u (BLK_MAX_OPTIONS)",
			option_rows_wanted, (unsigned)BLK_MAX_OPTIONS);
		return -E2BIG;
	}
	/* the array itself, so a change of its size cannot escape the check */
	return blk_option_table_fits(blk_option_defs, SLOTS(job->source),
				     "job options (BLK_MAX_OPTIONS)", err, err_size);
}

int blk_job_init(struct blk_job *job, char *err, size_t err_size)
{
	int ret = blk_option_tables_check(err, err_size);

	memset(job, 0, sizeof(*job));
	if (ret)
		return ret;
	job->set.defs = blk_option_defs;
	job->set.count = opt_count(blk_option_defs);
	job->set.source = job->source;
	job->first_thread = 1;
	return opt_apply_defaults(&job->set, &job->o, err, err_size);
}

int blk_job_set(struct blk_job *job, const char *key, const char *value, enum opt_source source,
		char *err, size_t err_size)
{
	/* sizes read as the job's kb_base says, as far as it was given before them */
	unsigned old = opt_size_kb_base((unsigned)job->o.rep.kb_base);
	int ret = opt_set(&job->set, &job->o, key, value, source, err, err_size);

	opt_size_kb_base(old);
	return ret;
}

int blk_job_validate(struct blk_job *job, char *err, size_t err_size)
{
	static int (*const checks[])(struct blk_job *, char *, size_t) = {
		blk_files_validate,  blk_pattern_validate, blk_engine_job_validate,
		blk_pace_validate,   blk_data_validate,	   blk_jobctl_validate,
		blk_report_validate, blk_log_validate,	   blk_verify_validate,
	};
	struct blk_options *o = &job->o;

	if (o->time_based && !o->runtime) {
		snprintf(err, err_size, "job %s: --time_based needs --runtime", o->name);
		return -EINVAL;
	}
	/* the size options kept as text (size, bs, ...) are read with the job's kb_base */
	unsigned old = opt_size_kb_base((unsigned)job->o.rep.kb_base);
	int ret = 0;
	for (size_t i = 0; !ret && i < sizeof(checks) / sizeof(checks[0]); i++)
		ret = checks[i](job, err, err_size);
	opt_size_kb_base(old);
	return ret;
}
