/*
 * report_script.c - what pgbench reports per script and per command: the sections of a run
 * with several scripts ("SQL script N: DESC", its weight, transactions, failures, retries,
 * skipped and latency), -r's statement latencies (pgbench 15: with failures and, when
 * --max-tries is not 1, retries; pgbench 13: latencies alone), and the same figures in the
 * JSON job. The threads' per-script and per-command arrays are summed here (pgb_summary_sum).
 *
 * The widths are pgbench's printf's, to the character: "   %11.3f  %10ld  %s". A percentage
 * of nothing is printed "NaN", as pgbench 15 prints it for a script that never ran (its own
 * snprintf writes NaN where glibc writes nan).
 */
#include "pgbench.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/report.h"
#include "script.h"

static void simple_merge(struct pgb_simple_stats *into, const struct pgb_simple_stats *from)
{
	if (!from->count)
		return;
	if (!into->count || from->min < into->min)
		into->min = from->min;
	if (!into->count || from->max > into->max)
		into->max = from->max;
	into->count += from->count;
	into->sum += from->sum;
	into->sum2 += from->sum2;
}

int pgb_summary_sum(struct pgb_summary *s)
{
	const struct pgb_scripts *ss = s->run ? s->run->scripts : NULL;

	pgb_summary_free(s);
	if (!ss || !ss->n)
		return 0;
	s->scripts = calloc(ss->n, sizeof(*s->scripts));
	s->cmds = calloc(ss->total_cmds ? ss->total_cmds : 1, sizeof(*s->cmds));
	if (!s->scripts || !s->cmds) {
		pgb_summary_free(s);
		return -1;
	}
	for (unsigned t = 0; t < s->nthreads; t++) {
		const struct pgb_thread_result *tr = &s->threads[t];
		for (unsigned i = 0; tr->scripts && i < ss->n; i++) {
			struct pgb_script_stats *a = &s->scripts[i];
			const struct pgb_script_stats *b = &tr->scripts[i];
			a->processed += b->processed;
			a->skipped += b->skipped;
			a->retried += b->retried;
			a->retries += b->retries;
			a->serialization_failures += b->serialization_failures;
			a->deadlock_failures += b->deadlock_failures;
			simple_merge(&a->latency, &b->latency);
			simple_merge(&a->lag, &b->lag);
		}
		for (unsigned c = 0; tr->cmds && c < ss->total_cmds; c++) {
			simple_merge(&s->cmds[c].latency, &tr->cmds[c].latency);
			s->cmds[c].failures += tr->cmds[c].failures;
			s->cmds[c].retries += tr->cmds[c].retries;
		}
	}
	return 0;
}

void pgb_summary_free(struct pgb_summary *s)
{
	free(s->scripts);
	free(s->cmds);
	s->scripts = NULL;
	s->cmds = NULL;
}

/* pgbench's printSimpleStats: mean and population deviation, values in ns, printed in ms */
static double simple_mean_ms(const struct pgb_simple_stats *st)
{
	return st->count ? st->sum / (double)st->count / 1e6 : 0.0;
}

static double simple_stddev_ms(const struct pgb_simple_stats *st)
{
	if (!st->count)
		return 0.0;
	double mean = st->sum / (double)st->count;
	double var = st->sum2 / (double)st->count - mean * mean;
	/* rounding can take a constant series a hair below zero */
	return var > 0 ? sqrt(var) / 1e6 : 0.0;
}

static void print_simple(FILE *out, const char *prefix, const struct pgb_simple_stats *st)
{
	if (!st->count)
		return;
	fprintf(out, "%s average = %.3f ms\n", prefix, simple_mean_ms(st));
	fprintf(out, "%s stddev = %.3f ms\n", prefix, simple_stddev_ms(st));
}

/* "%.3f" of part/whole in percent, or pgbench's NaN when whole is 0 */
static const char *pct3(char *buf, size_t size, uint64_t part, uint64_t whole)
{
	if (!whole)
		snprintf(buf, size, "NaN");
	else
		snprintf(buf, size, "%.3f", 100.0 * (double)part / (double)whole);
	return buf;
}

static const char *pct1(char *buf, size_t size, double part, double whole)
{
	if (whole == 0)
		snprintf(buf, size, "NaN");
	else
		snprintf(buf, size, "%.1f", 100.0 * part / whole);
	return buf;
}

static uint64_t script_failures(const struct pgb_script_stats *st)
{
	return st->serialization_failures + st->deadlock_failures;
}

/* -r's lines for one script */
static void print_commands(FILE *out, const struct pgb_summary *s, const struct pgb_script *sc,
			   bool sections)
{
	const struct pgb_config *cfg = s->cfg;
	bool current = cfg->current_style;

	if (current)
		fprintf(out, "%sstatement latencies in milliseconds%s:\n", sections ? " - " : "",
			cfg->max_tries == 1 ? " and failures" : ", failures and retries");
	else
		fprintf(out, "%sstatement latencies in milliseconds:\n", sections ? " - " : "");
	for (unsigned c = 0; c < sc->ncmds; c++) {
		const struct pgb_cmd_stats *cs = &s->cmds[sc->cmd_base + c];
		const char *line = sc->cmds[c].first_line ? sc->cmds[c].first_line : "";
		double lat = simple_mean_ms(&cs->latency);
		if (!current)
			fprintf(out, "   %11.3f  %s\n", lat, line);
		else if (cfg->max_tries == 1)
			fprintf(out, "   %11.3f  %10llu  %s\n", lat,
				(unsigned long long)cs->failures, line);
		else
			fprintf(out, "   %11.3f  %10llu  %10llu  %s\n", lat,
				(unsigned long long)cs->failures, (unsigned long long)cs->retries,
				line);
	}
}

/* pgbench 15's section of one script */
static void print_section_current(FILE *out, const struct pgb_summary *s, unsigned i)
{
	const struct pgb_config *cfg = s->cfg;
	const struct pgb_scripts *ss = s->run->scripts;
	const struct pgb_script_stats *st = &s->scripts[i];
	uint64_t failures = script_failures(st);
	uint64_t total = st->processed + st->skipped + failures;
	char a[32], b[32];

	fprintf(out, "SQL script %u: %s\n", i + 1, ss->s[i].desc);
	fprintf(out, " - weight: %lld (targets %s%% of total)\n", (long long)ss->s[i].weight,
		pct1(a, sizeof(a), (double)ss->s[i].weight, (double)ss->total_weight));
	fprintf(out, " - %llu transactions (%s%% of total, tps = %f)\n",
		(unsigned long long)st->processed,
		pct1(b, sizeof(b), (double)st->processed, (double)s->processed),
		s->bench_s > 0 ? (double)st->processed / s->bench_s : 0.0);
	fprintf(out, " - number of failed transactions: %llu (%s%%)\n",
		(unsigned long long)failures, pct3(a, sizeof(a), failures, total));
	if (cfg->failures_detailed) {
		fprintf(out, " - number of serialization failures: %llu (%s%%)\n",
			(unsigned long long)st->serialization_failures,
			pct3(a, sizeof(a), st->serialization_failures, total));
		fprintf(out, " - number of deadlock failures: %llu (%s%%)\n",
			(unsigned long long)st->deadlock_failures,
			pct3(a, sizeof(a), st->deadlock_failures, total));
	}
	if (cfg->max_tries != 1) {
		fprintf(out, " - number of transactions retried: %llu (%s%%)\n",
			(unsigned long long)st->retried, pct3(a, sizeof(a), st->retried, total));
		fprintf(out, " - total number of retries: %llu\n", (unsigned long long)st->retries);
	}
	if (cfg->rate_tps && cfg->latency_limit_ms && total)
		fprintf(out, " - number of transactions skipped: %llu (%s%%)\n",
			(unsigned long long)st->skipped, pct3(a, sizeof(a), st->skipped, total));
	print_simple(out, " - latency", &st->latency);
}

/* pgbench 13's: its transactions counted skipped ones in, and its tps the whole run time */
static void print_section_seed(FILE *out, const struct pgb_summary *s, unsigned i)
{
	const struct pgb_config *cfg = s->cfg;
	const struct pgb_scripts *ss = s->run->scripts;
	const struct pgb_script_stats *st = &s->scripts[i];
	uint64_t n = st->processed + st->skipped;
	char a[32];

	fprintf(out, "SQL script %u: %s\n", i + 1, ss->s[i].desc);
	fprintf(out, " - weight: %lld (targets %s%% of total)\n", (long long)ss->s[i].weight,
		pct1(a, sizeof(a), (double)ss->s[i].weight, (double)ss->total_weight));
	fprintf(out, " - %llu transactions (%s%% of total, tps = %f)\n", (unsigned long long)n,
		pct1(a, sizeof(a), (double)n, (double)(s->processed + s->skipped)),
		s->total_s > 0 ? (double)st->processed / s->total_s : 0.0);
	if (cfg->rate_tps && cfg->latency_limit_ms && n)
		fprintf(out, " - number of transactions skipped: %llu (%s%%)\n",
			(unsigned long long)st->skipped, pct3(a, sizeof(a), st->skipped, n));
	print_simple(out, " - latency", &st->latency);
}

void pgb_print_scripts(FILE *out, const struct pgb_summary *s)
{
	const struct pgb_config *cfg = s->cfg;
	const struct pgb_scripts *ss = s->run ? s->run->scripts : NULL;
	/* pgbench shows a section per script when there are several */
	bool sections = ss && ss->n > 1;

	if (!ss || !s->scripts || (!sections && !cfg->report_per_command))
		return;
	/* pgbench stops its report early when no transaction ended at all */
	if (!s->processed && !s->failed && !s->skipped)
		return;
	for (unsigned i = 0; i < ss->n; i++) {
		if (sections && cfg->current_style)
			print_section_current(out, s, i);
		else if (sections)
			print_section_seed(out, s, i);
		if (cfg->report_per_command && s->cmds)
			print_commands(out, s, &ss->s[i], sections);
	}
}

static void json_simple(struct jsonw *j, const char *key, const struct pgb_simple_stats *st)
{
	jsonw_object_begin(j, key);
	jsonw_u64(j, "count", st->count);
	jsonw_double(j, "mean", simple_mean_ms(st));
	jsonw_double(j, "stddev", simple_stddev_ms(st));
	jsonw_double(j, "min", st->count ? st->min / 1e6 : 0.0);
	jsonw_double(j, "max", st->count ? st->max / 1e6 : 0.0);
	jsonw_object_end(j);
}

void pgb_json_scripts(struct jsonw *j, const struct pgb_summary *s)
{
	const struct pgb_config *cfg = s->cfg;
	const struct pgb_scripts *ss = s->run ? s->run->scripts : NULL;

	if (!ss || !s->scripts)
		return;
	jsonw_array_begin(j, "scripts");
	for (unsigned i = 0; i < ss->n; i++) {
		const struct pgb_script *sc = &ss->s[i];
		const struct pgb_script_stats *st = &s->scripts[i];
		jsonw_object_begin(j, NULL);
		jsonw_u64(j, "script", i + 1);
		jsonw_string(j, "name", sc->name);
		jsonw_string(j, "description", sc->desc);
		jsonw_i64(j, "weight", sc->weight);
		jsonw_u64(j, "processed", st->processed);
		jsonw_u64(j, "failed", script_failures(st));
		jsonw_u64(j, "serialization_failures", st->serialization_failures);
		jsonw_u64(j, "deadlock_failures", st->deadlock_failures);
		jsonw_u64(j, "retried", st->retried);
		jsonw_u64(j, "retries", st->retries);
		jsonw_u64(j, "skipped", st->skipped);
		jsonw_double(j, "tps", s->bench_s > 0 ? (double)st->processed / s->bench_s : 0.0);
		json_simple(j, "latency_ms", &st->latency);
		if (cfg->rate_tps)
			json_simple(j, "lag_ms", &st->lag);
		if (cfg->report_per_command && s->cmds) {
			jsonw_array_begin(j, "commands");
			for (unsigned c = 0; c < sc->ncmds; c++) {
				const struct pgb_cmd_stats *cs = &s->cmds[sc->cmd_base + c];
				jsonw_object_begin(j, NULL);
				jsonw_u64(j, "command", c + 1);
				jsonw_u64(j, "line", sc->cmds[c].lineno);
				jsonw_string(j, "text",
					     sc->cmds[c].first_line ? sc->cmds[c].first_line : "");
				jsonw_u64(j, "count", cs->latency.count);
				jsonw_double(j, "latency_mean_ms", simple_mean_ms(&cs->latency));
				jsonw_u64(j, "failures", cs->failures);
				jsonw_u64(j, "retries", cs->retries);
				jsonw_object_end(j);
			}
			jsonw_array_end(j);
		}
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
}
