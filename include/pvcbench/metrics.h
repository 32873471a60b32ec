/*
 * metrics.h - the process's live metrics, served in Prometheus' text exposition format (0.0.4) on
 * --metrics-listen=ADDR:PORT (libmicrohttpd) and pushed to a Pushgateway with --metrics-push=URL.
 *
 * The registry is fed from outside the hot path only: the runner's reporter thread publishes each
 * run's cumulative totals as it consumes closed intervals, and the live gauges (last success,
 * oldest operation in flight, schedule lag, stall) at each of its polls (100 ms or less); commands
 * and workloads set the phase and the engine. Workers never call into it: the values they expose
 * live are relaxed atomics in struct worker (runner.h) that the reporter reads. One mutex guards
 * the registry, taken by publishers (reporter, command) and by the HTTP and push threads.
 *
 * Every function is a cheap no-op when metrics are off (neither listen nor push configured), so
 * callers do not test metrics_on() first.
 *
 * Names (all with the pvcbench_ prefix, base units seconds and bytes, counters end in _total):
 *   pvcbench_operations_total{workload,job,op}      counter: operations completed (measured)
 *   pvcbench_bytes_total{workload,job,op}           counter: their bytes
 *   pvcbench_errors_total{workload,job,op}          counter: operations that failed
 *   pvcbench_latency_seconds{workload,job,op}       histogram: le edges are edges of the shared
 *                                                   histogram (hist.h), so every bucket count is
 *                                                   exact; _sum and _count exact
 *   pvcbench_build_info{version}                    gauge 1
 *   pvcbench_job_info{workload,job,engine}          gauge 1 (engine "" until set)
 *   pvcbench_phase{workload,phase}                  gauge 1 for the current phase, 0 for others
 *                                                   (setup, ramp, run, done)
 *   pvcbench_stalled{workload,job}                  gauge 1 while no operation completes for the
 *                                                   stall threshold, else 0
 *   pvcbench_stall_seconds{workload,job}            gauge: length of the current stall, 0 if none
 *   pvcbench_stalls_total{workload,job}             counter: stalls that began
 *   pvcbench_seconds_since_last_success{workload,job}  gauge, computed at scrape time
 *   pvcbench_last_success_timestamp_seconds{workload,job} gauge (unix time)
 *   pvcbench_oldest_inflight_seconds{workload,job}  gauge: age of the oldest operation in flight
 *                                                   at scrape time, 0 with none in flight
 *   pvcbench_schedule_lag_seconds{workload,job}     gauge: how far behind its schedule a
 *                                                   rate-limited job is (0 without a limit)
 *   pvcbench_start_time_seconds                     gauge: when the process started (unix)
 * Every series also carries the labels pod, node, namespace and storage_class, each only when
 * its environment variable is set (PVCBENCH_POD or POD_NAME, PVCBENCH_NODE or NODE_NAME,
 * PVCBENCH_NAMESPACE or POD_NAMESPACE, PVCBENCH_STORAGE_CLASS or STORAGE_CLASS: the manifests
 * fill them from the downward API), as environment.h reads them.
 */
#ifndef PVCBENCH_METRICS_H
#define PVCBENCH_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pvcbench/runner.h"

#define METRICS_LISTEN_FLAG "--metrics-listen"
#define METRICS_LISTEN_ENV "PVCBENCH_METRICS_LISTEN"
#define METRICS_LINGER_FLAG "--metrics-linger"
#define METRICS_LINGER_ENV "PVCBENCH_METRICS_LINGER"
#define METRICS_PUSH_FLAG "--metrics-push"
#define METRICS_PUSH_ENV "PVCBENCH_METRICS_PUSH"
#define METRICS_PUSH_INTERVAL_FLAG "--metrics-push-interval"
#define METRICS_PUSH_INTERVAL_ENV "PVCBENCH_METRICS_PUSH_INTERVAL"

#define METRICS_DEFAULT_LINGER_NS (30ull * 1000000000ull)
#define METRICS_DEFAULT_PUSH_INTERVAL_NS (5ull * 1000000000ull)

enum metrics_phase { METRICS_SETUP, METRICS_RAMP, METRICS_RUN, METRICS_DONE };

struct metrics_config {
	char listen[256];   /* "ADDR:PORT", "[::1]:PORT", ":PORT" (every address); "" = no endpoint */
	char push_url[1024]; /* the Pushgateway's base URL ("http://127.0.0.1:9091"); "" = none */
	uint64_t linger_ns;  /* after the end: until the final values were scraped, at most this */
	uint64_t push_interval_ns;
};

/*
 * Removes --metrics-listen, --metrics-linger, --metrics-push and --metrics-push-interval
 * ("--flag=V" and "--flag V") from argv[1..] (up to a "--"), keeping argv NULL-terminated, the
 * last of each winning; unset ones come from their PVCBENCH_* variables (empty = unset), then the
 * defaults. Returns 0, or -EINVAL with a one-line message (naming the bad value and what is
 * allowed, without the program name) in err.
 */
int metrics_take(int *argc, char **argv, struct metrics_config *cfg, char *err, size_t err_size);

/*
 * Starts the endpoint (binds at once: a port in use is an error here, before anything runs) and
 * the pusher, for the command named workload ("fio", "pgbench", "kafka produce"). Nothing when
 * cfg has neither. Returns 0, or a negative errno with a one-line message in err.
 */
int metrics_start(const struct metrics_config *cfg, const char *workload, char *err,
		  size_t err_size);
/* True between a metrics_start that configured something and metrics_stop. */
bool metrics_on(void);
/* The port the endpoint listens on (useful with port 0), 0 without one. */
unsigned metrics_port(void);

/*
 * At the end of the command, after its results were written: sets the phase to done, pushes the
 * final values, then keeps the endpoint up until a /metrics request that began after this call
 * was answered or the linger time passed (a stop request through signals.h ends the wait at
 * once; nothing published: no wait), and stops.
 */
void metrics_stop(void);

/* The phase of the command (setup, ramp, run, done). */
void metrics_set_phase(enum metrics_phase phase);
/* The engine a job uses ("io_uring", "psync", "libpq", "librdkafka"). */
void metrics_set_engine(const char *job, const char *engine);

/*
 * A job's cumulative totals of one operation type in run number run (0, 1, ... per runner_run
 * of the command), replacing what run published before for that job and op: series with the
 * same job and op labels are the sum of every run's, so a job name used in two runs never makes a
 * counter go down. lat is the operation's whole latency histogram so far.
 */
void metrics_publish_op(unsigned run, const char *job, const char *op, const struct op_stats *s);

/* A job's live state: times are clock_now_ns() (monotonic) values, 0 for none. */
struct metrics_live {
	uint64_t last_success_ns;  /* the last completed operation */
	uint64_t oldest_inflight_ns; /* issue time of the oldest operation in flight */
	uint64_t schedule_lag_ns;  /* behind schedule under a rate limit */
	uint64_t stall_start_ns;   /* the current stall began (the last completion), 0: none */
	uint64_t stalls;	   /* stalls begun in this run so far */
};
void metrics_publish_live(unsigned run, const char *job, const struct metrics_live *l);

/* The exposition text as it would be served now (for tests and the push): malloc'd, or NULL. */
char *metrics_render(size_t *len);

#endif
