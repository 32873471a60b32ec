/*
 * server_env.c - the PostgreSQL server a run measured, for the result's "environment": its
 * version and the settings that decide what a commit costs on the storage (fsync,
 * synchronous_commit, wal_sync_method, full_page_writes, data_checksums, wal_level,
 * synchronous_standby_names) and how much it caches (shared_buffers), read once over the
 * connection the run's checks already hold, before the run.
 *
 * Only what any role may read: these settings carry no GUC_SUPERUSER_ONLY flag, so a
 * non-superuser gets them (data_directory, which needs superuser or pg_read_all_settings, is
 * left out). Values are kept as SHOW prints them; a server that does not answer the query
 * (too old for pg_size_bytes, or an error) leaves the settings out rather than guessing.
 */
#include "pgbench.h"

#include <stdlib.h>
#include <string.h>

#include "pvcbench/report.h"

/* In this order in the query and in the JSON; shared_buffers_bytes follows shared_buffers */
static const char *const setting_names[PGB_ENV_SETTINGS] = {
	"fsync",		     /* off: nothing is forced to disk */
	"synchronous_commit",	     /* off: a commit returns before its WAL is flushed */
	"wal_sync_method",	     /* how the WAL is flushed */
	"full_page_writes",	     /* whole pages after each checkpoint: WAL volume */
	"data_checksums",	     /* checksums on data pages */
	"wal_level",		     /* how much the WAL carries (replica, logical) */
	"synchronous_standby_names", /* commits that wait for a standby */
	"shared_buffers",	     /* the server's own cache */
	"max_connections",
};

void pgb_server_env_read(PGconn *conn, struct pgb_server_env *env)
{
	char sql[1024];
	size_t n;
	PGresult *res;

	memset(env, 0, sizeof(*env));
	const char *version = PQparameterStatus(conn, "server_version");
	snprintf(env->version, sizeof(env->version), "%s", version ? version : "");
	env->version_num = PQserverVersion(conn);
	env->known = true;

	n = (size_t)snprintf(sql, sizeof(sql),
			     "SELECT pg_size_bytes(current_setting('shared_buffers'))");
	for (unsigned i = 0; i < PGB_ENV_SETTINGS; i++)
		n = pgb_append(sql, sizeof(sql), n, ", current_setting('%s')", setting_names[i]);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
	    PQnfields(res) == PGB_ENV_SETTINGS + 1) {
		env->shared_buffers_bytes = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		for (unsigned i = 0; i < PGB_ENV_SETTINGS; i++)
			snprintf(env->settings[i], sizeof(env->settings[i]), "%s",
				 PQgetvalue(res, 0, (int)i + 1));
		env->settings_known = true;
	}
	PQclear(res);
}

void pgb_server_env_json(struct jsonw *j, const struct pgb_server_env *env)
{
	if (!env->known)
		return;
	jsonw_object_begin(j, "postgres");
	jsonw_string(j, "server_version", env->version);
	jsonw_i64(j, "server_version_num", env->version_num);
	for (unsigned i = 0; env->settings_known && i < PGB_ENV_SETTINGS; i++) {
		jsonw_string(j, setting_names[i], env->settings[i]);
		if (!strcmp(setting_names[i], "shared_buffers"))
			jsonw_i64(j, "shared_buffers_bytes", env->shared_buffers_bytes);
	}
	jsonw_object_end(j);
}
