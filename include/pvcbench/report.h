/*
 * report.h - renderers over the result model: a small JSON writer, fio-shaped JSON objects for
 * measured operations (so tools that read fio's JSON read every workload), the time series as
 * JSON and CSV, and the config echo with each value's source.
 */
#ifndef PVCBENCH_REPORT_H
#define PVCBENCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pvcbench/options.h"
#include "pvcbench/runner.h"

/* A streaming JSON writer, pretty-printed like fio's (two-space indents). */
struct jsonw {
	FILE *f;
	unsigned depth;
	bool first; /* no comma needed before the next member */
};

void jsonw_begin(struct jsonw *j, FILE *f); /* opens the top-level object */
void jsonw_end(struct jsonw *j);	    /* closes it and ends the line */
/* key is NULL for an element of an array. */
void jsonw_object_begin(struct jsonw *j, const char *key);
void jsonw_object_end(struct jsonw *j);
void jsonw_array_begin(struct jsonw *j, const char *key);
void jsonw_array_end(struct jsonw *j);
void jsonw_string(struct jsonw *j, const char *key, const char *value);
void jsonw_u64(struct jsonw *j, const char *key, uint64_t value);
void jsonw_i64(struct jsonw *j, const char *key, int64_t value);
void jsonw_double(struct jsonw *j, const char *key, double value); /* %f, as fio */
void jsonw_bool(struct jsonw *j, const char *key, bool value);
void jsonw_null(struct jsonw *j, const char *key);

/*
 * One measured operation type in fio's shape: io_bytes, io_kbytes, bw_bytes, bw, iops, runtime,
 * total_ios, short_ios, drop_ios, slat_ns (not measured separately: N=0), clat_ns and lat_ns
 * (the same measurement: issue to completion) with percentile keyed "99.000000", plus errors
 * and lat_hist (the sparse histogram buckets that pvcbench merge adds exactly).
 */
void report_op_json(struct jsonw *j, const char *key, const struct op_stats *s,
		    uint64_t runtime_ns);

/*
 * bw or iops samples summed as fio's group_reporting sums its jobs' (sum_stat with pure_sum):
 * samples, min, max, mean and S (the sum of squared deviations from the mean) each added, so
 * that the group's bw_min is the sum of its jobs' minimums. One job's own stats are the first
 * term. The deviation is sqrt(S / (samples - 1)).
 */
struct op_samples {
	uint64_t n;
	double min, max, mean, s;
};
/*
 * The exact histogram as a member ("lat_hist"): sub_bucket_bits, count, min, max, sum,
 * sum_squares (a decimal string: 128 bits) and the non-empty buckets as [index, count] pairs,
 * enough to merge results from many runs without loss (pvcbench merge reads it back).
 */
void report_hist_json(struct jsonw *j, const char *key, const struct hist *h);
void op_samples_add(struct op_samples *into, const struct op_samples *from);
double op_samples_dev(const struct op_samples *s);
/* {"samples", "min", "max", "mean", "S"}, the doubles written so they read back exactly. */
void report_samples_json(struct jsonw *j, const char *key, const struct op_samples *s);

/*
 * What a fio direction has beyond report_op_json's fields; NULL members are left as
 * report_op_json writes them. slat and clat (both or neither): slat_ns and clat_ns from them
 * (else an empty slat and clat = lat), plus slat_hist and clat_hist. bw and iops (both or
 * neither): fio's bw_min ... iops_samples, with bw_agg against the operation's own bandwidth
 * (fio's against its group's aggregate), plus bw_sums and iops_sums. sync_shape: fio's sync
 * object instead (total_ios and lat_ns, then io_bytes, runtime, errors and lat_hist).
 * percentiles_set: which of slat_ns, clat_ns, lat_ns get a percentile object (fio's
 * slat_percentiles, clat_percentiles, lat_percentiles; else clat's only), at npercentiles
 * values of percentiles (NULL: report_percentiles, fio's default list).
 */
enum { OP_SLAT, OP_CLAT, OP_LAT, OP_LATS };
struct op_extra {
	const struct hist *slat, *clat;
	const struct op_samples *bw, *iops;
	uint64_t short_ios, drop_ios;
	bool sync_shape;
	bool percentiles_set, percentile_on[OP_LATS];
	const double *percentiles;
	unsigned npercentiles;
};
void report_op_json_extra(struct jsonw *j, const char *key, const struct op_stats *s,
			  uint64_t runtime_ns, const struct op_extra *x);

/* "job options" (only what was set) and "config" (every row: value and source). */
void report_config_json(struct jsonw *j, const struct option_set *set, const void *config);

/* The time series of a run: interval_ms, then one entry per interval per operation type. */
void report_series_json(struct jsonw *j, const char *key, const struct run_result *r);
/* The same as CSV rows; header printed when header is true. label names the run. */
void report_series_csv(FILE *f, const struct run_result *r, const char *label, bool header);

/*
 * The outage windows (stall.h) as a member: {"threshold_ms", "count", "total_ms", "longest_ms",
 * "failures", "open", "dropped", "failures_by_cause": {cause: n}, "run_failures", "list": [{
 * "start_unix_ms", "start_ms", "length_ms", "open", "failures", "causes": {cause: n},
 * "recovery_ms" (null: not recovered or no baseline), "recovered" ("yes", "no", "no baseline"),
 * "baseline_ops_per_s"}]}. Milliseconds with three decimals. pvcbench merge reads it back.
 */
void report_stalls_json(struct jsonw *j, const char *key, const struct stall_list *l);

/* fio's percentile list: 1, 5, 10, 20, ..., 90, 95, 99, 99.5, 99.9, 99.95, 99.99. */
extern const double report_percentiles[];
extern const unsigned report_npercentiles;

/*
 * Results files are written whole or not at all: report_output_open returns a temporary file
 * beside path (stdout when path is NULL or "-"), report_output_commit renames it into place.
 * A path that exists and is not a regular file or a directory (/dev/null, a FIFO) is written
 * in place, never replaced.
 */
struct report_output {
	FILE *f;
	char path[4096], tmp[4112];
	char option[32]; /* the option that named the file, for messages */
	bool direct;	 /* not a regular file (/dev/null, a FIFO): written in place */
};
int report_output_open(struct report_output *o, const char *path, const char *option, char *err,
		       size_t err_size);
int report_output_commit(struct report_output *o, char *err, size_t err_size);
void report_output_abort(struct report_output *o);

/* fio's top-level members: "fio version", "timestamp", "timestamp_ms", "time". */
void report_json_header(struct jsonw *j);

#endif
