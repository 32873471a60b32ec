/*
 * jobctl.c - the job-control options (stonewall, cpus_allowed, numa_cpu_nodes, ...): how jobs
 * run together, where their threads run, and what a job does when an I/O fails.
 */
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(struct blk_options, field)

const struct option_def blk_jobctl_option_defs[] = {
	{ .name = "stonewall",
	  .alias = "wait_for_previous",
	  .type = OPT_BOOL,
	  .offset = F(stonewall),
	  .def = "0",
	  .help = "wait for the jobs before to finish" },
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
	{ 0 }
};

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

int blk_jobctl_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;
	int cpus[BLK_MAX_CPUS];

	if (blk_parse_cpus(o->cpus_allowed, cpus, BLK_MAX_CPUS) < 0) {
		snprintf(err, err_size,
			 "job %s: --cpus_allowed=%s: give CPU numbers and ranges, e.g. 0,2,4-7",
			 o->name, o->cpus_allowed);
		return -EINVAL;
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
	return 0;
}

int blk_jobctl_clone_cpu(const struct blk_job *job, unsigned clone, const int *cpus, int ncpus)
{
	(void)job;
	return ncpus > 0 ? cpus[clone % (unsigned)ncpus] : -1;
}

int blk_jobctl_thread_setup(const struct blk_job *job, unsigned clone, char *why, size_t why_size)
{
	(void)job;
	(void)clone;
	(void)why;
	(void)why_size;
	return 0;
}

bool blk_jobctl_error_continue(const struct blk_job *job, unsigned dir, int err)
{
	(void)job;
	(void)dir;
	(void)err;
	return false;
}
