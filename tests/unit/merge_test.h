/*
 * merge_test.h - what the tests of pvcbench merge share: pseudo-random operation stats from a
 * fixed seed (so that a failure reproduces), pvcbench results written by pvcbench's own JSON
 * writer (report_op_json), and checks of the merged set and of its outputs.
 */
#ifndef PVCBENCH_TEST_MERGE_H
#define PVCBENCH_TEST_MERGE_H

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

static inline uint64_t test_next(uint64_t *state)
{
	/* splitmix64 */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Operation stats of n log-uniform latencies between lo and hi ns, 4k each. */
static inline struct op_stats *test_stats(uint64_t seed, unsigned n, uint64_t lo, uint64_t hi,
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
static inline char *test_doc(const struct test_job *jobs, unsigned njobs, size_t *len)
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

static inline void test_add(struct merge_set *m, const char *name, const char *text)
{
	char err[1024];

	if (merge_set_add(m, name, text, strlen(text), err, sizeof(err)))
		fail_msg("%s refused: %s", name, err);
}

/* The merged operation op of group: stats and runtime. */
static inline const struct op_stats *test_op(const struct merge_set *m, int group, const char *want,
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

static inline void assert_same_stats(const struct op_stats *a, const struct op_stats *b)
{
	assert_int_equal(a->ops, b->ops);
	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->errors, b->errors);
	assert_memory_equal(&a->lat, &b->lat, sizeof(a->lat));
	for (unsigned i = 0; i < report_npercentiles; i++)
		assert_int_equal(hist_value_at(&a->lat, report_percentiles[i]),
				 hist_value_at(&b->lat, report_percentiles[i]));
}

static inline void expect_refused(struct merge_set *m, const char *name, const char *text,
				  const char *why)
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

static inline char *test_print(const struct merge_set *m, bool json)
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

static inline unsigned count_lines(const char *text, const char *prefix)
{
	unsigned n = 0;

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

/* The merged document's total operation key, parsed back. */
static inline json_t *test_total(const struct merge_set *m, const char *op, json_t **doc)
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

static inline uint64_t test_u64(const json_t *obj, const char *a, const char *b)
{
	const json_t *v = json_object_get(obj, a);

	if (b)
		v = json_object_get(v, b);
	if (!json_is_integer(v))
		fail_msg("%s%s%s is not an integer", a, b ? "/" : "", b ? b : "");
	return (uint64_t)json_integer_value(v);
}

static inline double test_num(const json_t *obj, const char *a, const char *b)
{
	const json_t *v = json_object_get(obj, a);

	if (b)
		v = json_object_get(v, b);
	if (!json_is_number(v))
		fail_msg("%s%s%s is not a number", a, b ? "/" : "", b ? b : "");
	return json_number_value(v);
}

#endif
