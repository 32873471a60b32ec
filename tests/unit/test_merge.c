/*
 * test_merge.c - pvcbench merge on documents written by pvcbench's own JSON writer
 * (report_op_json): histograms read back bucket for bucket, merged results equal to hist_merge of
 * the originals (so every percentile, the mean, stddev, min and max are those of the union of
 * the samples), counts that add, the longest run time, and every refusal naming its input and
 * leaving the set as it was.
 *
 * The data are pseudo-random from a fixed seed so that a failure reproduces.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "pvcbench/fmt.h"
#include "pvcbench/merge.h"
#include "pvcbench/report.h"

static uint64_t test_next(uint64_t *state)
{
	/* splitmix64 */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Operation stats of n log-uniform latencies between lo and hi ns, 4k each. */
static struct op_stats *test_stats(uint64_t seed, unsigned n, uint64_t lo, uint64_t hi,
				   uint64_t errors)
{
	struct op_stats *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	hist_init(&s->lat);
	for (unsigned i = 0; i < n; i++) {
		double u = (double)(test_next(&seed) >> 11) / (double)(1ull << 53);
		uint64_t v = (uint64_t)((double)lo * pow((double)hi / (double)lo, u));
		hist_record(&s->lat, v);
		s->ops++;
		s->bytes += 4096;
	}
	s->errors = errors;
	return s;
}

struct test_job {
	const char *name;
	const struct op_stats *read, *write; /* write NULL: a job with only read */
	uint64_t runtime_ns;
};

/* A pvcbench result holding jobs, as pvcbench writes it. Free with free(). */
static char *test_doc(const struct test_job *jobs, unsigned njobs, size_t *len)
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
		report_op_json(&j, "read", jobs[i].read, jobs[i].runtime_ns);
		if (jobs[i].write)
			report_op_json(&j, "write", jobs[i].write, jobs[i].runtime_ns);
		jsonw_object_end(&j);
	}
	jsonw_array_end(&j);
	jsonw_end(&j);
	fclose(f);
	if (len)
		*len = size;
	return text;
}

static void test_add(struct merge_set *m, const char *name, const char *text)
{
	char err[1024];

	if (merge_set_add(m, name, text, strlen(text), err, sizeof(err)))
		fail_msg("%s refused: %s", name, err);
}

/* The merged operation op of group: stats and runtime. */
static const struct op_stats *test_op(const struct merge_set *m, int group, const char *want,
				      uint64_t *runtime_ns)
{
	for (unsigned o = 0; o < merge_group_nops(m, group); o++) {
		const char *name;
		const struct op_stats *s = merge_group_op(m, group, o, &name, runtime_ns);
		if (!strcmp(name, want))
			return s;
	}
	fail_msg("no operation %s in group %d", want, group);
	return NULL;
}

static void assert_same_stats(const struct op_stats *a, const struct op_stats *b)
{
	assert_int_equal(a->ops, b->ops);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->errors, b->errors);
	assert_memory_equal(&a->lat, &b->lat, sizeof(a->lat));
	for (unsigned i = 0; i < report_npercentiles; i++)
		assert_int_equal(hist_value_at(&a->lat, report_percentiles[i]),
				 hist_value_at(&b->lat, report_percentiles[i]));
}

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

static void expect_refused(struct merge_set *m, const char *name, const char *text, const char *why)
{
	unsigned inputs = merge_input_count(m), jobs = merge_job_count(m);
	char err[1024];

	if (!merge_set_add(m, name, text, strlen(text), err, sizeof(err)))
		fail_msg("%s accepted", name);
	if (strncmp(err, name, strlen(name)) || !strstr(err, why))
		fail_msg("'%s' does not start with '%s' and say '%s'", err, name, why);
	assert_int_equal(merge_input_count(m), inputs);
	assert_int_equal(merge_job_count(m), jobs);
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
	/* different workloads: each file named, and how they differ */
	expect_refused(m, "b.json", doc_other, "b.json and a.json hold different workloads");
	/* the operations that did I/O: write did none */
	expect_refused(m, "b.json", doc_other, "has job 'w' (read), a.json has not");
	expect_refused(m, "c.json", doc_ro, "job 'r' measures read in c.json, but read, write");
	test_add(m, "d.json", doc);
	assert_int_equal(merge_input_count(m), 2);
	assert_int_equal(test_op(m, MERGE_ALL, "read", NULL)->ops, 2 * a->ops);
	merge_set_free(m);
	free(doc);
	free(doc_ro);
	free(doc_other);
	free(padded);
	free(tail);
	free(a);
	free(none);
}

static char *test_print(const struct merge_set *m, bool json)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	assert_non_null(f);
	if (json)
		merge_print_json(m, f);
	else
		merge_print_text(m, f);
	fclose(f);
	return text;
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

static unsigned count_lines(const char *text, const char *prefix)
{
	unsigned n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
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
	assert_null(strstr(out, "write"));
	assert_non_null(strstr(out, "p99.9"));
	free(out);
	merge_set_free(m);
	m = merge_set_new();
	test_add(m, "p.json", d2);
	out = test_print(m, false);
	assert_int_equal(count_lines(out, "p.json "), 2);
	assert_int_equal(count_lines(out, "total  "), 3); /* x, y, all */
	free(out);
	merge_set_free(m);
	free(d1);
	free(d2);
	free(a);
	free(none);
}

/* fio's sample sums: the first term copied, the next ones added member by member (sum_stat). */
static void test_samples_add(void **state)
{
	struct op_samples t = { 0 }, a = { 3, 10.5, 30.25, 20.0, 8.0 },
			  b = { 2, 1.0, 2.0, 1.5, 0.5 };
	struct op_samples empty = { 0, 99.0, 99.0, 99.0, 99.0 };

	op_samples_add(&t, &empty);
	assert_int_equal(t.n, 0);
	op_samples_add(&t, &a);
	assert_memory_equal(&t, &a, sizeof(t));
	op_samples_add(&t, &empty);
	op_samples_add(&t, &b);
	assert_int_equal(t.n, 5);
	assert_true(t.min == 11.5 && t.max == 32.25 && t.mean == 21.5 && t.s == 8.5);
	assert_true(fabs(op_samples_dev(&t) - sqrt(8.5 / 4.0)) < 1e-12);
	assert_true(op_samples_dev(&(struct op_samples){ 1, 1, 1, 1, 0 }) == 0.0);
}

struct test_fio_op {
	const struct op_stats *s;
	const struct hist *slat, *clat; /* NULL: an older result, without them */
	struct op_samples bw, iops;
	uint64_t runtime_ns;
};

/* A fio-shaped result: job "r" with read (extras as given) and a sync object. */
static char *test_fio_doc(const struct test_fio_op *op, const struct op_stats *syncs)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	struct jsonw j;
	struct op_extra x = { .slat = op->slat, .clat = op->clat, .short_ios = 1 };
	struct op_extra sync = { .sync_shape = true };

	if (op->slat) {
		x.bw = &op->bw;
		x.iops = &op->iops;
	}
	assert_non_null(f);
	jsonw_begin(&j, f);
	report_json_header(&j);
	jsonw_array_begin(&j, "jobs");
	jsonw_object_begin(&j, NULL);
	jsonw_string(&j, "jobname", "r");
	jsonw_i64(&j, "error", 0);
	report_op_json_extra(&j, "read", op->s, op->runtime_ns, &x);
	report_op_json_extra(&j, "sync", syncs, op->runtime_ns, &sync);
	jsonw_object_end(&j);
	jsonw_array_end(&j);
	jsonw_end(&j);
	fclose(f);
	return text;
}

/* The merged document's total operation key, parsed back. */
static json_t *test_total(const struct merge_set *m, const char *op, json_t **doc)
{
	char *out = test_print(m, true);
	json_error_t jerr;

	*doc = json_loads(out, 0, &jerr);
	free(out);
	if (!*doc)
		fail_msg("merged JSON does not parse: %s", jerr.text);
	json_t *t = json_object_get(json_object_get(*doc, "total"), op);
	assert_non_null(t);
	return t;
}

static uint64_t test_u64(const json_t *obj, const char *a, const char *b)
{
	const json_t *v = json_object_get(obj, a);

	if (b)
		v = json_object_get(v, b);
	if (!json_is_integer(v))
		fail_msg("%s%s%s is not an integer", a, b ? "/" : "", b ? b : "");
	return (uint64_t)json_integer_value(v);
}

static double test_num(const json_t *obj, const char *a, const char *b)
{
	const json_t *v = json_object_get(obj, a);

	if (b)
		v = json_object_get(v, b);
	if (!json_is_number(v))
		fail_msg("%s%s%s is not a number", a, b ? "/" : "", b ? b : "");
	return json_number_value(v);
}

/*
 * fio results: slat_ns and clat_ns from the summed slat_hist and clat_hist, the samples summed as
 * fio's group_reporting sums them (the doubles read back exactly), sync in fio's sync shape; with
 * an older result (no split, no sums) in the set, what every input has: clat = lat, no samples.
 */
static void test_fio_extras(void **state)
{
	struct op_stats *lat_a = test_stats(11, 3000, 2000, 900000, 0);
	struct op_stats *lat_b = test_stats(12, 5000, 3000, 700000, 0);
	struct op_stats *slat_a = test_stats(13, 3000, 100, 5000, 0);
	struct op_stats *slat_b = test_stats(14, 5000, 150, 9000, 0);
	struct op_stats *clat_a = test_stats(15, 3000, 1800, 800000, 0);
	struct op_stats *clat_b = test_stats(16, 5000, 2500, 600000, 0);
	struct op_stats *syncs = test_stats(17, 700, 50000, 90000, 0);
	struct test_fio_op a = { lat_a,
				 &slat_a->lat,
				 &clat_a->lat,
				 { 4, 1000.1, 3000.7, 2000.123456789, 12345.6789 },
				 { 4, 250.5, 750.25, 500.1, 1000.3 },
				 2000000000 };
	struct test_fio_op b = { lat_b,
				 &slat_b->lat,
				 &clat_b->lat,
				 { 6, 1500.3, 2500.9, 1999.987654321, 2345.25 },
				 { 6, 375.5, 625.75, 499.9, 200.7 },
				 3000000000 };
	struct test_fio_op old = { lat_b, NULL, NULL, { 0 }, { 0 }, 3000000000 };
	char *da = test_fio_doc(&a, syncs), *db = test_fio_doc(&b, syncs);
	char *dold = test_fio_doc(&old, syncs);
	struct merge_set *m = merge_set_new();
	struct op_samples bw = a.bw, iops = a.iops;
	json_t *doc;
	struct hist slat, clat;

	test_add(m, "a.json", da);
	test_add(m, "b.json", db);
	json_t *t = test_total(m, "read", &doc);
	hist_init(&slat);
	hist_merge(&slat, &slat_a->lat);
	hist_merge(&slat, &slat_b->lat);
	hist_init(&clat);
	hist_merge(&clat, &clat_a->lat);
	hist_merge(&clat, &clat_b->lat);
	assert_int_equal(test_u64(t, "slat_ns", "N"), 8000);
	assert_int_equal(test_u64(t, "slat_ns", "min"), slat.min);
	assert_int_equal(test_u64(t, "slat_ns", "max"), slat.max);
	assert_int_equal(test_u64(t, "clat_ns", "min"), clat.min);
	assert_int_equal(test_u64(t, "clat_ns", "max"), clat.max);
	assert_true(fabs(test_num(t, "clat_ns", "mean") - hist_mean(&clat)) < 1e-6);
	assert_int_equal(test_u64(json_object_get(t, "clat_ns"), "percentile", "99.000000"),
			 hist_value_at(&clat, 99));
	assert_int_equal(test_u64(t, "lat_ns", "N"), 8000);
	assert_int_equal(test_u64(t, "clat_hist", "sum"), clat.sum);
	assert_int_equal(test_u64(t, "short_ios", NULL), 2);
	op_samples_add(&bw, &b.bw);
	op_samples_add(&iops, &b.iops);
	assert_int_equal(test_u64(t, "bw_samples", NULL), 10);
	assert_int_equal(test_u64(t, "bw_min", NULL), 2500);
	assert_int_equal(test_u64(t, "bw_max", NULL), 5501);
	assert_true(test_num(t, "bw_sums", "mean") == bw.mean); /* exactly */
	assert_true(test_num(t, "bw_sums", "S") == bw.s);
	assert_true(test_num(t, "iops_sums", "min") == iops.min);
	assert_true(fabs(test_num(t, "bw_dev", NULL) - sqrt(bw.s / 9.0)) < 1e-6);
	assert_true(fabs(test_num(t, "iops_stddev", NULL) - sqrt(iops.s / 9.0)) < 1e-6);
	/* the mean's share of the merged bandwidth: bytes over the longer run, in KiB/s */
	double kib = (double)((lat_a->bytes + lat_b->bytes) * 1000 / 3000) / 1024.0;
	double agg = bw.mean * 100.0 / kib;
	assert_true(fabs(test_num(t, "bw_agg", NULL) - (agg > 100 ? 100 : agg)) < 1e-6);
	json_t *sync = json_object_get(json_object_get(doc, "total"), "sync");
	assert_null(json_object_get(sync, "clat_ns"));
	assert_int_equal(test_u64(sync, "total_ios", NULL), 1400);
	assert_int_equal(test_u64(sync, "lat_ns", "N"), 1400);
	json_decref(doc);

	/* merged again: the input jobs' sums are copied so that they still read back exactly */
	struct merge_set *again = merge_set_new();
	char *out = test_print(m, true);
	test_add(again, "merged.json", out);
	t = test_total(again, "read", &doc);
	assert_true(test_num(t, "bw_sums", "mean") == bw.mean);
	assert_true(test_num(t, "iops_sums", "S") == iops.s);
	assert_int_equal(test_u64(t, "clat_ns", "min"), clat.min);
	json_decref(doc);
	merge_set_free(again);
	free(out);

	test_add(m, "old.json", dold);
	t = test_total(m, "read", &doc);
	assert_int_equal(test_u64(t, "slat_ns", "N"), 0);
	assert_int_equal(test_u64(t, "clat_ns", "N"), 13000);
	assert_int_equal(test_u64(t, "clat_ns", "min"), test_u64(t, "lat_ns", "min"));
	assert_null(json_object_get(t, "slat_hist"));
	assert_null(json_object_get(t, "bw_sums"));
	assert_null(json_object_get(t, "bw_mean"));
	json_decref(doc);
	merge_set_free(m);

	/* one of a pair, or sums that are not numbers: refused */
	m = merge_set_new();
	char *p = strstr(da, "\"clat_hist\"");
	assert_non_null(p);
	p[8] = 'x';
	expect_refused(m, "half.json", da, "job 'r' read: slat_hist without clat_hist");
	p[8] = 's';
	p = strstr(da, "\"samples\"");
	assert_non_null(p);
	p[1] = 'S';
	expect_refused(m, "sums.json", da, "job 'r' read: bw_sums: samples is missing");
	merge_set_free(m);
	free(da);
	free(db);
	free(dold);
	free(lat_a);
	free(lat_b);
	free(slat_a);
	free(slat_b);
	free(clat_a);
	free(clat_b);
	free(syncs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),    cmocka_unit_test(test_merge_two),
		cmocka_unit_test(test_copies),	     cmocka_unit_test(test_groups),
		cmocka_unit_test(test_hist_parse),   cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_json_remerge), cmocka_unit_test(test_text),
		cmocka_unit_test(test_samples_add),  cmocka_unit_test(test_fio_extras),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
