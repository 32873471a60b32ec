/*
 * groups.c - what may be merged with what, and the merging itself: every job must be of one
 * kind (kind.c: a pgbench result cannot be merged with a fio one), whatever it is called, and
 * jobs of one name must measure the same operation types; a checked input's jobs then add into
 * one group per job name and into the group of everything.
 *
 * Names need not match across inputs: pods name their job after themselves, and their jobs of
 * one kind still add into one total. Where names match (several pods with job "r", or the FIO
 * Summary's tests on every pod), the name's group is that name's total.
 */
#include "merge_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool has_op(const char *const *names, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

/* The same operations but those that the kind has as optional (lag, produce_scheduled). */
static bool same_ops(const struct merge_kind *kind, const char *const *a, unsigned na,
		     const char *const *b, unsigned nb)
{
	for (unsigned i = 0; i < na; i++)
		if (!merge_kind_optional(kind, a[i]) && !has_op(b, nb, a[i]))
			return false;
	for (unsigned i = 0; i < nb; i++)
		if (!merge_kind_optional(kind, b[i]) && !has_op(a, na, b[i]))
			return false;
	return true;
}

static void job_op_names(const struct merge_job *job, const char **names)
{
	for (unsigned i = 0; i < job->nops; i++)
		names[i] = job->op[i].name;
}

static void group_op_names(const struct merge_group *g, const char **names)
{
	for (unsigned i = 0; i < g->nops; i++)
		names[i] = g->op[i].name;
}

static uint64_t op_did(const json_t *op)
{
	const json_t *ios = json_object_get(op, "total_ios"),
		     *errors = json_object_get(op, "errors");

	return (uint64_t)json_integer_value(ios) | (uint64_t)json_integer_value(errors);
}

/*
 * The operations that a workload is told by in messages: those that did I/O (or failed) in any
 * job of the name, as the text table shows them; all of them when none did. A fio job has
 * read, write, trim and sync objects whatever it does: a randread job is "(read)".
 */
static unsigned job_active_names(const struct merge_job *jobs, size_t njobs, size_t i,
				 const char **names)
{
	unsigned n = 0;

	for (unsigned o = 0; o < jobs[i].nops; o++) {
		bool did = false;
		for (size_t k = 0; k < njobs && !did; k++) {
			if (strcmp(jobs[k].jobname, jobs[i].jobname))
				continue;
			for (unsigned p = 0; p < jobs[k].nops && !did; p++)
				did = !strcmp(jobs[k].op[p].name, jobs[i].op[o].name) &&
				      op_did(jobs[k].op[p].obj);
		}
		if (did)
			names[n++] = jobs[i].op[o].name;
	}
	if (!n)
		job_op_names(&jobs[i], names);
	return n ? n : jobs[i].nops;
}

/* "read, write" into buf. */
static void ops_list(char *buf, size_t size, const char *const *names, unsigned n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i ? ", " : "", names[i]);
}

static int find_group(const struct merge_set *m, const char *jobname)
{
	for (unsigned g = 0; g < m->ngroups; g++)
		if (!strcmp(m->groups[g].jobname, jobname))
			return (int)g;
	return -1;
}

/* Index of the first job called jobs[i].jobname. */
static size_t first_named(const struct merge_job *jobs, size_t i)
{
	for (size_t k = 0; k < i; k++)
		if (!strcmp(jobs[k].jobname, jobs[i].jobname))
			return k;
	return i;
}

/* "'r' (block read/write: read)": a job by its kind and the operations its name did I/O in. */
static void describe_kind(char *buf, size_t size, const struct merge_job *jobs, size_t njobs,
			  size_t i)
{
	const char *names[PVC_MAX_OPS];
	unsigned n = job_active_names(jobs, njobs, i, names);
	size_t len;

	len = (size_t)snprintf(buf, size, "'%s' (%s: ", jobs[i].jobname,
			       merge_kind_label(&jobs[i]));
	if (len < size)
		ops_list(buf + len, size - len, names, n);
	len = strlen(buf);
	if (len < size)
		snprintf(buf + len, size - len, ")");
}

/*
 * One kind for every job, within the document and against the set (whose jobs are all of the
 * kind of its first); per name, the same operation types (but the kind's optional ones), within
 * the document and against the group of that name already in the set.
 */
int merge_check_workload(const struct merge_set *m, const char *name, const struct merge_job *jobs,
			 size_t njobs, char *err, size_t err_size)
{
	const char *a[PVC_MAX_OPS], *b[MERGE_MAX_OPS], *all[MERGE_MAX_OPS];
	const char *first = m->ninputs ? m->inputs[0].name : NULL;
	char mine[512], theirs[512];
	unsigned nall = 0;

	for (size_t i = 0; i < njobs; i++) {
		size_t k = first_named(jobs, i);
		job_op_names(&jobs[i], a);
		job_op_names(&jobs[k], b);
		if (!merge_same_kind(&jobs[i], &jobs[0])) {
			describe_kind(mine, sizeof(mine), jobs, njobs, 0);
			describe_kind(theirs, sizeof(theirs), jobs, njobs, i);
			snprintf(err, err_size,
				 "%s: jobs of different kinds: %s and %s; only jobs of one kind "
				 "merge",
				 name, mine, theirs);
			return -EINVAL;
		}
		if (!same_ops(merge_job_kind(&jobs[i]), a, jobs[i].nops, b, jobs[k].nops)) {
			snprintf(err, err_size,
				 "%s: jobs[%zu] and jobs[%zu] are both called '%s' but measure "
				 "different operations",
				 name, k, i, jobs[i].jobname);
			return -EINVAL;
		}
		for (unsigned o = 0; o < jobs[i].nops; o++) {
			if (has_op(all, nall, a[o]))
				continue;
			if (nall == MERGE_MAX_OPS) {
				snprintf(err, err_size, "%s: more than %u operation types in all",
					 name, MERGE_MAX_OPS);
				return -EINVAL;
			}
			all[nall++] = a[o];
		}
	}
	if (!first)
		return 0;
	if (!merge_same_kind(&jobs[0], &m->jobs[0])) {
		describe_kind(mine, sizeof(mine), jobs, njobs, 0);
		describe_kind(theirs, sizeof(theirs), m->jobs, m->njobs, 0);
		snprintf(err, err_size,
			 "%s and %s hold different workloads: %s has job %s, %s has job %s; only "
			 "results of one kind merge",
			 name, first, name, mine, first, theirs);
		return -EINVAL;
	}
	for (size_t i = 0; i < njobs; i++) {
		int g = first_named(jobs, i) == i ? find_group(m, jobs[i].jobname) : -1;
		if (g < 0)
			continue;
		job_op_names(&jobs[i], a);
		group_op_names(&m->groups[g], b);
		if (!same_ops(merge_job_kind(&jobs[i]), a, jobs[i].nops, b, m->groups[g].nops)) {
			ops_list(mine, sizeof(mine), a, jobs[i].nops);
			ops_list(theirs, sizeof(theirs), b, m->groups[g].nops);
			snprintf(
				err, err_size,
				"%s and %s hold different workloads: job '%s' measures %s in %s, but "
				"%s in %s",
				name, m->inputs[m->groups[g].first_input].name, jobs[i].jobname,
				mine, name, theirs, m->inputs[m->groups[g].first_input].name);
			return -EINVAL;
		}
	}
	return 0;
}

static struct merge_total *group_op(struct merge_group *g, const char *name)
{
	for (unsigned i = 0; i < g->nops; i++)
		if (!strcmp(g->op[i].name, name))
			return &g->op[i];
	/* merge_check_workload made sure there is room */
	struct merge_total *t = &g->op[g->nops++];
	memset(t, 0, sizeof(*t));
	t->name = name;
	hist_init(&t->stats.lat);
	hist_init(&t->extra.slat);
	hist_init(&t->extra.clat);
	return t;
}

/*
 * Counts and histograms add; the samples add as fio's group_reporting adds its jobs' (see
 * op_samples_add): merged pods ran side by side, as the jobs of a group do.
 */
static void total_add(struct merge_total *t, const struct op_stats *s, const struct merge_extra *x,
		      uint64_t runtime_ms)
{
	t->stats.ops += s->ops;
	t->stats.bytes += s->bytes;
	t->stats.errors += s->errors;
	hist_merge(&t->stats.lat, &s->lat);
	if (runtime_ms > t->runtime_ms)
		t->runtime_ms = runtime_ms;
	t->added++;
	t->extra.short_ios += x->short_ios;
	t->extra.drop_ios += x->drop_ios;
	if (x->sync)
		t->sync++;
	for (unsigned k = 0; k < OP_LATS; k++) {
		t->extra.percentile_seen[k] |= x->percentile_seen[k];
		t->extra.percentile_on[k] |= x->percentile_on[k];
	}
	if (!t->extra.npercentiles && x->npercentiles) {
		t->extra.npercentiles = x->npercentiles;
		memcpy(t->extra.percentiles, x->percentiles, x->npercentiles * sizeof(double));
	}
	if (x->split) {
		t->split++;
		hist_merge(&t->extra.slat, &x->slat);
		hist_merge(&t->extra.clat, &x->clat);
	}
	if (x->samples) {
		t->samples++;
		op_samples_add(&t->extra.bw, &x->bw);
		op_samples_add(&t->extra.iops, &x->iops);
	}
}

/* One more job of input in g: inputs count once however many of their jobs g holds. */
static void group_count(struct merge_group *g, unsigned input)
{
	if (!g->njobs)
		g->first_input = input;
	g->njobs++;
	if (g->last_input != input + 1) {
		g->ninputs++;
		g->last_input = input + 1;
	}
}

/* Adds checked jobs to the set: new groups for new names, every operation into the totals. */
void merge_commit(struct merge_set *m, struct merge_job *jobs, size_t njobs, unsigned input,
		  struct op_stats *scratch, struct merge_extra *extra)
{
	char ignored[256];

	for (size_t i = 0; i < njobs; i++) {
		struct merge_job *job = &m->jobs[m->njobs++];
		*job = jobs[i];
		job->input = input;
		int g = find_group(m, job->jobname);
		if (g < 0) {
			g = (int)m->ngroups++;
			memset(&m->groups[g], 0, sizeof(m->groups[g]));
			m->groups[g].jobname = job->jobname;
		}
		job->group = (unsigned)g;
		group_count(&m->groups[g], input);
		group_count(&m->all, input);
		for (unsigned o = 0; o < job->nops; o++) {
			merge_op_stats(job->op[o].obj, scratch, ignored, sizeof(ignored));
			merge_op_extra(job->op[o].obj, extra, ignored, sizeof(ignored));
			total_add(group_op(&m->groups[g], job->op[o].name), scratch, extra,
				  job->op[o].runtime_ms);
			total_add(group_op(&m->all, job->op[o].name), scratch, extra,
				  job->op[o].runtime_ms);
		}
	}
	if (m->ngroups == 1)
		m->all.jobname = m->groups[0].jobname;
	else
		m->all.jobname = "all";
}

/* Room for njobs more jobs, the groups of their new names and one more input: 0 or -ENOMEM. */
int merge_reserve(struct merge_set *m, const struct merge_job *jobs, size_t njobs)
{
	size_t new_groups = 0;

	for (size_t i = 0; i < njobs; i++)
		if (first_named(jobs, i) == i && find_group(m, jobs[i].jobname) < 0)
			new_groups++;
	struct merge_job *more_jobs = realloc(m->jobs, (m->njobs + njobs) * sizeof(*more_jobs));
	if (!more_jobs)
		return -ENOMEM;
	m->jobs = more_jobs;
	if (new_groups) {
		struct merge_group *groups =
			realloc(m->groups, (m->ngroups + new_groups) * sizeof(*groups));
		if (!groups)
			return -ENOMEM;
		m->groups = groups;
	}
	struct merge_input *inputs = realloc(m->inputs, (m->ninputs + 1) * sizeof(*inputs));
	if (!inputs)
		return -ENOMEM;
	m->inputs = inputs;
	return 0;
}
