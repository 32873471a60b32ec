/*
 * report_model.c - what pvcbench report knows: its inputs (each loaded by figures.h, as pvcbench
 * compare loads it: checked, its jobs of one name merged exactly, its figures worked out), the
 * storage classes they belong to, the tests (per workload kind), each test's figures across
 * the inputs, and per figure and class the spread over the class's runs, its mean and rank.
 *
 * A class's label is, in order: --label NAME=FILE (what the user says wins), then figures.h's
 * label: the result's environment.kubernetes.storage_class, its pod, the file's name. Several results of one
 * class are repeated runs: their spread (min..max) decides the ranking, and classes whose
 * spreads overlap share a rank (tied), since their difference is within run-to-run noise.
 */
#include "report_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/fmt.h"

int rep_model_add(struct rep_model *m, const char *file, const char *label, char *err,
		  size_t err_size)
{
	struct rep_input *inputs = realloc(m->inputs, (m->ninputs + 1) * sizeof(*inputs));
	struct rep_input *in;
	int ret;

	if (!inputs) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	m->inputs = inputs;
	in = &inputs[m->ninputs];
	memset(in, 0, sizeof(*in));
	ret = fig_result_load(&in->r, file, err, err_size);
	if (ret) {
		fig_result_free(&in->r);
		return ret;
	}
	/* figures.c's order: the storage class, the pod, the file name; --label before them */
	in->label_from = in->r.env.storage_class && *in->r.env.storage_class ? "storage class"
			 : in->r.env.pod && *in->r.env.pod		     ? "pod"
									     : "file name";
	if (label && *label) {
		fig_result_set_label(&in->r, label);
		in->label_from = "--label";
	}
	m->ninputs++;
	return 0;
}

void rep_model_free(struct rep_model *m)
{
	for (unsigned i = 0; i < m->ninputs; i++)
		fig_result_free(&m->inputs[i].r);
	free(m->inputs);
	free(m->figures);
	free(m->stats);
	m->inputs = NULL;
	m->figures = NULL;
	m->stats = NULL;
}

const struct fig_test *rep_input_test(const struct rep_model *m, unsigned input, unsigned test)
{
	const struct fig_result *r = &m->inputs[input].r;
	const struct rep_test *t = &m->tests[test];

	for (unsigned k = 0; k < r->ntests; k++)
		if (!strcmp(r->tests[k].name, t->name) && !strcmp(r->tests[k].kind, t->kind))
			return &r->tests[k];
	return NULL;
}

const struct op_stats *rep_input_op(const struct rep_model *m, unsigned input, unsigned test,
				    const char *op)
{
	const struct fig_test *t = rep_input_test(m, input, test);

	for (unsigned o = 0; t && o < t->nops; o++)
		if (!strcmp(t->op[o].name, op))
			return t->op[o].stats;
	return NULL;
}

bool rep_input_value(const struct rep_model *m, unsigned input, const struct rep_figure *f,
		     double *value)
{
	const struct fig_test *t = rep_input_test(m, input, f->test);
	const struct fig_figure *fig;

	if (!t)
		return false;
	if (f->errors) {
		*value = (double)t->errors;
		return true;
	}
	fig = fig_test_figure(t, f->figkey);
	if (!fig)
		return false;
	*value = fig->value;
	return true;
}

bool rep_higher_is_better(const struct rep_figure *f)
{
	return f->better == FIG_HIGHER;
}

static bool is_rate(const char *unit)
{
	return !strcmp(unit, "IOPS") || !strcmp(unit, "tps") || !strcmp(unit, "records/s") ||
	       !strcmp(unit, "ops/s");
}

void rep_format(char *buf, size_t size, const struct rep_figure *f, double value)
{
	/* truncated, as fio's 1000 * ios / runtime is, so one run reads as the seed prints it */
	uint64_t v = value > 0 ? (uint64_t)value : 0;

	if (f->errors)
		snprintf(buf, size, "%" PRIu64, v);
	else if (is_rate(f->unit))
		fmt_fio_num(buf, size, v, 4, FMT_SI, "");
	else if (!strcmp(f->unit, "MiB/s"))
		fmt_fio_num(buf, size, value > 0 ? (uint64_t)(value * 1048576.0) : 0, 4, FMT_IEC,
			    "B/s");
	else if (!strcmp(f->unit, "MB/s"))
		snprintf(buf, size, "%.2f MB/s", value);
	else
		snprintf(buf, size, "%.2f", value);
}

const struct rep_stat *rep_stat_of(const struct rep_model *m, unsigned figure, unsigned cls)
{
	return &m->stats[(size_t)figure * m->nclasses + cls];
}

static int add_class(struct rep_model *m, struct rep_input *in, char *err, size_t err_size)
{
	unsigned c;

	for (c = 0; c < m->nclasses; c++)
		if (!strcmp(m->classes[c].label, in->r.label))
			break;
	if (c == m->nclasses) {
		if (c == REP_MAX_CLASSES) {
			snprintf(err, err_size, "%s: more than %u storage classes", in->r.path,
				 REP_MAX_CLASSES);
			return -EINVAL;
		}
		snprintf(m->classes[c].label, sizeof(m->classes[c].label), "%s", in->r.label);
		m->nclasses++;
	}
	m->classes[c].ninputs++;
	in->cls = c;
	return 0;
}

static int add_tests(struct rep_model *m, const struct rep_input *in, char *err, size_t err_size)
{
	for (unsigned k = 0; k < in->r.ntests; k++) {
		const struct fig_test *ft = &in->r.tests[k];
		unsigned t;
		for (t = 0; t < m->ntests; t++)
			if (!strcmp(m->tests[t].name, ft->name) &&
			    !strcmp(m->tests[t].kind, ft->kind))
				break;
		if (t < m->ntests)
			continue;
		if (t == REP_MAX_TESTS) {
			snprintf(err, err_size, "%s: more than %u tests (job names)", in->r.path,
				 REP_MAX_TESTS);
			return -EINVAL;
		}
		snprintf(m->tests[t].name, sizeof(m->tests[t].name), "%s", ft->name);
		m->tests[t].kind = ft->kind;
		m->ntests++;
	}
	return 0;
}

static struct rep_figure *new_figure(struct rep_model *m, unsigned test, const char *figkey,
				     char *err, size_t err_size)
{
	struct rep_figure *f;

	for (unsigned k = 0; k < m->nfigures; k++)
		if (m->figures[k].test == test && !strcmp(m->figures[k].figkey, figkey))
			return NULL;
	if (m->nfigures == REP_MAX_FIGURES) {
		snprintf(err, err_size, "more than %u figures", REP_MAX_FIGURES);
		return NULL;
	}
	f = &m->figures[m->nfigures++];
	memset(f, 0, sizeof(*f));
	f->test = test;
	snprintf(f->figkey, sizeof(f->figkey), "%s", figkey);
	snprintf(f->key, sizeof(f->key), "%s/%s", m->tests[test].name, figkey);
	return f;
}

/* The test's figures in the order the inputs have them, then its errors. */
static int add_figures(struct rep_model *m, unsigned test, char *err, size_t err_size)
{
	struct rep_figure *f;

	err[0] = '\0';
	for (unsigned i = 0; i < m->ninputs; i++) {
		const struct fig_test *t = rep_input_test(m, i, test);
		for (unsigned k = 0; t && k < t->nfigures; k++) {
			const struct fig_figure *ff = &t->fig[k];
			if (!(f = new_figure(m, test, ff->key, err, err_size))) {
				if (err[0])
					return -EINVAL;
				continue;
			}
			if (strstr(ff->name, ff->unit))
				snprintf(f->title, sizeof(f->title), "%s", ff->name);
			else
				snprintf(f->title, sizeof(f->title), "%s (%s)", ff->name, ff->unit);
			snprintf(f->op, sizeof(f->op), "%s", ff->op);
			f->unit = ff->unit;
			f->better = ff->better;
		}
	}
	if (!(f = new_figure(m, test, "errors", err, err_size)))
		return err[0] ? -EINVAL : 0;
	snprintf(f->title, sizeof(f->title), "errors");
	f->unit = "errors";
	f->better = FIG_LOWER;
	f->errors = true;
	return 0;
}

/* Best first: by mean, then by class order (so the page and its test agree on equal means). */
static bool better(const struct rep_model *m, unsigned figure, unsigned a, unsigned b)
{
	const struct rep_stat *x = rep_stat_of(m, figure, a), *y = rep_stat_of(m, figure, b);

	if (x->mean != y->mean)
		return rep_higher_is_better(&m->figures[figure]) ? x->mean > y->mean
								 : x->mean < y->mean;
	return a < b;
}

/* Competition ranks in order of mean; a class whose spread overlaps the one ranked just before
 * it shares that rank, and both are tied. */
static void rank(struct rep_model *m, unsigned figure)
{
	unsigned order[REP_MAX_CLASSES], n = 0;

	for (unsigned c = 0; c < m->nclasses; c++) {
		if (!rep_stat_of(m, figure, c)->n)
			continue;
		unsigned i = n++;
		for (; i > 0 && better(m, figure, c, order[i - 1]); i--)
			order[i] = order[i - 1];
		order[i] = c;
	}
	for (unsigned i = 0; i < n; i++) {
		struct rep_stat *s = &m->stats[(size_t)figure * m->nclasses + order[i]];
		struct rep_stat *p =
			i ? &m->stats[(size_t)figure * m->nclasses + order[i - 1]] : NULL;
		s->rank = i + 1;
		if (p && s->min <= p->max && p->min <= s->max) {
			s->rank = p->rank;
			s->tied = p->tied = true;
		}
	}
}

int rep_model_build(struct rep_model *m, char *err, size_t err_size)
{
	for (unsigned i = 0; i < m->ninputs; i++)
		if (add_class(m, &m->inputs[i], err, err_size) ||
		    add_tests(m, &m->inputs[i], err, err_size))
			return -EINVAL;
	m->figures = calloc(REP_MAX_FIGURES, sizeof(*m->figures));
	if (!m->figures) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (unsigned t = 0; t < m->ntests; t++)
		if (add_figures(m, t, err, err_size))
			return -EINVAL;
	m->stats = calloc((size_t)m->nfigures * m->nclasses + 1, sizeof(*m->stats));
	if (!m->stats) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (unsigned f = 0; f < m->nfigures; f++) {
		for (unsigned i = 0; i < m->ninputs; i++) {
			struct rep_stat *s = &m->stats[(size_t)f * m->nclasses + m->inputs[i].cls];
			double v;
			if (!rep_input_value(m, i, &m->figures[f], &v))
				continue;
			if (!s->n || v < s->min)
				s->min = v;
			if (!s->n || v > s->max)
				s->max = v;
			s->mean += v; /* the sum until every run is in */
			s->n++;
		}
		for (unsigned c = 0; c < m->nclasses; c++) {
			struct rep_stat *s = &m->stats[(size_t)f * m->nclasses + c];
			if (s->n)
				s->mean /= s->n;
		}
		rank(m, f);
	}
	return 0;
}
