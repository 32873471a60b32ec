/*
 * client.h - the inside of one thread's clients, shared by the thread's loop (client.c), the
 * clients' state machine (client_step.c), its SQL side (client_sql.c: sending, Parse, reading
 * results, pipelines) and its meta-commands (client_meta.c); nothing else in the module sees it.
 *
 * The thread owns its clients: no client is touched by two threads, so nothing here is locked.
 * Everything a client needs per transaction is allocated when the thread starts (variables,
 * the SQL buffer, parameter pointers, prepared flags); buffers only grow, so a steady run
 * allocates nothing.
 */
#ifndef PVCBENCH_PGBENCH_CLIENT_H
#define PVCBENCH_PGBENCH_CLIENT_H

#include <poll.h>

#include "pgbench.h"
#include "script.h"

/* how pgbench's messages begin here (pgbench prints "pgbench: ") */
#define PGB_PROG "pvcbench pgbench"

/*
 * A client's states, as pgbench 15's advanceConnectionState has them. pgb_client_step() moves
 * a client through as many as it can without waiting; it returns in the states marked
 * "rests", where the client waits for its socket or a time. The others are passed through.
 *
 * How a transaction goes: IDLE (choose the script) -> (THROTTLE) -> (CONNECT -> CONNECTING)
 * -> [START_CMD -> (PREPARE_WAIT -> START_CMD) -> (WAIT_RESULT | SLEEP) -> END_CMD]* -> END_TX
 * -> IDLE; an SQL error goes WAIT_RESULT -> ERROR -> (ROLLBACK) -> RETRY -> START_CMD (the
 * same script from its first command) or FAILURE -> END_TX when it is a serialization failure
 * or a deadlock, to ABORTED otherwise; a meta-command that fails goes to ABORTED.
 */
enum pgb_cstate {
	/*
	 * Between transactions (rests until the run starts: clients connect before it). Ends the
	 * client when the run is draining or its -t transactions are done; under -R draws the
	 * next scheduled start, skipping (-L) those already later than the limit; connects if
	 * the client has no session (-C); else chooses a script by weight and begins: its start
	 * time, try 1, command 0.
	 */
	CS_IDLE,
	CS_THROTTLE,	 /* -R: rests until the scheduled start, then IDLE again */
	CS_CONNECT,	 /* starts an asynchronous connection */
	CS_CONNECTING,	 /* rests: PQconnectPoll on each socket event, until the deadline */
	CS_START_CMD,	 /* runs command c->cmd: sends SQL, or executes a meta-command */
	CS_PREPARE_WAIT, /* rests: -M prepared, the Parse of c->prep_cmd; then START_CMD again */
	CS_WAIT_RESULT,	 /* rests: every result of the SQL command (or up to the pipeline's sync) */
	CS_SLEEP,	 /* rests: \sleep until c->sleep_until_ns */
	CS_END_CMD,	 /* -r's figures; the next command (or END_TX after the last) */
	CS_ERROR,	 /* an SQL error: roll back if the server holds a transaction open */
	CS_ROLLBACK,	 /* rests: until the ROLLBACK is done */
	CS_RETRY,	 /* the failed try is over: run the script again from its start */
	CS_FAILURE,	 /* counts the transaction as failed after its tries */
	CS_END_TX,	 /* records the transaction; -C closes the session */
	/*
	 * --on-error=reconnect: the session broke (client_reconnect.c); rests until
	 * c->sleep_until_ns (the backoff), then CONNECT; the client aborts once --timeout has
	 * passed since the loss without a session.
	 */
	CS_RECONNECT,
	CS_FINISHED, /* rests for good: its transactions ran, or the run is over */
	CS_ABORTED,  /* rests for good: it could not connect, or met an error it cannot pass */
};

/* How the current try went, as pgbench's EStatus (the ones a client can go on after) */
enum pgb_estatus { PGB_ES_OK, PGB_ES_SERIALIZATION, PGB_ES_DEADLOCK, PGB_ES_OTHER };

struct pgb_client {
	PGconn *conn;
	enum pgb_cstate state;
	bool want_write;		/* poll for writing: connecting, or output not flushed */
	PostgresPollingStatusType poll; /* the last PQconnectPoll answer */
	uint64_t conn_start_ns, conn_deadline_ns;
	unsigned id;

	/* the transaction under way */
	const struct pgb_script *script;
	unsigned script_no;
	unsigned cmd;	    /* the command being run */
	unsigned next_cmd;  /* where END_CMD goes: cmd + 1, or a branch's jump */
	unsigned prep_cmd;  /* -M prepared: the command whose Parse is awaited */
	bool elif_eval;	    /* cmd is an \elif reached from a false branch: evaluate it */
	bool resumed;	    /* START_CMD again after a Parse: the command's start stands */
	bool sql_sent;	    /* the transaction sent SQL (a meta-only script yields at its end) */
	bool pipeline_read; /* WAIT_RESULT reads up to the pipeline's sync */
	bool scheduled_set; /* -R: the next transaction's start is drawn */
	enum pgb_estatus estatus;
	unsigned tries;
	unsigned qry;	  /* results read of the current command (pgbench's qrynum) */
	PGresult *held;	  /* a result kept until the next says whether it was the last */
	bool gset_failed; /* \gset got other than one row: the client aborts */
	uint64_t scheduled_ns, begin_ns, cmd_begin_ns, sleep_until_ns;
	bool in_txn;   /* from txn_begin to its end or the client's: the live metrics' in flight */
	uint64_t done; /* transactions ended: processed, failed or skipped */
	uint64_t rng[2], rng_saved[2]; /* expressions' random state, and at the try's start */

	struct pgb_vars vars;
	bool *prepared; /* -M prepared: per command of every script (cmd_base + i) */
	char *sql;	/* the simple protocol's rendered text; only grows */
	size_t sql_cap;
	const char **params; /* the extended protocols' parameters */
	char error[512];     /* the first error of the try, one line */

	/* --on-error=reconnect (client_reconnect.c) */
	char sqlstate[6];      /* of the try's last error or FATAL notice, "" for none */
	bool commit_in_flight; /* a COMMIT (or an implicit transaction) awaits its answer */
	bool reconnecting;     /* lost its session, and has none again yet */
	uint64_t reconnect_deadline_ns; /* --timeout after the loss */
	uint64_t backoff_ns;		/* the wait before the next attempt */
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
	uint64_t choose_rng[2];	   /* the scripts' weighted choice */
	struct pgb_txlog *log;	   /* -l */
	bool running;		   /* past the start barrier: transactions may start */
	bool draining;		   /* the run is over: finish what is under way, start nothing */
	uint64_t inflight_pub;	   /* the oldest begin_ns of a client in_txn, as published */
};

/*
 * Moves client c on as far as it can go without waiting. revents is what poll() saw on its
 * socket, 0 when it is called for a time (a scheduled start, a connect deadline, a \sleep)
 * or to start.
 */
void pgb_client_step(struct pgb_thread *t, struct pgb_client *c, short revents, uint64_t now);

/* Ends client c now (the run is over): closes its session. */
void pgb_client_finish(struct pgb_thread *t, struct pgb_client *c);
void pgb_client_close(struct pgb_client *c);

/* An error the client cannot get past: printed as pgbench prints it; the client stops. */
void pgb_client_abort(struct pgb_thread *t, struct pgb_client *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* pgbench's commandFailed: "client N aborted in command C (WHAT) of script S; MESSAGE" */
void pgb_command_failed(struct pgb_thread *t, struct pgb_client *c, const char *what,
			const char *message);
/* libpq's message for the connection as one line, in buf */
const char *pgb_conn_message(PGconn *conn, char *buf, size_t size);
/* Flushes what libpq has queued; false when the connection failed. */
bool pgb_client_flush(struct pgb_client *c);

/*
 * True when c was stopped or lost its session while it was being stepped: aborted, finished
 * (the run drains), or waiting to reconnect (client_reconnect.c). Functions that abort a
 * client return c->state, which says which.
 */
static inline bool pgb_client_gone(const struct pgb_client *c)
{
	return c->state == CS_ABORTED || c->state == CS_FINISHED || c->state == CS_RECONNECT;
}

/* ---- surviving a broken session (client_reconnect.c) ---- */

/*
 * Called by pgb_client_abort with its message: under --on-error=reconnect, a client whose
 * session broke (or whose connection attempt failed) during the run is not aborted: the
 * transaction under way is counted (failed by SQLSTATE, or in doubt) and the client waits
 * for its next attempt. Returns true when it took the client over so.
 */
bool pgb_reconnect_take(struct pgb_thread *t, struct pgb_client *c, const char *msg);
/* Keeps the SQLSTATE of a FATAL that libpq reports as a notice (a session ended by the server) */
void pgb_reconnect_watch(struct pgb_client *c);
/* A session came up: the client is no longer reconnecting (counted when it was). */
void pgb_reconnect_done(struct pgb_thread *t, struct pgb_client *c);
/* Sending SQL command q: notes whether its answer ends a transaction (a COMMIT, END, or a
 * statement outside a transaction block). */
void pgb_reconnect_note_send(struct pgb_client *c, const struct pgb_sql *q);

/* ---- the SQL side (client_sql.c) ---- */

/*
 * Sends SQL command c->cmd in the run's protocol (-M prepared: its Parse first, returning
 * CS_PREPARE_WAIT). Returns the next state: WAIT_RESULT, END_CMD in a pipeline, or ABORTED.
 */
enum pgb_cstate pgb_sql_send(struct pgb_thread *t, struct pgb_client *c);
/*
 * \startpipeline under -M prepared: sends the Parse of the first command up to the
 * \endpipeline that is not prepared yet (PREPARE_WAIT), or returns CS_START_CMD when all are.
 */
enum pgb_cstate pgb_sql_prepare_pipeline(struct pgb_thread *t, struct pgb_client *c);
/*
 * Reads what the socket has (revents from poll) for a client in WAIT_RESULT or
 * PREPARE_WAIT. Returns true when the command's results (or the pipeline's, up to its sync)
 * are all in, with c->estatus saying how it went; false when it must wait, or when the client
 * was aborted (c->state then says so).
 */
bool pgb_sql_results(struct pgb_thread *t, struct pgb_client *c, short revents);

/* ---- meta-commands (client_meta.c) ---- */

/*
 * Executes meta-command c->cmd; returns the next state (END_CMD, SLEEP, WAIT_RESULT,
 * PREPARE_WAIT, ABORTED); a branch sets c->next_cmd.
 */
enum pgb_cstate pgb_meta_exec(struct pgb_thread *t, struct pgb_client *c, uint64_t *now);

/* True when c rests on its socket (it goes into the thread's ppoll). */
static inline bool pgb_client_waits_on_socket(const struct pgb_client *c)
{
	return c->state == CS_CONNECTING || c->state == CS_PREPARE_WAIT ||
	       c->state == CS_WAIT_RESULT || c->state == CS_ROLLBACK;
}

#endif
