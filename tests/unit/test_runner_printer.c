/*
 * test_runner_printer.c - the workloads' progress lines (on_interval) and the status line go out
 * through the runner's printer thread (src/core/printer.c), never from the reporter itself.
 *
 * The outputs are pipes. One nobody reads must not stall the run: the reporter would block on
 * it, the workers' slot rings would fill and the workers would stop recording. One that is read
 * must get every line, in order, before runner_run returns; one read late gets the lines in
 * order with a note counting those dropped, and the lines and the notes add up.
 *
 * A watchdog drains a stuck pipe after a while, so a runner that blocks on it fails the test
 * instead of hanging it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
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
#include "pvcbench/runner.h"
#include "pvcbench/signals.h"

#define MS 1000000ULL
#define TEST_WORKERS 3

struct test_worker {
	uint64_t ops_to_do;
	uint64_t ops; /* recorded while measuring, counted by the worker */
};

struct test_lines {
	size_t pad;		/* each interval's line is padded to this many bytes */
	bool two_lines;		/* two lines per interval */
	atomic_ulong calls;	/* on_interval calls */
	atomic_ulong last_seen; /* the reporter's last call, ns: it was not blocked */
};

static void test_sleep_us(unsigned us)
{
	struct timespec ts = { 0, (long)us * 1000 };

	nanosleep(&ts, NULL);
}

static int test_init(struct worker *w)
{
	worker_set_state(w, worker_arg(w));
	return 0;
}

static int test_run(struct worker *w)
{
	struct test_worker *t = worker_state(w);
	uint64_t start = clock_now_ns();

	for (uint64_t i = 0; i < t->ops_to_do; i++) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now) || now - start > 20000 * MS)
			return 0;
		if (worker_measuring(w))
			t->ops++;
		worker_record(w, 0, 1000, 4096);
		test_sleep_us(50);
	}
	return 0;
}

/* "interval <n> ops <ops>", padded with dots to l->pad bytes, one line or two. */
static void test_on_interval(void *arg, const struct series_point *pt, const struct op_stats *ops,
			     bool last, char *line, size_t size)
{
	struct test_lines *l = arg;
	unsigned long n = atomic_fetch_add(&l->calls, 1);
	int len = snprintf(line, size, "interval %lu ops %llu ", n, (unsigned long long)ops[0].ops);

	while ((size_t)len + 1 < l->pad && (size_t)len + 2 < size)
		line[len++] = '.';
	line[len++] = '\n';
	line[len] = '\0';
	if (l->two_lines)
		snprintf(line + len, size - (size_t)len, "interval %lu second\n", n);
	atomic_store(&l->last_seen, clock_now_ns());
}

struct test_run {
	struct test_worker workers[TEST_WORKERS];
	struct worker_spec specs[TEST_WORKERS];
	struct test_lines lines;
	struct run_plan plan;
	struct run_result result;
	int ret;
	uint64_t elapsed_ns;
};

static void test_plan(struct test_run *r, FILE *out, uint64_t ops_to_do, uint64_t interval_ns)
{
	memset(r, 0, sizeof(*r));
	for (unsigned i = 0; i < TEST_WORKERS; i++) {
		r->workers[i].ops_to_do = ops_to_do;
		r->specs[i] =
			(struct worker_spec){ .cpu = -1, .numa_node = -1, .arg = &r->workers[i] };
	}
	r->plan = (struct run_plan){
		.nworkers = TEST_WORKERS,
		.nops = 1,
		.op_names = { "read" },
		.specs = r->specs,
		.interval_ns = interval_ns,
		.progress_out = stderr,
		.worker_init = test_init,
		.worker_run = test_run,
		.on_interval = test_on_interval,
		.on_interval_arg = &r->lines,
		.interval_out = out,
	};
}

static void test_go(struct test_run *r)
{
	uint64_t start = clock_now_ns();

	atomic_store(&signals_stop_flag, 0);
	r->ret = runner_run(&r->plan, &r->result);
	r->elapsed_ns = clock_now_ns() - start;
}

/* Every operation is in the totals and in the series, and on_interval saw every point. */
static void test_check_counts(const struct test_run *r)
{
	const struct run_result *res = &r->result;
	uint64_t series = 0, total = 0;

	assert_non_null(res->workers);
	for (unsigned i = 0; i < TEST_WORKERS; i++) {
		assert_int_equal(r->workers[i].ops, r->workers[i].ops_to_do);
		assert_int_equal(res->workers[i].op[0].ops, r->workers[i].ops);
		total += r->workers[i].ops;
	}
	for (size_t p = 0; p < res->npoints; p++)
		series += res->points[p].op[0].ops;
	assert_int_equal(series, total);
	assert_int_equal(atomic_load(&r->lines.calls), res->npoints);
}

/* Reads a pipe into a buffer until end of file, or until told to stop. */
struct test_reader {
	int fd;
	unsigned start_after_ms; /* read nothing before then */
	unsigned stop_after_ms;	 /* 0: read to end of file */
	atomic_bool stop;
	atomic_bool read_something;
	char *buf;
	size_t len, cap;
	pthread_t thread;
};

static void *test_reader_main(void *arg)
{
	struct test_reader *rd = arg;
	uint64_t start = clock_now_ns();
	char chunk[4096];

	while (clock_now_ns() - start < rd->start_after_ms * MS && !atomic_load(&rd->stop))
		test_sleep_us(5000);
	while (!atomic_load(&rd->stop)) {
		ssize_t n = read(rd->fd, chunk, sizeof(chunk));
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EAGAIN) {
				test_sleep_us(2000);
				continue;
			}
			if (errno == EINTR)
				continue;
			break;
		}
		atomic_store(&rd->read_something, true);
		if (rd->len + (size_t)n + 1 > rd->cap) {
			rd->cap = 2 * (rd->len + (size_t)n + 1);
			rd->buf = realloc(rd->buf, rd->cap);
			assert_non_null(rd->buf);
		}
		memcpy(rd->buf + rd->len, chunk, (size_t)n);
		rd->len += (size_t)n;
		rd->buf[rd->len] = '\0';
	}
	return NULL;
}

static void test_reader_start(struct test_reader *rd, int fd, unsigned start_after_ms)
{
	memset(rd, 0, sizeof(*rd));
	rd->fd = fd;
	rd->start_after_ms = start_after_ms;
	assert_int_equal(pthread_create(&rd->thread, NULL, test_reader_main, rd), 0);
}

/*
 * The lines read, checked: each "interval <n>" line whole and in order (both lines of an
 * interval with two_lines), the notes "pvcbench: <k> progress line(s) dropped" counted, and the
 * status lines (when shared) whole. Returns how many intervals came out; *dropped the notes' sum.
 */
static unsigned long test_parse(const char *text, const struct test_lines *l, uint64_t *dropped)
{
	unsigned long next = 0, seen = 0;
	bool want_second = false;
	const char *s = text;

	*dropped = 0;
	while (*s) {
		const char *nl = strchr(s, '\n');
		if (!nl)
			fail_msg("a line without its newline: \"%.80s\"", s);
		size_t len = (size_t)(nl - s);
		unsigned long n;
		unsigned long long k;
		if (want_second) {
			char expect[64];
			snprintf(expect, sizeof(expect), "interval %lu second", next - 1);
			if (len != strlen(expect) || memcmp(s, expect, len))
				fail_msg("expected \"%s\", got \"%.*s\"", expect, (int)len, s);
			want_second = false;
		} else if (sscanf(s, "interval %lu ops %llu ", &n, &k) == 2) {
			if (n < next)
				fail_msg("interval %lu after interval %lu", n, next - 1);
			if (l->pad && len + 1 != l->pad)
				fail_msg("interval %lu: %zu bytes, written %zu", n, len + 1,
					 l->pad);
			next = n + 1;
			seen++;
			want_second = l->two_lines;
		} else if (sscanf(s, "pvcbench: %llu progress line(s) dropped", &k) == 1) {
			*dropped += k;
		} else if (!strncmp(s, "Jobs: ", 6)) {
			if (!strstr(s, " IOPS][eta ") || nl[-1] != ']')
				fail_msg("a status line cut: \"%.*s\"", (int)len, s);
		} else {
			fail_msg("unexpected line \"%.*s\"", (int)len, s);
		}
		s = nl + 1;
	}
	assert_false(want_second);
	return seen;
}

/* Drains the pipe of a run that blocks on it, so that the run ends and the test can fail. */
struct test_watchdog {
	int fd;
	unsigned after_ms;
	atomic_bool stop, rescued;
	pthread_t thread;
};

static void *test_watchdog_main(void *arg)
{
	struct test_watchdog *wd = arg;
	uint64_t start = clock_now_ns();
	char chunk[4096];

	while (!atomic_load(&wd->stop)) {
		if (clock_now_ns() - start < wd->after_ms * MS) {
			test_sleep_us(10000);
			continue;
		}
		atomic_store(&wd->rescued, true);
		if (read(wd->fd, chunk, sizeof(chunk)) <= 0)
			test_sleep_us(1000);
	}
	return NULL;
}

/* An interval_out nobody reads: the reporter and the workers go on, the run ends in time. */
static void test_unread_pipe(void **state)
{
	struct test_run *r = calloc(1, sizeof(*r));
	struct test_watchdog wd;
	int fds[2];

	assert_non_null(r);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(pipe(fds), 0);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	FILE *out = fdopen(fds[1], "w");
	assert_non_null(out);
	/* 1 ms intervals for ~300 ms with 1000-byte lines: ~300 KB, far past a pipe's 64 KiB */
	test_plan(r, out, 3000, 1 * MS);
	r->lines.pad = 1000;
	memset(&wd, 0, sizeof(wd));
	wd.fd = fds[0];
	wd.after_ms = 8000;
	assert_int_equal(pthread_create(&wd.thread, NULL, test_watchdog_main, &wd), 0);

	test_go(r);
	bool rescued = atomic_load(&wd.rescued);
	uint64_t reporter_last = atomic_load(&r->lines.last_seen);
	/* the pipe is closed under the printer left behind, which then ends and frees itself */
	atomic_store(&wd.stop, true);
	pthread_join(wd.thread, NULL);
	close(fds[0]);

	if (rescued)
		fail_msg("the run waited for its unread output (%llu ms): the watchdog drained it",
			 (unsigned long long)(r->elapsed_ns / MS));
	assert_int_equal(r->ret, 0);
	test_check_counts(r);
	/* enough intervals that the lines overflowed the pipe and the queue */
	assert_true(r->result.npoints > 150);
	/* the printer was given up on within its bound, after the reporter's last interval */
	assert_true(r->elapsed_ns < 6000 * MS);
	assert_true(reporter_last > 0);
	run_result_free(&r->result);
	free(r);
	/* out stays open: the printer left behind may still hold it */
}

/* A pipe read as the run goes: every line, in order, before runner_run returns. */
static void test_lines_in_order(void **state)
{
	struct test_run *r = calloc(1, sizeof(*r));
	struct test_reader rd;
	int fds[2];
	uint64_t dropped;

	assert_non_null(r);
	assert_int_equal(pipe(fds), 0);
	FILE *out = fdopen(fds[1], "w");
	assert_non_null(out);
	test_reader_start(&rd, fds[0], 0);
	test_plan(r, out, 2000, 1 * MS);
	r->lines.two_lines = true;
	/* the status line shares the output: it must never cut an interval's lines */
	r->plan.progress = true;
	r->plan.progress_out = out;
	test_go(r);
	/* every line was written before runner_run returned: closing now loses nothing */
	fclose(out);
	pthread_join(rd.thread, NULL);
	close(fds[0]);

	assert_int_equal(r->ret, 0);
	test_check_counts(r);
	assert_true(r->result.npoints > 50);
	assert_non_null(rd.buf);
	assert_int_equal(test_parse(rd.buf, &r->lines, &dropped), r->result.npoints);
	assert_int_equal(dropped, 0);
	/* the status line came out too, through the same printer */
	assert_non_null(strstr(rd.buf, "Jobs: "));
	free(rd.buf);
	run_result_free(&r->result);
	free(r);
}

/* A pipe read late: lines are dropped, counted in notes, and the rest come out in order. */
static void test_lines_dropped_and_counted(void **state)
{
	struct test_run *r = calloc(1, sizeof(*r));
	struct test_reader rd;
	int fds[2];
	uint64_t dropped;

	assert_non_null(r);
	assert_int_equal(pipe(fds), 0);
	FILE *out = fdopen(fds[1], "w");
	assert_non_null(out);
	/* reads nothing for 700 ms, while ~300 KB of lines are written in ~300 ms */
	test_reader_start(&rd, fds[0], 700);
	test_plan(r, out, 3000, 1 * MS);
	r->lines.pad = 1000;
	test_go(r);
	fclose(out);
	pthread_join(rd.thread, NULL);
	close(fds[0]);

	assert_int_equal(r->ret, 0);
	test_check_counts(r);
	assert_non_null(rd.buf);
	unsigned long seen = test_parse(rd.buf, &r->lines, &dropped);
	/* otherwise this test proves nothing */
	assert_true(dropped > 0);
	assert_true(seen > 0);
	if (seen + dropped != r->result.npoints)
		fail_msg("%lu lines written and %llu dropped, for %zu intervals", seen,
			 (unsigned long long)dropped, r->result.npoints);
	free(rd.buf);
	run_result_free(&r->result);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_in_order),
		cmocka_unit_test(test_lines_dropped_and_counted),
		cmocka_unit_test(test_unread_pipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
