/*
 * exposition.c - the registry in Prometheus' text exposition format 0.0.4 (metrics.h lists the
 * names): # HELP and # TYPE once per family, label values escaped (\\, \", \n), values that read
 * back exactly.
 *
 * Counters are integers. Seconds are integer nanoseconds printed as exact decimals
 * ("0.000001023"), so nothing is lost to a binary float on our side. The latency histogram's le
 * edges are highest values of hist.h buckets, (2^k - 1) ns and (3 * 2^(k-1) - 1) ns from about
 * 1 us to 68.7 s: v ns is counted in le="X" iff v <= X * 1e9, and since no hist bucket straddles
 * an edge, every cumulative count is exact, as are _sum and _count. Gauges of time (seconds since
 * the last success, age of the oldest operation in flight, length of the stall) are computed
 * here, at scrape time, from the monotonic times the reporter published.
 */
#define _GNU_SOURCE
#include "metrics_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pvcbench/clock.h"
#include "pvcbench/environment.h"

#define LE_FIRST_BIT 10 /* 2^10 - 1 ns: about 1 us */
#define LE_LAST_BIT 36	/* 2^36 - 1 ns: about 68.7 s */
#define LE_MAX (2 * (LE_LAST_BIT - LE_FIRST_BIT) + 1)

static uint64_t le_edges[LE_MAX];
static unsigned le_count;
static pthread_once_t le_once = PTHREAD_ONCE_INIT;

static void le_init(void)
{
	for (unsigned k = LE_FIRST_BIT; k <= LE_LAST_BIT; k++) {
		le_edges[le_count++] = (1ull << k) - 1;
		/* the middle of [2^k, 2^(k+1)) is a bucket edge too (128 per power of two) */
		if (k < LE_LAST_BIT)
			le_edges[le_count++] = (3ull << (k - 1)) - 1;
	}
}

unsigned metrics_le_edges(const uint64_t **edges)
{
	pthread_once(&le_once, le_init);
	*edges = le_edges;
	return le_count;
}

/* The downward API's variables, read as for a result's environment. */
const char *metrics_const_label(unsigned i, const char **name)
{
	return environment_k8s(i, name);
}

/* ns as exact decimal seconds: "0", "1.5", "0.000001023". */
static char *fmt_seconds(char *buf, size_t size, uint64_t ns)
{
	int n = snprintf(buf, size, "%llu.%09llu", (unsigned long long)(ns / 1000000000ull),
			 (unsigned long long)(ns % 1000000000ull));

	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

struct family {
	const char *name, *type, *help;
	bool headed;
};

struct label {
	const char *name, *value;
};

/* One sample: family name + suffix, the labels (NULL value: left out), the constant labels. */
static void sample(FILE *f, struct family *fam, const char *suffix, const struct label *labels,
		   unsigned n, const char *value)
{
	bool first = true;
	const char *cname, *cval;

	if (!fam->headed) {
		fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", fam->name, fam->help, fam->name,
			fam->type);
		fam->headed = true;
	}
	fprintf(f, "%s%s", fam->name, suffix);
	for (unsigned i = 0; i < n + METRICS_CONST_LABELS; i++) {
		const char *name = i < n ? labels[i].name : NULL;
		const char *val = i < n ? labels[i].value : NULL;
		if (i >= n) {
			cval = metrics_const_label(i - n, &cname);
			name = cname;
			val = cval;
		}
		if (!val)
			continue;
		fprintf(f, "%s%s=\"", first ? "{" : ",", name);
		put_escaped(f, val);
		fputc('"', f);
		first = false;
	}
	fprintf(f, "%s %s\n", first ? "" : "}", value);
}

static void sample_u64(FILE *f, struct family *fam, const struct label *labels, unsigned n,
		       uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	sample(f, fam, "", labels, n, buf);
}

static void sample_seconds(FILE *f, struct family *fam, const struct label *labels, unsigned n,
			   uint64_t ns)
{
	char buf[48];

	sample(f, fam, "", labels, n, fmt_seconds(buf, sizeof(buf), ns));
}

/* One (job, op) summed over the runs that published it. */
struct job_op {
	const char *job, *op;
	uint64_t ops, bytes, errors;
	struct hist *lat;
};

static bool in_group(const char *job, const char *group)
{
	return !group || (group[0] && !strcmp(job, group));
}

/* The (job, op) pairs of the group in the order they were first published. */
static struct job_op *sum_job_ops(const char *group, unsigned *n)
{
	struct metrics_registry *r = &metrics_reg;
	struct job_op *jo = calloc(r->nops ? r->nops : 1, sizeof(*jo));

	*n = 0;
	if (!jo)
		return NULL;
	for (unsigned i = 0; i < r->nops; i++) {
		const struct metrics_op_entry *e = r->ops[i];
		struct job_op *t = NULL;
		if (!in_group(e->job, group))
			continue;
		for (unsigned k = 0; k < *n && !t; k++)
			if (!strcmp(jo[k].job, e->job) && !strcmp(jo[k].op, e->op))
				t = &jo[k];
		if (!t) {
			t = &jo[*n];
			t->lat = malloc(sizeof(*t->lat));
			if (!t->lat)
				continue; /* left out rather than wrong */
			hist_init(t->lat);
			t->job = e->job;
			t->op = e->op;
			(*n)++;
		}
		t->ops += e->s.ops;
		t->bytes += e->s.bytes;
		t->errors += e->s.errors;
		hist_merge(t->lat, &e->s.lat);
	}
	return jo;
}

static void render_histogram(FILE *f, struct family *fam, const struct job_op *jo,
			     const char *workload)
{
	const uint64_t *edges;
	unsigned nedges = metrics_le_edges(&edges), e = 0;
	uint64_t cum = 0;
	char le[48], val[48];
	struct label l[] = {
		{ "workload", workload }, { "job", jo->job }, { "op", jo->op }, { "le", le }
	};

	for (unsigned b = 0; b < HIST_BUCKETS && e < nedges; b++) {
		cum += jo->lat->buckets[b];
		if (hist_bucket_high(b) != edges[e])
			continue;
		fmt_seconds(le, sizeof(le), edges[e++]);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)cum);
		sample(f, fam, "_bucket", l, 4, val);
	}
	snprintf(le, sizeof(le), "+Inf");
	snprintf(val, sizeof(val), "%llu", (unsigned long long)jo->lat->count);
	sample(f, fam, "_bucket", l, 4, val);
	sample(f, fam, "_sum", l, 3, fmt_seconds(val, sizeof(val), jo->lat->sum));
	snprintf(val, sizeof(val), "%llu", (unsigned long long)jo->lat->count);
	sample(f, fam, "_count", l, 3, val);
}

static uint64_t since(uint64_t now, uint64_t then)
{
	return then && now > then ? now - then : 0;
}

static const char *engine_of(const char *job)
{
	for (unsigned i = 0; i < metrics_reg.nengines; i++)
		if (!strcmp(metrics_reg.engines[i].job, job))
			return metrics_reg.engines[i].engine;
	return "";
}

/* Every job name in the group, in order of first appearance (pointers into the registry). */
static const char **group_jobs(const char *group, unsigned *n)
{
	struct metrics_registry *r = &metrics_reg;
	unsigned cap = r->nops + r->nlive + r->nengines;
	const char **jobs = calloc(cap ? cap : 1, sizeof(*jobs));

	*n = 0;
	if (!jobs)
		return NULL;
	for (unsigned i = 0; i < cap; i++) {
		const char *job = i < r->nops		   ? r->ops[i]->job
				  : i < r->nops + r->nlive ? r->live[i - r->nops].job
							   : r->engines[i - r->nops - r->nlive].job;
		bool seen = false;
		for (unsigned k = 0; k < *n && !seen; k++)
			seen = !strcmp(jobs[k], job);
		if (!seen && in_group(job, group))
			jobs[(*n)++] = job;
	}
	return jobs;
}

static void render_process(FILE *f, const char *workload)
{
	static const char *const phases[] = { "setup", "ramp", "run", "done" };
	struct family build = { "pvcbench_build_info", "gauge", "pvcbench's version (always 1).",
				false };
	struct family start = { "pvcbench_start_time_seconds", "gauge",
				"When the command started, in seconds since the Unix epoch.",
				false };
	struct family phase = {
		"pvcbench_phase", "gauge",
		"1 for the command's current phase (setup, ramp, run, done), else 0.", false
	};
	struct label v[] = { { "version", PVC_VERSION } };

	sample_u64(f, &build, v, 1, 1);
	sample_seconds(f, &start, NULL, 0, metrics_reg.start_unix_ns);
	for (unsigned i = 0; i < 4; i++) {
		struct label l[] = { { "workload", workload }, { "phase", phases[i] } };
		sample_u64(f, &phase, l, 2, metrics_reg.phase == (enum metrics_phase)i);
	}
}

#define LIVE_FAMILIES 7

/*
 * The live gauges of one job into v (LIVE_FAMILIES values, ns for times; have[i] false: no
 * sample): its latest run's state, stalls summed over its runs. False when it published none.
 */
static bool live_values(const char *job, uint64_t now, uint64_t unix_now, uint64_t *v, bool *have)
{
	const struct metrics_live_entry *latest = NULL;
	uint64_t stalls = 0;
	bool done = metrics_reg.phase == METRICS_DONE;

	for (unsigned i = 0; i < metrics_reg.nlive; i++) {
		const struct metrics_live_entry *e = &metrics_reg.live[i];
		if (strcmp(e->job, job))
			continue;
		stalls += e->l.stalls;
		if (!latest || e->run >= latest->run)
			latest = e;
	}
	if (!latest)
		return false;
	const struct metrics_live *s = &latest->l;
	for (unsigned i = 0; i < LIVE_FAMILIES; i++)
		have[i] = true;
	/*
	 * While the job runs, ages are as of the reporter's last sample (at most 100 ms old), not
	 * the scrape: an operation in flight then may have completed since, and a fast job would
	 * otherwise show the sample's age as a wait that never happened. So they are lower bounds.
	 */
	uint64_t at = done ? now : latest->sampled_ns;
	/* after the end nothing is in flight and nothing stalls: the workers have stopped */
	v[0] = !done && s->stall_start_ns;
	v[1] = done ? 0 : since(at, s->stall_start_ns);
	v[2] = stalls;
	/* no success yet: the time since the job began is how long it has gone without one */
	v[3] = since(at, s->last_success_ns ? s->last_success_ns : latest->first_seen_ns);
	have[4] = s->last_success_ns != 0;
	v[4] = unix_now - since(now, s->last_success_ns);
	v[5] = done ? 0 : since(at, s->oldest_inflight_ns);
	v[6] = done ? 0 : s->schedule_lag_ns;
	return true;
}

static void render_live(FILE *f, struct family *fams, const char **jobs, unsigned njobs,
			const char *workload, uint64_t now, uint64_t unix_now)
{
	for (unsigned fam = 0; fam < LIVE_FAMILIES; fam++) {
		for (unsigned i = 0; i < njobs; i++) {
			struct label l[] = { { "workload", workload }, { "job", jobs[i] } };
			uint64_t v[LIVE_FAMILIES];
			bool have[LIVE_FAMILIES];
			if (!live_values(jobs[i], now, unix_now, v, have) || !have[fam])
				continue;
			/* 0 and 2 are counts (stalled, stalls_total), the rest durations */
			if (fam == 0 || fam == 2)
				sample_u64(f, &fams[fam], l, 2, v[fam]);
			else
				sample_seconds(f, &fams[fam], l, 2, v[fam]);
		}
	}
}

void metrics_render_locked(FILE *f, const char *group, bool process)
{
	struct metrics_registry *r = &metrics_reg;
	const char *workload = r->workload;
	struct family info = { "pvcbench_job_info", "gauge",
			       "A job of the command and the engine it uses (always 1).", false };
	struct family counters[] = {
		{ "pvcbench_operations_total", "counter", "Operations completed (measured).",
		  false },
		{ "pvcbench_bytes_total", "counter", "Bytes of the operations completed.", false },
		{ "pvcbench_errors_total", "counter", "Operations that failed.", false },
	};
	struct family lat = { "pvcbench_latency_seconds", "histogram",
			      "Latency of the operations completed.", false };
	struct family live[] = {
		{ "pvcbench_stalled", "gauge",
		  "1 while no operation has completed for the stall threshold, else 0.", false },
		{ "pvcbench_stall_seconds", "gauge", "Length of the current stall, 0 if none.",
		  false },
		{ "pvcbench_stalls_total", "counter", "Stalls that began.", false },
		{ "pvcbench_seconds_since_last_success", "gauge",
		  "Seconds since the last operation completed (or since the job began).", false },
		{ "pvcbench_last_success_timestamp_seconds", "gauge",
		  "When the last operation completed, in seconds since the Unix epoch.", false },
		{ "pvcbench_oldest_inflight_seconds", "gauge",
		  "Age of the oldest operation in flight, 0 with none.", false },
		{ "pvcbench_schedule_lag_seconds", "gauge",
		  "How far behind its rate limit's schedule the job is.", false },
	};
	struct timespec ts;
	uint64_t now = clock_now_ns(), unix_now;
	unsigned njo = 0, njobs = 0;

	r->renders++;
	if (!r->on)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	unix_now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	if (process)
		render_process(f, workload);
	if (group && !group[0])
		return;
	const char **jobs = group_jobs(group, &njobs);
	for (unsigned i = 0; jobs && i < njobs; i++) {
		struct label l[] = { { "workload", workload },
				     { "job", jobs[i] },
				     { "engine", engine_of(jobs[i]) } };
		sample_u64(f, &info, l, 3, 1);
	}
	struct job_op *jo = sum_job_ops(group, &njo);
	for (unsigned c = 0; jo && c < 3; c++) {
		for (unsigned i = 0; i < njo; i++) {
			struct label l[] = { { "workload", workload },
					     { "job", jo[i].job },
					     { "op", jo[i].op } };
			sample_u64(f, &counters[c], l, 3,
				   c == 0   ? jo[i].ops
				   : c == 1 ? jo[i].bytes
					    : jo[i].errors);
		}
	}
	for (unsigned i = 0; jo && i < njo; i++)
		render_histogram(f, &lat, &jo[i], workload);
	if (jobs)
		render_live(f, live, jobs, njobs, workload, now, unix_now);
	for (unsigned i = 0; jo && i < njo; i++)
		free(jo[i].lat);
	free(jo);
	free(jobs);
}
