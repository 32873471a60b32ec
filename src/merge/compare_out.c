/*
 * compare_out.c - pvcbench compare's outputs: a table per test, aligned in columns (a value and
 * its noise per result, and for every result after the first its change in %, marked), and one
 * JSON document holding every value, noise and change, so that each % printed can be
 * recomputed from it.
 *
 * The text rounds a change to 0.1 % from the same double the JSON holds (with 6 decimals);
 * a change is marked "*" when fig_beyond_noise says so, "?" when a noise is unknown.
 */
#include "compare_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/report.h"

#define CELL FIG_NAME_MAX

/* Values keep about 4-6 significant digits whatever their unit. */
static void fmt_value(char *buf, size_t size, double v)
{
	if (fabs(v) >= 100)
		snprintf(buf, size, "%.1f", v);
	else if (fabs(v) >= 1)
		snprintf(buf, size, "%.3f", v);
	else
		snprintf(buf, size, "%.4g", v);
}

static void fmt_noise(char *buf, size_t size, const struct fig_figure *f)
{
	if (f->noise < 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%.1f%%", 100.0 * f->noise);
}

static void fmt_change(char *buf, size_t size, const struct fig_figure *base,
		       const struct fig_figure *f)
{
	double pct = fig_change_pct(base->value, f->value);

	if (!isfinite(pct)) {
		snprintf(buf, size, "n/a");
		return;
	}
	snprintf(buf, size, "%+.1f%%%s", pct,
		 fig_beyond_noise(base, f, pct)		     ? " *"
		 : isfinite(fig_combined_noise_pct(base, f)) ? "  "
							     : " ?");
}

struct table {
	unsigned rows, cols;
	char (*cell)[CELL];
};

static char *cell(struct table *t, unsigned row, unsigned col)
{
	return t->cell[row * t->cols + col];
}

static void print_table(struct table *t, FILE *out)
{
	unsigned width[64] = { 0 };
	char line[64 * (CELL + 2) + 2];

	for (unsigned r = 0; r < t->rows; r++)
		for (unsigned c = 0; c < t->cols && c < 64; c++)
			if (strlen(cell(t, r, c)) > width[c])
				width[c] = (unsigned)strlen(cell(t, r, c));
	for (unsigned r = 0; r < t->rows; r++) {
		size_t n = 1;
		line[0] = ' ';
		for (unsigned c = 0; c < t->cols && c < 64 && n < sizeof(line); c++) {
			/* names left, numbers right */
			int w = snprintf(line + n, sizeof(line) - n, c < 2 ? " %-*s" : "  %*s",
					 (int)width[c], cell(t, r, c));
			n += w > 0 ? (size_t)w : 0;
		}
		n = n < sizeof(line) ? n : sizeof(line) - 1;
		while (n && line[n - 1] == ' ')
			n--;
		fprintf(out, "%.*s\n", (int)n, line);
	}
}

/* Columns: figure, unit, then per result its value and noise, and after the first its change. */
static unsigned value_col(unsigned i)
{
	return i ? 2 + 2 + 3 * (i - 1) : 2;
}

static void test_table(const struct cmp *c, const struct cmp_test *ct, FILE *out)
{
	struct table t = { .rows = ct->nkeys + 1, .cols = 2 + 2 + 3 * (c->ninputs - 1) };

	t.cell = calloc((size_t)t.rows * t.cols, CELL);
	if (!t.cell)
		return;
	snprintf(cell(&t, 0, 0), CELL, "figure");
	snprintf(cell(&t, 0, 1), CELL, "unit");
	for (unsigned i = 0; i < c->ninputs; i++) {
		unsigned col = value_col(i);
		snprintf(cell(&t, 0, col), CELL, "%s", c->inputs[i].label);
		snprintf(cell(&t, 0, col + 1), CELL, "noise");
		if (i)
			snprintf(cell(&t, 0, col + 2), CELL, "change");
	}
	for (unsigned k = 0; k < ct->nkeys; k++) {
		const struct fig_figure *base = cmp_figure(c, ct, 0, ct->keys[k]);
		for (unsigned i = 0; i < c->ninputs; i++) {
			const struct fig_figure *f = cmp_figure(c, ct, i, ct->keys[k]);
			unsigned col = value_col(i);
			if (f && !cell(&t, k + 1, 0)[0]) {
				snprintf(cell(&t, k + 1, 0), CELL, "%s", f->name);
				snprintf(cell(&t, k + 1, 1), CELL, "%s", f->unit);
			}
			if (!f) {
				snprintf(cell(&t, k + 1, col), CELL, "-");
				snprintf(cell(&t, k + 1, col + 1), CELL, "-");
			} else {
				fmt_value(cell(&t, k + 1, col), CELL, f->value);
				fmt_noise(cell(&t, k + 1, col + 1), CELL, f);
			}
			if (i && f && base)
				fmt_change(cell(&t, k + 1, col + 2), CELL, base, f);
			else if (i)
				snprintf(cell(&t, k + 1, col + 2), CELL, "-");
		}
	}
	print_table(&t, out);
	free(t.cell);
}

/* Stalls, errors and data checks: a line each, only when some result has something to say. */
static void test_notes(const struct cmp *c, const struct cmp_test *ct, FILE *out)
{
	bool stalls = false, errors = false, checks = false;

	for (unsigned i = 0; i < c->ninputs; i++) {
		const struct fig_test *t = ct->in[i];
		stalls |= t && t->stalls.count;
		errors |= t && (t->errors || t->failed_jobs);
		checks |= t && t->check.present;
	}
	if (stalls) {
		fputs("  stalls:", out);
		for (unsigned i = 0; i < c->ninputs; i++) {
			const struct fig_test *t = ct->in[i];
			fprintf(out, "%s %s ", i ? ";" : "", c->inputs[i].label);
			if (!t)
				fputs("-", out);
			else if (!t->stalls.count)
				fputs("none", out);
			else
				fprintf(out, "%u (%.2f s in all, longest %.2f s%s)",
					t->stalls.count, t->stalls.total_ms / 1000,
					t->stalls.longest_ms / 1000,
					t->stalls.open ? ", one still open at the end" : "");
		}
		fputc('\n', out);
	}
	if (errors) {
		fputs("  errors:", out);
		for (unsigned i = 0; i < c->ninputs; i++) {
			const struct fig_test *t = ct->in[i];
			fprintf(out, "%s %s ", i ? ";" : "", c->inputs[i].label);
			if (!t)
				fputs("-", out);
			else
				fprintf(out, "%llu (%u failed job%s)",
					(unsigned long long)t->errors, t->failed_jobs,
					t->failed_jobs == 1 ? "" : "s");
		}
		fputc('\n', out);
	}
	if (checks) {
		fputs("  data check:", out);
		for (unsigned i = 0; i < c->ninputs; i++) {
			const struct fig_check *k = ct->in[i] ? &ct->in[i]->check : NULL;
			fprintf(out, "%s %s ", i ? ";" : "", c->inputs[i].label);
			if (!k || !k->present)
				fputs("-", out);
			else
				fprintf(out,
					"%s %s: %llu acknowledged, %llu lost, %llu damaged, %llu in "
					"doubt",
					k->what, k->ok ? "ok" : "FAILED",
					(unsigned long long)k->acknowledged,
					(unsigned long long)k->lost, (unsigned long long)k->damaged,
					(unsigned long long)k->in_doubt);
		}
		fputc('\n', out);
	}
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

void cmp_print_text(const struct cmp *c, FILE *out)
{
	fprintf(out, "pvcbench compare: %u results; changes in %% against the first (%s)\n",
		c->ninputs, c->inputs[0].label);
	for (unsigned i = 0; i < c->ninputs; i++) {
		const struct fig_result *r = &c->inputs[i];
		const struct fig_env *e = &r->env;
		fprintf(out, "  %s: %s%s; engine %s, kernel %s, filesystem %s, node %s\n", r->label,
			r->path, r->merged ? " (merged)" : "", or_dash(e->engine),
			or_dash(e->kernel), or_dash(e->filesystem),
			e->node && *e->node ? e->node : or_dash(e->hostname));
	}
	for (unsigned s = 0; s < c->ntests; s++) {
		const struct cmp_test *ct = &c->tests[s];
		fprintf(out, "\n%s (%s)\n", ct->first->name, ct->first->label);
		test_table(c, ct, out);
		test_notes(c, ct, out);
	}
	fprintf(out,
		"\nchange: (value - first) / first. * the change is larger than %.0f x the "
		"combined noise\nsqrt(noise_first^2 + noise^2); ? a noise is unknown; - not in "
		"that result. noise: the\ncoefficient of variation of the figure's per-interval "
		"values in the run's own series\n(docs/compare.md).\n",
		FIG_NOISE_FACTOR);
}

static void json_number_or_null(struct jsonw *j, const char *key, double v)
{
	if (isfinite(v))
		jsonw_double(j, key, v);
	else
		jsonw_null(j, key);
}

static void json_string_or_null(struct jsonw *j, const char *key, const char *s)
{
	if (s)
		jsonw_string(j, key, s);
	else
		jsonw_null(j, key);
}

static void json_input(struct jsonw *j, const struct fig_result *r)
{
	const struct fig_env *e = &r->env;

	jsonw_object_begin(j, NULL);
	jsonw_string(j, "label", r->label);
	jsonw_string(j, "path", r->path);
	jsonw_bool(j, "merged", r->merged);
	jsonw_u64(j, "sources", r->nsources);
	jsonw_object_begin(j, "environment");
	json_string_or_null(j, "pvcbench_version", e->version);
	json_string_or_null(j, "kernel", e->kernel);
	json_string_or_null(j, "hostname", e->hostname);
	json_string_or_null(j, "node", e->node);
	json_string_or_null(j, "pod", e->pod);
	json_string_or_null(j, "namespace", e->namespace);
	json_string_or_null(j, "storage_class", e->storage_class);
	json_string_or_null(j, "engine", e->engine);
	json_string_or_null(j, "filesystem", e->filesystem);
	jsonw_object_end(j);
	jsonw_object_end(j);
}

static void json_test_input(struct jsonw *j, const struct fig_test *t)
{
	jsonw_object_begin(j, NULL);
	jsonw_bool(j, "present", t != NULL);
	if (t) {
		jsonw_string(j, "test", t->name);
		jsonw_u64(j, "jobs", t->njobs);
		jsonw_u64(j, "sources", t->nsources);
		jsonw_u64(j, "errors", t->errors);
		jsonw_u64(j, "failed_jobs", t->failed_jobs);
		jsonw_object_begin(j, "stalls");
		jsonw_u64(j, "count", t->stalls.count);
		jsonw_double(j, "total_ms", t->stalls.total_ms);
		jsonw_double(j, "longest_ms", t->stalls.longest_ms);
		jsonw_u64(j, "failures", t->stalls.failures);
		jsonw_u64(j, "open", t->stalls.open);
		jsonw_object_end(j);
		if (t->check.present) {
			jsonw_object_begin(j, "check");
			jsonw_string(j, "what", t->check.what);
			jsonw_bool(j, "ok", t->check.ok);
			jsonw_u64(j, "acknowledged", t->check.acknowledged);
			jsonw_u64(j, "lost", t->check.lost);
			jsonw_u64(j, "damaged", t->check.damaged);
			jsonw_u64(j, "in_doubt", t->check.in_doubt);
			jsonw_object_end(j);
		} else {
			jsonw_null(j, "check");
		}
	}
	jsonw_object_end(j);
}

static void json_value(struct jsonw *j, const struct fig_figure *base, const struct fig_figure *f,
		       bool first)
{
	jsonw_object_begin(j, NULL);
	if (!f) {
		jsonw_null(j, "value");
		jsonw_object_end(j);
		return;
	}
	jsonw_double(j, "value", f->value);
	json_number_or_null(j, "noise", f->noise < 0 ? NAN : f->noise);
	jsonw_string(j, "noise_source", fig_noise_source_name(f->noise_source));
	jsonw_u64(j, "noise_samples", f->noise_samples);
	if (!first && base) {
		double pct = fig_change_pct(base->value, f->value);
		json_number_or_null(j, "change_pct", pct);
		json_number_or_null(j, "combined_noise_pct", fig_combined_noise_pct(base, f));
		jsonw_bool(j, "beyond_noise", fig_beyond_noise(base, f, pct));
		jsonw_bool(j, "better", fig_better_than(f, f->value, base->value));
	}
	jsonw_object_end(j);
}

static void json_test(struct jsonw *j, const struct cmp *c, const struct cmp_test *ct)
{
	jsonw_object_begin(j, NULL);
	jsonw_string(j, "name", ct->first->name);
	jsonw_string(j, "kind", ct->first->kind);
	jsonw_string(j, "label", ct->first->label);
	jsonw_array_begin(j, "inputs");
	for (unsigned i = 0; i < c->ninputs; i++)
		json_test_input(j, ct->in[i]);
	jsonw_array_end(j);
	jsonw_array_begin(j, "figures");
	for (unsigned k = 0; k < ct->nkeys; k++) {
		const struct fig_figure *base = cmp_figure(c, ct, 0, ct->keys[k]), *any = NULL;
		for (unsigned i = 0; i < c->ninputs && !any; i++)
			any = cmp_figure(c, ct, i, ct->keys[k]);
		jsonw_object_begin(j, NULL);
		jsonw_string(j, "key", any->key);
		jsonw_string(j, "name", any->name);
		jsonw_string(j, "unit", any->unit);
		jsonw_string(j, "better", any->better == FIG_HIGHER ? "higher" : "lower");
		jsonw_array_begin(j, "values");
		for (unsigned i = 0; i < c->ninputs; i++)
			json_value(j, base, cmp_figure(c, ct, i, ct->keys[k]), i == 0);
		jsonw_array_end(j);
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	jsonw_object_end(j);
}

void cmp_print_json(const struct cmp *c, FILE *out)
{
	struct jsonw j;

	jsonw_begin(&j, out);
	jsonw_string(&j, "pvcbench_version", PVC_VERSION);
	jsonw_object_begin(&j, "noise_rule");
	jsonw_string(&j, "noise",
		     "coefficient of variation of the figure's per-interval values "
		     "(series), else of fio's iops/bw samples");
	jsonw_double(&j, "factor", FIG_NOISE_FACTOR);
	jsonw_string(&j, "beyond_noise",
		     "|change_pct| > factor * combined_noise_pct, combined_noise_pct = 100 * "
		     "sqrt(noise_first^2 + noise^2)");
	jsonw_object_end(&j);
	jsonw_array_begin(&j, "inputs");
	for (unsigned i = 0; i < c->ninputs; i++)
		json_input(&j, &c->inputs[i]);
	jsonw_array_end(&j);
	jsonw_array_begin(&j, "tests");
	for (unsigned s = 0; s < c->ntests; s++)
		json_test(&j, c, &c->tests[s]);
	jsonw_array_end(&j);
	jsonw_end(&j);
}
