/*
 * signals.h - the one piece of global mutable state: "stop now", set by SIGINT, SIGTERM or
 * SIGHUP. SIGPIPE is ignored, so a closed pipe is a write error rather than a kill.
 *
 * The first signal asks every worker to stop; results gathered so far are still written. A
 * second one restores the default action, so a user can always kill a stuck run.
 */
#ifndef PVCBENCH_SIGNALS_H
#define PVCBENCH_SIGNALS_H

#include <stdatomic.h>
#include <stdbool.h>

extern atomic_int signals_stop_flag;

/* Installs the handlers (main thread, before any worker starts). */
void signals_install(void);
/* The signal that asked to stop (SIGINT, SIGTERM), or 0. */
int signals_received(void);
/* Asks every worker to stop, as a signal would. */
void signals_request_stop(void);

static inline bool signals_stop_requested(void)
{
	return atomic_load_explicit(&signals_stop_flag, memory_order_relaxed) != 0;
}

#endif
