/*
 * fio_output.c - the report's model (fio_unit.h: units, group stats, latency buckets) and what
 * is printed at the end of all groups in fio's order: terse lines, job reports, Run status
 * blocks, disk stats.
 *
 * A "unit" is what fio reports as one job: each clone on its own, or all clones of a job
 * together with group_reporting. The printers are fio_text.c, fio_json.c and fio_terse.c; the
 * options are in fio_options.c.
 */
#define _GNU_SOURCE
#include "fio_unit.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvcbench/fmt.h"

const char *const blk_dir_names[BLK_DIRS + 1] = { "read", "write", "trim", "mixed" };

/* Adds one clone's samples to a unit's sum, as fio's sum_stat with pure_sum. */
static void sample_add(struct blk_sample_sum *into, const struct blk_samples *s)
{
	if (!s->n)
		return;
	double n = (double)s->n, mean = s->sum / n;
	double var = s->n > 1 ? (s->sum_squares - n * mean * mean) / (n - 1.0) : 0.0;
	double sdev = var > 0 ? var * (n - 1.0) : 0.0;

	if (!into->n) {
		into->min = s->min;
		into->max = s->max;
		into->mean = mean;
		into->s = sdev;
	} else {
		into->min += s->min;
		into->max += s->max;
		into->mean += mean;
		into->s += sdev;
	}
	into->n += s->n;
}

double blk_sample_dev(const struct blk_sample_sum *s)
{
	return s->n > 1 ? sqrt(s->s / (double)(s->n - 1)) : 0.0;
}

static void unit_dir_init(struct blk_unit_dir *d)
{
	memset(d, 0, offsetof(struct blk_unit_dir, slat));
	hist_init(&d->slat);
	hist_init(&d->clat);
	hist_init(&d->lat);
	hist_init(&d->sched);
	memset(&d->bw, 0, sizeof(d->bw));
	memset(&d->iops, 0, sizeof(d->iops));
}

/*
 * Walks the clones of the runs in fio's order (each run's jobs, each job's clones) with the
 * unit (fio's threadstats) each belongs to, as fio's __show_run_stats assigns them: a new unit
 * for each clone, unless its job has group_reporting and the clone before is in the same
 * reporting group (so group_reporting joins every job of a reporting group, the jobs a run
 * after a wait_for too); clones of jobs with stats=0 are in none. Returns the number of units.
 */
typedef void (*clone_fn)(const struct blk_group_result *gr, unsigned run, unsigned clone,
			 unsigned unit, void *arg);

static unsigned walk_units(const struct blk_group_result *const *runs, unsigned nruns, clone_fn fn,
			   void *arg)
{
	unsigned n = 0, last = 0;

	for (unsigned r = 0; r < nruns; r++) {
		const struct blk_group_result *gr = runs[r];
		for (unsigned j = 0; gr->run.workers && j < gr->njobs; j++) {
			const struct blk_job *job = gr->jobs[j];
			if (!job->o.rep.stats)
				continue;
			for (unsigned c = 0; c < gr->run.nworkers; c++) {
				if (gr->clones[c].job != job)
					continue;
				if (!n || !job->o.group_reporting || last != job->groupid)
					n++;
				last = job->groupid;
				if (fn)
					fn(gr, r, c, n - 1, arg);
			}
		}
	}
	return n;
}

unsigned blk_units_count(const struct blk_group_result *const *runs, unsigned nruns)
{
	return walk_units(runs, nruns, NULL, NULL);
}

/* The core's operation types are fio's directions in order: read, write, then trim when the
 * run has one (nops 3). */
static void add_clone(struct blk_unit *u, const struct worker_result *wr, unsigned nops,
		      const struct blk_clone_stats *cs)
{
	u->clones++;
	for (unsigned d = 0; d < BLK_DIRS; d++) {
		struct blk_unit_dir *ud = &u->dir[d];
		if (d < nops) {
			uint64_t rt = blk_clone_runtime(wr, cs, d);
			if (rt > ud->runtime_ns)
				ud->runtime_ns = rt;
			ud->ops += wr->op[d].ops;
			ud->bytes += wr->op[d].bytes;
			ud->errors += wr->op[d].errors;
			hist_merge(&ud->lat, &wr->op[d].lat);
		}
		if (!cs)
			continue;
		hist_merge(&ud->slat, &cs->slat[d]);
		hist_merge(&ud->clat, &cs->clat[d]);
		hist_merge(&ud->sched, &cs->sched[d]);
		ud->short_ios += cs->short_ios[d];
		ud->drop_ios += cs->dropped_ios[d];
		sample_add(&ud->bw, &cs->bw[d]);
		sample_add(&ud->iops, &cs->iops[d]);
	}
	if (cs) {
		for (unsigned b = 0; b < BLK_DEPTH_BUCKETS; b++) {
			u->depth[b] += cs->depth[b];
			u->submit[b] += cs->submit[b];
			u->complete[b] += cs->complete[b];
		}
		u->syncs += cs->syncs;
		hist_merge(&u->sync_lat, &cs->sync_lat);
		if (cs->first_error && !u->first_error)
			u->first_error = cs->first_error;
		if (cs->behind_max_ns > u->behind_max_ns)
			u->behind_max_ns = cs->behind_max_ns;
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

/* fio's unified direction: every direction's I/O as one, over the longest runtime. */
static void fill_mixed(struct blk_unit *u)
{
	struct blk_unit_dir *m = &u->dir[BLK_DIR_MIXED];

	for (unsigned d = 0; d < BLK_DIRS; d++) {
		const struct blk_unit_dir *s = &u->dir[d];
		m->ops += s->ops;
		m->bytes += s->bytes;
		m->errors += s->errors;
		m->short_ios += s->short_ios;
		m->drop_ios += s->drop_ios;
		if (s->runtime_ns > m->runtime_ns)
			m->runtime_ns = s->runtime_ns;
		hist_merge(&m->slat, &s->slat);
		hist_merge(&m->clat, &s->clat);
		hist_merge(&m->lat, &s->lat);
		hist_merge(&m->sched, &s->sched);
	}
}

/* walk_units' visit for blk_unit_fill: adds the clones of the unit asked for. */
static void add_unit_clone(const struct blk_group_result *gr, unsigned run, unsigned clone,
			   unsigned unit, void *arg)
{
	struct blk_unit *u = arg;

	if (unit != u->index)
		return;
	if (!u->job) {
		u->job = gr->clones[clone].job;
		u->run = run;
	}
	add_clone(u, &gr->run.workers[clone], gr->run.nops, gr->clones[clone].stats);
	if (u->nstall_src < BLK_UNIT_STALL_SOURCES)
		u->stall_src[u->nstall_src++] = &gr->run.workers[clone].stalls;
}

void blk_unit_fill(const struct blk_group_result *const *runs, unsigned nruns, unsigned index,
		   struct blk_unit *u)
{
	memset(u, 0, offsetof(struct blk_unit, dir));
	for (unsigned d = 0; d <= BLK_DIRS; d++)
		unit_dir_init(&u->dir[d]);
	memset(&u->runtime_ns, 0,
	       offsetof(struct blk_unit, sync_lat) - offsetof(struct blk_unit, runtime_ns));
	hist_init(&u->sync_lat);
	u->behind_max_ns = 0;
	u->first_error = 0;
	u->error = 0;
	u->error_msg = NULL;
	u->pid = getpid();
	u->nstall_src = 0;
	u->index = index;
	walk_units(runs, nruns, add_unit_clone, u);
	if (!u->job) /* no such unit: the first job, nothing measured */
		u->job = runs[0]->jobs[0];
	u->rep = &u->job->o.rep;
	u->groupid = u->job->groupid;
	for (unsigned d = 0; d < BLK_DIRS; d++) {
		struct blk_unit_dir *ud = &u->dir[d];
		if (!ud->ops)
			ud->runtime_ns = 0;
		/* no clat recorded: the I/O completed inside its submit call (fio's sync
		 * engines), so fio's clat is the whole latency and slat has no samples */
		if (!ud->clat.count && ud->lat.count)
			ud->clat = ud->lat;
	}
	fill_mixed(u);
}

void blk_job_totals(const struct blk_group_result *gr, const struct blk_job *job, unsigned op,
		    struct op_stats *into, uint64_t *runtime_ns)
{
	hist_init(&into->lat);
	into->ops = into->bytes = into->errors = 0;
	if (runtime_ns)
		*runtime_ns = 0;
	for (unsigned i = 0; gr->run.workers && i < gr->run.nworkers; i++) {
		const struct worker_result *wr = &gr->run.workers[i];
		if (gr->clones[i].job != job)
			continue;
		into->ops += wr->op[op].ops;
		into->bytes += wr->op[op].bytes;
		into->errors += wr->op[op].errors;
		hist_merge(&into->lat, &wr->op[op].lat);
		uint64_t rt = blk_clone_runtime(wr, gr->clones[i].stats, op);
		if (runtime_ns && rt > *runtime_ns)
			*runtime_ns = rt;
	}
}

uint64_t blk_clone_runtime(const struct worker_result *wr, const struct blk_clone_stats *cs,
			   unsigned d)
{
	if (!cs || !cs->verify_ns)
		return wr->runtime_ns;
	/* a verify phase begun in the ramp is the whole measured time */
	uint64_t verify = cs->verify_ns < wr->runtime_ns ? cs->verify_ns : wr->runtime_ns;

	if (d)
		return wr->runtime_ns - verify;
	return cs->read_before_verify ? wr->runtime_ns : verify;
}

/* What a reporting group's stats read of a unit: its I/O per direction and its longest clone. */
struct unit_sum {
	const struct blk_job *job;			 /* its first clone's */
	unsigned run;					 /* its first clone's */
	uint64_t ops[BLK_DIRS + 1], bytes[BLK_DIRS + 1]; /* read, write, trim, mixed */
	uint64_t runtime_ns[BLK_DIRS + 1]; /* each direction's longest clone (blk_clone_runtime) */
};

/* walk_units' visit for unit_sums: adds a clone's counts to its unit's. */
static void add_unit_sum(const struct blk_group_result *gr, unsigned run, unsigned clone,
			 unsigned unit, void *arg)
{
	struct unit_sum *us = (struct unit_sum *)arg + unit;
	const struct worker_result *wr = &gr->run.workers[clone];

	if (!us->job) {
		us->job = gr->clones[clone].job;
		us->run = run;
	}
	for (unsigned d = 0; d < gr->run.nops && d < BLK_DIRS; d++) {
		us->ops[d] += wr->op[d].ops;
		us->bytes[d] += wr->op[d].bytes;
		us->ops[BLK_DIRS] += wr->op[d].ops;
		us->bytes[BLK_DIRS] += wr->op[d].bytes;
		uint64_t rt = blk_clone_runtime(wr, gr->clones[clone].stats, d);
		if (rt > us->runtime_ns[d])
			us->runtime_ns[d] = rt;
	}
}

/* The unit's mixed direction runs as long as its longest direction with I/O (fill_mixed). */
static void unit_sum_mixed(struct unit_sum *us)
{
	for (unsigned d = 0; d < BLK_DIRS; d++)
		if (us->ops[d] && us->runtime_ns[d] > us->runtime_ns[BLK_DIRS])
			us->runtime_ns[BLK_DIRS] = us->runtime_ns[d];
}

/* The units' sums, [0..*n) (free it; NULL: out of memory); the light half of blk_unit_fill. */
static struct unit_sum *unit_sums(const struct blk_group_result *const *runs, unsigned nruns,
				  unsigned *n)
{
	*n = blk_units_count(runs, nruns);
	struct unit_sum *us = calloc(*n ? *n : 1, sizeof(*us));

	if (us) {
		walk_units(runs, nruns, add_unit_sum, us);
		for (unsigned i = 0; i < *n; i++)
			unit_sum_mixed(&us[i]);
	}
	return us;
}

unsigned blk_unit_run(const struct blk_group_result *const *runs, unsigned nruns, unsigned index)
{
	unsigned n;
	struct unit_sum *us = unit_sums(runs, nruns, &n);
	unsigned run = us && index < n ? us[index].run : UINT_MAX;

	free(us);
	return run;
}

/* Adds a unit to its reporting group's stats, as fio's __show_run_stats: per unit (a
 * group_reporting unit counts once, with its longest clone's runtime). */
static void group_stats_add(struct blk_group_stats *gs, const struct unit_sum *us)
{
	if (!gs->rep)
		gs->rep = &us->job->o.rep;
	bool mixed = gs->rep->unified == BLK_UNIFIED_MIXED;
	for (unsigned d = 0; d < BLK_DIRS && !(mixed && d); d++) {
		unsigned from = mixed ? BLK_DIR_MIXED : d;
		if (!us->ops[from])
			continue;
		uint64_t ms = fmt_fio_msec(us->runtime_ns[from]);
		uint64_t bw = ms ? us->bytes[from] * 1000 / ms : 0;
		if (!gs->max_run_ms[d] || ms < gs->min_run_ms[d])
			gs->min_run_ms[d] = ms;
		if (ms > gs->max_run_ms[d])
			gs->max_run_ms[d] = ms;
		if (!gs->max_bw[d] || bw < gs->min_bw[d])
			gs->min_bw[d] = bw;
		if (bw > gs->max_bw[d])
			gs->max_bw[d] = bw;
		gs->bytes[d] += us->bytes[from];
	}
}

struct blk_group_stats *blk_groups_stats(const struct blk_group_result *const *runs, unsigned nruns)
{
	unsigned ngroups = blk_groups_count(runs, nruns), nunits;
	struct blk_group_stats *gs = calloc(ngroups ? ngroups : 1, sizeof(*gs));
	struct unit_sum *us = unit_sums(runs, nruns, &nunits);

	if (!gs || !us) {
		free(gs);
		free(us);
		return NULL;
	}
	for (unsigned i = 0; i < nunits; i++)
		if (us[i].job->groupid < ngroups)
			group_stats_add(&gs[us[i].job->groupid], &us[i]);
	free(us);
	/* fio's agg: the group's bytes over its longest unit, whichever run that was in */
	for (unsigned g = 0; g < ngroups; g++)
		for (unsigned d = 0; d < BLK_DIRS; d++)
			gs[g].agg[d] = gs[g].max_run_ms[d]
					       ? gs[g].bytes[d] * 1000 / gs[g].max_run_ms[d]
					       : 0;
	return gs;
}

unsigned blk_groups_count(const struct blk_group_result *const *runs, unsigned nruns)
{
	unsigned n = 0;

	for (unsigned r = 0; r < nruns; r++)
		for (unsigned j = 0; j < runs[r]->njobs; j++)
			if (runs[r]->jobs[j]->groupid + 1 > n)
				n = runs[r]->jobs[j]->groupid + 1;
	return n;
}

double blk_pct(uint64_t count, uint64_t total, double floor)
{
	if (!total)
		return 0.0;
	double p = 100.0 * (double)count / (double)total;
	return p < floor && count ? floor : p;
}

/* fio's bucket of a latency within one unit: upper bounds 2, 4, 10, ..., 1000, 2000, >=2000. */
static unsigned lat_bucket(uint64_t v)
{
	static const uint64_t upper[] = { 2, 4, 10, 20, 50, 100, 250, 500, 750, 1000 };
	for (unsigned i = 0; i < 10; i++)
		if (v < upper[i])
			return i;
	return 10;
}

void blk_lat_buckets(const struct blk_unit *u, uint64_t n[10], uint64_t us[10], uint64_t ms[12])
{
	memset(n, 0, 10 * sizeof(*n));
	memset(us, 0, 10 * sizeof(*us));
	memset(ms, 0, 12 * sizeof(*ms));
	for (unsigned d = 0; d < BLK_DIRS; d++) {
		const struct hist *h = &u->dir[d].lat;
		if (!h->count)
			continue;
		for (unsigned b = 0; b < HIST_BUCKETS; b++) {
			if (!h->buckets[b])
				continue;
			uint64_t v = (hist_bucket_low(b) + hist_bucket_high(b)) / 2;
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			if (v < 1000)
				n[lat_bucket(v)] += h->buckets[b];
			else if (v < 1000000)
				us[lat_bucket(v / 1000)] += h->buckets[b];
			else if (v < 2000000000ULL)
				ms[lat_bucket(v / 1000000)] += h->buckets[b];
			else
				ms[11] += h->buckets[b];
		}
	}
}

const struct hist *blk_unit_pct_hist(const struct blk_unit *u, unsigned d)
{
	return u->rep->lat_percentiles ? &u->dir[d].lat : &u->dir[d].clat;
}

/* summary.c's one run: its jobs carry groupid (the test's index). */
void blk_print_group_normal(FILE *out, const struct blk_group_result *gr, unsigned groupid)
{
	if (gr->njobs && !gr->jobs[0]->o.rep.stats)
		return;
	blk_print_group_jobs(out, &gr, 1, 0);
	blk_print_group_status(out, &gr, 1, groupid);
	fflush(out);
}

void blk_group_json(struct jsonw *j, const struct blk_group_result *gr, unsigned groupid)
{
	(void)groupid; /* each job carries its own */
	blk_group_json_format(j, &gr, 1, 0, false);
}

void blk_report_end(FILE *out, unsigned formats, unsigned terse_version,
		    const struct blk_group_result *const *runs, unsigned nruns,
		    const struct blk_disk_util *du)
{
	if (formats & BLK_OUT_TERSE)
		for (unsigned r = 0; r < nruns; r++)
			blk_print_group_terse(out, runs, nruns, r, terse_version, du);
	if (!(formats & BLK_OUT_NORMAL))
		return;
	for (unsigned r = 0; r < nruns; r++)
		blk_print_group_jobs(out, runs, nruns, r);
	unsigned ngroups = blk_groups_count(runs, nruns);
	for (unsigned g = 0; g < ngroups; g++)
		blk_print_group_status(out, runs, nruns, g);
	if (du && nruns && runs[0]->njobs && runs[0]->jobs[0]->o.rep.disk_util)
		blk_disk_util_print(out, du);
	fflush(out);
}
