/*
 * pace.h - when each I/O of a clone may be issued: rate limits (rate, rate_iops, ...), think
 * time and start delay. Every paced I/O has an intended issue time, so latency can also be
 * measured from it (no coordinated omission).
 *
 * The schedule of a rate limit is fio's: the I/O that follows N bytes of its direction is due
 * N / rate seconds after the first I/O (linear), or after a sum of exponential gaps (poisson).
 * A clone that falls behind its schedule issues at once until it has caught up, and the
 * intended time of each of those I/Os stays where the schedule put it.
 */
#ifndef PVCBENCH_BLOCK_PACE_H
#define PVCBENCH_BLOCK_PACE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/options.h"

struct blk_job;
struct blk_clone;
struct blk_clone_stats;

/* Read, write, trim: fio's directions, in the order of its comma-separated values. */
#define BLK_PACE_DIRS 3

struct blk_pace_opts {
	/* the rows' fields (pace.c) */
	char rate[OPT_STRING_MAX];	    /* bytes/s: "1m", "1m,2m", ",500k" */
	char rate_iops[OPT_STRING_MAX];	    /* I/Os per second, same shape */
	char rate_min[OPT_STRING_MAX];	    /* bytes/s the job must keep up */
	char rate_iops_min[OPT_STRING_MAX]; /* I/Os per second the job must keep up */
	char rate_process[OPT_STRING_MAX];  /* linear, poisson */
	int64_t rate_cycle;		    /* ms: the window of rate_min's average */
	bool rate_ignore_thinktime;
	uint64_t thinktime;	 /* ns */
	uint64_t thinktime_spin; /* ns */
	int64_t thinktime_blocks;
	char thinktime_blocks_type[OPT_STRING_MAX]; /* complete, issue */
	uint64_t thinktime_iotime;		    /* ns */
	char startdelay[OPT_STRING_MAX];	    /* "10s" or a range "1-10" */
	/* what blk_pace_validate derives from them */
	uint64_t bps[BLK_PACE_DIRS], iops[BLK_PACE_DIRS];
	uint64_t min_bps[BLK_PACE_DIRS], min_iops[BLK_PACE_DIRS];
	uint64_t startdelay_lo, startdelay_hi; /* ns */
};

extern const struct option_def blk_pace_option_defs[];
int blk_pace_validate(struct blk_job *job, char *err, size_t err_size);

/*
 * Parses fio's per-direction value ("1m", "1m,2m", ",500k", "1m,"): one value applies to every
 * direction, a list to read, write, trim in turn (an empty item: no value). 0 or -EINVAL.
 */
int blk_pace_parse_dirs(const char *text, uint64_t out[BLK_PACE_DIRS]);
/* Parses startdelay: a time (bare number: seconds) or a range of two. 0 or -EINVAL. */
int blk_pace_parse_delay(const char *text, uint64_t *lo_ns, uint64_t *hi_ns);
/* The start delay of a job: drawn once per job from its range. */
uint64_t blk_pace_startdelay(const struct blk_job *job);

struct worker_spec;
/* Adjusts a clone's run spec for the pacing options (startdelay: a longer unmeasured start). */
void blk_pace_adjust_spec(const struct blk_job *job, struct worker_spec *spec);

/* One clone's pacing state. */
struct blk_pace {
	bool active;	   /* some limit or think time applies: the worker asks before each I/O */
	bool rated;	   /* a rate applies: blk_pace_due returns a schedule */
	bool started;	   /* the first I/O has been asked for: epoch is set */
	bool poisson;	   /* rate_process=poisson */
	bool think_issue;  /* thinktime_blocks_type=issue */
	bool think_blocks; /* thinktime_blocks counts (else only thinktime_iotime) */
	bool ignore_think; /* rate_ignore_thinktime */
	bool completions;  /* the worker reports completions (blk_pace_think) */
	bool check_min;	   /* rate_min or rate_iops_min applies */
	bool mixed;	   /* the job reads and writes: blk_pace_pick_dir may switch */
	uint64_t epoch;	   /* ns: the schedule's origin, the end of the start delay */
	uint64_t delay_ns, ramp_ns, runtime_ns;
	uint64_t deadline_ns; /* the run's end (0: none): no wait goes past it */
	uint64_t bps[BLK_PACE_DIRS];
	uint64_t gap_ns[BLK_PACE_DIRS]; /* poisson: the mean gap */
	uint64_t sent[BLK_PACE_DIRS];	/* linear: bytes issued; poisson: ns of the next */
	uint64_t rng[2];
	/* think time */
	uint64_t think_ns, spin_ns, iotime_ns, blocks;
	uint64_t issued, completed, last_think_count, last_think_at;
	uint64_t think_until, spin_until;
	/* rate_min, rate_iops_min */
	uint64_t min_bps[BLK_PACE_DIRS], min_iops[BLK_PACE_DIRS];
	bool sampled; /* the counts of the last check are taken */
	uint64_t cycle_ns, check_at, last_check;
	uint64_t bytes[BLK_PACE_DIRS], ios[BLK_PACE_DIRS];
	uint64_t last_bytes[BLK_PACE_DIRS], last_ios[BLK_PACE_DIRS];
	const char *name; /* the job's, for the failure line */
	struct blk_clone_stats *stats;
	const atomic_bool *run_stopped; /* the worker's: another clone ended the run (exitall) */
	int error;     /* -EIO once rate_min was missed: blk_pace_due returns BLK_PACE_STOP */
	char why[160]; /* the line that says so */
};

/* blk_pace_due's answer when the clone must stop: rate_min was missed (p->error, p->why). */
#define BLK_PACE_STOP UINT64_MAX

int blk_pace_init(struct blk_pace *p, const struct blk_clone *clone, char *why, size_t why_size);
/*
 * The intended issue time (ns, clock.h) of the next I/O of dir and bytes, now being the
 * current time; a value <= now means at once; BLK_PACE_STOP: stop (p->error says why). Only
 * called when p->active. How far the clone is behind its schedule goes into the clone's
 * stats->behind_max_ns.
 */
uint64_t blk_pace_due(struct blk_pace *p, unsigned dir, uint32_t bytes, uint64_t now);
/*
 * fio's choice of direction under a rate (rate_ddir in its io_u.c), for a job that both reads
 * and writes: dir when it is due at now; else the other direction when that one is due (or has
 * no cap); else whichever is due first. Advances nothing: blk_pace_due follows with the answer.
 * Any other job gets dir back.
 */
unsigned blk_pace_pick_dir(const struct blk_pace *p, unsigned dir, uint64_t now);
/* After a completion: until when the clone thinks before its next I/O (0: no think time). */
uint64_t blk_pace_think(struct blk_pace *p, uint64_t now);
/* Waits until t (ns, clock.h), sleeping or spinning as the options say; false if a stop was
 * requested meanwhile, the run's end comes first or t is BLK_PACE_STOP. */
bool blk_pace_wait(struct blk_pace *p, uint64_t t);

#endif
