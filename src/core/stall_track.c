/*
 * stall_track.c - the runner's side of the outage windows (stall.h): each worker's gaps between
 * completions, its completion timeline, the live notice, and after the run the stalls with their
 * recovery, per worker and for the run.
 *
 * A worker sees its completions at worker_tick (runner.h): the fast path there only remembers
 * the time; this file runs when a gap reached the threshold, a failure is pending, or the
 * timeline's bucket ended. The timeline counts completions per 100 ms bucket from the run's
 * origin, so memory grows by 40 bytes a second per worker; when it reaches TIMELINE_MAX buckets
 * (29 hours) pairs are merged and the width doubles. Everything here is the worker's own while it
 * runs; the reporter reads a worker's stalls and timeline only after it ended (collect), and only
 * last_done_pub while it runs.
 */
#include "runner_int.h"
#include "pvcbench/clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUCKET_NS 100000000ULL /* 100 ms */
#define TIMELINE_MAX (1u << 20)
#define BASELINE_WINDOWS 30 /* seconds of rate before a stall */
#define RECOVERED_FRACTION 0.9

/* Folds pairs of buckets: the width doubles, the memory halves. */
static void timeline_coarsen(struct runner_worker *w)
{
	size_t n = (w->timeline_n + 1) / 2;

	for (size_t i = 0; i < n; i++) {
		uint64_t sum = w->timeline[2 * i];
		if (2 * i + 1 < w->timeline_n)
			sum += w->timeline[2 * i + 1];
		w->timeline[i] = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
	}
	memset(w->timeline + n, 0, (w->timeline_n - n) * sizeof(*w->timeline));
	w->timeline_n = n;
	w->bucket_ns *= 2;
	w->bucket_index /= 2;
}

/* Adds count completions into bucket index (grown as needed; dropped if memory is short). */
static void timeline_add(struct runner_worker *w, uint64_t index, uint64_t count)
{
	while (index >= TIMELINE_MAX) {
		timeline_coarsen(w);
		index /= 2;
	}
	if (index >= w->timeline_cap) {
		size_t cap = w->timeline_cap ? w->timeline_cap : 256;
		while (cap <= index)
			cap *= 2;
		uint32_t *t = realloc(w->timeline, cap * sizeof(*t));
		if (!t)
			return;
		memset(t + w->timeline_cap, 0, (cap - w->timeline_cap) * sizeof(*t));
		w->timeline = t;
		w->timeline_cap = cap;
	}
	if (index >= w->timeline_n)
		w->timeline_n = index + 1;
	uint64_t sum = w->timeline[index] + count;
	w->timeline[index] = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
}

static uint64_t bucket_of(const struct runner_worker *w, uint64_t t)
{
	uint64_t origin = w->runner->origin_ns;

	return t > origin ? (t - origin) / w->bucket_ns : 0;
}

static void set_bucket_end(struct runner_worker *w)
{
	w->hot.bucket_end_ns = w->runner->origin_ns + (w->bucket_index + 1) * w->bucket_ns;
}

void stall_track_start(struct runner_worker *w, uint64_t now)
{
	struct runner *r = w->runner;

	stall_list_init(&w->stalls, r->stall_ns);
	w->bucket_ns = BUCKET_NS;
	w->bucket_index = bucket_of(w, now);
	w->bucket_base = w->hot.done;
	set_bucket_end(w);
	w->hot.done_seen = w->hot.done;
	w->hot.last_done_ns = w->measure_start_ns;
	w->hot.gap_ns = r->stall_ns;
	atomic_store_explicit(&w->hot.last_done_pub, w->measure_start_ns, memory_order_relaxed);
}

/* A gap [from, to) that reached the threshold, with the failures seen in it. */
static void add_stall(struct runner_worker *w, uint64_t from, uint64_t to, bool open)
{
	struct runner *r = w->runner;
	struct stall s = { 0 };

	s.start_ns = from - r->origin_ns;
	s.start_unix_ns = r->t0_unix_ns + (from - r->t0_ns);
	s.length_ns = to - from;
	s.open = open;
	s.failures = w->hot.gap_failures;
	s.ncauses = w->ngap_causes;
	memcpy(s.causes, w->gap_causes, sizeof(s.causes));
	s.recovery_ns = STALL_NO_BASELINE;
	stall_list_add(&w->stalls, &s);
}

void worker_done_slow(struct worker *hot, uint64_t now)
{
	struct runner_worker *w = runner_worker_of(hot);

	if (now < hot->last_done_ns) /* a completion stamped before the measurement began */
		return;
	/* the timeline: what earlier ticks saw belongs to the bucket being counted */
	if (now >= hot->bucket_end_ns) {
		timeline_add(w, w->bucket_index, hot->done_seen - w->bucket_base);
		w->bucket_index = bucket_of(w, now);
		w->bucket_base = hot->done_seen;
		set_bucket_end(w);
	}
	if (now - hot->last_done_ns >= hot->gap_ns)
		add_stall(w, hot->last_done_ns, now, false);
	hot->gap_failures = 0;
	w->ngap_causes = 0;
	hot->last_done_ns = now;
}

void worker_record_failure(struct worker *hot, unsigned op, const char *cause)
{
	struct runner_worker *w = runner_worker_of(hot);

	if (!hot->cur)
		return; /* ramping: nothing is recorded */
	hot->cur[op].errors++;
	hot->gap_failures++;
	stall_causes_add(w->gap_causes, &w->ngap_causes, cause, 1);
	stall_causes_add(w->stalls.causes, &w->stalls.ncauses, cause, 1);
	w->stalls.run_failures++;
}

void stall_track_end(struct runner_worker *w, uint64_t end)
{
	struct worker *hot = &w->hot;

	if (w->interval < 0)
		return; /* never measured */
	/* completions recorded after the last tick happened by the end */
	if (hot->done != hot->done_seen) {
		worker_done_slow(hot, end);
		hot->done_seen = hot->done;
	}
	timeline_add(w, w->bucket_index, hot->done - w->bucket_base);
	w->bucket_base = hot->done;
	if (end > hot->last_done_ns && end - hot->last_done_ns >= hot->gap_ns)
		add_stall(w, hot->last_done_ns, end, true);
}

/* The running workers' latest completion (0: one is still ramping, or none runs). */
static uint64_t latest_done(struct runner *r)
{
	uint64_t latest = 0;
	bool any = false;

	for (unsigned i = 0; i < r->plan->nworkers; i++) {
		struct runner_worker *w = &r->workers[i];
		if (atomic_load_explicit(&w->finished, memory_order_acquire))
			continue;
		uint64_t t = atomic_load_explicit(&w->hot.last_done_pub, memory_order_relaxed);
		if (!t)
			return 0;
		any = true;
		if (t > latest)
			latest = t;
	}
	return any ? latest : 0;
}

uint64_t stall_track_live(struct runner *r, uint64_t now)
{
	uint64_t latest = latest_done(r);

	if (!latest || now < latest || now - latest < r->stall_ns)
		return 0;
	return now - latest;
}

void stall_track_notice(struct runner *r, uint64_t now, bool final)
{
	const struct run_plan *plan = r->plan;
	uint64_t stalled = final ? 0 : stall_track_live(r, now);
	char line[256], live[48];
	const char *label = plan->progress_label ? plan->progress_label : "";

	if (!r->notice_printer)
		return;
	if (!stalled) {
		/* notice_stalled_ns: the last completion before the stall spoken of */
		uint64_t latest = latest_done(r);
		if (r->notice_stalled_ns && !final && latest > r->notice_stalled_ns) {
			snprintf(line, sizeof(line),
				 "pvcbench: %s%scompletions resumed after %.3fs stalled\n", label,
				 label[0] ? ": " : "",
				 (double)(latest - r->notice_stalled_ns) / 1e9);
			printer_post_line(r->notice_printer, line);
		}
		r->notice_stalled_ns = 0;
		return;
	}
	uint64_t every = plan->interval_ns > 1000000000ULL ? plan->interval_ns : 1000000000ULL;
	if (r->notice_stalled_ns && now - r->notice_last_ns < every)
		return;
	stall_format_live(live, sizeof(live), stalled);
	snprintf(line, sizeof(line), "pvcbench: %s%s%s: no operation completed\n", label,
		 label[0] ? ": " : "", live);
	printer_post_line(r->notice_printer, line);
	r->notice_last_ns = now;
	r->notice_stalled_ns = now - stalled;
}

/* The run's rate per 1 s window ending before bucket index b, or -1 when not all measured. */
static double window_rate(const uint32_t *tl, size_t n, uint64_t bucket_ns, uint64_t first,
			  uint64_t from)
{
	uint64_t per = bucket_ns >= 1000000000ULL ? 1 : 1000000000ULL / bucket_ns;
	uint64_t sum = 0;

	if (from < first || from + per > n)
		return -1;
	for (uint64_t b = from; b < from + per; b++)
		sum += tl[b];
	return (double)sum * 1e9 / (double)(per * bucket_ns);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * A stall's baseline (the median 1 s rate of the 30 s before it) and recovery (from its end to
 * the start of the first 1 s window at 90% of it), from a timeline whose bucket 0 starts at the
 * run's origin; first: the first bucket wholly measured.
 */
void stall_recovery(struct stall *s, const uint32_t *tl, size_t n, uint64_t bucket_ns,
		    uint64_t first)
{
	uint64_t per = bucket_ns >= 1000000000ULL ? 1 : 1000000000ULL / bucket_ns;
	uint64_t start_b = s->start_ns / bucket_ns; /* partly stalled: not in the baseline */
	double rates[BASELINE_WINDOWS];
	unsigned nrates = 0;

	s->recovery_ns = STALL_NO_BASELINE;
	s->baseline_rate = 0;
	for (unsigned k = 1; k <= BASELINE_WINDOWS && start_b >= k * per; k++) {
		double r = window_rate(tl, n, bucket_ns, first, start_b - k * per);
		if (r >= 0)
			rates[nrates++] = r;
	}
	if (!nrates)
		return;
	qsort(rates, nrates, sizeof(rates[0]), cmp_double);
	s->baseline_rate =
		nrates % 2 ? rates[nrates / 2] : (rates[nrates / 2 - 1] + rates[nrates / 2]) / 2;
	s->recovery_ns = STALL_NOT_RECOVERED;
	if (s->open)
		return;
	uint64_t end = s->start_ns + s->length_ns;
	for (uint64_t b = end / bucket_ns + 1; b + per <= n; b++) {
		double r = window_rate(tl, n, bucket_ns, first, b);
		if (r >= RECOVERED_FRACTION * s->baseline_rate) {
			uint64_t at = b * bucket_ns;
			s->recovery_ns = at > end ? (int64_t)(at - end) : 0;
			return;
		}
	}
}

void stall_track_collect(struct runner *r, unsigned started)
{
	const struct run_plan *plan = r->plan;
	struct run_result *res = r->result;
	unsigned n = plan->nworkers;
	const struct stall_list **lists = calloc(n ? n : 1, sizeof(*lists));
	struct stall_list *with_end = calloc(n ? n : 1, sizeof(*with_end));
	uint64_t width = BUCKET_NS, run_end = 0, first_measured = UINT64_MAX;
	uint32_t *sum = NULL;
	size_t sum_n = 0;

	stall_list_init(&res->stalls, r->stall_ns);
	uint64_t now = clock_now_ns();
	for (unsigned i = 0; i < n; i++) {
		struct runner_worker *w = &r->workers[i];
		stall_list_init(&res->workers[i].stalls, r->stall_ns);
		if (i < started && !atomic_load(&w->finished)) {
			/* left running detached (stuck in the kernel: a frozen filesystem): its own
			 * list is still its, but its last completion says how long it has waited */
			uint64_t last =
				atomic_load_explicit(&w->hot.last_done_pub, memory_order_relaxed);
			if (last && now > last && now - last >= r->stall_ns) {
				struct stall s = { 0 };
				s.start_ns = last - r->origin_ns;
				s.start_unix_ns = r->t0_unix_ns + (last - r->t0_ns);
				s.length_ns = now - last;
				s.open = true;
				s.recovery_ns = STALL_NOT_RECOVERED;
				stall_list_add(&res->workers[i].stalls, &s);
			}
			if (w->interval >= 0)
				run_end = now;
			continue;
		}
		if (i >= started || w->interval < 0)
			continue;
		if (w->bucket_ns > width)
			width = w->bucket_ns;
		if (w->end_ns > run_end)
			run_end = w->end_ns;
	}
	for (unsigned i = 0; i < n; i++) {
		struct runner_worker *w = &r->workers[i];
		if (i >= started || !atomic_load(&w->finished) || w->interval < 0)
			continue;
		while (w->bucket_ns < width)
			timeline_coarsen(w);
		uint64_t first = (w->measure_start_ns - r->origin_ns + width - 1) / width;
		if (first < first_measured)
			first_measured = first;
		for (size_t k = 0; k < w->stalls.n; k++)
			stall_recovery(&w->stalls.v[k], w->timeline, w->timeline_n, width, first);
		if (w->timeline_n > sum_n) {
			uint32_t *t = realloc(sum, w->timeline_n * sizeof(*t));
			if (t) {
				memset(t + sum_n, 0, (w->timeline_n - sum_n) * sizeof(*t));
				sum = t;
				sum_n = w->timeline_n;
			}
		}
		for (size_t b = 0; sum && b < w->timeline_n && b < sum_n; b++) {
			uint64_t v = (uint64_t)sum[b] + w->timeline[b];
			sum[b] = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		}
	}
	/* the run: when no worker completed anything; one that ended is idle from its end on */
	unsigned m = 0;
	for (unsigned i = 0; lists && with_end && i < n; i++) {
		struct runner_worker *w = &r->workers[i];
		if (i >= started || w->interval < 0)
			continue;
		bool stuck = !atomic_load(&w->finished);
		const struct stall_list *own = stuck ? &res->workers[i].stalls : &w->stalls;
		uint64_t end = stuck ? now : w->end_ns;
		stall_list_init(&with_end[m], r->stall_ns);
		for (size_t k = 0; k < own->n; k++)
			stall_list_add(&with_end[m], &own->v[k]);
		if (end < run_end) {
			struct stall idle = { 0 };
			idle.start_ns = end - r->origin_ns;
			idle.start_unix_ns = r->t0_unix_ns + (end - r->t0_ns);
			idle.length_ns = run_end - end;
			idle.open = true;
			stall_list_add(&with_end[m], &idle);
		}
		lists[m] = &with_end[m];
		m++;
	}
	if (m && lists && with_end) {
		struct stall_list run;
		stall_intersect(lists, m, r->stall_ns, &run);
		for (size_t k = 0; k < run.n; k++) {
			struct stall *s = &run.v[k];
			s->start_ns = s->start_unix_ns - r->t0_unix_ns + r->t0_ns - r->origin_ns;
			if (sum)
				stall_recovery(s, sum, sum_n, width,
					       first_measured == UINT64_MAX ? 0 : first_measured);
		}
		run.ncauses = 0;
		run.run_failures = 0;
		res->stalls = run;
		res->stalls.threshold_ns = r->stall_ns;
		/* the totals were added before the recovery: they hold */
	}
	for (unsigned i = 0; i < n; i++) {
		struct runner_worker *w = &r->workers[i];
		if (i >= started || !atomic_load(&w->finished))
			continue;
		for (unsigned c = 0; c < w->stalls.ncauses; c++)
			stall_causes_add(res->stalls.causes, &res->stalls.ncauses,
					 w->stalls.causes[c].name, w->stalls.causes[c].count);
		res->stalls.run_failures += w->stalls.run_failures;
		res->workers[i].stalls = w->stalls; /* the result owns the array now */
		w->stalls.v = NULL;
		w->stalls.n = w->stalls.cap = 0;
	}
	for (unsigned i = 0; i < m; i++)
		stall_list_free(&with_end[i]);
	free(with_end);
	free(lists);
	free(sum);
}

void stall_track_free(struct runner *r)
{
	for (unsigned i = 0; r->workers && i < r->plan->nworkers; i++) {
		free(r->workers[i].timeline);
		r->workers[i].timeline = NULL;
		stall_list_free(&r->workers[i].stalls);
	}
}
