/*
 * runner_int.h - the runner's internals, shared by its files and nobody else (the unit tests
 * include it to reach the small pure functions and the allocation hook).
 *
 *   runner.c    worker threads, the start barrier, the reporter's loop and the run's result
 *   series.c    interval slots consumed into the pending intervals, the totals and the series
 *   progress.c  the status line; printer.c writes it and the workloads' lines on a thread
 *   placement.c CPU and NUMA placement
 *   stall_track.c  each worker's gaps and completion timeline, the run's outage windows
 *   runner_metrics.c  the live metrics (metrics.h): the jobs' totals and live state, the phase
 *
 * The slot protocol is single-producer/single-consumer per worker: the worker writes only the
 * slot it holds, and reuses a slot only after the reporter has consumed the interval it held
 * (consumed > index); the reporter reads a slot only for an interval below the worker's closed
 * index and only if the slot still holds that interval. So no lock is needed anywhere.
 */
#ifndef PVCBENCH_RUNNER_INT_H
#define PVCBENCH_RUNNER_INT_H

#include "pvcbench/runner.h"

#include <pthread.h>
#include <stddef.h>

#define RUNNER_SLOTS 8 /* interval slots per worker: the reporter may lag this many */

struct interval_slot {
	_Atomic int64_t index; /* interval number held, -1 = never used */
	/* the workload's snapshot (run_plan.snapshot_size bytes) at the interval's end, or NULL */
	void *snap;
	/* with a snapshot: the thread's usage over the measured time up to the interval's end */
	struct slot_usage {
		uint64_t cpu_usr_ns, cpu_sys_ns, ctx;
	} usage;
	struct op_stats op[]; /* nops entries */
};

/*
 * A worker as the runner sees it: the hot part the workload's inline calls touch (runner.h)
 * first, so that a struct worker * is a struct runner_worker *. Aligned to a cache line so
 * that two workers never share one.
 */
struct runner_worker {
	struct worker hot;
	unsigned id;
	const struct worker_spec *spec;
	struct runner *runner;
	void *state; /* the workload's per-worker state, set by its init */

	/* the worker's own */
	uint64_t measure_start_ns; /* ramp end */
	uint64_t deadline_ns;	   /* UINT64_MAX = none */
	int64_t interval;	   /* current interval number, -1 while ramping */

	/* published to the reporter */
	_Atomic int64_t closed;	  /* every interval < closed is final */
	_Atomic int64_t consumed; /* the reporter has merged every interval < consumed */
	_Atomic int finished;
	struct interval_slot *slots[RUNNER_SLOTS];

	/* outage windows (stall_track.c): the worker's own, read by the reporter once it ended */
	struct stall_list stalls;
	struct stall_cause gap_causes[STALL_MAX_CAUSES]; /* failures since the last completion */
	unsigned ngap_causes;
	uint32_t *timeline; /* completions per bucket from the run's origin */
	size_t timeline_n, timeline_cap;
	uint64_t bucket_ns;    /* a bucket's width: 100 ms, doubled when the timeline is full */
	uint64_t bucket_index; /* the bucket the worker is counting into */
	uint64_t bucket_base;  /* done as that bucket began */

	/* outcome */
	uint64_t cpu_start_usr_ns, cpu_start_sys_ns, ctx_start; /* thread's usage at ramp end */
	uint64_t cpu_usr_ns, cpu_sys_ns, ctx;			/* over the measured time */
	uint64_t end_ns;
	int error; /* negative errno that stopped the worker, 0 if none */
	char error_msg[256];
} __attribute__((aligned(64)));

static inline struct runner_worker *runner_worker_of(struct worker *w)
{
	return (struct runner_worker *)((char *)w - offsetof(struct runner_worker, hot));
}

static inline const struct runner_worker *runner_worker_of_const(const struct worker *w)
{
	return (const struct runner_worker *)((const char *)w -
					      offsetof(struct runner_worker, hot));
}

/* One interval not yet final: the counts merged so far across workers. */
struct pending {
	int64_t index;
	struct op_stats op[]; /* nops entries */
};

struct printer;
struct runner_metrics;

struct runner {
	const struct run_plan *plan; /* = &plan_copy: a detached worker may outlive the caller's */
	struct run_plan plan_copy;
	struct runner_worker *workers;
	pthread_t *threads;
	/* the start barrier: workers count themselves ready, then wait for go */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned ready;
	bool go;
	atomic_int abort_run; /* a worker failed to initialise: nobody runs */
	uint64_t t0_ns;	      /* start barrier released */
	uint64_t t0_unix_ns;  /* the wall clock then */
	uint64_t stall_ns;    /* the run's stall threshold */
	uint64_t origin_ns;   /* interval 0 starts here: t0 + the shortest ramp */
	size_t slot_size, pending_size;

	/* the reporter's own (series.c) */
	int64_t *next_to_consume; /* per worker */
	bool *drained;		  /* per worker: finished, and everything it closed consumed */
	struct pending **pending; /* open intervals, sorted by index */
	size_t npending, pending_cap;
	struct op_stats *empty;	 /* nops empty entries: an interval nobody recorded in */
	int64_t next_point;	 /* next interval to emit into the series */
	int64_t max_seen;	 /* highest interval any worker recorded */
	uint64_t nomem_since_ns; /* out of memory for the series since then, 0 = not */
	int series_error;	 /* -ENOMEM: the series lacks what the totals count */
	struct run_result *result;
	size_t points_cap;
	/* run_plan.on_status's: each worker's latest snapshot consumed (NULL: none yet), the
	 * totals handed to the callback, the calls made */
	void **snaps;
	const void **snap_seen;
	struct worker_result *status_workers;
	struct slot_usage *usage; /* per worker: the usage of its latest snapshot */
	unsigned status_count;

	/* where the progress lines go: one printer per output, both may be the same */
	struct printer *status_printer;
	struct printer *line_printer;
	struct printer *notice_printer; /* the stall notices without a status line */
	uint64_t notice_last_ns;	/* when the last stall notice was written */
	uint64_t notice_stalled_ns; /* the last completion before the stall it spoke of, 0: none */

	struct runner_metrics *metrics; /* runner_metrics.c's, NULL when metrics are off */
};

/* ---- series.c ---- */
void op_stats_reset(struct op_stats *s, unsigned nops);
void op_stats_add(struct op_stats *into, const struct op_stats *from);
/*
 * Every allocation of the reporter goes through this (realloc's contract): the product's is a
 * weak realloc, which a unit test replaces to make the n-th allocation fail.
 */
void *series_realloc(void *ptr, size_t size);
/*
 * Merges every closed slot into the pending intervals and the workers' totals. A slot is merged
 * only once its interval has room in the series, so the two always add up; when memory is short
 * the slot waits for the next call (the worker waits for its slot), and returns -ENOMEM. With
 * give_up, such a slot goes into the totals only and the run's series_error says so.
 */
int series_consume(struct runner *r, bool give_up);
/* Emits every interval that no worker can add to any more (all, when final). */
void series_finalize(struct runner *r, bool final);
/* Calls run_plan.on_status with what was consumed so far (struct run_status). */
void series_status(struct runner *r);
void series_free(struct runner *r);

/* ---- progress.c ---- */
/* count per dt_ns as a rate per second, in 128 bits, saturating; 0 for dt_ns 0. */
uint64_t progress_rate(uint64_t count, uint64_t dt_ns);
/* Time left as fio's eta: 00m:13s, or 01h:02m:03s from an hour. */
void progress_eta_text(char *buf, size_t size, uint64_t left_ns);

struct progress_state {
	uint64_t last_ops[PVC_MAX_OPS], last_bytes[PVC_MAX_OPS];
	uint64_t last_ns;
	uint64_t newline_ns; /* --eta-newline: when the status line last began a new line */
	bool tty, printed;
	bool newline_init;    /* newline_ns is set: at the first line */
	bool newline_pending; /* the next status line starts a new line */
};
void progress_init(struct runner *r, struct progress_state *ps, uint64_t now);
/* fio's status line over the time since the last one, to the status printer. */
void progress_status(struct runner *r, struct progress_state *ps, uint64_t now);
/*
 * The status line of the run's last (shorter) interval, once every worker has stopped: over
 * the time from the last line to the last worker's end, counting the workers that ran in it.
 */
void progress_last(struct runner *r, struct progress_state *ps);
/*
 * The line itself, in buf: counts since the last line (ops/bytes per op type, summed over the
 * workers), over dt_ns; running workers; eta_ns left (UINT64_MAX: unknown). Pure, for tests.
 */
void progress_format(char *buf, size_t size, const struct run_plan *plan, const uint64_t *dops,
		     const uint64_t *dbytes, uint64_t dt_ns, unsigned running, uint64_t eta_ns,
		     const char *prefix, const char *suffix);
/* --eta-newline's prefix for the next line at now, fio's cadence: "\n" or "". */
const char *progress_newline(struct progress_state *ps, uint64_t eta_newline_ns, uint64_t now);
/* Clears a terminal's status line at the end of the run. */
void progress_done(struct runner *r, struct progress_state *ps);

/* ---- printer.c ---- */
/*
 * A thread that writes progress lines to one output, so that an output nobody reads blocks that
 * thread only, never the reporter (whose stalling would stall the workers once their slot rings
 * are full). It holds one status line, replaced by the next if not yet written, and an in-order
 * queue of lines, bounded: a line that does not fit is dropped and counted, and once the writer
 * has caught up it writes a note with the count in the lines' place.
 */
#define PRINTER_QUEUE_BYTES 65536
/* printer_stop's bound: the writer has written nothing for this long, it is left behind */
#define PRINTER_STUCK_NS 1000000000ULL

struct printer *printer_start(FILE *out);
void printer_post_status(struct printer *p, const char *line);
void printer_post_line(struct printer *p, const char *line);
/*
 * Returns once every line posted was written, or when the writer has made no progress for
 * PRINTER_STUCK_NS: then it is left running detached (it frees itself) and -ETIMEDOUT returned.
 */
int printer_stop(struct printer *p);

/* ---- stall_track.c ---- */
/* At the worker's start of measurement: its first gap starts there. */
void stall_track_start(struct runner_worker *w, uint64_t now);
/* When the worker's run returned (end): an open stall, the last bucket. */
void stall_track_end(struct runner_worker *w, uint64_t end);
/*
 * The reporter's live notice: how long the run has been stalled at now (0: it is not), from
 * the running workers' last completions.
 */
uint64_t stall_track_live(struct runner *r, uint64_t now);
/* Writes (to the notice printer) the stall notice of now, at most once a second. */
void stall_track_notice(struct runner *r, uint64_t now, bool final);
/* After the run: every worker's stalls with recovery, and the run's, into the result. */
void stall_track_collect(struct runner *r, unsigned started);
void stall_track_free(struct runner *r);
/*
 * A stall's baseline and recovery from a completion timeline (tl: n buckets of bucket_ns from
 * the run's origin; first: the first bucket wholly measured). Pure, for tests.
 */
void stall_recovery(struct stall *s, const uint32_t *tl, size_t n, uint64_t bucket_ns,
		    uint64_t first);

/* ---- runner_metrics.c: every function does nothing when metrics are off ---- */
/* The run's jobs (metrics_on() only), before any worker starts; phase setup. 0 or -ENOMEM. */
int runner_metrics_setup(struct runner *r);
/* At the start barrier: phase ramp when measuring does not start at once. */
void runner_metrics_start(struct runner *r);
/* At each reporter poll: phase run once measuring began, changed totals, every live state. */
void runner_metrics_poll(struct runner *r, uint64_t now);
/* After the run's result is complete: every job's final totals and state, phase done. */
void runner_metrics_final(struct runner *r);
void runner_metrics_free(struct runner *r);

/* ---- placement.c ---- */
/* Pins the calling worker thread to its spec's CPU and NUMA node, where it has them. */
void placement_pin_worker(const struct worker_spec *spec);

#endif
