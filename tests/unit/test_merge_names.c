/*
 * test_merge_names.c - pvcbench merge across job names: results whose jobs are named after
 * their pods ("pvc-bench-0", "pvc-bench-1") add into one total when they are of one kind
 * (block read/write, pgbench transactions, Kafka produce, Kafka consume, told by the operation
 * types), with a total per name where several jobs share it; kinds that differ are refused,
 * naming both. The totals are checked against hist_merge of the inputs' histograms, so every
 * percentile is that of a histogram built from all the inputs' buckets.
 */
#include "merge_test.h"

#define NAMES_MAX_OPS 3

/* One job of any operation types: ops[i] measured as stats[i]. */
struct names_job {
	const char *name;
	unsigned nops;
	const char *ops[NAMES_MAX_OPS];
	const struct op_stats *stats[NAMES_MAX_OPS];
	uint64_t runtime_ns;
};

static char *names_doc(const struct names_job *jobs, unsigned njobs)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct jsonw j;

	assert_non_null(f);
	jsonw_begin(&j, f);
	report_json_header(&j);
	jsonw_array_begin(&j, "jobs");
	for (unsigned i = 0; i < njobs; i++) {
		jsonw_object_begin(&j, NULL);
		jsonw_string(&j, "jobname", jobs[i].name);
		jsonw_u64(&j, "groupid", 0);
		jsonw_i64(&j, "error", 0);
		for (unsigned o = 0; o < jobs[i].nops; o++)
			report_op_json(&j, jobs[i].ops[o], jobs[i].stats[o], jobs[i].runtime_ns);
		jsonw_object_end(&j);
	}
	jsonw_array_end(&j);
	jsonw_end(&j);
	fclose(f);
	return text;
}

/* A one-job document with one operation. */
static char *one_op_doc(const char *jobname, const char *op, const struct op_stats *s)
{
	struct names_job job = { jobname, 1, { op }, { s }, 1000000000 };

	return names_doc(&job, 1);
}

/* The sum of n stats, as the merged total must be. */
static struct op_stats *sum_stats(const struct op_stats *const *s, unsigned n)
{
	struct op_stats *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	hist_init(&t->lat);
	for (unsigned i = 0; i < n; i++) {
		t->ops += s[i]->ops;
		t->bytes += s[i]->bytes;
		t->errors += s[i]->errors;
		hist_merge(&t->lat, &s[i]->lat);
	}
	return t;
}

/* group's JSON object in the merged document: "total", or totals[index]. */
static const json_t *json_group(const json_t *doc, int group)
{
	const json_t *g = group == MERGE_ALL
				  ? json_object_get(doc, "total")
				  : json_array_get(json_object_get(doc, "totals"), (size_t)group);
	assert_non_null(g);
	return g;
}

/*
 * Pods named after themselves, one result each, and pvc-bench-0 twice (a pod's result kept
 * from an earlier run): one total of every job, a group per name, and the JSON and text that
 * show them.
 */
static void test_pod_names(void **state)
{
	struct op_stats *r[4], *none = test_stats(0, 0, 1, 2, 0);
	const char *names[4] = { "pvc-bench-0", "pvc-bench-1", "pvc-bench-2", "pvc-bench-0" };
	const char *files[4] = { "pod-0.json", "pod-1.json", "pod-2.json", "pod-0b.json" };
	struct merge_set *m = merge_set_new();
	char *docs[4];
	uint64_t runtime_ns;

	for (unsigned i = 0; i < 4; i++) {
		r[i] = test_stats(100 + i, 20000 + 5000 * i, 300 + 400 * i, 9000000 / (i + 1), i);
		struct names_job job = {
			names[i], 2, { "read", "write" }, { r[i], none }, 2000000000 + i * 100000000
		};
		docs[i] = names_doc(&job, 1);
		test_add(m, files[i], docs[i]);
	}
	assert_string_equal(merge_set_kind(m), "block");
	assert_int_equal(merge_group_count(m), 3);
	assert_string_equal(merge_group_name(m, 0), "pvc-bench-0");
	assert_string_equal(merge_group_name(m, 2), "pvc-bench-2");
	assert_string_equal(merge_group_name(m, MERGE_ALL), "all");
	assert_int_equal(merge_group_jobs(m, MERGE_ALL), 4);
	assert_int_equal(merge_group_sources(m, MERGE_ALL), 4);
	assert_int_equal(merge_group_jobs(m, 0), 2);
	assert_int_equal(merge_group_sources(m, 0), 2);
	assert_int_equal(merge_group_jobs(m, 1), 1);

	/* the total: every input's buckets, counts and bytes; the longest run time */
	struct op_stats *all = sum_stats((const struct op_stats *const *)r, 4);
	assert_same_stats(test_op(m, MERGE_ALL, "read", &runtime_ns), all);
	assert_int_equal(runtime_ns, 2300000000ull);
	assert_int_equal(test_op(m, MERGE_ALL, "write", NULL)->ops, 0);
	/* pvc-bench-0's total: its two results */
	const struct op_stats *zero[2] = { r[0], r[3] };
	struct op_stats *pod0 = sum_stats(zero, 2);
	assert_same_stats(test_op(m, 0, "read", &runtime_ns), pod0);
	assert_int_equal(runtime_ns, 2300000000ull);
	assert_same_stats(test_op(m, 1, "read", NULL), r[1]);

	/* JSON: total and totals, their kind and sources; the total's figures from all buckets */
	json_t *doc;
	const json_t *t = test_total(m, "read", &doc);
	assert_int_equal(test_u64(t, "total_ios", NULL), all->ops);
	assert_int_equal(test_u64(t, "io_bytes", NULL), all->bytes);
	assert_int_equal(test_u64(t, "lat_ns", "N"), all->lat.count);
	assert_int_equal(test_u64(t, "clat_ns", "max"), all->lat.max);
	const json_t *pct = json_object_get(json_object_get(t, "clat_ns"), "percentile");
	assert_int_equal(test_u64(pct, "50.000000", NULL), hist_value_at(&all->lat, 50));
	assert_int_equal(test_u64(pct, "99.900000", NULL), hist_value_at(&all->lat, 99.9));
	struct hist *back = malloc(sizeof(*back));
	char err[256], *lh = json_dumps(json_object_get(t, "lat_hist"), 0);
	assert_non_null(back);
	assert_int_equal(merge_hist_parse(lh, back, err, sizeof(err)), 0);
	assert_memory_equal(back, &all->lat, sizeof(*back));
	assert_string_equal(json_string_value(json_object_get(json_group(doc, MERGE_ALL), "kind")),
			    "block");
	assert_int_equal(test_u64(json_group(doc, MERGE_ALL), "merged_sources", NULL), 4);
	assert_int_equal(json_array_size(json_object_get(doc, "totals")), 3);
	assert_int_equal(test_u64(json_group(doc, 0), "merged_jobs", NULL), 2);
	assert_int_equal(test_u64(json_group(doc, 0), "merged_sources", NULL), 2);
	assert_int_equal(test_u64(json_group(doc, 2), "merged_sources", NULL), 1);
	assert_int_equal(test_u64(json_object_get(json_group(doc, 0), "read"), "total_ios", NULL),
			 pod0->ops);
	free(lh);
	free(back);
	json_decref(doc);

	/* text: a row per input job, pvc-bench-0's total (two jobs), and all's */
	char *out = test_print(m, false);
	assert_non_null(strstr(out, "4 results, 4 jobs (block read/write), 3 job names"));
	assert_int_equal(count_lines(out, "pod-"), 4);
	assert_int_equal(count_lines(out, "total        pvc-bench-0  read "), 1);
	assert_int_equal(count_lines(out, "total        pvc-bench-1"), 0);
	assert_int_equal(count_lines(out, "total        all          read "), 1);
	free(out);
	merge_set_free(m);
	for (unsigned i = 0; i < 4; i++) {
		free(docs[i]);
		free(r[i]);
	}
	free(all);
	free(pod0);
	free(none);
}

/*
 * pgbench's and Kafka's jobs, named differently, merge by kind; an operation that only some of
 * them measure (lag under -R, produce_scheduled under --throughput) totals those that did.
 */
static void test_kinds_by_ops(void **state)
{
	static const struct {
		const char *kind, *main, *optional;
	} kinds[] = { { "pgbench", "txn", "lag" },
		      { "kafka-produce", "produce", "produce_scheduled" },
		      { "kafka-consume", "consume", NULL },
		      { "kafka-e2e", "e2e", NULL } };

	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct op_stats *a = test_stats(200 + k, 3000, 90000, 30000000, 0);
		struct op_stats *b = test_stats(210 + k, 5000, 70000, 90000000, 1);
		struct op_stats *lag = test_stats(220 + k, 5000, 100, 900000, 0);
		struct names_job ja = { "pod-a", 1, { kinds[k].main }, { a }, 3000000000 };
		struct names_job jb = {
			"pod-b", 1, { kinds[k].main, kinds[k].optional }, { b, lag }, 2000000000
		};
		jb.nops = kinds[k].optional ? 2 : 1;
		char *da = names_doc(&ja, 1), *db = names_doc(&jb, 1);
		struct merge_set *m = merge_set_new();
		const struct op_stats *both[2] = { a, b };
		struct op_stats *sum = sum_stats(both, 2);

		test_add(m, "a.json", da);
		test_add(m, "b.json", db);
		assert_string_equal(merge_set_kind(m), kinds[k].kind);
		assert_int_equal(merge_group_count(m), 2);
		assert_same_stats(test_op(m, MERGE_ALL, kinds[k].main, NULL), sum);
		if (kinds[k].optional)
			assert_same_stats(test_op(m, MERGE_ALL, kinds[k].optional, NULL), lag);
		merge_set_free(m);
		free(da);
		free(db);
		free(a);
		free(b);
		free(lag);
		free(sum);
	}
}

/*
 * Under one name too, a rate's operation (lag, produce_scheduled) may be in some results only:
 * its total adds those that have it. Any other difference under one name is still refused.
 */
static void test_optional_ops(void **state)
{
	struct op_stats *a = test_stats(400, 3000, 90000, 30000000, 0);
	struct op_stats *b = test_stats(401, 4000, 80000, 20000000, 0);
	struct op_stats *lag = test_stats(402, 4000, 100, 900000, 0);
	struct names_job ja = { "pgbench", 1, { "txn" }, { a }, 3000000000 };
	struct names_job jb = { "pgbench", 2, { "txn", "lag" }, { b, lag }, 3000000000 };
	struct names_job jc = {
		"kafka-produce", 2, { "produce", "produce_scheduled" }, { b, lag }, 3000000000
	};
	struct names_job jd = { "kafka-produce", 1, { "produce" }, { a }, 3000000000 };
	char *da = names_doc(&ja, 1), *db = names_doc(&jb, 1), *dc = names_doc(&jc, 1);
	char *dd = names_doc(&jd, 1);
	const struct op_stats *both[2] = { a, b };
	struct op_stats *sum = sum_stats(both, 2);
	struct merge_set *m = merge_set_new();

	test_add(m, "a.json", da);
	test_add(m, "b.json", db);
	assert_int_equal(merge_group_count(m), 1);
	assert_same_stats(test_op(m, 0, "txn", NULL), sum);
	assert_same_stats(test_op(m, 0, "lag", NULL), lag);
	merge_set_free(m);
	m = merge_set_new();
	test_add(m, "c.json", dc);
	test_add(m, "d.json", dd);
	assert_same_stats(test_op(m, MERGE_ALL, "produce", NULL), sum);
	assert_same_stats(test_op(m, MERGE_ALL, "produce_scheduled", NULL), lag);
	merge_set_free(m);
	/* one document whose two jobs of one name differ in the optional operation only */
	struct names_job two[2] = { ja, jb };
	char *dtwo = names_doc(two, 2);
	m = merge_set_new();
	test_add(m, "two.json", dtwo);
	assert_same_stats(test_op(m, 0, "txn", NULL), sum);
	merge_set_free(m);
	free(da);
	free(db);
	free(dc);
	free(dd);
	free(dtwo);
	free(a);
	free(b);
	free(lag);
	free(sum);
}

/* Kinds that differ: refused by name, whichever comes first, and the set left as it was. */
static void test_kind_refusals(void **state)
{
	struct op_stats *a = test_stats(300, 2000, 1000, 900000, 0);
	struct op_stats *none = test_stats(0, 0, 1, 2, 0);
	struct names_job fio = { "pvc-bench-0", 2, { "read", "write" }, { a, none }, 1000000000 };
	char *dfio = names_doc(&fio, 1), *dtxn = one_op_doc("pgbench", "txn", a);
	char *dprod = one_op_doc("kafka-produce", "produce", a);
	char *dcons = one_op_doc("kafka-consume", "consume", a);
	char *dscan = one_op_doc("scan-0", "scan", a), *dscan1 = one_op_doc("scan-1", "scan", a);
	struct names_job two[2] = { { "r", 1, { "read" }, { a }, 1000000000 },
				    { "pgbench", 1, { "txn" }, { a }, 1000000000 } };
	struct names_job odd = { "odd", 2, { "txn", "read" }, { a, a }, 1000000000 };
	char *dtwo = names_doc(two, 2), *dodd = names_doc(&odd, 1);
	struct merge_set *m = merge_set_new();

	test_add(m, "fio.json", dfio);
	expect_refused(m, "pg.json", dtxn, "pg.json and fio.json hold different workloads");
	expect_refused(m, "pg.json", dtxn,
		       "pg.json has job 'pgbench' (pgbench transactions: txn), fio.json has job "
		       "'pvc-bench-0' (block read/write: read); only results of one kind merge");
	expect_refused(m, "produce.json", dprod, "'kafka-produce' (Kafka produce: produce)");
	expect_refused(m, "e2e.json", dscan, "'scan-0' (other: scan)");
	expect_refused(m, "odd.json", dodd, "'odd' (other: txn, read)");
	merge_set_free(m);

	m = merge_set_new();
	test_add(m, "produce.json", dprod);
	expect_refused(m, "consume.json", dcons,
		       "consume.json has job 'kafka-consume' (Kafka consume: consume), "
		       "produce.json has job 'kafka-produce' (Kafka produce: produce)");
	expect_refused(m, "fio.json", dfio, "(block read/write: read)");
	merge_set_free(m);

	/* one document with jobs of two kinds */
	m = merge_set_new();
	expect_refused(m, "two.json", dtwo,
		       "two.json: jobs of different kinds: 'r' (block read/write: read) and "
		       "'pgbench' (pgbench transactions: txn)");
	/* a kind of no known name merges with jobs of exactly its operations */
	test_add(m, "scan-0.json", dscan);
	test_add(m, "scan-1.json", dscan1);
	assert_string_equal(merge_set_kind(m), "other");
	assert_int_equal(test_op(m, MERGE_ALL, "scan", NULL)->ops, 2 * a->ops);
	expect_refused(m, "odd.json", dodd, "odd.json and scan-0.json hold different workloads");
	expect_refused(m, "fio.json", dfio, "fio.json and scan-0.json hold different workloads");
	merge_set_free(m);
	free(dfio);
	free(dtxn);
	free(dprod);
	free(dcons);
	free(dscan);
	free(dscan1);
	free(dtwo);
	free(dodd);
	free(a);
	free(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_names),
		cmocka_unit_test(test_kinds_by_ops),
		cmocka_unit_test(test_optional_ops),
		cmocka_unit_test(test_kind_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
