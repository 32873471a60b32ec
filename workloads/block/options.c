/*
 * options.c - the block workload's option table, with fio's names, defaults and meaning, and
 * the checks that need several values at once.
 */
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(struct blk_options, field)
#define SEC 1000000000ULL

static const char *const rw_choices[] = { "read", "write",     "randread", "randwrite",
					  "rw",	  "readwrite", "randrw",   NULL };
static const char *const verify_choices[] = { "0", "none", NULL };

const struct option_def blk_option_defs[] = {
	{ .name = "name",
	  .type = OPT_STRING,
	  .offset = F(name),
	  .def = "job",
	  .help = "job name; a new --name starts a new job" },
	{ .name = "rw",
	  .alias = "readwrite",
	  .type = OPT_CHOICE,
	  .offset = F(rw),
	  .def = "read",
	  .choices = rw_choices,
	  .help = "I/O pattern" },
	{ .name = "bs",
	  .alias = "blocksize",
	  .type = OPT_SIZE,
	  .offset = F(bs),
	  .def = "4k",
	  .min = 1,
	  .max = 1LL << 30,
	  .help = "block size of each I/O" },
	{ .name = "iodepth",
	  .type = OPT_INT,
	  .offset = F(iodepth),
	  .def = "1",
	  .min = 1,
	  .max = 4096,
	  .help = "I/Os in flight per job (psync: always 1)" },
	{ .name = "iodepth_batch_submit",
	  .alias = "iodepth_batch",
	  .type = OPT_INT,
	  .offset = F(iodepth_batch_submit),
	  .def = "4",
	  .max = 4096,
	  .help = "submit refills every N of them; 0 = all with the next wait (fio's default: 1)" },
	{ .name = "numjobs",
	  .type = OPT_INT,
	  .offset = F(numjobs),
	  .def = "1",
	  .min = 1,
	  .max = 1024,
	  .help = "clones of this job, each a thread with its own queue" },
	{ .name = "size",
	  .type = OPT_SIZE,
	  .offset = F(size),
	  .def = NULL,
	  .min = 1,
	  .help = "bytes of the file each clone addresses (required)" },
	{ .name = "offset",
	  .type = OPT_SIZE,
	  .offset = F(offset),
	  .def = "0",
	  .help = "start of the region in the file" },
	{ .name = "offset_increment",
	  .type = OPT_SIZE,
	  .offset = F(offset_increment),
	  .def = "0",
	  .help = "clone N starts at offset + N * offset_increment" },
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
	{ .name = "direct",
	  .type = OPT_BOOL,
	  .offset = F(direct),
	  .def = "0",
	  .help = "O_DIRECT: bypass the page cache" },
	{ .name = "ioengine",
	  .type = OPT_CHOICE,
	  .offset = F(ioengine),
	  .def = "auto",
	  .choices = blk_engine_choices, /* from the engine table (engine.c) */
	  .help = "I/O engine; auto: the first of the others that starts, in this order" },
	{ .name = "filename",
	  .type = OPT_STRING,
	  .offset = F(filename),
	  .def = NULL,
	  .help = "file to use (in directory); default JOBNAME.CLONE.0" },
	{ .name = "directory",
	  .type = OPT_STRING,
	  .offset = F(directory),
	  .def = NULL,
	  .help = "directory for the job's files; default the working directory" },
	{ .name = "rwmixread",
	  .type = OPT_INT,
	  .offset = F(rwmixread),
	  .def = "50",
	  .max = 100,
	  .help = "percentage of reads in rw and randrw" },
	{ .name = "group_reporting",
	  .type = OPT_BOOL,
	  .offset = F(group_reporting),
	  .def = "0",
	  .help = "report each job's clones together" },
	{ .name = "stonewall",
	  .alias = "wait_for_previous",
	  .type = OPT_BOOL,
	  .offset = F(stonewall),
	  .def = "0",
	  .help = "wait for the jobs before to finish" },
	{ .name = "randrepeat",
	  .type = OPT_BOOL,
	  .offset = F(randrepeat),
	  .def = "1",
	  .help = "same random offsets on every run" },
	{ .name = "cpus_allowed",
	  .type = OPT_STRING,
	  .offset = F(cpus_allowed),
	  .def = NULL,
	  .help = "pin clones round-robin to these CPUs (e.g. 0,2,4-7)" },
	{ .name = "numa_cpu_nodes",
	  .type = OPT_STRING,
	  .offset = F(numa_cpu_nodes),
	  .def = NULL,
	  .help = "run clones and allocate their buffers on this NUMA node" },
	{ .name = "keep",
	  .type = OPT_BOOL,
	  .offset = F(keep),
	  .def = "0",
	  .help = "keep the data files pvcbench created instead of removing them" },
	{ .name = "force",
	  .type = OPT_BOOL,
	  .offset = F(force),
	  .def = "0",
	  .help = "allow writing to a block device or a file pvcbench did not create" },
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
	{ .name = "verify",
	  .type = OPT_CHOICE,
	  .offset = F(verify),
	  .def = "0",
	  .choices = verify_choices,
	  .help = "accepted for fio compatibility: only 0" },
	{ 0 }
};

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
	return opt_apply_defaults(&job->set, &job->o, err, err_size);
}

int blk_parse_cpus(const char *text, int *cpus, unsigned max)
{
	const char *p = text;
	unsigned n = 0;

	while (*p) {
		char *end;
		long a, b;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = b = strtol(p, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EINVAL;
			b = strtol(end + 1, &end, 10);
		}
		if (b < a || b >= BLK_MAX_CPUS || (*end && *end != ','))
			return -EINVAL;
		for (long c = a; c <= b; c++) {
			if (n == max)
				return -EINVAL;
			cpus[n++] = (int)c;
		}
		p = *end ? end + 1 : end;
		if (*end == ',' && !*p)
			return -EINVAL;
	}
	return (int)n;
}

static const struct {
	const char *name;
	enum blk_pattern pattern;
} patterns[] = {
	{ "read", PAT_READ },		{ "write", PAT_WRITE }, { "randread", PAT_RANDREAD },
	{ "randwrite", PAT_RANDWRITE }, { "rw", PAT_RW },	{ "readwrite", PAT_RW },
	{ "randrw", PAT_RANDRW },
};

int blk_job_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;

	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++)
		if (!strcmp(o->rw, patterns[i].name))
			job->pattern = patterns[i].pattern;
	job->random = job->pattern == PAT_RANDREAD || job->pattern == PAT_RANDWRITE ||
		      job->pattern == PAT_RANDRW;
	job->reads = job->pattern == PAT_READ || job->pattern == PAT_RANDREAD ||
		     ((job->pattern == PAT_RW || job->pattern == PAT_RANDRW) && o->rwmixread > 0);
	job->writes =
		job->pattern == PAT_WRITE || job->pattern == PAT_RANDWRITE ||
		((job->pattern == PAT_RW || job->pattern == PAT_RANDRW) && o->rwmixread < 100);

	if (!o->size) {
		snprintf(err, err_size, "job %s: --size is required (e.g. --size=1G)", o->name);
		return -EINVAL;
	}
	if (o->bs > o->size) {
		snprintf(err, err_size, "job %s: --bs=%llu is larger than --size=%llu", o->name,
			 (unsigned long long)o->bs, (unsigned long long)o->size);
		return -EINVAL;
	}
	if (o->direct && (o->bs % 512)) {
		snprintf(err, err_size,
			 "job %s: --bs=%llu: must be a multiple of 512 with --direct=1", o->name,
			 (unsigned long long)o->bs);
		return -EINVAL;
	}
	if (o->direct && ((o->offset % 512) || (o->offset_increment % 512))) {
		snprintf(
			err, err_size,
			"job %s: --offset and --offset_increment must be multiples of 512 with --direct=1",
			o->name);
		return -EINVAL;
	}
	if (o->time_based && !o->runtime) {
		snprintf(err, err_size, "job %s: --time_based needs --runtime", o->name);
		return -EINVAL;
	}
	if (strchr(o->filename, ':')) {
		snprintf(err, err_size,
			 "job %s: --filename=%s: several files per job (a:b) are not supported",
			 o->name, o->filename);
		return -EINVAL;
	}
	int cpus[BLK_MAX_CPUS];
	if (blk_parse_cpus(o->cpus_allowed, cpus, BLK_MAX_CPUS) < 0) {
		snprintf(err, err_size,
			 "job %s: --cpus_allowed=%s: give CPU numbers and ranges, e.g. 0,2,4-7",
			 o->name, o->cpus_allowed);
		return -EINVAL;
	}
	uint64_t last = 0, region_end;
	if (__builtin_mul_overflow((uint64_t)(o->numjobs - 1), o->offset_increment, &last) ||
	    __builtin_add_overflow(last, o->offset, &region_end) ||
	    __builtin_add_overflow(region_end, o->size, &region_end) ||
	    region_end > (uint64_t)INT64_MAX) {
		snprintf(
			err, err_size,
			"job %s: --offset + (numjobs - 1) * --offset_increment + --size is beyond the largest file offset",
			o->name);
		return -ERANGE;
	}
	if (o->numa_cpu_nodes[0]) {
		char *end;
		long node = strtol(o->numa_cpu_nodes, &end, 10);
		if (*end || node < 0 || node > 1023) {
			snprintf(err, err_size,
				 "job %s: --numa_cpu_nodes=%s: give one node number (0, 1, ...)",
				 o->name, o->numa_cpu_nodes);
			return -EINVAL;
		}
	}
	/* fio works in whole blocks: the region is rounded down to a multiple of bs */
	o->size -= o->size % o->bs;
	return 0;
}
