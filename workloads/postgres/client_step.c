/*
 * client_step.c - one client's state machine over libpq's asynchronous API, in one step
 * function written as pgbench 15's advanceConnectionState is: a `for (;;) switch` over the
 * states documented in client.h, where a transition is an assignment to c->state and `return`
 * means "wait for the socket or a time". The thread's loop (client.c) calls it when the socket
 * is ready, when a time comes, and to start idle clients.
 *
 * A transaction runs one script, chosen by weight: its commands in order, SQL sent and its
 * results awaited one command at a time (a pipeline's sent without waiting and read at its
 * end), meta-commands executed on the spot (client_meta.c). Its latency runs from the start
 * (under -R: from the scheduled start, so a slow server cannot hide behind the schedule) to
 * the end of its last command. A serialization failure or deadlock rolls back and runs the
 * script again from its first command, with the random state it began with, up to
 * --max-tries; any other error aborts the client, and the others go on.
 */
#include "client.h"

#include <stdarg.h>
#include <string.h>

#include "pvcbench/clock.h"
#include "pvcbench/rng.h"

void pgb_client_close(struct pgb_client *c)
{
	PQclear(c->held);
	c->held = NULL;
	if (c->conn)
		PQfinish(c->conn);
	c->conn = NULL;
}

/*
 * The live metrics' oldest transaction in flight of the thread (worker_set_inflight_since):
 * published when the first begins, and again only when the oldest ends (a walk of the
 * thread's clients), so once per transaction at most.
 */
static void txn_inflight_begin(struct pgb_thread *t, struct pgb_client *c)
{
	c->in_txn = true;
	if (!t->inflight_pub) {
		t->inflight_pub = c->begin_ns;
		worker_set_inflight_since(t->w, c->begin_ns);
	}
}

static void txn_inflight_end(struct pgb_thread *t, struct pgb_client *c)
{
	uint64_t oldest = 0;

	if (!c->in_txn)
		return;
	c->in_txn = false;
	if (c->begin_ns != t->inflight_pub)
		return; /* an older one is still under way */
	for (unsigned i = 0; i < t->n; i++) {
		const struct pgb_client *o = &t->clients[i];
		if (o->in_txn && (!oldest || o->begin_ns < oldest))
			oldest = o->begin_ns;
	}
	t->inflight_pub = oldest;
	worker_set_inflight_since(t->w, oldest);
}

/* The client is done for good; the thread stops when no client is live. */
static void client_stop(struct pgb_thread *t, struct pgb_client *c, enum pgb_cstate state)
{
	txn_inflight_end(t, c);
	pgb_client_close(c);
	c->state = state;
	t->live--;
}

void pgb_client_finish(struct pgb_thread *t, struct pgb_client *c)
{
	client_stop(t, c, CS_FINISHED);
}

void pgb_client_abort(struct pgb_thread *t, struct pgb_client *c, const char *fmt, ...)
{
	va_list ap;
	char msg[sizeof(t->res->abort_error)];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* --on-error=reconnect: a broken session is survived (client_reconnect.c) */
	if (pgb_reconnect_take(t, c, msg))
		return;
	/* printed as it happens, as pgbench prints it; the first is kept for the summary */
	fprintf(stderr, PGB_PROG ": error: %s\n", msg);
	if (!t->res->aborted)
		snprintf(t->res->abort_error, sizeof(t->res->abort_error), "%s", msg);
	t->res->aborted++;
	client_stop(t, c, CS_ABORTED);
}

void pgb_command_failed(struct pgb_thread *t, struct pgb_client *c, const char *what,
			const char *message)
{
	pgb_client_abort(t, c, "client %u aborted in command %u (%s) of script %u; %s", c->id,
			 c->cmd, what, c->script_no, message);
}

const char *pgb_conn_message(PGconn *conn, char *buf, size_t size)
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

bool pgb_client_flush(struct pgb_client *c)
{
	int r = PQflush(c->conn);

	c->want_write = r == 1;
	return r >= 0;
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
		pgb_client_abort(t, c, "client %u aborted while establishing connection: %s", c->id,
				 why);
		return;
	}
	if (!t->res->not_connected)
		snprintf(t->res->conn_error, sizeof(t->res->conn_error), "%s", first_line);
	t->res->not_connected++;
	client_stop(t, c, CS_ABORTED);
}

static bool client_has_more(const struct pgb_thread *t, const struct pgb_client *c)
{
	int64_t n = t->run->cfg->transactions;

	return n <= 0 || c->done < (uint64_t)n;
}

/* pgbench's chooseScript: by weight, from the thread's own random sequence */
static void choose_script(struct pgb_thread *t, struct pgb_client *c)
{
	const struct pgb_scripts *ss = t->run->scripts;
	unsigned i = 0;

	if (ss->n > 1) {
		int64_t w = (int64_t)pgb_prng_upto(t->choose_rng, (uint64_t)ss->total_weight - 1);
		do
			w -= ss->s[i++].weight;
		while (w >= 0);
		i--;
	}
	c->script_no = i;
	c->script = &ss->s[i];
	if (t->run->cfg->debug)
		fprintf(stderr, PGB_PROG ": debug: client %u executing script \"%s\"\n", c->id,
			c->script->desc);
}

/*
 * The transaction is over (processed, failed after its tries, or skipped under -R and -L):
 * pgbench's processXactStats. Latency and lag only for a processed one.
 */
static void txn_end(struct pgb_thread *t, struct pgb_client *c, uint64_t now, bool skipped)
{
	const struct pgb_run *run = t->run;
	struct pgb_thread_result *r = t->res;
	struct pgb_script_stats *ss = &r->scripts[c->script_no];
	enum pgb_txn_status status = PGB_TXN_SKIPPED;
	uint64_t lat = 0, lag = 0;

	if (skipped) {
		r->skipped++;
		ss->skipped++;
	} else {
		if (c->tries > 1) {
			r->retried++;
			r->retries += c->tries - 1;
			ss->retried++;
			ss->retries += c->tries - 1;
		}
		switch (c->estatus) {
		case PGB_ES_OK: {
			uint64_t from = run->throttle_ns ? c->scheduled_ns : c->begin_ns;
			lat = now > from ? now - from : 0;
			worker_record(t->w, PGB_OP_TXN, lat, 0);
			ss->processed++;
			pgb_simple_add(&ss->latency, (double)lat);
			if (run->throttle_ns) {
				lag = c->begin_ns > c->scheduled_ns ? c->begin_ns - c->scheduled_ns
								    : 0;
				worker_record(t->w, PGB_OP_LAG, lag, 0);
				pgb_simple_add(&ss->lag, (double)lag);
			}
			if (run->latency_limit_ns && lat > run->latency_limit_ns)
				r->late++;
			status = PGB_TXN_OK;
			break;
		}
		case PGB_ES_OTHER: /* aborts the client: never ends a transaction */
			break;
		case PGB_ES_SERIALIZATION:
			r->serialization_failures++;
			ss->serialization_failures++;
			status = PGB_TXN_SERIALIZATION;
			break;
		case PGB_ES_DEADLOCK:
			r->deadlock_failures++;
			ss->deadlock_failures++;
			status = PGB_TXN_DEADLOCK;
			break;
		}
		if (status == PGB_TXN_SERIALIZATION || status == PGB_TXN_DEADLOCK) {
			worker_record_error(t->w, PGB_OP_TXN);
			r->failed++;
		}
	}
	txn_inflight_end(t, c);
	c->done++;
	if (t->log)
		pgb_txlog_txn(t->log, now, c->id, c->done, c->script_no, status, lat, lag,
			      skipped ? 0 : c->tries - 1);
	c->scheduled_set = false;
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
		txn_end(t, c, now, true);
		if (!client_has_more(t, c))
			return false;
	}
	return true;
}

/* The transaction's first try begins: what a retry goes back to */
static void txn_begin(struct pgb_client *c, uint64_t now)
{
	c->begin_ns = now;
	c->tries = 1;
	c->cmd = 0;
	c->estatus = PGB_ES_OK;
	c->sql_sent = false;
	c->elif_eval = false;
	c->resumed = false;
	c->sqlstate[0] = '\0';
	c->commit_in_flight = false;
	c->rng_saved[0] = c->rng[0];
	c->rng_saved[1] = c->rng[1];
}

/* pgbench's doRetry: a serialization failure or deadlock, with tries and time left */
static bool can_retry(const struct pgb_thread *t, const struct pgb_client *c, uint64_t now)
{
	const struct pgb_run *run = t->run;
	int64_t max_tries = run->cfg->max_tries;
	uint64_t from = run->throttle_ns ? c->scheduled_ns : c->begin_ns;

	if (c->estatus != PGB_ES_SERIALIZATION && c->estatus != PGB_ES_DEADLOCK)
		return false;
	if (max_tries && c->tries >= (uint64_t)max_tries)
		return false;
	if (run->latency_limit_ns && now - from > run->latency_limit_ns)
		return false;
	return !t->draining;
}

/* --verbose-errors: pgbench's printVerboseErrorMessages */
static void verbose_error(const struct pgb_thread *t, const struct pgb_client *c, uint64_t now,
			  bool retry)
{
	const struct pgb_run *run = t->run;
	char line[256];
	size_t n = 0;
	uint64_t from = run->throttle_ns ? c->scheduled_ns : c->begin_ns;

	n = pgb_append(line, sizeof(line), n, "client %u %s (try %u", c->id,
		       retry ? "repeats the transaction after the error"
			     : "ends the failed transaction",
		       c->tries);
	if (run->cfg->max_tries)
		n = pgb_append(line, sizeof(line), n, "/%lld", (long long)run->cfg->max_tries);
	if (run->latency_limit_ns)
		n = pgb_append(line, sizeof(line), n,
			       ", %.3f%% of the maximum time of tries was used",
			       100.0 * (double)(now - from) / (double)run->latency_limit_ns);
	fprintf(stderr, PGB_PROG ": %s)\n", line);
}

/* Reads the ROLLBACK's result; true when it is in (c->state says if the client aborted) */
static bool rollback_done(struct pgb_thread *t, struct pgb_client *c, short revents)
{
	char msg[400];

	if (!revents)
		return false;
	if (((revents & POLLOUT) && !pgb_client_flush(c)) || !PQconsumeInput(c->conn)) {
		pgb_client_abort(t, c,
				 "client %u aborted while rolling back the transaction after an "
				 "error; perhaps the backend died while processing",
				 c->id);
		return false;
	}
	while (!PQisBusy(c->conn)) {
		PGresult *res = PQgetResult(c->conn);
		if (!res)
			return true;
		bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (!ok) {
			pgb_client_abort(t, c,
					 "client %u aborted while rolling back the transaction "
					 "after an error; %s",
					 c->id, pgb_conn_message(c->conn, msg, sizeof(msg)));
			return false;
		}
	}
	return false;
}

/* The end of the script: no transaction block may be left open (pgbench's checks) */
static bool txn_closed(struct pgb_thread *t, struct pgb_client *c)
{
	PGTransactionStatusType tx = PQtransactionStatus(c->conn);

	if (tx == PQTRANS_IDLE)
		return true;
	if (tx == PQTRANS_INTRANS || tx == PQTRANS_INERROR)
		pgb_client_abort(t, c,
				 "client %u aborted: end of script reached without completing "
				 "the last transaction",
				 c->id);
	else
		pgb_client_abort(t, c, "client %u aborted while receiving the transaction status",
				 c->id);
	return false;
}

/* -r: a command's time from its start to its end, as pgbench's per-command latency */
static void cmd_record(struct pgb_thread *t, const struct pgb_client *c)
{
	struct pgb_cmd_stats *cs = &t->res->cmds[c->script->cmd_base + c->cmd];
	uint64_t end = clock_now_ns();

	pgb_simple_add(&cs->latency, (double)(end > c->cmd_begin_ns ? end - c->cmd_begin_ns : 0));
}

void pgb_client_step(struct pgb_thread *t, struct pgb_client *c, short revents, uint64_t now)
{
	const struct pgb_run *run = t->run;
	const struct pgb_conninfo *ci = run->ci;
	bool per_command = run->cfg->report_per_command;
	bool read_ahead = false; /* a read made here without poll: now is older than its result */
	char msg[400], first_line[512];

	for (;;) {
		switch (c->state) {
		case CS_IDLE:
			if (!t->running)
				return;
			if (t->draining || !client_has_more(t, c)) {
				pgb_client_finish(t, c);
				break;
			}
			if (!c->script)
				choose_script(t, c);
			if (run->throttle_ns && !draw_schedule(t, c, now)) {
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
			txn_begin(c, now);
			txn_inflight_begin(t, c);
			/* pgbench's lag: how late the transaction began after its scheduled start */
			if (run->throttle_ns)
				worker_set_schedule_lag(
					t->w, now > c->scheduled_ns ? now - c->scheduled_ns : 0);
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
			if (c->reconnecting && c->reconnect_deadline_ns < c->conn_deadline_ns)
				c->conn_deadline_ns = c->reconnect_deadline_ns;
			c->poll =
				PGRES_POLLING_WRITING; /* as libpq's documentation says to begin */
			c->want_write = true;
			if (!c->conn || PQstatus(c->conn) == CONNECTION_BAD) {
				pgb_conn_message(c->conn, first_line, sizeof(first_line));
				connect_failed(t, c, first_line, first_line);
				break;
			}
			pgb_reconnect_watch(c);
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
				pgb_conn_message(c->conn, first_line, sizeof(first_line));
				connect_failed(t, c, first_line, first_line);
				break;
			}
			t->res->conn_ns += now - c->conn_start_ns;
			t->res->conn_count++;
			pgb_reconnect_done(t, c);
			c->want_write = false;
			if (PQsetnonblocking(c->conn, 1)) {
				pgb_client_abort(t, c, "client %u: %s", c->id,
						 pgb_conn_message(c->conn, msg, sizeof(msg)));
				break;
			}
			/* a new session: nothing is prepared in it yet */
			if (c->prepared)
				memset(c->prepared, 0,
				       run->scripts->total_cmds * sizeof(*c->prepared));
			c->state = CS_IDLE;
			break;

		case CS_START_CMD:
			if (c->cmd >= c->script->ncmds) {
				if (PQpipelineStatus(c->conn) != PQ_PIPELINE_OFF) {
					pgb_client_abort(t, c,
							 "client %u aborted: end of script reached "
							 "with pipeline open",
							 c->id);
					break;
				}
				c->state = CS_END_TX;
				break;
			}
			if (per_command && !c->resumed)
				c->cmd_begin_ns = clock_now_ns();
			c->resumed = false;
			c->next_cmd = c->cmd + 1;
			if (c->script->cmds[c->cmd].type == PGB_CMD_SQL)
				c->state = pgb_sql_send(t, c);
			else
				c->state = pgb_meta_exec(t, c, &now);
			/*
			 * Read at once, as pgbench does: a quick server has often answered
			 * already, and a read that finds nothing costs less than the ppoll()
			 * it would take to learn so. (What poll said was for the command before.)
			 */
			if (c->state == CS_WAIT_RESULT || c->state == CS_PREPARE_WAIT) {
				if (c->want_write)
					return;
				revents = POLLIN;
				read_ahead = true;
			}
			break;

		case CS_PREPARE_WAIT:
			if (!pgb_sql_results(t, c, revents))
				return;
			if (read_ahead) {
				now = clock_now_ns();
				read_ahead = false;
			}
			c->prepared[c->script->cmd_base + c->prep_cmd] = true;
			c->resumed = true;
			c->state = CS_START_CMD;
			break;

		case CS_WAIT_RESULT:
			if (!pgb_sql_results(t, c, revents))
				return;
			/* the results came in this step: the time they did, for the latencies */
			if (read_ahead) {
				now = clock_now_ns();
				read_ahead = false;
			}
			c->pipeline_read = false;
			c->commit_in_flight = false; /* its answer came */
			c->state = c->estatus == PGB_ES_OK ? CS_END_CMD : CS_ERROR;
			break;

		case CS_SLEEP:
			if (now < c->sleep_until_ns)
				return;
			c->state = CS_END_CMD;
			break;

		case CS_END_CMD:
			if (per_command)
				cmd_record(t, c);
			c->cmd = c->next_cmd;
			c->state = CS_START_CMD;
			break;

		case CS_ERROR: {
			PGTransactionStatusType tx = PQtransactionStatus(c->conn);

			if (tx == PQTRANS_INERROR || tx == PQTRANS_INTRANS) {
				if (!PQsendQuery(c->conn, "ROLLBACK") || !pgb_client_flush(c)) {
					pgb_client_abort(t, c,
							 "client %u aborted: failed to send sql "
							 "command for rolling back the failed "
							 "transaction",
							 c->id);
					break;
				}
				c->state = CS_ROLLBACK;
				if (c->want_write)
					return;
				revents = POLLIN; /* read at once, as after any command */
				read_ahead = true;
				break;
			}
			if (tx != PQTRANS_IDLE) {
				pgb_client_abort(t, c,
						 "client %u aborted while receiving the "
						 "transaction status",
						 c->id);
				break;
			}
			/* after -T, pgbench ends the client without counting the try */
			if (t->draining) {
				pgb_client_finish(t, c);
				break;
			}
			c->state = can_retry(t, c, now) ? CS_RETRY : CS_FAILURE;
			break;
		}

		case CS_ROLLBACK:
			if (!rollback_done(t, c, revents))
				return;
			if (read_ahead) {
				now = clock_now_ns();
				read_ahead = false;
			}
			if (t->draining) {
				pgb_client_finish(t, c);
				break;
			}
			c->state = can_retry(t, c, now) ? CS_RETRY : CS_FAILURE;
			break;

		case CS_RETRY:
			if (run->cfg->verbose_errors)
				verbose_error(t, c, now, true);
			c->tries++;
			t->res->cmds[c->script->cmd_base + c->cmd].retries++;
			/* the same transaction again: the random state it began with */
			c->rng[0] = c->rng_saved[0];
			c->rng[1] = c->rng_saved[1];
			c->cmd = 0;
			c->estatus = PGB_ES_OK;
			c->elif_eval = false;
			c->state = CS_START_CMD;
			break;

		case CS_FAILURE:
			t->res->cmds[c->script->cmd_base + c->cmd].failures++;
			if (run->cfg->verbose_errors)
				verbose_error(t, c, now, false);
			txn_end(t, c, now, false);
			c->state = CS_END_TX;
			break;

		case CS_END_TX: {
			bool sent = c->sql_sent;

			if (c->estatus == PGB_ES_OK)
				txn_end(t, c, now, false);
			if (!txn_closed(t, c))
				break;
			if (run->cfg->connect)
				pgb_client_close(c);
			c->script = NULL;
			c->state = CS_IDLE;
			/* a script of meta-commands alone yields here, as pgbench's */
			if (!sent)
				return;
			break;
		}

		case CS_RECONNECT:
			if (now < c->sleep_until_ns)
				return;
			c->state = CS_CONNECT;
			break;

		case CS_FINISHED:
		case CS_ABORTED:
			return;
		}
	}
}
