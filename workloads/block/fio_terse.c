/*
 * fio_terse.c - fio's terse output (--minimal, --output-format=terse): one line of fields
 * separated by ';' per unit, in the field order and count of fio's show_thread_status_terse_all
 * for terse versions 2 to 5 (3 by default): general info, then read and write (and trim in
 * versions 2, 4 and 5) as io KiB, bw KiB/s, IOPS, runtime, slat, clat, 20 percentiles, lat and
 * bw samples (version 5: plus bw samples count and iops samples), then cpu, IO depths and the
 * usec and msec latency buckets. Latencies are in usec.
 *
 * Disk utilisation fields (version 3 and up) follow only when fio has disks to report; pvcbench
 * reports none, as fio does for files on filesystems it cannot map to a disk.
 */
#define _GNU_SOURCE
#include "fio_unit.h"

#include <inttypes.h>
#include <stdlib.h>

#include "pvcbench/fmt.h"

static void lat_fields(FILE *out, const struct hist *h)
{
	if (!h->count) {
		fputs(";0;0;0.000000;0.000000", out);
		return;
	}
	fprintf(out, ";%" PRIu64 ";%" PRIu64 ";%f;%f", h->min / 1000, h->max / 1000,
		hist_mean(h) / 1000.0, hist_stddev(h) / 1000.0);
}

static void dir_terse(FILE *out, const struct blk_unit *u, unsigned d,
		      const struct blk_group_stats *gs, unsigned version)
{
	const struct blk_unit_dir *s = &u->dir[d];
	const struct blk_report_opts *r = u->rep;
	uint64_t ms = fmt_fio_msec(s->runtime_ns), bw = 0, iops = 0;
	const struct hist *ph = NULL;

	if (ms) {
		bw = s->bytes * 1000 / ms / 1024;
		iops = s->ops * 1000 / ms;
	}
	fprintf(out, ";%" PRIu64 ";%" PRIu64 ";%" PRIu64 ";%" PRIu64, s->bytes >> 10, bw, iops, ms);
	lat_fields(out, &s->slat);
	lat_fields(out, &s->clat);
	if (r->lat_percentiles)
		ph = &s->lat;
	else if (r->clat_percentiles)
		ph = &s->clat;
	for (unsigned i = 0; i < BLK_MAX_PERCENTILES; i++) {
		if (!ph || !ph->count || i >= r->npercentiles)
			fputs(";0%=0", out);
		else
			fprintf(out, ";%f%%=%" PRIu64, r->percentiles[i],
				hist_value_at(ph, r->percentiles[i]) / 1000);
	}
	lat_fields(out, &s->lat);
	uint64_t agg = d < BLK_DIRS ? gs->agg[d] : 0;
	if (s->bw.n) {
		double per = 100.0;
		if (agg / 1024) {
			per = s->bw.mean * 100.0 / (double)(agg / 1024);
			per = per > 100.0 ? 100.0 : per;
		}
		fprintf(out, ";%" PRIu64 ";%" PRIu64 ";%f%%;%f;%f", (uint64_t)s->bw.min,
			(uint64_t)s->bw.max, per, s->bw.mean, blk_sample_dev(&s->bw));
	} else {
		fputs(";0;0;0.000000%;0.000000;0.000000", out);
	}
	if (version != 5)
		return;
	fprintf(out, ";%" PRIu64, s->bw.n);
	if (s->iops.n)
		fprintf(out, ";%" PRIu64 ";%" PRIu64 ";%f;%f;%" PRIu64, (uint64_t)s->iops.min,
			(uint64_t)s->iops.max, s->iops.mean, blk_sample_dev(&s->iops), s->iops.n);
	else
		fputs(";0;0;0.000000;0.000000;0", out);
}

static void unit_terse(FILE *out, const struct blk_unit *u, const struct blk_group_stats *gs,
		       unsigned version, const struct blk_disk_util *du)
{
	const struct blk_report_opts *r = u->rep;
	bool trim = version == 2 || version == 4 || version == 5;
	uint64_t total = 0, depth_total = 0;

	if (version == 2)
		fprintf(out, "2;%s;%u;%d", u->job->o.name, u->groupid, u->error);
	else
		fprintf(out, "%u;pvcbench-%s;%s;%u;%d", version, PVC_VERSION, u->job->o.name,
			u->groupid, u->error);
	if (r->unified == BLK_UNIFIED_MIXED) {
		dir_terse(out, u, BLK_DIR_MIXED, gs, version);
	} else {
		dir_terse(out, u, 0, gs, version);
		dir_terse(out, u, 1, gs, version);
		if (trim)
			dir_terse(out, u, 2, gs, version);
		if (r->unified == BLK_UNIFIED_BOTH)
			dir_terse(out, u, BLK_DIR_MIXED, gs, version);
	}
	double run = (double)u->clone_runtime_ns;
	fprintf(out, ";%f%%;%f%%;%" PRIu64 ";0;0", run ? 100.0 * (double)u->usr_ns / run : 0.0,
		run ? 100.0 * (double)u->sys_ns / run : 0.0, u->ctx);
	for (unsigned i = 0; i < BLK_DEPTH_BUCKETS; i++)
		depth_total += u->depth[i];
	for (unsigned i = 0; i < BLK_DEPTH_BUCKETS; i++)
		fprintf(out, ";%3.1f%%", blk_pct(u->depth[i], depth_total, 0.1));
	for (unsigned d = 0; d < BLK_DIRS; d++)
		total += u->dir[d].ops;
	uint64_t n[10], us[10], ms[12], ns_total = 0;
	blk_lat_buckets(u, n, us, ms);
	/* fio keeps the terse format as it was before nsec buckets: they go to the first */
	for (unsigned i = 0; i < 10; i++)
		ns_total += n[i];
	for (unsigned i = 0; i < 10; i++) {
		double p = blk_pct(us[i], total, 0.01);
		if (!i && total)
			p += 100.0 * (double)ns_total / (double)total;
		fprintf(out, ";%3.2f%%", p);
	}
	for (unsigned i = 0; i < 12; i++)
		fprintf(out, ";%3.2f%%", blk_pct(ms[i], total, 0.01));
	if (version >= 3 && du && r->disk_util)
		blk_disk_util_terse(out, du);
	/* with continue_on_error, fio's error count and first error */
	if (u->job->o.ctl.continue_mask) {
		uint64_t errors = 0;
		for (unsigned d = 0; d < BLK_DIRS; d++)
			errors += u->dir[d].errors;
		fprintf(out, ";%" PRIu64 ";%d", errors, u->first_error);
	}
	/* fio's description field, last (version 2: on a line of its own) */
	if (u->job->o.ctl.description[0])
		fprintf(out, "%s;%s", version == 2 ? "\n" : "", u->job->o.ctl.description);
	fputc('\n', out);
}

void blk_print_group_terse(FILE *out, const struct blk_group_result *const *runs, unsigned nruns,
			   unsigned r, unsigned version, const struct blk_disk_util *du)
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
				unit_terse(out, u, &gs[u->groupid], version, du);
		}
	free(gs);
	free(u);
	fflush(out);
}
