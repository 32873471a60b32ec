/*
 * logs.c - the log options (write_bw_log, write_lat_log, log_avg_msec, ...), fio's log files,
 * and the bandwidth and IOPS samples of each clone.
 */
#include "block.h"

#include <stddef.h>

const struct option_def blk_log_option_defs[] = { { 0 } };

int blk_log_validate(struct blk_job *job, char *err, size_t err_size)
{
	(void)job;
	(void)err;
	(void)err_size;
	return 0;
}

int blk_log_open(struct blk_log *l, struct blk_clone *clone, char *why, size_t why_size)
{
	(void)clone;
	(void)why;
	(void)why_size;
	l->active = false;
	return 0;
}

void blk_log_start(struct blk_log *l, uint64_t now)
{
	(void)l;
	(void)now;
}

void blk_log_io(struct blk_log *l, uint64_t now, const struct io_req *r, uint64_t slat_ns,
		uint64_t clat_ns)
{
	(void)l;
	(void)now;
	(void)r;
	(void)slat_ns;
	(void)clat_ns;
}

int blk_log_close(struct blk_log *l, uint64_t now)
{
	(void)l;
	(void)now;
	return 0;
}
