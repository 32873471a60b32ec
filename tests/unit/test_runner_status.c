/*
 * test_runner_status.c - run_plan.on_status (fio's --status-interval): the reporter calls it
 * every status_every intervals with each worker's totals so far and the snapshot of the
 * workload's own figures that the worker took at the end of the same intervals.
 *
 * The fake workers count, in their own state, every operation they record while measuring; the
 * snapshot is that count. In every call the snapshot of each worker must equal the core's
 * totals for it exactly: the two come from the same intervals, whatever the timing. One worker
 * stops early by itself, so its last snapshot is the one it took when it stopped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pvcbench/clock.h"
#include "pvcbench/runner.h"
#include "pvcbench/signals.h"

#define MS 1000000ULL
#define NWORKERS 2
#define MAX_CALLS 1000
/* the fake workers give up after this long, whatever the runner says */
#define GIVE_UP_NS (10000 * MS)

struct fake {
	uint64_t ops_to_do; /* stop by itself after this many measured operations; 0 = never */
	uint64_t measured;  /* operations recorded while measuring: the workload's own figure */
	bool gave_up;
};

struct snap {
	uint64_t measured;
	uint64_t magic;
};

struct calls {
	unsigned n;
	unsigned count_wrong; /* a call whose count is not the next */
	unsigned mismatches;  /* a worker whose snapshot and totals disagree */
	unsigned runtime_wrong;
	uint64_t snap_ops[MAX_CALLS][NWORKERS], total_ops[MAX_CALLS][NWORKERS];
	bool had_snap[MAX_CALLS][NWORKERS];
	uint64_t runtime_ns[MAX_CALLS][NWORKERS];
	uint64_t cpu_ns[MAX_CALLS][NWORKERS];
};

static int fake_init(struct worker *w)
{
	worker_set_state(w, worker_arg(w));
	return 0;
}

static int fake_run(struct worker *w)
{
	struct fake *f = worker_state(w);
	uint64_t start = clock_now_ns();

	for (;;) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			return 0;
		if (now - start > GIVE_UP_NS) {
			f->gave_up = true;
			return 0;
		}
		if (f->ops_to_do && f->measured == f->ops_to_do)
			return 0;
		worker_record(w, 0, 1000, 4096);
		if (worker_measuring(w))
			f->measured++;
		/* a few operations per millisecond: many per interval, no busy machine */
		if (f->measured % 16 == 0) {
			struct timespec ts = { 0, 50000 };
			nanosleep(&ts, NULL);
		}
	}
}

static void fake_snapshot(struct worker *w, void *into)
{
	const struct fake *f = worker_state(w);
	struct snap s = { .measured = f->measured, .magic = 0x5ea1 };

	memcpy(into, &s, sizeof(s));
}

static void on_status(void *arg, const struct run_status *st)
{
	struct calls *c = arg;

	if (c->n == MAX_CALLS)
		return;
	if (st->count != c->n + 1 || st->run.nworkers != NWORKERS || st->run.points)
		c->count_wrong++;
	for (unsigned i = 0; i < st->run.nworkers && i < NWORKERS; i++) {
		const struct snap *s = st->snapshots[i];
		const struct worker_result *wr = &st->run.workers[i];
		c->total_ops[c->n][i] = wr->op[0].ops;
		c->runtime_ns[c->n][i] = wr->runtime_ns;
		c->cpu_ns[c->n][i] = wr->cpu_usr_ns + wr->cpu_sys_ns;
		if (!s) {
			/* no snapshot yet: then nothing was consumed of the worker either */
			if (wr->op[0].ops)
				c->mismatches++;
			continue;
		}
		c->had_snap[c->n][i] = true;
		c->snap_ops[c->n][i] = s->measured;
		if (s->magic != 0x5ea1 || s->measured != wr->op[0].ops)
			c->mismatches++;
		if (wr->op[0].ops && !wr->runtime_ns)
			c->runtime_wrong++;
	}
	c->n++;
}

static void run(struct fake *fakes, struct calls *calls, uint64_t runtime_ns, unsigned every,
		struct run_result *res)
{
	struct worker_spec specs[NWORKERS];

	for (unsigned i = 0; i < NWORKERS; i++)
		specs[i] = (struct worker_spec){ .ramp_ns = 10 * MS,
						 .runtime_ns = runtime_ns,
						 .cpu = -1,
						 .numa_node = -1,
						 .arg = &fakes[i] };
	struct run_plan plan = {
		.nworkers = NWORKERS,
		.nops = 1,
		.op_names = { "read" },
		.specs = specs,
		.interval_ns = 10 * MS,
		.worker_init = fake_init,
		.worker_run = fake_run,
		.status_every = every,
		.snapshot_size = sizeof(struct snap),
		.worker_snapshot = fake_snapshot,
		.on_status = on_status,
		.on_status_arg = calls,
	};
	atomic_store(&signals_stop_flag, 0);
	assert_int_equal(runner_run(&plan, res), 0);
}

static void test_snapshot_matches_totals(void **state)
{
	static struct fake fakes[NWORKERS];
	static struct calls calls;
	struct run_result res;

	(void)state;
	memset(fakes, 0, sizeof(fakes));
	memset(&calls, 0, sizeof(calls));
	fakes[1].ops_to_do = 500; /* stops early: its last snapshot is from its stop */
	run(fakes, &calls, 300 * MS, 3, &res);
	for (unsigned i = 0; i < NWORKERS; i++) {
		assert_false(fakes[i].gave_up);
		/* the end's totals are the workload's own count too */
		assert_int_equal(res.workers[i].op[0].ops, fakes[i].measured);
	}
	/* 30 intervals, a call every 3 but after the last: at least the first few */
	assert_true(calls.n >= 1);
	assert_int_equal(calls.count_wrong, 0);
	assert_int_equal(calls.mismatches, 0);
	assert_int_equal(calls.runtime_wrong, 0);
	for (unsigned k = 1; k < calls.n; k++)
		for (unsigned i = 0; i < NWORKERS; i++) {
			/* the run so far only grows, and never past the end's totals */
			assert_true(calls.total_ops[k][i] >= calls.total_ops[k - 1][i]);
			assert_true(calls.runtime_ns[k][i] >= calls.runtime_ns[k - 1][i]);
			assert_true(calls.cpu_ns[k][i] >= calls.cpu_ns[k - 1][i]);
			assert_true(calls.total_ops[k][i] <= res.workers[i].op[0].ops);
		}
	/* the early worker, once drained, shows its whole count in the later calls */
	unsigned last = calls.n - 1;
	if (calls.had_snap[last][1] && calls.total_ops[last][1] == 500)
		assert_int_equal(calls.snap_ops[last][1], 500);
	run_result_free(&res);
}

static void test_no_status_without_every(void **state)
{
	static struct fake fakes[NWORKERS];
	static struct calls calls;
	struct run_result res;

	(void)state;
	memset(fakes, 0, sizeof(fakes));
	memset(&calls, 0, sizeof(calls));
	run(fakes, &calls, 60 * MS, 0, &res);
	assert_int_equal(calls.n, 0);
	for (unsigned i = 0; i < NWORKERS; i++)
		assert_int_equal(res.workers[i].op[0].ops, fakes[i].measured);
	run_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_matches_totals),
		cmocka_unit_test(test_no_status_without_every),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
