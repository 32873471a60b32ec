/*
 * series.c - the reporter's side of the interval slots: closed slots are merged into the pending
 * intervals (one per interval not yet final, across workers) and into each worker's totals, and
 * an interval that no worker can add to any more becomes a point of the time series.
 *
 * The series and the totals always add up: a slot is merged into the totals only together with
 * its pending interval, and only once the series has room for that interval's point, so emitting
 * a point never allocates. When memory is short the slot stays with its worker (which waits for
 * it, as for a reporter that lags) and is tried again at the next poll; only when memory stays
 * short does the runner give up on the series, and then the run fails with -ENOMEM
 * (run_result.error) rather than report a series that silently misses what the totals count.
 */
#include "runner_int.h"
#include "pvcbench/clock.h"
#include "pvcbench/fmt.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

__attribute__((weak)) void *series_realloc(void *ptr, size_t size)
{
	return realloc(ptr, size);
}

void op_stats_reset(struct op_stats *s, unsigned nops)
{
	for (unsigned i = 0; i < nops; i++) {
		s[i].ops = s[i].bytes = s[i].errors = 0;
		hist_init(&s[i].lat);
	}
}

void op_stats_add(struct op_stats *into, const struct op_stats *from)
{
	into->ops += from->ops;
	into->bytes += from->bytes;
	into->errors += from->errors;
	hist_merge(&into->lat, &from->lat);
}

/* Room in the series for the points of intervals 0 .. index. */
static int reserve_points(struct runner *r, int64_t index)
{
	struct run_result *res = r->result;
	size_t need = (size_t)index + 1, cap = r->points_cap ? r->points_cap : 64;

	if (need <= r->points_cap)
		return 0;
	while (cap < need)
		cap *= 2;
	struct series_point *pts = series_realloc(res->points, cap * sizeof(*pts));
	if (!pts)
		return -ENOMEM;
	res->points = pts;
	r->points_cap = cap;
	return 0;
}

/* The pending interval index, made if new; NULL when out of memory. */
static struct pending *pending_get(struct runner *r, int64_t index)
{
	size_t i = 0;

	while (i < r->npending && r->pending[i]->index < index)
		i++;
	if (i < r->npending && r->pending[i]->index == index)
		return r->pending[i];
	if (r->npending == r->pending_cap) {
		size_t cap = r->pending_cap ? 2 * r->pending_cap : 16;
		struct pending **arr = series_realloc(r->pending, cap * sizeof(*arr));
		if (!arr)
			return NULL;
		r->pending = arr;
		r->pending_cap = cap;
	}
	struct pending *p = series_realloc(NULL, r->pending_size);
	if (!p)
		return NULL;
	p->index = index;
	op_stats_reset(p->op, r->plan->nops);
	memmove(&r->pending[i + 1], &r->pending[i], (r->npending - i) * sizeof(*r->pending));
	r->pending[i] = p;
	r->npending++;
	return p;
}

/* Everything interval index needs before a slot of it is merged; NULL when out of memory. */
static struct pending *reserve(struct runner *r, int64_t index)
{
	if (reserve_points(r, index))
		return NULL;
	return pending_get(r, index);
}

int series_consume(struct runner *r, bool give_up)
{
	const struct run_plan *plan = r->plan;
	int ret = 0;

	for (unsigned i = 0; i < plan->nworkers; i++) {
		struct runner_worker *w = &r->workers[i];
		/* finished first: then closed, read after it, is the worker's last word */
		bool finished = atomic_load_explicit(&w->finished, memory_order_acquire);
		int64_t closed = atomic_load_explicit(&w->closed, memory_order_acquire);
		int64_t j;

		for (j = r->next_to_consume[i]; j < closed; j++) {
			struct interval_slot *s = w->slots[j % RUNNER_SLOTS];
			if (atomic_load_explicit(&s->index, memory_order_acquire) != j)
				continue; /* the worker recorded nothing in interval j */
			struct pending *p = reserve(r, j);
			if (!p) {
				ret = -ENOMEM;
				if (!give_up)
					break; /* the slot stays with the worker until the next call */
				r->series_error = -ENOMEM;
			}
			for (unsigned k = 0; k < plan->nops; k++) {
				if (p)
					op_stats_add(&p->op[k], &s->op[k]);
				op_stats_add(&r->result->workers[i].op[k], &s->op[k]);
			}
			/* the workload's figures as of the same interval's end as the totals */
			if (s->snap && r->snaps) {
				memcpy(r->snaps[i], s->snap, plan->snapshot_size);
				r->snap_seen[i] = r->snaps[i];
				r->usage[i] = s->usage;
			}
			if (j > r->max_seen)
				r->max_seen = j;
		}
		if (j > r->next_to_consume[i]) {
			r->next_to_consume[i] = j;
			atomic_store_explicit(&w->consumed, j, memory_order_release);
		}
		if (finished && j >= closed)
			r->drained[i] = true;
	}
	return ret;
}

/* When the last worker stopped (now, for one still running). */
static uint64_t last_end_ns(struct runner *r)
{
	uint64_t last_end = 0;

	for (unsigned i = 0; i < r->plan->nworkers; i++) {
		struct runner_worker *w = &r->workers[i];
		uint64_t end = atomic_load(&w->finished) ? w->end_ns : clock_now_ns();
		if (end > last_end)
			last_end = end;
	}
	return last_end;
}

static void emit_point(struct runner *r, int64_t index, const struct pending *p, bool last)
{
	const struct run_plan *plan = r->plan;
	struct run_result *res = r->result;

	/* reserved when the interval was consumed, unless the runner gave up on memory */
	if (reserve_points(r, index)) {
		r->series_error = -ENOMEM;
		return;
	}
	struct series_point *pt = &res->points[res->npoints++];
	memset(pt, 0, sizeof(*pt));
	pt->start_ms = (uint64_t)index * (plan->interval_ns / 1000000);
	pt->duration_ms = plan->interval_ns / 1000000;
	if (last) {
		/* the last interval ends when the last worker stopped: rates over it use that */
		uint64_t start = r->origin_ns + pt->start_ms * 1000000ULL, end = last_end_ns(r);
		if (end > start && end - start < plan->interval_ns)
			pt->duration_ms = fmt_fio_msec(end - start);
	}
	for (unsigned k = 0; p && k < plan->nops; k++) {
		const struct op_stats *s = &p->op[k];
		pt->op[k].ops = s->ops;
		pt->op[k].bytes = s->bytes;
		pt->op[k].errors = s->errors;
		pt->op[k].lat_mean_ns = (uint64_t)(hist_mean(&s->lat) + 0.5);
		pt->op[k].lat_max_ns = s->lat.count ? s->lat.max : 0;
		pt->op[k].lat_p99_ns = hist_value_at(&s->lat, 99.0);
	}
	if (plan->on_interval) {
		char line[1024] = "";
		/* nobody recorded anything: the callback still sees the interval */
		plan->on_interval(plan->on_interval_arg, pt, p ? p->op : r->empty, last, line,
				  sizeof(line));
		if (line[0])
			printer_post_line(r->line_printer, line);
	}
	/* --status-interval: the run so far, at every status_every-th interval's end */
	if (plan->on_status && plan->status_every && !last &&
	    (uint64_t)(index + 1) % plan->status_every == 0)
		series_status(r);
}

/* The end of what the reporter consumed of worker i, and its measured and elapsed time then. */
static void consumed_times(struct runner *r, unsigned i, uint64_t *runtime_ns, uint64_t *elapsed_ns)
{
	const struct run_plan *plan = r->plan;
	struct runner_worker *w = &r->workers[i];
	uint64_t measure_start = r->t0_ns + w->spec->ramp_ns;
	uint64_t end = r->origin_ns + (uint64_t)r->next_to_consume[i] * plan->interval_ns;

	/* drained: everything it did was consumed, up to its end */
	if (r->drained[i] && w->end_ns < end)
		end = w->end_ns;
	*runtime_ns = end > measure_start ? end - measure_start : 0;
	*elapsed_ns = end > r->t0_ns ? end - r->t0_ns : 0;
}

void series_status(struct runner *r)
{
	const struct run_plan *plan = r->plan;
	struct run_status st = { .run = *r->result };

	st.run.workers = r->status_workers;
	st.run.points = NULL;
	st.run.npoints = 0;
	for (unsigned i = 0; i < plan->nworkers; i++) {
		struct worker_result *wr = &r->status_workers[i];
		memset(wr, 0, sizeof(*wr));
		memcpy(wr->op, r->result->workers[i].op, plan->nops * sizeof(wr->op[0]));
		consumed_times(r, i, &wr->runtime_ns, &wr->elapsed_ns);
		wr->cpu_usr_ns = r->usage[i].cpu_usr_ns;
		wr->cpu_sys_ns = r->usage[i].cpu_sys_ns;
		wr->ctx = r->usage[i].ctx;
	}
	st.snapshots = r->snap_seen;
	st.elapsed_ns = clock_now_ns() - r->t0_ns;
	st.count = ++r->status_count;
	plan->on_status(plan->on_status_arg, &st);
}

void series_finalize(struct runner *r, bool final)
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

void series_free(struct runner *r)
{
	for (size_t i = 0; i < r->npending; i++)
		free(r->pending[i]);
	free(r->pending);
	free(r->empty);
}
