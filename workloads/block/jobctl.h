/*
 * jobctl.h - how jobs run together and what they do on errors: groups, wait_for, exitall,
 * continue_on_error, priorities and placement of their threads.
 */
#ifndef PVCBENCH_BLOCK_JOBCTL_H
#define PVCBENCH_BLOCK_JOBCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/options.h"

struct blk_job;

struct blk_jobctl_opts {
	char reserved; /* the options of the job-control group go here */
};

extern const struct option_def blk_jobctl_option_defs[];
int blk_jobctl_validate(struct blk_job *job, char *err, size_t err_size);
/* Parses a CPU list ("0,2,4-7") into cpus; returns how many, 0 for "", -EINVAL if malformed. */
#define BLK_MAX_CPUS 1024
int blk_parse_cpus(const char *text, int *cpus, unsigned max);
/* The CPU clone c of the job is pinned to, from the job's CPU list cpus[0..ncpus) (-1: none). */
int blk_jobctl_clone_cpu(const struct blk_job *job, unsigned clone, const int *cpus, int ncpus);
/* In the worker thread, before the start barrier: nice, prio, ... 0 or a negative errno. */
int blk_jobctl_thread_setup(const struct blk_job *job, unsigned clone, char *why, size_t why_size);
/*
 * An I/O of dir failed with err (a negative errno; -EIO for a short transfer): true when the
 * job goes on (counting the error), false when the clone stops with the error.
 */
bool blk_jobctl_error_continue(const struct blk_job *job, unsigned dir, int err);

#endif
