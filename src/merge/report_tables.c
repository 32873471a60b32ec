/*
 * report_tables.c - the report's tables: the FIO Summary's lines per storage class, each test's
 * figures per class, and the environment of every run.
 *
 * A cell that shows a figure is predictable for a reader that checks it: data-class,
 * data-figure (test/figure, the figure's key as figures.h names it: read_iops/read.iops), data-value (the class's mean, exact as %.17g), data-min,
 * data-max, data-n (runs), data-rank and data-tied; its text is the mean as fio formats it, then
 * the rank, then the spread when the class has several runs.
 */
#include "merge_int.h" /* merge_set_kind */
#include "report_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/fmt.h"

static void figure_cell(const struct rep_model *m, unsigned figure, unsigned cls, FILE *out)
{
	const struct rep_stat *s = rep_stat_of(m, figure, cls);
	const struct rep_figure *f = &m->figures[figure];
	char mean[64], lo[64], hi[64];

	if (!s->n) {
		fputs("<td class=\"none\">-</td>", out);
		return;
	}
	rep_format(mean, sizeof(mean), f, s->mean);
	rep_format(lo, sizeof(lo), f, s->min);
	rep_format(hi, sizeof(hi), f, s->max);
	fputs("<td class=\"num\" data-class=\"", out);
	rep_html_escape(out, m->classes[cls].label);
	fputs("\" data-figure=\"", out);
	rep_html_escape(out, f->key);
	fprintf(out,
		"\" data-value=\"%.17g\" data-min=\"%.17g\" data-max=\"%.17g\" data-n=\"%u\" "
		"data-rank=\"%u\" data-tied=\"%d\" title=\"%.17g",
		s->mean, s->min, s->max, s->n, s->rank, s->tied, s->mean);
	if (s->n > 1)
		fprintf(out, " (mean of %u runs: %.17g..%.17g)", s->n, s->min, s->max);
	fprintf(out, "\"><span class=\"v\">%s</span> <span class=\"rank%s\">#%u%s</span>", mean,
		s->rank == 1 ? " first" : "", s->rank, s->tied ? " tied" : "");
	if (s->n > 1)
		fprintf(out, "<br><span class=\"spread\">%s..%s</span>", lo, hi);
	fputs("</td>", out);
}

/* runs: how many results of the class the row is made of (0: leave it unsaid) */
static void class_cell(const struct rep_model *m, unsigned cls, unsigned runs, FILE *out)
{
	fprintf(out, "<th class=\"cls\"><span class=\"sw\" style=\"background:%s\"></span>",
		rep_color(cls));
	rep_html_escape(out, m->classes[cls].label);
	if (runs)
		fprintf(out, " <small>(%u run%s)</small>", runs, runs == 1 ? "" : "s");
	fputs("</th>", out);
}

static void figure_table(const struct rep_model *m, const unsigned *figs, unsigned n,
			 const char *const *heads, FILE *out)
{
	fputs("<table class=\"figures\">\n<thead><tr><th>storage class</th>", out);
	for (unsigned k = 0; k < n; k++) {
		const struct rep_figure *f = &m->figures[figs[k]];
		fputs("<th>", out);
		rep_html_escape(out, heads ? heads[k] : f->title);
		fprintf(out, "<br><small>%s</small></th>",
			f->errors		  ? "fewer is better"
			: rep_higher_is_better(f) ? "higher is better"
						  : "lower is better");
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	for (unsigned c = 0; c < m->nclasses; c++) {
		unsigned runs = 0;
		for (unsigned k = 0; k < n; k++) {
			unsigned r = rep_stat_of(m, figs[k], c)->n;
			runs = r > runs ? r : runs;
		}
		if (!runs) /* the class has no result of these tests */
			continue;
		fputs("<tr>", out);
		class_cell(m, c, runs, out);
		for (unsigned k = 0; k < n; k++)
			figure_cell(m, figs[k], c, out);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

static int figure_by_key(const struct rep_model *m, const char *key)
{
	for (unsigned f = 0; f < m->nfigures; f++)
		if (!strcmp(m->figures[f].key, key) &&
		    !strcmp(m->tests[m->figures[f].test].kind, "block"))
			return (int)f;
	return -1;
}

/* The seed's summary lines, figure by figure (workloads/block/summary.c prints them). */
static const struct {
	const char *key, *head;
} seed[] = {
	{ "read_iops/read.iops", "Random Read IOPS" },
	{ "write_iops/write.iops", "Random Write IOPS" },
	{ "read_bw/read.bw", "Random Read BW" },
	{ "write_bw/write.bw", "Random Write BW" },
	{ "read_latency/read.lat_mean", "Average Latency Read (usec)" },
	{ "write_latency/write.lat_mean", "Average Latency Write (usec)" },
	{ "read_seq/read.bw", "Sequential Read" },
	{ "write_seq/write.bw", "Sequential Write" },
	{ "rw_mix/read.iops", "Mixed Random Read IOPS" },
	{ "rw_mix/write.iops", "Mixed Random Write IOPS" },
};
#define NSEED (sizeof(seed) / sizeof(seed[0]))

void rep_tables_summary(const struct rep_model *m, FILE *out)
{
	unsigned figs[NSEED], n = 0;
	const char *heads[NSEED];

	for (unsigned k = 0; k < NSEED; k++) {
		int f = figure_by_key(m, seed[k].key);
		if (f >= 0) {
			heads[n] = seed[k].head;
			figs[n++] = (unsigned)f;
		}
	}
	if (!n)
		return;
	fputs("<section id=\"fio-summary\"><h2>FIO Summary</h2>\n<p>The white paper's figures "
	      "(the FIO Summary's lines), per storage class: the mean of its runs, its rank "
	      "(<b>#1</b> is best; classes whose spreads overlap share a rank and are "
	      "<i>tied</i>) and, for repeated runs, the spread.</p>\n",
	      out);
	figure_table(m, figs, n, heads, out);
	fputs("<div class=\"charts\">\n", out);
	for (unsigned k = 0; k < n; k++)
		rep_svg_bars(m, figs[k], out);
	fputs("</div></section>\n", out);
}

void rep_tables_test(const struct rep_model *m, unsigned test, FILE *out)
{
	unsigned figs[REP_MAX_FIGURES] = { 0 }, n = 0;
	const struct rep_test *t = &m->tests[test];

	for (unsigned f = 0; f < m->nfigures; f++)
		if (m->figures[f].test == test)
			figs[n++] = f;
	fprintf(out, "<section class=\"test\" id=\"test-%u\"><h2>", test);
	rep_html_escape(out, t->name);
	fputs(" <small>(", out);
	rep_html_escape(out, t->kind);
	fputs(")</small></h2>\n", out);
	figure_table(m, figs, n, NULL, out);
	fputs("<div class=\"charts\">\n", out);
	for (unsigned k = 0; k < n; k++)
		if (!m->figures[figs[k]].errors)
			rep_svg_bars(m, figs[k], out);
	/* a latency curve per operation type, after the first of its figures */
	for (unsigned k = 0; k < n; k++) {
		const char *op = m->figures[figs[k]].op;
		bool first = *op;
		for (unsigned j = 0; j < k; j++)
			first &= strcmp(m->figures[figs[j]].op, op) != 0;
		if (first)
			rep_svg_percentiles(m, test, op, out);
	}
	rep_svg_series(m, test, out);
	fputs("</div></section>\n", out);
}

/* A cell with a string member (a path of keys), "-" when absent or null. */
static void text_cell(FILE *out, const json_t *v)
{
	fputs("<td>", out);
	if (json_is_string(v))
		rep_html_escape(out, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		fputs("-", out);
	fputs("</td>", out);
}

/* The first job that says where it ran (a block job's target) or with what (its engine). */
static const json_t *first_job_with(const json_t *doc, const char *key)
{
	const json_t *jobs = json_object_get(doc, "jobs"), *job;
	size_t i;

	json_array_foreach((json_t *)jobs, i, job)
	{
		if (json_object_get(job, key))
			return job;
	}
	return NULL;
}

/* What a workload adds to the environment (PostgreSQL's settings, Kafka's brokers): its
 * members as name=value. */
static void extra_cell(FILE *out, const json_t *env)
{
	static const char *const shown[] = { "pvcbench_version", "built_in", "kernel",
					     "hostname",	 "cpu",	     "memory_bytes",
					     "kubernetes" };
	const char *key, *k2;
	json_t *v, *v2;
	bool any = false;

	fputs("<td>", out);
	json_object_foreach((json_t *)env, key, v)
	{
		bool known = false;
		for (unsigned s = 0; s < sizeof(shown) / sizeof(shown[0]); s++)
			known |= !strcmp(key, shown[s]);
		if (known || !json_is_object(v))
			continue;
		json_object_foreach(v, k2, v2)
		{
			char *text = json_dumps(v2, JSON_ENCODE_ANY | JSON_COMPACT);
			fputs(any ? ", " : "", out);
			rep_html_escape(out, key);
			fputs(".", out);
			rep_html_escape(out, k2);
			fputs("=", out);
			rep_html_escape(out, text ? text : "?");
			free(text);
			any = true;
		}
	}
	fputs(any ? "</td>" : "-</td>", out);
}

void rep_tables_environment(const struct rep_model *m, FILE *out)
{
	fputs("<section id=\"environment\"><h2>Environment of each run</h2>\n"
	      "<table class=\"env\"><thead><tr><th>storage class</th><th>file</th><th>workload</th>"
	      "<th>engine</th><th>kernel</th><th>filesystem</th><th>device</th><th>node</th>"
	      "<th>pod</th><th>CPU</th><th>memory</th><th>workload's environment</th>"
	      "</tr></thead>\n<tbody>\n",
	      out);
	for (unsigned i = 0; i < m->ninputs; i++) {
		const struct rep_input *in = &m->inputs[i];
		/* a merged result keeps each source's: the first one's, as figures.h reads it */
		const json_t *env = json_object_get(
			in->r.merged ? json_array_get(json_object_get(in->r.doc, "sources"), 0)
				     : in->r.doc,
			"environment");
		const json_t *k8s = json_object_get(env, "kubernetes");
		const json_t *tj = first_job_with(in->r.doc, "target");
		const json_t *ej = first_job_with(in->r.doc, "ioengine");
		const json_t *target = json_object_get(tj, "target");
		const json_t *dev = json_object_get(target, "device");
		const json_t *cpu = json_object_get(env, "cpu");
		const json_t *node = json_object_get(k8s, "node");
		char mem[32];

		fprintf(out, "<tr data-input=\"%u\">", i);
		class_cell(m, in->cls, 0, out);
		fputs("<td>", out);
		rep_html_escape(out, in->r.path);
		fputs("</td>", out);
		fprintf(out, "<td>%s</td>", merge_set_kind(in->r.set));
		text_cell(out, json_object_get(ej, "ioengine"));
		text_cell(out, json_object_get(json_object_get(env, "kernel"), "release"));
		fputs("<td>", out);
		if (target) {
			rep_html_escape(out, json_string_value(json_object_get(target, "fstype")));
			fputs(" (", out);
			rep_html_escape(
				out, json_string_value(json_object_get(target, "mount_options")));
			fputs(") on ", out);
			rep_html_escape(out,
					json_string_value(json_object_get(target, "mount_point")));
		} else {
			fputs("-", out);
		}
		fputs("</td><td>", out);
		if (dev) {
			const char *rot = json_string_value(json_object_get(dev, "rotational"));
			rep_html_escape(out, json_string_value(json_object_get(target, "source")));
			fputs(" ", out);
			rep_html_escape(out,
					json_string_value(json_object_get(dev, "major_minor")));
			fputs(" ", out);
			rep_html_escape(out, json_string_value(json_object_get(dev, "model")));
			fprintf(out, " %s", rot && !strcmp(rot, "1") ? "rotational" : "");
		} else {
			fputs("-", out);
		}
		fputs("</td>", out);
		text_cell(out, json_is_string(node) ? node : json_object_get(env, "hostname"));
		text_cell(out, json_object_get(k8s, "pod"));
		fputs("<td>", out);
		rep_html_escape(out, json_string_value(json_object_get(cpu, "model")));
		fprintf(out, " &times; %" JSON_INTEGER_FORMAT "</td>",
			json_integer_value(json_object_get(cpu, "cores")));
		fmt_size(mem, sizeof(mem),
			 (uint64_t)json_integer_value(json_object_get(env, "memory_bytes")));
		fprintf(out, "<td>%s</td>", mem);
		extra_cell(out, env);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></section>\n", out);
}
