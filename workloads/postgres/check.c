/*
 * check.c - --check: after a tpcb-like run, on the same database, proof that what the server
 * acknowledged survived (a crash, a restart) and nothing was applied by halves.
 *
 * Each tpcb-like transaction adds the same delta to one account, one teller and one branch and
 * inserts one pgbench_history row with it, so at every commit boundary
 *     sum(abalance) = sum(tbalance) = sum(bbalance) = sum(delta) + offset,
 * where offset is 0 after `pgbench -i` and is what the history lost when pgbench's vacuum
 * step emptied it before a later run: it is measured before the run (after that step), so
 * the invariant is checked for whatever the database held. And the history rows the run
 * added lie between the transactions whose COMMIT was acknowledged (processed) and those plus
 * the ones in doubt (their COMMIT's answer lost with the connection: committed or not).
 *
 * The figures are read with one query each time, in one snapshot. A failed check is the
 * run's error: pgbench's exit status 2 (pgbench.c), with a loud line on stderr.
 */
#include "pgbench.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/report.h"

static const char sums_sql[] = "select (select coalesce(sum(abalance), 0) from pgbench_accounts),"
			       " (select coalesce(sum(bbalance), 0) from pgbench_branches),"
			       " (select coalesce(sum(tbalance), 0) from pgbench_tellers),"
			       " (select coalesce(sum(delta), 0) from pgbench_history),"
			       " (select count(*) from pgbench_history)";

/* The sums in one snapshot; 0, or -1 with the reason in err */
static int read_sums(const struct pgb_conninfo *ci, struct pgb_check_sums *sums, char *err,
		     size_t err_size)
{
	PGconn *conn = PQconnectdbParams(ci->keywords, ci->values, 1);
	PGresult *res = NULL;
	int ret = -1;

	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		pgb_first_line(conn ? PQerrorMessage(conn) : "out of memory", err, err_size);
		goto out;
	}
	res = PQexec(conn, sums_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		pgb_first_line(PQerrorMessage(conn), err, err_size);
		goto out;
	}
	int64_t *v[] = { &sums->accounts, &sums->branches, &sums->tellers, &sums->history,
			 &sums->history_rows };
	for (int i = 0; i < 5; i++)
		*v[i] = strtoll(PQgetvalue(res, 0, i), NULL, 10);
	ret = 0;
out:
	PQclear(res);
	PQfinish(conn);
	return ret;
}

int pgb_check_before(const struct pgb_conninfo *ci, struct pgb_check *chk)
{
	char err[sizeof(chk->error)];

	if (read_sums(ci, &chk->before, err, sizeof(err))) {
		fprintf(stderr,
			"pvcbench pgbench: error: --check: could not read the sums before "
			"the run: %s\n",
			err);
		return -1;
	}
	return 0;
}

void pgb_check_after(const struct pgb_conninfo *ci, struct pgb_check *chk, uint64_t acknowledged,
		     uint64_t in_doubt)
{
	const struct pgb_check_sums *b = &chk->before, *a = &chk->after;
	char err[400];

	chk->acknowledged = acknowledged;
	chk->in_doubt = in_doubt;
	if (read_sums(ci, &chk->after, err, sizeof(err))) {
		snprintf(chk->error, sizeof(chk->error),
			 "could not read the sums after the run: %s", err);
		chk->ok = false;
		return;
	}
	chk->done = true;
	int64_t offset = b->accounts - b->history;
	chk->invariant_ok = a->accounts == a->branches && a->accounts == a->tellers &&
			    a->accounts - a->history == offset;
	int64_t added = a->history_rows - b->history_rows;
	chk->count_ok = added >= 0 && (uint64_t)added >= acknowledged &&
			(uint64_t)added <= acknowledged + in_doubt;
	chk->ok = chk->invariant_ok && chk->count_ok;
}

void pgb_check_print(FILE *out, const struct pgb_check *chk)
{
	const struct pgb_check_sums *b = &chk->before, *a = &chk->after;

	if (!chk->done) {
		fprintf(out, "check: %s%s\n", chk->skipped ? "" : "FAILED: ", chk->error);
		return;
	}
	fprintf(out,
		"check: sum(abalance) = %" PRId64 ", sum(tbalance) = %" PRId64
		", sum(bbalance) = %" PRId64 ", sum(delta) = %" PRId64 " + %" PRId64
		" (balance not in pgbench_history before the run): %s\n",
		a->accounts, a->tellers, a->branches, a->history, b->accounts - b->history,
		chk->invariant_ok ? "ok" : "FAILED");
	fprintf(out,
		"check: pgbench_history rows added by the run = %" PRId64
		", acknowledged transactions = %" PRIu64 ", in doubt = %" PRIu64 ": %s\n",
		a->history_rows - b->history_rows, chk->acknowledged, chk->in_doubt,
		chk->count_ok ? "ok"
		: a->history_rows - b->history_rows < (int64_t)chk->acknowledged
			? "FAILED (acknowledged transactions are missing)"
			: "FAILED (more rows than transactions sent)");
}

static void json_sums(struct jsonw *j, const char *key, const struct pgb_check_sums *s)
{
	jsonw_object_begin(j, key);
	jsonw_i64(j, "sum_abalance", s->accounts);
	jsonw_i64(j, "sum_bbalance", s->branches);
	jsonw_i64(j, "sum_tbalance", s->tellers);
	jsonw_i64(j, "sum_delta", s->history);
	jsonw_i64(j, "history_rows", s->history_rows);
	jsonw_object_end(j);
}

void pgb_check_json(struct jsonw *j, const struct pgb_check *chk)
{
	jsonw_object_begin(j, "check");
	jsonw_bool(j, "ok", chk->ok);
	jsonw_bool(j, "skipped", chk->skipped);
	jsonw_string(j, "error", chk->error);
	if (chk->done) {
		jsonw_bool(j, "invariant_ok", chk->invariant_ok);
		jsonw_bool(j, "count_ok", chk->count_ok);
		jsonw_i64(j, "history_rows_added",
			  chk->after.history_rows - chk->before.history_rows);
		jsonw_u64(j, "acknowledged", chk->acknowledged);
		jsonw_u64(j, "in_doubt", chk->in_doubt);
		json_sums(j, "before", &chk->before);
		json_sums(j, "after", &chk->after);
	}
	jsonw_object_end(j);
}
