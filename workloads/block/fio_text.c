/*
 * fio_text.c - fio's normal text output: the job header printed before a run, each unit's
 * report (the stat line per direction, slat/clat/lat lines, percentiles, bw/iops samples,
 * latency buckets, cpu, IO depths) and the group's "Run status group N (all jobs):" block.
 *
 * Units and rules are fio's (stat.c): latency lines in nsec, usec or msec by their spread;
 * numbers with significant_figures digits; IEC units first unless kb_base=1000.
 */
#define _GNU_SOURCE
#include "fio_unit.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvcbench/fmt.h"

void blk_print_job_header(FILE *out, const struct blk_job *job)
{
	static const char *const tags[] = { "R", "W", "T" };

	fprintf(out, "%s: (g=%u): rw=%s, bs=", job->o.name, job->groupid, blk_pattern_rw_name(job));
	/* each direction's smallest and largest block, as fio prints them */
	for (unsigned d = 0; d < 3; d++)
		fprintf(out, "%s(%s) %" PRIu64 "B-%" PRIu64 "B", d ? ", " : "", tags[d],
			job->o.pat.dir[d].min, job->o.pat.dir[d].max);
	fprintf(out, ", ioengine=%s, iodepth=%" PRId64 "\n",
		job->engine_name ? job->engine_name : job->o.ioengine, job->o.iodepth);
	if (job->o.numjobs > 1)
		fputs("...\n", out);
}

void blk_print_run_header(FILE *out, struct blk_job *const *jobs, unsigned njobs)
{
	uint64_t workers = 0;
	bool threads = njobs > 0;

	for (unsigned i = 0; i < njobs; i++) {
		blk_print_job_header(out, jobs[i]);
		workers += (uint64_t)jobs[i]->o.numjobs;
		threads &= jobs[i]->o.thread;
	}
	/* fio's version line ("fio-3.33"): pvcbench's own */
	fprintf(out, "pvcbench-%s\n", PVC_VERSION);
	fprintf(out, "Starting %" PRIu64 " %s%s\n", workers, threads ? "thread" : "process",
		workers == 1 ? "" : (threads ? "s" : "es"));
}

/* A bandwidth (B/s) in the unit's first base and the other one, with unit_base's unit. */
static void bw_text(char *first, char *alt, size_t size, uint64_t bps,
		    const struct blk_report_opts *r)
{
	unsigned sig = (unsigned)r->significant_figures;
	bool iec = r->kb_base == 1024;
	const char *unit = r->unit_base == 1 ? "bit/s" : "B/s";

	if (r->unit_base == 1)
		bps *= 8;
	fmt_fio_num(first, size, bps, sig, iec ? FMT_IEC : FMT_SI, unit);
	fmt_fio_num(alt, size, bps, sig, iec ? FMT_SI : FMT_IEC, unit);
}

static void bytes_text(char *first, char *alt, size_t size, uint64_t bytes,
		       const struct blk_report_opts *r)
{
	unsigned sig = (unsigned)r->significant_figures;
	bool iec = r->kb_base == 1024;

	fmt_fio_num(first, size, bytes, sig, iec ? FMT_IEC : FMT_SI, "B");
	if (alt)
		fmt_fio_num(alt, size, bytes, sig, iec ? FMT_SI : FMT_IEC, "B");
}

/* fio's display_lat: msec or usec when min, max and stddev are all large enough. */
static void lat_line(FILE *out, const char *name, const struct hist *h)
{
	double mean = hist_mean(h), dev = hist_stddev(h);
	uint64_t min = h->min, max = h->max;
	const char *base = "nsec";
	char a[32], b[32];

	if (!h->count)
		return;
	if (min > 2000000 && max > 99999999ULL && dev > 1000000.0) {
		base = "msec";
		min /= 1000000, max /= 1000000, mean /= 1e6, dev /= 1e6;
	} else if (min > 2000 && max > 99999 && dev > 1000.0) {
		base = "usec";
		min /= 1000, max /= 1000, mean /= 1e3, dev /= 1e3;
	}
	fmt_fio_num(a, sizeof(a), min, 6, FMT_SI, "");
	fmt_fio_num(b, sizeof(b), max, 6, FMT_SI, "");
	fprintf(out, "    %s (%s): min=%s, max=%s, avg=%5.02f, stdev=%5.02f\n", name, base, a, b,
		mean, dev);
}

/* fio's show_clat_percentiles: one block, scaled to usec or msec by the values' range. */
static void percentile_block(FILE *out, const char *pre, const struct hist *h,
			     const struct blk_report_opts *r)
{
	uint64_t vals[BLK_MAX_PERCENTILES], maxv = 0, minv = UINT64_MAX, divisor = 1;
	unsigned n = r->npercentiles, scale = 0;
	const char *base = "nsec";

	if (!h->count || !n)
		return;
	for (unsigned i = 0; i < n; i++) {
		vals[i] = hist_value_at(h, r->percentiles[i]);
		maxv = vals[i] > maxv ? vals[i] : maxv;
		minv = vals[i] < minv ? vals[i] : minv;
	}
	if (minv > 2000000 && maxv > 99999999ULL) {
		scale = 2, divisor = 1000000, base = "msec";
	} else if (minv > 2000 && maxv > 99999) {
		scale = 1, divisor = 1000, base = "usec";
	}
	int width = (int)log10((double)(maxv / divisor ? maxv / divisor : 1)) + 1;
	width = width < 5 ? 5 : width;
	unsigned per_line = (80 - 7) / (r->precision + 10 + (unsigned)width);
	fprintf(out, "    %s percentiles (%s):\n     |", pre, base);
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = vals[i];
		for (unsigned s = 0; s < scale; s++)
			v = (v + 999) / 1000;
		if (i && i % per_line == 0)
			fputs("     |", out);
		fprintf(out, " %*.*fth=[%*" PRIu64 "]%c", (int)r->precision + 3, (int)r->precision,
			r->percentiles[i], width, v, i == n - 1 ? '\n' : ',');
		if (i != n - 1 && i % per_line == per_line - 1)
			fputc('\n', out);
	}
}

/* "   bw (  KiB/s): ..." and "   iops        : ..." from the bw and iops samples. */
static void sample_lines(FILE *out, const struct blk_unit_dir *d, const struct blk_report_opts *r,
			 uint64_t agg_bps)
{
	if (d->bw.n) {
		double kb = (double)r->kb_base, min = d->bw.min, max = d->bw.max, mean = d->bw.mean,
		       dev = blk_sample_dev(&d->bw);
		bool iec = r->kb_base == 1024;
		const char *unit =
			r->unit_base == 1 ? (iec ? "Kibit" : "kbit") : (iec ? "KiB" : "kB");
		double per = 100.0;
		if (agg_bps > 1024) {
			per = mean * 100.0 / ((double)agg_bps / 1024.0);
			per = per > 100.0 ? 100.0 : per;
		}
		if (r->unit_base == 1)
			min *= 8, max *= 8, mean *= 8, dev *= 8;
		if (mean > kb * kb) {
			min /= kb, max /= kb, mean /= kb, dev /= kb;
			unit = r->unit_base == 1 ? "Mibit" : "MiB";
		}
		fprintf(out,
			"   bw (%5s/s): min=%5" PRIu64 ", max=%5" PRIu64
			", per=%3.2f%%, avg=%5.02f, stdev=%5.02f, samples=%" PRIu64 "\n",
			unit, (uint64_t)min, (uint64_t)max, per, mean, dev, d->bw.n);
	}
	if (d->iops.n)
		fprintf(out,
			"   iops        : min=%5" PRIu64 ", max=%5" PRIu64
			", avg=%5.02f, stdev=%5.02f, samples=%" PRIu64 "\n",
			(uint64_t)d->iops.min, (uint64_t)d->iops.max, d->iops.mean,
			blk_sample_dev(&d->iops), d->iops.n);
}

static void dir_status(FILE *out, const struct blk_unit *u, unsigned d,
		       const struct blk_group_stats *gs)
{
	const struct blk_unit_dir *s = &u->dir[d];
	const struct blk_report_opts *r = u->rep;
	uint64_t ms = fmt_fio_msec(s->runtime_ns);
	char iops[32], bw[32], bw_alt[32], io[32];

	if (!ms)
		return;
	bw_text(bw, bw_alt, sizeof(bw), s->bytes * 1000 / ms, r);
	bytes_text(io, NULL, sizeof(io), s->bytes, r);
	fmt_fio_num(iops, sizeof(iops), s->ops * 1000 / ms, (unsigned)r->significant_figures,
		    FMT_SI, "");
	fprintf(out, "  %s: IOPS=%s, BW=%s (%s)(%s/%" PRIu64 "msec)%s\n",
		d == BLK_DIR_MIXED ? "mixed" : blk_dir_names[d], iops, bw, bw_alt, io, ms,
		d == 1 ? "; 0 zone resets" : "");
	if (s->errors)
		fprintf(out, "    errors: %" PRIu64 "\n", s->errors);
	lat_line(out, "slat", &s->slat);
	lat_line(out, "clat", &s->clat);
	lat_line(out, " lat", &s->lat);
	/* pvcbench's: from the intended issue time under a rate (no coordinated omission) */
	if (s->sched.count)
		lat_line(out, "sched", &s->sched);
	if (r->slat_percentiles)
		percentile_block(out, "slat", &s->slat, r);
	if (r->clat_percentiles)
		percentile_block(out, "clat", &s->clat, r);
	if (r->lat_percentiles)
		percentile_block(out, "lat", &s->lat, r);
	uint64_t agg = 0;
	if (d < BLK_DIRS)
		agg = gs->agg[d];
	sample_lines(out, s, r, agg);
}

/* fio's show_lat: "  lat (usec)   : 2=0.10%, 4=..." five to a line, empty buckets left out. */
static void bucket_lines(FILE *out, const char *unit, const uint64_t *counts, unsigned n,
			 uint64_t total)
{
	static const char *const ranges[] = { "2",   "4",   "10",  "20",   "50",   "100",
					      "250", "500", "750", "1000", "2000", ">=2000" };
	unsigned on_line = 0;
	bool shown = false;

	for (unsigned i = 0; i < n; i++) {
		double p = blk_pct(counts[i], total, 0.01);
		if (p <= 0.0)
			continue;
		if (!on_line)
			fprintf(out, "%s  lat (%s)   : ", shown ? "\n" : "", unit);
		shown = true;
		fprintf(out, "%s%s=%3.2f%%", on_line ? ", " : "", ranges[i], p);
		on_line = on_line == 4 ? 0 : on_line + 1;
	}
	if (shown)
		fputc('\n', out);
}

static void depth_line(FILE *out, const char *head, const char *const *labels,
		       const uint64_t *counts)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < BLK_DEPTH_BUCKETS; i++)
		total += counts[i];
	fputs(head, out);
	for (unsigned i = 0; i < BLK_DEPTH_BUCKETS; i++)
		fprintf(out, "%s%s=%3.1f%%", i ? ", " : "", labels[i],
			blk_pct(counts[i], total, 0.1));
	fputc('\n', out);
}

static const char *const depth_labels[] = { "1", "2", "4", "8", "16", "32", ">=64" };
static const char *const submit_labels[] = { "0", "4", "8", "16", "32", "64", ">=64" };

static void print_unit(FILE *out, const struct blk_unit *u, const struct blk_group_stats *gs)
{
	const struct blk_job *job = u->job;
	const struct blk_report_opts *r = u->rep;
	uint64_t total = 0;
	char when[64];
	time_t now = time(NULL);

	for (unsigned d = 0; d < BLK_DIRS; d++)
		total += u->dir[d].ops;
	if (!total && !u->dir[BLK_DIR_MIXED].bytes)
		return;
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", localtime(&now));
	if (u->error)
		fprintf(out, "%s: (groupid=%u, jobs=%u): err=%2d (%s): pid=%d: %s\n", job->o.name,
			u->groupid, u->clones, u->error, u->error_msg, (int)u->pid, when);
	else
		fprintf(out, "%s: (groupid=%u, jobs=%u): err=%2d: pid=%d: %s\n", job->o.name,
			u->groupid, u->clones, u->error, (int)u->pid, when);
	if (job->o.ctl.description[0])
		fprintf(out, "  Description  : [%s]\n", job->o.ctl.description);
	if (r->unified == BLK_UNIFIED_MIXED) {
		dir_status(out, u, BLK_DIR_MIXED, gs);
	} else {
		for (unsigned d = 0; d < BLK_DIRS; d++)
			if (u->dir[d].bytes)
				dir_status(out, u, d, gs);
		if (r->unified == BLK_UNIFIED_BOTH)
			dir_status(out, u, BLK_DIR_MIXED, gs);
	}
	uint64_t n[10], us[10], ms[12];
	blk_lat_buckets(u, n, us, ms);
	bucket_lines(out, "nsec", n, 10, total);
	bucket_lines(out, "usec", us, 10, total);
	bucket_lines(out, "msec", ms, 12, total);
	if (u->sync_lat.count) {
		fputs("  fsync/fdatasync/sync_file_range/syncfs:\n", out);
		lat_line(out, "sync", &u->sync_lat);
		percentile_block(out, "sync", &u->sync_lat, r);
	}
	double run = u->clone_runtime_ns ? (double)u->clone_runtime_ns : 0.0;
	fprintf(out, "  cpu          : usr=%3.2f%%, sys=%3.2f%%, ctx=%" PRIu64 ", majf=0, minf=0\n",
		run ? 100.0 * (double)u->usr_ns / run : 0.0,
		run ? 100.0 * (double)u->sys_ns / run : 0.0, u->ctx);
	depth_line(out, "  IO depths    : ", depth_labels, u->depth);
	depth_line(out, "     submit    : ", submit_labels, u->submit);
	depth_line(out, "     complete  : ", submit_labels, u->complete);
	fprintf(out,
		"     issued rwts: total=%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",0 short=%" PRIu64
		",%" PRIu64 ",%" PRIu64 ",0 dropped=%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",0\n",
		u->dir[0].ops, u->dir[1].ops, u->dir[2].ops, u->dir[0].short_ios,
		u->dir[1].short_ios, u->dir[2].short_ios, u->dir[0].drop_ios, u->dir[1].drop_ios,
		u->dir[2].drop_ios);
	fprintf(out,
		"     latency   : target=0, window=0, percentile=100.00%%, depth=%" PRId64 "\n",
		job->o.iodepth);
	blk_unit_stalls_text(out, u); /* pvcbench's: nothing when no stall */
}

void blk_print_group_jobs(FILE *out, const struct blk_group_result *const *runs, unsigned nruns,
			  unsigned r)
{
	struct blk_unit *u = malloc(sizeof(*u));
	struct blk_group_stats *gs = blk_groups_stats(runs, nruns);
	unsigned n = blk_units_count(runs, nruns);
	const struct blk_job *acked = NULL;

	if (u && gs)
		for (unsigned i = 0; i < n; i++) {
			if (blk_unit_run(runs, nruns, i) != r)
				continue;
			blk_unit_fill(runs, nruns, i, u);
			if (u->rep->stats)
				print_unit(out, u, &gs[u->groupid]);
			if (u->job->ack && u->job != acked) { /* verify_only's ledger check */
				blk_ack_print_text(out, u->job->ack);
				acked = u->job;
			}
		}
	free(gs);
	free(u);
}

static void status_line(FILE *out, const char *name, uint64_t agg, uint64_t min_bw, uint64_t max_bw,
			uint64_t bytes, uint64_t min_ms, uint64_t max_ms,
			const struct blk_report_opts *r)
{
	char a[32], a2[32], lo[32], lo2[32], hi[32], hi2[32], io[32], io2[32];

	bw_text(a, a2, sizeof(a), agg, r);
	bw_text(lo, lo2, sizeof(lo), min_bw, r);
	bw_text(hi, hi2, sizeof(hi), max_bw, r);
	bytes_text(io, io2, sizeof(io), bytes, r);
	fprintf(out, "%s: bw=%s (%s), %s-%s (%s-%s), io=%s (%s), run=%" PRIu64 "-%" PRIu64 "msec\n",
		name, a, a2, lo, hi, lo2, hi2, io, io2, min_ms, max_ms);
}

void blk_print_group_status(FILE *out, const struct blk_group_result *const *runs, unsigned nruns,
			    unsigned groupid)
{
	static const char *const names[] = { "   READ", "  WRITE", "   TRIM" };
	struct blk_group_stats *all = blk_groups_stats(runs, nruns), gs = { 0 };

	if (all && groupid < blk_groups_count(runs, nruns))
		gs = all[groupid];
	free(all);
	const struct blk_report_opts *r = gs.rep;
	if (!r) /* no unit in the group: none ran, or every job has stats=0 */
		return;
	fprintf(out, "\nRun status group %u (all jobs):\n", groupid);
	for (unsigned d = 0; d < BLK_DIRS; d++)
		if (gs.max_run_ms[d])
			status_line(out, r->unified == BLK_UNIFIED_MIXED ? "  MIXED" : names[d],
				    gs.agg[d], gs.min_bw[d], gs.max_bw[d], gs.bytes[d],
				    gs.min_run_ms[d], gs.max_run_ms[d], r);
	if (r->unified != BLK_UNIFIED_BOTH)
		return;
	uint64_t agg = 0, lo = UINT64_MAX, hi = 0, bytes = 0, rlo = UINT64_MAX, rhi = 0;
	for (unsigned d = 0; d < BLK_DIRS; d++) {
		if (!gs.max_run_ms[d])
			continue;
		agg += gs.agg[d], bytes += gs.bytes[d];
		lo = gs.min_bw[d] < lo ? gs.min_bw[d] : lo;
		hi = gs.max_bw[d] > hi ? gs.max_bw[d] : hi;
		rlo = gs.min_run_ms[d] < rlo ? gs.min_run_ms[d] : rlo;
		rhi = gs.max_run_ms[d] > rhi ? gs.max_run_ms[d] : rhi;
	}
	status_line(out, "  MIXED", agg, lo, hi, bytes, rlo, rhi, r);
}
