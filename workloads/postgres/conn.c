/*
 * conn.c - connection parameters as pgbench passes them to libpq: -h, -p, -U and the database
 * name, which may be a whole connection string; libpq fills in the rest from its environment
 * (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, ...). A connect timeout is always set, so a
 * server that never answers is an error, not a hang.
 */
#include "pgbench.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_CONNECT_TIMEOUT_S 10

/*
 * The connect timeout in effect: a connection string's connect_timeout, else
 * PGCONNECT_TIMEOUT, else ours. libpq ignores values below 2 (it uses 2).
 */
static long effective_timeout(const char *dbname)
{
	long seconds = DEFAULT_CONNECT_TIMEOUT_S;
	const char *env = getenv("PGCONNECT_TIMEOUT");

	if (env && *env)
		seconds = strtol(env, NULL, 10);
	if (dbname && (strchr(dbname, '=') || !strncmp(dbname, "postgres://", 11) ||
		       !strncmp(dbname, "postgresql://", 13))) {
		PQconninfoOption *opts = PQconninfoParse(dbname, NULL);
		for (PQconninfoOption *o = opts; o && o->keyword; o++)
			if (!strcmp(o->keyword, "connect_timeout") && o->val && *o->val)
				seconds = strtol(o->val, NULL, 10);
		PQconninfoFree(opts);
	}
	if (seconds <= 0)
		seconds = DEFAULT_CONNECT_TIMEOUT_S; /* 0 means "wait forever": not here */
	if (seconds < 2)
		seconds = 2;
	return seconds;
}

void pgb_conninfo_build(struct pgb_conninfo *ci, const struct pgb_config *cfg)
{
	unsigned n = 0;
	long timeout = effective_timeout(cfg->dbname[0] ? cfg->dbname : NULL);

	memset(ci, 0, sizeof(*ci));
	snprintf(ci->timeout, sizeof(ci->timeout), "%ld", timeout);
	ci->timeout_ns = (uint64_t)timeout * 1000000000ULL;
	/* first, so that a connection string in dbname overrides it */
	ci->keywords[n] = "connect_timeout";
	ci->values[n++] = ci->timeout;
	if (cfg->host[0]) {
		ci->keywords[n] = "host";
		ci->values[n++] = cfg->host;
	}
	if (cfg->port[0]) {
		ci->keywords[n] = "port";
		ci->values[n++] = cfg->port;
	}
	if (cfg->username[0]) {
		ci->keywords[n] = "user";
		ci->values[n++] = cfg->username;
	}
	if (cfg->dbname[0]) {
		ci->keywords[n] = "dbname";
		ci->values[n++] = cfg->dbname;
	}
	ci->purpose = cfg->initialize ? "initialization" : "setup";
	ci->keywords[n] = "fallback_application_name";
	ci->values[n++] = "pvcbench";
	ci->keywords[n] = NULL;
	ci->values[n] = NULL;
}

void pgb_first_line(const char *msg, char *buf, size_t size)
{
	size_t len = strcspn(msg ? msg : "", "\n");

	if (len >= size)
		len = size - 1;
	memcpy(buf, msg ? msg : "", len);
	buf[len] = '\0';
}

/* libpq's message without its trailing newline, lines after the first indented as pgbench */
static void print_libpq_error(const char *prefix, const char *msg)
{
	size_t len = strlen(msg);

	while (len && msg[len - 1] == '\n')
		len--;
	fprintf(stderr, "pvcbench pgbench: error: %s%.*s\n", prefix, (int)len, msg);
}

PGconn *pgb_connect(const struct pgb_conninfo *ci)
{
	PGconn *conn = PQconnectdbParams(ci->keywords, ci->values, 1);

	if (!conn) {
		fprintf(stderr,
			"pvcbench pgbench: error: out of memory connecting to the server\n");
		return NULL;
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		print_libpq_error("", PQerrorMessage(conn));
		/* pgbench's second line says which connection it was */
		fprintf(stderr, "pvcbench pgbench: error: could not create connection for %s\n",
			ci->purpose);
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

int pgb_exec(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		fprintf(stderr, "pvcbench pgbench: error: query failed: %s", PQerrorMessage(conn));
		fprintf(stderr, "pvcbench pgbench: detail: Query was: %s\n", sql);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}
