/*
 * client_step.c - one client's state machine over libpq's asynchronous API
 * (PQconnectStartParams/PQconnectPoll, PQsend*, PQconsumeInput, PQisBusy, PQgetResult), in one
 * step function written as pgbench's advanceConnectionState is: a `for (;;) switch` over the
 * states documented in client.h, where a transition is an assignment to c->state and `return`
 * means "wait for the socket or a time". The thread's loop (client.c) calls it when the socket
 * is ready, when a time comes, and to start idle clients.
 *
 * A transaction: (under -R) wait for its scheduled time; (under -C, or after a lost session)
 * connect; draw the variables; send the statements one at a time, each after the previous
 * one's result, as pgbench does. Its latency runs from the start (under -R: from the
 * scheduled start, so a slow server cannot hide behind the schedule) to the last result.
 * A serialization failure or deadlock rolls back and retries the same transaction, with the
 * same values, up to --max-tries; any other error aborts the client, and the others go on.
 * Nothing is allocated per transaction: SQL text and parameters are rendered into the
 * client's own buffers.
 */
#include "client.h"

#include <stdarg.h>
#include <string.h>

#include "pvcbench/rng.h"

void pgb_client_close(struct pgb_client *c)
{
	if (c->conn)
		PQfinish(c->conn);
	c->conn = NULL;
}

/* The client is done for good; the thread stops when no client is live. */
static void client_stop(struct pgb_thread *t, struct pgb_client *c, enum pgb_cstate state)
{
	pgb_client_close(c);
	c->state = state;
	t->live--;
}

void pgb_client_finish(struct pgb_thread *t, struct pgb_client *c)
{
	client_stop(t, c, CS_FINISHED);
}

/* An error the client cannot get past: it stops, the first such message is kept. */
static void client_abort(struct pgb_thread *t, struct pgb_client *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void client_abort(struct pgb_thread *t, struct pgb_client *c, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!t->res->aborted)
		snprintf(t->res->abort_error, sizeof(t->res->abort_error), "%s", msg);
	t->res->aborted++;
	client_stop(t, c, CS_ABORTED);
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

/*
 * A connection that did not come up. During the run the client aborts; before it (the
 * sessions opened ahead of the start) it is counted apart, with first_line kept for the
 * report, and the thread goes on with the others.
 */
static void connect_failed(struct pgb_thread *t, struct pgb_client *c, const char *why,
			   const char *first_line)
{
	if (t->running) {
		client_abort(t, c, "client %u aborted while establishing connection: %s", c->id,
			     why);
		return;
	}
	if (!t->res->not_connected)
		snprintf(t->res->conn_error, sizeof(t->res->conn_error), "%s", first_line);
	t->res->not_connected++;
	client_stop(t, c, CS_ABORTED);
}

/* Flushes what libpq has queued; returns false when the connection failed. */
static bool client_flush(struct pgb_client *c)
{
	int r = PQflush(c->conn);

	c->want_write = r == 1;
	return r >= 0;
}

/* Sends statement c->stmt with the client's variables; returns false if it could not. */
static bool send_stmt(const struct pgb_run *run, struct pgb_client *c)
{
	const struct pgb_stmt *st = &run->script.stmt[c->stmt];
	int ok;

	c->failed_stmt = false;
	if (run->mode == PGB_SIMPLE) {
		pgb_stmt_render(st, c->vars, c->sql);
		ok = PQsendQuery(c->conn, c->sql);
	} else {
		for (unsigned i = 0; i < st->nparams; i++)
			pgb_format_int(c->params[i], c->vars[st->param_var[i]]);
		if (run->mode == PGB_EXTENDED)
			ok = PQsendQueryParams(c->conn, st->param_sql, (int)st->nparams, NULL,
					       c->param_ptr, NULL, NULL, 0);
		else
			ok = PQsendQueryPrepared(c->conn, st->name, (int)st->nparams, c->param_ptr,
						 NULL, NULL, 0);
	}
	return ok && client_flush(c);
}

static void draw_vars(const struct pgb_run *run, struct pgb_client *c)
{
	int64_t scale = run->scale;
	const bool *used = run->script.vars_used;

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

static bool client_has_more(const struct pgb_thread *t, const struct pgb_client *c)
{
	int64_t n = t->run->cfg->transactions;

	return n <= 0 || c->done < (uint64_t)n;
}

/*
 * -R: draws the next scheduled start from the thread's schedule; under -L, one already later
 * than the limit is skipped (counted, and it uses up one of the client's transactions).
 * Returns false when the client has no transaction left.
 */
static bool draw_schedule(struct pgb_thread *t, struct pgb_client *c, uint64_t now)
{
	const struct pgb_run *run = t->run;

	while (!c->scheduled_set) {
		t->throttle_trigger += rng_exponential(t->rng, run->throttle_ns);
		c->scheduled_ns = t->throttle_trigger;
		c->scheduled_set = true;
		if (!run->latency_limit_ns || now <= c->scheduled_ns ||
		    now - c->scheduled_ns <= run->latency_limit_ns)
			break;
		t->res->skipped++;
		c->done++;
		c->scheduled_set = false;
		if (!client_has_more(t, c))
			return false;
	}
	return true;
}

/* Keeps the first error of the statement, and whether it may be retried. */
static void take_result(struct pgb_client *c, PGresult *res)
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

/*
 * Reads what the socket has for a client that waits for results (revents from poll).
 * Returns true when every result of the current command is in; false when it must wait for
 * more, or when it was aborted (its state then says so).
 */
static bool results_in(struct pgb_thread *t, struct pgb_client *c, short revents)
{
	char msg[400];

	if (!revents)
		return false;
	if ((revents & POLLOUT) && !client_flush(c)) {
		client_abort(t, c, "client %u: %s", c->id, conn_message(c->conn, msg, sizeof(msg)));
		return false;
	}
	if (!(revents & (POLLIN | POLLERR | POLLHUP)))
		return false;
	if (!PQconsumeInput(c->conn)) {
		client_abort(t, c, "client %u script 0 aborted in command %u query 0: %s", c->id,
			     c->stmt, conn_message(c->conn, msg, sizeof(msg)));
		return false;
	}
	while (!PQisBusy(c->conn)) {
		PGresult *res = PQgetResult(c->conn);
		if (!res)
			return true;
		take_result(c, res);
		PQclear(res);
	}
	return false;
}

/* The transaction is over, processed or failed: the counts every end shares. */
static void txn_close(struct pgb_thread *t, struct pgb_client *c)
{
	if (c->tries > 1) {
		t->res->retried++;
		t->res->retries += c->tries - 1;
	}
	c->done++;
	c->scheduled_set = false;
	if (t->run->cfg->connect)
		pgb_client_close(c);
}

/* A processed transaction: its latency, its schedule lag under -R, late under -L. */
static void txn_record(struct pgb_thread *t, struct pgb_client *c, uint64_t now)
{
	const struct pgb_run *run = t->run;
	uint64_t from = run->throttle_ns ? c->scheduled_ns : c->begin_ns;
	uint64_t lat = now > from ? now - from : 0;

	worker_record(t->w, PGB_OP_TXN, lat, 0);
	if (run->throttle_ns)
		worker_record(t->w, PGB_OP_LAG,
			      c->begin_ns > c->scheduled_ns ? c->begin_ns - c->scheduled_ns : 0, 0);
	if (run->latency_limit_ns && lat > run->latency_limit_ns)
		t->res->late++;
}

void pgb_client_step(struct pgb_thread *t, struct pgb_client *c, short revents, uint64_t now)
{
	const struct pgb_run *run = t->run;
	const struct pgb_conninfo *ci = run->ci;
	int64_t max_tries = run->cfg->max_tries;
	char msg[400], first_line[512];

	for (;;) {
		switch (c->state) {
		case CS_IDLE:
			if (!t->running)
				return;
			if (t->draining || !client_has_more(t, c) ||
			    (run->throttle_ns && !draw_schedule(t, c, now))) {
				pgb_client_finish(t, c);
				break;
			}
			if (run->throttle_ns && now < c->scheduled_ns) {
				c->state = CS_THROTTLE;
				return;
			}
			if (!c->conn) {
				c->state = CS_CONNECT;
				break;
			}
			c->begin_ns = now;
			c->tries = 1;
			c->stmt = 0;
			draw_vars(run, c);
			c->state = CS_START_CMD;
			break;

		case CS_THROTTLE:
			if (now < c->scheduled_ns)
				return;
			c->state = CS_IDLE;
			break;

		case CS_CONNECT:
			c->conn = PQconnectStartParams(ci->keywords, ci->values, 1);
			c->conn_start_ns = now;
			c->conn_deadline_ns = now + ci->timeout_ns;
			c->poll =
				PGRES_POLLING_WRITING; /* as libpq's documentation says to begin */
			c->want_write = true;
			if (!c->conn || PQstatus(c->conn) == CONNECTION_BAD) {
				conn_message(c->conn, first_line, sizeof(first_line));
				connect_failed(t, c, first_line, first_line);
				break;
			}
			c->state = CS_CONNECTING;
			return;

		case CS_CONNECTING:
			if (!revents) {
				if (now < c->conn_deadline_ns)
					return;
				/* libpq's own wording for its connect_timeout */
				snprintf(msg, sizeof(msg), "timeout expired after %s s",
					 ci->timeout);
				snprintf(first_line, sizeof(first_line),
					 "connection to server failed: %s", msg);
				connect_failed(t, c, msg, first_line);
				break;
			}
			c->poll = PQconnectPoll(c->conn);
			if (c->poll == PGRES_POLLING_READING || c->poll == PGRES_POLLING_WRITING) {
				c->want_write = c->poll == PGRES_POLLING_WRITING;
				return;
			}
			if (c->poll != PGRES_POLLING_OK) {
				conn_message(c->conn, first_line, sizeof(first_line));
				connect_failed(t, c, first_line, first_line);
				break;
			}
			t->res->conn_ns += now - c->conn_start_ns;
			t->res->conn_count++;
			c->want_write = false;
			if (PQsetnonblocking(c->conn, 1)) {
				client_abort(t, c, "client %u: %s", c->id,
					     conn_message(c->conn, msg, sizeof(msg)));
				break;
			}
			c->stmt = 0;
			c->state = run->mode == PGB_PREPARED ? CS_PREPARE : CS_IDLE;
			break;

		case CS_PREPARE: {
			const struct pgb_stmt *st = &run->script.stmt[c->stmt];

			c->failed_stmt = false;
			if (!PQsendPrepare(c->conn, st->name, st->param_sql, (int)st->nparams,
					   NULL) ||
			    !client_flush(c)) {
				client_abort(t, c, "client %u could not prepare statement %u: %s",
					     c->id, c->stmt,
					     conn_message(c->conn, msg, sizeof(msg)));
				break;
			}
			c->state = CS_PREPARE_WAIT;
			return;
		}

		case CS_PREPARE_WAIT:
			if (!results_in(t, c, revents))
				return;
			if (c->failed_stmt) {
				client_abort(t, c, "client %u could not prepare statement %u: %s",
					     c->id, c->stmt, c->error);
				break;
			}
			c->state = ++c->stmt < run->script.nstmts ? CS_PREPARE : CS_IDLE;
			break;

		case CS_START_CMD:
			if (!send_stmt(run, c)) {
				client_abort(t, c,
					     "client %u script 0 aborted in command %u query 0: %s",
					     c->id, c->stmt,
					     conn_message(c->conn, msg, sizeof(msg)));
				break;
			}
			c->state = CS_WAIT_RESULT;
			return;

		case CS_WAIT_RESULT:
			if (!results_in(t, c, revents))
				return;
			c->state = c->failed_stmt ? CS_ERROR : CS_END_CMD;
			break;

		case CS_END_CMD:
			c->state = ++c->stmt < run->script.nstmts ? CS_START_CMD : CS_END_TX;
			break;

		case CS_ERROR: {
			PGTransactionStatusType tx = PQtransactionStatus(c->conn);

			if (tx != PQTRANS_INERROR && tx != PQTRANS_INTRANS) {
				c->state = CS_RETRY; /* nothing open: the failed try is over */
				break;
			}
			c->failed_stmt = false;
			if (!PQsendQuery(c->conn, "ROLLBACK;") || !client_flush(c)) {
				client_abort(t, c, "client %u could not roll back: %s", c->id,
					     conn_message(c->conn, msg, sizeof(msg)));
				break;
			}
			c->state = CS_ROLLBACK;
			return;
		}

		case CS_ROLLBACK:
			if (!results_in(t, c, revents))
				return;
			if (c->failed_stmt) {
				client_abort(t, c, "client %u could not roll back: %s", c->id,
					     c->error);
				break;
			}
			c->state = CS_RETRY;
			break;

		case CS_RETRY:
			if (!c->retriable) {
				client_abort(t, c,
					     "client %u script 0 aborted in command %u query 0: %s",
					     c->id, c->stmt, c->error);
				break;
			}
			if (max_tries == 0 || c->tries < (uint64_t)max_tries) {
				/* the same transaction again, with the same values, as pgbench */
				c->tries++;
				c->stmt = 0;
				c->state = CS_START_CMD;
				break;
			}
			c->state = CS_FAILURE;
			break;

		case CS_FAILURE:
			worker_record_error(t->w, PGB_OP_TXN);
			t->res->failed++;
			txn_close(t, c);
			c->state = CS_IDLE;
			break;

		case CS_END_TX:
			txn_record(t, c, now);
			txn_close(t, c);
			c->state = CS_IDLE;
			break;

		case CS_FINISHED:
		case CS_ABORTED:
			return;
		}
	}
}
