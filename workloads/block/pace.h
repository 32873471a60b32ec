/*
 * pace.h - when each I/O of a clone may be issued: rate limits (rate, rate_iops, ...), think
 * time and start delay. Every paced I/O has an intended issue time, so latency can also be
 * measured from it (no coordinated omission).
 */
#ifndef PVCBENCH_BLOCK_PACE_H
#define PVCBENCH_BLOCK_PACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/options.h"

struct blk_job;
struct blk_clone;

struct blk_pace_opts {
	char reserved; /* the options of the pacing group go here */
};

extern const struct option_def blk_pace_option_defs[];
int blk_pace_validate(struct blk_job *job, char *err, size_t err_size);

struct worker_spec;
/* Adjusts a clone's run spec for the pacing options (startdelay: a longer unmeasured start). */
void blk_pace_adjust_spec(const struct blk_job *job, struct worker_spec *spec);

/* One clone's pacing state. */
struct blk_pace {
	bool active; /* some limit or think time applies: the worker asks before each I/O */
};
int blk_pace_init(struct blk_pace *p, const struct blk_clone *clone, char *why, size_t why_size);
/*
 * The intended issue time (ns, clock.h) of the next I/O of dir and bytes, now being the
 * current time; a value <= now means at once. Only called when p->active.
 */
uint64_t blk_pace_due(struct blk_pace *p, unsigned dir, uint32_t bytes, uint64_t now);
/* After a completion: until when the clone thinks before its next I/O (0: no think time). */
uint64_t blk_pace_think(struct blk_pace *p, uint64_t now);
/* Waits until t (ns, clock.h), sleeping or spinning as the options say; false if a stop was
 * requested meanwhile. */
bool blk_pace_wait(struct blk_pace *p, uint64_t t);

#endif
