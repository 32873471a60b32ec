/*
 * stalls.c - the outage windows of many results lined up on wall-clock time: when any input was
 * stalled, when all were (an input that was not running then counts as stalled: a pod that died
 * and was rescheduled left a hole), and the gaps when no input was running at all (a failover
 * between two incarnations of one writer).
 *
 * Each result's runs are in its top-level "series" array: every element has the run's
 * "series" (start_unix_ms, and points whose last one ends the run) and its "stalls" (stall.h as
 * report_stalls_json wrote it). Inputs without them (older results) take no part.
 */
#include "merge_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MS 1000000ULL

/* One input's running windows and stalls, in ns since the epoch. */
struct input_times {
	struct stall_list running, stalls;
};

static uint64_t ms_to_ns(const json_t *v)
{
	double d = json_number_value(v);

	return d > 0 && isfinite(d) ? (uint64_t)(d * 1e6 + 0.5) : 0;
}

static void read_causes(const json_t *obj, struct stall *s)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)obj, k, v)
	{
		if (json_is_integer(v) && json_integer_value(v) > 0)
			stall_causes_add(s->causes, &s->ncauses, k,
					 (uint64_t)json_integer_value(v));
	}
}

/* The run's [start, end) from its series; 0 when it has none. */
static int run_window(const json_t *series, uint64_t *start, uint64_t *end)
{
	const json_t *points = json_object_get(series, "points");
	size_t n = json_array_size(points);

	*start = ms_to_ns(json_object_get(series, "start_unix_ms"));
	if (!*start)
		return -EINVAL;
	*end = *start;
	if (n) {
		const json_t *last = json_array_get(points, n - 1);
		*end += ms_to_ns(json_object_get(last, "t_ms")) +
			ms_to_ns(json_object_get(last, "duration_ms"));
	}
	return 0;
}

static void read_input(const json_t *doc, struct input_times *t)
{
	const json_t *runs = json_object_get(doc, "series");
	size_t i;
	json_t *run;

	stall_list_init(&t->running, 0);
	stall_list_init(&t->stalls, 0);
	json_array_foreach(runs, i, run)
	{
		uint64_t start, end;
		if (run_window(json_object_get(run, "series"), &start, &end))
			continue;
		struct stall w = { .start_unix_ns = start, .length_ns = end - start };
		stall_list_add(&t->running, &w);
		const json_t *st = json_object_get(run, "stalls");
		uint64_t threshold = ms_to_ns(json_object_get(st, "threshold_ms"));
		if (threshold && (!t->stalls.threshold_ns || threshold < t->stalls.threshold_ns))
			t->stalls.threshold_ns = threshold;
		size_t k;
		json_t *s;
		json_array_foreach(json_object_get(st, "list"), k, s)
		{
			struct stall x = { 0 };
			x.start_unix_ns = ms_to_ns(json_object_get(s, "start_unix_ms"));
			x.start_ns = x.start_unix_ns;
			x.length_ns = ms_to_ns(json_object_get(s, "length_ms"));
			x.open = json_is_true(json_object_get(s, "open"));
			x.failures = (uint64_t)json_integer_value(json_object_get(s, "failures"));
			x.recovery_ns = STALL_NO_BASELINE;
			read_causes(json_object_get(s, "causes"), &x);
			if (x.start_unix_ns)
				stall_list_add(&t->stalls, &x);
		}
	}
}

/* The parts of [from, to) that the list's windows leave uncovered. */
static void complement(const struct stall_list *windows, uint64_t from, uint64_t to,
		       struct stall_list *out)
{
	struct stall_list merged;
	const struct stall_list *one[] = { windows };
	uint64_t at = from;

	stall_list_init(out, 0);
	if (stall_union(one, 1, &merged))
		return;
	for (size_t i = 0; i <= merged.n; i++) {
		uint64_t s = i < merged.n ? merged.v[i].start_unix_ns : to;
		uint64_t e = i < merged.n ? s + merged.v[i].length_ns : to;
		if (s > at) {
			struct stall gap = { .start_unix_ns = at,
					     .start_ns = at,
					     .length_ns = s - at };
			gap.recovery_ns = STALL_NO_BASELINE;
			stall_list_add(out, &gap);
		}
		if (e > at)
			at = e;
	}
	stall_list_free(&merged);
}

/* start_ns of each stall: from the start of the span, as a run's start_ns is from its start. */
static void relative(struct stall_list *l, uint64_t span_start)
{
	for (size_t i = 0; i < l->n; i++)
		l->v[i].start_ns = l->v[i].start_unix_ns - span_start;
}

int merge_stalls_compute(const struct merge_set *m, struct merge_stalls *out)
{
	struct input_times *t = calloc(m->ninputs ? m->ninputs : 1, sizeof(*t));
	const struct stall_list **lists = calloc(m->ninputs ? m->ninputs : 1, sizeof(*lists));
	struct stall_list *out_of = calloc(m->ninputs ? m->ninputs : 1, sizeof(*out_of));
	struct stall_list *absent = calloc(m->ninputs ? m->ninputs : 1, sizeof(*absent));
	unsigned n = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!t || !lists || !out_of || !absent) {
		ret = -ENOMEM;
		goto done;
	}
	out->span_start = UINT64_MAX;
	uint64_t threshold = 0;
	for (unsigned i = 0; i < m->ninputs; i++) {
		read_input(m->inputs[i].doc, &t[i]);
		if (!t[i].running.n)
			continue;
		out->inputs++;
		for (size_t k = 0; k < t[i].running.n; k++) {
			const struct stall *w = &t[i].running.v[k];
			if (w->start_unix_ns < out->span_start)
				out->span_start = w->start_unix_ns;
			if (w->start_unix_ns + w->length_ns > out->span_end)
				out->span_end = w->start_unix_ns + w->length_ns;
		}
		if (t[i].stalls.threshold_ns &&
		    (!threshold || t[i].stalls.threshold_ns < threshold))
			threshold = t[i].stalls.threshold_ns;
	}
	if (!threshold)
		threshold = STALL_DEFAULT_THRESHOLD_NS;
	if (!out->inputs) {
		stall_list_init(&out->any, threshold);
		stall_list_init(&out->all, threshold);
		stall_list_init(&out->gaps, 0);
		goto done;
	}
	for (unsigned i = 0; i < m->ninputs; i++) {
		if (!t[i].running.n)
			continue;
		/* out: stalled, or not running */
		complement(&t[i].running, out->span_start, out->span_end, &absent[n]);
		const struct stall_list *both[] = { &t[i].stalls, &absent[n] };
		stall_union(both, 2, &out_of[n]);
		lists[n] = &t[i].stalls;
		n++;
	}
	ret = stall_union(lists, n, &out->any);
	out->any.threshold_ns = threshold;
	const struct stall_list **outs = lists;
	for (unsigned i = 0; i < n; i++)
		outs[i] = &out_of[i];
	if (!ret)
		ret = stall_intersect(outs, n, threshold, &out->all);
	for (unsigned i = 0; i < n; i++)
		outs[i] = &absent[i];
	/* a gap shorter than the threshold is no outage: results of one pod follow each other */
	if (!ret)
		ret = stall_intersect(outs, n, threshold, &out->gaps);
	relative(&out->any, out->span_start);
	relative(&out->all, out->span_start);
	relative(&out->gaps, out->span_start);
done:
	for (unsigned i = 0; t && i < m->ninputs; i++) {
		stall_list_free(&t[i].running);
		stall_list_free(&t[i].stalls);
	}
	for (unsigned i = 0; i < n; i++) {
		stall_list_free(&out_of[i]);
		stall_list_free(&absent[i]);
	}
	free(t);
	free(lists);
	free(out_of);
	free(absent);
	return ret;
}

void merge_stalls_free(struct merge_stalls *s)
{
	stall_list_free(&s->any);
	stall_list_free(&s->all);
	stall_list_free(&s->gaps);
}

void merge_stalls_json(struct jsonw *j, const struct merge_stalls *s)
{
	jsonw_object_begin(j, "stalls");
	jsonw_u64(j, "inputs", s->inputs);
	if (s->inputs) {
		jsonw_double(j, "span_start_unix_ms", (double)s->span_start / 1e6);
		jsonw_double(j, "span_ms", (double)(s->span_end - s->span_start) / 1e6);
	}
	report_stalls_json(j, "any", &s->any);
	report_stalls_json(j, "all", &s->all);
	report_stalls_json(j, "gaps", &s->gaps);
	jsonw_object_end(j);
}

void merge_stalls_text(FILE *out, const struct merge_stalls *s)
{
	if (!s->any.n && !s->all.n && !s->gaps.n)
		return;
	fprintf(out, "\noutage windows of %u result%s, lined up on wall-clock time:\n", s->inputs,
		s->inputs == 1 ? "" : "s");
	if (s->gaps.n) {
		fputs("when no result was running (between them):\n", out);
		stall_print_text(out, &s->gaps, "  ");
	}
	if (s->all.n) {
		fputs("when every result was stalled or not running:\n", out);
		stall_print_text(out, &s->all, "  ");
	}
	if (s->any.n) {
		fputs("when any result was stalled:\n", out);
		stall_print_text(out, &s->any, "  ");
	}
}
