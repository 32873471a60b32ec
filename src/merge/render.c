/*
 * render.c - the merged report: one JSON document in the shape of a run (every input job kept
 * as it was, plus the merged totals built by report_op_json itself), or a text table.
 *
 * Input jobs are copied member for member from their jansson trees through the report's JSON
 * writer, so they read exactly as pvcbench wrote them (arrays of small arrays, such as lat_hist
 * buckets, one per line as results.c writes them). Merged operations go through
 * report_op_json_extra, so a total has every field of a job's operation, computed the same way
 * (a fio direction's slat/clat split and samples when every input of it had them).
 */
#include "merge_int.h"
#include "pvcbench/fmt.h"
#include "pvcbench/report.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const struct merge_group *merge_group_get(const struct merge_set *m, int group)
{
	if (group == MERGE_ALL)
		return &m->all;
	return &m->groups[group];
}

unsigned merge_input_count(const struct merge_set *m)
{
	return m->ninputs;
}

unsigned merge_job_count(const struct merge_set *m)
{
	return m->njobs;
}

const char *merge_set_kind(const struct merge_set *m)
{
	return m->njobs ? merge_kind_name(&m->jobs[0]) : NULL;
}

unsigned merge_group_jobs(const struct merge_set *m, int group)
{
	return merge_group_get(m, group)->njobs;
}

unsigned merge_group_sources(const struct merge_set *m, int group)
{
	return merge_group_get(m, group)->ninputs;
}

unsigned merge_group_count(const struct merge_set *m)
{
	return m->ngroups;
}

const char *merge_group_name(const struct merge_set *m, int group)
{
	return merge_group_get(m, group)->jobname;
}

unsigned merge_group_nops(const struct merge_set *m, int group)
{
	return merge_group_get(m, group)->nops;
}

const struct op_stats *merge_group_op(const struct merge_set *m, int group, unsigned op,
				      const char **name, uint64_t *runtime_ns)
{
	const struct merge_total *t = &merge_group_get(m, group)->op[op];

	if (name)
		*name = t->name;
	if (runtime_ns)
		*runtime_ns = t->runtime_ms * 1000000ULL;
	return &t->stats;
}

unsigned merge_failed_jobs(const struct merge_set *m, FILE *notes)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < m->njobs; i++) {
		const struct merge_job *job = &m->jobs[i];
		if (!job->error)
			continue;
		failed++;
		if (notes)
			fprintf(notes, "pvcbench merge: note: %s: job '%s' ended with error %lld\n",
				m->inputs[job->input].name, job->jobname, (long long)job->error);
	}
	return failed;
}

/* --- copying jansson values through the report's writer */

static void write_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", f);
		else if (*p == '\t')
			fputs("\\t", f);
		else if (*p == '\r')
			fputs("\\r", f);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/*
 * %f as jsonw_double writes it, so that what pvcbench wrote reads the same; %.17g when %f would
 * change the value (bw_sums and iops_sums, which are written to be read back exactly).
 */
static void write_real(FILE *f, double v)
{
	char text[512];

	snprintf(text, sizeof(text), "%f", v);
	if (strtod(text, NULL) == v)
		fputs(text, f);
	else
		fprintf(f, "%.17g", v);
}

static void write_scalar(FILE *f, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		write_string(f, json_string_value(v));
		break;
	case JSON_INTEGER:
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		write_real(f, isfinite(json_real_value(v)) ? json_real_value(v) : 0.0);
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	default:
		fputs("null", f);
	}
}

/* A member (or array element, key NULL) written by hand, as results.c writes its buckets. */
static void raw_member(struct jsonw *j, const char *key)
{
	fputs(j->first ? "\n" : ",\n", j->f);
	j->first = false;
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->f);
	if (key) {
		write_string(j->f, key);
		fputs(" : ", j->f);
	}
}

static bool is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

/* [[1, 2], [3, 4]]: printed one small array per line, as lat_hist buckets are. */
static bool rows_of_scalars(const json_t *arr)
{
	size_t i, k;
	const json_t *row, *v;

	if (!json_array_size(arr))
		return false;
	json_array_foreach(arr, i, row)
	{
		if (!json_is_array(row))
			return false;
		json_array_foreach(row, k, v)
		{
			if (!is_scalar(v))
				return false;
		}
	}
	return true;
}

static void copy_value(struct jsonw *j, const char *key, const json_t *v)
{
	const char *k;
	const json_t *x;
	size_t i, n;

	if (json_is_object(v)) {
		jsonw_object_begin(j, key);
		json_object_foreach((json_t *)v, k, x)
		{
			copy_value(j, k, x);
		}
		jsonw_object_end(j);
	} else if (json_is_array(v)) {
		jsonw_array_begin(j, key);
		if (rows_of_scalars(v)) {
			json_array_foreach(v, i, x)
			{
				raw_member(j, NULL);
				fputc('[', j->f);
				for (n = 0; n < json_array_size(x); n++) {
					if (n)
						fputs(", ", j->f);
					write_scalar(j->f, json_array_get(x, n));
				}
				fputc(']', j->f);
			}
		} else {
			json_array_foreach(v, i, x)
			{
				copy_value(j, NULL, x);
			}
		}
		jsonw_array_end(j);
	} else {
		raw_member(j, key);
		write_scalar(j->f, v);
	}
}

/* --- JSON */

/* A merged operation: the fio parts that every one of its inputs had, as fio writes them. */
static void total_json(struct jsonw *j, const struct merge_total *t)
{
	const struct merge_extra *x = &t->extra;
	bool split = t->split == t->added, samples = t->samples == t->added;
	struct op_extra extra = {
		.slat = split ? &x->slat : NULL,
		.clat = split ? &x->clat : NULL,
		.bw = samples ? &x->bw : NULL,
		.iops = samples ? &x->iops : NULL,
		.short_ios = x->short_ios,
		.drop_ios = x->drop_ios,
		.sync_shape = t->sync == t->added,
		.percentiles = x->npercentiles ? x->percentiles : NULL,
		.npercentiles = x->npercentiles,
	};

	/* the inputs' percentile settings, as far as an input with samples showed them */
	for (unsigned k = 0; k < OP_LATS; k++) {
		extra.percentiles_set |= x->percentile_seen[k];
		extra.percentile_on[k] = x->percentile_on[k];
	}

	report_op_json_extra(j, t->name, &t->stats, t->runtime_ms * 1000000ULL, &extra);
}

static void group_json(struct jsonw *j, const char *key, const struct merge_set *m,
		       const struct merge_group *g, int group)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < m->njobs; i++)
		if (m->jobs[i].error && (group == MERGE_ALL || m->jobs[i].group == (unsigned)group))
			failed++;
	jsonw_object_begin(j, key);
	jsonw_string(j, "jobname", g->jobname);
	jsonw_string(j, "kind", merge_set_kind(m));
	jsonw_u64(j, "merged_jobs", g->njobs);
	jsonw_u64(j, "merged_sources", g->ninputs);
	jsonw_u64(j, "failed_jobs", failed);
	for (unsigned o = 0; o < g->nops; o++)
		total_json(j, &g->op[o]);
	jsonw_object_end(j);
}

static void job_json(struct jsonw *j, const struct merge_set *m, const struct merge_job *job)
{
	const json_t *old = json_object_get(job->obj, "source");
	const char *name = m->inputs[job->input].name;
	const char *k;
	json_t *v;

	jsonw_object_begin(j, NULL);
	jsonw_string(j, "jobname", job->jobname);
	if (json_is_string(old)) {
		/* a merged result merged again: keep where the job first came from */
		size_t size = strlen(name) + strlen(json_string_value(old)) + 2;
		char *chain = malloc(size);
		if (chain)
			snprintf(chain, size, "%s:%s", name, json_string_value(old));
		jsonw_string(j, "source", chain ? chain : name);
		free(chain);
	} else {
		jsonw_string(j, "source", name);
	}
	json_object_foreach(job->obj, k, v)
	{
		if (strcmp(k, "jobname") && strcmp(k, "source"))
			copy_value(j, k, v);
	}
	jsonw_object_end(j);
}

void merge_print_json(const struct merge_set *m, FILE *out)
{
	struct jsonw j;
	const char *k;
	json_t *v;

	jsonw_begin(&j, out);
	report_json_header(&j);
	jsonw_array_begin(&j, "sources");
	for (unsigned i = 0; i < m->ninputs; i++) {
		jsonw_object_begin(&j, NULL);
		jsonw_string(&j, "source", m->inputs[i].name);
		jsonw_u64(&j, "jobs", m->inputs[i].njobs);
		json_object_foreach(m->inputs[i].doc, k, v)
		{
			if (strcmp(k, "jobs") && strcmp(k, "source"))
				copy_value(&j, k, v);
		}
		jsonw_object_end(&j);
	}
	jsonw_array_end(&j);
	jsonw_array_begin(&j, "jobs");
	for (unsigned i = 0; i < m->njobs; i++)
		job_json(&j, m, &m->jobs[i]);
	jsonw_array_end(&j);
	if (m->ngroups > 1) {
		jsonw_array_begin(&j, "totals");
		for (unsigned g = 0; g < m->ngroups; g++)
			group_json(&j, NULL, m, &m->groups[g], (int)g);
		jsonw_array_end(&j);
	}
	group_json(&j, "total", m, &m->all, MERGE_ALL);
	struct merge_stalls st;
	if (!merge_stalls_compute(m, &st))
		merge_stalls_json(&j, &st);
	merge_stalls_free(&st);
	jsonw_end(&j);
}

/* --- text */

struct lat_unit {
	const char *name;
	double ns;
	int decimals;
};

struct text_table {
	int source, job, op; /* column widths */
	struct lat_unit unit;
	struct op_stats *scratch;
};

/* The largest unit in which the merged median is at least 1: 1.50 usec, 12.30 msec. */
static struct lat_unit pick_unit(const struct merge_group *all)
{
	for (unsigned o = 0; o < all->nops; o++) {
		if (!all->op[o].stats.lat.count)
			continue;
		uint64_t p50 = hist_value_at(&all->op[o].stats.lat, 50);
		if (p50 < 1000)
			return (struct lat_unit){ "nsec", 1.0, 0 };
		if (p50 < 1000000)
			return (struct lat_unit){ "usec", 1e3, 2 };
		return (struct lat_unit){ "msec", 1e6, 2 };
	}
	return (struct lat_unit){ "usec", 1e3, 2 };
}

/* An operation is listed when the merged group did any of it, or when the group did nothing. */
static bool op_shown(const struct merge_group *g, const char *name)
{
	bool any = false;

	for (unsigned o = 0; o < g->nops; o++) {
		if (!g->op[o].stats.ops && !g->op[o].stats.errors)
			continue;
		any = true;
		if (!strcmp(g->op[o].name, name))
			return true;
	}
	return !any;
}

static void text_row(FILE *out, const struct text_table *t, const char *source, const char *job,
		     const char *op, const struct op_stats *s, uint64_t runtime_ms)
{
	char ops[16], iops[16], bw[24];
	const struct hist *h = &s->lat;
	double v[5] = { hist_mean(h), (double)hist_value_at(h, 50), (double)hist_value_at(h, 99),
			(double)hist_value_at(h, 99.9), h->count ? (double)h->max : 0.0 };

	fmt_fio_num(ops, sizeof(ops), s->ops, 4, FMT_SI, "");
	fmt_fio_iops(iops, sizeof(iops), s->ops, runtime_ms);
	fmt_fio_bw(bw, sizeof(bw), s->bytes, runtime_ms, 0);
	fprintf(out, "%-*s  %-*s  %-*s %7s %7s %10s %6" PRIu64, t->source, source, t->job, job,
		t->op, op, ops, iops, bw, s->errors);
	for (unsigned i = 0; i < 5; i++)
		fprintf(out, " %9.*f", t->unit.decimals, v[i] / t->unit.ns);
	fputc('\n', out);
}

static int widest(int width, const char *s)
{
	int n = (int)strlen(s);

	return n > width ? n : width;
}

static void group_rows(FILE *out, const struct text_table *t, const char *label,
		       const struct merge_group *g)
{
	for (unsigned o = 0; o < g->nops; o++)
		if (op_shown(g, g->op[o].name))
			text_row(out, t, label, g->jobname, g->op[o].name, &g->op[o].stats,
				 g->op[o].runtime_ms);
}

void merge_print_text(const struct merge_set *m, FILE *out)
{
	struct text_table t = { .source = 6, .job = 3, .op = 2 };
	char err[256];

	t.scratch = malloc(sizeof(*t.scratch));
	if (!t.scratch)
		return;
	t.unit = pick_unit(&m->all);
	t.source = widest(t.source, "total");
	t.job = widest(t.job, m->all.jobname ? m->all.jobname : "");
	for (unsigned i = 0; i < m->ninputs; i++)
		t.source = widest(t.source, m->inputs[i].name);
	for (unsigned i = 0; i < m->njobs; i++) {
		t.job = widest(t.job, m->jobs[i].jobname);
		for (unsigned o = 0; o < m->jobs[i].nops; o++)
			t.op = widest(t.op, m->jobs[i].op[o].name);
	}
	fprintf(out,
		"pvcbench merge: %u result%s, %u job%s (%s), %u job name%s; latency (issue to "
		"completion) in %s\n",
		m->ninputs, m->ninputs == 1 ? "" : "s", m->njobs, m->njobs == 1 ? "" : "s",
		m->njobs ? merge_kind_label(&m->jobs[0]) : "none", m->ngroups,
		m->ngroups == 1 ? "" : "s", t.unit.name);
	fprintf(out, "%-*s  %-*s  %-*s %7s %7s %10s %6s %9s %9s %9s %9s %9s\n", t.source, "source",
		t.job, "job", t.op, "op", "ops", "iops", "bw", "errors", "mean", "p50", "p99",
		"p99.9", "max");
	for (unsigned i = 0; i < m->njobs; i++) {
		const struct merge_job *job = &m->jobs[i];
		for (unsigned o = 0; o < job->nops; o++) {
			if (!op_shown(&m->groups[job->group], job->op[o].name) ||
			    merge_op_stats(job->op[o].obj, t.scratch, err, sizeof(err)))
				continue;
			text_row(out, &t, m->inputs[job->input].name, job->jobname, job->op[o].name,
				 t.scratch, job->op[o].runtime_ms);
		}
	}
	/* a name's total where several jobs share it; one job's would repeat its row */
	if (m->ngroups > 1)
		for (unsigned g = 0; g < m->ngroups; g++)
			if (m->groups[g].njobs > 1)
				group_rows(out, &t, "total", &m->groups[g]);
	group_rows(out, &t, "total", &m->all);
	free(t.scratch);
	struct merge_stalls st;
	if (!merge_stalls_compute(m, &st))
		merge_stalls_text(out, &st);
	merge_stalls_free(&st);
}
