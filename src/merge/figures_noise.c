/*
 * figures_noise.c - how much a figure moves within its own run, and the rule that says whether
 * a change between two results is larger than that (figures.h says the rule in full).
 *
 * The noise is the coefficient of variation of the figure's per-interval values in the run's
 * series, because that is the only repeated measurement a single result holds: it is larger
 * than the standard error of the run's mean, which is on purpose. Storage runs drift and
 * neighbours come and go, so a second run differs from the first by far more than the error of
 * a mean of independent samples would say; the per-interval spread is a fair, if cautious,
 * stand-in for that run-to-run spread.
 */
#include "figures_int.h"

#include <math.h>
#include <string.h>

#define MAX_SERIES 64

/* The series entry (of a "series" array) that belongs to jobname; the only one if one. */
static const json_t *series_of(const json_t *holder, const char *jobname)
{
	const json_t *arr = json_object_get(holder, "series"), *e;
	size_t i;

	json_array_foreach(arr, i, e)
	{
		const char *name = json_string_value(json_object_get(e, "jobname"));
		if (name && !strcmp(name, jobname))
			return e;
	}
	return json_array_size(arr) == 1 ? json_array_get(arr, 0) : NULL;
}

/* The document a job's series is in: the result, or the merged result's source of the job. */
static const json_t *holder_of(const struct fig_result *r, const struct merge_job *job)
{
	const json_t *sources = json_object_get(r->doc, "sources"), *s;
	const char *name = json_string_value(json_object_get(job->obj, "source"));
	size_t i;

	if (!r->merged)
		return r->doc;
	json_array_foreach(sources, i, s)
	{
		const char *sn = json_string_value(json_object_get(s, "source"));
		if (name && sn && !strcmp(name, sn))
			return s;
	}
	return NULL;
}

/* One figure's value at one series point; false when the point has none to give. */
static bool point_value(const json_t *point, const char *op, enum fig_sample sample,
			double interval_ms, double *v)
{
	const json_t *o = json_object_get(point, op);
	double ms = json_number_value(json_object_get(point, "duration_ms"));
	json_int_t ops = json_integer_value(json_object_get(o, "ops"));

	/* the run's ragged last interval is too short to stand for one */
	if (!json_is_object(o) || !(ms > 0) || 2 * ms < interval_ms)
		return false;
	switch (sample) {
	case FIG_SAMPLE_OPS:
		*v = (double)ops * 1000.0 / ms;
		return true;
	case FIG_SAMPLE_BYTES:
		*v = (double)json_integer_value(json_object_get(o, "bytes")) * 1000.0 / ms;
		return true;
	case FIG_SAMPLE_LAT_MEAN:
		*v = (double)json_integer_value(json_object_get(o, "lat_mean_ns"));
		return ops > 0;
	case FIG_SAMPLE_LAT_P99:
		*v = (double)json_integer_value(json_object_get(o, "lat_p99_ns"));
		return ops > 0;
	}
	return false;
}

/* The CV of a figure over one series entry's points; false with fewer than the minimum. */
static bool series_cv(const json_t *entry, const struct fig_figure *f, double *cv, unsigned *n)
{
	const json_t *series = json_object_get(entry, "series");
	const json_t *points = json_object_get(series, "points"), *p;
	double interval = json_number_value(json_object_get(series, "interval_ms"));
	double sum = 0, sq = 0, mean, v;
	size_t i;

	*n = 0;
	json_array_foreach(points, i, p)
	{
		if (point_value(p, f->op, f->sample, interval, &v)) {
			sum += v;
			(*n)++;
		}
	}
	if (*n < FIG_NOISE_MIN_SAMPLES || !(sum > 0))
		return false;
	mean = sum / *n;
	json_array_foreach(points, i, p)
	{
		if (point_value(p, f->op, f->sample, interval, &v))
			sq += (v - mean) * (v - mean);
	}
	*cv = sqrt(sq / (*n - 1)) / mean;
	return true;
}

/* fio's own samples of a block job's direction: iops_stddev / iops_mean, bw_dev / bw_mean */
static bool samples_cv(const json_t *job, const struct fig_figure *f, double *cv, unsigned *n)
{
	const json_t *o = json_object_get(job, f->op);
	bool iops = f->sample == FIG_SAMPLE_OPS;
	double sd, mean;

	if (f->sample != FIG_SAMPLE_OPS && f->sample != FIG_SAMPLE_BYTES)
		return false;
	sd = json_number_value(json_object_get(o, iops ? "iops_stddev" : "bw_dev"));
	mean = json_number_value(json_object_get(o, iops ? "iops_mean" : "bw_mean"));
	*n = (unsigned)json_integer_value(json_object_get(o, iops ? "iops_samples" : "bw_samples"));
	if (*n < FIG_NOISE_MIN_SAMPLES || !(mean > 0))
		return false;
	*cv = sd / mean;
	return true;
}

/* The test's distinct series entries: one per source (numjobs' clones share their run's). */
static unsigned test_series(const struct fig_result *r, int g, const json_t **out)
{
	const struct merge_set *m = r->set;
	unsigned n = 0;

	for (unsigned i = 0; i < m->njobs && n < MAX_SERIES; i++) {
		const json_t *e;
		unsigned k = 0;
		if (!fig_job_in(&m->jobs[i], g))
			continue;
		e = series_of(holder_of(r, &m->jobs[i]), m->jobs[i].jobname);
		while (k < n && out[k] != e)
			k++;
		if (e && k == n)
			out[n++] = e;
	}
	return n;
}

static void figure_noise(const struct fig_result *r, int g, const json_t *const *entries,
			 unsigned nentries, struct fig_figure *f)
{
	double cv;
	unsigned n;

	/* a merged result: the noisiest source stands for all */
	for (unsigned e = 0; e < nentries; e++) {
		if (series_cv(entries[e], f, &cv, &n) && (f->noise < 0 || cv > f->noise)) {
			f->noise = cv;
			f->noise_samples = n;
			f->noise_source = FIG_NOISE_SERIES;
		}
	}
	if (f->noise_source != FIG_NOISE_NONE)
		return;
	for (unsigned i = 0; i < r->set->njobs; i++) {
		const struct merge_job *job = &r->set->jobs[i];
		if (!fig_job_in(job, g) || strcmp(merge_kind_name(job), "block"))
			continue;
		if (samples_cv(job->obj, f, &cv, &n) && (f->noise < 0 || cv > f->noise)) {
			f->noise = cv;
			f->noise_samples = n;
			f->noise_source = FIG_NOISE_SAMPLES;
		}
	}
}

void fig_test_noise(const struct fig_result *r, int g, struct fig_test *t)
{
	const json_t *entries[MAX_SERIES];
	unsigned n = test_series(r, g, entries);

	if (n) {
		t->series = json_object_get(entries[0], "series");
		t->stall_list = json_object_get(json_object_get(entries[0], "stalls"), "list");
	}
	for (unsigned i = 0; !t->stall_list && i < r->set->njobs; i++)
		if (fig_job_in(&r->set->jobs[i], g))
			t->stall_list = json_object_get(
				json_object_get(r->set->jobs[i].obj, "stalls"), "list");
	for (unsigned f = 0; f < t->nfigures; f++)
		figure_noise(r, g, entries, n, &t->fig[f]);
}

double fig_change_pct(double base, double value)
{
	if (!isfinite(base) || !isfinite(value) || base == 0)
		return NAN;
	return (value - base) / base * 100.0;
}

double fig_combined_noise_pct(const struct fig_figure *a, const struct fig_figure *b)
{
	if (a->noise < 0 || b->noise < 0)
		return NAN;
	return 100.0 * sqrt(a->noise * a->noise + b->noise * b->noise);
}

bool fig_beyond_noise(const struct fig_figure *base, const struct fig_figure *other,
		      double change_pct)
{
	double noise = fig_combined_noise_pct(base, other);

	return isfinite(noise) && isfinite(change_pct) &&
	       fabs(change_pct) > FIG_NOISE_FACTOR * noise;
}

bool fig_better_than(const struct fig_figure *f, double value, double base)
{
	return f->better == FIG_HIGHER ? value > base : value < base;
}

const char *fig_noise_source_name(enum fig_noise_source s)
{
	switch (s) {
	case FIG_NOISE_SERIES:
		return "series";
	case FIG_NOISE_SAMPLES:
		return "samples";
	case FIG_NOISE_NONE:
		break;
	}
	return "none";
}
