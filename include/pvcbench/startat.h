/*
 * startat.h - --start-at=TIME: many pods (an Indexed Job) start measuring at the same wall-clock
 * moment. main() takes the flag (or PVCBENCH_START_AT) out of argv for every command, which never
 * sees it. Commands that measure wait at the runner's start barrier, after their setup; the
 * others wait before they begin. The wait is on CLOCK_REALTIME.
 *
 * TIME is RFC 3339 (2026-11-25T18:00:00Z, 2026-11-25T18:00:00.250Z, 2026-11-25T20:00:00+02:00)
 * or @UNIXSECONDS (@1795629600, fractions allowed). The wait is stopped by SIGINT/SIGTERM through
 * the signals.h stop flag.
 */
#ifndef PVCBENCH_STARTAT_H
#define PVCBENCH_STARTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#define STARTAT_FLAG "--start-at"
#define STARTAT_ENV "PVCBENCH_START_AT"
/* For messages about a bad TIME. */
#define STARTAT_FORMS                                                                              \
	"RFC 3339 (2026-11-25T18:00:00Z, with fractional seconds or a +hh:mm offset) or "          \
	"@UNIXSECONDS"

/* Parses TIME into a wall-clock instant. Returns 0, or -EINVAL (-ERANGE past year 9999). */
int startat_parse(const char *text, struct timespec *when);

/* Formats an instant as RFC 3339 UTC ("2026-11-25T18:00:00Z", ".250Z" when not whole). */
char *startat_format(char *buf, size_t size, const struct timespec *when);

/*
 * Removes every --start-at=TIME and --start-at TIME from argv[1..] (up to a "--", which ends the
 * search), keeping argv NULL-terminated, and parses the last one; without the flag, reads
 * PVCBENCH_START_AT (empty = unset). *set tells whether a time was given. Returns 0, or -EINVAL
 * with a one-line message (without the program name) in err.
 */
int startat_take(int *argc, char **argv, struct timespec *when, bool *set, char *err,
		 size_t err_size);

/*
 * Says on notes when it waits ("pvcbench: waiting until ... (in 12.3 s) to start") or how late a
 * time already past is, then sleeps until when. Returns 0 at the time, -EINTR when a stop was
 * requested (signals.h) before it.
 */
int startat_wait(const struct timespec *when, FILE *notes);

/*
 * For commands that measure: main() leaves the time here instead of waiting, and the runner
 * waits at its start barrier (startat_wait_deferred), after the workers have set up (files laid
 * out, engines ready, connections made), so that pods whose setup takes different times still
 * start measuring together. Only the first run waits. Returns 0, or -EINTR as startat_wait.
 */
void startat_defer(const struct timespec *when);
int startat_wait_deferred(FILE *notes);

#endif
