/*
 * test_figures.c - a result's comparable figures (src/merge/figures.h): each figure's value
 * against what the result's own counts and exact histogram say, its noise against a CV worked
 * out by hand from a series written here (the ragged last interval and, for latencies, idle
 * intervals left out), the fio-samples fallback and the unknown case, the change and noise
 * rule, labels, test matching, a merged result of pods that named their jobs after themselves
 * (and a merge of one result, which keeps its tests), pgbench's figures and check, Kafka
 * consume's, stalls and the block ledger's check added over numjobs' jobs, and a refused input.
 */
#include "merge_test.h"

#include "figures.h"

struct test_point {
	uint64_t duration_ms, ops, bytes, lat_mean_ns, lat_p99_ns;
};

struct doc_spec {
	const char *jobname;
	const struct op_stats *read;
	uint64_t runtime_ns;
	const struct test_point *points; /* NULL: no series */
	unsigned npoints;
	bool samples; /* fio's iops/bw samples in the read object */
	const char *storage_class, *pod;
};

static void series_json(struct jsonw *j, const struct doc_spec *s)
{
	jsonw_array_begin(j, "series");
	jsonw_object_begin(j, NULL);
	jsonw_u64(j, "groupid", 0);
	jsonw_string(j, "jobname", s->jobname);
	jsonw_object_begin(j, "series");
	jsonw_u64(j, "interval_ms", 1000);
	jsonw_u64(j, "start_unix_ms", 1700000000000ull);
	jsonw_array_begin(j, "points");
	for (unsigned i = 0; i < s->npoints; i++) {
		const struct test_point *p = &s->points[i];
		jsonw_object_begin(j, NULL);
		jsonw_u64(j, "t_ms", 1000 * i);
		jsonw_u64(j, "duration_ms", p->duration_ms);
		jsonw_object_begin(j, "read");
		jsonw_u64(j, "ops", p->ops);
		jsonw_u64(j, "bytes", p->bytes);
		jsonw_u64(j, "errors", 0);
		jsonw_u64(j, "lat_mean_ns", p->lat_mean_ns);
		jsonw_u64(j, "lat_p99_ns", p->lat_p99_ns);
		jsonw_object_end(j);
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	jsonw_object_end(j);
	jsonw_object_end(j);
	jsonw_array_end(j);
}

/*
 * A block result with one job: its read object and series written by pvcbench's own writer,
 * the rest (fio's samples, environment, target) put around them with jansson.
 */
static char *spec_doc(const struct doc_spec *s)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;
	struct jsonw j;

	f = open_memstream(&text, &size);
	assert_non_null(f);
	jsonw_begin(&j, f);
	report_op_json(&j, "read", s->read, s->runtime_ns);
	if (s->points)
		series_json(&j, s);
	jsonw_end(&j);
	fclose(f);

	json_error_t err;
	json_t *parts = json_loads(text, 0, &err);
	assert_non_null(parts);
	free(text);
	json_t *op = json_object_get(parts, "read");
	if (s->samples) {
		json_object_set_new(op, "iops_samples", json_integer(4));
		json_object_set_new(op, "iops_mean", json_real(200.0));
		json_object_set_new(op, "iops_stddev", json_real(50.0));
		json_object_set_new(op, "bw_samples", json_integer(4));
		json_object_set_new(op, "bw_mean", json_real(800.0));
		json_object_set_new(op, "bw_dev", json_real(40.0));
	}
	json_t *env = json_pack("{s:{s:s}, s:{s:s?, s:s?}}", "kernel", "release", "6.1.0-test",
				"kubernetes", "pod", s->pod, "storage_class", s->storage_class);
	json_t *job = json_pack("{s:s, s:i, s:s, s:O, s:{s:s}}", "jobname", s->jobname, "error", 0,
				"ioengine", "psync", "read", op, "target", "fstype", "xfs");
	json_t *doc = json_pack("{s:s, s:o, s:[o]}", "fio version", "pvcbench-test", "environment",
				env, "jobs", job);
	assert_non_null(doc);
	if (s->points)
		json_object_set(doc, "series", json_object_get(parts, "series"));
	text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	json_decref(parts);
	return text;
}

static void load(struct fig_result *r, const char *name, const char *text)
{
	char err[512];

	if (fig_result_load_text(r, name, text, strlen(text), err, sizeof(err)))
		fail_msg("%s", err);
}

static double cv_of(const double *v, unsigned n)
{
	double mean = 0, sq = 0;

	for (unsigned i = 0; i < n; i++)
		mean += v[i] / n;
	for (unsigned i = 0; i < n; i++)
		sq += (v[i] - mean) * (v[i] - mean);
	return sqrt(sq / (n - 1)) / mean;
}

static const struct test_point four_points[] = {
	{ 1000, 100, 409600, 2000, 9000 },
	{ 1000, 200, 819200, 3000, 8000 },
	{ 1000, 0, 0, 0, 0 }, /* idle: counts for throughput, not for latency */
	{ 1000, 400, 1638400, 6000, 7000 },
	{ 200, 10, 40960, 100000, 900000 }, /* ragged end */
};

static void figures_from_counts_and_hist(void **state)
{
	(void)state;
	struct op_stats *s = test_stats(1, 5000, 50000, 5000000, 0);
	struct doc_spec spec = { "r", s, 2000000000, four_points, 5, false, NULL, NULL };
	char *text = spec_doc(&spec);
	struct fig_result r;

	load(&r, "dir/run-a.json", text);
	assert_int_equal(r.ntests, 1);
	assert_string_equal(r.tests[0].name, "r");
	assert_string_equal(r.tests[0].kind, "block");
	assert_string_equal(r.label, "run-a");
	assert_string_equal(r.env.kernel, "6.1.0-test");
	assert_string_equal(r.env.engine, "psync");
	assert_string_equal(r.env.filesystem, "xfs");
	const struct fig_test *t = &r.tests[0];
	const struct fig_figure *iops = fig_test_figure(t, "read.iops");
	const struct fig_figure *bw = fig_test_figure(t, "read.bw");
	const struct fig_figure *mean = fig_test_figure(t, "read.lat_mean");
	const struct fig_figure *p99 = fig_test_figure(t, "read.lat_p99");
	assert_non_null(iops);
	assert_non_null(bw);
	assert_non_null(mean);
	assert_non_null(p99);
	assert_null(fig_test_figure(t, "write.iops"));
	assert_true(fabs(iops->value - 2500.0) < 1e-9);
	assert_true(fabs(bw->value - 5000.0 * 4096 / 2 / 1048576.0) < 1e-9);
	assert_true(fabs(mean->value - hist_mean(&s->lat) / 1e3) < 1e-9);
	assert_true(fabs(p99->value - (double)hist_value_at(&s->lat, 99.0) / 1e3) < 1e-9);
	assert_int_equal(iops->better, FIG_HIGHER);
	assert_int_equal(p99->better, FIG_LOWER);
	assert_string_equal(iops->unit, "IOPS");
	assert_string_equal(mean->unit, "us");

	/* throughput: the four whole intervals, the idle one too; latency: the three busy ones */
	double ops[] = { 100, 200, 0, 400 }, lat[] = { 2000, 3000, 6000 },
	       tail[] = { 9000, 8000, 7000 };
	assert_int_equal(iops->noise_source, FIG_NOISE_SERIES);
	assert_int_equal(iops->noise_samples, 4);
	assert_true(fabs(iops->noise - cv_of(ops, 4)) < 1e-12);
	assert_true(fabs(bw->noise - cv_of(ops, 4)) < 1e-12);
	assert_int_equal(mean->noise_samples, 3);
	assert_true(fabs(mean->noise - cv_of(lat, 3)) < 1e-12);
	assert_true(fabs(p99->noise - cv_of(tail, 3)) < 1e-12);
	assert_non_null(t->series);
	fig_result_free(&r);
	free(text);
	free(s);
}

static void noise_falls_back_on_samples_then_unknown(void **state)
{
	(void)state;
	struct op_stats *s = test_stats(2, 1000, 1000, 100000, 0);
	struct doc_spec spec = { "r", s, 1000000000, NULL, 0, true, NULL, "pod-7" };
	char *text = spec_doc(&spec);
	struct fig_result r;

	load(&r, "x.json", text);
	assert_string_equal(r.label, "pod-7");
	const struct fig_figure *iops = fig_test_figure(&r.tests[0], "read.iops");
	const struct fig_figure *bw = fig_test_figure(&r.tests[0], "read.bw");
	const struct fig_figure *mean = fig_test_figure(&r.tests[0], "read.lat_mean");
	assert_int_equal(iops->noise_source, FIG_NOISE_SAMPLES);
	assert_true(fabs(iops->noise - 0.25) < 1e-12);
	assert_true(fabs(bw->noise - 0.05) < 1e-12);
	assert_int_equal(mean->noise_source, FIG_NOISE_NONE);
	assert_true(mean->noise < 0);
	/* unknown noise never marks a change */
	assert_false(fig_beyond_noise(mean, mean, 1000.0));
	assert_true(isnan(fig_combined_noise_pct(mean, iops)));
	fig_result_free(&r);
	free(text);
	free(s);
}

static void change_and_noise_rule(void **state)
{
	(void)state;
	struct fig_figure a = { .value = 100, .noise = 0.05, .better = FIG_HIGHER };
	struct fig_figure b = { .value = 150, .noise = 0.05, .better = FIG_HIGHER };

	assert_true(fabs(fig_change_pct(100, 150) - 50.0) < 1e-12);
	assert_true(fabs(fig_change_pct(200, 150) + 25.0) < 1e-12);
	assert_true(isnan(fig_change_pct(0, 150)));
	assert_true(fabs(fig_combined_noise_pct(&a, &b) - 100 * sqrt(0.005)) < 1e-12);
	/* 2 x 7.07% = 14.1%: 50% is beyond it, 14% is not, -15% is */
	assert_true(fig_beyond_noise(&a, &b, 50.0));
	assert_false(fig_beyond_noise(&a, &b, 14.0));
	assert_true(fig_beyond_noise(&a, &b, -15.0));
	assert_true(fig_better_than(&b, 150, 100));
	b.better = FIG_LOWER;
	assert_false(fig_better_than(&b, 150, 100));
	assert_true(fig_better_than(&b, 50, 100));
}

static void labels_and_matching(void **state)
{
	(void)state;
	struct op_stats *s = test_stats(3, 100, 1000, 100000, 0);
	struct doc_spec a = { "alpha", s, 1000000000, NULL, 0, false, "fast-ssd", "pod-1" };
	struct doc_spec b = { "beta", s, 1000000000, NULL, 0, false, NULL, NULL };
	char *ta = spec_doc(&a), *tb = spec_doc(&b);
	struct fig_result ra, rb;

	load(&ra, "a.json", ta);
	load(&rb, "/tmp/some/b.json", tb);
	assert_string_equal(ra.label, "fast-ssd"); /* the storage class wins over the pod */
	assert_string_equal(rb.label, "b");
	fig_result_set_label(&rb, "slow-hdd");
	assert_string_equal(rb.label, "slow-hdd");
	/* one test each, of one kind: matched whatever their names */
	assert_ptr_equal(fig_match_test(&rb, &ra, &ra.tests[0]), &rb.tests[0]);
	fig_result_free(&ra);
	fig_result_free(&rb);
	free(ta);
	free(tb);
	free(s);
}

/* Pods that named their job after themselves, merged: one test of everything, named "block". */
static void merged_pods_are_one_test(void **state)
{
	(void)state;
	struct op_stats *s1 = test_stats(4, 1000, 1000, 100000, 0);
	struct op_stats *s2 = test_stats(5, 3000, 1000, 100000, 0);
	struct doc_spec a = { "pvc-bench-0", s1, 1000000000, four_points, 4, false, NULL, NULL };
	struct doc_spec b = { "pvc-bench-1", s2, 1000000000, four_points, 4, false, NULL, NULL };
	char *ta = spec_doc(&a), *tb = spec_doc(&b), *merged = NULL, err[512];
	size_t size = 0;
	struct merge_set *m = merge_set_new();
	struct fig_result r;

	assert_int_equal(merge_set_add(m, "pod0.json", ta, strlen(ta), err, sizeof(err)), 0);
	assert_int_equal(merge_set_add(m, "pod1.json", tb, strlen(tb), err, sizeof(err)), 0);
	FILE *f = open_memstream(&merged, &size);
	merge_print_json(m, f);
	fclose(f);
	load(&r, "merged.json", merged);
	assert_true(r.merged);
	assert_int_equal(r.nsources, 2);
	assert_int_equal(r.ntests, 1);
	assert_string_equal(r.tests[0].name, "block");
	assert_int_equal(r.tests[0].njobs, 2);
	assert_int_equal(r.tests[0].nsources, 2);
	const struct fig_figure *iops = fig_test_figure(&r.tests[0], "read.iops");
	assert_true(fabs(iops->value - 4000.0) < 1e-9);
	/* each source's series found through its "source": the noise is theirs */
	double ops[] = { 100, 200, 0, 400 };
	assert_int_equal(iops->noise_source, FIG_NOISE_SERIES);
	assert_true(fabs(iops->noise - cv_of(ops, 4)) < 1e-12);
	fig_result_free(&r);
	merge_set_free(m);
	free(merged);

	/* a merge of one result of two tests keeps its two tests */
	m = merge_set_new();
	char *both = NULL;
	struct test_job jobs[] = { { "read_iops", s1, NULL, 1000000000 },
				   { "read_bw", s2, NULL, 1000000000 } };
	char *two = test_doc(jobs, 2, &size);
	assert_int_equal(merge_set_add(m, "one.json", two, size, err, sizeof(err)), 0);
	f = open_memstream(&both, &size);
	merge_print_json(m, f);
	fclose(f);
	load(&r, "one-merged.json", both);
	assert_true(r.merged);
	assert_int_equal(r.nsources, 1);
	assert_int_equal(r.ntests, 2);
	assert_string_equal(r.tests[0].name, "read_iops");
	assert_string_equal(r.tests[1].name, "read_bw");
	fig_result_free(&r);
	merge_set_free(m);
	free(both);
	free(two);
	free(ta);
	free(tb);
	free(s1);
	free(s2);
}

static void pgbench_figures_and_check(void **state)
{
	(void)state;
	struct op_stats *s = test_stats(6, 2000, 500000, 50000000, 0);
	char *text = NULL, err[512];
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct jsonw j;
	struct fig_result r;

	jsonw_begin(&j, f);
	report_json_header(&j);
	jsonw_array_begin(&j, "jobs");
	jsonw_object_begin(&j, NULL);
	jsonw_string(&j, "jobname", "pgbench");
	jsonw_i64(&j, "error", 2);
	report_op_json(&j, "txn", s, 10000000000ull);
	jsonw_object_begin(&j, "pgbench");
	jsonw_double(&j, "tps_excluding_connections", 201.5);
	jsonw_object_begin(&j, "check");
	jsonw_bool(&j, "ok", false);
	jsonw_bool(&j, "skipped", false);
	jsonw_u64(&j, "acknowledged", 2000);
	jsonw_i64(&j, "history_rows_added", 1997);
	jsonw_u64(&j, "in_doubt", 1);
	jsonw_object_end(&j);
	jsonw_object_end(&j);
	jsonw_object_end(&j);
	jsonw_array_end(&j);
	jsonw_end(&j);
	fclose(f);

	if (fig_result_load_text(&r, "pg.json", text, strlen(text), err, sizeof(err)))
		fail_msg("%s", err);
	const struct fig_test *t = &r.tests[0];
	assert_string_equal(t->kind, "pgbench");
	assert_true(fabs(fig_test_figure(t, "txn.tps")->value - 201.5) < 1e-9);
	assert_true(fabs(fig_test_figure(t, "txn.lat_mean")->value - hist_mean(&s->lat) / 1e6) <
		    1e-9);
	assert_string_equal(fig_test_figure(t, "txn.lat_p99")->unit, "ms");
	assert_int_equal(t->failed_jobs, 1);
	assert_true(t->check.present);
	assert_false(t->check.ok);
	assert_int_equal(t->check.acknowledged, 2000);
	assert_int_equal(t->check.lost, 3);
	assert_int_equal(t->check.in_doubt, 1);
	fig_result_free(&r);
	free(text);
	free(s);
}

/* Kafka consume: the tool's own MB/s and records/s, summed over the jobs of a name. */
static void consume_figures_are_the_tools(void **state)
{
	(void)state;
	struct op_stats *s = test_stats(8, 1000, 1000, 100000, 0);
	char *text = NULL, err[512];
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct jsonw j;
	struct fig_result r;

	jsonw_begin(&j, f);
	report_json_header(&j);
	jsonw_array_begin(&j, "jobs");
	for (unsigned i = 0; i < 2; i++) {
		jsonw_object_begin(&j, NULL);
		jsonw_string(&j, "jobname", "kafka-consume");
		jsonw_i64(&j, "error", 0);
		report_op_json(&j, "consume", s, 2000000000);
		jsonw_object_begin(&j, "kafka");
		jsonw_double(&j, "mb_per_sec", 1.25 + i);
		jsonw_double(&j, "messages_per_sec", 1000.5 + i);
		jsonw_object_end(&j);
		jsonw_object_end(&j);
	}
	jsonw_array_end(&j);
	jsonw_end(&j);
	fclose(f);

	if (fig_result_load_text(&r, "consume.json", text, strlen(text), err, sizeof(err)))
		fail_msg("%s", err);
	const struct fig_test *t = &r.tests[0];
	assert_string_equal(t->kind, "kafka-consume");
	assert_int_equal(t->nfigures, 2);
	assert_string_equal(t->fig[0].key, "consume.mb_per_sec");
	assert_true(fabs(t->fig[0].value - 3.5) < 1e-9);
	assert_string_equal(t->fig[1].key, "consume.records_per_sec");
	assert_true(fabs(t->fig[1].value - 2002.0) < 1e-9);
	assert_int_equal(t->fig[1].better, FIG_HIGHER);
	fig_result_free(&r);
	free(text);
	free(s);
}

/* Two jobs of one name (numjobs): stalls and the block ledger's check add over them. */
static void stalls_and_ack_check_add(void **state)
{
	(void)state;
	struct op_stats *s = test_stats(7, 100, 1000, 100000, 3);
	char *text = NULL, err[512];
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct jsonw j;
	struct fig_result r;

	jsonw_begin(&j, f);
	report_json_header(&j);
	jsonw_array_begin(&j, "jobs");
	for (unsigned i = 0; i < 2; i++) {
		jsonw_object_begin(&j, NULL);
		jsonw_string(&j, "jobname", "w");
		jsonw_i64(&j, "error", 0);
		report_op_json(&j, "write", s, 1000000000);
		jsonw_object_begin(&j, "stalls");
		jsonw_u64(&j, "count", i + 1);
		jsonw_double(&j, "total_ms", 1000.0 * (i + 1));
		jsonw_double(&j, "longest_ms", 600.0 + 300 * i);
		jsonw_u64(&j, "failures", 2);
		jsonw_u64(&j, "open", i);
		jsonw_object_end(&j);
		jsonw_object_begin(&j, "ack_check");
		jsonw_u64(&j, "acknowledged", 100);
		jsonw_u64(&j, "lost", i);
		jsonw_u64(&j, "stale", 1);
		jsonw_u64(&j, "corrupt", 0);
		jsonw_u64(&j, "torn", i);
		jsonw_bool(&j, "failed", i == 1);
		jsonw_object_end(&j);
		jsonw_object_end(&j);
	}
	jsonw_array_end(&j);
	jsonw_end(&j);
	fclose(f);

	if (fig_result_load_text(&r, "-", text, strlen(text), err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(r.label, "stdin");
	const struct fig_test *t = &r.tests[0];
	assert_int_equal(t->njobs, 2);
	assert_int_equal(t->errors, 6);
	assert_int_equal(t->stalls.count, 3);
	assert_true(fabs(t->stalls.total_ms - 3000.0) < 1e-9);
	assert_true(fabs(t->stalls.longest_ms - 900.0) < 1e-9);
	assert_int_equal(t->stalls.failures, 4);
	assert_int_equal(t->stalls.open, 1);
	assert_true(t->check.present);
	assert_string_equal(t->check.what, "ack_check");
	assert_false(t->check.ok);
	assert_int_equal(t->check.acknowledged, 200);
	assert_int_equal(t->check.lost, 1);
	assert_int_equal(t->check.damaged, 3);
	/* two jobs at once: the IOPS of both over the run time */
	assert_true(fabs(fig_test_figure(t, "write.iops")->value - 200.0) < 1e-9);
	fig_result_free(&r);
	free(text);
	free(s);
}

static void refused_input(void **state)
{
	(void)state;
	struct fig_result r;
	char err[512];
	const char *text = "{\"jobs\": []}";

	assert_int_equal(
		fig_result_load_text(&r, "empty.json", text, strlen(text), err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "empty.json"));
	assert_null(r.tests);
	fig_result_free(&r);
	assert_true(fig_result_load(&r, "/nonexistent/result.json", err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/result.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(figures_from_counts_and_hist),
		cmocka_unit_test(noise_falls_back_on_samples_then_unknown),
		cmocka_unit_test(change_and_noise_rule),
		cmocka_unit_test(labels_and_matching),
		cmocka_unit_test(merged_pods_are_one_test),
		cmocka_unit_test(pgbench_figures_and_check),
		cmocka_unit_test(consume_figures_are_the_tools),
		cmocka_unit_test(stalls_and_ack_check_add),
		cmocka_unit_test(refused_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
