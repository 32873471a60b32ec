/*
 * metrics_int.h - the pieces of the live metrics module (metrics.h) that its files share: the
 * registry's lock and rendering (registry.c, exposition.c), the endpoint (server.c) and the
 * pusher (push.c), and the hooks the unit tests use.
 *
 * Invariant: every field of the registry is read or written only under metrics_lock; the
 * endpoint and the pusher render under it and do their I/O outside it.
 */
#ifndef PVCBENCH_METRICS_INT_H
#define PVCBENCH_METRICS_INT_H

#include <pthread.h>
#include <stdio.h>

#include "pvcbench/environment.h"
#include "pvcbench/metrics.h"

#define METRICS_NAME_MAX 128

/* One (run, job, op): the run's cumulative totals, replaced at each publish. */
struct metrics_op_entry {
	unsigned run;
	char job[METRICS_NAME_MAX];
	char op[METRICS_NAME_MAX];
	struct op_stats s;
};

/*
 * One (run, job): its live state, when the registry first heard of it and when the state was
 * last published (monotonic).
 */
struct metrics_live_entry {
	unsigned run;
	char job[METRICS_NAME_MAX];
	uint64_t first_seen_ns, sampled_ns;
	struct metrics_live l;
};

struct metrics_engine_entry {
	char job[METRICS_NAME_MAX];
	char engine[METRICS_NAME_MAX];
};

struct metrics_registry {
	bool on;
	char workload[METRICS_NAME_MAX];
	enum metrics_phase phase;
	uint64_t start_unix_ns; /* when the registry was set up (CLOCK_REALTIME) */
	struct metrics_op_entry **ops;
	unsigned nops, ops_cap;
	struct metrics_live_entry *live;
	unsigned nlive, live_cap;
	struct metrics_engine_entry *engines;
	unsigned nengines, engines_cap;
	/* incremented at every render: the linger waits for a render begun after the stop */
	uint64_t renders;
};

extern pthread_mutex_t metrics_lock;
extern struct metrics_registry metrics_reg;

/* Sets the registry up for workload (empties it first) and turns it on; off frees it. */
int metrics_registry_open(const char *workload);
void metrics_registry_close(void);

/*
 * The exposition of the registry into f, under metrics_lock (the caller holds it). job_group:
 * NULL for every job's series, "" for none, a job name for that job's only; process: with the
 * series without a job label too (the Pushgateway's groups: push.c).
 */
void metrics_render_locked(FILE *f, const char *job_group, bool process);
/* The same into a malloc'd buffer, taking the lock. */
char *metrics_render_group(const char *job_group, bool process, size_t *len);

/* The le edges of the latency histogram, in ns: each the highest value of a hist.h bucket. */
unsigned metrics_le_edges(const uint64_t **edges);

/* The constant labels (pod, node, namespace, storage_class) from the environment: NULL if unset. */
const char *metrics_const_label(unsigned i, const char **name);
#define METRICS_CONST_LABELS ENV_K8S_FACTS

/* server.c and push.c: start, and stop after the final values. */
int metrics_server_start(const char *listen, char *err, size_t err_size);
/* The final values are in: a scrape that begins from now on ends the linger. */
void metrics_server_final(void);
void metrics_server_stop(uint64_t linger_ns);
unsigned metrics_server_port(void);
int metrics_push_start(const char *url, uint64_t interval_ns, char *err, size_t err_size);
void metrics_push_stop(void);
/* The job names that have series, for the push's groups: malloc'd array of malloc'd names. */
char **metrics_job_names(unsigned *n);

/* "1.5s"-style durations of metrics_take: s, ms, m (a bare number is seconds). */
int metrics_parse_duration(const char *text, uint64_t *ns);

#endif
