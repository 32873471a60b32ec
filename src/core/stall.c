/*
 * stall.c - outage windows as lists: keeping them, their totals and causes, lining many lists up
 * on wall-clock time (when all, when any were stalled), and their text (see stall.h).
 *
 * The lists are small (a stall lasts a second or more), so the intersection and the union are
 * plain sweeps over every list's start and end points sorted by time.
 */
#define _GNU_SOURCE
#include "pvcbench/stall.h"
#include "pvcbench/runner.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void stall_list_init(struct stall_list *l, uint64_t threshold_ns)
{
	memset(l, 0, sizeof(*l));
	l->threshold_ns = threshold_ns;
}

void stall_list_free(struct stall_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

/* Most frequent first: the table stays sorted as counts grow. */
static void causes_sort(struct stall_cause *c, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		struct stall_cause x = c[i];
		unsigned j = i;
		while (j > 0 && c[j - 1].count < x.count && strcmp(c[j - 1].name, "other")) {
			c[j] = c[j - 1];
			j--;
		}
		c[j] = x;
	}
}

void stall_causes_add(struct stall_cause *causes, unsigned *ncauses, const char *cause,
		      uint64_t count)
{
	unsigned i;

	if (!cause || !cause[0])
		cause = "unknown";
	for (i = 0; i < *ncauses; i++)
		if (!strcmp(causes[i].name, cause))
			break;
	if (i == *ncauses) {
		if (*ncauses == STALL_MAX_CAUSES) {
			/* full: the last entry becomes (or is) "other" */
			i = STALL_MAX_CAUSES - 1;
			if (strcmp(causes[i].name, "other"))
				snprintf(causes[i].name, sizeof(causes[i].name), "other");
		} else {
			snprintf(causes[i].name, sizeof(causes[i].name), "%s", cause);
			causes[i].count = 0;
			(*ncauses)++;
		}
	}
	causes[i].count += count;
	causes_sort(causes, *ncauses);
}

int stall_list_add(struct stall_list *l, const struct stall *s)
{
	l->total_ns += s->length_ns;
	if (s->length_ns > l->longest_ns)
		l->longest_ns = s->length_ns;
	l->failures += s->failures;
	if (l->n == STALL_MAX_KEPT) {
		l->dropped++;
		return -ENOMEM;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct stall *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			l->dropped++;
			return -ENOMEM;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = *s;
	return 0;
}

/* A start (+1) or end (-1) of one list's stall, for the sweeps. */
struct edge {
	uint64_t t;
	int delta;
	bool open; /* an end that is the run's end inside the stall */
};

static int edge_cmp(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->delta - y->delta; /* ends first: touching stalls do not overlap */
}

/* Failures and causes of every stall of the lists that overlaps [start, end). */
static void sum_overlapping(const struct stall_list *const *lists, unsigned n, struct stall *s,
			    uint64_t start, uint64_t end)
{
	for (unsigned i = 0; i < n; i++) {
		for (size_t k = 0; k < lists[i]->n; k++) {
			const struct stall *o = &lists[i]->v[k];
			uint64_t os = o->start_unix_ns, oe = os + o->length_ns;
			if (oe <= start || os >= end)
				continue;
			s->failures += o->failures;
			for (unsigned c = 0; c < o->ncauses; c++)
				stall_causes_add(s->causes, &s->ncauses, o->causes[c].name,
						 o->causes[c].count);
		}
	}
}

/* The stretches where at least need lists are stalled at once. */
static int sweep(const struct stall_list *const *lists, unsigned n, unsigned need,
		 uint64_t threshold_ns, struct stall_list *out)
{
	size_t nedges = 0, k = 0;
	uint64_t origin_unix = UINT64_MAX, origin_rel = 0;

	for (unsigned i = 0; i < n; i++)
		nedges += 2 * lists[i]->n;
	struct edge *e = malloc((nedges ? nedges : 1) * sizeof(*e));
	if (!e)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		for (size_t j = 0; j < lists[i]->n; j++) {
			const struct stall *s = &lists[i]->v[j];
			e[k++] = (struct edge){ s->start_unix_ns, +1, false };
			e[k++] = (struct edge){ s->start_unix_ns + s->length_ns, -1, s->open };
			if (s->start_unix_ns < origin_unix) {
				origin_unix = s->start_unix_ns;
				origin_rel = s->start_ns;
			}
		}
	}
	qsort(e, nedges, sizeof(*e), edge_cmp);
	unsigned depth = 0;
	uint64_t begin = 0;
	int ret = 0;
	for (k = 0; k < nedges; k++) {
		unsigned before = depth;
		depth = (unsigned)((int)depth + e[k].delta);
		if (before < need && depth >= need) {
			begin = e[k].t;
		} else if (before >= need && depth < need) {
			uint64_t len = e[k].t - begin;
			if (len < threshold_ns)
				continue;
			struct stall s = { 0 };
			s.start_unix_ns = begin;
			/* the run-relative start, as the earliest list's clock has it */
			s.start_ns = origin_rel + (begin - origin_unix);
			s.length_ns = len;
			s.open = e[k].open;
			s.recovery_ns = STALL_NO_BASELINE;
			sum_overlapping(lists, n, &s, begin, e[k].t);
			if (stall_list_add(out, &s))
				ret = -ENOMEM;
		}
	}
	free(e);
	return ret;
}

int stall_intersect(const struct stall_list *const *lists, unsigned n, uint64_t threshold_ns,
		    struct stall_list *out)
{
	stall_list_init(out, threshold_ns);
	if (!n)
		return 0;
	return sweep(lists, n, n, threshold_ns, out);
}

int stall_union(const struct stall_list *const *lists, unsigned n, struct stall_list *out)
{
	uint64_t threshold = UINT64_MAX;

	for (unsigned i = 0; i < n; i++)
		if (lists[i]->threshold_ns < threshold)
			threshold = lists[i]->threshold_ns;
	stall_list_init(out, n ? threshold : 0);
	if (!n)
		return 0;
	return sweep(lists, n, 1, 0, out);
}

/* "17:30:01.123" in UTC. */
static void wall_text(char *buf, size_t size, uint64_t unix_ns)
{
	time_t secs = (time_t)(unix_ns / 1000000000ULL);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03luZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long)(unix_ns / 1000000ULL % 1000));
}

static void causes_text(char *buf, size_t size, const struct stall_cause *c, unsigned n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && len < size; i++) {
		int w = snprintf(buf + len, size - len, "%s%s %llu", i ? ", " : "", c[i].name,
				 (unsigned long long)c[i].count);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

void stall_print_text(FILE *f, const struct stall_list *l, const char *indent)
{
	size_t count = l->n + l->dropped;

	if (!count)
		return;
	char what[64] = "";
	if (l->threshold_ns)
		snprintf(what, sizeof(what), " (no operation completed for %.1fs or more)",
			 (double)l->threshold_ns / 1e9);
	fprintf(f, "%sstalls%s: %zu, %.3fs in all, longest %.3fs, %llu failed\n", indent, what,
		count, (double)l->total_ns / 1e9, (double)l->longest_ns / 1e9,
		(unsigned long long)l->failures);
	for (size_t i = 0; i < l->n; i++) {
		const struct stall *s = &l->v[i];
		char when[64], causes[256], rec[64];
		wall_text(when, sizeof(when), s->start_unix_ns);
		causes_text(causes, sizeof(causes), s->causes, s->ncauses);
		if (s->open)
			snprintf(rec, sizeof(rec), "still stalled at the end");
		else if (s->recovery_ns == STALL_NOT_RECOVERED)
			snprintf(rec, sizeof(rec), "not back to 90%% before the end");
		else if (s->recovery_ns == STALL_NO_BASELINE)
			snprintf(rec, sizeof(rec), "recovery unknown (no rate before it)");
		else
			snprintf(rec, sizeof(rec), "recovered in %.3fs",
				 (double)s->recovery_ns / 1e9);
		fprintf(f, "%s  at %s (+%.3fs): %.3fs, %llu failed%s%s%s, %s\n", indent, when,
			(double)s->start_ns / 1e9, (double)s->length_ns / 1e9,
			(unsigned long long)s->failures, causes[0] ? " (" : "", causes,
			causes[0] ? ")" : "", rec);
	}
	if (l->dropped)
		fprintf(f, "%s  (%llu more not listed)\n", indent, (unsigned long long)l->dropped);
}

void stall_format_live(char *buf, size_t size, uint64_t stalled_ns)
{
	snprintf(buf, size, "stalled %.1fs", (double)stalled_ns / 1e9);
}

int stall_parse_threshold(const char *text, uint64_t *ns)
{
	char *end;
	double v;

	if (!text || !text[0])
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || v <= 0 || v != v)
		return -EINVAL;
	double scale = 1e6; /* a bare number is milliseconds */
	if (!strcmp(end, "s"))
		scale = 1e9;
	else if (!strcmp(end, "ms"))
		scale = 1e6;
	else if (!strcmp(end, "us"))
		scale = 1e3;
	else if (!strcmp(end, "m"))
		scale = 60e9;
	else if (*end)
		return -EINVAL;
	double r = v * scale;
	if (r < 1e6 || r > 86400e9) /* 1 ms .. a day */
		return -EINVAL;
	*ns = (uint64_t)(r + 0.5);
	return 0;
}

const char *stall_errno_cause(int err)
{
	static _Thread_local char unknown[24];
	const char *name;

	if (err < 0)
		err = -err;
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(unknown, sizeof(unknown), "errno %d", err);
	return unknown;
}
