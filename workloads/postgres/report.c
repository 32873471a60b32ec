/*
 * report.c - pgbench's report in its two shapes: pgbench 13's (the white paper's logs, the
 * default) and pgbench 15's (--report-style=current), both followed by the latency percentiles
 * from the shared histogram; -P progress lines; and the JSON job in fio's shape with a "txn"
 * operation (the core writes the envelope and the series around it), so that pgbench results
 * merge and compare like every other workload's. The per-script sections and -r's lines come
 * where pgbench prints them, after the tps lines (report_script.c).
 *
 * Latency here is always measured per transaction (pgbench 13 computed the average from the
 * run time when neither -P nor -R was given); tps counts processed transactions only.
 */
#define _GNU_SOURCE /* clock_gettime's CLOCK_REALTIME under -std=c11 */
#include "pgbench.h"

#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "pvcbench/report.h"
#include "script.h"

static double ms(double ns)
{
	return ns / 1e6;
}

static double pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void pgb_summarize(struct pgb_summary *s)
{
	const struct run_result *r = s->result;
	const struct pgb_config *cfg = s->cfg;

	run_result_total(r, PGB_OP_TXN, &s->txn, &s->runtime_ns);
	if (r->nops > PGB_OP_LAG)
		run_result_total(r, PGB_OP_LAG, &s->lag, NULL);
	s->processed = s->txn.ops;
	s->failed = s->txn.errors;
	s->expected =
		cfg->transactions > 0 ? (uint64_t)cfg->transactions * (uint64_t)cfg->clients : 0;
	for (unsigned i = 0; i < s->nthreads; i++) {
		const struct pgb_thread_result *t = &s->threads[i];
		s->serialization_failures += t->serialization_failures;
		s->deadlock_failures += t->deadlock_failures;
		s->retried += t->retried;
		s->retries += t->retries;
		s->skipped += t->skipped;
		s->late += t->late;
		s->conn_ns += t->conn_ns;
		s->conn_count += t->conn_count;
		s->not_connected += t->not_connected;
		s->aborted += t->aborted;
		s->conn_failed += t->conn_failed;
		s->in_doubt += t->in_doubt;
		s->reconnects += t->reconnects;
		for (unsigned k = 0; k < t->nlost_causes; k++)
			stall_causes_add(s->lost_causes, &s->nlost_causes, t->lost_causes[k].name,
					 t->lost_causes[k].count);
		if (t->initial_conn_ns > s->initial_conn_ns)
			s->initial_conn_ns = t->initial_conn_ns;
	}
	double run_s = (double)s->runtime_ns / 1e9;
	if (cfg->connect) {
		/* pgbench 13: connections are inside the run; take out each client's share */
		double per_client = (double)s->conn_ns / 1e9 / (double)cfg->clients;
		s->tps_including = run_s > 0 ? (double)s->processed / run_s : 0;
		s->tps_excluding =
			run_s > per_client ? (double)s->processed / (run_s - per_client) : 0;
	} else {
		double with_conn = run_s + (double)s->initial_conn_ns / 1e9;
		s->tps_including = with_conn > 0 ? (double)s->processed / with_conn : 0;
		s->tps_excluding = run_s > 0 ? (double)s->processed / run_s : 0;
	}
	s->bench_s = run_s;
	s->total_s = cfg->connect ? run_s : run_s + (double)s->initial_conn_ns / 1e9;
	/* out of memory leaves the per-script figures out of the report, nothing else */
	pgb_summary_sum(s);
}

const char *pgb_txn_type(const struct pgb_summary *s, char *buf, size_t size)
{
	const struct pgb_scripts *ss = s->run ? s->run->scripts : NULL;

	if (ss && ss->n > 1)
		snprintf(buf, size, "multiple scripts");
	else if (ss && ss->n == 1)
		snprintf(buf, size, "%s", ss->s[0].desc);
	else
		snprintf(buf, size, "?"); /* no scripts loaded: the run never started */
	return buf;
}

static const char *query_mode(const struct pgb_config *cfg)
{
	return cfg->protocol;
}

static void print_header(FILE *out, const struct pgb_summary *s, bool current)
{
	const struct pgb_config *cfg = s->cfg;
	char type[OPT_STRING_MAX + 32];

	fprintf(out, "transaction type: %s\n", pgb_txn_type(s, type, sizeof(type)));
	fprintf(out, "scaling factor: %lld\n", (long long)s->run->scale);
	fprintf(out, "query mode: %s\n", query_mode(cfg));
	fprintf(out, "number of clients: %lld\n", (long long)cfg->clients);
	fprintf(out, "number of threads: %u\n", cfg->threads);
	if (current)
		fprintf(out, "maximum number of tries: %lld\n", (long long)cfg->max_tries);
	if (cfg->transactions > 0) {
		fprintf(out, "number of transactions per client: %lld\n",
			(long long)cfg->transactions);
		fprintf(out, "number of transactions actually processed: %llu/%llu\n",
			(unsigned long long)s->processed, (unsigned long long)s->expected);
	} else {
		fprintf(out, "duration: %lld s\n", (long long)cfg->time);
		fprintf(out, "number of transactions actually processed: %llu\n",
			(unsigned long long)s->processed);
	}
}

/* -R -L's skipped and -L's late transactions; pgbench 13 wrote " %" with a space */
static void print_limits(FILE *out, const struct pgb_summary *s)
{
	const struct pgb_config *cfg = s->cfg;
	bool current = cfg->current_style;
	uint64_t total = s->processed + s->skipped + (current ? s->failed : 0);
	const char *sp = current ? "" : " ";

	if (cfg->rate_tps && cfg->latency_limit_ms)
		fprintf(out, "number of transactions skipped: %llu (%.3f%s%%)\n",
			(unsigned long long)s->skipped, pct(s->skipped, total), sp);
	if (cfg->latency_limit_ms)
		fprintf(out,
			"number of transactions above the %.1f ms latency limit: %llu/%llu "
			"(%.3f%s%%)\n",
			cfg->latency_limit_ms, (unsigned long long)s->late,
			(unsigned long long)s->processed, pct(s->late, s->processed), sp);
}

/* the failed transactions, and with --failures-detailed their kinds */
static void print_failures(FILE *out, const struct pgb_summary *s)
{
	uint64_t total = s->processed + s->failed + s->skipped;

	fprintf(out, "number of failed transactions: %llu (%.3f%%)\n",
		(unsigned long long)s->failed, pct(s->failed, total));
	if (!s->cfg->failures_detailed)
		return;
	fprintf(out, "number of serialization failures: %llu (%.3f%%)\n",
		(unsigned long long)s->serialization_failures,
		pct(s->serialization_failures, total));
	fprintf(out, "number of deadlock failures: %llu (%.3f%%)\n",
		(unsigned long long)s->deadlock_failures, pct(s->deadlock_failures, total));
}

static void print_lag(FILE *out, const struct pgb_summary *s)
{
	if (s->cfg->rate_tps && s->lag.lat.count)
		fprintf(out, "rate limit schedule lag: avg %.3f (max %.3f) ms\n",
			ms(hist_mean(&s->lag.lat)), ms((double)s->lag.lat.max));
}

static void print_percentiles(FILE *out, const struct pgb_summary *s)
{
	const struct hist *h = &s->txn.lat;

	if (!h->count) {
		fputs("latency percentiles: n/a (no transaction processed)\n", out);
		return;
	}
	fprintf(out,
		"latency percentiles: p50 = %.3f ms, p90 = %.3f ms, p99 = %.3f ms, p99.9 = %.3f "
		"ms, max = %.3f ms\n",
		ms((double)hist_value_at(h, 50)), ms((double)hist_value_at(h, 90)),
		ms((double)hist_value_at(h, 99)), ms((double)hist_value_at(h, 99.9)),
		ms((double)h->max));
}

/*
 * --on-error=reconnect's figures, after pgbench's lines and only when there are any, so that
 * a clean run's report stays pgbench's. The lost ones are in pgbench's failed count too.
 */
static void print_lost(FILE *out, const struct pgb_summary *s)
{
	if (s->conn_failed) {
		fprintf(out, "transactions failed with their connection: %llu (",
			(unsigned long long)s->conn_failed);
		for (unsigned i = 0; i < s->nlost_causes; i++)
			fprintf(out, "%s%s: %llu", i ? ", " : "", s->lost_causes[i].name,
				(unsigned long long)s->lost_causes[i].count);
		fputs(")\n", out);
	}
	if (s->in_doubt)
		fprintf(out,
			"transactions in doubt (COMMIT sent, its answer lost with the connection): "
			"%llu\n",
			(unsigned long long)s->in_doubt);
	if (s->reconnects)
		fprintf(out, "reconnections: %llu\n", (unsigned long long)s->reconnects);
}

void pgb_print_text(FILE *out, const struct pgb_summary *s)
{
	const struct pgb_config *cfg = s->cfg;
	const struct hist *h = &s->txn.lat;
	uint64_t total = s->processed + s->failed + s->skipped;
	bool measured_stddev = cfg->progress || cfg->rate_tps || cfg->latency_limit_ms;

	print_header(out, s, cfg->current_style);
	if (cfg->current_style) {
		print_failures(out, s);
		if (cfg->max_tries != 1) {
			fprintf(out, "number of transactions retried: %llu (%.3f%%)\n",
				(unsigned long long)s->retried, pct(s->retried, total));
			fprintf(out, "total number of retries: %llu\n",
				(unsigned long long)s->retries);
		}
		print_limits(out, s);
		if (h->count) {
			fprintf(out, "latency average = %.3f ms%s\n", ms(hist_mean(h)),
				s->failed ? " (including failures)" : "");
			fprintf(out, "latency stddev = %.3f ms\n", ms(hist_stddev(h)));
		}
		print_lag(out, s);
		if (cfg->connect) {
			fprintf(out, "average connection time = %.3f ms\n",
				s->conn_count ? ms((double)s->conn_ns / (double)s->conn_count) : 0);
			fprintf(out, "tps = %f (including reconnection times)\n", s->tps_including);
		} else {
			fprintf(out, "initial connection time = %.3f ms\n",
				ms((double)s->initial_conn_ns));
			fprintf(out, "tps = %f (without initial connection time)\n",
				s->tps_excluding);
		}
		pgb_print_scripts(out, s);
	} else {
		print_limits(out, s);
		if (h->count) {
			fprintf(out, "latency average = %.3f ms\n", ms(hist_mean(h)));
			if (measured_stddev)
				fprintf(out, "latency stddev = %.3f ms\n", ms(hist_stddev(h)));
		}
		print_lag(out, s);
		fprintf(out, "tps = %f (including connections establishing)\n", s->tps_including);
		fprintf(out, "tps = %f (excluding connections establishing)\n", s->tps_excluding);
		pgb_print_scripts(out, s);
	}
	print_percentiles(out, s);
	if (!cfg->current_style)
		print_failures(out, s);
	print_lost(out, s);
}

size_t pgb_append(char *buf, size_t size, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!size)
		return 0;
	if (len >= size)
		return size - 1;
	va_start(ap, fmt);
	n = vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
	if (n < 0) {
		buf[len] = '\0';
		return len;
	}
	/* snprintf says how long the text would have been: what was cut does not count */
	return (size_t)n < size - len ? len + (size_t)n : size - 1;
}

void pgb_progress(void *arg, const struct series_point *pt, const struct op_stats *ops, bool last,
		  char *out, size_t out_size)
{
	const struct pgb_summary *s = arg;
	const struct pgb_config *cfg = s->cfg;
	const struct op_stats *txn = &ops[PGB_OP_TXN];
	uint64_t end_ms = pt->start_ms + pt->duration_ms;

	/* pgbench reports at whole intervals: a last, shorter interval has no line */
	if (last && pt->duration_ms * 1000000ULL < (uint64_t)cfg->progress * 1000000000ULL)
		return;
	if (out_size < 2) {
		if (out_size)
			out[0] = '\0';
		return;
	}
	double secs = (double)pt->duration_ms / 1000.0;
	double tps = secs > 0 ? (double)txn->ops / secs : 0;
	double lat = txn->lat.count ? ms(hist_mean(&txn->lat)) : 0;
	double sd = txn->lat.count ? ms(hist_stddev(&txn->lat)) : 0;
	/* the line, cut if it must be, keeps its newline: one byte is held back for it */
	size_t room = out_size - 1;
	size_t n;
	if (cfg->progress_timestamp) {
		/* Unix time when the line is made, with ms: pgbench 15 rounds, 13 truncated */
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (cfg->current_style)
			n = pgb_append(out, room, 0, "progress: %.3f s",
				       (double)now.tv_sec + (double)now.tv_nsec / 1e9);
		else
			n = pgb_append(out, room, 0, "progress: %lld.%03ld s",
				       (long long)now.tv_sec, now.tv_nsec / 1000000);
	} else {
		n = pgb_append(out, room, 0, "progress: %.1f s", (double)end_ms / 1000.0);
	}
	n = pgb_append(out, room, n, ", %.1f tps, lat %.3f ms stddev %.3f", tps, lat, sd);
	if (cfg->current_style)
		n = pgb_append(out, room, n, ", %llu failed", (unsigned long long)txn->errors);
	if (cfg->rate_tps) {
		const struct op_stats *lag = &ops[PGB_OP_LAG];
		n = pgb_append(out, room, n, ", lag %.3f ms",
			       lag->lat.count ? ms(hist_mean(&lag->lat)) : 0);
	}
	out[n] = '\n';
	out[n + 1] = '\0';
}

void pgb_json_job(struct jsonw *j, const struct pgb_summary *s, const struct option_set *set)
{
	const struct pgb_config *cfg = s->cfg;

	jsonw_object_begin(j, NULL);
	jsonw_string(j, "jobname", "pgbench");
	jsonw_u64(j, "groupid", 0);
	jsonw_i64(j, "error",
		  s->aborted || s->not_connected ||
				  (cfg->check && !s->check.ok && !s->check.skipped)
			  ? 2
			  : 0);
	report_config_json(j, set, cfg);
	report_op_json(j, "txn", &s->txn, s->runtime_ns);
	if (cfg->rate_tps)
		report_op_json(j, "lag", &s->lag, s->runtime_ns);
	jsonw_object_begin(j, "pgbench");
	char type[OPT_STRING_MAX + 32];
	const struct pgb_scripts *ss = s->run->scripts;
	jsonw_string(j, "transaction_type", pgb_txn_type(s, type, sizeof(type)));
	/* the builtin's name when the run is one builtin script, else "" */
	jsonw_string(j, "builtin", ss && ss->n == 1 && ss->s[0].builtin ? ss->s[0].name : "");
	jsonw_i64(j, "scale", s->run->scale);
	jsonw_string(j, "query_mode", query_mode(cfg));
	jsonw_i64(j, "clients", cfg->clients);
	jsonw_u64(j, "threads", cfg->threads);
	jsonw_i64(j, "max_tries", cfg->max_tries);
	jsonw_i64(j, "transactions_per_client", cfg->transactions);
	jsonw_i64(j, "duration_s", cfg->time);
	jsonw_u64(j, "processed", s->processed);
	jsonw_u64(j, "expected", s->expected);
	jsonw_u64(j, "failed", s->failed);
	jsonw_u64(j, "serialization_failures", s->serialization_failures);
	jsonw_u64(j, "deadlock_failures", s->deadlock_failures);
	jsonw_u64(j, "retried", s->retried);
	jsonw_u64(j, "retries", s->retries);
	jsonw_u64(j, "skipped", s->skipped);
	jsonw_u64(j, "above_latency_limit", s->late);
	jsonw_u64(j, "clients_not_connected", s->not_connected);
	jsonw_u64(j, "clients_aborted", s->aborted);
	jsonw_double(j, "tps_including_connections", s->tps_including);
	jsonw_double(j, "tps_excluding_connections", s->tps_excluding);
	jsonw_double(j, "initial_connection_time_ms", ms((double)s->initial_conn_ns));
	jsonw_double(j, "average_connection_time_ms",
		     s->conn_count ? ms((double)s->conn_ns / (double)s->conn_count) : 0);
	jsonw_u64(j, "connections", s->conn_count);
	if (cfg->rate_tps) {
		jsonw_double(j, "rate_tps", cfg->rate_tps);
		jsonw_double(j, "lag_mean_ms", s->lag.lat.count ? ms(hist_mean(&s->lag.lat)) : 0);
		jsonw_double(j, "lag_max_ms", ms((double)s->lag.lat.max));
	}
	jsonw_string(j, "on_error", cfg->on_error);
	jsonw_u64(j, "connection_failures", s->conn_failed);
	jsonw_object_begin(j, "connection_failures_by_sqlstate");
	for (unsigned i = 0; i < s->nlost_causes; i++)
		jsonw_u64(j, s->lost_causes[i].name, s->lost_causes[i].count);
	jsonw_object_end(j);
	jsonw_u64(j, "in_doubt", s->in_doubt);
	jsonw_u64(j, "reconnections", s->reconnects);
	if (cfg->check)
		pgb_check_json(j, &s->check);
	pgb_json_scripts(j, s);
	jsonw_object_end(j);
	if (s->result)
		report_stalls_json(j, "stalls", &s->result->stalls);
	jsonw_object_end(j);
}
