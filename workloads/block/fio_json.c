/*
 * fio_json.c - the jobs[] entries of fio's JSON (fio 3.33's show_thread_status_json): per unit
 * its read, write, trim and sync objects, cpu, IO depth distributions, latency buckets and
 * latency target fields, in fio's key order.
 *
 * pvcbench adds, and fio lacks: "ioengine"/"ioengine_why" (the engine chosen and why), "config"
 * (every option with its source), and in each direction "errors", "lat_hist", "slat_hist" and
 * "clat_hist" (the exact histograms that pvcbench merge adds up) and "bw_sums"/"iops_sums" (the
 * samples' sums, as fio's group_reporting adds them: see report_samples_json); sync carries
 * io_bytes, runtime, errors and lat_hist for the same reason.
 */
#define _GNU_SOURCE
#include "fio_unit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/fmt.h"

/* One latency object: min, max, mean, stddev, N, then percentile (and json+'s bins). */
static void lat_json(struct jsonw *j, const char *key, const struct hist *h, bool percentiles,
		     bool bins, const struct blk_report_opts *r)
{
	char name[48];

	jsonw_object_begin(j, key);
	jsonw_u64(j, "min", h->count ? h->min : 0);
	jsonw_u64(j, "max", h->max);
	jsonw_double(j, "mean", hist_mean(h));
	jsonw_double(j, "stddev", hist_stddev(h));
	jsonw_u64(j, "N", h->count);
	if (percentiles && h->count && r->npercentiles) {
		jsonw_object_begin(j, "percentile");
		for (unsigned i = 0; i < r->npercentiles; i++) {
			snprintf(name, sizeof(name), "%f", r->percentiles[i]);
			jsonw_u64(j, name, hist_value_at(h, r->percentiles[i]));
		}
		jsonw_object_end(j);
		if (bins) {
			/* json+: each non-empty bucket by its midpoint, as fio's plat bins */
			jsonw_object_begin(j, "bins");
			for (unsigned b = 0; b < HIST_BUCKETS; b++) {
				if (!h->buckets[b])
					continue;
				snprintf(name, sizeof(name), "%" PRIu64,
					 (hist_bucket_low(b) + hist_bucket_high(b)) / 2);
				jsonw_u64(j, name, h->buckets[b]);
			}
			jsonw_object_end(j);
		}
	}
	jsonw_object_end(j);
}

static void dir_json(struct jsonw *j, const struct blk_unit *u, unsigned d,
		     const struct blk_group_stats *gs, bool plus)
{
	const struct blk_unit_dir *s = &u->dir[d];
	const struct blk_report_opts *r = u->rep;
	uint64_t ms = fmt_fio_msec(s->runtime_ns);
	uint64_t bw_bytes = ms ? s->bytes * 1000 / ms : 0;
	uint64_t agg = d < BLK_DIRS ? gs->agg[d] : 0;

	jsonw_object_begin(j, blk_dir_names[d]);
	jsonw_u64(j, "io_bytes", s->bytes);
	jsonw_u64(j, "io_kbytes", s->bytes / 1024);
	jsonw_u64(j, "bw_bytes", bw_bytes);
	jsonw_u64(j, "bw", bw_bytes / 1024);
	jsonw_double(j, "iops", ms ? (double)s->ops * 1000.0 / (double)ms : 0.0);
	jsonw_u64(j, "runtime", ms);
	jsonw_u64(j, "total_ios", s->ops);
	jsonw_u64(j, "short_ios", s->short_ios);
	jsonw_u64(j, "drop_ios", s->drop_ios);
	jsonw_u64(j, "errors", s->errors);
	/* json+'s bins go with each object that has percentiles, as fio's */
	lat_json(j, "slat_ns", &s->slat, r->slat_percentiles, plus, r);
	lat_json(j, "clat_ns", &s->clat, r->clat_percentiles, plus, r);
	lat_json(j, "lat_ns", &s->lat, r->lat_percentiles, plus, r);
	/* pvcbench's: latency from each I/O's intended issue time, only under a rate */
	if (s->sched.count)
		lat_json(j, "sched_lat_ns", &s->sched, true, false, r);
	double per = 100.0;
	if (s->bw.n && agg > 1024) {
		per = s->bw.mean * 100.0 / ((double)agg / 1024.0);
		per = per > 100.0 ? 100.0 : per;
	}
	jsonw_u64(j, "bw_min", (uint64_t)s->bw.min);
	jsonw_u64(j, "bw_max", (uint64_t)s->bw.max);
	jsonw_double(j, "bw_agg", s->bw.n ? per : 0.0);
	jsonw_double(j, "bw_mean", s->bw.mean);
	jsonw_double(j, "bw_dev", blk_sample_dev(&s->bw));
	jsonw_u64(j, "bw_samples", s->bw.n);
	jsonw_u64(j, "iops_min", (uint64_t)s->iops.min);
	jsonw_u64(j, "iops_max", (uint64_t)s->iops.max);
	jsonw_double(j, "iops_mean", s->iops.mean);
	jsonw_double(j, "iops_stddev", blk_sample_dev(&s->iops));
	jsonw_u64(j, "iops_samples", s->iops.n);
	report_hist_json(j, "lat_hist", &s->lat);
	/* the parts of slat_ns, clat_ns and the samples that pvcbench merge adds up exactly */
	report_hist_json(j, "slat_hist", &s->slat);
	report_hist_json(j, "clat_hist", &s->clat);
	report_samples_json(
		j, "bw_sums",
		&(struct op_samples){ s->bw.n, s->bw.min, s->bw.max, s->bw.mean, s->bw.s });
	report_samples_json(j, "iops_sums",
			    &(struct op_samples){ s->iops.n, s->iops.min, s->iops.max, s->iops.mean,
						  s->iops.s });
	jsonw_object_end(j);
}

static void sync_json(struct jsonw *j, const struct blk_unit *u)
{
	jsonw_object_begin(j, "sync");
	jsonw_u64(j, "total_ios", u->syncs);
	lat_json(j, "lat_ns", &u->sync_lat, u->sync_lat.count > 0, false, u->rep);
	/* pvcbench merge reads every object with total_ios as an operation */
	jsonw_u64(j, "io_bytes", 0);
	jsonw_u64(j, "runtime", u->sync_lat.count ? fmt_fio_msec(u->runtime_ns) : 0);
	jsonw_u64(j, "errors", 0);
	report_hist_json(j, "lat_hist", &u->sync_lat);
	jsonw_object_end(j);
}

static void dist_json(struct jsonw *j, const char *key, const uint64_t *counts,
		      const char *const *labels)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < BLK_DEPTH_BUCKETS; i++)
		total += counts[i];
	jsonw_object_begin(j, key);
	for (unsigned i = 0; i < BLK_DEPTH_BUCKETS; i++)
		jsonw_double(j, labels[i], blk_pct(counts[i], total, 0.1));
	jsonw_object_end(j);
}

static void buckets_json(struct jsonw *j, const char *key, const uint64_t *counts, unsigned n,
			 uint64_t total)
{
	static const char *const ranges[] = { "2",   "4",   "10",  "20",   "50",   "100",
					      "250", "500", "750", "1000", "2000", ">=2000" };

	jsonw_object_begin(j, key);
	for (unsigned i = 0; i < n; i++)
		jsonw_double(j, ranges[i], blk_pct(counts[i], total, 0.01));
	jsonw_object_end(j);
}

static void unit_json(struct jsonw *j, const struct blk_unit *u, const struct blk_group_stats *gs,
		      bool plus)
{
	static const char *const level[] = { "1", "2", "4", "8", "16", "32", ">=64" };
	static const char *const submit[] = { "0", "4", "8", "16", "32", "64", ">=64" };
	const struct blk_report_opts *r = u->rep;
	double run = (double)u->clone_runtime_ns;
	uint64_t total = 0;

	jsonw_object_begin(j, NULL);
	jsonw_string(j, "jobname", u->job->o.name);
	jsonw_u64(j, "groupid", u->groupid);
	jsonw_i64(j, "error", u->error);
	/* fio's, with continue_on_error: the errors let pass and the first of them */
	if (u->job->o.ctl.continue_mask) {
		uint64_t errors = 0;
		for (unsigned d = 0; d < BLK_DIRS; d++)
			errors += u->dir[d].errors;
		jsonw_u64(j, "total_err", errors);
		jsonw_i64(j, "first_error", u->first_error);
	}
	if (u->error)
		jsonw_string(j, "error_message", u->error_msg);
	jsonw_u64(j, "eta", 0);
	jsonw_u64(j, "elapsed", (u->elapsed_ns + 500000000ULL) / 1000000000ULL);
	report_config_json(j, &u->job->set, &u->job->o);
	jsonw_string(j, "ioengine", u->job->engine_name);
	jsonw_string(j, "ioengine_why", u->job->engine_why);
	if (r->unified == BLK_UNIFIED_MIXED) {
		dir_json(j, u, BLK_DIR_MIXED, gs, plus);
	} else {
		for (unsigned d = 0; d < BLK_DIRS; d++)
			dir_json(j, u, d, gs, plus);
	}
	/* fio writes no sync object under unified (mixed) reporting */
	if (r->unified != BLK_UNIFIED_MIXED)
		sync_json(j, u);
	if (r->unified == BLK_UNIFIED_BOTH)
		dir_json(j, u, BLK_DIR_MIXED, gs, plus);
	jsonw_u64(j, "job_runtime", fmt_fio_msec(u->clone_runtime_ns));
	jsonw_double(j, "usr_cpu", run ? 100.0 * (double)u->usr_ns / run : 0.0);
	jsonw_double(j, "sys_cpu", run ? 100.0 * (double)u->sys_ns / run : 0.0);
	jsonw_u64(j, "ctx", u->ctx);
	/* page faults are not counted per worker thread: getrusage(RUSAGE_THREAD) has none */
	jsonw_u64(j, "majf", 0);
	jsonw_u64(j, "minf", 0);
	dist_json(j, "iodepth_level", u->depth, level);
	dist_json(j, "iodepth_submit", u->submit, submit);
	dist_json(j, "iodepth_complete", u->complete, submit);
	for (unsigned d = 0; d < BLK_DIRS; d++)
		total += u->dir[d].ops;
	uint64_t n[10], us[10], ms[12];
	blk_lat_buckets(u, n, us, ms);
	buckets_json(j, "latency_ns", n, 10, total);
	buckets_json(j, "latency_us", us, 10, total);
	buckets_json(j, "latency_ms", ms, 12, total);
	/* fio's latency_target mode (latency_target=...) is not implemented: its defaults */
	if (u->dir[0].sched.count || u->dir[1].sched.count || u->dir[2].sched.count)
		jsonw_u64(j, "rate_behind_max_ns", u->behind_max_ns);
	jsonw_u64(j, "latency_depth", (uint64_t)u->job->o.iodepth);
	jsonw_u64(j, "latency_target", 0);
	jsonw_double(j, "latency_percentile", 100.0);
	jsonw_u64(j, "latency_window", 0);
	blk_unit_stalls_json(j, u); /* pvcbench's: the outage windows */
	blk_unit_target_json(j, u); /* pvcbench's: where it ran */
	if (u->job->ack)	    /* verify_only's ledger check (ledger.h) */
		blk_ack_print_json(j, u->job->ack);
	if (u->job->o.ctl.description[0]) /* fio's desc, last */
		jsonw_string(j, "desc", u->job->o.ctl.description);
	jsonw_object_end(j);
}

void blk_group_json_format(struct jsonw *j, const struct blk_group_result *const *runs,
			   unsigned nruns, unsigned r, bool plus)
{
	struct blk_unit *u = malloc(sizeof(*u));
	struct blk_group_stats *gs = blk_groups_stats(runs, nruns);
	unsigned n = blk_units_count(runs, nruns);

	if (u && gs)
		for (unsigned i = 0; i < n; i++) {
			if (blk_unit_run(runs, nruns, i) != r)
				continue;
			blk_unit_fill(runs, nruns, i, u);
			if (u->rep->stats)
				unit_json(j, u, &gs[u->groupid], plus);
		}
	free(gs);
	free(u);
}
