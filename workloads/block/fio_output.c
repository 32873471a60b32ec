/*
 * fio_output.c - a group's results in fio's formats: the normal text (the job header, the
 * per-direction stat line, latency and percentiles, cpu, and the group's READ:/WRITE: lines that
 * scripts such as dbench grep) and the jobs[] entries of fio's JSON.
 *
 * A "unit" is what fio reports as one job: each clone on its own, or all clones of a job
 * together with group_reporting.
 */
#define _GNU_SOURCE
#include "block.h"

#include <stddef.h>
#include "pvcbench/fmt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct unit {
	const struct blk_job *job;
	unsigned clones;
	struct op_stats op[2];
	uint64_t runtime_ns, elapsed_ns, usr_ns, sys_ns, ctx;
	uint64_t clone_runtime_ns; /* summed over clones: what cpu percentages divide by */
	int error;
	const char *error_msg;
};

/* Fills u with clone k of the group, or all clones of job when k < 0. */
static void unit_of(const struct blk_group_result *gr, const struct blk_job *job, int k,
		    struct unit *u)
{
	unsigned n = gr->run.nworkers;

	memset(u, 0, sizeof(*u));
	u->job = job;
	for (unsigned d = 0; d < 2; d++)
		hist_init(&u->op[d].lat);
	for (unsigned i = 0; i < n; i++) {
		const struct worker_result *wr = &gr->run.workers[i];
		if (gr->clones[i].job != job || (k >= 0 && (unsigned)k != i))
			continue;
		u->clones++;
		for (unsigned d = 0; d < 2; d++) {
			u->op[d].ops += wr->op[d].ops;
			u->op[d].bytes += wr->op[d].bytes;
			u->op[d].errors += wr->op[d].errors;
			hist_merge(&u->op[d].lat, &wr->op[d].lat);
		}
		if (wr->runtime_ns > u->runtime_ns)
			u->runtime_ns = wr->runtime_ns;
		if (wr->elapsed_ns > u->elapsed_ns)
			u->elapsed_ns = wr->elapsed_ns;
		u->clone_runtime_ns += wr->runtime_ns;
		u->usr_ns += wr->cpu_usr_ns;
		u->sys_ns += wr->cpu_sys_ns;
		u->ctx += wr->ctx;
		if (wr->error && !u->error) {
			u->error = -wr->error;
			u->error_msg = wr->error_msg;
		}
	}
}

void blk_job_totals(const struct blk_group_result *gr, const struct blk_job *job, unsigned op,
		    struct op_stats *into, uint64_t *runtime_ns)
{
	struct unit *u = malloc(sizeof(*u));

	if (!u)
		return;
	unit_of(gr, job, -1, u);
	*into = u->op[op];
	if (runtime_ns)
		*runtime_ns = u->runtime_ns;
	free(u);
}

static const char *const dir_names[2] = { "read", "write" };

void blk_print_job_header(FILE *out, const struct blk_job *job)
{
	char bs[32];

	snprintf(bs, sizeof(bs), "%" PRIu64 "B", job->o.bs);
	fprintf(out,
		"%s: (g=%u): rw=%s, bs=(R) %s-%s, (W) %s-%s, (T) %s-%s, ioengine=%s, iodepth=%" PRId64
		"\n",
		job->o.name, job->groupid, job->o.rw, bs, bs, bs, bs, bs, bs, job->engine_name,
		job->o.iodepth);
	if (job->o.numjobs > 1)
		fputs("...\n", out);
}

/* fio's unit choice: the largest of nsec, usec, msec in which min, max, mean and stddev all
 * exceed 1000 of the smaller unit. */
static void lat_line(FILE *out, const char *name, const struct hist *h)
{
	double min = (double)h->min, max = (double)h->max, mean = hist_mean(h),
	       dev = hist_stddev(h);
	const char *base = "nsec";
	char a[32], b[32];

	if (min > 1e6 && max > 1e6 && mean > 1e6 && dev > 1e6) {
		base = "msec";
		min /= 1e6, max /= 1e6, mean /= 1e6, dev /= 1e6;
	} else if (min > 1e3 && max > 1e3 && mean > 1e3 && dev > 1e3) {
		base = "usec";
		min /= 1e3, max /= 1e3, mean /= 1e3, dev /= 1e3;
	}
	fmt_fio_num(a, sizeof(a), (uint64_t)min, 6, FMT_SI, "");
	fmt_fio_num(b, sizeof(b), (uint64_t)max, 6, FMT_SI, "");
	fprintf(out, "%s (%s): min=%s, max=%s, avg=%5.02f, stdev=%5.02f\n", name, base, a, b, mean,
		dev);
}

static void percentile_lines(FILE *out, const struct hist *h)
{
	uint64_t vals[32], maxv = 0, minv = UINT64_MAX;
	unsigned n = report_npercentiles, scale = 0;
	const char *base = "nsec";

	for (unsigned i = 0; i < n; i++) {
		vals[i] = hist_value_at(h, report_percentiles[i]);
		if (vals[i] > maxv)
			maxv = vals[i];
		if (vals[i] < minv)
			minv = vals[i];
	}
	if (minv > 2000000 && maxv > 99999999ULL) {
		scale = 2;
		base = "msec";
	} else if (minv > 2000 && maxv > 99999) {
		scale = 1;
		base = "usec";
	}
	fprintf(out, "    lat percentiles (%s):\n     |", base);
	for (unsigned i = 0; i < n; i++) {
		uint64_t v = vals[i];
		for (unsigned s = 0; s < scale; s++)
			v = (v + 999) / 1000;
		if (i && i % 4 == 0)
			fputs("     |", out);
		fprintf(out, " %5.2fth=[%5" PRIu64 "]%c", report_percentiles[i], v,
			i == n - 1 ? '\n' : ',');
		if (i != n - 1 && i % 4 == 3)
			fputc('\n', out);
	}
}

static void print_unit(FILE *out, const struct unit *u, unsigned groupid)
{
	const struct blk_job *job = u->job;
	uint64_t ms = fmt_fio_msec(u->runtime_ns);
	char when[64], iops[32], bw[32], bw_si[32], io[32];
	time_t now = time(NULL);

	strftime(when, sizeof(when), "%a %b %e %H:%M:%S %Y", localtime(&now));
	fprintf(out, "%s: (groupid=%u, jobs=%u): err=%2d: pid=%d: %s\n", job->o.name, groupid,
		u->clones, u->error, (int)getpid(), when);
	if (u->error)
		fprintf(out, "  error: %s\n", u->error_msg);
	for (unsigned d = 0; d < 2; d++) {
		const struct op_stats *s = &u->op[d];
		if (!s->ops && !(d == 0 ? job->reads : job->writes))
			continue;
		fmt_fio_iops(iops, sizeof(iops), s->ops, ms);
		fmt_fio_bw(bw, sizeof(bw), s->bytes, ms, 0);
		fmt_fio_bw(bw_si, sizeof(bw_si), s->bytes, ms, 1);
		fmt_size(io, sizeof(io), s->bytes);
		fprintf(out, "  %s: IOPS=%s, BW=%s (%s)(%s/%" PRIu64 "msec)\n",
			d ? "write" : "read", iops, bw, bw_si, io, ms);
		if (s->errors)
			fprintf(out, "    errors: %" PRIu64 "\n", s->errors);
		if (!s->lat.count)
			continue;
		lat_line(out, "     lat", &s->lat);
		percentile_lines(out, &s->lat);
	}
	double run = u->clone_runtime_ns ? (double)u->clone_runtime_ns : 1.0;
	fprintf(out, "  cpu          : usr=%.2f%%, sys=%.2f%%, ctx=%" PRIu64 ", majf=0, minf=0\n",
		100.0 * (double)u->usr_ns / run, 100.0 * (double)u->sys_ns / run, u->ctx);
}

/* Run status group N (all jobs):  READ: bw=..., min-max, io=..., run=min-max msec */
static void print_group_status(FILE *out, unsigned groupid, const struct unit *units,
			       unsigned nunits)
{
	fprintf(out, "\nRun status group %u (all jobs):\n", groupid);
	for (unsigned d = 0; d < 2; d++) {
		uint64_t bytes = 0, max_ms = 0, min_ms = UINT64_MAX, min_bw = UINT64_MAX,
			 max_bw = 0;
		bool any = false;
		for (unsigned i = 0; i < nunits; i++) {
			const struct unit *u = &units[i];
			if (!(d == 0 ? u->job->reads : u->job->writes) && !u->op[d].ops)
				continue;
			any = true;
			uint64_t ms = fmt_fio_msec(u->runtime_ns);
			uint64_t bw = ms ? u->op[d].bytes * 1000 / ms : 0;
			bytes += u->op[d].bytes;
			if (ms > max_ms)
				max_ms = ms;
			if (ms < min_ms)
				min_ms = ms;
			if (bw < min_bw)
				min_bw = bw;
			if (bw > max_bw)
				max_bw = bw;
		}
		if (!any)
			continue;
		char agg[32], agg_si[32], lo[32], hi[32], lo_si[32], hi_si[32], io[32], io_si[32];
		fmt_fio_bw(agg, sizeof(agg), bytes, max_ms, 0);
		fmt_fio_bw(agg_si, sizeof(agg_si), bytes, max_ms, 1);
		fmt_fio_num(lo, sizeof(lo), min_bw, 4, FMT_IEC, "B/s");
		fmt_fio_num(hi, sizeof(hi), max_bw, 4, FMT_IEC, "B/s");
		fmt_fio_num(lo_si, sizeof(lo_si), min_bw, 4, FMT_SI, "B/s");
		fmt_fio_num(hi_si, sizeof(hi_si), max_bw, 4, FMT_SI, "B/s");
		fmt_size(io, sizeof(io), bytes);
		fmt_fio_num(io_si, sizeof(io_si), bytes, 4, FMT_SI, "B");
		fprintf(out,
			"%s: bw=%s (%s), %s-%s (%s-%s), io=%s (%s), run=%" PRIu64 "-%" PRIu64
			"msec\n",
			d ? "  WRITE" : "   READ", agg, agg_si, lo, hi, lo_si, hi_si, io, io_si,
			min_ms, max_ms);
	}
}

/* The units of a group: one per clone, or one per job with group_reporting. */
static unsigned units_of(const struct blk_group_result *gr, struct unit *units)
{
	unsigned n = 0;

	for (unsigned j = 0; j < gr->njobs; j++) {
		const struct blk_job *job = gr->jobs[j];
		if (job->o.group_reporting) {
			unit_of(gr, job, -1, &units[n++]);
			continue;
		}
		for (unsigned i = 0; i < gr->run.nworkers; i++)
			if (gr->clones[i].job == job)
				unit_of(gr, job, (int)i, &units[n++]);
	}
	return n;
}

void blk_print_group_normal(FILE *out, const struct blk_group_result *gr, unsigned groupid)
{
	struct unit *units = calloc(gr->run.nworkers, sizeof(*units));

	if (!units || !gr->run.workers) {
		free(units);
		return;
	}
	unsigned n = units_of(gr, units);
	for (unsigned i = 0; i < n; i++)
		print_unit(out, &units[i], groupid);
	print_group_status(out, groupid, units, n);
	fflush(out);
	free(units);
}

void blk_group_json(struct jsonw *j, const struct blk_group_result *gr, unsigned groupid)
{
	struct unit *units = calloc(gr->run.nworkers, sizeof(*units));

	if (!units || !gr->run.workers) {
		free(units);
		return;
	}
	unsigned n = units_of(gr, units);
	for (unsigned i = 0; i < n; i++) {
		const struct unit *u = &units[i];
		double run = u->clone_runtime_ns ? (double)u->clone_runtime_ns : 1.0;
		jsonw_object_begin(j, NULL);
		jsonw_string(j, "jobname", u->job->o.name);
		jsonw_u64(j, "groupid", groupid);
		jsonw_i64(j, "error", u->error);
		if (u->error)
			jsonw_string(j, "error_message", u->error_msg);
		jsonw_u64(j, "elapsed", (u->elapsed_ns + 500000000ULL) / 1000000000ULL);
		report_config_json(j, &u->job->set, &u->job->o);
		jsonw_string(j, "ioengine", u->job->engine_name);
		jsonw_string(j, "ioengine_why", u->job->engine_why);
		for (unsigned d = 0; d < 2; d++)
			report_op_json(j, dir_names[d], &u->op[d], u->runtime_ns);
		jsonw_u64(j, "job_runtime", fmt_fio_msec(u->runtime_ns));
		jsonw_double(j, "usr_cpu", 100.0 * (double)u->usr_ns / run);
		jsonw_double(j, "sys_cpu", 100.0 * (double)u->sys_ns / run);
		jsonw_u64(j, "ctx", u->ctx);
		jsonw_object_end(j);
	}
	free(units);
}

#define F(field) offsetof(struct blk_options, field)

const struct option_def blk_report_option_defs[] = {
	{ .name = "group_reporting",
	  .type = OPT_BOOL,
	  .offset = F(group_reporting),
	  .def = "0",
	  .help = "report each job's clones together" },
	{ 0 }
};

int blk_report_validate(struct blk_job *job, char *err, size_t err_size)
{
	(void)job;
	(void)err;
	(void)err_size;
	return 0;
}
