/*
 * report_failover.c - the report's failover section (outages, recovery, errors by cause, and
 * what the run's own check says was lost) and its red flags (figures a storage class cannot
 * honestly have). Both read the results' JSON as written; docs/observability.md lists the rules.
 *
 * Red flags, each with data-rule on its item:
 * - "memory": a block job's target is on tmpfs, ramfs or overlay: not the PVC, or cached;
 * - "floor": a direct (or synced) job's mean read or write latency is below 10 us on a
 *   rotational or network device, whose floor is far above that: likely cached;
 * - "baseline": with --baseline LABEL (the node's local disk), another class's write figure
 *   (write IOPS/BW/latency, pgbench tps, Kafka produce) beats the baseline's by more than the
 *   noise (10%, or either class's own relative spread when larger): likely not durable.
 */
#include "merge_int.h" /* merge_set_kind */
#include "report_int.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#define FLOOR_US 10.0
#define BASELINE_NOISE 0.10

static uint64_t job_errors(const json_t *job)
{
	const char *key;
	json_t *v;
	uint64_t n = 0;

	json_object_foreach((json_t *)job, key, v)
	{
		if (json_is_object(v) && json_object_get(v, "lat_hist"))
			n += (uint64_t)json_integer_value(json_object_get(v, "errors"));
	}
	return n;
}

/* What the run's own check says: nothing lost, what was lost, or nothing checked. */
static void lost_cell(FILE *out, const json_t *job)
{
	const json_t *check = json_object_get(json_object_get(job, "pgbench"), "check");
	const json_t *verify = json_object_get(json_object_get(job, "kafka"), "verify");
	const json_t *ack = json_object_get(job, "ack_check");

	if (check) {
		bool ok = json_is_true(json_object_get(check, "ok"));
		fprintf(out,
			"<td class=\"%s\" data-lost=\"%d\">%s: %" JSON_INTEGER_FORMAT
			" acknowledged, %" JSON_INTEGER_FORMAT " rows added, %" JSON_INTEGER_FORMAT
			" in doubt (pgbench --check)</td>",
			ok ? "ok" : "bad", !ok, ok ? "nothing lost" : "CHECK FAILED",
			json_integer_value(json_object_get(check, "acknowledged")),
			json_integer_value(json_object_get(check, "history_rows_added")),
			json_integer_value(json_object_get(check, "in_doubt")));
	} else if (verify) {
		json_int_t lost = json_integer_value(json_object_get(verify, "lost"));
		fprintf(out,
			"<td class=\"%s\" data-lost=\"%" JSON_INTEGER_FORMAT
			"\">%s%" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
			" acknowledged records lost, %" JSON_INTEGER_FORMAT
			" read back (kafka --verify)</td>",
			lost ? "bad" : "ok", lost, lost ? "LOST: " : "nothing lost: ", lost,
			json_integer_value(json_object_get(verify, "acknowledged")),
			json_integer_value(json_object_get(verify, "read")));
	} else if (ack) {
		json_int_t bad = json_integer_value(json_object_get(ack, "lost")) +
				 json_integer_value(json_object_get(ack, "stale")) +
				 json_integer_value(json_object_get(ack, "corrupt"));
		fprintf(out,
			"<td class=\"%s\" data-lost=\"%" JSON_INTEGER_FORMAT
			"\">%s%" JSON_INTEGER_FORMAT " of %" JSON_INTEGER_FORMAT
			" acknowledged blocks lost, stale or corrupt (ack ledger)</td>",
			bad ? "bad" : "ok", bad, bad ? "LOST: " : "nothing lost: ", bad,
			json_integer_value(json_object_get(ack, "acknowledged")));
	} else {
		fputs("<td>not checked (no --check, --verify or ack ledger)</td>", out);
	}
}

static void causes(FILE *out, const json_t *by_cause)
{
	const char *key;
	json_t *v;
	bool any = false;

	json_object_foreach((json_t *)by_cause, key, v)
	{
		fputs(any ? ", " : ": ", out);
		rep_html_escape(out, key);
		fprintf(out, " %" JSON_INTEGER_FORMAT, json_integer_value(v));
		any = true;
	}
}

static bool eventful(const json_t *job)
{
	const json_t *st = json_object_get(job, "stalls");

	return json_integer_value(json_object_get(st, "count")) > 0 ||
	       json_integer_value(json_object_get(st, "failures")) > 0 ||
	       json_object_get(json_object_get(job, "pgbench"), "check") ||
	       json_object_get(json_object_get(job, "kafka"), "verify") ||
	       json_object_get(job, "ack_check");
}

static void failover_row(const struct rep_model *m, unsigned i, const json_t *job, FILE *out)
{
	const json_t *st = json_object_get(job, "stalls"), *list = json_object_get(st, "list"), *s;
	double recovery = 0;
	bool unrecovered = false;
	size_t k;

	json_array_foreach((json_t *)list, k, s)
	{
		const json_t *r = json_object_get(s, "recovery_ms");
		if (json_is_number(r) && json_number_value(r) > recovery)
			recovery = json_number_value(r);
		unrecovered |= !json_is_number(r);
	}
	fputs("<tr><td>", out);
	rep_html_escape(out, m->inputs[i].r.label);
	fputs("</td><td>", out);
	rep_html_escape(out, m->inputs[i].r.path);
	fputs("</td><td>", out);
	rep_html_escape(out, json_string_value(json_object_get(job, "jobname")));
	fprintf(out,
		"</td><td data-value=\"%" JSON_INTEGER_FORMAT "\">%" JSON_INTEGER_FORMAT "</td>"
		"<td data-value=\"%.17g\">%.3f s</td><td data-value=\"%.17g\">%.3f s</td>",
		json_integer_value(json_object_get(st, "count")),
		json_integer_value(json_object_get(st, "count")),
		json_number_value(json_object_get(st, "longest_ms")),
		json_number_value(json_object_get(st, "longest_ms")) / 1e3,
		json_number_value(json_object_get(st, "total_ms")),
		json_number_value(json_object_get(st, "total_ms")) / 1e3);
	if (!json_array_size(list))
		fputs("<td>-</td>", out);
	else if (unrecovered)
		fputs("<td class=\"bad\">not recovered (or no baseline to recover to)</td>", out);
	else
		fprintf(out, "<td data-value=\"%.17g\">%.3f s</td>", recovery, recovery / 1e3);
	fprintf(out,
		"<td data-value=\"%" PRIu64 "\">%" PRIu64 " errors; %" JSON_INTEGER_FORMAT
		" failures",
		job_errors(job), job_errors(job),
		json_integer_value(json_object_get(st, "failures")));
	causes(out, json_object_get(st, "failures_by_cause"));
	fputs("</td>", out);
	lost_cell(out, job);
	fputs("</tr>\n", out);
}

void rep_failover(const struct rep_model *m, FILE *out)
{
	bool any = false;

	for (unsigned i = 0; i < m->ninputs; i++) {
		const json_t *jobs = json_object_get(m->inputs[i].r.doc, "jobs"), *job;
		size_t k;
		json_array_foreach((json_t *)jobs, k, job)
		{
			if (!eventful(job))
				continue;
			if (!any)
				fputs("<section id=\"failover\"><h2>Failover</h2>\n<table "
				      "class=\"failover\"><thead><tr><th>storage class</th><th>file"
				      "</th><th>job</th><th>outages</th><th>longest</th><th>total"
				      "</th><th>recovery (slowest)</th><th>errors</th><th>lost"
				      "</th></tr></thead>\n<tbody>\n",
				      out);
			any = true;
			failover_row(m, i, job, out);
		}
	}
	if (any)
		fputs("</tbody></table></section>\n", out);
}

static const char *config_value(const json_t *job, const char *key)
{
	return json_string_value(
		json_object_get(json_object_get(json_object_get(job, "config"), key), "value"));
}

static bool set_nonzero(const char *v)
{
	return v && *v && strcmp(v, "0");
}

static void flag_open(FILE *out, const char *rule, const char *label, const char *figure)
{
	fprintf(out, "<li class=\"flag\" data-rule=\"%s\" data-class=\"", rule);
	rep_html_escape(out, label);
	if (figure) {
		fputs("\" data-figure=\"", out);
		rep_html_escape(out, figure);
	}
	fputs("\"><b>", out);
	rep_html_escape(out, label);
	fputs("</b>: ", out);
}

/* memory_said: whether an earlier job of the input was flagged "memory" (said once a result) */
static unsigned flags_of_job(const struct rep_model *m, unsigned i, const json_t *job,
			     bool *memory_said, FILE *out)
{
	static const char *const memory_fs[] = { "tmpfs", "ramfs", "overlay" };
	const json_t *target = json_object_get(job, "target");
	const char *fstype = json_string_value(json_object_get(target, "fstype"));
	const char *src = json_string_value(json_object_get(target, "source"));
	const char *rot =
		json_string_value(json_object_get(json_object_get(target, "device"), "rotational"));
	const char *name = json_string_value(json_object_get(job, "jobname"));
	bool durable = set_nonzero(config_value(job, "direct")) ||
		       set_nonzero(config_value(job, "fsync")) ||
		       set_nonzero(config_value(job, "fdatasync")) ||
		       set_nonzero(config_value(job, "sync"));
	bool slow_device = (rot && !strcmp(rot, "1")) ||
			   (src && (!strncmp(src, "/dev/rbd", 8) || !strncmp(src, "/dev/nbd", 8) ||
				    !strncmp(src, "/dev/drbd", 9))) ||
			   (fstype && (!strncmp(fstype, "nfs", 3) || !strcmp(fstype, "ceph")));
	unsigned n = 0;

	for (unsigned k = 0; fstype && k < sizeof(memory_fs) / sizeof(memory_fs[0]); k++) {
		if (strcmp(fstype, memory_fs[k]) || *memory_said)
			continue;
		*memory_said = true;
		flag_open(out, "memory", m->inputs[i].r.label, NULL);
		rep_html_escape(out, name);
		fputs(json_array_size(json_object_get(m->inputs[i].r.doc, "jobs")) > 1
			      ? " (and the result's other jobs) ran on "
			      : " ran on ",
		      out);
		rep_html_escape(out, fstype);
		fputs(": likely cached / not the PVC (", out);
		rep_html_escape(out, m->inputs[i].r.path);
		fputs(")</li>\n", out);
		n++;
	}
	for (unsigned d = 0; durable && slow_device && d < 2; d++) {
		/* lat_hist was checked when the result was loaded (load.c) */
		const json_t *lh =
			json_object_get(json_object_get(job, d ? "write" : "read"), "lat_hist");
		json_int_t count = json_integer_value(json_object_get(lh, "count"));
		double mean_us = count ? (double)json_integer_value(json_object_get(lh, "sum")) /
						 (double)count / 1e3
				       : FLOOR_US;
		if (mean_us >= FLOOR_US)
			continue;
		flag_open(out, "floor", m->inputs[i].r.label, NULL);
		rep_html_escape(out, name);
		fprintf(out,
			" %s mean latency %.2f usec is below the %.0f usec floor of a rotational or "
			"network device (",
			d ? "write" : "read", mean_us, FLOOR_US);
		rep_html_escape(out, src ? src : "?");
		fputs("): likely cached</li>\n", out);
		n++;
	}
	return n;
}

static bool durable_op(const char *op)
{
	return !strcmp(op, "write") || !strcmp(op, "txn") || !strcmp(op, "produce");
}

static double rel_spread(const struct rep_stat *s)
{
	return s->mean > 0 ? (s->max - s->min) / s->mean : 0;
}

static unsigned baseline_flags(const struct rep_model *m, unsigned base, FILE *out)
{
	unsigned n = 0;
	char a[64], b[64];

	for (unsigned f = 0; f < m->nfigures; f++) {
		const struct rep_figure *fig = &m->figures[f];
		const struct rep_stat *bs = rep_stat_of(m, f, base);
		if (!durable_op(fig->op) || fig->errors || !bs->n || !(bs->mean > 0))
			continue;
		for (unsigned c = 0; c < m->nclasses; c++) {
			const struct rep_stat *s = rep_stat_of(m, f, c);
			double noise = fmax(BASELINE_NOISE, fmax(rel_spread(bs), rel_spread(s)));
			bool higher = rep_higher_is_better(fig);
			double ratio = higher ? s->mean / bs->mean : bs->mean / s->mean;
			if (c == base || !s->n || !(s->mean > 0) || ratio <= 1 + noise)
				continue;
			rep_format(a, sizeof(a), fig, s->mean);
			rep_format(b, sizeof(b), fig, bs->mean);
			flag_open(out, "baseline", m->classes[c].label, fig->key);
			rep_html_escape(out, fig->title);
			fprintf(out, " of ");
			rep_html_escape(out, m->tests[fig->test].name);
			fprintf(out, " is %s against %s on the local disk (", a, b);
			rep_html_escape(out, m->classes[base].label);
			fprintf(out,
				"): %.0f%% better, more than the noise (%.0f%%): likely not "
				"durable</li>\n",
				(ratio - 1) * 100, noise * 100);
			n++;
		}
	}
	return n;
}

void rep_flags(const struct rep_model *m, FILE *out)
{
	unsigned n = 0;

	fputs("<section id=\"red-flags\"><h2>Red flags</h2>\n<ul class=\"flags\">\n", out);
	for (unsigned i = 0; i < m->ninputs; i++) {
		const json_t *jobs = json_object_get(m->inputs[i].r.doc, "jobs"), *job;
		bool memory_said = false;
		size_t k;
		json_array_foreach((json_t *)jobs, k, job)
		{
			n += flags_of_job(m, i, job, &memory_said, out);
		}
	}
	for (unsigned c = 0; m->baseline && c < m->nclasses; c++)
		if (!strcmp(m->classes[c].label, m->baseline))
			n += baseline_flags(m, c, out);
	fputs("</ul>\n", out);
	fprintf(out,
		"<p class=\"note\">%s (the rules: results on tmpfs or overlay; a direct or synced "
		"latency below a rotational or network device's floor of %.0f usec; with "
		"--baseline, write figures beating the local disk by more than the noise).</p>"
		"</section>\n",
		n ? "Figures a storage class cannot honestly have" : "No red flags", FLOOR_US);
}
