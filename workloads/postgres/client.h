/*
 * client.h - the inside of one thread's clients, shared by the thread's loop (client.c) and
 * the clients' state machine (client_step.c); nothing else in the module sees it.
 *
 * The thread owns its clients: no client is touched by two threads, so nothing here is locked.
 */
#ifndef PVCBENCH_PGBENCH_CLIENT_H
#define PVCBENCH_PGBENCH_CLIENT_H

#include <poll.h>

#include "pgbench.h"

/*
 * A client's states, as pgbench's advanceConnectionState has them. pgb_client_step() moves a
 * client through as many as it can without waiting; it returns in the states marked "rests",
 * where the client waits for its socket or a time. The others are passed through in one step.
 *
 * How a transaction goes: IDLE -> (THROTTLE) -> (CONNECT -> CONNECTING -> [PREPARE ->
 * PREPARE_WAIT]* -> IDLE) -> [START_CMD -> WAIT_RESULT -> END_CMD]* -> END_TX -> IDLE; a
 * failed statement goes WAIT_RESULT -> ERROR -> (ROLLBACK) -> RETRY -> START_CMD (the same
 * transaction again) or FAILURE -> END_TX, or to ABORTED when it is not a serialization
 * failure or a deadlock.
 */
enum pgb_cstate {
	/*
	 * Between transactions (rests until the run starts: clients connect before it). Ends the
	 * client when the run is draining or its -t transactions are done; under -R draws the
	 * next scheduled start, skipping (-L) those already later than the limit; connects if
	 * the client has no session (-C); else begins the transaction: its start time, its
	 * variables, try 1.
	 */
	CS_IDLE,
	CS_THROTTLE,	 /* -R: rests until the scheduled start, then IDLE again */
	CS_CONNECT,	 /* starts an asynchronous connection */
	CS_CONNECTING,	 /* rests: PQconnectPoll on each socket event, until the deadline */
	CS_PREPARE,	 /* -M prepared: sends the Parse of statement c->stmt */
	CS_PREPARE_WAIT, /* rests: for its result; the next statement, or IDLE after the last */
	CS_START_CMD,	 /* sends statement c->stmt of the transaction */
	CS_WAIT_RESULT,	 /* rests: until every result of the statement is in */
	CS_END_CMD,	 /* the next statement, or the end of the transaction */
	CS_ERROR,	 /* a statement failed: roll back if the server holds a transaction open */
	CS_ROLLBACK,	 /* rests: until the ROLLBACK is done */
	CS_RETRY,	 /* the failed try is over: try again, give up (FAILURE), or abort */
	CS_FAILURE,	 /* counts the transaction as failed after its tries */
	CS_END_TX,	 /* records the transaction; -C closes the session */
	CS_FINISHED,	 /* rests for good: its transactions ran, or the run is over */
	CS_ABORTED,	 /* rests for good: it could not connect, or met an error it cannot pass */
};

struct pgb_client {
	PGconn *conn;
	enum pgb_cstate state;
	bool want_write;		/* poll for writing: connecting, or output not flushed */
	PostgresPollingStatusType poll; /* the last PQconnectPoll answer */
	uint64_t conn_start_ns, conn_deadline_ns;
	unsigned id, stmt;
	bool scheduled_set; /* -R: the next transaction's start is drawn */
	bool failed_stmt;   /* the current statement returned an error */
	bool retriable;	    /* ... a serialization failure or deadlock */
	unsigned tries;
	uint64_t scheduled_ns, begin_ns;
	uint64_t done; /* transactions ended: processed, failed or skipped */
	int64_t vars[PGB_NVARS];
	uint64_t rng[2];
	char *sql; /* rendered statement text (simple protocol) */
	char params[PGB_MAX_PARAMS][24];
	const char *param_ptr[PGB_MAX_PARAMS];
	char error[512];
};

/* One thread: its slice of the clients and what they share. */
struct pgb_thread {
	const struct pgb_thread_spec *spec;
	const struct pgb_run *run;
	struct pgb_thread_result *res;
	struct worker *w;
	struct pgb_client *clients;
	unsigned n, live; /* clients, and those not finished or aborted */
	struct pollfd *pfd;
	unsigned *pfd_client;
	uint64_t throttle_trigger; /* -R: the last scheduled start drawn by this thread */
	uint64_t rng[2];	   /* -R: the thread's draws of the schedule */
	bool running;		   /* past the start barrier: transactions may start */
	bool draining;		   /* the run is over: finish what is under way, start nothing */
};

/*
 * Moves client c on as far as it can go without waiting. revents is what poll() saw on its
 * socket, 0 when it is called for a time (a scheduled start, a connect deadline) or to start.
 */
void pgb_client_step(struct pgb_thread *t, struct pgb_client *c, short revents, uint64_t now);

/* Ends client c now (the run is over): closes its session. */
void pgb_client_finish(struct pgb_thread *t, struct pgb_client *c);
void pgb_client_close(struct pgb_client *c);

/* True when c rests on its socket (it goes into the thread's ppoll). */
static inline bool pgb_client_waits_on_socket(const struct pgb_client *c)
{
	return c->state == CS_CONNECTING || c->state == CS_PREPARE_WAIT ||
	       c->state == CS_WAIT_RESULT || c->state == CS_ROLLBACK;
}

#endif
