/*
 * init.c - `pvcbench pgbench -i`: pgbench's four tables at a scale factor, step by step as
 * -I names them (d drop, t create, g generate client-side with COPY, G generate server-side,
 * v vacuum, p primary keys, f foreign keys), with pgbench's progress and timing lines.
 * The tables, their columns and keys are pgbench's, so either tool can run on them.
 */
#include "pgbench.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "pvcbench/clock.h"

#define NBRANCHES 1
#define NTELLERS 10
#define NACCOUNTS 100000
#define COPY_BUF (256 * 1024)
#define SCALE_BIGINT 20000 /* from this scale on, aid does not fit an int */

struct table {
	const char *name, *cols, *bigcols;
	bool fillfactor;
};

/*
 * In pgbench's order of creation. The filler columns pad rows to pgbench's sizes: accounts get
 * an empty filler (blank-padded), branches and tellers NULL, as pgbench loads them.
 */
static const struct table tables[] = {
	{ "pgbench_history", "tid int,bid int,aid    int,delta int,mtime timestamp,filler char(22)",
	  "tid int,bid int,aid bigint,delta int,mtime timestamp,filler char(22)", false },
	{ "pgbench_tellers", "tid int not null,bid int,tbalance int,filler char(84)", NULL, true },
	{ "pgbench_accounts", "aid    int not null,bid int,abalance int,filler char(84)",
	  "aid bigint not null,bid int,abalance int,filler char(84)", true },
	{ "pgbench_branches", "bid int not null,bbalance int,filler char(88)", NULL, true },
};

static int run_sql(PGconn *conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int run_sql(PGconn *conn, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	return pgb_exec(conn, sql);
}

static int step_drop(PGconn *conn, const struct pgb_config *cfg)
{
	fprintf(stderr, "dropping old tables...\n");
	return run_sql(conn, "drop table if exists pgbench_accounts, pgbench_branches, "
			     "pgbench_history, pgbench_tellers");
}

static int create_partitions(PGconn *conn, const struct pgb_config *cfg)
{
	int64_t parts = cfg->partitions;
	int64_t total = NACCOUNTS * cfg->scale;
	int64_t part_size = (total + parts - 1) / parts;
	bool range = !strcmp(cfg->partition_method, "range");
	const char *unlogged = cfg->unlogged_tables ? " unlogged" : "";

	for (int64_t p = 1; p <= parts; p++) {
		char bounds[128], ff[48] = "";
		if (range) {
			char lo[32], hi[32];
			if (p == 1)
				snprintf(lo, sizeof(lo), "minvalue");
			else
				snprintf(lo, sizeof(lo), "%" PRId64, (p - 1) * part_size + 1);
			if (p == parts)
				snprintf(hi, sizeof(hi), "maxvalue");
			else
				snprintf(hi, sizeof(hi), "%" PRId64, p * part_size + 1);
			snprintf(bounds, sizeof(bounds), "for values from (%s) to (%s)", lo, hi);
		} else {
			snprintf(bounds, sizeof(bounds),
				 "for values with (modulus %" PRId64 ", remainder %" PRId64 ")",
				 parts, p - 1);
		}
		snprintf(ff, sizeof(ff), " with (fillfactor=%lld)", (long long)cfg->fillfactor);
		if (run_sql(conn,
			    "create%s table pgbench_accounts_%" PRId64
			    " partition of pgbench_accounts %s%s",
			    unlogged, p, bounds, ff))
			return -1;
	}
	return 0;
}

/* " tablespace NAME" (NAME quoted as an identifier) into buf, or "" without one */
static int tablespace_clause(PGconn *conn, const char *keyword, const char *name, char *buf,
			     size_t size)
{
	buf[0] = '\0';
	if (!name[0])
		return 0;
	char *ident = PQescapeIdentifier(conn, name, strlen(name));
	if (!ident) {
		fprintf(stderr, "pvcbench pgbench: error: %s", PQerrorMessage(conn));
		return -1;
	}
	snprintf(buf, size, " %s %s", keyword, ident);
	PQfreemem(ident);
	return 0;
}

static int step_create(PGconn *conn, const struct pgb_config *cfg)
{
	char ts[OPT_STRING_MAX * 2 + 32];

	if (tablespace_clause(conn, "tablespace", cfg->tablespace, ts, sizeof(ts)))
		return -1;
	fprintf(stderr, "creating tables...\n");
	for (unsigned i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		const struct table *t = &tables[i];
		bool accounts = !strcmp(t->name, "pgbench_accounts");
		bool partitioned = accounts && cfg->partitions > 0;
		char opts[OPT_STRING_MAX + 32] = "";
		const char *cols = cfg->scale >= SCALE_BIGINT && t->bigcols ? t->bigcols : t->cols;

		if (partitioned)
			snprintf(opts, sizeof(opts), " partition by %s (aid)",
				 cfg->partition_method);
		else if (t->fillfactor)
			snprintf(opts, sizeof(opts), " with (fillfactor=%lld)",
				 (long long)cfg->fillfactor);
		if (run_sql(conn, "create%s table %s(%s)%s%s",
			    cfg->unlogged_tables ? " unlogged" : "", t->name, cols, opts, ts))
			return -1;
	}
	if (cfg->partitions > 0) {
		fprintf(stderr, "creating %lld partitions...\n", (long long)cfg->partitions);
		return create_partitions(conn, cfg);
	}
	return 0;
}

/* pgbench's progress line for the accounts table */
static void copy_progress(int64_t done, int64_t total, uint64_t start_ns, bool quiet,
			  uint64_t *last_ns)
{
	uint64_t now = clock_now_ns();
	double elapsed = (double)(now - start_ns) / 1e9;
	double remaining = done ? elapsed * (double)(total - done) / (double)done : 0;

	if (quiet) {
		if (now - *last_ns < 5000000000ULL && done != total)
			return;
		*last_ns = now;
	} else if (done % 100000 != 0 && done != total) {
		return;
	}
	fprintf(stderr,
		"%" PRId64 " of %" PRId64 " tuples (%d%%) done (elapsed %.2f s, remaining "
		"%.2f s)\n",
		done, total, (int)(100 * done / total), elapsed, remaining);
}

/* Sends rows of one table through COPY; row(i, buf) writes row i (0-based), returns its length */
static int copy_table(PGconn *conn, const char *table, int64_t rows, bool freeze,
		      size_t (*row)(int64_t i, char *buf), bool progress, bool quiet)
{
	char sql[160];
	static char buf[COPY_BUF];
	size_t used = 0;
	uint64_t start = clock_now_ns(), last = start;

	snprintf(sql, sizeof(sql), "copy %s from stdin%s", table,
		 freeze ? " with (freeze on)" : "");
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		fprintf(stderr, "pvcbench pgbench: error: %s", PQerrorMessage(conn));
		PQclear(res);
		return -1;
	}
	PQclear(res);
	for (int64_t i = 0; i < rows; i++) {
		if (signals_stop_requested()) {
			PQputCopyEnd(conn, "interrupted");
			while ((res = PQgetResult(conn)))
				PQclear(res);
			fprintf(stderr, "pvcbench pgbench: error: interrupted while loading %s\n",
				table);
			return -1;
		}
		if (COPY_BUF - used < 128) {
			if (PQputCopyData(conn, buf, (int)used) != 1)
				goto fail;
			used = 0;
		}
		used += row(i, buf + used);
		if (progress)
			copy_progress(i + 1, rows, start, quiet, &last);
	}
	if ((used && PQputCopyData(conn, buf, (int)used) != 1) || PQputCopyEnd(conn, NULL) != 1)
		goto fail;
	int ret = 0;
	while ((res = PQgetResult(conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			fprintf(stderr, "pvcbench pgbench: error: loading %s: %s", table,
				PQresultErrorMessage(res));
			ret = -1;
		}
		PQclear(res);
	}
	return ret;
fail:
	fprintf(stderr, "pvcbench pgbench: error: loading %s: %s", table, PQerrorMessage(conn));
	return -1;
}

static size_t branch_row(int64_t i, char *buf)
{
	return (size_t)sprintf(buf, "%" PRId64 "\t0\t\\N\n", i + 1);
}

static size_t teller_row(int64_t i, char *buf)
{
	return (size_t)sprintf(buf, "%" PRId64 "\t%" PRId64 "\t0\t\\N\n", i + 1, i / NTELLERS + 1);
}

static size_t account_row(int64_t i, char *buf)
{
	return (size_t)sprintf(buf, "%" PRId64 "\t%" PRId64 "\t0\t\n", i + 1, i / NACCOUNTS + 1);
}

static int truncate_all(PGconn *conn)
{
	return run_sql(conn, "truncate table pgbench_accounts, pgbench_branches, pgbench_history, "
			     "pgbench_tellers");
}

static int step_generate_client(PGconn *conn, const struct pgb_config *cfg)
{
	/* one transaction: the truncate lets COPY freeze the rows (no later vacuum rewrite) */
	bool freeze = PQserverVersion(conn) >= 140000 && cfg->partitions == 0;

	fprintf(stderr, "generating data (client-side)...\n");
	if (pgb_exec(conn, "begin") || truncate_all(conn) ||
	    copy_table(conn, "pgbench_branches", NBRANCHES * cfg->scale, freeze, branch_row, false,
		       cfg->quiet) ||
	    copy_table(conn, "pgbench_tellers", NTELLERS * cfg->scale, freeze, teller_row, false,
		       cfg->quiet) ||
	    copy_table(conn, "pgbench_accounts", NACCOUNTS * cfg->scale, freeze, account_row, true,
		       cfg->quiet) ||
	    pgb_exec(conn, "commit"))
		return -1;
	return 0;
}

static int step_generate_server(PGconn *conn, const struct pgb_config *cfg)
{
	long long s = (long long)cfg->scale;

	fprintf(stderr, "generating data (server-side)...\n");
	if (pgb_exec(conn, "begin") || truncate_all(conn) ||
	    run_sql(conn,
		    "insert into pgbench_branches(bid,bbalance) select bid, 0 from "
		    "generate_series(1, %lld) as bid",
		    NBRANCHES * s) ||
	    run_sql(conn,
		    "insert into pgbench_tellers(tid,bid,tbalance) select tid, (tid - 1) / "
		    "%d + 1, 0 from generate_series(1, %lld) as tid",
		    NTELLERS, NTELLERS * s) ||
	    run_sql(conn,
		    "insert into pgbench_accounts(aid,bid,abalance,filler) select aid, (aid "
		    "- 1) / %d + 1, 0, '' from generate_series(1, %lld) as aid",
		    NACCOUNTS, (long long)NACCOUNTS * s) ||
	    pgb_exec(conn, "commit"))
		return -1;
	return 0;
}

static int step_vacuum(PGconn *conn, const struct pgb_config *cfg)
{
	fprintf(stderr, "vacuuming...\n");
	return pgb_exec(conn, "vacuum analyze pgbench_branches") ||
	       pgb_exec(conn, "vacuum analyze pgbench_tellers") ||
	       pgb_exec(conn, "vacuum analyze pgbench_accounts") ||
	       pgb_exec(conn, "vacuum analyze pgbench_history");
}

static int step_primary_keys(PGconn *conn, const struct pgb_config *cfg)
{
	static const char *const keys[] = {
		"alter table pgbench_branches add primary key (bid)",
		"alter table pgbench_tellers add primary key (tid)",
		"alter table pgbench_accounts add primary key (aid)",
	};
	char ts[OPT_STRING_MAX * 2 + 32], sql[OPT_STRING_MAX * 2 + 128];

	fprintf(stderr, "creating primary keys...\n");
	if (tablespace_clause(conn, "using index tablespace", cfg->index_tablespace, ts,
			      sizeof(ts)))
		return -1;
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		snprintf(sql, sizeof(sql), "%s%s", keys[i], ts);
		if (pgb_exec(conn, sql))
			return -1;
	}
	return 0;
}

static int step_foreign_keys(PGconn *conn, const struct pgb_config *cfg)
{
	static const char *const keys[] = {
		"alter table pgbench_tellers add constraint pgbench_tellers_bid_fkey foreign key "
		"(bid) references pgbench_branches",
		"alter table pgbench_accounts add constraint pgbench_accounts_bid_fkey foreign key "
		"(bid) references pgbench_branches",
		"alter table pgbench_history add constraint pgbench_history_bid_fkey foreign key "
		"(bid) references pgbench_branches",
		"alter table pgbench_history add constraint pgbench_history_tid_fkey foreign key "
		"(tid) references pgbench_tellers",
		"alter table pgbench_history add constraint pgbench_history_aid_fkey foreign key "
		"(aid) references pgbench_accounts",
	};

	fprintf(stderr, "creating foreign keys...\n");
	for (unsigned i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (pgb_exec(conn, keys[i]))
			return -1;
	return 0;
}

struct step {
	char letter;
	const char *what; /* in the "done in" line */
	int (*run)(PGconn *conn, const struct pgb_config *cfg);
};

static const struct step steps[] = {
	{ 'd', "drop tables", step_drop },
	{ 't', "create tables", step_create },
	{ 'g', "client-side generate", step_generate_client },
	{ 'G', "server-side generate", step_generate_server },
	{ 'v', "vacuum", step_vacuum },
	{ 'p', "primary keys", step_primary_keys },
	{ 'f', "foreign keys", step_foreign_keys },
};

int pgb_init(const struct pgb_config *cfg, const struct pgb_conninfo *ci)
{
	PGconn *conn = pgb_connect(ci);
	char timings[512] = "";
	size_t tlen = 0;
	uint64_t start = clock_now_ns();

	if (!conn)
		return -1;
	/* pgbench's own setting: the notices of "drop table if exists" are noise here */
	PQclear(PQexec(conn, "set client_min_messages = warning"));
	for (const char *p = cfg->init_steps; *p; p++) {
		const struct step *st = NULL;
		for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
			if (steps[i].letter == *p)
				st = &steps[i];
		if (!st)
			continue; /* a space: pgbench allows them */
		uint64_t t0 = clock_now_ns();
		if (st->run(conn, cfg) || signals_stop_requested()) {
			PQfinish(conn);
			return -1;
		}
		double secs = (double)(clock_now_ns() - t0) / 1e9;
		tlen += (size_t)snprintf(timings + tlen, sizeof(timings) - tlen, "%s%s %.2f s",
					 tlen ? ", " : "", st->what, secs);
		if (tlen >= sizeof(timings))
			tlen = sizeof(timings) - 1;
	}
	fprintf(stderr, "done in %.2f s (%s).\n", (double)(clock_now_ns() - start) / 1e9, timings);
	PQfinish(conn);
	return 0;
}
