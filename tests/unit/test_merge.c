/*
 * test_merge.c - pvcbench merge on documents written by pvcbench's own JSON writer
 * (report_op_json): histograms read back bucket for bucket, merged results equal to hist_merge of
 * the originals (so every percentile, the mean, stddev, min and max are those of the union of
 * the samples), counts that add, the longest run time, and every refusal naming its input and
 * leaving the set as it was.
 *
 * The data are pseudo-random from a fixed seed so that a failure reproduces.
 */
#include "merge_test.h"

static void test_roundtrip(void **state)
{
	struct op_stats *a = test_stats(1, 50000, 800, 40000000, 3);
	struct op_stats *none = test_stats(0, 0, 1, 2, 0);
	struct test_job job = { "r", a, none, 2000400000 };
	char *doc = test_doc(&job, 1, NULL);
	struct merge_set *m = merge_set_new();
	uint64_t runtime_ns;

	test_add(m, "a.json", doc);
	assert_int_equal(merge_input_count(m), 1);
	assert_int_equal(merge_group_count(m), 1);
	assert_string_equal(merge_group_name(m, 0), "r");
	assert_same_stats(test_op(m, MERGE_ALL, "read", &runtime_ns), a);
	assert_int_equal(runtime_ns, fmt_fio_msec(job.runtime_ns) * 1000000ull);
	assert_same_stats(test_op(m, MERGE_ALL, "write", NULL), none);
	merge_set_free(m);
	free(doc);
	free(a);
	free(none);
}

/* Two pods: the merged histogram is hist_merge of both, the run time the longer one. */
static void test_merge_two(void **state)
{
	struct op_stats *a = test_stats(2, 40000, 500, 2000000, 1);
	struct op_stats *b = test_stats(3, 70000, 5000, 90000000, 2);
	struct op_stats *none = test_stats(0, 0, 1, 2, 0);
	struct test_job ja = { "r", a, none, 3000000000 }, jb = { "r", b, none, 2500000000 };
	char *da = test_doc(&ja, 1, NULL), *db = test_doc(&jb, 1, NULL);
	struct merge_set *m = merge_set_new();
	uint64_t runtime_ns;

	test_add(m, "a.json", da);
	test_add(m, "b.json", db);
	hist_merge(&a->lat, &b->lat);
	a->ops += b->ops;
	a->bytes += b->bytes;
	a->errors += b->errors;
	assert_same_stats(test_op(m, MERGE_ALL, "read", &runtime_ns), a);
	assert_same_stats(test_op(m, 0, "read", NULL), a);
	assert_int_equal(runtime_ns, 3000000000ull);
	assert_int_equal(merge_job_count(m), 2);
	merge_set_free(m);
	free(da);
	free(db);
	free(a);
	free(b);
	free(none);
}

/* N copies of one result: N times the counts, the same percentiles, mean and extremes. */
static void test_copies(void **state)
{
	struct op_stats *a = test_stats(4, 30000, 100, 100000000, 0);
	struct test_job job = { "pod", a, NULL, 1000000000 };
	char *doc = test_doc(&job, 1, NULL);
	struct merge_set *m = merge_set_new();

	for (unsigned i = 0; i < 5; i++)
		test_add(m, "same.json", doc);
	const struct op_stats *s = test_op(m, MERGE_ALL, "read", NULL);
	assert_int_equal(s->ops, 5 * a->ops);
	assert_int_equal(s->lat.count, 5 * a->lat.count);
	assert_int_equal(s->lat.min, a->lat.min);
	assert_int_equal(s->lat.max, a->lat.max);
	assert_true(hist_mean(&s->lat) == hist_mean(&a->lat));
	for (unsigned i = 0; i < report_npercentiles; i++)
		assert_int_equal(hist_value_at(&s->lat, report_percentiles[i]),
				 hist_value_at(&a->lat, report_percentiles[i]));
	merge_set_free(m);
	free(doc);
	free(a);
}

/* Several job names (the FIO Summary's tests): a group per name, and one of everything. */
static void test_groups(void **state)
{
	struct op_stats *a = test_stats(5, 1000, 1000, 50000, 0);
	struct op_stats *b = test_stats(6, 2000, 3000, 90000, 0);
	struct op_stats *none = test_stats(0, 0, 1, 2, 0);
	struct test_job jobs[] = { { "read_iops", a, none, 1000000000 },
				   { "write_iops", none, b, 2000000000 } };
	char *doc = test_doc(jobs, 2, NULL);
	struct merge_set *m = merge_set_new();

	test_add(m, "p1.json", doc);
	test_add(m, "p2.json", doc);
	assert_int_equal(merge_group_count(m), 2);
	assert_string_equal(merge_group_name(m, 1), "write_iops");
	assert_string_equal(merge_group_name(m, MERGE_ALL), "all");
	assert_int_equal(test_op(m, 0, "read", NULL)->ops, 2 * a->ops);
	assert_int_equal(test_op(m, 1, "write", NULL)->ops, 2 * b->ops);
	assert_int_equal(test_op(m, 1, "read", NULL)->ops, 0);
	assert_int_equal(test_op(m, MERGE_ALL, "write", NULL)->ops, 2 * b->ops);
	merge_set_free(m);
	free(doc);
	free(a);
	free(b);
	free(none);
}

static void lat_hist_text(char *buf, size_t size, unsigned bits, uint64_t count, uint64_t min,
			  uint64_t max, uint64_t sum, const char *squares, const char *buckets)
{
	snprintf(buf, size,
		 "{\"sub_bucket_bits\": %u, \"count\": %llu, \"min\": %llu, \"max\": %llu, "
		 "\"sum\": %llu, \"sum_squares\": \"%s\", \"buckets\": [%s]}",
		 bits, (unsigned long long)count, (unsigned long long)min, (unsigned long long)max,
		 (unsigned long long)sum, squares, buckets);
}

static void expect_hist_refused(const char *text, const char *why)
{
	struct hist *h = malloc(sizeof(*h));
	char err[512];

	assert_non_null(h);
	if (!merge_hist_parse(text, h, err, sizeof(err)))
		fail_msg("accepted: %s", text);
	if (!strstr(err, why))
		fail_msg("'%s' does not say '%s'", err, why);
	free(h);
}

static void test_hist_parse(void **state)
{
	struct hist *h = malloc(sizeof(*h)), *ref = malloc(sizeof(*ref));
	char text[1024], buckets[256], err[512];
	unsigned b300 = hist_bucket_of(300);

	assert_non_null(h);
	assert_non_null(ref);
	hist_init(ref);
	hist_record(ref, 10);
	hist_record(ref, 100);
	hist_record(ref, 300);
	snprintf(buckets, sizeof(buckets), "[10, 1], [100, 1], [%u, 1]", b300);
	lat_hist_text(text, sizeof(text), 7, 3, 10, 300, 410, "100100", buckets);
	assert_int_equal(merge_hist_parse(text, h, err, sizeof(err)), 0);
	assert_memory_equal(h, ref, sizeof(*h));
	/* empty */
	hist_init(ref);
	lat_hist_text(text, sizeof(text), 7, 0, 0, 0, 0, "0", "");
	assert_int_equal(merge_hist_parse(text, h, err, sizeof(err)), 0);
	assert_memory_equal(h, ref, sizeof(*h));

	lat_hist_text(text, sizeof(text), 8, 3, 10, 300, 410, "100100", buckets);
	expect_hist_refused(text, "sub_bucket_bits 8");
	lat_hist_text(text, sizeof(text), 7, 4, 10, 300, 410, "100100", buckets);
	expect_hist_refused(text, "add up to 3, but its count is 4");
	lat_hist_text(text, sizeof(text), 7, 3, 11, 300, 410, "100100", buckets);
	expect_hist_refused(text, "do not fit its buckets");
	lat_hist_text(text, sizeof(text), 7, 3, 10, 300, 5000, "100100", buckets);
	expect_hist_refused(text, "do not fit its buckets");
	lat_hist_text(text, sizeof(text), 7, 3, 10, 300, 410, "10x", buckets);
	expect_hist_refused(text, "sum_squares");
	/* 2^128 */
	lat_hist_text(text, sizeof(text), 7, 3, 10, 300, 410,
		      "340282366920938463463374607431768211456", buckets);
	expect_hist_refused(text, "sum_squares");
	lat_hist_text(text, sizeof(text), 7, 1, 10, 10, 10, "100", "[99999, 1]");
	expect_hist_refused(text, "out of range");
	lat_hist_text(text, sizeof(text), 7, 1, 10, 10, 10, "100", "[10, -1]");
	expect_hist_refused(text, "not an [index, count] pair");
	lat_hist_text(text, sizeof(text), 7, 1, 10, 10, 10, "100", "[10]");
	expect_hist_refused(text, "not an [index, count] pair");
	lat_hist_text(text, sizeof(text), 7, 0, 5, 0, 0, "0", "");
	expect_hist_refused(text, "empty");
	expect_hist_refused("{\"count\": 1}", "sub_bucket_bits is missing");
	expect_hist_refused("{\"sub_bucket_bits\": 7, \"count\": -1}", "count is not");
	free(h);
	free(ref);
}

static void test_refusals(void **state)
{
	struct op_stats *a = test_stats(7, 1000, 1000, 50000, 0);
	struct op_stats *none = test_stats(0, 0, 1, 2, 0);
	struct test_job rw = { "r", a, none, 1000000000 }, ro = { "r", a, NULL, 1000000000 };
	struct test_job other = { "w", a, none, 1000000000 };
	char *doc = test_doc(&rw, 1, NULL), *doc_ro = test_doc(&ro, 1, NULL);
	char *doc_other = test_doc(&other, 1, NULL);
	struct merge_set *m = merge_set_new();
	size_t len = strlen(doc);
	char *padded = malloc(len + 16), *tail = malloc(len + 16);

	assert_non_null(padded);
	assert_non_null(tail);
	expect_refused(m, "empty.json", "", "not valid JSON (line 1, column");
	expect_refused(m, "text.json", "hello", "not valid JSON");
	doc[len / 2] = '\0';
	expect_refused(m, "half.json", doc, "not valid JSON");
	doc[len / 2] = ' ';
	free(doc);
	doc = test_doc(&rw, 1, NULL);
	snprintf(tail, len + 16, "%s x", doc);
	expect_refused(m, "tail.json", tail, "end of file expected");
	expect_refused(m, "obj.json", "{\"a\": 1}", "not a pvcbench result: it has no jobs");
	expect_refused(m, "arr.json", "[1, 2]", "not a pvcbench result");
	expect_refused(m, "nojobs.json", "{\"jobs\": []}", "not a pvcbench result");
	expect_refused(m, "fio.json",
		       "{\"fio version\": \"fio-3.33\", \"jobs\": [{\"jobname\": \"r\", \"read\": "
		       "{\"io_bytes\": 4096, \"total_ios\": 1, \"runtime\": 1}}]}",
		       "read has no lat_hist: not a pvcbench result");
	expect_refused(m, "noops.json", "{\"jobs\": [{\"jobname\": \"r\", \"error\": 0}]}",
		       "no measured operation");
	expect_refused(m, "noname.json", "{\"jobs\": [{\"read\": {}}]}", "jobs[0] is not a job");
	/* whitespace around the document is fine (kubectl logs) */
	snprintf(padded, len + 16, " \n\t%s\n\n ", doc);
	test_add(m, "a.json", padded);
	/* one name, other operations: each file named, and how they differ */
	expect_refused(m, "c.json", doc_ro, "job 'r' measures read in c.json, but read, write");
	test_add(m, "d.json", doc);
	assert_int_equal(merge_input_count(m), 2);
	assert_int_equal(test_op(m, MERGE_ALL, "read", NULL)->ops, 2 * a->ops);
	/* another name of the same kind merges; its name then holds its operations too */
	test_add(m, "b.json", doc_other);
	expect_refused(m, "e.json", doc_ro, "job 'r' measures read in e.json, but read, write");
	assert_int_equal(merge_group_count(m), 2);
	assert_int_equal(test_op(m, MERGE_ALL, "read", NULL)->ops, 3 * a->ops);
	merge_set_free(m);
	free(doc);
	free(doc_ro);
	free(doc_other);
	free(padded);
	free(tail);
	free(a);
	free(none);
}

/* The merged document keeps every input job whole: merging it again gives the same total. */
static void test_json_remerge(void **state)
{
	struct op_stats *a = test_stats(8, 20000, 700, 3000000, 0);
	struct op_stats *b = test_stats(9, 30000, 900, 9000000, 0);
	struct test_job ja = { "r", a, NULL, 1000000000 }, jb = { "r", b, NULL, 1500000000 };
	char *da = test_doc(&ja, 1, NULL), *db = test_doc(&jb, 1, NULL);
	struct merge_set *m = merge_set_new(), *again = merge_set_new();
	uint64_t rt1, rt2;

	test_add(m, "a.json", da);
	test_add(m, "b.json", db);
	char *out = test_print(m, true);
	assert_non_null(strstr(out, "\"source\" : \"a.json\""));
	assert_non_null(strstr(out, "\"source\" : \"b.json\""));
	assert_non_null(strstr(out, "\"total\" : {"));
	assert_null(strstr(out, "\"totals\""));
	test_add(again, "merged.json", out);
	assert_int_equal(merge_job_count(again), 2);
	assert_same_stats(test_op(again, MERGE_ALL, "read", &rt2),
			  test_op(m, MERGE_ALL, "read", &rt1));
	assert_int_equal(rt1, rt2);
	/* and the sources chain: merged.json:a.json */
	char *out2 = test_print(again, true);
	assert_non_null(strstr(out2, "\"source\" : \"merged.json:a.json\""));
	merge_set_free(m);
	merge_set_free(again);
	free(out);
	free(out2);
	free(da);
	free(db);
	free(a);
	free(b);
}

static void test_text(void **state)
{
	struct op_stats *a = test_stats(10, 2000, 700, 3000000, 0);
	struct op_stats *none = test_stats(0, 0, 1, 2, 0);
	struct test_job jobs[] = { { "x", a, none, 1000000000 }, { "y", a, none, 1000000000 } };
	char *d1 = test_doc(jobs, 1, NULL), *d2 = test_doc(jobs, 2, NULL);
	struct merge_set *m = merge_set_new();

	test_add(m, "pod-0.json", d1);
	test_add(m, "pod-1.json", d1);
	char *out = test_print(m, false);
	/* only read was measured: no write rows */
	assert_int_equal(count_lines(out, "pod-0.json  x    read "), 1);
	assert_int_equal(count_lines(out, "pod-1.json  x    read "), 1);
	assert_int_equal(count_lines(out, "total       x    read "), 1);
	assert_int_equal(count_lines(out, "pod-0.json  x    write "), 0);
	assert_int_equal(count_lines(out, "total       x    write "), 0);
	assert_non_null(strstr(out, "p99.9"));
	free(out);
	merge_set_free(m);
	m = merge_set_new();
	test_add(m, "p.json", d2);
	out = test_print(m, false);
	assert_int_equal(count_lines(out, "p.json "), 2);
	/* x and y have one job each, whose total would repeat its row: only all's */
	assert_int_equal(count_lines(out, "total  "), 1);
	assert_int_equal(count_lines(out, "total   all  read "), 1);
	free(out);
	test_add(m, "q.json", d2);
	out = test_print(m, false);
	assert_int_equal(count_lines(out, "total  "), 3); /* x, y (two jobs each), all */
	free(out);
	merge_set_free(m);
	free(d1);
	free(d2);
	free(a);
	free(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),    cmocka_unit_test(test_merge_two),
		cmocka_unit_test(test_copies),	     cmocka_unit_test(test_groups),
		cmocka_unit_test(test_hist_parse),   cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_json_remerge), cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
