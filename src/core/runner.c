/*
 * runner.c - the worker threads, the start barrier, the reporter's loop and the run's result
 * (see runner.h; the slot protocol is described in runner_int.h).
 *
 * runner_run sets everything up before any thread starts (so nothing that can fail for memory
 * is left for later but the series, see series.c), starts the printers and the workers, waits
 * for every worker at the start barrier, then runs the reporter in the calling thread until
 * every worker has stopped, and fills the result. A worker stuck in the kernel after a stop
 * request, or a printer stuck on an output nobody reads, is left running detached.
 */
#define _GNU_SOURCE
#include "runner_int.h"
#include "pvcbench/startat.h"
#include "pvcbench/clock.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>

/* How long the reporter waits for a worker stuck in the kernel after a stop request. */
#define STUCK_GRACE_NS 1500000000ULL
/* How long the reporter holds the workers back while memory for the series is short. */
#define NOMEM_GRACE_NS 1000000000ULL

int worker_fail(struct worker *w, int err, const char *fmt, ...)
{
	struct runner_worker *rw = runner_worker_of(w);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rw->error_msg, sizeof(rw->error_msg), fmt, ap);
	va_end(ap);
	rw->error = err < 0 ? err : -EIO;
	return rw->error;
}

int worker_error(const struct worker *w)
{
	return runner_worker_of_const(w)->error;
}

void *worker_arg(const struct worker *w)
{
	return runner_worker_of_const(w)->spec->arg;
}

void *worker_state(const struct worker *w)
{
	return runner_worker_of_const(w)->state;
}

void worker_set_state(struct worker *w, void *state)
{
	runner_worker_of(w)->state = state;
}

unsigned worker_id(const struct worker *w)
{
	return runner_worker_of_const(w)->id;
}

uint64_t worker_next_event_ns(const struct worker *w)
{
	return w->next_event_ns;
}

static void thread_usage(uint64_t *usr_ns, uint64_t *sys_ns, uint64_t *ctx)
{
	struct rusage ru;

	getrusage(RUSAGE_THREAD, &ru);
	*usr_ns =
		(uint64_t)ru.ru_utime.tv_sec * 1000000000ULL + (uint64_t)ru.ru_utime.tv_usec * 1000;
	*sys_ns =
		(uint64_t)ru.ru_stime.tv_sec * 1000000000ULL + (uint64_t)ru.ru_stime.tv_usec * 1000;
	*ctx = (uint64_t)(ru.ru_nvcsw + ru.ru_nivcsw);
}

/* The workload's figures at the end of the worker's current interval, into its slot. */
static void take_snapshot(struct runner_worker *w)
{
	const struct run_plan *plan = w->runner->plan;

	if (!plan->worker_snapshot || w->interval < 0)
		return;
	struct interval_slot *slot = w->slots[w->interval % RUNNER_SLOTS];
	if (!slot->snap)
		return; /* nobody reads snapshots in this run (no on_status) */
	plan->worker_snapshot(&w->hot, slot->snap);
	/* a syscall per interval, for the reports' cpu line */
	uint64_t usr, sys, ctx;
	thread_usage(&usr, &sys, &ctx);
	slot->usage.cpu_usr_ns = usr - w->cpu_start_usr_ns;
	slot->usage.cpu_sys_ns = sys - w->cpu_start_sys_ns;
	slot->usage.ctx = ctx - w->ctx_start;
}

static void switch_interval(struct runner_worker *w, int64_t index)
{
	struct runner *r = w->runner;
	struct interval_slot *slot = w->slots[index % RUNNER_SLOTS];

	/* the slot closing is still the worker's: the reporter reads it once closed says so */
	take_snapshot(w);
	/* intervals before index are final for this worker */
	atomic_store_explicit(&w->closed, index, memory_order_release);
	/* the reporter lags by RUNNER_SLOTS intervals at most; it polls every 100 ms or less */
	while (atomic_load_explicit(&slot->index, memory_order_acquire) >=
	       atomic_load_explicit(&w->consumed, memory_order_acquire))
		usleep(200);
	op_stats_reset(slot->op, r->plan->nops);
	atomic_store_explicit(&slot->index, index, memory_order_release);
	w->hot.cur = slot->op;
	w->interval = index;
}

void worker_stop_run(struct worker *hot)
{
	struct runner *r = runner_worker_of(hot)->runner;

	for (unsigned i = 0; i < r->plan->nworkers; i++)
		atomic_store_explicit(&r->workers[i].hot.run_stopped, true, memory_order_relaxed);
}

bool worker_tick_slow(struct worker *hot, uint64_t now)
{
	struct runner_worker *w = runner_worker_of(hot);
	struct runner *r = w->runner;
	uint64_t interval_ns = r->plan->interval_ns;

	if (signals_stop_requested() || now >= w->deadline_ns ||
	    atomic_load_explicit(&hot->run_stopped, memory_order_relaxed))
		return false;
	if (now < w->measure_start_ns) {
		hot->next_event_ns = w->measure_start_ns;
		return true;
	}
	int64_t index = (int64_t)((now - r->origin_ns) / interval_ns);
	if (w->interval < 0) {
		thread_usage(&w->cpu_start_usr_ns, &w->cpu_start_sys_ns, &w->ctx_start);
		stall_track_start(w, now);
	}
	if (index != w->interval)
		switch_interval(w, index);
	uint64_t boundary = r->origin_ns + (uint64_t)(index + 1) * interval_ns;
	hot->next_event_ns = boundary < w->deadline_ns ? boundary : w->deadline_ns;
	return true;
}

static void *worker_main(void *arg)
{
	struct runner_worker *w = arg;
	struct runner *r = w->runner;
	const struct run_plan *plan = r->plan;
	sigset_t set;
	int ret;

	/* signals go to the reporter (main) thread; workers poll the stop flag */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	placement_pin_worker(w->spec);

	int init_ret = plan->worker_init ? plan->worker_init(&w->hot) : 0;
	ret = init_ret;
	if (ret) {
		if (!w->error)
			worker_fail(&w->hot, ret, "worker %u: initialisation failed", w->id);
		atomic_store(&r->abort_run, 1);
	}
	pthread_mutex_lock(&r->lock);
	r->ready++;
	pthread_cond_broadcast(&r->cond);
	while (!r->go)
		pthread_cond_wait(&r->cond, &r->lock);
	pthread_mutex_unlock(&r->lock);

	if (!atomic_load(&r->abort_run)) {
		w->measure_start_ns = r->t0_ns + w->spec->ramp_ns;
		w->deadline_ns = w->spec->runtime_ns ? w->measure_start_ns + w->spec->runtime_ns
						     : UINT64_MAX;
		w->hot.next_event_ns = 0;
		/* no gap is judged while ramping: stall_track_start sets these at measure start */
		w->hot.gap_ns = w->hot.bucket_end_ns = UINT64_MAX;
		if (worker_tick_slow(&w->hot, clock_now_ns())) {
			ret = plan->worker_run(&w->hot);
			if (ret && !w->error)
				worker_fail(&w->hot, ret, "worker %u: %s", w->id, strerror(-ret));
		}
		w->end_ns = clock_now_ns();
		stall_track_end(w, w->end_ns);
		if (w->interval >= 0) {
			uint64_t usr, sys, ctx;
			thread_usage(&usr, &sys, &ctx);
			w->cpu_usr_ns = usr - w->cpu_start_usr_ns;
			w->cpu_sys_ns = sys - w->cpu_start_sys_ns;
			w->ctx = ctx - w->ctx_start;
		}
	}
	if (w->hot.cur)
		take_snapshot(w); /* before exit, which may free what the snapshot copies */
	/* exit undoes init: after a failed init, only what init left in state */
	if (plan->worker_exit && (!init_ret || w->state))
		plan->worker_exit(&w->hot);
	if (w->hot.cur)
		atomic_store_explicit(&w->closed, w->interval + 1, memory_order_release);
	atomic_store_explicit(&w->finished, 1, memory_order_release);
	/* wake the reporter: the run may be over, and its report should not wait a poll period */
	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* Consumes what the workers closed; holds them back a while if memory for the series is short. */
static void reporter_consume(struct runner *r, uint64_t now)
{
	bool give_up = r->nomem_since_ns && now - r->nomem_since_ns >= NOMEM_GRACE_NS;

	if (!series_consume(r, give_up))
		r->nomem_since_ns = 0;
	else if (!r->nomem_since_ns)
		r->nomem_since_ns = now;
}

static void reporter_loop(struct runner *r)
{
	const struct run_plan *plan = r->plan;
	uint64_t poll_ns =
		plan->interval_ns / 4 < 100000000ULL ? plan->interval_ns / 4 : 100000000ULL;
	uint64_t now = clock_now_ns(), next_progress = now + plan->interval_ns;
	uint64_t stop_seen = 0;
	struct progress_state ps;

	progress_init(r, &ps, now);
	for (;;) {
		unsigned running = 0;
		for (unsigned i = 0; i < plan->nworkers; i++)
			running += !atomic_load_explicit(&r->workers[i].finished,
							 memory_order_acquire);
		now = clock_now_ns();
		reporter_consume(r, now);
		series_finalize(r, false);
		runner_metrics_poll(r, now);
		if (!running) {
			progress_last(r, &ps);
			break;
		}
		if (signals_stop_requested()) {
			if (!stop_seen)
				stop_seen = now;
			else if (now - stop_seen > STUCK_GRACE_NS)
				break; /* a worker is stuck in the kernel: report without it */
		}
		stall_track_notice(r, now, false);
		if (r->status_printer && now >= next_progress) {
			progress_status(r, &ps, now);
			next_progress += plan->interval_ns;
			if (next_progress < now)
				next_progress = now + plan->interval_ns;
		}
		/* sleep a poll period, or less when a worker finishes (it signals cond) */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)poll_ns;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&r->lock);
		unsigned finished = 0;
		for (unsigned i = 0; i < plan->nworkers; i++)
			finished +=
				atomic_load_explicit(&r->workers[i].finished, memory_order_acquire);
		/* a worker that finished since the count above broadcast before we locked */
		if (finished + running == plan->nworkers)
			pthread_cond_timedwait(&r->cond, &r->lock, &until);
		pthread_mutex_unlock(&r->lock);
	}
	stall_track_notice(r, clock_now_ns(), true);
	if (r->status_printer)
		progress_done(r, &ps);
}

/* The last of what the workers closed, once they have stopped: memory gets a few tries. */
static void reporter_consume_final(struct runner *r)
{
	for (int tries = 0;; tries++) {
		bool give_up = tries >= 10;
		if (!series_consume(r, give_up) || give_up)
			break;
		usleep(10000);
	}
	series_finalize(r, true);
}

static int start_printers(struct runner *r)
{
	const struct run_plan *plan = r->plan;
	FILE *lines_out = plan->interval_out ? plan->interval_out : stderr;

	if (plan->progress) {
		r->status_printer = printer_start(plan->progress_out);
		if (!r->status_printer)
			return -ENOMEM;
	}
	if (plan->on_interval) {
		if (r->status_printer && plan->progress_out == lines_out)
			r->line_printer = r->status_printer;
		else
			r->line_printer = printer_start(lines_out);
		if (!r->line_printer)
			return -ENOMEM;
	}
	/* the stall notices, where no status line shows them */
	if (!plan->progress && !plan->stall_quiet) {
		FILE *out = plan->stall_out ? plan->stall_out : stderr;
		if (r->line_printer && lines_out == out)
			r->notice_printer = r->line_printer;
		else
			r->notice_printer = printer_start(out);
		if (!r->notice_printer)
			return -ENOMEM;
	}
	return 0;
}

/* Lets the printers write every line posted, within printer_stop's bound. */
static void stop_printers(struct runner *r)
{
	if (r->notice_printer && r->notice_printer != r->line_printer)
		printer_stop(r->notice_printer);
	if (r->line_printer && r->line_printer != r->status_printer)
		printer_stop(r->line_printer);
	if (r->status_printer)
		printer_stop(r->status_printer);
	r->line_printer = r->status_printer = r->notice_printer = NULL;
}

/* What run_plan.on_status needs, the reporter's: nothing without it. */
static int setup_status(struct runner *r)
{
	const struct run_plan *plan = r->plan;

	if (!plan->on_status || !plan->status_every)
		return 0;
	r->status_workers = calloc(plan->nworkers, sizeof(*r->status_workers));
	r->snap_seen = calloc(plan->nworkers, sizeof(*r->snap_seen));
	r->snaps = calloc(plan->nworkers, sizeof(*r->snaps));
	r->usage = calloc(plan->nworkers, sizeof(*r->usage));
	if (!r->status_workers || !r->snap_seen || !r->snaps || !r->usage)
		return -ENOMEM;
	for (unsigned i = 0; plan->snapshot_size && i < plan->nworkers; i++) {
		r->snaps[i] = calloc(1, plan->snapshot_size);
		if (!r->snaps[i])
			return -ENOMEM;
	}
	return 0;
}

static int runner_setup(struct runner *r, const struct run_plan *plan, struct run_result *res)
{
	size_t nops_size = plan->nops * sizeof(struct op_stats);
	size_t workers_size = plan->nworkers * sizeof(*r->workers);

	r->plan_copy = *plan;
	plan = r->plan = &r->plan_copy;
	r->result = res;
	r->max_seen = -1;
	r->stall_ns =
		plan->stall_threshold_ns ? plan->stall_threshold_ns : STALL_DEFAULT_THRESHOLD_NS;
	r->slot_size = sizeof(struct interval_slot) + nops_size;
	r->pending_size = sizeof(struct pending) + nops_size;
	/* aligned: two workers' hot fields never share a cache line */
	r->workers = aligned_alloc(64, workers_size);
	if (r->workers)
		memset(r->workers, 0, workers_size); /* the teardown frees the slots it finds */
	r->threads = calloc(plan->nworkers, sizeof(*r->threads));
	r->next_to_consume = calloc(plan->nworkers, sizeof(*r->next_to_consume));
	r->drained = calloc(plan->nworkers, sizeof(*r->drained));
	r->empty = malloc(nops_size);
	res->workers = calloc(plan->nworkers, sizeof(*res->workers));
	if (!r->workers || !r->threads || !r->next_to_consume || !r->drained || !r->empty ||
	    !res->workers)
		return -ENOMEM;
	op_stats_reset(r->empty, plan->nops);
	if (setup_status(r) || runner_metrics_setup(r))
		return -ENOMEM;
	for (unsigned i = 0; i < plan->nworkers; i++) {
		struct runner_worker *w = &r->workers[i];
		w->id = i;
		w->spec = &plan->specs[i];
		w->runner = r;
		w->interval = -1;
		w->deadline_ns = UINT64_MAX;
		w->hot.done_mask = plan->stall_ops ? plan->stall_ops : ~0u;
		for (unsigned s = 0; s < RUNNER_SLOTS; s++) {
			w->slots[s] = aligned_alloc(64, (r->slot_size + 63) & ~(size_t)63);
			if (!w->slots[s])
				return -ENOMEM;
			atomic_init(&w->slots[s]->index, -1);
			w->slots[s]->snap = NULL;
			if (plan->snapshot_size && plan->on_status) {
				w->slots[s]->snap = calloc(1, plan->snapshot_size);
				if (!w->slots[s]->snap)
					return -ENOMEM;
			}
		}
		op_stats_reset(res->workers[i].op, plan->nops);
	}
	return start_printers(r);
}

static void runner_teardown(struct runner *r, bool joined)
{
	stop_printers(r);
	for (unsigned i = 0; r->workers && i < r->plan->nworkers; i++) {
		/* a stuck worker may still touch its slots: leave them to the process exit */
		if (!joined && !atomic_load(&r->workers[i].finished))
			continue;
		for (unsigned s = 0; s < RUNNER_SLOTS; s++) {
			if (r->workers[i].slots[s])
				free(r->workers[i].slots[s]->snap);
			free(r->workers[i].slots[s]);
		}
	}
	for (unsigned i = 0; r->snaps && i < r->plan->nworkers; i++)
		free(r->snaps[i]);
	free(r->snaps);
	free(r->snap_seen);
	free(r->status_workers);
	free(r->usage);
	series_free(r);
	runner_metrics_free(r);
	if (joined)
		stall_track_free(r);
	free(r->next_to_consume);
	free(r->drained);
	free(r->threads);
	if (joined)
		free(r->workers);
}

/* Nothing could run: the result says why, and holds no worker. */
static int runner_refuse(struct run_result *res, int err)
{
	free(res->workers);
	res->workers = NULL;
	res->nworkers = 0;
	res->init_failed = true;
	res->error = err;
	return err;
}

/* The measured time, usage and error of every worker, into the result. */
static int collect_workers(struct runner *r, unsigned started)
{
	const struct run_plan *plan = r->plan;
	struct run_result *res = r->result;
	uint64_t now = clock_now_ns();
	int ret = 0;

	for (unsigned i = 0; i < plan->nworkers; i++) {
		struct runner_worker *w = &r->workers[i];
		struct worker_result *wr = &res->workers[i];
		uint64_t measure_start = r->t0_ns + plan->specs[i].ramp_ns;
		uint64_t end = w->end_ns;
		if (i < started && !atomic_load(&w->finished)) {
			/* given up on: it ran until now; its open interval is not counted */
			end = now;
			res->stuck++;
		}
		if (end > measure_start && !res->init_failed)
			wr->runtime_ns = end - measure_start;
		if (end > r->t0_ns && !res->init_failed)
			wr->elapsed_ns = end - r->t0_ns;
		wr->cpu_usr_ns = w->cpu_usr_ns;
		wr->cpu_sys_ns = w->cpu_sys_ns;
		wr->ctx = w->ctx;
		wr->error = w->error;
		memcpy(wr->error_msg, w->error_msg, sizeof(wr->error_msg));
		if (w->error && !ret)
			ret = w->error;
	}
	return ret;
}

int runner_run(const struct run_plan *plan, struct run_result *res)
{
	struct runner *r;
	int ret = 0;
	unsigned started = 0;

	memset(res, 0, sizeof(*res));
	res->nworkers = plan->nworkers;
	res->nops = plan->nops;
	res->interval_ns = plan->interval_ns;
	for (unsigned k = 0; k < plan->nops && k < PVC_MAX_OPS; k++)
		res->op_names[k] = plan->op_names[k];
	if (plan->nops == 0 || plan->nops > PVC_MAX_OPS || plan->nworkers == 0 ||
	    plan->interval_ns < 1000000ULL)
		return runner_refuse(res, -EINVAL);
	r = calloc(1, sizeof(*r));
	if (!r)
		return runner_refuse(res, -ENOMEM);
	ret = runner_setup(r, plan, res);
	if (ret) {
		runner_teardown(r, true);
		free(r);
		return runner_refuse(res, ret);
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	for (; started < plan->nworkers; started++) {
		if (pthread_create(&r->threads[started], NULL, worker_main, &r->workers[started]))
			break;
	}
	if (started < plan->nworkers) {
		/* cannot start them all: release the ones started, with nothing to do */
		atomic_store(&r->abort_run, 1);
		snprintf(r->workers[started].error_msg, sizeof(r->workers[started].error_msg),
			 "cannot start thread %u of %u: %s", started + 1, plan->nworkers,
			 strerror(EAGAIN));
		r->workers[started].error = -EAGAIN;
		for (unsigned i = started; i < plan->nworkers; i++)
			atomic_store(&r->workers[i].finished, 1);
	}
	pthread_mutex_lock(&r->lock);
	while (r->ready < started)
		pthread_cond_wait(&r->cond, &r->lock);
	/* --start-at: every worker is set up; measuring starts at the common time */
	if (!atomic_load(&r->abort_run)) {
		pthread_mutex_unlock(&r->lock);
		if (startat_wait_deferred(stderr)) {
			fprintf(stderr,
				"pvcbench: stopped before the start time; nothing was run\n");
			atomic_store(&r->abort_run, 1);
		}
		pthread_mutex_lock(&r->lock);
	}
	uint64_t min_ramp = UINT64_MAX;
	for (unsigned i = 0; i < plan->nworkers; i++)
		if (plan->specs[i].ramp_ns < min_ramp)
			min_ramp = plan->specs[i].ramp_ns;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	res->start_unix_ms =
		(uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000 + min_ramp / 1000000;
	r->t0_ns = clock_now_ns();
	struct timespec wall;
	clock_gettime(CLOCK_REALTIME, &wall);
	r->t0_unix_ns = (uint64_t)wall.tv_sec * 1000000000ULL + (uint64_t)wall.tv_nsec;
	r->origin_ns = r->t0_ns + min_ramp;
	r->go = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (!atomic_load(&r->abort_run)) {
		runner_metrics_start(r);
		reporter_loop(r);
	}
	bool joined = true;
	for (unsigned i = 0; i < started; i++) {
		if (atomic_load(&r->workers[i].finished) || !signals_stop_requested())
			pthread_join(r->threads[i], NULL);
		else {
			pthread_detach(r->threads[i]);
			joined = false;
		}
	}
	reporter_consume_final(r);
	res->interrupted = signals_stop_requested();
	res->init_failed = atomic_load(&r->abort_run);
	res->detached = !joined;
	res->error = r->series_error;
	ret = collect_workers(r, started);
	stall_track_collect(r, started);
	/* the totals and stalls are final: the metrics' last values are the result's */
	runner_metrics_final(r);
	if (!ret)
		ret = res->error;
	if (joined) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->cond);
	}
	runner_teardown(r, joined);
	if (joined)
		free(r); /* else a stuck worker still points at it: the process exit frees it */
	return ret;
}

void run_result_free(struct run_result *res)
{
	for (unsigned i = 0; res->workers && i < res->nworkers; i++)
		stall_list_free(&res->workers[i].stalls);
	stall_list_free(&res->stalls);
	free(res->workers);
	free(res->points);
	res->workers = NULL;
	res->points = NULL;
	res->npoints = 0;
}

void run_result_total(const struct run_result *r, unsigned op, struct op_stats *into,
		      uint64_t *runtime_ns)
{
	uint64_t longest = 0;

	op_stats_reset(into, 1);
	for (unsigned i = 0; r->workers && i < r->nworkers; i++) {
		op_stats_add(into, &r->workers[i].op[op]);
		if (r->workers[i].runtime_ns > longest)
			longest = r->workers[i].runtime_ns;
	}
	if (runtime_ns)
		*runtime_ns = longest;
}
