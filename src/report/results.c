/*
 * results.c - fio-shaped JSON for measured operations, the config echo, and the time series as
 * JSON and CSV. Every workload's results go through here, so they all read the same way.
 */
#include "pvcbench/report.h"
#include "pvcbench/fmt.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

const double report_percentiles[] = { 1,  5,  10, 20, 30,   40,	  50,	 60,   70,
				      80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99 };
const unsigned report_npercentiles = sizeof(report_percentiles) / sizeof(report_percentiles[0]);

/* n percentiles of list (none when n is 0) */
static void lat_json_at(struct jsonw *j, const char *key, const struct hist *h, const double *list,
			unsigned n)
{
	char name[32];

	jsonw_object_begin(j, key);
	jsonw_u64(j, "min", h->count ? h->min : 0);
	jsonw_u64(j, "max", h->max);
	jsonw_double(j, "mean", hist_mean(h));
	jsonw_double(j, "stddev", hist_stddev(h));
	jsonw_u64(j, "N", h->count);
	if (n && h->count) {
		jsonw_object_begin(j, "percentile");
		for (unsigned i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "%f", list[i]);
			jsonw_u64(j, name, hist_value_at(h, list[i]));
		}
		jsonw_object_end(j);
	}
	jsonw_object_end(j);
}

static void lat_json(struct jsonw *j, const char *key, const struct hist *h, bool percentiles)
{
	lat_json_at(j, key, h, report_percentiles, percentiles ? report_npercentiles : 0);
}

void report_hist_json(struct jsonw *j, const char *key, const struct hist *h)
{
	char sq[48], *p = sq + sizeof(sq) - 1;
	unsigned __int128 v = h->sum_squares;

	*p = '\0';
	do {
		*--p = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	jsonw_object_begin(j, key);
	jsonw_u64(j, "sub_bucket_bits", HIST_SUB_BITS);
	jsonw_u64(j, "count", h->count);
	jsonw_u64(j, "min", h->count ? h->min : 0);
	jsonw_u64(j, "max", h->max);
	jsonw_u64(j, "sum", h->sum);
	jsonw_string(j, "sum_squares", p);
	jsonw_array_begin(j, "buckets");
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		if (!h->buckets[b])
			continue;
		/* [bucket, count] pairs on one line each keep big results readable */
		fputs(j->first ? "\n" : ",\n", j->f);
		j->first = false;
		for (unsigned i = 0; i < j->depth; i++)
			fputs("  ", j->f);
		fprintf(j->f, "[%u, %" PRIu64 "]", b, h->buckets[b]);
	}
	jsonw_array_end(j);
	jsonw_object_end(j);
}

void op_samples_add(struct op_samples *into, const struct op_samples *from)
{
	if (!from->n)
		return;
	if (!into->n) {
		*into = *from;
		return;
	}
	into->n += from->n;
	into->min += from->min;
	into->max += from->max;
	into->mean += from->mean;
	into->s += from->s;
}

double op_samples_dev(const struct op_samples *s)
{
	return s->n > 1 && s->s > 0 ? sqrt(s->s / (double)(s->n - 1)) : 0.0;
}

/* %.17g: text that strtod turns back into the very same double */
static void exact_double(struct jsonw *j, const char *key, double v)
{
	fputs(j->first ? "\n" : ",\n", j->f);
	j->first = false;
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->f);
	fprintf(j->f, "\"%s\" : %.17g", key, isfinite(v) ? v : 0.0);
}

void report_samples_json(struct jsonw *j, const char *key, const struct op_samples *s)
{
	jsonw_object_begin(j, key);
	jsonw_u64(j, "samples", s->n);
	exact_double(j, "min", s->min);
	exact_double(j, "max", s->max);
	exact_double(j, "mean", s->mean);
	exact_double(j, "S", s->s);
	jsonw_object_end(j);
}

/* fio's bw_min ... iops_samples; bw_agg is the mean's share of bw_bytes, at most 100 */
static void samples_fields(struct jsonw *j, const struct op_samples *bw,
			   const struct op_samples *iops, uint64_t bw_bytes)
{
	double per = 100.0;

	if (bw->n && bw_bytes > 1024) {
		per = bw->mean * 100.0 / ((double)bw_bytes / 1024.0);
		per = per > 100.0 ? 100.0 : per;
	}
	jsonw_u64(j, "bw_min", (uint64_t)bw->min);
	jsonw_u64(j, "bw_max", (uint64_t)bw->max);
	jsonw_double(j, "bw_agg", bw->n ? per : 0.0);
	jsonw_double(j, "bw_mean", bw->mean);
	jsonw_double(j, "bw_dev", op_samples_dev(bw));
	jsonw_u64(j, "bw_samples", bw->n);
	jsonw_u64(j, "iops_min", (uint64_t)iops->min);
	jsonw_u64(j, "iops_max", (uint64_t)iops->max);
	jsonw_double(j, "iops_mean", iops->mean);
	jsonw_double(j, "iops_stddev", op_samples_dev(iops));
	jsonw_u64(j, "iops_samples", iops->n);
}

/* fio's sync object, with what pvcbench merge reads back (see workloads/block/fio_json.c) */
static void sync_json(struct jsonw *j, const char *key, const struct op_stats *s,
		      uint64_t runtime_ms)
{
	jsonw_object_begin(j, key);
	jsonw_u64(j, "total_ios", s->ops);
	lat_json(j, "lat_ns", &s->lat, false);
	jsonw_u64(j, "io_bytes", s->bytes);
	jsonw_u64(j, "runtime", runtime_ms);
	jsonw_u64(j, "errors", s->errors);
	report_hist_json(j, "lat_hist", &s->lat);
	jsonw_object_end(j);
}

void report_op_json_extra(struct jsonw *j, const char *key, const struct op_stats *s,
			  uint64_t runtime_ns, const struct op_extra *x)
{
	static const struct op_extra none_extra;
	uint64_t runtime_ms = fmt_fio_msec(runtime_ns);
	uint64_t bw_bytes = runtime_ms ? s->bytes * 1000 / runtime_ms : 0;
	bool split = x && x->slat && x->clat, samples = x && x->bw && x->iops;
	struct hist none;

	if (!x)
		x = &none_extra;
	if (x->sync_shape) {
		sync_json(j, key, s, runtime_ms);
		return;
	}
	hist_init(&none);
	jsonw_object_begin(j, key);
	jsonw_u64(j, "io_bytes", s->bytes);
	jsonw_u64(j, "io_kbytes", s->bytes / 1024);
	jsonw_u64(j, "bw_bytes", bw_bytes);
	jsonw_u64(j, "bw", bw_bytes / 1024);
	jsonw_double(j, "iops", runtime_ms ? (double)s->ops * 1000.0 / (double)runtime_ms : 0.0);
	jsonw_u64(j, "runtime", runtime_ms);
	jsonw_u64(j, "total_ios", s->ops);
	jsonw_u64(j, "short_ios", x->short_ios);
	jsonw_u64(j, "drop_ios", x->drop_ios);
	jsonw_u64(j, "errors", s->errors);
	const struct hist *lats[OP_LATS] = { split ? x->slat : &none, split ? x->clat : &s->lat,
					     &s->lat };
	static const char *const keys[OP_LATS] = { "slat_ns", "clat_ns", "lat_ns" };
	const double *list = x->percentiles ? x->percentiles : report_percentiles;
	unsigned n = x->percentiles ? x->npercentiles : report_npercentiles;
	for (unsigned k = 0; k < OP_LATS; k++) {
		bool on = x->percentiles_set ? x->percentile_on[k] : k == OP_CLAT;
		lat_json_at(j, keys[k], lats[k], list, on ? n : 0);
	}
	if (samples)
		samples_fields(j, x->bw, x->iops, bw_bytes);
	report_hist_json(j, "lat_hist", &s->lat);
	if (split) {
		report_hist_json(j, "slat_hist", x->slat);
		report_hist_json(j, "clat_hist", x->clat);
	}
	if (samples) {
		report_samples_json(j, "bw_sums", x->bw);
		report_samples_json(j, "iops_sums", x->iops);
	}
	jsonw_object_end(j);
}

void report_op_json(struct jsonw *j, const char *key, const struct op_stats *s, uint64_t runtime_ns)
{
	report_op_json_extra(j, key, s, runtime_ns, NULL);
}

void report_config_json(struct jsonw *j, const struct option_set *set, const void *config)
{
	char value[OPT_STRING_MAX];

	jsonw_object_begin(j, "job options");
	for (unsigned i = 0; i < set->count; i++) {
		if (set->source[i] == SRC_DEFAULT || !opt_has_field(&set->defs[i]))
			continue;
		opt_format_value(&set->defs[i], config, value, sizeof(value));
		jsonw_string(j, set->defs[i].name, value);
	}
	jsonw_object_end(j);
	jsonw_object_begin(j, "config");
	for (unsigned i = 0; i < set->count; i++) {
		/* lists, refused and fixed rows hold no value of their own */
		if (!opt_has_field(&set->defs[i]))
			continue;
		opt_format_value(&set->defs[i], config, value, sizeof(value));
		jsonw_object_begin(j, set->defs[i].name);
		jsonw_string(j, "value", value);
		jsonw_string(j, "source", opt_source_name(set->source[i]));
		if (set->source[i] == SRC_ENV)
			jsonw_string(j, "env", set->defs[i].env);
		else if (set->source[i] == SRC_ENV_ALT)
			jsonw_string(j, "env", set->defs[i].env_alt);
		jsonw_object_end(j);
	}
	jsonw_object_end(j);
}

/* How much of a series point lies inside the run's stalls, in ms (three decimals). */
static double point_stalled_ms(const struct run_result *r, const struct series_point *pt)
{
	uint64_t from = pt->start_ms * 1000000ULL, to = from + pt->duration_ms * 1000000ULL;
	uint64_t in = 0;

	for (size_t i = 0; i < r->stalls.n; i++) {
		uint64_t s = r->stalls.v[i].start_ns, e = s + r->stalls.v[i].length_ns;
		uint64_t a = s > from ? s : from, b = e < to ? e : to;
		if (b > a)
			in += b - a;
	}
	return (double)in / 1e6;
}

void report_series_json(struct jsonw *j, const char *key, const struct run_result *r)
{
	jsonw_object_begin(j, key);
	jsonw_u64(j, "interval_ms", r->interval_ns / 1000000);
	jsonw_u64(j, "start_unix_ms", r->start_unix_ms);
	jsonw_array_begin(j, "points");
	for (size_t i = 0; i < r->npoints; i++) {
		const struct series_point *pt = &r->points[i];
		jsonw_object_begin(j, NULL);
		jsonw_u64(j, "t_ms", pt->start_ms);
		jsonw_u64(j, "duration_ms", pt->duration_ms);
		jsonw_double(j, "stalled_ms", point_stalled_ms(r, pt));
		for (unsigned k = 0; k < r->nops; k++) {
			jsonw_object_begin(j, r->op_names[k]);
			jsonw_u64(j, "ops", pt->op[k].ops);
			jsonw_u64(j, "bytes", pt->op[k].bytes);
			jsonw_u64(j, "errors", pt->op[k].errors);
			jsonw_u64(j, "lat_mean_ns", pt->op[k].lat_mean_ns);
			jsonw_u64(j, "lat_max_ns", pt->op[k].lat_max_ns);
			jsonw_u64(j, "lat_p99_ns", pt->op[k].lat_p99_ns);
			jsonw_object_end(j);
		}
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	jsonw_object_end(j);
}

void report_series_csv(FILE *f, const struct run_result *r, const char *label, bool header)
{

	if (header)
		fputs("run,t_ms,op,ops,bytes,errors,iops,bw_bytes,lat_mean_us,lat_max_us,lat_p99_us,"
		      "stalled_ms\n",
		      f);
	for (size_t i = 0; i < r->npoints; i++) {
		const struct series_point *pt = &r->points[i];
		double per_s = pt->duration_ms ? 1000.0 / (double)pt->duration_ms : 0.0;
		for (unsigned k = 0; k < r->nops; k++) {
			const struct series_op *o = &pt->op[k];
			fprintf(f,
				"%s,%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64
				",%.1f,%.0f,%.2f,%.2f,%.2f,%.3f\n",
				label, pt->start_ms, r->op_names[k], o->ops, o->bytes, o->errors,
				(double)o->ops * per_s, (double)o->bytes * per_s,
				(double)o->lat_mean_ns / 1000.0, (double)o->lat_max_ns / 1000.0,
				(double)o->lat_p99_ns / 1000.0, point_stalled_ms(r, pt));
		}
	}
}
