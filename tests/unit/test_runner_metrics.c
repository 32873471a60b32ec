/*
 * test_runner_metrics.c - the runner feeds the live metrics (runner_metrics.c): a fake workload
 * run through runner_run with the endpoint on 127.0.0.1:0, then metrics_render read back.
 *
 *   - two jobs over three workers (run_plan.worker_jobs): each job's counters (operations,
 *     bytes, errors) and its histogram's _count, _sum and +Inf bucket equal the sum of its
 *     workers' totals in the run_result exactly; a worker left out (a NULL entry) is in none;
 *   - the phase: setup while the workers initialise, ramp during a ramp, run, done at the end;
 *   - a worker that blocks with an operation in flight: while it is blocked, the render shows
 *     pvcbench_oldest_inflight_seconds > 0 and pvcbench_stalled 1 (the worker itself reads the
 *     render until it sees both, bounded); after the run the stall is counted and nothing is
 *     left in flight.
 * No timing assertion: the waits are bounded and only their outcome is checked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pvcbench/clock.h"
#include "pvcbench/metrics.h"
#include "pvcbench/runner.h"

#define WAIT_LIMIT_NS (20ull * 1000000000ull) /* a bound, never an expectation */

/* The value text of the sample whose line is "prefix value", or NULL. */
static const char *sample(const char *text, const char *prefix, char *out, size_t size)
{
	size_t n = strlen(prefix);

	for (const char *line = text; line && *line;) {
		if (!strncmp(line, prefix, n) && line[n] == ' ') {
			snprintf(out, size, "%.*s", (int)strcspn(line + n + 1, "\n"), line + n + 1);
			return out;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

static char *render(void)
{
	size_t len = 0;
	char *text = metrics_render(&len);

	return text;
}

/* The sample's value as a double, or -1 when it is missing. */
static double sample_double(const char *text, const char *prefix)
{
	char v[64];

	return sample(text, prefix, v, sizeof(v)) ? strtod(v, NULL) : -1;
}

static void expect_u64(const char *text, const char *prefix, uint64_t want)
{
	char v[64], w[32];

	if (!sample(text, prefix, v, sizeof(v)))
		fail_msg("no sample %s in:\n%s", prefix, text);
	snprintf(w, sizeof(w), "%" PRIu64, want);
	if (strcmp(v, w))
		fail_msg("%s = %s, the run's result has %s", prefix, v, w);
}

/* A _sum in seconds, read back as whole nanoseconds (it is printed exactly). */
static void expect_sum_ns(const char *text, const char *prefix, uint64_t want_ns)
{
	char v[64];

	if (!sample(text, prefix, v, sizeof(v)))
		fail_msg("no sample %s", prefix);
	char *dot = strchr(v, '.');
	uint64_t ns = strtoull(v, NULL, 10) * 1000000000ull;
	if (dot) {
		char frac[10] = "000000000";
		size_t n = strlen(dot + 1);
		memcpy(frac, dot + 1, n < 9 ? n : 9);
		ns += strtoull(frac, NULL, 10);
	}
	if (ns != want_ns)
		fail_msg("%s = %s, the run's result has %" PRIu64 " ns", prefix, v, want_ns);
}

static void start_metrics(const char *workload)
{
	struct metrics_config cfg = { .linger_ns = 0 };
	char err[256] = "";

	snprintf(cfg.listen, sizeof(cfg.listen), "127.0.0.1:0");
	if (metrics_start(&cfg, workload, err, sizeof(err)))
		fail_msg("metrics_start: %s", err);
	assert_true(metrics_on());
}

/* ---- two jobs, exact totals ---- */

struct counting {
	unsigned id;
	uint64_t n;	/* operations to record */
	bool saw_setup; /* the phase was setup while the worker initialised */
};

static bool phase_is(const char *text, const char *workload, const char *phase)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "pvcbench_phase{workload=\"%s\",phase=\"%s\"}", workload,
		 phase);
	return sample_double(text, prefix) == 1;
}

static int counting_init(struct worker *w)
{
	struct counting *c = worker_arg(w);
	char *text = render();

	c->saw_setup = text && phase_is(text, "fake", "setup");
	free(text);
	return 0;
}

static int counting_run(struct worker *w)
{
	struct counting *c = worker_arg(w);

	for (uint64_t k = 0; k < c->n; k++) {
		unsigned op = (unsigned)(k % 3 == 0);
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			break;
		if (k % 17 == 5)
			worker_record_error(w, op);
		else
			worker_record(w, op, 1000 + 977 * (k % 1000) + c->id * 31, 512u << c->id);
		/* now and then a short pause, so that several intervals close while running */
		if (k % 2000 == 1999) {
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
	}
	return 0;
}

static void test_two_jobs_exact(void **state)
{
	struct counting c[4] = {
		{ 0, 20000, false }, { 1, 13000, false }, { 2, 7001, false }, { 3, 5000, false }
	};
	struct worker_spec specs[4];
	const char *jobs[4] = { "alpha", "beta", "alpha", NULL };
	struct run_result res;

	(void)state;
	for (unsigned i = 0; i < 4; i++)
		specs[i] = (struct worker_spec){ .cpu = -1, .numa_node = -1, .arg = &c[i] };
	struct run_plan plan = {
		.nworkers = 4,
		.nops = 2,
		.op_names = { "read", "write" },
		.specs = specs,
		.interval_ns = 5000000, /* 5 ms: totals are published many times over */
		.progress_out = stderr,
		.stall_quiet = true,
		.worker_init = counting_init,
		.worker_run = counting_run,
		.worker_jobs = jobs,
	};

	start_metrics("fake");
	assert_int_equal(runner_run(&plan, &res), 0);
	char *text = render();
	assert_non_null(text);
	for (unsigned i = 0; i < 4; i++)
		assert_true(c[i].saw_setup);
	assert_true(phase_is(text, "fake", "done"));

	static const char *const names[] = { "alpha", "beta" };
	for (unsigned j = 0; j < 2; j++) {
		for (unsigned k = 0; k < 2; k++) {
			struct op_stats sum = { 0 };
			hist_init(&sum.lat);
			for (unsigned i = 0; i < 4; i++) {
				if (!jobs[i] || strcmp(jobs[i], names[j]))
					continue;
				sum.ops += res.workers[i].op[k].ops;
				sum.bytes += res.workers[i].op[k].bytes;
				sum.errors += res.workers[i].op[k].errors;
				hist_merge(&sum.lat, &res.workers[i].op[k].lat);
			}
			assert_true(sum.ops > 0);
			assert_true(sum.errors > 0);
			char labels[128], prefix[192];
			snprintf(labels, sizeof(labels), "{workload=\"fake\",job=\"%s\",op=\"%s\"}",
				 names[j], plan.op_names[k]);
			snprintf(prefix, sizeof(prefix), "pvcbench_operations_total%s", labels);
			expect_u64(text, prefix, sum.ops);
			snprintf(prefix, sizeof(prefix), "pvcbench_bytes_total%s", labels);
			expect_u64(text, prefix, sum.bytes);
			snprintf(prefix, sizeof(prefix), "pvcbench_errors_total%s", labels);
			expect_u64(text, prefix, sum.errors);
			snprintf(prefix, sizeof(prefix), "pvcbench_latency_seconds_count%s",
				 labels);
			expect_u64(text, prefix, sum.lat.count);
			snprintf(prefix, sizeof(prefix), "pvcbench_latency_seconds_sum%s", labels);
			expect_sum_ns(text, prefix, sum.lat.sum);
			snprintf(
				prefix, sizeof(prefix),
				"pvcbench_latency_seconds_bucket{workload=\"fake\",job=\"%s\",op=\"%s\","
				"le=\"+Inf\"}",
				names[j], plan.op_names[k]);
			expect_u64(text, prefix, sum.lat.count);
		}
	}
	/* the worker left out is in no job: only alpha and beta are there */
	assert_null(strstr(text, "job=\"default\""));
	assert_null(strstr(text, "job=\"(null)\""));
	free(text);
	run_result_free(&res);
	metrics_stop();
	assert_false(metrics_on());
}

/* ---- a worker blocked with an operation in flight ---- */

struct blocker {
	bool blocks; /* this worker blocks; the other completes operations until told to stop */
	atomic_bool *released;
	bool saw_ramp, saw_inflight, saw_stalled, saw_run;
	double inflight_seen;
};

static int blocker_run(struct worker *w)
{
	struct blocker *b = worker_arg(w);
	uint64_t deadline = clock_now_ns() + WAIT_LIMIT_NS;

	/* the ramp: the phase says so (the worker waits, bounded, until it is measured) */
	while (!worker_measuring(w)) {
		char *text = render();
		if (text && phase_is(text, "fake", "ramp"))
			b->saw_ramp = true;
		free(text);
		if (!worker_tick(w, clock_now_ns()))
			return 0;
		usleep(5000);
	}
	for (unsigned k = 0; k < 50; k++) {
		if (!worker_tick(w, clock_now_ns()))
			return 0;
		worker_record(w, 0, 2000, 4096);
	}
	if (!b->blocks) {
		/* nothing more completes here either, so the job (both workers) stalls */
		while (!atomic_load(b->released) && clock_now_ns() < deadline)
			usleep(2000);
	} else {
		/* an operation goes out and does not come back until the test has seen it */
		worker_set_inflight_since(w, clock_now_ns());
		while (clock_now_ns() < deadline && !(b->saw_inflight && b->saw_stalled)) {
			char *text = render();
			if (text) {
				const char *job = "{workload=\"fake\",job=\"blocking\"}";
				char prefix[128];
				snprintf(prefix, sizeof(prefix),
					 "pvcbench_oldest_inflight_seconds%s", job);
				double age = sample_double(text, prefix);
				if (age > 0) {
					b->saw_inflight = true;
					b->inflight_seen = age;
				}
				snprintf(prefix, sizeof(prefix), "pvcbench_stalled%s", job);
				if (sample_double(text, prefix) == 1)
					b->saw_stalled = true;
				b->saw_run |= phase_is(text, "fake", "run");
			}
			free(text);
			usleep(10000);
		}
		/* it completes; then the other worker may end */
		worker_set_inflight_since(w, 0);
		uint64_t now = clock_now_ns();
		worker_record(w, 0, 3000, 4096);
		worker_tick(w, now);
		atomic_store(b->released, true);
	}
	return 0;
}

static void test_blocked_in_flight(void **state)
{
	atomic_bool released = false;
	struct blocker b[2] = { { .blocks = true, .released = &released },
				{ .blocks = false, .released = &released } };
	struct worker_spec specs[2];
	struct run_result res;

	(void)state;
	for (unsigned i = 0; i < 2; i++)
		specs[i] = (struct worker_spec){ .ramp_ns = 300000000, /* 0.3 s */
						 .cpu = -1,
						 .numa_node = -1,
						 .arg = &b[i] };
	struct run_plan plan = {
		.nworkers = 2,
		.nops = 1,
		.op_names = { "write" },
		.specs = specs,
		.interval_ns = 100000000,
		.progress_out = stderr,
		.progress_label = "blocking",
		.stall_threshold_ns = 200000000, /* 0.2 s */
		.stall_quiet = true,
		.worker_run = blocker_run,
	};

	start_metrics("fake");
	assert_int_equal(runner_run(&plan, &res), 0);
	assert_true(b[0].saw_ramp || b[1].saw_ramp);
	assert_true(b[0].saw_inflight);
	assert_true(b[0].inflight_seen > 0);
	assert_true(b[0].saw_stalled);
	assert_true(b[0].saw_run);
	char *text = render();
	assert_non_null(text);
	const char *job = "{workload=\"fake\",job=\"blocking\"}";
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "pvcbench_oldest_inflight_seconds%s", job);
	assert_true(sample_double(text, prefix) == 0);
	snprintf(prefix, sizeof(prefix), "pvcbench_stalled%s", job);
	assert_true(sample_double(text, prefix) == 0);
	snprintf(prefix, sizeof(prefix), "pvcbench_stalls_total%s", job);
	assert_true(sample_double(text, prefix) >= 1);
	/* the run's own outage windows saw the stall as well */
	assert_true(res.stalls.n >= 1);
	snprintf(prefix, sizeof(prefix),
		 "pvcbench_operations_total{workload=\"fake\",job=\"blocking\",op=\"write\"}");
	expect_u64(text, prefix, res.workers[0].op[0].ops + res.workers[1].op[0].ops);
	free(text);
	run_result_free(&res);
	metrics_stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_jobs_exact),
		cmocka_unit_test(test_blocked_in_flight),
	};
	static const char *const constant[] = { "PVCBENCH_POD",		  "POD_NAME",
						"PVCBENCH_NODE",	  "NODE_NAME",
						"PVCBENCH_NAMESPACE",	  "POD_NAMESPACE",
						"PVCBENCH_STORAGE_CLASS", "STORAGE_CLASS" };

#ifndef PVC_HAVE_MICROHTTPD
	/* the endpoint is what turns metrics on here: without it nothing can be checked */
	fprintf(stderr, "built without libmicrohttpd: the live metrics cannot be turned on\n");
	return getenv("CI") && !strcmp(getenv("CI"), "true") ? 1 : 77;
#endif
	/* the labels would carry them: the prefixes above have none */
	for (size_t i = 0; i < sizeof(constant) / sizeof(constant[0]); i++)
		unsetenv(constant[i]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
