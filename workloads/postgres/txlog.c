/*
 * txlog.c - -l: each thread's transaction log, in pgbench's file names and line formats.
 *
 * Files: PREFIX.PID for thread 0 and PREFIX.PID.THREAD for the others (PREFIX from
 * --log-prefix, else pgbench_log), opened before the run, written only by their thread.
 *
 * One line per transaction (pgbench 15's doLog; --report-style=current):
 *   client_id transaction_no time script_no time_epoch time_us [schedule_lag] [retries]
 * time is the latency in us, or "skipped" (-R with -L), "failed", or with --failures-detailed
 * "serialization"/"deadlock"; schedule_lag (us) only under -R and 0 when the transaction did
 * not run to its end; retries only when --max-tries is not 1. pgbench 13's lines (the seed
 * style) are the same without retries.
 *
 * --aggregate-interval=N: one line per N seconds instead. pgbench 15 always writes 15 fields,
 * the ones its options do not measure as 0:
 *   interval_start num_transactions sum_latency sum_latency_2 min_latency max_latency
 *   sum_lag sum_lag_2 min_lag max_lag skipped retried retries serialization_failures
 *   deadlock_failures
 * pgbench 13 wrote the first six, then the lag's four under -R, then skipped under -R with -L.
 * Intervals start on whole Unix seconds (the first is rounded down, as pgbench 15 does) and
 * are written when a later transaction ends, empty ones included; at the close, those that
 * have ended are written, and the one under way is dropped, as pgbench drops it.
 *
 * --sampling-rate=R keeps each transaction with probability R, from the thread's own random
 * sequence. Times are the wall clock at the transaction's end: the monotonic clock plus the
 * offset to the Unix epoch taken at open. Latencies count in whole microseconds, as pgbench
 * measures them. Nothing is allocated after the open: the file's buffer is the log's own.
 */
#include "pgbench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvcbench/rng.h"

#define TXLOG_BUFFER (256 * 1024)

/* One interval's figures (pgbench's StatsData), latencies in us */
struct txlog_agg {
	int64_t start_us; /* Unix time */
	uint64_t cnt, skipped, retried, retries, serialization, deadlock;
	struct pgb_simple_stats latency, lag;
};

struct pgb_txlog {
	FILE *f;
	char *buf;
	bool current; /* pgbench 15's lines, else 13's */
	bool throttle, latency_limit, failures_detailed, retries;
	double sampling_rate; /* 0: every transaction */
	uint64_t rng[2];
	int64_t epoch_offset_ns; /* Unix time minus the monotonic clock */
	int64_t interval_us;	 /* --aggregate-interval; 0: one line per transaction */
	struct txlog_agg agg;
};

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void agg_reset(struct txlog_agg *a, int64_t start_us)
{
	memset(a, 0, sizeof(*a));
	a->start_us = start_us;
}

struct pgb_txlog *pgb_txlog_open(const struct pgb_config *cfg, unsigned thread, uint64_t start_ns,
				 char *err, size_t err_size)
{
	const char *prefix = cfg->log_prefix[0] ? cfg->log_prefix : "pgbench_log";
	struct pgb_txlog *l = calloc(1, sizeof(*l));
	char path[OPT_STRING_MAX + 64];

	if (!l) {
		snprintf(err, err_size, "out of memory");
		return NULL;
	}
	if (thread == 0)
		snprintf(path, sizeof(path), "%s.%d", prefix, (int)getpid());
	else
		snprintf(path, sizeof(path), "%s.%d.%u", prefix, (int)getpid(), thread);
	l->buf = malloc(TXLOG_BUFFER);
	if (!l->buf) {
		snprintf(err, err_size, "out of memory");
		free(l);
		return NULL;
	}
	l->f = fopen(path, "w");
	if (!l->f) {
		snprintf(err, err_size, "could not open logfile \"%s\": %s", path, strerror(errno));
		free(l->buf);
		free(l);
		return NULL;
	}
	setvbuf(l->f, l->buf, _IOFBF, TXLOG_BUFFER);
	l->current = cfg->current_style;
	l->throttle = cfg->rate_tps > 0;
	l->latency_limit = cfg->latency_limit_ms > 0;
	l->failures_detailed = cfg->failures_detailed;
	l->retries = cfg->max_tries != 1;
	l->sampling_rate = cfg->sampling_rate;
	l->interval_us = cfg->aggregate_interval * 1000000LL;
	rng_seed(l->rng, cfg->seed ^ (0xd1b54a32d192ed03ULL * (thread + 1)));
	l->epoch_offset_ns = realtime_ns() - monotonic_ns();
	/* pgbench 15 rounds the first interval's start down to a whole Unix second */
	int64_t start_us = ((int64_t)start_ns + l->epoch_offset_ns) / 1000;
	agg_reset(&l->agg, start_us / 1000000 * 1000000);
	return l;
}

static void write_agg(struct pgb_txlog *l)
{
	const struct txlog_agg *a = &l->agg;
	FILE *f = l->f;

	fprintf(f, "%lld %llu %.0f %.0f %.0f %.0f", (long long)(a->start_us / 1000000),
		(unsigned long long)a->cnt, a->latency.sum, a->latency.sum2, a->latency.min,
		a->latency.max);
	if (l->current) {
		/* 15: every field, 0 where the options measure nothing */
		fprintf(f, " %.0f %.0f %.0f %.0f %llu %llu %llu %llu %llu\n",
			l->throttle ? a->lag.sum : 0, l->throttle ? a->lag.sum2 : 0,
			l->throttle ? a->lag.min : 0, l->throttle ? a->lag.max : 0,
			(unsigned long long)(l->latency_limit ? a->skipped : 0),
			(unsigned long long)(l->retries ? a->retried : 0),
			(unsigned long long)(l->retries ? a->retries : 0),
			(unsigned long long)(l->failures_detailed ? a->serialization : 0),
			(unsigned long long)(l->failures_detailed ? a->deadlock : 0));
		return;
	}
	if (l->throttle) {
		fprintf(f, " %.0f %.0f %.0f %.0f", a->lag.sum, a->lag.sum2, a->lag.min, a->lag.max);
		if (l->latency_limit)
			fprintf(f, " %llu", (unsigned long long)a->skipped);
	}
	fputc('\n', f);
}

/* Writes every interval that ended by now_us (Unix time), empty ones too. */
static void flush_intervals(struct pgb_txlog *l, int64_t now_us)
{
	int64_t next;

	while ((next = l->agg.start_us + l->interval_us) <= now_us) {
		write_agg(l);
		agg_reset(&l->agg, next);
	}
}

static void agg_add(struct pgb_txlog *l, enum pgb_txn_status status, double latency_us,
		    double lag_us, unsigned retries)
{
	struct txlog_agg *a = &l->agg;

	if (status == PGB_TXN_SKIPPED) {
		a->skipped++;
		return;
	}
	if (retries) {
		a->retried++;
		a->retries += retries;
	}
	switch (status) {
	case PGB_TXN_OK:
		a->cnt++;
		pgb_simple_add(&a->latency, latency_us);
		if (l->throttle)
			pgb_simple_add(&a->lag, lag_us);
		break;
	case PGB_TXN_SERIALIZATION:
		a->serialization++;
		break;
	case PGB_TXN_DEADLOCK:
		a->deadlock++;
		break;
	case PGB_TXN_SKIPPED:
		break;
	}
}

static const char *status_word(const struct pgb_txlog *l, enum pgb_txn_status status)
{
	if (status == PGB_TXN_SKIPPED)
		return "skipped";
	if (!l->failures_detailed)
		return "failed";
	return status == PGB_TXN_DEADLOCK ? "deadlock" : "serialization";
}

void pgb_txlog_txn(struct pgb_txlog *l, uint64_t end_ns, unsigned client, uint64_t txn_no,
		   unsigned script, enum pgb_txn_status status, uint64_t latency_ns,
		   uint64_t lag_ns, unsigned retries)
{
	if (!l)
		return;
	/* pgbench draws for every transaction and keeps those at or under the rate */
	if (l->sampling_rate != 0.0 &&
	    (double)(rng_next(l->rng) >> 11) * 0x1.0p-53 > l->sampling_rate)
		return;
	int64_t now_us = ((int64_t)end_ns + l->epoch_offset_ns) / 1000;
	/* a transaction that did not run to its end has no latency or lag (pgbench's 0) */
	bool ok = status == PGB_TXN_OK;
	double latency_us = ok ? (double)(latency_ns / 1000) : 0;
	double lag_us = ok ? (double)(lag_ns / 1000) : 0;

	if (l->interval_us) {
		flush_intervals(l, now_us);
		agg_add(l, status, latency_us, lag_us, retries);
		return;
	}
	if (ok)
		fprintf(l->f, "%u %llu %.0f %u %lld %lld", client, (unsigned long long)txn_no,
			latency_us, script, (long long)(now_us / 1000000),
			(long long)(now_us % 1000000));
	else
		fprintf(l->f, "%u %llu %s %u %lld %lld", client, (unsigned long long)txn_no,
			status_word(l, status), script, (long long)(now_us / 1000000),
			(long long)(now_us % 1000000));
	if (l->throttle)
		fprintf(l->f, " %.0f", lag_us);
	if (l->current && l->retries)
		fprintf(l->f, " %u", retries);
	fputc('\n', l->f);
}

void pgb_txlog_close(struct pgb_txlog *l, uint64_t end_ns)
{
	if (!l)
		return;
	if (l->interval_us)
		flush_intervals(l, ((int64_t)end_ns + l->epoch_offset_ns) / 1000);
	fclose(l->f);
	free(l->buf);
	free(l);
}
