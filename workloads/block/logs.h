/*
 * logs.h - fio's per-I/O and averaged logs (write_bw_log, write_lat_log, ...) and the bandwidth
 * and IOPS samples behind fio's bw_min/bw_max/iops_mean/... fields.
 */
#ifndef PVCBENCH_BLOCK_LOGS_H
#define PVCBENCH_BLOCK_LOGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/options.h"
#include "engine.h"

struct blk_job;
struct blk_clone;

struct blk_log_opts {
	char reserved; /* the options of the logs group go here */
};

extern const struct option_def blk_log_option_defs[];
int blk_log_validate(struct blk_job *job, char *err, size_t err_size);

/* One clone's logs. */
struct blk_log {
	bool active; /* some log or sample is kept: the worker reports each I/O */
};
int blk_log_open(struct blk_log *l, struct blk_clone *clone, char *why, size_t why_size);
/* Measurement starts at now (after the ramp): the logs' time 0. */
void blk_log_start(struct blk_log *l, uint64_t now);
/* One completed, measured I/O: slat and clat in ns. Only called when l->active. */
void blk_log_io(struct blk_log *l, uint64_t now, const struct io_req *r, uint64_t slat_ns,
		uint64_t clat_ns);
/* The end of measurement at now: the last samples, and the files written. 0 or -errno. */
int blk_log_close(struct blk_log *l, uint64_t now);

#endif
