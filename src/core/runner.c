/*
 * runner.c - worker threads, the start barrier, interval slots and the reporter (see runner.h).
 *
 * The slot protocol is single-producer/single-consumer per worker: the worker writes only the
 * slot it holds, and reuses a slot only after the reporter has consumed the interval it held
 * (consumed > index); the reporter reads a slot only for an interval below the worker's closed
 * index and only if the slot still holds that interval. So no lock is needed anywhere.
 */
#define _GNU_SOURCE
#include "pvcbench/runner.h"
#include "pvcbench/startat.h"
#include "pvcbench/clock.h"
#include "pvcbench/fmt.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <unistd.h>
#ifdef PVC_HAVE_NUMA
#include <numa.h>
#endif

/* How long the reporter waits for a worker stuck in the kernel after a stop request. */
#define STUCK_GRACE_NS 1500000000ULL

struct pending {
	int64_t index;
	struct op_stats op[];
};

struct runner {
	const struct run_plan *plan; /* = &plan_copy: a detached worker may outlive the caller's */
	struct run_plan plan_copy;
	struct worker *workers;
	pthread_t *threads;
	/* the start barrier: workers count themselves ready, then wait for go */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned ready;
	bool go;
	atomic_int abort_run; /* a worker failed to initialise: nobody runs */
	uint64_t t0_ns;	      /* start barrier released */
	uint64_t origin_ns;   /* interval 0 starts here: t0 + the shortest ramp */
	size_t slot_size, pending_size;

	/* the reporter's own */
	int64_t *next_to_consume; /* per worker */
	bool *drained;		  /* per worker: finished, and everything it closed consumed */
	struct pending **pending; /* open intervals, sorted by index */
	size_t npending, pending_cap;
	int64_t next_point; /* next interval to emit into the series */
	int64_t max_seen;   /* highest interval any worker recorded */
	struct run_result *result;
	size_t points_cap;
};

int worker_fail(struct worker *w, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->error_msg, sizeof(w->error_msg), fmt, ap);
	va_end(ap);
	w->error = err < 0 ? err : -EIO;
	return w->error;
}

void *worker_arg(const struct worker *w)
{
	return w->spec->arg;
}

void *worker_state(const struct worker *w)
{
	return w->state;
}

void worker_set_state(struct worker *w, void *state)
{
	w->state = state;
}

unsigned worker_id(const struct worker *w)
{
	return w->id;
}

uint64_t worker_next_event_ns(const struct worker *w)
{
	return w->next_event_ns;
}

static void op_stats_reset(struct op_stats *s, unsigned nops)
{
	for (unsigned i = 0; i < nops; i++) {
		s[i].ops = s[i].bytes = s[i].errors = 0;
		hist_init(&s[i].lat);
	}
}

static void op_stats_add(struct op_stats *into, const struct op_stats *from)
{
	into->ops += from->ops;
	into->bytes += from->bytes;
	into->errors += from->errors;
	hist_merge(&into->lat, &from->lat);
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

static void switch_interval(struct worker *w, int64_t index)
{
	struct runner *r = w->runner;
	struct interval_slot *slot = w->slots[index % RUNNER_SLOTS];

	/* intervals before index are final for this worker */
	atomic_store_explicit(&w->closed, index, memory_order_release);
	/* the reporter lags by RUNNER_SLOTS intervals at most; it polls every 100 ms or less */
	while (atomic_load_explicit(&slot->index, memory_order_acquire) >=
	       atomic_load_explicit(&w->consumed, memory_order_acquire))
		usleep(200);
	op_stats_reset(slot->op, r->plan->nops);
	atomic_store_explicit(&slot->index, index, memory_order_release);
	w->cur = slot;
	w->interval = index;
}

bool worker_tick_slow(struct worker *w, uint64_t now)
{
	struct runner *r = w->runner;
	uint64_t interval_ns = r->plan->interval_ns;

	if (signals_stop_requested() || now >= w->deadline_ns)
		return false;
	if (now < w->measure_start_ns) {
		w->next_event_ns = w->measure_start_ns;
		return true;
	}
	int64_t index = (int64_t)((now - r->origin_ns) / interval_ns);
	if (w->interval < 0)
		thread_usage(&w->cpu_start_usr_ns, &w->cpu_start_sys_ns, &w->ctx_start);
	if (index != w->interval)
		switch_interval(w, index);
	uint64_t boundary = r->origin_ns + (uint64_t)(index + 1) * interval_ns;
	w->next_event_ns = boundary < w->deadline_ns ? boundary : w->deadline_ns;
	return true;
}

static void pin_worker(struct worker *w)
{
	if (w->spec->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(w->spec->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
#ifdef PVC_HAVE_NUMA
	if (w->spec->numa_node >= 0 && numa_available() >= 0) {
		numa_run_on_node(w->spec->numa_node);
		numa_set_preferred(w->spec->numa_node);
	}
#endif
}

int runner_check_placement(int cpu, int node, char *err, size_t err_size)
{
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);

	if (cpu >= 0 && (cpu >= CPU_SETSIZE || cpu >= ncpus)) {
		snprintf(err, err_size, "CPU %d does not exist (this machine has CPUs 0-%ld)", cpu,
			 ncpus - 1);
		return -EINVAL;
	}
	if (node < 0)
		return 0;
#ifdef PVC_HAVE_NUMA
	if (numa_available() < 0) {
		snprintf(err, err_size, "NUMA node %d: this kernel has no NUMA support", node);
		return -EINVAL;
	}
	if (node > numa_max_node()) {
		snprintf(err, err_size, "NUMA node %d does not exist (this machine has nodes 0-%d)",
			 node, numa_max_node());
		return -EINVAL;
	}
	return 0;
#else
	snprintf(err, err_size, "NUMA node %d: pvcbench was built without libnuma", node);
	return -EINVAL;
#endif
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
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
	pin_worker(w);

	int init_ret = plan->worker_init ? plan->worker_init(w) : 0;
	ret = init_ret;
	if (ret) {
		if (!w->error)
			worker_fail(w, ret, "worker %u: initialisation failed", w->id);
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
		w->next_event_ns = 0;
		if (worker_tick_slow(w, clock_now_ns())) {
			ret = plan->worker_run(w);
			if (ret && !w->error)
				worker_fail(w, ret, "worker %u: %s", w->id, strerror(-ret));
		}
		w->end_ns = clock_now_ns();
		if (w->interval >= 0) {
			uint64_t usr, sys, ctx;
			thread_usage(&usr, &sys, &ctx);
			w->cpu_usr_ns = usr - w->cpu_start_usr_ns;
			w->cpu_sys_ns = sys - w->cpu_start_sys_ns;
			w->ctx = ctx - w->ctx_start;
		}
	}
	/* exit undoes init: after a failed init, only what init left in state */
	if (plan->worker_exit && (!init_ret || w->state))
		plan->worker_exit(w);
	if (w->cur)
		atomic_store_explicit(&w->closed, w->interval + 1, memory_order_release);
	atomic_store_explicit(&w->finished, 1, memory_order_release);
	/* wake the reporter: the run may be over, and its report should not wait a poll period */
	pthread_mutex_lock(&r->lock);
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

/* ---- the reporter ---- */

static struct pending *pending_get(struct runner *r, int64_t index)
{
	size_t i = 0;

	while (i < r->npending && r->pending[i]->index < index)
		i++;
	if (i < r->npending && r->pending[i]->index == index)
		return r->pending[i];
	if (r->npending == r->pending_cap) {
		size_t cap = r->pending_cap ? 2 * r->pending_cap : 16;
		struct pending **p = realloc(r->pending, cap * sizeof(*p));
		if (!p)
			return NULL;
		r->pending = p;
		r->pending_cap = cap;
	}
	struct pending *p = malloc(r->pending_size);
	if (!p)
		return NULL;
	p->index = index;
	op_stats_reset(p->op, r->plan->nops);
	memmove(&r->pending[i + 1], &r->pending[i], (r->npending - i) * sizeof(*r->pending));
	r->pending[i] = p;
	r->npending++;
	return p;
}

static void consume(struct runner *r)
{
	const struct run_plan *plan = r->plan;

	for (unsigned i = 0; i < plan->nworkers; i++) {
		struct worker *w = &r->workers[i];
		/* finished first: then closed, read after it, is the worker's last word */
		bool finished = atomic_load_explicit(&w->finished, memory_order_acquire);
		int64_t closed = atomic_load_explicit(&w->closed, memory_order_acquire);

		for (int64_t j = r->next_to_consume[i]; j < closed; j++) {
			struct interval_slot *s = w->slots[j % RUNNER_SLOTS];
			if (atomic_load_explicit(&s->index, memory_order_acquire) != j)
				continue; /* the worker recorded nothing in interval j */
			struct pending *p = pending_get(r, j);
			for (unsigned k = 0; k < plan->nops; k++) {
				if (p)
					op_stats_add(&p->op[k], &s->op[k]);
				op_stats_add(&r->result->workers[i].op[k], &s->op[k]);
			}
			if (j > r->max_seen)
				r->max_seen = j;
		}
		if (closed > r->next_to_consume[i]) {
			r->next_to_consume[i] = closed;
			atomic_store_explicit(&w->consumed, closed, memory_order_release);
		}
		if (finished)
			r->drained[i] = true;
	}
}

/* When the last worker stopped (now, for one still running). */
static uint64_t last_end_ns(struct runner *r)
{
	uint64_t last_end = 0;

	for (unsigned i = 0; i < r->plan->nworkers; i++) {
		struct worker *w = &r->workers[i];
		uint64_t end = atomic_load(&w->finished) ? w->end_ns : clock_now_ns();
		if (end > last_end)
			last_end = end;
	}
	return last_end;
}

static int emit_point(struct runner *r, int64_t index, const struct pending *p, bool last)
{
	struct run_result *res = r->result;

	if (res->npoints == r->points_cap) {
		size_t cap = r->points_cap ? 2 * r->points_cap : 64;
		struct series_point *pts = realloc(res->points, cap * sizeof(*pts));
		if (!pts)
			return -ENOMEM;
		res->points = pts;
		r->points_cap = cap;
	}
	struct series_point *pt = &res->points[res->npoints++];
	memset(pt, 0, sizeof(*pt));
	pt->start_ms = (uint64_t)index * (r->plan->interval_ns / 1000000);
	pt->duration_ms = r->plan->interval_ns / 1000000;
	if (last) {
		/* the last interval ends when the last worker stopped: rates over it use that */
		uint64_t start = r->origin_ns + pt->start_ms * 1000000ULL, end = last_end_ns(r);
		if (end > start && end - start < r->plan->interval_ns)
			pt->duration_ms = fmt_fio_msec(end - start);
	}
	for (unsigned k = 0; p && k < r->plan->nops; k++) {
		const struct op_stats *s = &p->op[k];
		pt->op[k].ops = s->ops;
		pt->op[k].bytes = s->bytes;
		pt->op[k].errors = s->errors;
		pt->op[k].lat_mean_ns = (uint64_t)(hist_mean(&s->lat) + 0.5);
		pt->op[k].lat_max_ns = s->lat.count ? s->lat.max : 0;
		pt->op[k].lat_p99_ns = hist_value_at(&s->lat, 99.0);
	}
	if (r->plan->on_interval) {
		char line[1024] = "";
		if (p) {
			r->plan->on_interval(r->plan->on_interval_arg, pt, p->op, last, line,
					     sizeof(line));
		} else {
			/* nobody recorded anything: the callback still sees the interval */
			struct pending *empty = malloc(r->pending_size);
			if (!empty)
				return -ENOMEM;
			op_stats_reset(empty->op, r->plan->nops);
			r->plan->on_interval(r->plan->on_interval_arg, pt, empty->op, last, line,
					     sizeof(line));
			free(empty);
		}
		/* TODO(runner split): through the printer thread */
		if (line[0]) {
			FILE *out = r->plan->interval_out ? r->plan->interval_out : stderr;
			fputs(line, out);
			fflush(out);
		}
	}
	return 0;
}

/* Emits every interval that no worker can add to any more (all, when final). */
static void finalize(struct runner *r, bool final)
{
	int64_t limit = INT64_MAX;

	if (!final) {
		/* a worker still running may add to any interval it has not closed and we consumed */
		for (unsigned i = 0; i < r->plan->nworkers; i++) {
			if (!r->drained[i] && r->next_to_consume[i] < limit)
				limit = r->next_to_consume[i];
		}
	}
	bool all_done = limit == INT64_MAX; /* no worker can add anything */
	if (all_done)
		limit = r->max_seen + 1;
	while (r->next_point < limit && r->next_point <= r->max_seen) {
		struct pending *p = NULL;
		if (r->npending && r->pending[0]->index == r->next_point) {
			p = r->pending[0];
			memmove(&r->pending[0], &r->pending[1],
				(r->npending - 1) * sizeof(*r->pending));
			r->npending--;
		}
		emit_point(r, r->next_point, p, all_done && r->next_point == r->max_seen);
		free(p);
		r->next_point++;
	}
}

static void eta_text(char *buf, size_t size, uint64_t left_ns)
{
	uint64_t s = (left_ns + 999999999ULL) / 1000000000ULL;

	if (s >= 3600)
		snprintf(buf, size, "%02luh:%02lum:%02lus", (unsigned long)(s / 3600),
			 (unsigned long)(s / 60 % 60), (unsigned long)(s % 60));
	else
		snprintf(buf, size, "%02lum:%02lus", (unsigned long)(s / 60),
			 (unsigned long)(s % 60));
}

/*
 * The status line is written by a thread of its own: a stderr that nobody reads (a full pipe)
 * blocks that thread only, never the reporter, whose stalling would stall the workers once their
 * slot rings are full. A line not yet written when the next comes is replaced by it.
 */
struct printer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	FILE *out;
	char line[512];
	bool pending, stop;
	atomic_bool done;
};

static void *printer_main(void *arg)
{
	struct printer *p = arg;
	char line[sizeof(p->line)];

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->pending && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if (!p->pending)
			break;
		memcpy(line, p->line, sizeof(line));
		p->pending = false;
		pthread_mutex_unlock(&p->lock);
		fputs(line, p->out);
		fflush(p->out);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	atomic_store(&p->done, true);
	return NULL;
}

static struct printer *printer_start(FILE *out)
{
	struct printer *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->out = out;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->thread, NULL, printer_main, p)) {
		free(p);
		return NULL;
	}
	return p;
}

static void printer_post(struct printer *p, const char *line)
{
	pthread_mutex_lock(&p->lock);
	snprintf(p->line, sizeof(p->line), "%s", line);
	p->pending = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* Lets the printer finish its last line; a printer stuck on a full pipe is left behind. */
static void printer_stop(struct printer *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < 50 && !atomic_load(&p->done); i++)
		usleep(2000);
	if (!atomic_load(&p->done)) {
		pthread_detach(p->thread);
		return; /* it still uses p: the process exit frees it */
	}
	pthread_join(p->thread, NULL);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	free(p);
}

/* fio's status line: Jobs: 1 (f=1): [r=217MiB/s][r=55.6k IOPS][eta 00m:13s] */
static void print_progress(struct runner *r, struct printer *printer, uint64_t now,
			   uint64_t *last_ops, uint64_t *last_bytes, uint64_t *last_ns, bool tty)
{
	const struct run_plan *plan = r->plan;
	uint64_t dt = now - *last_ns;
	char bw[160] = "", iops[160] = "", eta[32] = "", num[32];
	unsigned running = 0;
	uint64_t end = 0;

	if (!dt)
		return;
	for (unsigned i = 0; i < plan->nworkers; i++) {
		const struct worker *w = &r->workers[i];
		if (!atomic_load(&w->finished))
			running++;
		uint64_t e = r->t0_ns + w->spec->ramp_ns + w->spec->runtime_ns;
		if (w->spec->runtime_ns && e > end)
			end = e;
	}
	for (unsigned k = 0; k < plan->nops; k++) {
		uint64_t ops = 0, bytes = 0;
		for (unsigned i = 0; i < plan->nworkers; i++) {
			ops += atomic_load_explicit(&r->workers[i].live_ops_pub[k],
						    memory_order_relaxed);
			bytes += atomic_load_explicit(&r->workers[i].live_bytes_pub[k],
						      memory_order_relaxed);
		}
		uint64_t dops = ops - last_ops[k], dbytes = bytes - last_bytes[k];
		last_ops[k] = ops;
		last_bytes[k] = bytes;
		size_t lb = strlen(bw), li = strlen(iops);
		fmt_fio_num(num, sizeof(num), dbytes * 1000000000ULL / dt, 4, FMT_IEC, "B/s");
		snprintf(bw + lb, sizeof(bw) - lb, "%s%c=%s", k ? "," : "", plan->op_names[k][0],
			 num);
		fmt_fio_num(num, sizeof(num), dops * 1000000000ULL / dt, 4, FMT_SI, "");
		snprintf(iops + li, sizeof(iops) - li, "%s%c=%s", k ? "," : "",
			 plan->op_names[k][0], num);
	}
	*last_ns = now;
	if (end > now)
		eta_text(eta, sizeof(eta), end - now);
	else
		snprintf(eta, sizeof(eta), "--m:--s");
	char line[512];
	snprintf(line, sizeof(line), "%sJobs: %u (f=%u): [%s][%s IOPS][eta %s]%s", tty ? "\r" : "",
		 running, running, bw, iops, eta, tty ? "\033[K" : "\n");
	printer_post(printer, line);
}

static void reporter_loop(struct runner *r)
{
	const struct run_plan *plan = r->plan;
	uint64_t poll_ns =
		plan->interval_ns / 4 < 100000000ULL ? plan->interval_ns / 4 : 100000000ULL;
	uint64_t last_ops[PVC_MAX_OPS] = { 0 }, last_bytes[PVC_MAX_OPS] = { 0 };
	uint64_t last_ns = clock_now_ns(), next_progress = last_ns + plan->interval_ns;
	uint64_t stop_seen = 0;
	bool tty = plan->progress && isatty(fileno(plan->progress_out));
	bool printed = false;
	struct printer *printer = plan->progress ? printer_start(plan->progress_out) : NULL;

	for (;;) {
		unsigned running = 0;
		for (unsigned i = 0; i < plan->nworkers; i++)
			running += !atomic_load_explicit(&r->workers[i].finished,
							 memory_order_acquire);
		consume(r);
		finalize(r, false);
		if (!running)
			break;
		uint64_t now = clock_now_ns();
		if (signals_stop_requested()) {
			if (!stop_seen)
				stop_seen = now;
			else if (now - stop_seen > STUCK_GRACE_NS)
				break; /* a worker is stuck in the kernel: report without it */
		}
		if (printer && now >= next_progress) {
			print_progress(r, printer, now, last_ops, last_bytes, &last_ns, tty);
			printed = true;
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
	if (printed && tty)
		printer_post(printer, "\r\033[K");
	if (printer)
		printer_stop(printer);
}

static int runner_setup(struct runner *r, const struct run_plan *plan, struct run_result *res)
{
	r->plan_copy = *plan;
	plan = r->plan = &r->plan_copy;
	r->result = res;
	r->max_seen = -1;
	r->slot_size = sizeof(struct interval_slot) + plan->nops * sizeof(struct op_stats);
	r->pending_size = sizeof(struct pending) + plan->nops * sizeof(struct op_stats);
	r->workers = calloc(plan->nworkers, sizeof(*r->workers));
	r->threads = calloc(plan->nworkers, sizeof(*r->threads));
	r->next_to_consume = calloc(plan->nworkers, sizeof(*r->next_to_consume));
	r->drained = calloc(plan->nworkers, sizeof(*r->drained));
	res->workers = calloc(plan->nworkers, sizeof(*res->workers));
	if (!r->workers || !r->threads || !r->next_to_consume || !r->drained || !res->workers)
		return -ENOMEM;
	for (unsigned i = 0; i < plan->nworkers; i++) {
		struct worker *w = &r->workers[i];
		w->id = i;
		w->spec = &plan->specs[i];
		w->runner = r;
		w->interval = -1;
		w->deadline_ns = UINT64_MAX;
		for (unsigned s = 0; s < RUNNER_SLOTS; s++) {
			w->slots[s] = aligned_alloc(64, (r->slot_size + 63) & ~(size_t)63);
			if (!w->slots[s])
				return -ENOMEM;
			atomic_init(&w->slots[s]->index, -1);
		}
		op_stats_reset(res->workers[i].op, plan->nops);
	}
	return 0;
}

static void runner_teardown(struct runner *r, bool joined)
{
	for (unsigned i = 0; r->workers && i < r->plan->nworkers; i++) {
		/* a stuck worker may still touch its slots: leave them to the process exit */
		if (!joined && !atomic_load(&r->workers[i].finished))
			continue;
		for (unsigned s = 0; s < RUNNER_SLOTS; s++)
			free(r->workers[i].slots[s]);
	}
	for (size_t i = 0; i < r->npending; i++)
		free(r->pending[i]);
	free(r->pending);
	free(r->next_to_consume);
	free(r->drained);
	free(r->threads);
	if (joined)
		free(r->workers);
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
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	ret = runner_setup(r, plan, res);
	if (ret) {
		runner_teardown(r, true);
		free(r);
		return ret;
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
		ret = -EAGAIN;
		snprintf(r->workers[started].error_msg, sizeof(r->workers[started].error_msg),
			 "cannot start thread %u of %u: %s", started + 1, plan->nworkers,
			 strerror(EAGAIN));
		r->workers[started].error = ret;
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
	r->origin_ns = r->t0_ns + min_ramp;
	r->go = true;
	pthread_cond_broadcast(&r->cond);
	pthread_mutex_unlock(&r->lock);
	if (!atomic_load(&r->abort_run))
		reporter_loop(r);
	bool joined = true;
	for (unsigned i = 0; i < started; i++) {
		if (atomic_load(&r->workers[i].finished) || !signals_stop_requested())
			pthread_join(r->threads[i], NULL);
		else {
			pthread_detach(r->threads[i]);
			joined = false;
		}
	}
	consume(r);
	finalize(r, true);
	res->interrupted = signals_stop_requested();
	res->init_failed = atomic_load(&r->abort_run);
	res->detached = !joined;
	uint64_t now = clock_now_ns();
	for (unsigned i = 0; i < plan->nworkers; i++) {
		struct worker *w = &r->workers[i];
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
	for (unsigned i = 0; i < r->nworkers; i++) {
		op_stats_add(into, &r->workers[i].op[op]);
		if (r->workers[i].runtime_ns > longest)
			longest = r->workers[i].runtime_ns;
	}
	if (runtime_ns)
		*runtime_ns = longest;
}
