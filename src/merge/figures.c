/*
 * figures.c - a result's comparable figures (figures.h): loads it through load.c, splits its
 * jobs into tests, and works out each test's figures, operations, stalls, data checks and the
 * run's environment and label. The noise of each figure is figures_noise.c's.
 *
 * Every figure is computed from what the merge module rebuilt (exact histograms, counts, run
 * times) or read from the workload's own summary (pgbench's tps, the Kafka tools' rates), so a
 * figure of a single result equals what that result's own output says.
 */
#include "figures_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *json_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* How many distinct "source" members the jobs of group g have (1 when they have none). */
static unsigned count_sources(const struct merge_set *m, int g)
{
	const char *seen[64];
	unsigned n = 0;

	for (unsigned i = 0; i < m->njobs; i++) {
		const char *s = json_str(m->jobs[i].obj, "source");
		unsigned k = 0;
		if (!fig_job_in(&m->jobs[i], g))
			continue;
		if (!s)
			s = "";
		while (k < n && strcmp(seen[k], s))
			k++;
		if (k == n && n < sizeof(seen) / sizeof(seen[0]))
			seen[n++] = s;
	}
	return n ? n : 1;
}

/* Sum over the test's jobs of a number in the member obj ("kafka", "pgbench") of each. */
static bool sum_job_numbers(const struct merge_set *m, int g, const char *obj, const char *key,
			    double *sum)
{
	*sum = 0;
	for (unsigned i = 0; i < m->njobs; i++) {
		const json_t *v;
		if (!fig_job_in(&m->jobs[i], g))
			continue;
		v = json_object_get(json_object_get(m->jobs[i].obj, obj), key);
		if (!json_is_number(v))
			return false;
		*sum += json_number_value(v);
	}
	return true;
}

/* A figure keyed "<op>.<what>", named prefix + name ("read" + " IOPS"), or name alone. */
static void add_figure(struct fig_test *t, const char *op, const char *what, const char *prefix,
		       const char *name, const char *unit, enum fig_better better, double value,
		       enum fig_sample sample)
{
	struct fig_figure *f;

	if (t->nfigures == FIG_MAX_FIGURES || !isfinite(value))
		return;
	f = &t->fig[t->nfigures++];
	*f = (struct fig_figure){ .op = op,
				  .unit = unit,
				  .better = better,
				  .sample = sample,
				  .value = value,
				  .noise = FIG_NOISE_UNKNOWN };
	snprintf(f->key, sizeof(f->key), "%s.%s", op, what);
	snprintf(f->name, sizeof(f->name), "%s%s", prefix ? prefix : "", name);
}

/* The operation's mean and p99 latency from its exact histogram (ns), in ns / scale. */
static void add_latency(struct fig_test *t, const struct fig_op *o, const char *prefix,
			const char *mean_name, const char *p99_name, const char *unit, double scale)
{
	const struct hist *h = &o->stats->lat;

	if (!h->count)
		return;
	add_figure(t, o->name, "lat_mean", prefix, mean_name, unit, FIG_LOWER, hist_mean(h) / scale,
		   FIG_SAMPLE_LAT_MEAN);
	add_figure(t, o->name, "lat_p99", prefix, p99_name, unit, FIG_LOWER,
		   (double)hist_value_at(h, 99.0) / scale, FIG_SAMPLE_LAT_P99);
}

static double per_sec(uint64_t n, uint64_t runtime_ns)
{
	return runtime_ns ? (double)n * 1e9 / (double)runtime_ns : NAN;
}

static double ops_rate(const struct fig_op *o)
{
	return per_sec(o->stats->ops, o->runtime_ns);
}

static double mib_rate(const struct fig_op *o)
{
	return per_sec(o->stats->bytes, o->runtime_ns) / 1048576.0;
}

/* fio's directions that move data (sync has no bytes; mixed is unified_rw_reporting's) */
static bool is_block_io(const char *op)
{
	return !strcmp(op, "read") || !strcmp(op, "write") || !strcmp(op, "trim") ||
	       !strcmp(op, "mixed");
}

/* Block: the FIO Summary's figures (IOPS, bandwidth, latency) per direction that did I/O. */
static void block_figures(struct fig_test *t)
{
	for (unsigned o = 0; o < t->nops; o++) {
		const struct fig_op *op = &t->op[o];
		if (!is_block_io(op->name) || !op->stats->ops)
			continue;
		add_figure(t, op->name, "iops", op->name, " IOPS", "IOPS", FIG_HIGHER, ops_rate(op),
			   FIG_SAMPLE_OPS);
		add_figure(t, op->name, "bw", op->name, " bandwidth", "MiB/s", FIG_HIGHER,
			   mib_rate(op), FIG_SAMPLE_BYTES);
		add_latency(t, op, op->name, " mean latency", " p99 latency", "us", 1e3);
	}
}

/* A kind this file does not know: per operation, its rate and latency. */
static void other_figures(struct fig_test *t)
{
	for (unsigned o = 0; o < t->nops; o++) {
		const struct fig_op *op = &t->op[o];
		if (!op->stats->ops)
			continue;
		add_figure(t, op->name, "ops_per_sec", op->name, " ops/s", "ops/s", FIG_HIGHER,
			   ops_rate(op), FIG_SAMPLE_OPS);
		add_latency(t, op, op->name, " mean latency", " p99 latency", "ms", 1e6);
	}
}

static const struct fig_op *find_op(const struct fig_test *t, const char *name)
{
	for (unsigned o = 0; o < t->nops; o++)
		if (!strcmp(t->op[o].name, name))
			return &t->op[o];
	return NULL;
}

/* A rate from the workload's own summary summed over jobs, else counted from the stats. */
static double own_rate(const struct merge_set *m, int g, const char *obj, const char *key,
		       double counted)
{
	double sum;

	return sum_job_numbers(m, g, obj, key, &sum) ? sum : counted;
}

static void kind_figures(const struct merge_set *m, int g, struct fig_test *t)
{
	const struct fig_op *op;

	if (!strcmp(t->kind, "block")) {
		block_figures(t);
	} else if (!strcmp(t->kind, "pgbench") && (op = find_op(t, "txn"))) {
		add_figure(t, "txn", "tps", NULL, "tps", "tps", FIG_HIGHER,
			   own_rate(m, g, "pgbench", "tps_excluding_connections", ops_rate(op)),
			   FIG_SAMPLE_OPS);
		add_latency(t, op, NULL, "latency average", "latency p99", "ms", 1e6);
	} else if (!strcmp(t->kind, "kafka-produce") && (op = find_op(t, "produce"))) {
		add_figure(t, "produce", "records_per_sec", NULL, "records/s", "records/s",
			   FIG_HIGHER, own_rate(m, g, "kafka", "records_per_sec", ops_rate(op)),
			   FIG_SAMPLE_OPS);
		add_figure(t, "produce", "mb_per_sec", NULL, "MB/s", "MB/s", FIG_HIGHER,
			   own_rate(m, g, "kafka", "mb_per_sec", mib_rate(op)), FIG_SAMPLE_BYTES);
		add_latency(t, op, NULL, "avg latency", "p99 latency", "ms", 1e6);
	} else if (!strcmp(t->kind, "kafka-consume") && (op = find_op(t, "consume"))) {
		add_figure(t, "consume", "mb_per_sec", NULL, "MB/s", "MB/s", FIG_HIGHER,
			   own_rate(m, g, "kafka", "mb_per_sec", mib_rate(op)), FIG_SAMPLE_BYTES);
		add_figure(t, "consume", "records_per_sec", NULL, "records/s", "records/s",
			   FIG_HIGHER, own_rate(m, g, "kafka", "messages_per_sec", ops_rate(op)),
			   FIG_SAMPLE_OPS);
	} else {
		other_figures(t);
	}
}

static void add_stalls(struct fig_stalls *s, const json_t *st)
{
	double longest = json_number_value(json_object_get(st, "longest_ms"));

	s->count += (unsigned)json_integer_value(json_object_get(st, "count"));
	s->total_ms += json_number_value(json_object_get(st, "total_ms"));
	s->failures += (uint64_t)json_integer_value(json_object_get(st, "failures"));
	s->open += (unsigned)json_integer_value(json_object_get(st, "open"));
	if (longest > s->longest_ms)
		s->longest_ms = longest;
}

static void fill_test(const struct merge_set *m, int g, struct fig_test *t)
{
	const struct merge_group *grp = merge_group_get(m, g);
	const struct merge_job *first = NULL;

	t->njobs = grp->njobs;
	t->nsources = count_sources(m, g);
	for (unsigned o = 0; o < grp->nops && t->nops < FIG_MAX_OPS; o++) {
		struct fig_op *op = &t->op[t->nops++];
		op->stats = merge_group_op(m, g, o, &op->name, &op->runtime_ns);
		t->errors += op->stats->errors;
	}
	for (unsigned i = 0; i < m->njobs; i++) {
		const struct merge_job *job = &m->jobs[i];
		if (!fig_job_in(job, g))
			continue;
		if (!first)
			first = job;
		if (job->error)
			t->failed_jobs++;
		if (!t->engine)
			t->engine = json_str(job->obj, "ioengine");
		if (!t->filesystem)
			t->filesystem = json_str(json_object_get(job->obj, "target"), "fstype");
		add_stalls(&t->stalls, json_object_get(job->obj, "stalls"));
		fig_check_add(&t->check, job->obj);
	}
	t->kind = first ? merge_kind_name(first) : "other";
	t->label = first ? merge_kind_label(first) : "other";
	kind_figures(m, g, t);
}

/*
 * Tests by job name; but when a merged result's every name comes from one source only (pods
 * that named their job after themselves), one test of everything, named after its kind.
 */
static int split_tests(struct fig_result *r)
{
	const struct merge_set *m = r->set;
	unsigned n = merge_group_count(m);
	bool per_pod = r->merged && r->nsources > 1 && n > 1;

	for (unsigned g = 0; per_pod && g < n; g++)
		if (count_sources(m, (int)g) > 1)
			per_pod = false;
	r->tests = calloc(per_pod ? 1 : n, sizeof(*r->tests));
	if (!r->tests)
		return -ENOMEM;
	if (per_pod) {
		fill_test(m, MERGE_ALL, &r->tests[0]);
		snprintf(r->tests[0].name, sizeof(r->tests[0].name), "%s", r->tests[0].kind);
		fig_test_noise(r, MERGE_ALL, &r->tests[0]);
		r->ntests = 1;
		return 0;
	}
	for (unsigned g = 0; g < n; g++) {
		struct fig_test *t = &r->tests[r->ntests++];
		snprintf(t->name, sizeof(t->name), "%s", merge_group_name(m, (int)g));
		fill_test(m, (int)g, t);
		fig_test_noise(r, (int)g, t);
	}
	return 0;
}

/* The environment (of the first source, in a merged result) and the label it gives. */
static void fill_env(struct fig_result *r, const char *name)
{
	const json_t *doc = r->doc, *sources = json_object_get(doc, "sources");
	const json_t *env =
		json_object_get(r->merged ? json_array_get(sources, 0) : doc, "environment");
	const json_t *k8s = json_object_get(env, "kubernetes"), *cpu = json_object_get(env, "cpu");
	struct fig_env *e = &r->env;
	const char *base = strrchr(name, '/');
	size_t len;

	e->version = json_str(env, "pvcbench_version");
	e->kernel = json_str(json_object_get(env, "kernel"), "release");
	e->hostname = json_str(env, "hostname");
	e->cpu_model = json_str(cpu, "model");
	e->cores = (unsigned)json_integer_value(json_object_get(cpu, "cores"));
	e->memory_bytes = (uint64_t)json_integer_value(json_object_get(env, "memory_bytes"));
	e->pod = json_str(k8s, "pod");
	e->node = json_str(k8s, "node");
	e->namespace = json_str(k8s, "namespace");
	e->storage_class = json_str(k8s, "storage_class");
	for (unsigned i = 0; i < r->ntests; i++) {
		if (!e->engine)
			e->engine = r->tests[i].engine;
		if (!e->filesystem)
			e->filesystem = r->tests[i].filesystem;
	}
	if (e->storage_class && *e->storage_class) {
		fig_result_set_label(r, e->storage_class);
		return;
	}
	/* a merged result is many pods: the first one's name would mislabel it */
	if (e->pod && *e->pod && r->nsources == 1) {
		fig_result_set_label(r, e->pod);
		return;
	}
	base = !strcmp(name, "-") ? "stdin" : base ? base + 1 : name;
	len = strlen(base);
	if (len > 5 && !strcmp(base + len - 5, ".json"))
		len -= 5;
	snprintf(r->label, sizeof(r->label), "%.*s", (int)len, base);
}

static int finish_load(struct fig_result *r, const char *name, char *err, size_t err_size)
{
	r->doc = r->set->inputs[0].doc;
	r->merged = json_is_array(json_object_get(r->doc, "sources"));
	r->nsources = r->merged ? (unsigned)json_array_size(json_object_get(r->doc, "sources")) : 1;
	if (!r->nsources)
		r->nsources = 1;
	if (split_tests(r)) {
		snprintf(err, err_size, "%s: out of memory", name);
		fig_result_free(r);
		return -ENOMEM;
	}
	fill_env(r, name);
	return 0;
}

static int start_load(struct fig_result *r, const char *name, char *err, size_t err_size)
{
	memset(r, 0, sizeof(*r));
	r->path = strdup(name);
	r->set = merge_set_new();
	if (!r->path || !r->set) {
		snprintf(err, err_size, "%s: out of memory", name);
		fig_result_free(r);
		return -ENOMEM;
	}
	return 0;
}

int fig_result_load(struct fig_result *r, const char *path, char *err, size_t err_size)
{
	int ret = start_load(r, path, err, err_size);

	if (ret)
		return ret;
	ret = merge_set_add_file(r->set, path, err, err_size);
	if (ret) {
		fig_result_free(r);
		return ret;
	}
	return finish_load(r, path, err, err_size);
}

int fig_result_load_text(struct fig_result *r, const char *name, const char *text, size_t len,
			 char *err, size_t err_size)
{
	int ret = start_load(r, name, err, err_size);

	if (ret)
		return ret;
	ret = merge_set_add(r->set, name, text, len, err, err_size);
	if (ret) {
		fig_result_free(r);
		return ret;
	}
	return finish_load(r, name, err, err_size);
}

void fig_result_free(struct fig_result *r)
{
	free(r->path);
	free(r->tests);
	merge_set_free(r->set);
	memset(r, 0, sizeof(*r));
}

void fig_result_set_label(struct fig_result *r, const char *label)
{
	snprintf(r->label, sizeof(r->label), "%s", label);
}

const struct fig_test *fig_match_test(const struct fig_result *r, const struct fig_result *of,
				      const struct fig_test *t)
{
	for (unsigned i = 0; i < r->ntests; i++)
		if (!strcmp(r->tests[i].name, t->name))
			return &r->tests[i];
	if (r->ntests == 1 && of->ntests == 1 && !strcmp(r->tests[0].kind, t->kind))
		return &r->tests[0];
	return NULL;
}

const struct fig_figure *fig_test_figure(const struct fig_test *t, const char *key)
{
	for (unsigned i = 0; i < t->nfigures; i++)
		if (!strcmp(t->fig[i].key, key))
			return &t->fig[i];
	return NULL;
}
