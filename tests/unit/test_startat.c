/*
 * test_startat.c - --start-at: the TIME parser against instants worked out independently
 * (Python's calendar.timegm), its refusals, taking the flag out of argv (and the environment
 * variable), and the wait: a past time at once, a near time no earlier than it, a stop request
 * ending the wait.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pvcbench/signals.h"
#include "pvcbench/startat.h"

#define NOV_25_2026_18H 1795629600LL /* 2026-11-25T18:00:00Z */

static void expect_time(const char *text, long long sec, long nsec)
{
	struct timespec t = { 0, 0 };

	if (startat_parse(text, &t))
		fail_msg("%s: refused", text);
	if ((long long)t.tv_sec != sec || t.tv_nsec != nsec)
		fail_msg("%s: %lld.%09ld, want %lld.%09ld", text, (long long)t.tv_sec, t.tv_nsec,
			 sec, nsec);
}

static void expect_refused(const char *text, int want)
{
	struct timespec t;
	int ret = startat_parse(text, &t);

	if (ret != want)
		fail_msg("'%s': %d, want %d", text ? text : "(null)", ret, want);
}

static void test_rfc3339(void **state)
{
	expect_time("2026-11-25T18:00:00Z", NOV_25_2026_18H, 0);
	expect_time("2026-11-25t18:00:00z", NOV_25_2026_18H, 0);
	expect_time("2026-11-25 18:00:00Z", NOV_25_2026_18H, 0);
	expect_time("2026-11-25T18:00:00.5Z", NOV_25_2026_18H, 500000000);
	expect_time("2026-11-25T18:00:00.123456789Z", NOV_25_2026_18H, 123456789);
	/* digits past nanoseconds are dropped, not rounded */
	expect_time("2026-11-25T18:00:00.1234567899Z", NOV_25_2026_18H, 123456789);
	expect_time("1970-01-01T00:00:00Z", 0, 0);
	expect_time("2000-03-01T00:00:00Z", 951868800, 0);
	expect_time("2028-02-29T12:00:00Z", 1835438400, 0);
	expect_time("9999-12-31T23:59:59Z", 253402300799LL, 0);
	/* a leap second is the next minute's first second to a POSIX clock */
	expect_time("2016-12-31T23:59:60Z", 1483228800, 0);
}

static void test_offsets(void **state)
{
	expect_time("2026-11-25T20:00:00+02:00", NOV_25_2026_18H, 0);
	expect_time("2026-11-25T12:30:00-05:30", NOV_25_2026_18H, 0);
	expect_time("2026-11-25T18:00:00+00:00", NOV_25_2026_18H, 0);
	expect_time("2026-11-25T18:00:00-00:00", NOV_25_2026_18H, 0);
	/* the offset crosses the date line */
	expect_time("2026-11-26T03:00:00.25+09:00", NOV_25_2026_18H, 250000000);
}

static void test_unix_seconds(void **state)
{
	expect_time("@1795629600", NOV_25_2026_18H, 0);
	expect_time("@1795629600.75", NOV_25_2026_18H, 750000000);
	expect_time("@0", 0, 0);
	expect_refused("@253402300800", -ERANGE);
	expect_refused("@99999999999999999999999", -ERANGE);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"now",
		"tomorrow",
		"18:00:00",
		"2026-11-25",
		"2026-11-25T18:00:00",	  /* no offset: RFC 3339 has no local times */
		"2026-11-25T18:00Z",	  /* seconds required */
		"2026-11-25T18:00:00+02", /* offset without minutes */
		"2026-11-25T18:00:00+2:00",
		"2026-11-25T18:00:00+24:00",
		"2026-11-25T18:00:00+02:60",
		"2026-11-25T18:00:00.Z",
		"2026-11-25T18:00:00Z ",
		" 2026-11-25T18:00:00Z",
		"2026-11-25T18:00:00ZZ",
		"2026-11-25X18:00:00Z",
		"2026-1-25T18:00:00Z",
		"26-11-25T18:00:00Z",
		"2026-00-25T18:00:00Z",
		"2026-13-25T18:00:00Z",
		"2026-11-00T18:00:00Z",
		"2026-11-31T18:00:00Z",
		"2026-02-29T18:00:00Z", /* not a leap year */
		"2100-02-29T18:00:00Z", /* nor is 2100 */
		"2026-11-25T24:00:00Z",
		"2026-11-25T18:60:00Z",
		"2026-11-25T18:00:61Z",
		"@",
		"@-1",
		"@+1",
		"@12a",
		"@1.",
		"@1.5s",
		"@ 1",
		"1795629600",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_refused(bad[i], -EINVAL);
	expect_refused(NULL, -EINVAL);
}

static void test_format(void **state)
{
	struct timespec t = { NOV_25_2026_18H, 0 };
	char buf[64];

	assert_string_equal(startat_format(buf, sizeof(buf), &t), "2026-11-25T18:00:00Z");
	t.tv_nsec = 250000000;
	assert_string_equal(startat_format(buf, sizeof(buf), &t), "2026-11-25T18:00:00.25Z");
	t.tv_nsec = 1;
	assert_string_equal(startat_format(buf, sizeof(buf), &t), "2026-11-25T18:00:00.000000001Z");
}

/* Runs startat_take over a copy of args (NULL-terminated); returns its result. */
static int take(const char *const *args, int *argc, char **argv, struct timespec *when, bool *set,
		char *err)
{
	int n = 0;

	while (args[n]) {
		argv[n] = (char *)args[n];
		n++;
	}
	argv[n] = NULL;
	*argc = n;
	return startat_take(argc, argv, when, set, err, 512);
}

static void test_take_flag(void **state)
{
	const char *const args[] = { "pvcbench",   "fio",  "--start-at=@100", "--name=x",
				     "--start-at", "@200", "--size=1M",	      NULL };
	char *argv[16], err[512];
	struct timespec when;
	bool set;
	int argc;

	unsetenv(STARTAT_ENV);
	assert_int_equal(take(args, &argc, argv, &when, &set, err), 0);
	assert_true(set);
	assert_int_equal(when.tv_sec, 200); /* the last one wins */
	assert_int_equal(argc, 4);
	assert_string_equal(argv[1], "fio");
	assert_string_equal(argv[2], "--name=x");
	assert_string_equal(argv[3], "--size=1M");
	assert_null(argv[4]);
}

static void test_take_none(void **state)
{
	const char *const args[] = { "pvcbench", "pgbench", "-c", "4", "--start-atx=1", NULL };
	const char *const after_dashes[] = { "pvcbench", "fio", "--", "--start-at=@5", NULL };
	char *argv[16], err[512];
	struct timespec when;
	bool set = true;
	int argc;

	unsetenv(STARTAT_ENV);
	assert_int_equal(take(args, &argc, argv, &when, &set, err), 0);
	assert_false(set);
	assert_int_equal(argc, 5);
	assert_string_equal(argv[4], "--start-atx=1");
	/* after "--" every argument is the command's */
	assert_int_equal(take(after_dashes, &argc, argv, &when, &set, err), 0);
	assert_false(set);
	assert_int_equal(argc, 4);
	assert_string_equal(argv[3], "--start-at=@5");
}

static void test_take_env(void **state)
{
	const char *const plain[] = { "pvcbench", "summary", NULL };
	const char *const flagged[] = { "pvcbench", "--start-at=@7", NULL };
	char *argv[16], err[512];
	struct timespec when;
	bool set;
	int argc;

	setenv(STARTAT_ENV, "@300", 1);
	assert_int_equal(take(plain, &argc, argv, &when, &set, err), 0);
	assert_true(set);
	assert_int_equal(when.tv_sec, 300);
	/* the flag wins over the environment */
	assert_int_equal(take(flagged, &argc, argv, &when, &set, err), 0);
	assert_true(set);
	assert_int_equal(when.tv_sec, 7);
	assert_int_equal(argc, 1);
	/* empty counts as unset */
	setenv(STARTAT_ENV, "", 1);
	assert_int_equal(take(plain, &argc, argv, &when, &set, err), 0);
	assert_false(set);
	setenv(STARTAT_ENV, "soon", 1);
	assert_int_equal(take(plain, &argc, argv, &when, &set, err), -EINVAL);
	assert_non_null(strstr(err, "PVCBENCH_START_AT=soon"));
	assert_non_null(strstr(err, "RFC 3339"));
	assert_non_null(strstr(err, "@UNIXSECONDS"));
	unsetenv(STARTAT_ENV);
}

static void test_take_bad(void **state)
{
	const char *const bad[] = { "pvcbench", "fio", "--start-at=18:00", NULL };
	const char *const missing[] = { "pvcbench", "fio", "--start-at", NULL };
	char *argv[16], err[512];
	struct timespec when;
	bool set;
	int argc;

	unsetenv(STARTAT_ENV);
	assert_int_equal(take(bad, &argc, argv, &when, &set, err), -EINVAL);
	assert_non_null(strstr(err, "--start-at=18:00: not a time"));
	assert_int_equal(take(missing, &argc, argv, &when, &set, err), -EINVAL);
	assert_non_null(strstr(err, "--start-at needs a TIME"));
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_wait(void **state)
{
	struct timespec when;
	char *notes = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&notes, &size);
	double start;

	assert_non_null(f);
	/* a time already past: at once, saying how late */
	clock_gettime(CLOCK_REALTIME, &when);
	when.tv_sec -= 5;
	start = now_s();
	assert_int_equal(startat_wait(&when, f), 0);
	assert_true(now_s() - start < 0.1);
	fflush(f);
	assert_non_null(strstr(notes, "passed 5.0 s ago"));
	/* 0.3 s ahead: no earlier than that */
	clock_gettime(CLOCK_REALTIME, &when);
	when.tv_nsec += 300000000;
	if (when.tv_nsec >= 1000000000) {
		when.tv_sec++;
		when.tv_nsec -= 1000000000;
	}
	assert_int_equal(startat_wait(&when, f), 0);
	double late = now_s() - ((double)when.tv_sec + (double)when.tv_nsec / 1e9);
	assert_true(late >= 0 && late < 0.5);
	fflush(f);
	assert_non_null(strstr(notes, "pvcbench: waiting until "));
	assert_non_null(strstr(notes, "(in 0.3 s) to start"));
	/* a stop request ends a long wait */
	clock_gettime(CLOCK_REALTIME, &when);
	when.tv_sec += 60;
	signals_request_stop();
	start = now_s();
	assert_int_equal(startat_wait(&when, f), -EINTR);
	assert_true(now_s() - start < 0.5);
	atomic_store(&signals_stop_flag, 0);
	fclose(f);
	free(notes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339),	     cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_unix_seconds), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_format),	     cmocka_unit_test(test_take_flag),
		cmocka_unit_test(test_take_none),    cmocka_unit_test(test_take_env),
		cmocka_unit_test(test_take_bad),     cmocka_unit_test(test_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
