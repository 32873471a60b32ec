/*
 * runner.h - runs N worker threads of a workload together and measures them.
 *
 * Each worker initialises (opens files, sets up its engine) before a common start barrier, runs
 * through its ramp time (nothing recorded), then records every operation into its own interval
 * slot: plain counters and a histogram per operation type, with no lock, atomic read-modify-write
 * or shared cache line on the hot path. When a worker's clock crosses an interval boundary it
 * publishes the slot (a release store of its "closed" index) and moves to the next slot of its
 * ring. A reporter thread consumes closed slots, merges them across workers into the per-interval
 * time series and into each worker's totals, and hands the progress lines to a printer thread.
 * So the series and the totals are made from the same recorded data and always add up (or the
 * run fails with -ENOMEM and says so in run_result.error).
 *
 * A worker stops at its deadline, when its workload says it is done (size reached), on error, or
 * when a stop is requested (SIGINT/SIGTERM through signals.h, or signals_request_stop).
 */
#ifndef PVCBENCH_RUNNER_H
#define PVCBENCH_RUNNER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pvcbench/hist.h"
#include "pvcbench/signals.h"
#include "pvcbench/stall.h"

#define PVC_MAX_OPS 4 /* operation types per run: read/write, txn, produce/consume */

/* Counts and latency of one operation type. */
struct op_stats {
	uint64_t ops, bytes, errors;
	struct hist lat;
};

struct worker_spec {
	uint64_t ramp_ns;    /* after the start barrier, not recorded */
	uint64_t runtime_ns; /* measured time after the ramp; 0 = until the workload is done */
	int cpu;	     /* pin to this CPU, -1 = no pinning */
	int numa_node;	     /* bind to this node (libnuma), -1 = none */
	void *arg;	     /* the workload's, for this worker */
};

/*
 * The part of a worker that the inline functions below touch on every operation: the runner's,
 * never the workload's, which reaches everything else through the functions below. The rest of
 * the worker (its slots, its published interval, its usage and error) is the runner's own
 * (src/core/runner_int.h), around this struct.
 */
struct worker {
	struct op_stats *cur; /* the current interval's counts (nops entries), NULL while ramping */
	uint64_t next_event_ns; /* ramp end, next interval boundary or deadline */
	uint64_t live_ops[PVC_MAX_OPS], live_bytes[PVC_MAX_OPS];
	/* the live counts, published to the reporter for the status line */
	_Atomic uint64_t live_ops_pub[PVC_MAX_OPS], live_bytes_pub[PVC_MAX_OPS];
	/* another worker of the run ended it (worker_stop_run): stop as at a deadline */
	atomic_bool run_stopped;
	/*
	 * Outage windows (stall.h): done counts completions (worker_record), done_seen what
	 * worker_tick has seen of them, last_done_ns when it last saw one. The slow path runs only
	 * when a gap reaches gap_ns, a failure is pending or the completion timeline's bucket ends.
	 */
	uint64_t done, done_seen, last_done_ns, gap_ns, bucket_end_ns;
	uint64_t gap_failures;		/* failures since the last completion */
	unsigned done_mask;		/* run_plan.stall_ops, every bit set for 0 */
	_Atomic uint64_t last_done_pub; /* last_done_ns, for the reporter's live notice */
	/* live metrics (metrics.h): worker_set_inflight_since, worker_set_schedule_lag */
	_Atomic uint64_t inflight_since_pub, sched_lag_pub;
};

struct series_point;
struct run_status;

struct run_plan {
	unsigned nworkers;
	unsigned nops;
	const char *op_names[PVC_MAX_OPS]; /* "read", "write", ... */
	const struct worker_spec *specs;   /* nworkers entries */
	uint64_t interval_ns;		   /* time series resolution, default 1 s */
	bool progress;			   /* print the live status line */
	FILE *progress_out;		   /* stderr */
	const char *progress_label;	   /* e.g. the job name */
	/* the workload's: called in the worker thread */
	int (*worker_init)(struct worker *w);
	int (*worker_run)(struct worker *w);
	void (*worker_exit)(struct worker *w);
	/*
	 * Optional: called in the reporter thread as each interval becomes final, with the point
	 * and the merged counts and histograms of that interval (nops entries). last is true for
	 * the final interval of the run, which may be shorter than interval_ns. It may write the
	 * workload's progress line(s) for the interval into line (size bytes, NUL-terminated,
	 * empty for none); the runner's printer thread writes them to interval_out in order, so a
	 * stdout or stderr that nobody reads never stalls the reporter or the workers. The queue is
	 * bounded (64 KiB): lines that do not fit are dropped, and a note with their count stands
	 * in their place. Every line queued is written before runner_run returns, unless the output
	 * takes nothing for a second: then the printer is left behind, and interval_out must stay
	 * open.
	 */
	void (*on_interval)(void *arg, const struct series_point *pt, const struct op_stats *ops,
			    bool last, char *line, size_t size);
	void *on_interval_arg;
	FILE *interval_out; /* where on_interval's lines go: stdout or stderr */
	/*
	 * Optional, fio's --status-interval: every status_every intervals (0 = never) the
	 * reporter calls on_status with the run so far (struct run_status). snapshot_size bytes
	 * of the workload's own figures come with each worker's totals: worker_snapshot copies
	 * them in the worker thread, at each of its interval boundaries and when it stops, into
	 * memory the reporter reads only once that interval is closed, so that they match the
	 * totals of the same intervals and nothing is read while a worker writes it. Nothing is
	 * added to the hot path.
	 */
	unsigned status_every;
	size_t snapshot_size;
	void (*worker_snapshot)(struct worker *w, void *into);
	void (*on_status)(void *arg, const struct run_status *st);
	void *on_status_arg;
	/*
	 * Outage windows (stall.h): a gap with no completed operation of at least this long is a
	 * stall (0: STALL_DEFAULT_THRESHOLD_NS). While the run is stalled, the status line says
	 * "stalled 3.2s"; without a status line (progress false) the runner writes a notice line
	 * to stall_out (NULL: stderr) once per interval (at most once a second) while it lasts,
	 * and one when completions resume, unless stall_quiet.
	 */
	uint64_t stall_threshold_ns;
	FILE *stall_out;
	bool stall_quiet;
	/*
	 * The operation types that count as completions for the outage windows (bit k: op k;
	 * 0: every type). An operation type that records the same completion again from another
	 * clock (Kafka's produce_scheduled) is left out, so that rates are the operations'.
	 */
	unsigned stall_ops;
	/*
	 * fio's --eta-newline: on a terminal the status line rewrites itself, and once this long
	 * has passed since the last new line the next one starts a new line (0 = never).
	 */
	uint64_t eta_newline_ns;
	/*
	 * Live metrics (metrics.h): the job each worker belongs to (nworkers entries; NULL: every
	 * worker is progress_label's job, or the command's name), and the run's number in its
	 * command (command.c sets it after the workload's plan: 0, 1, ...). A NULL entry leaves
	 * that worker out of the metrics (a block job with stats=0, in no report either). Without
	 * worker_jobs and progress_label the job is "default".
	 */
	const char *const *worker_jobs;
	unsigned metrics_run;
};

struct series_op {
	uint64_t ops, bytes, errors;
	uint64_t lat_mean_ns, lat_max_ns, lat_p99_ns;
};

struct series_point {
	uint64_t start_ms;    /* from the start of measurement */
	uint64_t duration_ms; /* the interval, or less for the last one */
	struct series_op op[PVC_MAX_OPS];
};

struct worker_result {
	uint64_t runtime_ns; /* measured time: ramp end to the worker's stop */
	uint64_t elapsed_ns; /* wall time: start barrier to the worker's stop, ramp included */
	uint64_t cpu_usr_ns, cpu_sys_ns, ctx; /* the worker thread's, over the measured time */
	int error;
	char error_msg[256];
	struct op_stats op[PVC_MAX_OPS];
	struct stall_list stalls; /* the worker's own outage windows, with recovery */
};

struct run_result {
	unsigned nworkers, nops;
	const char *op_names[PVC_MAX_OPS];
	/*
	 * nworkers entries, or NULL (and nworkers 0) when runner_run failed before it could start
	 * (a bad plan, out of memory): check it before reading a worker's result.
	 */
	struct worker_result *workers;
	struct series_point *points;
	size_t npoints;
	uint64_t interval_ns;
	uint64_t start_unix_ms; /* wall clock at the start barrier */
	bool interrupted;	/* stopped by a signal */
	/* nothing ran: a worker failed before the start barrier, or the runner could not start */
	bool init_failed;
	/*
	 * The runner's own failure, not a worker's (runner_run returns it too): -ENOMEM when memory
	 * ran out for the series, which then lacks what the totals count; -EINVAL for a bad plan;
	 * -ENOMEM when the run could not be set up (then init_failed too). 0 otherwise.
	 */
	int error;
	/*
	 * Workers still waiting for the kernel 1.5 s after a stop request: reported with what they
	 * had completed before their current interval, and left running detached. Their specs (and
	 * whatever the specs point to) must then stay allocated: detached is true.
	 */
	unsigned stuck;
	bool detached;
	/*
	 * The run's outage windows: when no worker completed anything (the intersection of the
	 * workers' stalls), recovery from the sum of their completions. Failures by cause over the
	 * whole run are in stalls.causes / stalls.run_failures.
	 */
	struct stall_list stalls;
};

/*
 * The run so far, for run_plan.on_status: what the reporter has consumed of each worker. Each
 * worker's totals (workers[i].op, runtime_ns and elapsed_ns up to the end of the last interval
 * consumed; the thread's usage as of its latest snapshot; the error fields are zero) and its
 * workload snapshot (snapshots[i], NULL until the first) are of the same intervals, though two
 * workers may be an interval apart.
 * Everything is the reporter's own and valid during the call only.
 */
struct run_status {
	struct run_result run; /* workers: nworkers entries; no points */
	const void *const *snapshots;
	uint64_t elapsed_ns; /* since the start barrier */
	unsigned count;	     /* 1 for the first call of the run */
};

/*
 * Runs the plan to the end and fills result (free it with run_result_free, whatever it returned).
 * Returns 0 when every worker ran, the first worker's negative errno, or the runner's own
 * (result.error); result holds what was measured either way.
 */
int runner_run(const struct run_plan *plan, struct run_result *result);
void run_result_free(struct run_result *result);

/*
 * Sums every worker's totals of one operation type; runtime is the longest worker's (zeros when
 * result.workers is NULL).
 */
void run_result_total(const struct run_result *r, unsigned op, struct op_stats *into,
		      uint64_t *runtime_ns);

/*
 * Checks that a worker may be pinned to cpu (-1: none) and bound to NUMA node (-1: none) on this
 * machine. Returns 0, or -EINVAL with a one-line message in err.
 */
int runner_check_placement(int cpu, int node, char *err, size_t err_size);

/* The workload's argument for this worker (worker_spec.arg). */
void *worker_arg(const struct worker *w);
/* The workload's per-worker state, set by its worker_init. */
void *worker_state(const struct worker *w);
void worker_set_state(struct worker *w, void *state);
/* The worker's number, 0 .. nworkers - 1. */
unsigned worker_id(const struct worker *w);
/* When the worker must call worker_tick next (ns, clock.h): a bound for its waits. */
uint64_t worker_next_event_ns(const struct worker *w);

/* Called by a workload's run when it fails: keeps a message and returns err. */
int worker_fail(struct worker *w, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The negative errno the worker failed with (worker_fail), 0 while it has not failed. */
int worker_error(const struct worker *w);

/*
 * Ends the run for every worker of it, as their deadline would (not a stop request: the run is
 * not interrupted, and later runs go on). fio's exitall: when one job ends, the others of its
 * group stop. Safe to call from any worker, any number of times.
 */
void worker_stop_run(struct worker *w);
/* Slow path of worker_tick: ramp end, interval boundary, deadline. */
bool worker_tick_slow(struct worker *w, uint64_t now);
/* Slow path of worker_tick's completion check: a gap to judge, failures, a timeline bucket. */
void worker_done_slow(struct worker *w, uint64_t now);

/*
 * Takes the completions recorded since the last call as having happened at now (for the outage
 * windows): worker_tick does it too; a workload that ticks before it records a batch calls this
 * after recording it, so that a completion is never stamped late.
 */
static inline void worker_note_done(struct worker *w, uint64_t now)
{
	if (w->done != w->done_seen) {
		if (__builtin_expect(now - w->last_done_ns >= w->gap_ns || w->gap_failures ||
					     now >= w->bucket_end_ns,
				     0))
			worker_done_slow(w, now);
		else
			w->last_done_ns = now;
		w->done_seen = w->done;
		atomic_store_explicit(&w->last_done_pub, w->last_done_ns, memory_order_relaxed);
	}
}

/*
 * Called with a fresh timestamp at least once per completion batch (best after recording it:
 * the completions recorded since the last call are taken to have happened at now). Returns false
 * when the worker must stop (deadline or stop request).
 */
static inline bool worker_tick(struct worker *w, uint64_t now)
{
	worker_note_done(w, now);
	if (__builtin_expect(now >= w->next_event_ns, 0))
		return worker_tick_slow(w, now);
	return !signals_stop_requested() &&
	       !atomic_load_explicit(&w->run_stopped, memory_order_relaxed);
}

/* Records one completed operation. Nothing is recorded while ramping (the live counts count). */
static inline void worker_record(struct worker *w, unsigned op, uint64_t lat_ns, uint64_t bytes)
{
	struct op_stats *s = w->cur;

	w->done += (w->done_mask >> op) & 1;
	/* the status line shows the ramp's real rates: the live counts run from the start */
	w->live_ops[op]++;
	w->live_bytes[op] += bytes;
	atomic_store_explicit(&w->live_ops_pub[op], w->live_ops[op], memory_order_relaxed);
	atomic_store_explicit(&w->live_bytes_pub[op], w->live_bytes[op], memory_order_relaxed);
	if (!s)
		return;
	s[op].ops++;
	s[op].bytes += bytes;
	hist_record(&s[op].lat, lat_ns);
}

/* Records one failed operation (counted, never dropped). */
static inline void worker_record_error(struct worker *w, unsigned op)
{
	if (w->cur)
		w->cur[op].errors++;
}

/*
 * Records one failed operation with its cause, for the outage windows: an errno name ("EIO",
 * stall_errno_cause), a SQLSTATE ("57P01"), a Kafka error name ("_TRANSPORT"). Counts it as
 * worker_record_error does. Not for the hot path of successful operations (a function call
 * and a short table search).
 */
void worker_record_failure(struct worker *w, unsigned op, const char *cause);
/* The cause name of a negative or positive errno: "EIO", "ENOSPC" ("errno 1234" if unknown). */
const char *stall_errno_cause(int err);

/*
 * Live metrics (metrics.h), for the age of the oldest operation in flight: the issue time
 * (clock_now_ns) of the worker's oldest operation still in flight, 0 when none is. A relaxed
 * store: publish it once per submission or completion batch, not per operation.
 */
static inline void worker_set_inflight_since(struct worker *w, uint64_t issue_ns)
{
	atomic_store_explicit(&w->inflight_since_pub, issue_ns, memory_order_relaxed);
}

/* Live metrics: how far behind its rate limit's schedule the worker is (ns, 0: on time). */
static inline void worker_set_schedule_lag(struct worker *w, uint64_t lag_ns)
{
	atomic_store_explicit(&w->sched_lag_pub, lag_ns, memory_order_relaxed);
}

/* True once the ramp is over and operations are being recorded. */
static inline bool worker_measuring(const struct worker *w)
{
	return w->cur != NULL;
}

#endif
