/*
 * pgbench.h - the postgres workload: pgbench's command line, its four tables and its scripts
 * (the builtins and -f files, in pgbench's script language), run through libpq's asynchronous
 * API on the shared runner.
 *
 * Layout:
 *   options.c  the option table (the core parses it, getopt's style) and pgbench's checks
 *   conn.c     connection parameters (flags, libpq's environment, a connection string)
 *   init.c     -i: drop, create, generate (COPY or server-side), vacuum, keys
 *   script.h   scripts (-f, -b, -D, --show-script): script.c, script_parse.c, shell.c
 *   expr.h     values, variables and \set's expression language: vars.c, expr_*.c
 *   txlog.c    -l: per-transaction and aggregated logs in pgbench's file names and lines
 *   client.c   one thread's clients: connect before the start, one ppoll() over their sockets
 *   client_step.c  a client's state machine in one step function (client.h: its states)
 *   client_sql.c   its SQL: sending in three protocols, results, \gset/\aset, pipelines
 *   client_meta.c  its meta-commands: \set, \if ..., \sleep, \setshell, \shell, pipelines
 *   report.c   pgbench's text (13 and 15 formats), progress lines, JSON
 *   report_script.c  per-script sections, -r's statement latencies, their JSON
 *   server_env.c  the server's version and settings, for the result's "environment"
 *   pgbench.c  `pvcbench pgbench` as the core's workload_ops: vacuum, the run, exit statuses
 */
#ifndef PVCBENCH_PGBENCH_H
#define PVCBENCH_PGBENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "pvcbench/command.h"
#include "pvcbench/options.h"
#include "pvcbench/rng.h"
#include "pvcbench/runner.h"

#include "prng.h"

/* pgbench's exit statuses: scripts test them */
enum { PGB_EXIT_OK = 0, PGB_EXIT_EARLY = 1, PGB_EXIT_RUN = 2 };

/* Operation types in the result: transactions, and under -R their schedule lag. */
enum { PGB_OP_TXN = 0, PGB_OP_LAG = 1 };

#define PGB_MAX_SCRIPTS 128 /* pgbench's limit on -f and -b */

/* One -f FILE[@W] or -b NAME[@W] (-N, -S), in the order given: weight parsed, name resolved */
struct pgb_script_spec {
	bool builtin;
	char name[OPT_STRING_MAX]; /* the file, or the builtin's full name */
	int64_t weight;		   /* 1 when not given */
};

struct pgb_scripts;

struct pgb_config {
	/* init mode */
	bool initialize;
	char init_steps[OPT_STRING_MAX];
	int64_t fillfactor;
	bool no_vacuum, vacuum_all, quiet;
	int64_t scale;
	bool foreign_keys, unlogged_tables;
	int64_t partitions;
	char partition_method[OPT_STRING_MAX];
	char tablespace[OPT_STRING_MAX], index_tablespace[OPT_STRING_MAX];
	/* run mode */
	char builtin[OPT_STRING_MAX];
	int64_t clients;
	bool connect;
	int64_t jobs;
	char protocol[OPT_STRING_MAX];
	int64_t progress;
	double rate_tps; /* -R; 0: no rate limit */
	int64_t transactions;
	int64_t time;
	int64_t max_tries;
	double latency_limit_ms; /* -L; 0: no latency limit */
	char random_seed[OPT_STRING_MAX];
	/* scripts: -f, -b, -N, -S in order (none: tpcb-like); -D as "NAME=VALUE" strings */
	struct pgb_script_spec script_specs[PGB_MAX_SCRIPTS];
	unsigned nscripts;
	char **defines; /* malloc'd, freed by the command's cleanup */
	unsigned ndefines;
	char show_script[OPT_STRING_MAX]; /* --show-script=NAME */
	bool list_builtins;		  /* -b list */
	/* reporting: -r, -l and its companions, failures, errors, debug */
	bool report_per_command;
	bool log;
	char log_prefix[OPT_STRING_MAX];
	double sampling_rate;	    /* 0: not given (every transaction) */
	int64_t aggregate_interval; /* seconds; 0: not given */
	bool failures_detailed;
	bool verbose_errors;
	bool debug;
	bool progress_timestamp;
	/* connection */
	char host[OPT_STRING_MAX], port[OPT_STRING_MAX], username[OPT_STRING_MAX];
	char dbname[OPT_STRING_MAX];
	bool dbname_given;
	/* pvcbench's */
	char output_format[OPT_STRING_MAX];
	char output[OPT_STRING_MAX];
	char report_style[OPT_STRING_MAX];
	bool version;
	/* surviving a server restart (client_reconnect.c) and proving what survived (check.c) */
	char on_error[OPT_STRING_MAX]; /* reconnect, or abort (pgbench's) */
	int64_t reconnect_timeout;     /* --timeout: seconds a client may take to reconnect */
	uint64_t stall_threshold;      /* ns: a gap with no completion this long is a stall */
	bool check;		       /* --check: the TPC-B invariant after the run */

	/* derived by pgb_configure */
	uint64_t seed;			  /* for the clients' random numbers */
	bool seed_from_env;		  /* PGBENCH_RANDOM_SEED set it */
	unsigned threads;		  /* -j, lowered to -c as pgbench does */
	bool scale_given, run_mode_given; /* for pgbench's warnings */
	bool current_style;		  /* --report-style=current */
	struct pgb_scripts *scripts;	  /* loaded by configure in run mode; freed at cleanup */
};

extern const struct option_def pgb_option_defs[];

/* Our name where pgbench prints "pgbench" before its messages, and its usage hint */
#define PGB_PROGNAME "pvcbench pgbench"
#define PGB_TRY_HELP "Try \"" PGB_PROGNAME " --help\" for more information."
/* -I's steps, as pgbench lists them */
#define PGB_INIT_STEPS "dtgGvpf"

/* err = "error: " and the message (pgbench's pg_log_error); returns -EINVAL */
int pgb_option_error(char *err, size_t err_size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* pgbench's check of a --random-seed or PGBENCH_RANDOM_SEED value (from: which, for its
 * message); 0 or -EINVAL with its three lines in err */
int pgb_check_random_seed(const char *seed, const char *from, char *err, size_t err_size);
/* Appends pgbench's next line to err: "\n<PGB_PROGNAME>: <kind>: <text>" (detail, hint) */
void pgb_option_note(char *err, size_t err_size, const char *kind, const char *text);

/* The command's hooks for the core (command.h): -R and -L's messages, DBNAME, the checks. */
int pgb_on_option(struct command *cmd, unsigned table, const struct option_def *def,
		  const char *value, char *err, size_t err_size);
int pgb_on_operand(struct command *cmd, const char *text, char *err, size_t err_size);
int pgb_configure(struct command *cmd, char *err, size_t err_size);
/* Frees what the options allocated (-D's strings); for the command's cleanup, which runs
 * whenever parsing began */
void pgb_config_free(struct pgb_config *cfg);

/* ---- connections (conn.c) ---- */

/* The keyword/value arrays for PQconnectdbParams and PQconnectStartParams. */
struct pgb_conninfo {
	const char *keywords[8];
	const char *values[8];
	char timeout[24];
	uint64_t timeout_ns; /* our own limit for asynchronous connects */
	const char *purpose; /* pgb_connect's: "initialization" (-i) or "setup" (the run's) */
};

void pgb_conninfo_build(struct pgb_conninfo *ci, const struct pgb_config *cfg);
/* Connects and waits (blocking, with the connect timeout). NULL after printing the error. */
PGconn *pgb_connect(const struct pgb_conninfo *ci);
/* The first line of libpq's message, without the trailing newline. */
void pgb_first_line(const char *msg, char *buf, size_t size);
/* Runs a command that returns no rows; prints the error and returns -1 on failure. */
int pgb_exec(PGconn *conn, const char *sql);

/* ---- init mode (init.c) ---- */

int pgb_init(const struct pgb_config *cfg, const struct pgb_conninfo *ci);

/* ---- the run (client.c) ---- */

/* The query protocol (-M): scripts' SQL is sent as text, with parameters, or prepared */
enum pgb_mode { PGB_SIMPLE, PGB_EXTENDED, PGB_PREPARED };

/* What every thread shares, read only during the run. */
struct pgb_run {
	const struct pgb_config *cfg;
	const struct pgb_conninfo *ci;
	const struct pgb_scripts *scripts; /* cfg->scripts */
	enum pgb_mode mode;
	int64_t scale;
	int64_t default_seed; /* :default_seed unless -D sets it */
	uint64_t throttle_ns; /* mean gap between one thread's transactions under -R */
	uint64_t latency_limit_ns;
	unsigned nops;
	bool reconnect;		       /* --on-error=reconnect */
	uint64_t reconnect_timeout_ns; /* --timeout */
};

/* pgbench's SimpleStats: what -r and the per-script lines print (values in ns) */
struct pgb_simple_stats {
	uint64_t count;
	double min, max, sum, sum2;
};

static inline void pgb_simple_add(struct pgb_simple_stats *s, double v)
{
	if (!s->count || v < s->min)
		s->min = v;
	if (!s->count || v > s->max)
		s->max = v;
	s->count++;
	s->sum += v;
	s->sum2 += v * v;
}

/* One script's transactions (pgbench's StatsData, per script, per thread). */
struct pgb_script_stats {
	uint64_t processed, skipped, retried, retries;
	uint64_t serialization_failures, deadlock_failures;
	struct pgb_simple_stats latency, lag;
};

/* One command's figures for -r: latency of its successful runs, failures and retries. */
struct pgb_cmd_stats {
	struct pgb_simple_stats latency;
	uint64_t failures, retries;
};

/* What each thread reports besides the runner's counts. */
struct pgb_thread_result {
	/* per script (nscripts) and per command (the scripts' total_cmds); allocated by the
	 * worker's init, read after the run */
	struct pgb_script_stats *scripts;
	struct pgb_cmd_stats *cmds;
	uint64_t serialization_failures, deadlock_failures;
	unsigned clients;
	uint64_t conn_ns;	  /* time spent connecting: initial, or all under -C */
	uint64_t conn_count;	  /* connections made */
	uint64_t initial_conn_ns; /* from thread start to all clients connected */
	uint64_t retried, retries, skipped, late;
	uint64_t failed; /* transactions that failed (serialization, deadlock) after retries */
	unsigned not_connected, aborted;
	char conn_error[512];  /* first line of the first connection failure */
	char abort_error[512]; /* the first abort's message */
	/*
	 * --on-error=reconnect: transactions lost with their connection, by SQLSTATE ("08006"
	 * when the connection broke without one); those whose COMMIT (or implicit single
	 * statement) was sent and its answer lost, counted apart as in doubt; sessions opened
	 * again after a loss.
	 */
	uint64_t conn_failed, in_doubt, reconnects;
	unsigned nlost_causes;
	struct stall_cause lost_causes[STALL_MAX_CAUSES];
};

struct pgb_thread_spec {
	const struct pgb_run *run;
	unsigned first_client, nclients;
	struct pgb_thread_result *result;
};

int pgb_worker_init(struct worker *w);
int pgb_worker_run(struct worker *w);
void pgb_worker_exit(struct worker *w);

/* ---- -l: transaction logs (txlog.c) ---- */

/* How a transaction ended, for its log line */
enum pgb_txn_status {
	PGB_TXN_OK,
	PGB_TXN_SERIALIZATION, /* failed after its tries on a serialization failure */
	PGB_TXN_DEADLOCK,      /* ... on a deadlock */
	PGB_TXN_SKIPPED,       /* -R with -L: skipped, already late */
};

struct pgb_txlog; /* one thread's log file */

/*
 * Opens thread `thread`'s log as pgbench names it (PREFIX.PID, PREFIX.PID.THREAD for the
 * others; PREFIX from --log-prefix, else pgbench_log). start_ns is the run's start on the
 * monotonic clock (clock_now_ns()), the origin of --aggregate-interval's intervals. NULL with
 * pgbench's message in err when it cannot be opened.
 */
struct pgb_txlog *pgb_txlog_open(const struct pgb_config *cfg, unsigned thread, uint64_t start_ns,
				 char *err, size_t err_size);
/*
 * One ended transaction (end_ns monotonic; latency and lag in ns; lag only under -R):
 * written as a line, sampled by --sampling-rate, or added to the current interval under
 * --aggregate-interval (intervals before end_ns are written first).
 */
void pgb_txlog_txn(struct pgb_txlog *l, uint64_t end_ns, unsigned client, uint64_t txn_no,
		   unsigned script, enum pgb_txn_status status, uint64_t latency_ns,
		   uint64_t lag_ns, unsigned retries);
/* Writes what is left (the last interval) and closes; the file is kept. */
void pgb_txlog_close(struct pgb_txlog *l, uint64_t end_ns);

/* ---- --check: what survived (check.c) ---- */

/* The four sums of the TPC-B invariant, and pgbench_history's rows */
struct pgb_check_sums {
	int64_t accounts, branches, tellers, history, history_rows;
};

struct pgb_check {
	bool done;    /* the figures after the run were read */
	bool skipped; /* not made: a signal stopped the run (it must end quickly) */
	bool ok;      /* everything held */
	bool invariant_ok, count_ok;
	char error[512]; /* why it could not be made, or "" */
	struct pgb_check_sums before, after;
	uint64_t acknowledged, in_doubt;
};

/* The figures before the run (chk->before); 0, or -1 after printing why they could not be read */
int pgb_check_before(const struct pgb_conninfo *ci, struct pgb_check *chk);
/* The figures after the run, judged against acknowledged and in doubt; chk->ok says */
void pgb_check_after(const struct pgb_conninfo *ci, struct pgb_check *chk, uint64_t acknowledged,
		     uint64_t in_doubt);
void pgb_check_print(FILE *out, const struct pgb_check *chk);
void pgb_check_json(struct jsonw *j, const struct pgb_check *chk);

/* ---- output (report.c) ---- */

struct pgb_summary {
	const struct pgb_config *cfg;
	const struct pgb_run *run;
	const struct run_result *result;
	const struct pgb_thread_result *threads;
	unsigned nthreads;
	struct op_stats txn, lag;
	uint64_t runtime_ns;
	uint64_t processed, failed, expected;
	uint64_t retried, retries, skipped, late;
	uint64_t initial_conn_ns, conn_ns, conn_count;
	unsigned not_connected, aborted;
	double tps_including, tps_excluding;
	uint64_t serialization_failures, deadlock_failures;
	/* summed over threads: per script (nscripts) and per command (total_cmds); NULL when
	 * the run had no scripts loaded, or no thread counted them. Allocated by pgb_summarize:
	 * free them with pgb_summary_free. */
	struct pgb_script_stats *scripts;
	struct pgb_cmd_stats *cmds;
	/* the run's seconds: without the initial connections (pgbench 15's tps) and with them
	 * (pgbench 13's) */
	double bench_s, total_s;
	/* --on-error=reconnect's figures, summed over the threads */
	uint64_t conn_failed, in_doubt, reconnects;
	unsigned nlost_causes;
	struct stall_cause lost_causes[STALL_MAX_CAUSES];
	/* --check, after the run (check.c) */
	struct pgb_check check;
};

/* Sums the threads' results into s (once, after the run); pgb_summary_free undoes it. */
void pgb_summarize(struct pgb_summary *s);
void pgb_summary_free(struct pgb_summary *s);
/* report_script.c: the threads' per-script and per-command arrays summed into s (-1: out of
 * memory, and the arrays stay NULL); the per-script sections and -r's lines; their JSON */
int pgb_summary_sum(struct pgb_summary *s);
void pgb_print_scripts(FILE *out, const struct pgb_summary *s);
void pgb_json_scripts(struct jsonw *j, const struct pgb_summary *s);
/* "transaction type:" as pgbench: the one script's description, or "multiple scripts" */
const char *pgb_txn_type(const struct pgb_summary *s, char *buf, size_t size);
void pgb_print_text(FILE *out, const struct pgb_summary *s);
/* The run's job object in fio's shape; the core writes the envelope and the series. */
void pgb_json_job(struct jsonw *j, const struct pgb_summary *s, const struct option_set *set);
/*
 * The runner's interval callback: one -P progress line, newline included, into line (size
 * bytes); cut to fit a smaller buffer, never past it.
 */
void pgb_progress(void *arg, const struct series_point *pt, const struct op_stats *ops, bool last,
		  char *line, size_t size);

/* ---- the server measured, for the result's "environment" (server_env.c) ---- */

#define PGB_ENV_SETTINGS 9

struct pgb_server_env {
	bool known;	     /* read: the server answered the run's checks */
	bool settings_known; /* the settings' query answered too */
	char version[128];   /* server_version, as SHOW prints it */
	int version_num;     /* server_version_num */
	int64_t shared_buffers_bytes;
	char settings[PGB_ENV_SETTINGS][256]; /* as SHOW prints them, in server_env.c's order */
};

/* Reads them over conn (one query; nothing a non-superuser may not read) */
void pgb_server_env_read(PGconn *conn, struct pgb_server_env *env);
/* The "postgres" member of "environment"; nothing when not read */
void pgb_server_env_json(struct jsonw *j, const struct pgb_server_env *env);

/*
 * Appends what fmt makes to the string in buf (size bytes, len of them used), cut at the end
 * of buf: nothing is written past it. Returns the new length, at most size - 1 (0 when size
 * is 0), so that calls chain: n = pgb_append(buf, size, n, ...).
 */
size_t pgb_append(char *buf, size_t size, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
