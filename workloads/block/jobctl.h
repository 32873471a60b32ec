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

#define BLK_IGNORE_ERRORS 32 /* errnos in one list of ignore_error */
#define BLK_MAX_NODES 1024   /* NUMA nodes numa_mem_policy can name */

struct blk_jobctl_opts {
	char description[OPT_STRING_MAX];
	char wait_for[OPT_STRING_MAX];
	bool new_group;
	char continue_on_error[OPT_STRING_MAX];
	char ignore_error[OPT_STRING_MAX];
	bool error_dump;
	char cpumask[OPT_STRING_MAX];
	char cpus_allowed_policy[OPT_STRING_MAX];
	char numa_mem_policy[OPT_STRING_MAX];
	char nice[OPT_STRING_MAX]; /* text: the table's integers cannot be negative */
	int64_t prio;
	int64_t prioclass;
	char exec_prerun[OPT_STRING_MAX];
	bool exitall;
	char exit_what[OPT_STRING_MAX];
	bool exitall_on_error;
	/* derived by blk_jobctl_validate */
	unsigned continue_mask;		  /* fio's error_type bits: 1 read, 2 write, 4 verify */
	int ignore[3][BLK_IGNORE_ERRORS]; /* errnos per type; ignore_n[t] == 0: EIO, EILSEQ */
	unsigned ignore_n[3];
	int nice_value;
	int mem_mode; /* set_mempolicy's mode, -1: leave the default */
	unsigned long mem_nodes[BLK_MAX_NODES / (8 * sizeof(unsigned long))];
};

extern const struct option_def blk_jobctl_option_defs[];
/* fio's options pvcbench refuses, each with the reason it prints (refused.c). */
extern const struct option_def blk_refused_option_defs[];
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

/*
 * jobfile.c: fio's job files. A reader starts each file from the command line's global
 * options; every job section becomes a job made by new_job (NULL: no room, message in err).
 */
struct blk_jobfile {
	const struct blk_job *global;
	const char *const *sections; /* --section: only these job sections (none: all) */
	unsigned nsections;
	bool showcmd; /* build fio's --showcmd line in cmdline */
	struct blk_job *(*new_job)(void *arg, const struct blk_job *base, char *err,
				   size_t err_size);
	void *arg;
	struct blk_job *global_echo; /* gets a file's [global] options when it has some */
	char *cmdline, *globals;     /* --showcmd: the line; the global options so far */
	size_t cmdline_len, globals_len;
};
/* Reads one job file (and what it includes); 0 or a negative errno with one line in err. */
int blk_jobfile_read(struct blk_jobfile *jf, const char *path, char *err, size_t err_size);
void blk_jobfile_free_cmdline(struct blk_jobfile *jf);
/* A copy of a job whose option set points at its own sources. */
void blk_job_copy(struct blk_job *dst, const struct blk_job *src);

#endif
