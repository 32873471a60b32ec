/*
 * test_runner.c - the runner (runner.c) driving a fake workload of three workers.
 *
 * Each fake worker records operations of known size and latency, and counts for itself what it
 * recorded while worker_measuring() was true. The runner's per-worker totals must equal those
 * counts exactly, and its time series must add up to the same totals: ramp time, errors, a
 * failing worker, a failing initialisation and a stop request are each checked that way.
 *
 * Runs are short (under a second) and every loop is bounded, so a runner that never says stop
 * fails the test instead of hanging it.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pvcbench/clock.h"
#include "pvcbench/hist.h"
#include "pvcbench/runner.h"
#include "pvcbench/signals.h"

#define MS 1000000ULL
#define TEST_WORKERS 3
#define TEST_NOPS 2
#define TEST_INTERVAL_NS (100 * MS)
/* the fake workers give up after this long, whatever the runner says */
#define TEST_GIVE_UP_NS (10000 * MS)

struct test_worker {
	/* what the worker is told to do */
	uint64_t lat_ns[TEST_NOPS];
	uint64_t bytes;
	unsigned error_every;	/* every n-th operation fails; 0 = none */
	uint64_t ops_to_do;	/* stop by itself after this many operations; 0 = never */
	uint64_t fail_after_ns; /* of measured time: then fail with fail_ret */
	int fail_ret;
	bool fail_quietly; /* return fail_ret without worker_fail */
	int init_ret;
	bool init_message; /* fail init through worker_fail */

	/* what it did, counted by itself */
	uint64_t ops[TEST_NOPS], bytes_done[TEST_NOPS], errors[TEST_NOPS];
	uint64_t ramp_records;
	bool init_called, run_called, exit_called;
	bool gave_up;
};

static void test_reset_stop_flag(void)
{
	atomic_store(&signals_stop_flag, 0);
}

static int test_worker_init(struct worker *w)
{
	struct test_worker *t = worker_arg(w);

	t->init_called = true;
	worker_set_state(w, t);
	if (t->init_ret && t->init_message)
		return worker_fail(w, t->init_ret, "worker %u: no such disk %s", worker_id(w),
				   "sdz");
	return t->init_ret;
}

static void test_sleep_us(unsigned us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

static int test_worker_run(struct worker *w)
{
	struct test_worker *t = worker_state(w);
	uint64_t start = clock_now_ns(), measure_start = 0;

	t->run_called = true;
	for (uint64_t i = 0;; i++) {
		uint64_t now = clock_now_ns();

		if (!worker_tick(w, now))
			return 0;
		if (now - start > TEST_GIVE_UP_NS) {
			t->gave_up = true;
			return 0;
		}
		if (t->ops_to_do && i == t->ops_to_do)
			return 0;
		if (worker_measuring(w) && !measure_start)
			measure_start = now;
		if (t->fail_after_ns && measure_start && now - measure_start >= t->fail_after_ns) {
			if (t->fail_quietly)
				return t->fail_ret;
			return worker_fail(w, t->fail_ret, "worker %u: disk on fire at op %llu",
					   worker_id(w), (unsigned long long)i);
		}

		unsigned op = (unsigned)(i % TEST_NOPS);
		bool measuring = worker_measuring(w);
		if (t->error_every && i % t->error_every == t->error_every - 1) {
			worker_record_error(w, op);
			if (measuring)
				t->errors[op]++;
		} else {
			worker_record(w, op, t->lat_ns[op], t->bytes);
			if (measuring) {
				t->ops[op]++;
				t->bytes_done[op] += t->bytes;
			} else {
				t->ramp_records++;
			}
		}
		test_sleep_us(100);
	}
}

static void test_worker_exit(struct worker *w)
{
	struct test_worker *t = worker_state(w);

	t->exit_called = true;
}

struct test_run {
	struct test_worker workers[TEST_WORKERS];
	struct worker_spec specs[TEST_WORKERS];
	struct run_plan plan;
	struct run_result result;
	uint64_t elapsed_ns;
	int ret;
};

/* Three workers with distinct latencies, running for runtime after ramp. */
static void test_plan(struct test_run *r, uint64_t ramp_ns, uint64_t runtime_ns)
{
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < TEST_WORKERS; i++) {
		struct test_worker *t = &r->workers[i];
		t->lat_ns[0] = 1000 * (i + 1);
		t->lat_ns[1] = 50000 * (i + 1) + 7;
		t->bytes = 4096u << i;
		r->specs[i] = (struct worker_spec){ .ramp_ns = ramp_ns,
						    .runtime_ns = runtime_ns,
						    .cpu = -1,
						    .numa_node = -1,
						    .arg = t };
	}
	r->plan = (struct run_plan){
		.nworkers = TEST_WORKERS,
		.nops = TEST_NOPS,
		.op_names = { "read", "write" },
		.specs = r->specs,
		.interval_ns = TEST_INTERVAL_NS,
		.progress = false,
		.progress_out = stderr,
		.progress_label = "test",
		.worker_init = test_worker_init,
		.worker_run = test_worker_run,
		.worker_exit = test_worker_exit,
	};
}

static void test_go(struct test_run *r)
{
	uint64_t start = clock_now_ns();

	r->ret = runner_run(&r->plan, &r->result);
	r->elapsed_ns = clock_now_ns() - start;
	for (unsigned i = 0; i < TEST_WORKERS; i++)
		assert_false(r->workers[i].gave_up);
}

/* The runner's totals for each worker are exactly what the worker counted while measuring. */
static void test_check_totals(const struct test_run *r)
{
	const struct run_result *res = &r->result;

	assert_int_equal(res->nworkers, TEST_WORKERS);
	assert_int_equal(res->nops, TEST_NOPS);
	assert_string_equal(res->op_names[0], "read");
	assert_string_equal(res->op_names[1], "write");
	assert_non_null(res->workers);
	for (unsigned i = 0; i < TEST_WORKERS; i++) {
		const struct test_worker *t = &r->workers[i];
		for (unsigned k = 0; k < TEST_NOPS; k++) {
			const struct op_stats *s = &res->workers[i].op[k];
			if (s->ops != t->ops[k] || s->bytes != t->bytes_done[k] ||
			    s->errors != t->errors[k])
				fail_msg(
					"worker %u op %u: runner has %llu ops %llu bytes %llu errors, "
					"the worker recorded %llu, %llu, %llu",
					i, k, (unsigned long long)s->ops,
					(unsigned long long)s->bytes, (unsigned long long)s->errors,
					(unsigned long long)t->ops[k],
					(unsigned long long)t->bytes_done[k],
					(unsigned long long)t->errors[k]);
			assert_int_equal(s->lat.count, t->ops[k]);
			if (t->ops[k]) {
				assert_int_equal(s->lat.min, t->lat_ns[k]);
				assert_int_equal(s->lat.max, t->lat_ns[k]);
				assert_int_equal(s->lat.sum, t->ops[k] * t->lat_ns[k]);
			}
		}
	}
}

/* The time series adds up to the totals, to the operation, byte and error. */
static void test_check_series(const struct test_run *r)
{
	const struct run_result *res = &r->result;

	for (unsigned k = 0; k < TEST_NOPS; k++) {
		uint64_t ops = 0, bytes = 0, errors = 0, lat_max = 0;
		struct op_stats total;

		for (size_t p = 0; p < res->npoints; p++) {
			const struct series_op *o = &res->points[p].op[k];
			ops += o->ops;
			bytes += o->bytes;
			errors += o->errors;
			if (o->lat_max_ns > lat_max)
				lat_max = o->lat_max_ns;
			assert_int_equal(res->points[p].start_ms, p * (TEST_INTERVAL_NS / MS));
			if (!o->ops) {
				assert_int_equal(o->lat_max_ns, 0);
				continue;
			}
			/* every latency recorded is one of the workers' values for this op */
			assert_true(o->lat_mean_ns >= r->workers[0].lat_ns[k]);
			assert_true(o->lat_mean_ns <= r->workers[TEST_WORKERS - 1].lat_ns[k]);
			assert_true(o->lat_p99_ns <= o->lat_max_ns);
		}
		run_result_total(res, k, &total, NULL);
		if (ops != total.ops || bytes != total.bytes || errors != total.errors)
			fail_msg(
				"op %u: the series has %llu ops %llu bytes %llu errors in %zu points, "
				"the totals %llu, %llu, %llu",
				k, (unsigned long long)ops, (unsigned long long)bytes,
				(unsigned long long)errors, res->npoints,
				(unsigned long long)total.ops, (unsigned long long)total.bytes,
				(unsigned long long)total.errors);
		if (total.ops)
			assert_int_equal(lat_max, total.lat.max);
	}
}

static void test_check_runtime(const struct test_run *r, unsigned i, uint64_t runtime_ns)
{
	uint64_t got = r->result.workers[i].runtime_ns;

	/* a worker stops at its first tick past the deadline: well under 300 ms late */
	if (got < runtime_ns || got > runtime_ns + 300 * MS)
		fail_msg("worker %u: runtime %llu ms, configured %llu ms", i,
			 (unsigned long long)(got / MS), (unsigned long long)(runtime_ns / MS));
}

static void test_totals_and_series(void **state)
{
	struct test_run r;
	const uint64_t runtime = 500 * MS;

	test_reset_stop_flag();
	test_plan(&r, 200 * MS, runtime);
	for (unsigned i = 0; i < TEST_WORKERS; i++)
		r.workers[i].error_every = 7 + i;
	test_go(&r);

	assert_int_equal(r.ret, 0);
	assert_false(r.result.interrupted);
	assert_false(r.result.init_failed);
	test_check_totals(&r);
	test_check_series(&r);
	uint64_t errors = 0;
	for (unsigned i = 0; i < TEST_WORKERS; i++) {
		const struct test_worker *t = &r.workers[i];
		assert_true(t->init_called && t->run_called && t->exit_called);
		/* otherwise the ramp check below proves nothing */
		assert_true(t->ramp_records > 0);
		assert_true(t->ops[0] > 100 && t->ops[1] > 100);
		assert_int_equal(r.result.workers[i].error, 0);
		assert_string_equal(r.result.workers[i].error_msg, "");
		errors += t->errors[0] + t->errors[1];
		test_check_runtime(&r, i, runtime);
	}
	assert_true(errors > 0);
	/* 500 ms in 100 ms intervals: five points, one more if the last boundary was crossed */
	assert_true(r.result.npoints >= 5 && r.result.npoints <= 7);
	assert_int_equal(r.result.interval_ns, TEST_INTERVAL_NS);

	struct op_stats total;
	uint64_t longest;
	run_result_total(&r.result, 1, &total, &longest);
	assert_int_equal(total.ops,
			 r.workers[0].ops[1] + r.workers[1].ops[1] + r.workers[2].ops[1]);
	assert_true(longest >= runtime);
	run_result_free(&r.result);
	assert_null(r.result.workers);
	assert_null(r.result.points);
}

/* Workers with different ramps: only what each records after its own ramp counts. */
static void test_ramp_excluded(void **state)
{
	struct test_run r;
	const uint64_t runtime = 400 * MS;

	test_reset_stop_flag();
	test_plan(&r, 0, runtime);
	r.specs[1].ramp_ns = 250 * MS;
	r.specs[2].ramp_ns = 150 * MS;
	test_go(&r);

	assert_int_equal(r.ret, 0);
	test_check_totals(&r);
	test_check_series(&r);
	assert_int_equal(r.workers[0].ramp_records, 0);
	assert_true(r.workers[1].ramp_records > 0);
	assert_true(r.workers[2].ramp_records > 0);
	for (unsigned i = 0; i < TEST_WORKERS; i++)
		test_check_runtime(&r, i, runtime);
	/* the series starts at the shortest ramp's end and runs to the latest deadline */
	assert_true(r.result.npoints >= 6 && r.result.npoints <= 8);
	run_result_free(&r.result);
}

/* A workload that stops by itself (size reached) after a known number of operations. */
static void test_known_count(void **state)
{
	struct test_run r;

	test_reset_stop_flag();
	test_plan(&r, 0, 0);
	for (unsigned i = 0; i < TEST_WORKERS; i++)
		r.workers[i].ops_to_do = 500 + 100 * i;
	r.workers[2].error_every = 10;
	test_go(&r);

	assert_int_equal(r.ret, 0);
	test_check_totals(&r);
	test_check_series(&r);
	for (unsigned i = 0; i < TEST_WORKERS; i++) {
		const struct test_worker *t = &r.workers[i];
		const struct op_stats *s = r.result.workers[i].op;
		uint64_t n = 500 + 100 * i;
		assert_int_equal(t->ramp_records, 0);
		assert_int_equal(s[0].ops + s[1].ops + s[0].errors + s[1].errors, n);
		assert_true(r.result.workers[i].runtime_ns > 0);
	}
	assert_int_equal(r.result.workers[0].op[0].ops, 250);
	assert_int_equal(r.result.workers[0].op[1].ops, 250);
	assert_int_equal(r.result.workers[0].op[0].bytes, 250 * 4096);
	assert_int_equal(r.result.workers[2].op[0].errors + r.result.workers[2].op[1].errors, 70);
	run_result_free(&r.result);
}

static void test_run_failure(void **state)
{
	struct test_run r;
	const uint64_t runtime = 500 * MS;

	test_reset_stop_flag();
	test_plan(&r, 100 * MS, runtime);
	r.workers[1].fail_after_ns = 150 * MS;
	r.workers[1].fail_ret = -EIO;
	test_go(&r);

	assert_int_equal(r.ret, -EIO);
	assert_false(r.result.init_failed);
	assert_false(r.result.interrupted);
	assert_int_equal(r.result.workers[1].error, -EIO);
	assert_non_null(strstr(r.result.workers[1].error_msg, "worker 1: disk on fire at op"));
	assert_int_equal(r.result.workers[0].error, 0);
	assert_int_equal(r.result.workers[2].error, 0);
	/* what the failed worker did before failing still counts; the others ran to the end */
	test_check_totals(&r);
	test_check_series(&r);
	assert_true(r.workers[1].ops[0] > 0);
	uint64_t failed_after = r.result.workers[1].runtime_ns;
	assert_true(failed_after >= 150 * MS && failed_after < runtime);
	test_check_runtime(&r, 0, runtime);
	test_check_runtime(&r, 2, runtime);
	for (unsigned i = 0; i < TEST_WORKERS; i++)
		assert_true(r.workers[i].exit_called);
	run_result_free(&r.result);

	/* a run that returns an error without a message gets one naming the error */
	test_plan(&r, 0, runtime);
	r.workers[2].fail_after_ns = 50 * MS;
	r.workers[2].fail_ret = -ENOSPC;
	r.workers[2].fail_quietly = true;
	test_go(&r);
	assert_int_equal(r.ret, -ENOSPC);
	assert_int_equal(r.result.workers[2].error, -ENOSPC);
	assert_non_null(strstr(r.result.workers[2].error_msg, strerror(ENOSPC)));
	test_check_totals(&r);
	test_check_series(&r);
	run_result_free(&r.result);
}

/* Returned errors are the first worker's, in worker order. */
static void test_first_error_wins(void **state)
{
	struct test_run r;

	test_reset_stop_flag();
	test_plan(&r, 0, 400 * MS);
	r.workers[2].fail_after_ns = 10 * MS;
	r.workers[2].fail_ret = -EIO;
	r.workers[1].fail_after_ns = 100 * MS;
	r.workers[1].fail_ret = -EROFS;
	test_go(&r);
	assert_int_equal(r.ret, -EROFS);
	assert_int_equal(r.result.workers[1].error, -EROFS);
	assert_int_equal(r.result.workers[2].error, -EIO);
	run_result_free(&r.result);
}

/* What worker_fail returned and what worker_error said before each call. */
struct test_fail_codes {
	int ret[4], error[5];
};

static int test_fail_codes_run(struct worker *w)
{
	struct test_fail_codes *f = worker_arg(w);

	f->error[0] = worker_error(w);
	f->ret[0] = worker_fail(w, -EINVAL, "bad %s %d", "thing", 42);
	f->error[1] = worker_error(w);
	/* a positive or zero code still makes an error */
	f->ret[1] = worker_fail(w, EINVAL, "positive");
	f->error[2] = worker_error(w);
	f->ret[2] = worker_fail(w, 0, "zero");
	f->error[3] = worker_error(w);
	f->ret[3] = worker_fail(w, -EROFS, "worker %u: last word", worker_id(w));
	f->error[4] = worker_error(w);
	return f->ret[3];
}

static void test_worker_fail(void **state)
{
	struct test_fail_codes f;
	struct worker_spec spec = { .runtime_ns = 100 * MS, .cpu = -1, .numa_node = -1, .arg = &f };
	struct run_plan plan = { .nworkers = 1,
				 .nops = 1,
				 .op_names = { "op" },
				 .specs = &spec,
				 .interval_ns = TEST_INTERVAL_NS,
				 .worker_run = test_fail_codes_run };
	struct run_result res;

	test_reset_stop_flag();
	memset(&f, 0x55, sizeof(f));
	assert_int_equal(runner_run(&plan, &res), -EROFS);
	assert_int_equal(f.error[0], 0);
	assert_int_equal(f.ret[0], -EINVAL);
	assert_int_equal(f.error[1], -EINVAL);
	assert_int_equal(f.ret[1], -EIO);
	assert_int_equal(f.error[2], -EIO);
	assert_true(f.ret[2] < 0);
	assert_int_equal(f.error[3], f.ret[2]);
	assert_int_equal(f.ret[3], -EROFS);
	assert_int_equal(f.error[4], -EROFS);
	assert_non_null(res.workers);
	assert_int_equal(res.workers[0].error, -EROFS);
	assert_string_equal(res.workers[0].error_msg, "worker 0: last word");
	run_result_free(&res);
}

static void test_init_failure(void **state)
{
	struct test_run r;

	test_reset_stop_flag();
	test_plan(&r, 0, 500 * MS);
	r.workers[1].init_ret = -EACCES;
	r.workers[2].init_ret = -ENODEV;
	r.workers[2].init_message = true;
	test_go(&r);

	assert_int_equal(r.ret, -EACCES);
	assert_true(r.result.init_failed);
	assert_false(r.result.interrupted);
	assert_true(r.elapsed_ns < 400 * MS);
	assert_int_equal(r.result.npoints, 0);
	for (unsigned i = 0; i < TEST_WORKERS; i++) {
		assert_true(r.workers[i].init_called);
		assert_false(r.workers[i].run_called);
		assert_int_equal(r.result.workers[i].runtime_ns, 0);
		for (unsigned k = 0; k < TEST_NOPS; k++) {
			assert_int_equal(r.result.workers[i].op[k].ops, 0);
			assert_int_equal(r.result.workers[i].op[k].lat.count, 0);
		}
	}
	/* the workers that did initialise are cleaned up */
	assert_true(r.workers[0].exit_called);
	assert_int_equal(r.result.workers[0].error, 0);
	assert_int_equal(r.result.workers[1].error, -EACCES);
	assert_true(r.result.workers[1].error_msg[0] != '\0');
	assert_int_equal(r.result.workers[2].error, -ENODEV);
	assert_string_equal(r.result.workers[2].error_msg, "worker 2: no such disk sdz");
	run_result_free(&r.result);
}

static void test_bad_plan(void **state)
{
	struct test_run r;

	test_reset_stop_flag();
	test_plan(&r, 0, 100 * MS);
	r.plan.nops = 0;
	assert_int_equal(runner_run(&r.plan, &r.result), -EINVAL);
	/* nothing ran, the result says why, and is safe to read: no worker to look at */
	assert_true(r.result.init_failed);
	assert_int_equal(r.result.error, -EINVAL);
	assert_null(r.result.workers);
	assert_int_equal(r.result.nworkers, 0);
	assert_int_equal(r.result.npoints, 0);
	struct op_stats total;
	uint64_t runtime = 1;
	run_result_total(&r.result, 0, &total, &runtime);
	assert_int_equal(total.ops, 0);
	assert_int_equal(runtime, 0);
	run_result_free(&r.result);
	r.plan.nops = PVC_MAX_OPS + 1;
	assert_int_equal(runner_run(&r.plan, &r.result), -EINVAL);
	run_result_free(&r.result);
	r.plan.nops = TEST_NOPS;
	r.plan.interval_ns = 1000;
	assert_int_equal(runner_run(&r.plan, &r.result), -EINVAL);
	run_result_free(&r.result);
	r.plan.interval_ns = TEST_INTERVAL_NS;
	r.plan.nworkers = 0;
	assert_int_equal(runner_run(&r.plan, &r.result), -EINVAL);
	run_result_free(&r.result);
	for (unsigned i = 0; i < TEST_WORKERS; i++)
		assert_false(r.workers[i].init_called);
}

static void *test_stop_later(void *arg)
{
	test_sleep_us(300 * 1000);
	signals_request_stop();
	return NULL;
}

static void test_stop_request(void **state)
{
	struct test_run r;
	pthread_t stopper;

	test_reset_stop_flag();
	test_plan(&r, 100 * MS, 60000 * MS);
	assert_int_equal(pthread_create(&stopper, NULL, test_stop_later, NULL), 0);
	test_go(&r);
	pthread_join(stopper, NULL);

	/* behaviour, not speed: a 60 s run ends soon after the stop, well within 3 s */
	if (r.elapsed_ns >= 3000 * MS)
		fail_msg("the run took %llu ms after a stop at 300 ms",
			 (unsigned long long)(r.elapsed_ns / MS));
	assert_int_equal(r.ret, 0);
	assert_true(r.result.interrupted);
	assert_false(r.result.init_failed);
	test_check_totals(&r);
	test_check_series(&r);
	for (unsigned i = 0; i < TEST_WORKERS; i++) {
		uint64_t runtime = r.result.workers[i].runtime_ns;
		assert_true(runtime > 100 * MS && runtime < 3000 * MS);
		assert_true(r.workers[i].ops[0] > 0);
		assert_true(r.workers[i].exit_called);
	}
	run_result_free(&r.result);
	test_reset_stop_flag();
}

/* A stop requested before the run starts: nothing is measured, and the run returns at once. */
static void test_stop_before_start(void **state)
{
	struct test_run r;

	test_reset_stop_flag();
	signals_request_stop();
	test_plan(&r, 0, 60000 * MS);
	test_go(&r);
	assert_true(r.elapsed_ns < 3000 * MS);
	assert_int_equal(r.ret, 0);
	assert_true(r.result.interrupted);
	test_check_totals(&r);
	test_check_series(&r);
	for (unsigned i = 0; i < TEST_WORKERS; i++)
		assert_int_equal(r.workers[i].ops[0], 0);
	run_result_free(&r.result);
	test_reset_stop_flag();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worker_fail),	  cmocka_unit_test(test_bad_plan),
		cmocka_unit_test(test_totals_and_series), cmocka_unit_test(test_ramp_excluded),
		cmocka_unit_test(test_known_count),	  cmocka_unit_test(test_run_failure),
		cmocka_unit_test(test_first_error_wins),  cmocka_unit_test(test_init_failure),
		cmocka_unit_test(test_stop_request),	  cmocka_unit_test(test_stop_before_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
