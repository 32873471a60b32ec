/*
 * signals.c - SIGINT/SIGTERM set the stop flag that every worker polls once per batch.
 */
#include "pvcbench/signals.h"

#include <signal.h>
#include <string.h>

atomic_int signals_stop_flag;
static volatile sig_atomic_t received;

static void on_signal(int sig)
{
	if (atomic_load(&signals_stop_flag)) {
		/* second signal: the user means it */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	received = sig;
	atomic_store(&signals_stop_flag, 1);
}

void signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a closed terminal stops the run like SIGTERM: results so far, files removed */
	sigaction(SIGHUP, &sa, NULL);
	/* a reader that went away (| head) is an EPIPE on that write, not death before cleanup */
	signal(SIGPIPE, SIG_IGN);
}

int signals_received(void)
{
	return received;
}

void signals_request_stop(void)
{
	atomic_store(&signals_stop_flag, 1);
}
