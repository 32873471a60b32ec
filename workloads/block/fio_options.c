/*
 * fio_options.c - the reporting group's options (fio's group_reporting, unified_rw_reporting,
 * clat/lat/slat_percentiles, percentile_list, significant_figures, disk_util, stats, kb_base,
 * unit_base) and their checks; block_error_percentiles is refused by name.
 *
 * kb_base and unit_base shape the output only: sizes given as input are parsed by the option
 * table's SIZE type, 1024-based whatever kb_base says (see docs/fio-options.md).
 */
#include "block.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define F(field) offsetof(struct blk_options, field)

static const char *const unified_choices[] = { "none", "mixed", "both", "0", "1", NULL };

const struct option_def blk_report_option_defs[] = {
	{ .name = "group_reporting",
	  .type = OPT_BOOL,
	  .offset = F(group_reporting),
	  .def = "0",
	  .help = "report each job's clones together" },
	{ .name = "unified_rw_reporting",
	  .type = OPT_CHOICE,
	  .offset = F(rep.unified_rw_reporting),
	  .def = "none",
	  .choices = unified_choices,
	  .help = "report reads, writes and trims separately (none), as one (mixed), or both" },
	{ .name = "clat_percentiles",
	  .type = OPT_BOOL,
	  .offset = F(rep.clat_percentiles),
	  .def = "1",
	  .help = "report completion latency percentiles" },
	{ .name = "lat_percentiles",
	  .type = OPT_BOOL,
	  .offset = F(rep.lat_percentiles),
	  .def = "0",
	  .help = "report total latency percentiles" },
	{ .name = "slat_percentiles",
	  .type = OPT_BOOL,
	  .offset = F(rep.slat_percentiles),
	  .def = "0",
	  .help = "report submission latency percentiles" },
	{ .name = "percentile_list",
	  .type = OPT_STRING,
	  .offset = F(rep.percentile_list),
	  .help = "percentiles to report, colon-separated (99.5:99.9), at most 20" },
	{ .name = "significant_figures",
	  .type = OPT_INT,
	  .offset = F(rep.significant_figures),
	  .def = "4",
	  .min = 1,
	  .max = 10,
	  .help = "significant figures of the normal output's numbers" },
	{ .name = "block_error_percentiles",
	  .type = OPT_REFUSED,
	  .help = "pvcbench keeps no per-block trim and write error states (fio's wear-out histogram)" },
	{ .name = "disk_util",
	  .type = OPT_BOOL,
	  .offset = F(rep.disk_util),
	  .def = "1",
	  .help = "disk utilisation statistics of the disks under the files (fio's Disk stats, JSON disk_util)" },
	{ .name = "stats",
	  .type = OPT_BOOL,
	  .offset = F(rep.stats),
	  .def = "1",
	  .help = "0: no statistics for this job" },
	{ .name = "kb_base",
	  .type = OPT_INT,
	  .offset = F(rep.kb_base),
	  .def = "1024",
	  .min = 1000,
	  .max = 1024,
	  .help = "1024 (IEC units first) or 1000 (SI units first) in the output" },
	{ .name = "unit_base",
	  .type = OPT_INT,
	  .offset = F(rep.unit_base),
	  .def = "0",
	  .min = 0,
	  .max = 8,
	  .help = "0 or 8: bytes, 1: bits in bandwidth figures" },
	{ 0 }
};

/* fio's percentile_list: up to 20 values in (0, 100], separated by ':'. */
static int parse_percentiles(struct blk_report_opts *r, char *err, size_t err_size)
{
	const char *p = r->percentile_list;

	r->npercentiles = 0;
	if (!*p) {
		for (unsigned i = 0; i < report_npercentiles; i++)
			r->percentiles[r->npercentiles++] = report_percentiles[i];
		r->precision = 2;
		return 0;
	}
	while (*p) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno || !(v > 0.0 && v <= 100.0) || (*end && *end != ':')) {
			snprintf(err, err_size,
				 "percentile_list=%s: each value must be a number in (0, 100], "
				 "separated by ':' (99.5:99.9)",
				 r->percentile_list);
			return -EINVAL;
		}
		if (r->npercentiles == BLK_MAX_PERCENTILES) {
			snprintf(err, err_size, "percentile_list=%s: at most %d values",
				 r->percentile_list, BLK_MAX_PERCENTILES);
			return -EINVAL;
		}
		r->percentiles[r->npercentiles++] = v;
		p = *end ? end + 1 : end;
	}
	r->precision = 0;
	for (const char *q = r->percentile_list; *q; q++) {
		if (*q != '.')
			continue;
		unsigned digits = 0;
		while (q[digits + 1] >= '0' && q[digits + 1] <= '9')
			digits++;
		if (digits > r->precision)
			r->precision = digits;
	}
	/* fio sorts the list */
	for (unsigned i = 1; i < r->npercentiles; i++)
		for (unsigned k = i; k && r->percentiles[k - 1] > r->percentiles[k]; k--) {
			double t = r->percentiles[k];
			r->percentiles[k] = r->percentiles[k - 1];
			r->percentiles[k - 1] = t;
		}
	return 0;
}

int blk_report_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_report_opts *r = &job->o.rep;
	const char *u = r->unified_rw_reporting;

	if (r->kb_base != 1000 && r->kb_base != 1024) {
		snprintf(err, err_size, "kb_base=%lld: must be 1024 or 1000",
			 (long long)r->kb_base);
		return -EINVAL;
	}
	if (r->unit_base != 0 && r->unit_base != 1 && r->unit_base != 8) {
		snprintf(err, err_size, "unit_base=%lld: must be 0, 1 (bits) or 8 (bytes)",
			 (long long)r->unit_base);
		return -EINVAL;
	}
	if (!strcmp(u, "mixed") || !strcmp(u, "1"))
		r->unified = BLK_UNIFIED_MIXED;
	else if (!strcmp(u, "both"))
		r->unified = BLK_UNIFIED_BOTH;
	else
		r->unified = BLK_UNIFIED_NONE;
	return parse_percentiles(r, err, err_size);
}
