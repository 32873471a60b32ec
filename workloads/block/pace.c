/*
 * pace.c - the pacing options (rate, rate_iops, thinktime, startdelay, ...) and when each I/O of a
 * clone may be issued.
 */
#include "block.h"

#include <stddef.h>

const struct option_def blk_pace_option_defs[] = { { 0 } };

int blk_pace_validate(struct blk_job *job, char *err, size_t err_size)
{
	(void)job;
	(void)err;
	(void)err_size;
	return 0;
}

void blk_pace_adjust_spec(const struct blk_job *job, struct worker_spec *spec)
{
	(void)job;
	(void)spec;
}

int blk_pace_init(struct blk_pace *p, const struct blk_clone *clone, char *why, size_t why_size)
{
	(void)clone;
	(void)why;
	(void)why_size;
	p->active = false;
	return 0;
}

uint64_t blk_pace_due(struct blk_pace *p, unsigned dir, uint32_t bytes, uint64_t now)
{
	(void)p;
	(void)dir;
	(void)bytes;
	return now;
}

uint64_t blk_pace_think(struct blk_pace *p, uint64_t now)
{
	(void)p;
	(void)now;
	return 0;
}

bool blk_pace_wait(struct blk_pace *p, uint64_t t)
{
	(void)p;
	(void)t;
	return true;
}
