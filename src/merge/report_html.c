/*
 * report_html.c - the frame of pvcbench report's page: one self-contained HTML file (inline CSS
 * and SVG only: no script, no font, no image, no URL), and the order of its sections.
 *
 * The page reads without JavaScript, in any browser, offline: what it says is in its tables and
 * its SVG, and every exact value is in an attribute (data-value, title) beside its rounded text.
 */
#include "merge_int.h" /* merge_set_kind */
#include "report_int.h"

#include <string.h>
#include <errno.h>
#include <stdbool.h>

void rep_html_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

static const char css[] =
	"body{font-family:sans-serif;margin:1.5em;color:#222;background:#fff;max-width:1400px}"
	"h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-top:.5em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"th,td{border:1px solid #ccc;padding:3px 7px;font-size:.9em;vertical-align:top}"
	"thead th{background:#f0f0f0}td.num{text-align:right;white-space:nowrap}"
	"td[data-value]{white-space:nowrap}"
	"th.cls{text-align:left;white-space:nowrap}"
	".sw{display:inline-block;width:.8em;height:.8em;margin-right:.3em}"
	".rank{color:#666;font-size:.85em}.rank.first{color:#2a7a2a;font-weight:bold}"
	".spread{color:#666;font-size:.8em}"
	".charts{display:flex;flex-wrap:wrap;gap:12px 28px;margin:.5em 0}"
	"svg.chart{font-size:11px;background:#fcfcfc}svg .ct{font-weight:bold;font-size:12px}"
	"svg .grid{stroke:#ddd;fill:none}svg .stall{fill:#f4a6a6;opacity:.6}"
	"li.flag{color:#a00}td.bad{color:#a00;font-weight:bold}td.ok{color:#2a7a2a}"
	".note{color:#555;font-size:.9em}";

static void inputs_list(const struct rep_model *m, FILE *out)
{
	fputs("<table class=\"inputs\"><thead><tr><th>storage class</th><th>result</th>"
	      "<th>label from</th><th>workload</th><th>time</th></tr></thead><tbody>\n",
	      out);
	for (unsigned i = 0; i < m->ninputs; i++) {
		const struct rep_input *in = &m->inputs[i];
		fprintf(out, "<tr><td><span class=\"sw\" style=\"background:%s\"></span>",
			rep_color(in->cls));
		rep_html_escape(out, in->r.label);
		fputs("</td><td>", out);
		rep_html_escape(out, in->r.path);
		fprintf(out, "</td><td>%s</td><td>%s</td><td>", in->label_from,
			merge_set_kind(in->r.set));
		rep_html_escape(out, json_string_value(json_object_get(in->r.doc, "time")));
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

static void contents(const struct rep_model *m, FILE *out)
{
	bool summary = false, failover = false;

	for (unsigned t = 0; t < m->ntests; t++)
		summary |= !strcmp(m->tests[t].name, "read_iops") &&
			   !strcmp(m->tests[t].kind, "block");
	for (unsigned i = 0; i < m->ninputs; i++)
		for (unsigned t = 0; t < m->inputs[i].r.ntests; t++) {
			const struct fig_test *ft = &m->inputs[i].r.tests[t];
			failover |= ft->stalls.count || ft->stalls.failures || ft->check.present;
		}
	fputs("<p>Sections: <a href=\"#red-flags\">red flags</a>", out);
	if (summary)
		fputs(" &middot; <a href=\"#fio-summary\">FIO Summary</a>", out);
	if (failover)
		fputs(" &middot; <a href=\"#failover\">failover</a>", out);
	for (unsigned t = 0; t < m->ntests; t++) {
		fprintf(out, " &middot; <a href=\"#test-%u\">", t);
		rep_html_escape(out, m->tests[t].name);
		fputs("</a>", out);
	}
	fputs(" &middot; <a href=\"#environment\">environment</a></p>\n", out);
}

int rep_html_write(const struct rep_model *m, FILE *out)
{
	const char *title = m->title ? m->title : "pvcbench: storage classes compared";

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
	      out);
	rep_html_escape(out, title);
	fprintf(out, "</title>\n<style>%s</style>\n</head><body>\n<h1>", css);
	rep_html_escape(out, title);
	fprintf(out,
		"</h1>\n<p>%u result%s, %u storage class%s, %u test%s. Each class's figure is the "
		"mean of its runs; the exact values are in each cell's title. Made by pvcbench "
		"report.</p>\n",
		m->ninputs, m->ninputs == 1 ? "" : "s", m->nclasses, m->nclasses == 1 ? "" : "es",
		m->ntests, m->ntests == 1 ? "" : "s");
	inputs_list(m, out);
	contents(m, out);
	rep_flags(m, out);
	rep_tables_summary(m, out);
	rep_failover(m, out);
	for (unsigned t = 0; t < m->ntests; t++)
		rep_tables_test(m, t, out);
	rep_tables_environment(m, out);
	fputs("</body></html>\n", out);
	return ferror(out) ? -EIO : 0;
}
