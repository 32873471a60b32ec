/*
 * client_sql.c - a client's SQL commands: sending one in the run's protocol (the simple
 * protocol's text rendered with the variables, the extended protocols' parameters, -M
 * prepared's Parse on first use as pgbench 15 does it), and reading its results as pgbench's
 * readCommandResponse does (several results for a command joined by \;, \gset and \aset,
 * errors classified as serialization failures, deadlocks or others), and a pipeline's results
 * up to its sync.
 *
 * Results are read without blocking: each one is held until the next arrives (or the NULL
 * that ends the command), so that \gset knows which is the last. Nothing is allocated here
 * but what libpq allocates for results; the rendered text and parameters live in the
 * client's buffers.
 */
#include "client.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The variable's text for SQL, or ":name" as pgbench leaves an unset one. */
static const char *sql_var(struct pgb_client *c, int slot, size_t *len, bool *colon)
{
	const char *s = pgb_var_string(&c->vars, slot, len);

	*colon = !s;
	if (s)
		return s;
	s = c->vars.tab->names[slot];
	*len = strlen(s);
	return s;
}

/* The simple protocol's text in c->sql (grown when a longer value needs it); NULL: ENOMEM */
static const char *render(struct pgb_client *c, const struct pgb_sql *q)
{
	size_t need = 1, len;
	bool colon;

	for (unsigned i = 0; i < q->nsegs; i++) {
		need += q->seg_len[i];
		if (i + 1 < q->nsegs) {
			sql_var(c, q->var[i], &len, &colon);
			need += len + colon;
		}
	}
	if (need > c->sql_cap) {
		char *p = realloc(c->sql, need);
		if (!p)
			return NULL;
		c->sql = p;
		c->sql_cap = need;
	}
	char *out = c->sql;
	for (unsigned i = 0; i < q->nsegs; i++) {
		memcpy(out, q->seg[i], q->seg_len[i]);
		out += q->seg_len[i];
		if (i + 1 < q->nsegs) {
			const char *v = sql_var(c, q->var[i], &len, &colon);
			if (colon)
				*out++ = ':';
			memcpy(out, v, len);
			out += len;
		}
	}
	*out = '\0';
	return c->sql;
}

/* Sends the Parse of command k of the client's script; the client then waits for it. */
static enum pgb_cstate send_prepare(struct pgb_thread *t, struct pgb_client *c, unsigned k)
{
	const struct pgb_sql *q = &c->script->cmds[k].sql;

	c->prep_cmd = k;
	if (t->run->cfg->debug)
		fprintf(stderr, PGB_PROG ": debug: client %u preparing %s\n", c->id, q->prep_name);
	if (!PQsendPrepare(c->conn, q->prep_name, q->param_text, (int)q->nparams, NULL) ||
	    !pgb_client_flush(c)) {
		pgb_command_failed(t, c, "SQL", "SQL command send failed");
		return c->state;
	}
	return CS_PREPARE_WAIT;
}

enum pgb_cstate pgb_sql_prepare_pipeline(struct pgb_thread *t, struct pgb_client *c)
{
	const struct pgb_script *s = c->script;

	for (unsigned k = c->cmd + 1; k < s->ncmds; k++) {
		const struct pgb_command *cmd = &s->cmds[k];
		if (cmd->type == PGB_CMD_META && cmd->meta == PGB_META_ENDPIPELINE)
			break;
		if (cmd->type == PGB_CMD_SQL && !c->prepared[s->cmd_base + k])
			return send_prepare(t, c, k);
	}
	return CS_START_CMD;
}

enum pgb_cstate pgb_sql_send(struct pgb_thread *t, struct pgb_client *c)
{
	const struct pgb_run *run = t->run;
	const struct pgb_command *cmd = &c->script->cmds[c->cmd];
	const struct pgb_sql *q = &cmd->sql;
	bool in_pipeline = PQpipelineStatus(c->conn) != PQ_PIPELINE_OFF;
	int ok;

	/* a pipeline's results are read at its end, where no command's rows can be taken */
	if (in_pipeline && cmd->meta == PGB_META_GSET) {
		pgb_command_failed(t, c, "gset", "\\gset is not allowed in pipeline mode");
		return c->state;
	}
	if (in_pipeline && cmd->meta == PGB_META_ASET) {
		pgb_command_failed(t, c, "aset", "\\aset is not allowed in pipeline mode");
		return c->state;
	}
	if (run->mode == PGB_PREPARED && !c->prepared[c->script->cmd_base + c->cmd]) {
		if (!in_pipeline)
			return send_prepare(t, c, c->cmd);
		/* \startpipeline prepared it unless its Parse failed (said then): go on */
		c->prepared[c->script->cmd_base + c->cmd] = true;
	}
	c->sql_sent = true;
	c->qry = 0;
	pgb_reconnect_note_send(c, q);
	if (run->mode == PGB_SIMPLE) {
		const char *sql = render(c, q);
		if (sql && run->cfg->debug)
			fprintf(stderr, PGB_PROG ": debug: client %u sending %s\n", c->id, sql);
		ok = sql && PQsendQuery(c->conn, sql);
	} else {
		if (run->cfg->debug)
			fprintf(stderr, PGB_PROG ": debug: client %u sending %s\n", c->id,
				run->mode == PGB_EXTENDED ? q->param_text : q->prep_name);
		for (unsigned i = 0; i < q->nparams; i++)
			c->params[i] = pgb_var_string(&c->vars, q->param_var[i], NULL);
		if (run->mode == PGB_EXTENDED)
			ok = PQsendQueryParams(c->conn, q->param_text, (int)q->nparams, NULL,
					       c->params, NULL, NULL, 0);
		else
			ok = PQsendQueryPrepared(c->conn, q->prep_name, (int)q->nparams, c->params,
						 NULL, NULL, 0);
	}
	if (!ok || !pgb_client_flush(c)) {
		pgb_command_failed(t, c, "SQL", "SQL command send failed");
		return c->state;
	}
	/* in a pipeline the next command goes at once; \endpipeline reads the results */
	return in_pipeline ? CS_END_CMD : CS_WAIT_RESULT;
}

/* A result's message without its trailing newline, into c->error */
static const char *result_message(struct pgb_client *c, const PGresult *res)
{
	const char *msg = PQresultErrorMessage(res);
	size_t len = strlen(msg);

	if (!len)
		msg = PQresStatus(PQresultStatus(res)), len = strlen(msg);
	while (len && msg[len - 1] == '\n')
		len--;
	snprintf(c->error, sizeof(c->error), "%.*s", (int)len, msg);
	return c->error;
}

/*
 * An SQL error: a serialization failure or a deadlock ends the try (and may be retried),
 * anything else aborts the client with pgbench's message.
 */
static void take_error(struct pgb_thread *t, struct pgb_client *c, const PGresult *res,
		       unsigned qry)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	result_message(c, res);
	/* a session's end (57P01, 08xxx) is --on-error=reconnect's to judge */
	if (state)
		snprintf(c->sqlstate, sizeof(c->sqlstate), "%s", state);
	if (PQstatus(c->conn) != CONNECTION_BAD && state && !strcmp(state, "40001"))
		c->estatus = PGB_ES_SERIALIZATION;
	else if (PQstatus(c->conn) != CONNECTION_BAD && state && !strcmp(state, "40P01"))
		c->estatus = PGB_ES_DEADLOCK;
	else
		c->estatus = PGB_ES_OTHER;
	if (c->estatus != PGB_ES_OTHER) {
		if (t->run->cfg->verbose_errors)
			fprintf(stderr,
				PGB_PROG ": client %u got an error in command %u (SQL) of "
					 "script %u; %s\n",
				c->id, c->cmd, c->script_no, c->error);
		return;
	}
	pgb_client_abort(t, c, "client %u script %u aborted in command %u query %u: %s", c->id,
			 c->script_no, c->cmd, qry, c->error);
}

/*
 * Stores the row's columns into the variables named prefix + column (those a script reads;
 * the others would never be read). A name pgbench could not store (not a valid variable
 * name, e.g. "?column?") aborts the client with pgbench's two lines. False after aborting.
 */
static bool store_row(struct pgb_thread *t, struct pgb_client *c, const PGresult *res, int row,
		      unsigned qry, bool aset)
{
	const char *prefix = c->script->cmds[c->cmd].varprefix;
	char name[256];

	prefix = prefix ? prefix : "";
	for (int f = 0; f < PQnfields(res); f++) {
		const char *col = PQfname(res, f);
		int len = snprintf(name, sizeof(name), "%s%s", prefix, col);
		if (len < 0 || (size_t)len >= sizeof(name) ||
		    !pgb_valid_var_name(name, (size_t)len)) {
			fprintf(stderr, PGB_PROG ": error: %s: invalid variable name: \"%s\"\n",
				aset ? "aset" : "gset", name);
			pgb_client_abort(t, c,
					 "client %u script %u command %u query %u: error storing "
					 "into variable %s",
					 c->id, c->script_no, c->cmd, qry, name);
			return false;
		}
		int slot = pgb_vartab_find(c->vars.tab, prefix, col);
		if (slot < 0)
			continue;
		if (pgb_var_set_string(&c->vars, slot, PQgetvalue(res, row, f),
				       (size_t)PQgetlength(res, row, f))) {
			pgb_client_abort(t, c,
					 "client %u script %u command %u query %u: error storing "
					 "into variable %s",
					 c->id, c->script_no, c->cmd, qry, name);
			return false;
		}
	}
	return true;
}

/* One result of a command outside a pipeline (readCommandResponse's switch) */
static void take_result(struct pgb_thread *t, struct pgb_client *c, const PGresult *res, bool last)
{
	const struct pgb_command *cmd = &c->script->cmds[c->cmd];
	bool gset = cmd->meta == PGB_META_GSET, aset = cmd->meta == PGB_META_ASET;
	unsigned qry = c->qry++;

	if (c->estatus != PGB_ES_OK)
		return; /* after an error the rest is discarded, as pgbench does */
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
	case PGRES_EMPTY_QUERY:
		if (last && gset)
			pgb_client_abort(t, c,
					 "client %u script %u command %u query %u: expected one "
					 "row, got 0",
					 c->id, c->script_no, c->cmd, qry);
		return;
	case PGRES_TUPLES_OK: {
		int n = PQntuples(res);
		if (!(last && gset) && !aset)
			return;
		if (gset && n != 1) {
			pgb_client_abort(t, c,
					 "client %u script %u command %u query %u: expected one "
					 "row, got %d",
					 c->id, c->script_no, c->cmd, qry, n);
			return;
		}
		/* \aset: every row in turn, so the last one's values stay */
		for (int row = aset ? 0 : n - 1; row < n; row++)
			if (!store_row(t, c, res, row, qry, aset))
				return;
		return;
	}
	case PGRES_COPY_IN:
	case PGRES_COPY_OUT:
	case PGRES_COPY_BOTH:
		pgb_client_abort(t, c, "COPY is not supported in pgbench, aborting");
		return;
	case PGRES_NONFATAL_ERROR:
	case PGRES_FATAL_ERROR:
		take_error(t, c, res, qry);
		return;
	default:
		pgb_client_abort(t, c, "client %u script %u aborted in command %u query %u: %s",
				 c->id, c->script_no, c->cmd, qry, result_message(c, res));
		return;
	}
}

/* One result read up to a pipeline's sync: the first error counts, the rest are dropped */
static bool take_pipeline_result(struct pgb_thread *t, struct pgb_client *c, const PGresult *res)
{
	switch (PQresultStatus(res)) {
	case PGRES_PIPELINE_SYNC:
		if (PQexitPipelineMode(c->conn) != 1) {
			pgb_client_abort(t, c, "client %u failed to exit pipeline mode: %s", c->id,
					 result_message(c, res));
			return false;
		}
		return true;
	case PGRES_NONFATAL_ERROR:
	case PGRES_FATAL_ERROR:
		if (c->estatus == PGB_ES_OK)
			take_error(t, c, res, c->qry);
		break;
	default:
		break;
	}
	c->qry++;
	return !pgb_client_gone(c);
}

/* The Parse of c->prep_cmd: a failure is printed whole and the run goes on, as pgbench's */
static void take_prepare(struct pgb_client *c, const PGresult *res)
{
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		return;
	fprintf(stderr, PGB_PROG ": error: %s\n", result_message(c, res));
}

bool pgb_sql_results(struct pgb_thread *t, struct pgb_client *c, short revents)
{
	char msg[400];

	if (!revents)
		return false;
	if (t->run->cfg->debug)
		fprintf(stderr, PGB_PROG ": debug: client %u receiving\n", c->id);
	if ((revents & POLLOUT) && !pgb_client_flush(c)) {
		pgb_command_failed(t, c, "SQL", pgb_conn_message(c->conn, msg, sizeof(msg)));
		return false;
	}
	if ((revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(c->conn)) {
		pgb_command_failed(t, c, "SQL", "perhaps the backend died while processing");
		return false;
	}
	while (!PQisBusy(c->conn)) {
		PGresult *res = PQgetResult(c->conn);

		if (c->state == CS_PREPARE_WAIT) {
			if (!res)
				return true;
			take_prepare(c, res);
			PQclear(res);
		} else if (c->pipeline_read) {
			if (!res) {
				if (PQpipelineStatus(c->conn) == PQ_PIPELINE_OFF)
					return true;
				/* the end of one command's results: pgbench counts queries per command */
				c->qry = 0;
				continue;
			}
			bool go_on = take_pipeline_result(t, c, res);
			PQclear(res);
			if (!go_on)
				return false;
		} else {
			PGresult *held = c->held;
			c->held = res;
			if (held) {
				take_result(t, c, held, !res);
				PQclear(held);
			}
			if (pgb_client_gone(c)) {
				PQclear(c->held);
				c->held = NULL;
				return false;
			}
			if (!res) {
				if (c->qry == 0) {
					pgb_client_abort(t, c, "client %u command %u: no results",
							 c->id, c->cmd);
					return false;
				}
				return true;
			}
		}
	}
	return false;
}
