/*
 * test_stall.c - outage windows (stall.h): the lists, their intersection and union, the cause
 * tables, the threshold's syntax, the recovery read from a completion timeline, and the runner
 * finding a stall in a fake workload that stops completing for a while.
 *
 * The runner test does not assert timings: the fake worker's pause is a sleep of known length,
 * so some stall must cover it, whatever else a loaded machine adds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../src/core/runner_int.h"
#include "pvcbench/clock.h"
#include "pvcbench/report.h"
#include "pvcbench/stall.h"

#define MS 1000000ULL
#define S 1000000000ULL

static struct stall mk(uint64_t start_ms, uint64_t len_ms, uint64_t failures, const char *cause)
{
	struct stall s = { 0 };

	s.start_unix_ns = 1700000000ULL * S + start_ms * MS;
	s.start_ns = start_ms * MS;
	s.length_ns = len_ms * MS;
	s.failures = failures;
	s.recovery_ns = STALL_NO_BASELINE;
	if (cause)
		stall_causes_add(s.causes, &s.ncauses, cause, failures);
	return s;
}

static void test_causes(void **state)
{
	struct stall_cause c[STALL_MAX_CAUSES];
	unsigned n = 0;
	char name[16];

	stall_causes_add(c, &n, "EIO", 1);
	stall_causes_add(c, &n, "57P01", 3);
	stall_causes_add(c, &n, "EIO", 1);
	assert_int_equal(n, 2);
	assert_string_equal(c[0].name, "57P01"); /* most frequent first */
	assert_int_equal(c[0].count, 3);
	assert_int_equal(c[1].count, 2);
	for (unsigned i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "E%u", i);
		stall_causes_add(c, &n, name, 1);
	}
	assert_int_equal(n, STALL_MAX_CAUSES);
	uint64_t total = 0;
	bool other = false;
	for (unsigned i = 0; i < n; i++) {
		total += c[i].count;
		other |= !strcmp(c[i].name, "other");
	}
	assert_int_equal(total, 25); /* nothing dropped: the rest is "other" */
	assert_true(other);
	stall_causes_add(c, &n, "", 1);
	assert_int_equal(n, STALL_MAX_CAUSES);
}

static void test_intersect_union(void **state)
{
	struct stall_list a, b, out;
	struct stall s;

	stall_list_init(&a, 1000 * MS);
	stall_list_init(&b, 1000 * MS);
	s = mk(1000, 3000, 2, "EIO"); /* a: 1.0 .. 4.0 */
	stall_list_add(&a, &s);
	s = mk(10000, 1500, 0, NULL); /* a: 10.0 .. 11.5 */
	stall_list_add(&a, &s);
	s = mk(2000, 4000, 5, "ECONNREFUSED"); /* b: 2.0 .. 6.0 */
	stall_list_add(&b, &s);
	s = mk(10800, 1000, 0, NULL); /* b: 10.8 .. 11.8: overlap 0.7 s, under the threshold */
	stall_list_add(&b, &s);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.total_ns, 4500 * MS);
	assert_int_equal(a.longest_ns, 3000 * MS);

	const struct stall_list *both[] = { &a, &b };
	assert_int_equal(stall_intersect(both, 2, 1000 * MS, &out), 0);
	assert_int_equal(out.n, 1);
	assert_int_equal(out.v[0].start_unix_ns, 1700000000ULL * S + 2000 * MS);
	assert_int_equal(out.v[0].length_ns, 2000 * MS);
	assert_int_equal(out.v[0].start_ns, 2000 * MS);
	assert_int_equal(out.v[0].failures, 7); /* both overlapping stalls' */
	assert_int_equal(out.v[0].ncauses, 2);
	assert_string_equal(out.v[0].causes[0].name, "ECONNREFUSED");
	stall_list_free(&out);

	assert_int_equal(stall_union(both, 2, &out), 0);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.v[0].length_ns, 5000 * MS); /* 1.0 .. 6.0 */
	assert_int_equal(out.v[1].start_unix_ns, 1700000000ULL * S + 10000 * MS);
	assert_int_equal(out.v[1].length_ns, 1800 * MS); /* 10.0 .. 11.8 */
	stall_list_free(&out);

	/* touching stalls do not overlap */
	struct stall_list c;
	stall_list_init(&c, 1000 * MS);
	s = mk(4000, 2000, 0, NULL);
	stall_list_add(&c, &s);
	const struct stall_list *ac[] = { &a, &c };
	assert_int_equal(stall_intersect(ac, 2, 1, &out), 0);
	assert_int_equal(out.n, 0);
	stall_list_free(&out);
	stall_list_free(&a);
	stall_list_free(&b);
	stall_list_free(&c);
}

static void test_threshold_syntax(void **state)
{
	uint64_t ns = 0;

	assert_int_equal(stall_parse_threshold("1s", &ns), 0);
	assert_int_equal(ns, S);
	assert_int_equal(stall_parse_threshold("250ms", &ns), 0);
	assert_int_equal(ns, 250 * MS);
	assert_int_equal(stall_parse_threshold("2.5s", &ns), 0);
	assert_int_equal(ns, 2500 * MS);
	assert_int_equal(stall_parse_threshold("1500", &ns), 0);
	assert_int_equal(ns, 1500 * MS);
	assert_int_equal(stall_parse_threshold("0", &ns), -EINVAL);
	assert_int_equal(stall_parse_threshold("-1s", &ns), -EINVAL);
	assert_int_equal(stall_parse_threshold("1x", &ns), -EINVAL);
	assert_int_equal(stall_parse_threshold("", &ns), -EINVAL);
	assert_int_equal(stall_parse_threshold("100us", &ns), -EINVAL); /* under 1 ms */
}

static void test_recovery(void **state)
{
	/* 100 ms buckets: 40 s at 10 per bucket (100/s), a stall 40.0 .. 43.0, then 50/s for
	 * 2 s, then 100/s again */
	uint32_t tl[600];
	struct stall s = mk(40000, 3000, 0, NULL);

	for (unsigned b = 0; b < 600; b++)
		tl[b] = b < 400 ? 10 : b < 430 ? 0 : b < 450 ? 5 : 10;
	stall_recovery(&s, tl, 600, 100 * MS, 0);
	assert_true(s.baseline_rate > 99.9 && s.baseline_rate < 100.1);
	/* the first 1 s window at >= 90/s starts at bucket 448 (2 buckets of 5, 8 of 10): 44.8 s,
	 * 1.8 s after the end at 43.0 s */
	assert_int_equal(s.recovery_ns, 1800 * MS);

	/* no measured second before it: no baseline */
	s = mk(500, 2000, 0, NULL);
	stall_recovery(&s, tl, 600, 100 * MS, 0);
	assert_int_equal(s.recovery_ns, STALL_NO_BASELINE);

	/* never back before the end */
	for (unsigned b = 430; b < 600; b++)
		tl[b] = 2;
	s = mk(40000, 3000, 0, NULL);
	stall_recovery(&s, tl, 600, 100 * MS, 0);
	assert_int_equal(s.recovery_ns, STALL_NOT_RECOVERED);

	/* an open stall is not recovered */
	s = mk(40000, 3000, 0, NULL);
	s.open = true;
	stall_recovery(&s, tl, 600, 100 * MS, 0);
	assert_int_equal(s.recovery_ns, STALL_NOT_RECOVERED);
}

/* A worker that completes an operation every millisecond, except for a pause in which its
 * operations fail, then goes on. */
struct pause_worker {
	uint64_t pause_at_ns, pause_ns;
	uint64_t paused_from, paused_to; /* when it did, by its clock */
};

static int pause_run(struct worker *w)
{
	struct pause_worker *p = worker_arg(w);
	uint64_t start = clock_now_ns();

	for (unsigned i = 0; i < 100000; i++) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			return 0;
		if (!p->paused_from && now - start >= p->pause_at_ns) {
			p->paused_from = now;
			/* failures while paused, with their causes */
			while (clock_now_ns() - p->paused_from < p->pause_ns) {
				worker_record_failure(w, 0, stall_errno_cause(-EIO));
				usleep(50000);
				worker_tick(w, clock_now_ns());
			}
			p->paused_to = clock_now_ns();
			continue;
		}
		worker_record(w, 0, 1000, 4096);
		usleep(1000);
	}
	return 0;
}

static void test_runner_finds_stall(void **state)
{
	struct pause_worker p = { .pause_at_ns = 300 * MS, .pause_ns = 700 * MS };
	struct worker_spec spec = {
		.runtime_ns = 1500 * MS, .cpu = -1, .numa_node = -1, .arg = &p
	};
	FILE *notices = tmpfile();
	struct run_plan plan = { .nworkers = 1,
				 .nops = 1,
				 .op_names = { "op" },
				 .specs = &spec,
				 .interval_ns = 100 * MS,
				 .stall_threshold_ns = 400 * MS,
				 .stall_out = notices,
				 .worker_run = pause_run };
	struct run_result res;

	assert_non_null(notices);
	assert_int_equal(runner_run(&plan, &res), 0);
	assert_non_null(res.workers);
	const struct stall_list *l = &res.workers[0].stalls;
	assert_int_equal(l->threshold_ns, 400 * MS);
	/* some stall covers the pause: it began before the pause and ended after it */
	const struct stall *found = NULL;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].length_ns >= p.pause_ns && !l->v[i].open)
			found = &l->v[i];
	assert_non_null(found);
	assert_true(found->failures >= 2);
	assert_int_equal(found->ncauses, 1);
	assert_string_equal(found->causes[0].name, "EIO");
	assert_int_equal(found->failures, found->causes[0].count);
	/* failures over the run, and the run's own stalls: one worker, the same window */
	assert_int_equal(l->run_failures, res.workers[0].op[0].errors);
	assert_true(res.stalls.n >= 1);
	bool same = false;
	for (size_t i = 0; i < res.stalls.n; i++)
		same |= res.stalls.v[i].start_unix_ns == found->start_unix_ns &&
			res.stalls.v[i].length_ns == found->length_ns;
	assert_true(same);
	assert_int_equal(res.stalls.causes[0].count, l->run_failures);
	/* the JSON writer takes it */
	FILE *f = tmpfile();
	struct jsonw j;
	jsonw_begin(&j, f);
	report_stalls_json(&j, "stalls", l);
	jsonw_end(&j);
	rewind(f);
	char buf[4096];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"EIO\" : "));
	assert_non_null(strstr(buf, "\"threshold_ms\" : 400.000000"));
	fclose(f);
	/* the live notice was written while it lasted */
	rewind(notices);
	n = fread(buf, 1, sizeof(buf) - 1, notices);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "pvcbench: stalled "));
	fclose(notices);
	run_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_causes),
		cmocka_unit_test(test_intersect_union),
		cmocka_unit_test(test_threshold_syntax),
		cmocka_unit_test(test_recovery),
		cmocka_unit_test(test_runner_finds_stall),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
