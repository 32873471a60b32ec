/*
 * runner_metrics.c - the reporter's side of the live metrics (metrics.h): each run's jobs, their
 * cumulative totals, their live state (last success, oldest operation in flight, schedule lag,
 * stall) and the run's phase.
 *
 * A job is run_plan.worker_jobs[i] (a NULL entry leaves worker i out), else progress_label, else
 * "default". Its totals are the sum of its workers' totals as the reporter consumed them
 * (run_result.workers[i].op, series.c), so after the run they are exactly what the result
 * reports; they are published again only when a worker of the job had something consumed. The
 * live state comes from the relaxed atomics the workers publish (runner.h) and is published at
 * every poll. Everything here runs in the reporter thread: the workers never call in, and
 * nothing is set up when metrics are off.
 */
#include "runner_int.h"
#include "pvcbench/clock.h"
#include "pvcbench/metrics.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct rm_job {
	const char *name;
	struct op_stats *ops; /* nops entries: the job's totals */
	bool stalled;	      /* as last published */
	uint64_t stalls;      /* stalls seen to begin at the polls */
};

struct runner_metrics {
	struct rm_job *jobs;
	unsigned njobs;
	unsigned *job_of;	/* per worker: its job, or UINT32_MAX when left out */
	int64_t *seen_consumed; /* per worker: next_to_consume as last published */
	bool phase_run;		/* METRICS_RUN was set */
};

#define RM_NO_JOB UINT32_MAX

static const char *worker_job(const struct run_plan *plan, unsigned i, bool *left_out)
{
	*left_out = false;
	if (plan->worker_jobs) {
		*left_out = !plan->worker_jobs[i];
		return plan->worker_jobs[i];
	}
	return plan->progress_label && plan->progress_label[0] ? plan->progress_label : "default";
}

void runner_metrics_free(struct runner *r)
{
	struct runner_metrics *m = r->metrics;

	if (!m)
		return;
	for (unsigned j = 0; j < m->njobs; j++)
		free(m->jobs[j].ops);
	free(m->jobs);
	free(m->job_of);
	free(m->seen_consumed);
	free(m);
	r->metrics = NULL;
}

int runner_metrics_setup(struct runner *r)
{
	const struct run_plan *plan = r->plan;
	struct runner_metrics *m;

	if (!metrics_on())
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	r->metrics = m;
	m->jobs = calloc(plan->nworkers, sizeof(*m->jobs));
	m->job_of = calloc(plan->nworkers, sizeof(*m->job_of));
	m->seen_consumed = calloc(plan->nworkers, sizeof(*m->seen_consumed));
	if (!m->jobs || !m->job_of || !m->seen_consumed)
		return -ENOMEM;
	for (unsigned i = 0; i < plan->nworkers; i++) {
		bool left_out;
		const char *name = worker_job(plan, i, &left_out);
		unsigned j = 0;

		m->job_of[i] = RM_NO_JOB;
		if (left_out)
			continue;
		while (j < m->njobs && strcmp(m->jobs[j].name, name))
			j++;
		if (j == m->njobs) {
			m->jobs[j].name = name;
			m->jobs[j].ops = malloc(plan->nops * sizeof(*m->jobs[j].ops));
			if (!m->jobs[j].ops)
				return -ENOMEM;
			m->njobs++;
		}
		m->job_of[i] = j;
		m->seen_consumed[i] = -1; /* the first poll publishes every job once */
	}
	metrics_set_phase(METRICS_SETUP);
	return 0;
}

/* The job's totals so far (the consumed intervals of its workers), published. */
static void publish_totals(struct runner *r, unsigned j)
{
	const struct run_plan *plan = r->plan;
	struct runner_metrics *m = r->metrics;
	struct rm_job *job = &m->jobs[j];

	op_stats_reset(job->ops, plan->nops);
	for (unsigned i = 0; i < plan->nworkers; i++) {
		if (m->job_of[i] != j)
			continue;
		for (unsigned k = 0; k < plan->nops; k++)
			op_stats_add(&job->ops[k], &r->result->workers[i].op[k]);
	}
	for (unsigned k = 0; k < plan->nops; k++)
		metrics_publish_op(plan->metrics_run, job->name, plan->op_names[k], &job->ops[k]);
}

/*
 * The job's live state at now from its running workers: a job is stalled when every one of
 * them has gone the stall threshold without a completion (as the run is, stall_track_live).
 */
static void publish_live(struct runner *r, unsigned j, uint64_t now, bool final)
{
	const struct run_plan *plan = r->plan;
	struct runner_metrics *m = r->metrics;
	struct rm_job *job = &m->jobs[j];
	struct metrics_live l = { 0 };
	unsigned running = 0, stalled = 0;

	for (unsigned i = 0; i < plan->nworkers; i++) {
		struct worker *w = &r->workers[i].hot;
		if (m->job_of[i] != j)
			continue;
		uint64_t last = atomic_load_explicit(&w->last_done_pub, memory_order_relaxed);
		if (last > l.last_success_ns)
			l.last_success_ns = last;
		/* a worker that ended has nothing in flight, whatever it left published */
		if (atomic_load_explicit(&r->workers[i].finished, memory_order_acquire))
			continue;
		running++;
		uint64_t since = atomic_load_explicit(&w->inflight_since_pub, memory_order_relaxed);
		if (since && (!l.oldest_inflight_ns || since < l.oldest_inflight_ns))
			l.oldest_inflight_ns = since;
		uint64_t lag = atomic_load_explicit(&w->sched_lag_pub, memory_order_relaxed);
		if (lag > l.schedule_lag_ns)
			l.schedule_lag_ns = lag;
		/* last is 0 while the worker ramps: not stalled (stall_track.c's latest_done) */
		if (last && now > last && now - last >= r->stall_ns)
			stalled++;
	}
	bool is_stalled = !final && running && stalled == running;
	if (is_stalled) {
		/* the stall began at the job's last completion */
		l.stall_start_ns = l.last_success_ns;
		if (!job->stalled)
			job->stalls++;
	}
	job->stalled = is_stalled;
	l.stalls = job->stalls;
	if (final) {
		/* the run's own outage windows are exact: use them when the job is the run */
		bool whole = true;
		for (unsigned i = 0; i < plan->nworkers; i++)
			whole &= m->job_of[i] == j;
		if (whole && r->result->stalls.n > l.stalls)
			l.stalls = r->result->stalls.n;
	}
	metrics_publish_live(plan->metrics_run, job->name, &l);
}

void runner_metrics_poll(struct runner *r, uint64_t now)
{
	const struct run_plan *plan = r->plan;
	struct runner_metrics *m = r->metrics;

	if (!m)
		return;
	if (!m->phase_run && now >= r->origin_ns) {
		metrics_set_phase(METRICS_RUN);
		m->phase_run = true;
	}
	for (unsigned j = 0; j < m->njobs; j++) {
		bool changed = false;
		for (unsigned i = 0; i < plan->nworkers; i++) {
			if (m->job_of[i] != j || m->seen_consumed[i] == r->next_to_consume[i])
				continue;
			m->seen_consumed[i] = r->next_to_consume[i];
			changed = true;
		}
		if (changed)
			publish_totals(r, j);
		publish_live(r, j, now, false);
	}
}

void runner_metrics_start(struct runner *r)
{
	const struct run_plan *plan = r->plan;
	uint64_t min_ramp = UINT64_MAX;

	if (!r->metrics)
		return;
	for (unsigned i = 0; i < plan->nworkers; i++)
		if (plan->specs[i].ramp_ns < min_ramp)
			min_ramp = plan->specs[i].ramp_ns;
	/* measuring starts at the origin (the shortest ramp): the first poll after it says run */
	if (min_ramp)
		metrics_set_phase(METRICS_RAMP);
}

void runner_metrics_final(struct runner *r)
{
	struct runner_metrics *m = r->metrics;
	uint64_t now = clock_now_ns();

	if (!m)
		return;
	for (unsigned j = 0; j < m->njobs; j++) {
		publish_totals(r, j);
		publish_live(r, j, now, true);
	}
	metrics_set_phase(METRICS_DONE);
}
