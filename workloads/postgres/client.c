/*
 * client.c - one thread's share of the clients. Each client is a small state machine over
 * libpq's asynchronous API (PQconnectStartParams/PQconnectPoll, PQsend*, PQconsumeInput,
 * PQgetResult); the thread waits for all of its clients' sockets in one ppoll(), as pgbench
 * does. Nothing is allocated per transaction: SQL text and parameters are rendered into each
 * client's own buffers.
 *
 * A transaction: (under -R) wait for its scheduled time; (under -C, or after a lost session)
 * connect; draw the variables; send the statements one at a time, each after the previous
 * one's result, as pgbench does. Its latency runs from the start (under -R: from the
 * scheduled start, so a slow server cannot hide behind the schedule) to the last result.
 * A serialization failure or deadlock rolls back and retries the same transaction up to
 * --max-tries; any other error aborts the client, and the others go on.
 */
#define _GNU_SOURCE /* ppoll */
#include "pgbench.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/clock.h"
#include "pvcbench/rng.h"

#define POLL_CAP_NS 100000000ULL	    /* wake at least every 100 ms to see a stop request */
#define DRAIN_AFTER_SIGNAL_NS 1000000000ULL /* after SIGTERM, wait this long for results */

enum cstate {
	CS_CONNECTING, /* PQconnectPoll until the session is up */
	CS_PREPARING,  /* -M prepared: preparing statement c->stmt */
	CS_IDLE,       /* between transactions */
	CS_THROTTLE,   /* -R: waiting for the scheduled start */
	CS_BUSY,       /* waiting for the result of statement c->stmt */
	CS_ROLLBACK,   /* rolling back after a failed statement */
	CS_DONE,       /* all of its -t transactions ran */
	CS_DEAD,       /* could not connect, or aborted */
};

struct client {
	PGconn *conn;
	enum cstate state;
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

struct thread_state {
	const struct pgb_thread_spec *spec;
	const struct pgb_run *run;
	struct pgb_thread_result *res;
	struct worker *w;
	struct client *clients;
	unsigned n, live; /* clients, and those not done or dead */
	struct pollfd *pfd;
	unsigned *pfd_client;
	uint64_t throttle_trigger;
	uint64_t rng[2];
	bool running;  /* past the start barrier: transactions may start */
	bool draining; /* the run is over: finish what is under way, start nothing */
};

/* ---- client steps ---- */

static void client_close(struct client *c)
{
	if (c->conn)
		PQfinish(c->conn);
	c->conn = NULL;
}

/* The client stops for good: an error it cannot get past. */
static void client_abort(struct thread_state *ts, struct client *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void client_abort(struct thread_state *ts, struct client *c, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ts->res->aborted)
		snprintf(ts->res->abort_error, sizeof(ts->res->abort_error), "%s", msg);
	ts->res->aborted++;
	client_close(c);
	c->state = CS_DEAD;
	ts->live--;
}

/* libpq's message for the connection, as one line */
static const char *conn_message(PGconn *conn, char *buf, size_t size)
{
	const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
	size_t len = strlen(msg);

	while (len && msg[len - 1] == '\n')
		len--;
	snprintf(buf, size, "%.*s", (int)len, msg);
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	return buf;
}

static void connect_failed(struct thread_state *ts, struct client *c)
{
	char msg[512];

	conn_message(c->conn, msg, sizeof(msg));
	if (ts->running) {
		client_abort(ts, c, "client %u aborted while establishing connection: %s", c->id,
			     msg);
		return;
	}
	/* at the start: counted apart, and the thread goes on with the others */
	if (!ts->res->not_connected)
		snprintf(ts->res->conn_error, sizeof(ts->res->conn_error), "%s", msg);
	ts->res->not_connected++;
	client_close(c);
	c->state = CS_DEAD;
	ts->live--;
}

static void connect_start(struct thread_state *ts, struct client *c, uint64_t now)
{
	const struct pgb_conninfo *ci = ts->run->ci;

	c->conn = PQconnectStartParams(ci->keywords, ci->values, 1);
	c->conn_start_ns = now;
	c->conn_deadline_ns = now + ci->timeout_ns;
	c->state = CS_CONNECTING;
	c->poll = PGRES_POLLING_WRITING; /* as libpq's documentation says to begin */
	c->want_write = true;
	if (!c->conn || PQstatus(c->conn) == CONNECTION_BAD)
		connect_failed(ts, c);
}

/* Flushes what libpq has queued; returns false when the connection failed. */
static bool client_flush(struct client *c)
{
	int r = PQflush(c->conn);
	c->want_write = r == 1;
	return r >= 0;
}

static void send_prepare(struct thread_state *ts, struct client *c)
{
	const struct pgb_stmt *st = &ts->run->script.stmt[c->stmt];
	char msg[512];

	if (!PQsendPrepare(c->conn, st->name, st->param_sql, (int)st->nparams, NULL) ||
	    !client_flush(c))
		client_abort(ts, c, "client %u could not prepare statement %u: %s", c->id, c->stmt,
			     conn_message(c->conn, msg, sizeof(msg)));
}

static void connected(struct thread_state *ts, struct client *c, uint64_t now)
{
	ts->res->conn_ns += now - c->conn_start_ns;
	ts->res->conn_count++;
	c->want_write = false;
	if (PQsetnonblocking(c->conn, 1)) {
		char msg[512];
		client_abort(ts, c, "client %u: %s", c->id,
			     conn_message(c->conn, msg, sizeof(msg)));
		return;
	}
	if (ts->run->mode == PGB_PREPARED) {
		c->state = CS_PREPARING;
		c->stmt = 0;
		send_prepare(ts, c);
		return;
	}
	c->state = CS_IDLE;
}

static void send_stmt(struct thread_state *ts, struct client *c)
{
	const struct pgb_stmt *st = &ts->run->script.stmt[c->stmt];
	int ok;

	c->failed_stmt = false;
	if (ts->run->mode == PGB_SIMPLE) {
		pgb_stmt_render(st, c->vars, c->sql);
		ok = PQsendQuery(c->conn, c->sql);
	} else {
		for (unsigned i = 0; i < st->nparams; i++)
			pgb_format_int(c->params[i], c->vars[st->param_var[i]]);
		if (ts->run->mode == PGB_EXTENDED)
			ok = PQsendQueryParams(c->conn, st->param_sql, (int)st->nparams, NULL,
					       c->param_ptr, NULL, NULL, 0);
		else
			ok = PQsendQueryPrepared(c->conn, st->name, (int)st->nparams, c->param_ptr,
						 NULL, NULL, 0);
	}
	c->state = CS_BUSY;
	if (!ok || !client_flush(c)) {
		char msg[512];
		client_abort(ts, c, "client %u script 0 aborted in command %u query 0: %s", c->id,
			     c->stmt, conn_message(c->conn, msg, sizeof(msg)));
	}
}

static void draw_vars(struct thread_state *ts, struct client *c)
{
	int64_t scale = ts->run->scale;
	const bool *used = ts->run->script.vars_used;

	/* in pgbench's order: aid, bid, tid, delta */
	if (used[PGB_VAR_AID])
		c->vars[PGB_VAR_AID] = rng_range(c->rng, 1, 100000 * scale);
	if (used[PGB_VAR_BID])
		c->vars[PGB_VAR_BID] = rng_range(c->rng, 1, scale);
	if (used[PGB_VAR_TID])
		c->vars[PGB_VAR_TID] = rng_range(c->rng, 1, 10 * scale);
	if (used[PGB_VAR_DELTA])
		c->vars[PGB_VAR_DELTA] = rng_range(c->rng, -5000, 5000);
}

static bool client_has_more(const struct thread_state *ts, const struct client *c)
{
	int64_t t = ts->run->cfg->transactions;
	return t <= 0 || c->done < (uint64_t)t;
}

static void client_finished(struct thread_state *ts, struct client *c)
{
	client_close(c);
	c->state = CS_DONE;
	ts->live--;
}

/*
 * Moves an idle client on as far as it can go without waiting: to its scheduled time, its
 * connection, or its first statement.
 */
static void client_start(struct thread_state *ts, struct client *c, uint64_t now)
{
	const struct pgb_run *run = ts->run;

	if (ts->draining || !client_has_more(ts, c)) {
		client_finished(ts, c);
		return;
	}
	if (run->throttle_ns && !c->scheduled_set) {
		for (;;) {
			ts->throttle_trigger += rng_exponential(ts->rng, run->throttle_ns);
			c->scheduled_ns = ts->throttle_trigger;
			c->scheduled_set = true;
			/* -L with -R: a transaction already later than the limit is skipped */
			if (!run->latency_limit_ns || now <= c->scheduled_ns ||
			    now - c->scheduled_ns <= run->latency_limit_ns)
				break;
			ts->res->skipped++;
			c->done++;
			c->scheduled_set = false;
			if (!client_has_more(ts, c)) {
				client_finished(ts, c);
				return;
			}
		}
	}
	if (run->throttle_ns && now < c->scheduled_ns) {
		c->state = CS_THROTTLE;
		return;
	}
	if (!c->conn) {
		connect_start(ts, c, now);
		return; /* back here when connected */
	}
	c->begin_ns = now;
	c->tries = 1;
	c->stmt = 0;
	draw_vars(ts, c);
	send_stmt(ts, c);
}

/* The transaction ended: processed (ok) or failed after its tries. */
static void txn_end(struct thread_state *ts, struct client *c, bool ok, uint64_t now)
{
	const struct pgb_run *run = ts->run;
	struct worker *w = ts->w;

	if (ok) {
		uint64_t from = run->throttle_ns ? c->scheduled_ns : c->begin_ns;
		uint64_t lat = now > from ? now - from : 0;
		worker_record(w, PGB_OP_TXN, lat, 0);
		if (run->throttle_ns)
			worker_record(w, PGB_OP_LAG,
				      c->begin_ns > c->scheduled_ns ? c->begin_ns - c->scheduled_ns
								    : 0,
				      0);
		if (run->latency_limit_ns && lat > run->latency_limit_ns)
			ts->res->late++;
	} else {
		worker_record_error(w, PGB_OP_TXN);
		ts->res->failed++;
	}
	if (c->tries > 1) {
		ts->res->retried++;
		ts->res->retries += c->tries - 1;
	}
	c->done++;
	c->scheduled_set = false;
	c->state = CS_IDLE;
	if (run->cfg->connect)
		client_close(c);
}

/* The failed statement's transaction is over (rolled back, or never open): retry or fail. */
static void txn_failed(struct thread_state *ts, struct client *c, uint64_t now)
{
	int64_t max_tries = ts->run->cfg->max_tries;

	if (c->retriable && (max_tries == 0 || c->tries < (uint64_t)max_tries)) {
		/* the same transaction again, with the same values, as pgbench retries */
		c->tries++;
		c->stmt = 0;
		send_stmt(ts, c);
		return;
	}
	if (c->retriable) {
		txn_end(ts, c, false, now);
		return;
	}
	client_abort(ts, c, "client %u script 0 aborted in command %u query 0: %s", c->id, c->stmt,
		     c->error);
}

/* A statement's results are all in. */
static void stmt_done(struct thread_state *ts, struct client *c, uint64_t now)
{
	if (c->state == CS_PREPARING) {
		if (c->failed_stmt) {
			client_abort(ts, c, "client %u could not prepare statement %u: %s", c->id,
				     c->stmt, c->error);
			return;
		}
		if (++c->stmt < ts->run->script.nstmts)
			send_prepare(ts, c);
		else
			c->state = CS_IDLE;
		return;
	}
	if (c->state == CS_ROLLBACK) {
		if (c->failed_stmt) {
			client_abort(ts, c, "client %u could not roll back: %s", c->id, c->error);
			return;
		}
		txn_failed(ts, c, now);
		return;
	}
	if (c->failed_stmt) {
		PGTransactionStatusType tx = PQtransactionStatus(c->conn);
		if (tx == PQTRANS_INERROR || tx == PQTRANS_INTRANS) {
			c->state = CS_ROLLBACK;
			if (!PQsendQuery(c->conn, "ROLLBACK;") || !client_flush(c)) {
				char msg[512];
				client_abort(ts, c, "client %u could not roll back: %s", c->id,
					     conn_message(c->conn, msg, sizeof(msg)));
			}
			c->failed_stmt = false;
			return;
		}
		txn_failed(ts, c, now);
		return;
	}
	if (++c->stmt < ts->run->script.nstmts) {
		send_stmt(ts, c);
		return;
	}
	txn_end(ts, c, true, now);
}

static void take_result(struct client *c, PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return;
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	const char *msg = PQresultErrorMessage(res);
	if (!c->failed_stmt) {
		c->retriable = state && (!strcmp(state, "40001") || !strcmp(state, "40P01"));
		size_t len = strlen(msg);
		while (len && msg[len - 1] == '\n')
			len--;
		snprintf(c->error, sizeof(c->error), "%.*s", (int)len,
			 *msg ? msg : PQresStatus(st));
	}
	c->failed_stmt = true;
}

/* The socket is ready (or a deadline passed): move the client on. */
static void client_event(struct thread_state *ts, struct client *c, short revents, uint64_t now)
{
	char msg[400];

	if (c->state == CS_CONNECTING) {
		if (!revents) {
			if (now >= c->conn_deadline_ns) {
				snprintf(msg, sizeof(msg), "timeout expired after %s s",
					 ts->run->ci->timeout);
				/* libpq's own wording for its connect_timeout */
				if (!ts->res->not_connected && !ts->running)
					snprintf(ts->res->conn_error, sizeof(ts->res->conn_error),
						 "connection to server failed: %s", msg);
				if (ts->running) {
					client_abort(ts, c,
						     "client %u aborted while establishing "
						     "connection: %s",
						     c->id, msg);
				} else {
					ts->res->not_connected++;
					client_close(c);
					c->state = CS_DEAD;
					ts->live--;
				}
			}
			return;
		}
		c->poll = PQconnectPoll(c->conn);
		switch (c->poll) {
		case PGRES_POLLING_READING:
			c->want_write = false;
			return;
		case PGRES_POLLING_WRITING:
			c->want_write = true;
			return;
		case PGRES_POLLING_OK:
			connected(ts, c, now);
			if (c->state == CS_IDLE && ts->running)
				client_start(ts, c, now);
			return;
		default:
			connect_failed(ts, c);
			return;
		}
	}
	if (!revents)
		return;
	if (revents & POLLOUT) {
		if (!client_flush(c)) {
			client_abort(ts, c, "client %u: %s", c->id,
				     conn_message(c->conn, msg, sizeof(msg)));
			return;
		}
	}
	if (!(revents & (POLLIN | POLLERR | POLLHUP)))
		return;
	if (!PQconsumeInput(c->conn)) {
		client_abort(ts, c, "client %u script 0 aborted in command %u query 0: %s", c->id,
			     c->stmt, conn_message(c->conn, msg, sizeof(msg)));
		return;
	}
	while (!PQisBusy(c->conn)) {
		PGresult *res = PQgetResult(c->conn);
		if (!res) {
			stmt_done(ts, c, now);
			if (c->state == CS_IDLE && ts->running)
				client_start(ts, c, now);
			return;
		}
		take_result(c, res);
		PQclear(res);
	}
}

/* ---- the thread's loop ---- */

static bool waits_on_socket(const struct client *c)
{
	return c->state == CS_CONNECTING || c->state == CS_PREPARING || c->state == CS_BUSY ||
	       c->state == CS_ROLLBACK;
}

/*
 * One round: start what can start, wait for sockets until the earliest deadline (at most
 * until wake_ns), and handle what is ready. Returns -errno if ppoll itself failed.
 */
static int poll_round(struct thread_state *ts, uint64_t wake_ns)
{
	uint64_t now = clock_now_ns();
	unsigned n = 0;

	for (unsigned i = 0; i < ts->n; i++) {
		struct client *c = &ts->clients[i];
		if (ts->running &&
		    (c->state == CS_IDLE || (c->state == CS_THROTTLE && now >= c->scheduled_ns)))
			client_start(ts, c, now);
		if (c->state == CS_THROTTLE && c->scheduled_ns < wake_ns)
			wake_ns = c->scheduled_ns;
		if (c->state == CS_CONNECTING && c->conn_deadline_ns < wake_ns)
			wake_ns = c->conn_deadline_ns;
		if (!waits_on_socket(c))
			continue;
		ts->pfd[n].fd = PQsocket(c->conn);
		ts->pfd[n].events = (short)(c->want_write ? POLLOUT : POLLIN);
		if (c->state != CS_CONNECTING && c->want_write)
			ts->pfd[n].events |= POLLIN;
		ts->pfd[n].revents = 0;
		ts->pfd_client[n++] = i;
	}
	if (!ts->live)
		return 0;
	uint64_t wait = wake_ns > now ? wake_ns - now : 0;
	if (wait > POLL_CAP_NS)
		wait = POLL_CAP_NS;
	struct timespec tmo = { (time_t)(wait / 1000000000ULL), (long)(wait % 1000000000ULL) };
	int ready = ppoll(ts->pfd, n, &tmo, NULL);
	if (ready < 0) {
		if (errno == EINTR)
			return 0;
		return -errno;
	}
	now = clock_now_ns();
	for (unsigned k = 0; k < n; k++) {
		struct client *c = &ts->clients[ts->pfd_client[k]];
		if (ts->pfd[k].revents || c->state == CS_CONNECTING)
			client_event(ts, c, ts->pfd[k].revents, now);
	}
	return 0;
}

int pgb_worker_init(struct worker *w)
{
	const struct pgb_thread_spec *spec = worker_arg(w);
	const struct pgb_run *run = spec->run;
	struct thread_state *ts = calloc(1, sizeof(*ts));

	if (!ts)
		return -ENOMEM;
	worker_set_state(w, ts);
	ts->spec = spec;
	ts->run = run;
	ts->res = spec->result;
	ts->w = w;
	ts->n = spec->nclients;
	ts->res->clients = spec->nclients;
	ts->clients = calloc(ts->n, sizeof(*ts->clients));
	ts->pfd = calloc(ts->n, sizeof(*ts->pfd));
	ts->pfd_client = calloc(ts->n, sizeof(*ts->pfd_client));
	if (!ts->clients || !ts->pfd || !ts->pfd_client)
		return -ENOMEM;
	rng_seed(ts->rng, run->cfg->seed ^ (0x5851f42d4c957f2dULL * (worker_id(w) + 1)));
	for (unsigned i = 0; i < ts->n; i++) {
		struct client *c = &ts->clients[i];
		c->id = spec->first_client + i;
		c->state = CS_IDLE; /* not connected: -C, or connect_start below */
		c->sql = malloc(run->script.max_sql);
		if (!c->sql)
			return -ENOMEM;
		for (unsigned p = 0; p < PGB_MAX_PARAMS; p++)
			c->param_ptr[p] = c->params[p];
		rng_seed(c->rng, run->cfg->seed + 0x9e3779b97f4a7c15ULL * (c->id + 1));
	}

	ts->live = ts->n;
	if (run->cfg->connect)
		return 0; /* -C: each transaction connects; nothing to do before the start */
	/* connect every client before the common start, as pgbench does; measured */
	uint64_t start = clock_now_ns();
	for (unsigned i = 0; i < ts->n; i++)
		connect_start(ts, &ts->clients[i], start);
	for (;;) {
		bool pending = false;
		for (unsigned i = 0; i < ts->n; i++) {
			enum cstate st = ts->clients[i].state;
			pending |= st == CS_CONNECTING || st == CS_PREPARING;
		}
		if (!pending || signals_stop_requested())
			break;
		int ret = poll_round(ts, UINT64_MAX);
		if (ret)
			return worker_fail(w, ret, "thread %u: poll: %s", worker_id(w),
					   strerror(-ret));
	}
	ts->res->initial_conn_ns = clock_now_ns() - start;
	return 0;
}

/*
 * The run is over (-T reached, or a stop request). As pgbench does, a transaction under way
 * completes and counts, so that processed equals what the database committed; clients that
 * are waiting, connecting or preparing stop now. Bounded: by the connect timeout after -T, by
 * a second after a signal.
 */
static int drain(struct thread_state *ts)
{
	uint64_t now = clock_now_ns();
	uint64_t limit =
		now + (signals_stop_requested() ? DRAIN_AFTER_SIGNAL_NS : ts->run->ci->timeout_ns);

	ts->draining = true;
	for (unsigned i = 0; i < ts->n; i++) {
		struct client *c = &ts->clients[i];
		if (c->state != CS_BUSY && c->state != CS_ROLLBACK && c->state != CS_DONE &&
		    c->state != CS_DEAD)
			client_finished(ts, c);
	}
	while (ts->live && (now = clock_now_ns()) < limit) {
		int ret = poll_round(ts, limit);
		if (ret)
			return worker_fail(ts->w, ret, "thread %u: poll: %s", worker_id(ts->w),
					   strerror(-ret));
	}
	return 0;
}

int pgb_worker_run(struct worker *w)
{
	struct thread_state *ts = worker_state(w);

	ts->running = true;
	ts->throttle_trigger = clock_now_ns();
	/* connection time of the initial sessions is reported apart from the run's */
	for (;;) {
		uint64_t now = clock_now_ns();
		if (!worker_tick(w, now))
			break;
		if (!ts->live)
			break;
		int ret = poll_round(ts, worker_next_event_ns(w));
		if (ret)
			return worker_fail(w, ret, "thread %u: poll: %s", worker_id(w),
					   strerror(-ret));
	}
	return drain(ts);
}

void pgb_worker_exit(struct worker *w)
{
	struct thread_state *ts = worker_state(w);

	if (!ts)
		return;
	for (unsigned i = 0; ts->clients && i < ts->n; i++) {
		client_close(&ts->clients[i]);
		free(ts->clients[i].sql);
	}
	free(ts->clients);
	free(ts->pfd);
	free(ts->pfd_client);
	free(ts);
	worker_set_state(w, NULL);
}
