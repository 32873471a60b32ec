/*
 * test_merge_fio.c - pvcbench merge on fio-shaped results: the slat/clat split and the bw and
 * IOPS samples that fio's group_reporting adds, the sync object in fio's shape, and results
 * without them (older ones) merged with results that have them.
 */
#include "merge_test.h"

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
		cmocka_unit_test(test_samples_add),
		cmocka_unit_test(test_fio_extras),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
