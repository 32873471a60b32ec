/*
 * ci_skip.h - the C tests' one rule for something they need that is missing (a library the
 * build left out, fio, a temporary directory): outside CI the test is skipped, exit 77
 * (ctest's SKIP_RETURN_CODE); under CI=true it fails, exit 1, since a CI machine that lacks it
 * cannot say whether the code works. The same rule as checks.py and lib.bash.
 *
 * Header only, included by path ("../lib/ci_skip.h") from tests/unit and tests/integration.
 */
#ifndef PVC_TESTS_CI_SKIP_H
#define PVC_TESTS_CI_SKIP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_EXIT_PASS 0
#define T_EXIT_FAIL 1
#define T_EXIT_SKIP 77

/* Whether CI=true: a test that cannot run must then fail, not skip */
static inline bool t_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && !strcmp(ci, "true");
}

/*
 * The whole test cannot run: says why on stderr ("SKIP: why", or "FAIL: why (CI=true forbids
 * skipping)") and returns the status to exit with: T_EXIT_SKIP, or T_EXIT_FAIL under CI=true.
 */
static inline int t_cannot_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline int t_cannot_run(const char *fmt, ...)
{
	bool ci = t_in_ci();
	va_list ap;

	fputs(ci ? "FAIL: " : "SKIP: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(ci ? " (CI=true forbids skipping)\n" : "\n", stderr);
	return ci ? T_EXIT_FAIL : T_EXIT_SKIP;
}

#endif
