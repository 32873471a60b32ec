/*
 * client_reconnect.c - --on-error=reconnect (the default): a client whose session breaks in
 * the middle of the run (the server stopped, crashed or restarted) counts what it lost and
 * connects again, instead of aborting as pgbench 15's does (--on-error=abort keeps that).
 *
 * A session is broken when libpq says so (PQstatus CONNECTION_BAD, a failed send or read) or
 * the server ended it with a SQLSTATE of class 08 (connection exception) or 57P01
 * admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now. The transaction under way
 * is then counted once:
 *   - in doubt, when the answer lost was a COMMIT's (or END's, or a statement's sent outside a
 *     transaction block, which commits by itself): the server may or may not have committed;
 *   - failed otherwise, by its SQLSTATE ("08006", connection_failure, when the connection
 *     broke without one), through worker_record_failure so that the outage windows name it.
 * Either way it uses up one of the client's -t transactions. The client then waits (10 ms,
 * doubling up to 50 ms between attempts, so that the end of an outage is seen within 0.1 s)
 * and connects again; a failed attempt waits again, until --timeout seconds have passed since
 * the loss: then the client aborts as pgbench's would. The new session starts a new
 * transaction (the script chosen again); -M prepared prepares again on first use.
 *
 * Invariant: every path that would abort a client goes through pgb_client_abort, which asks
 * pgb_reconnect_take first; a client taken over has no session and rests in CS_RECONNECT (or
 * CS_FINISHED when the run is draining), which its callers see through pgb_client_gone.
 */
#include "client.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "pvcbench/clock.h"

#define BACKOFF_FIRST_NS 10000000ULL /* 10 ms */
#define BACKOFF_MAX_NS 50000000ULL   /* 50 ms: an outage's end is seen within 0.1 s */
#define CAUSE_NO_SQLSTATE "08006"    /* connection_failure: broken with no SQLSTATE */

static bool sqlstate_ends_session(const char *s)
{
	return !strncmp(s, "08", 2) || !strcmp(s, "57P01") || !strcmp(s, "57P02") ||
	       !strcmp(s, "57P03");
}

static bool session_broken(const struct pgb_client *c)
{
	return !c->conn || PQstatus(c->conn) == CONNECTION_BAD ||
	       (c->sqlstate[0] && sqlstate_ends_session(c->sqlstate));
}

/* Between its start and its end (END_TX has counted it already) */
static bool txn_under_way(const struct pgb_client *c)
{
	switch (c->state) {
	case CS_START_CMD:
	case CS_PREPARE_WAIT:
	case CS_WAIT_RESULT:
	case CS_SLEEP:
	case CS_END_CMD:
	case CS_ERROR:
	case CS_ROLLBACK:
	case CS_RETRY:
	case CS_FAILURE:
		return true;
	default:
		return false;
	}
}

static void count_lost(struct pgb_thread *t, struct pgb_client *c, const char *msg)
{
	struct pgb_thread_result *r = t->res;
	const char *cause = c->sqlstate[0] && sqlstate_ends_session(c->sqlstate)
				    ? c->sqlstate
				    : CAUSE_NO_SQLSTATE;

	c->done++;
	if (c->commit_in_flight) {
		/* not a failure: it may have committed (--check allows for it) */
		r->in_doubt++;
	} else {
		r->conn_failed++;
		stall_causes_add(r->lost_causes, &r->nlost_causes, cause, 1);
		worker_record_failure(t->w, PGB_OP_TXN, cause);
	}
	if (t->run->cfg->verbose_errors)
		fprintf(stderr, PGB_PROG ": client %u lost its session (%s, transaction %s): %s\n",
			c->id, cause, c->commit_in_flight ? "in doubt" : "failed", msg);
}

bool pgb_reconnect_take(struct pgb_thread *t, struct pgb_client *c, const char *msg)
{
	const struct pgb_run *run = t->run;
	bool connecting = c->state == CS_CONNECT || c->state == CS_CONNECTING;
	uint64_t now;

	if (!run->reconnect || !t->running || (!connecting && !session_broken(c)))
		return false;
	now = clock_now_ns();
	if (!connecting && txn_under_way(c))
		count_lost(t, c, msg);
	pgb_client_close(c);
	c->script = NULL;
	c->commit_in_flight = false;
	c->sqlstate[0] = '\0';
	if (t->draining) {
		pgb_client_finish(t, c);
		return true;
	}
	if (!c->reconnecting) {
		c->reconnecting = true;
		c->reconnect_deadline_ns = now + run->reconnect_timeout_ns;
		c->backoff_ns = BACKOFF_FIRST_NS;
	} else if (now >= c->reconnect_deadline_ns) {
		fprintf(stderr,
			PGB_PROG ": error: client %u could not reconnect in %lld s (--timeout)\n",
			c->id, (long long)run->cfg->reconnect_timeout);
		return false;
	} else {
		c->backoff_ns *= 2;
		if (c->backoff_ns > BACKOFF_MAX_NS)
			c->backoff_ns = BACKOFF_MAX_NS;
	}
	c->sleep_until_ns = now + c->backoff_ns;
	if (c->sleep_until_ns > c->reconnect_deadline_ns)
		c->sleep_until_ns = c->reconnect_deadline_ns;
	c->state = CS_RECONNECT;
	return true;
}

/*
 * libpq reports a FATAL that arrives outside a query's results (57P01 when a fast shutdown
 * ends an idle or busy session) through the notice receiver, then only sees the socket close:
 * keep its SQLSTATE so the loss is counted by it, and print it as libpq's default would.
 */
static void notice_receiver(void *arg, const PGresult *res)
{
	struct pgb_client *c = arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	/* an immediate shutdown says 57P02 as a WARNING before it closes the socket */
	if (state && ((severity && (!strcmp(severity, "FATAL") || !strcmp(severity, "PANIC"))) ||
		      sqlstate_ends_session(state)))
		snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state);
	fputs(PQresultErrorMessage(res), stderr);
}

void pgb_reconnect_watch(struct pgb_client *c)
{
	if (c->conn)
		PQsetNoticeReceiver(c->conn, notice_receiver, c);
}

void pgb_reconnect_done(struct pgb_thread *t, struct pgb_client *c)
{
	if (!c->reconnecting)
		return;
	c->reconnecting = false;
	t->res->reconnects++;
}

/* s begins with the keyword kw (case-insensitive), followed by no letter */
static bool starts_with_word(const char *s, const char *kw)
{
	size_t n = strlen(kw);

	return !strncasecmp(s, kw, n) && !isalnum((unsigned char)s[n]) && s[n] != '_';
}

void pgb_reconnect_note_send(struct pgb_client *c, const struct pgb_sql *q)
{
	const char *s = q->text;

	while (*s && isspace((unsigned char)*s))
		s++;
	if (starts_with_word(s, "commit") || starts_with_word(s, "end")) {
		c->commit_in_flight = true;
		return;
	}
	/* outside a block, a statement is a transaction of its own: its answer acknowledges it */
	if (PQtransactionStatus(c->conn) == PQTRANS_IDLE && !starts_with_word(s, "begin") &&
	    !starts_with_word(s, "start"))
		c->commit_in_flight = true;
}
