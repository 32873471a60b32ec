/*
 * report_svg.c - the report's charts, drawn as inline SVG by pvcbench itself (no script, no
 * font, no image from elsewhere: the page opens offline and reads without JavaScript).
 *
 * Bars: one per class, the mean of its runs, with a whisker over the spread (min..max) when the
 * class has several. Latency percentiles: one curve per class from its runs' histograms added
 * bucket for bucket (exact), on the usual HDR axes: x = log10(1 / (1 - p)), so 90%, 99%,
 * 99.9% are evenly spaced, and a logarithmic latency. Throughput over time: one line per run
 * from its "series", the run's stall windows shaded behind it.
 */
#include "merge_int.h" /* merge_set_kind */
#include "report_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/fmt.h"

static const char *const palette[REP_PALETTE] = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
						  "#9467bd", "#8c564b", "#e377c2", "#17becf" };

const char *rep_color(unsigned cls)
{
	return palette[cls % REP_PALETTE];
}

/* 1, 2 or 5 times a power of ten, at least v */
static double nice_ceil(double v)
{
	double p;

	if (!(v > 0))
		return 1;
	p = pow(10, floor(log10(v)));
	for (int i = 0; i < 3; i++) {
		static const double steps[] = { 1, 2, 5 };
		if (steps[i] * p >= v)
			return steps[i] * p;
	}
	return 10 * p;
}

static void svg_open(FILE *out, int w, int h, const char *what)
{
	fprintf(out,
		"<svg class=\"chart\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
		w, h, w, h);
	rep_html_escape(out, what);
	fputs("\">\n", out);
}

void rep_svg_bars(const struct rep_model *m, unsigned figure, FILE *out)
{
	const struct rep_figure *f = &m->figures[figure];
	const int left = 150, width = 300, row = 22, top = 24;
	double top_value = 0;
	unsigned rows = 0;
	char buf[64], lo[64], hi[64];

	for (unsigned c = 0; c < m->nclasses; c++) {
		const struct rep_stat *s = rep_stat_of(m, figure, c);
		if (s->n) {
			rows++;
			top_value = s->max > top_value ? s->max : top_value;
		}
	}
	if (!rows)
		return;
	top_value = top_value > 0 ? top_value : 1;
	svg_open(out, left + width + 110, top + row * (int)rows + 6, f->title);
	fprintf(out, "<text x=\"0\" y=\"15\" class=\"ct\">");
	rep_html_escape(out, f->title);
	fprintf(out, " (%s)</text>\n",
		rep_higher_is_better(f) ? "higher is better" : "lower is better");
	rows = 0;
	for (unsigned c = 0; c < m->nclasses; c++) {
		const struct rep_stat *s = rep_stat_of(m, figure, c);
		if (!s->n)
			continue;
		int y = top + row * (int)rows++;
		double w = s->mean / top_value * width;
		rep_format(buf, sizeof(buf), f, s->mean);
		fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", left - 6, y + 15);
		rep_html_escape(out, m->classes[c].label);
		fprintf(out,
			"</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			"fill=\"%s\"><title>",
			left, y + 3, w, row - 6, rep_color(c));
		rep_html_escape(out, m->classes[c].label);
		fprintf(out, ": %s (%.17g)</title></rect>", buf, s->mean);
		if (s->n > 1) {
			double x0 = left + s->min / top_value * width;
			double x1 = left + s->max / top_value * width;
			rep_format(lo, sizeof(lo), f, s->min);
			rep_format(hi, sizeof(hi), f, s->max);
			fprintf(out,
				"<path d=\"M%.1f %d V%d M%.1f %d H%.1f M%.1f %d V%d\" "
				"stroke=\"#222\" fill=\"none\"><title>spread of %u runs: %s..%s"
				"</title></path>",
				x0, y + 6, y + row - 6, x0, y + row / 2, x1, x1, y + 6, y + row - 6,
				s->n, lo, hi);
		}
		fprintf(out, "<text x=\"%.1f\" y=\"%d\">%s%s</text>\n",
			left + (s->max > s->mean ? s->max : s->mean) / top_value * width + 6,
			y + 15, buf, s->tied ? " (tied)" : "");
	}
	fputs("</svg>\n", out);
}

/* One swatch and label per class that has data, along the chart's top right. */
static void legend(const struct rep_model *m, const bool *has, int right, FILE *out)
{
	int x = right;

	for (unsigned c = m->nclasses; c-- > 0;) {
		if (!has[c])
			continue;
		x -= 14 + 7 * (int)strlen(m->classes[c].label);
		fprintf(out,
			"<rect x=\"%d\" y=\"6\" width=\"10\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"15\">",
			x, rep_color(c), x + 13);
		rep_html_escape(out, m->classes[c].label);
		fputs("</text>\n", out);
	}
}

static const double percentiles[] = { 1,    10,	  25,	 50,	75,	90,	95,	99,
				      99.5, 99.9, 99.95, 99.99, 99.995, 99.999, 99.9999 };
#define NPCT (sizeof(percentiles) / sizeof(percentiles[0]))

static double pct_x(double p)
{
	return log10(100.0 / (100.0 - p));
}

/* x: from 0 to xmax decades of 1/(1-p); y: log10(ns) from y0 to y1 */
struct plot {
	int left, top, w, h;
	double xmax, y0, y1;
};

static double px(const struct plot *p, double x)
{
	return p->left + x / p->xmax * p->w;
}

static double py_log(const struct plot *p, double ns)
{
	double y = log10(ns > 1 ? ns : 1);

	return p->top + p->h - (y - p->y0) / (p->y1 - p->y0) * p->h;
}

static void latency_label(char *buf, size_t size, double ns)
{
	if (ns >= 1e9)
		snprintf(buf, size, "%gs", ns / 1e9);
	else if (ns >= 1e6)
		snprintf(buf, size, "%gms", ns / 1e6);
	else if (ns >= 1e3)
		snprintf(buf, size, "%gus", ns / 1e3);
	else
		snprintf(buf, size, "%gns", ns);
}

static void percentile_axes(const struct plot *p, FILE *out)
{
	char buf[32];

	for (double d = p->y0; d <= p->y1 + 1e-9; d += 1) {
		double y = py_log(p, pow(10, d));
		latency_label(buf, sizeof(buf), pow(10, d));
		fprintf(out,
			"<path d=\"M%d %.1f H%d\" class=\"grid\"/><text x=\"%d\" y=\"%.1f\" "
			"text-anchor=\"end\">%s</text>\n",
			p->left, y, p->left + p->w, p->left - 4, y + 4, buf);
	}
	for (int d = 0; d <= (int)p->xmax; d++) {
		double x = px(p, d);
		if (d == 0)
			snprintf(buf, sizeof(buf), "0%%");
		else
			snprintf(buf, sizeof(buf), "%.*f%%", d > 2 ? d - 2 : 0,
				 100.0 - pow(10, 2 - d));
		fprintf(out,
			"<path d=\"M%.1f %d V%d\" class=\"grid\"/><text x=\"%.1f\" y=\"%d\" "
			"text-anchor=\"middle\">%s</text>\n",
			x, p->top, p->top + p->h, x, p->top + p->h + 16, buf);
	}
}

void rep_svg_percentiles(const struct rep_model *m, unsigned test, const char *op, FILE *out)
{
	struct hist *h = calloc(m->nclasses, sizeof(*h));
	struct plot p = { .left = 70, .top = 40, .w = 520, .h = 220, .xmax = 2 };
	bool has[REP_MAX_CLASSES];
	uint64_t lo = UINT64_MAX, hi = 0, most = 0;
	char title[256];

	if (!h)
		return;
	for (unsigned c = 0; c < m->nclasses; c++)
		hist_init(&h[c]);
	for (unsigned i = 0; i < m->ninputs; i++) {
		const struct op_stats *s = rep_input_op(m, i, test, op);
		if (s)
			hist_merge(&h[m->inputs[i].cls], &s->lat);
	}
	for (unsigned c = 0; c < m->nclasses; c++) {
		has[c] = h[c].count > 0;
		if (!h[c].count)
			continue;
		lo = h[c].min < lo ? h[c].min : lo;
		hi = h[c].max > hi ? h[c].max : hi;
		most = h[c].count > most ? h[c].count : most;
	}
	if (!most)
		goto done;
	/* a curve goes as far as its samples resolve: 1/(1-p) up to the count */
	p.xmax = floor(log10((double)most));
	p.xmax = p.xmax < 2 ? 2 : p.xmax > 6 ? 6 : p.xmax;
	p.y0 = floor(log10(lo > 1 ? (double)lo : 1));
	p.y1 = ceil(log10(hi > 1 ? (double)hi : 10));
	if (p.y1 <= p.y0)
		p.y1 = p.y0 + 1;
	snprintf(title, sizeof(title), "%s %s: latency by percentile", m->tests[test].name, op);
	svg_open(out, p.left + p.w + 40, p.top + p.h + 26, title);
	fprintf(out, "<text x=\"0\" y=\"15\" class=\"ct\">");
	rep_html_escape(out, title);
	fputs("</text>\n<text x=\"0\" y=\"30\">exact histograms, each class's runs added</text>\n",
	      out);
	legend(m, has, p.left + p.w + 30, out);
	percentile_axes(&p, out);
	for (unsigned c = 0; c < m->nclasses; c++) {
		if (!h[c].count)
			continue;
		fprintf(out, "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"%s\" points=\"",
			rep_color(c));
		for (unsigned k = 0; k < NPCT && pct_x(percentiles[k]) <= p.xmax + 1e-9; k++)
			fprintf(out, "%.1f,%.1f ", px(&p, pct_x(percentiles[k])),
				py_log(&p, (double)hist_value_at(&h[c], percentiles[k])));
		fputs("\"><title>", out);
		rep_html_escape(out, m->classes[c].label);
		fprintf(out, ": p50 %.2fus, p99 %.2fus, max %.2fus</title></polyline>\n",
			(double)hist_value_at(&h[c], 50) / 1e3,
			(double)hist_value_at(&h[c], 99) / 1e3, (double)h[c].max / 1e3);
	}
	fputs("</svg>\n", out);
done:
	free(h);
}

/* Operations per second of a series point: every operation type's ops over its duration. */
static double point_rate(const json_t *pt)
{
	double ms = json_number_value(json_object_get(pt, "duration_ms"));
	double ops = 0;
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)pt, key, v)
	{
		if (json_is_object(v))
			ops += (double)json_integer_value(json_object_get(v, "ops"));
	}
	return ms > 0 ? ops * 1000.0 / ms : 0;
}

/* The test's series in input i and its stall windows (figures.h: the first source's). */
static unsigned each_series(const struct rep_model *m, unsigned test, unsigned i,
			    const json_t **series, const json_t **stalls)
{
	const struct fig_test *t = rep_input_test(m, i, test);

	if (!t || !t->series)
		return 0;
	*series = t->series;
	*stalls = t->stall_list;
	return 1;
}

void rep_svg_series(const struct rep_model *m, unsigned test, FILE *out)
{
	struct plot p = { .left = 70, .top = 40, .w = 520, .h = 200 };
	bool has[REP_MAX_CLASSES] = { false };
	double xmax = 0, ymax = 0;
	const json_t *found[1], *stall_lists[1];
	char title[256], buf[64];
	unsigned drawn = 0;

	for (unsigned i = 0; i < m->ninputs; i++) {
		unsigned n = each_series(m, test, i, found, stall_lists);
		for (unsigned s = 0; s < n; s++) {
			const json_t *pts = json_object_get(found[s], "points"), *pt;
			size_t k;
			json_array_foreach((json_t *)pts, k, pt)
			{
				double end =
					(json_number_value(json_object_get(pt, "t_ms")) +
					 json_number_value(json_object_get(pt, "duration_ms"))) /
					1000.0;
				double r = point_rate(pt);
				xmax = end > xmax ? end : xmax;
				ymax = r > ymax ? r : ymax;
				has[m->inputs[i].cls] = true;
				drawn++;
			}
		}
	}
	if (!drawn)
		return;
	xmax = nice_ceil(xmax);
	ymax = nice_ceil(ymax);
	snprintf(title, sizeof(title), "%s: operations per second over time", m->tests[test].name);
	svg_open(out, p.left + p.w + 40, p.top + p.h + 26, title);
	fprintf(out, "<text x=\"0\" y=\"15\" class=\"ct\">");
	rep_html_escape(out, title);
	fputs("</text>\n<text x=\"0\" y=\"30\">one line per run, its stall windows shaded</text>\n",
	      out);
	legend(m, has, p.left + p.w + 30, out);
	for (int t = 0; t <= 4; t++) {
		double y = p.top + p.h - t * p.h / 4.0, x = p.left + t * p.w / 4.0;
		fmt_fio_num(buf, sizeof(buf), (uint64_t)(ymax * t / 4), 4, FMT_SI, "");
		fprintf(out,
			"<path d=\"M%d %.1f H%d M%.1f %d V%d\" class=\"grid\"/>"
			"<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>"
			"<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%gs</text>\n",
			p.left, y, p.left + p.w, x, p.top, p.top + p.h, p.left - 4, y + 4, buf, x,
			p.top + p.h + 16, xmax * t / 4);
	}
	for (unsigned i = 0; i < m->ninputs; i++) {
		unsigned n = each_series(m, test, i, found, stall_lists);
		for (unsigned s = 0; s < n; s++) {
			const json_t *list = stall_lists[s], *st, *pt;
			const json_t *pts = json_object_get(found[s], "points");
			size_t k;
			json_array_foreach((json_t *)list, k, st)
			{
				double x0 =
					json_number_value(json_object_get(st, "start_ms")) / 1000.0;
				double len = json_number_value(json_object_get(st, "length_ms")) /
					     1000.0;
				fprintf(out,
					"<rect class=\"stall\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
					"height=\"%d\"><title>",
					p.left + x0 / xmax * p.w, p.top, len / xmax * p.w, p.h);
				rep_html_escape(out, m->inputs[i].r.label);
				fprintf(out, ": stall at %.3fs for %.3fs</title></rect>\n", x0,
					len);
			}
			fprintf(out,
				"<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"%s\" "
				"points=\"",
				rep_color(m->inputs[i].cls));
			json_array_foreach((json_t *)pts, k, pt)
			{
				double mid =
					(json_number_value(json_object_get(pt, "t_ms")) +
					 json_number_value(json_object_get(pt, "duration_ms")) /
						 2) /
					1000.0;
				fprintf(out, "%.1f,%.1f ", p.left + mid / xmax * p.w,
					p.top + p.h - point_rate(pt) / ymax * p.h);
			}
			fputs("\"><title>", out);
			rep_html_escape(out, m->inputs[i].r.label);
			fputs(" (", out);
			rep_html_escape(out, m->inputs[i].r.path);
			fputs(")</title></polyline>\n", out);
			/* dots, so a run of one or two intervals still shows */
			json_array_foreach((json_t *)pts, k, pt)
			{
				double mid =
					(json_number_value(json_object_get(pt, "t_ms")) +
					 json_number_value(json_object_get(pt, "duration_ms")) /
						 2) /
					1000.0;
				fprintf(out,
					"<circle r=\"3\" cx=\"%.1f\" cy=\"%.1f\" fill=\"%s\"/>",
					p.left + mid / xmax * p.w,
					p.top + p.h - point_rate(pt) / ymax * p.h,
					rep_color(m->inputs[i].cls));
			}
		}
	}
	fputs("</svg>\n", out);
}
