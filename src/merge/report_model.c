/*
 * report_model.c - what pvcbench report knows: its inputs (each read and checked by a merge set
 * of its own, which also merges an input's jobs of one name exactly), the storage classes they
 * belong to, the tests (job names, per workload kind), each test's figures, and per figure and
 * class the spread over the class's runs, its mean and its rank.
 *
 * A class's label is, in order: --label NAME=FILE (what the user says wins), the result's
 * environment.kubernetes.storage_class, the file's name without ".json". Several results of one
 * class are repeated runs: their spread (min..max) decides the ranking, and classes whose
 * spreads overlap share a rank (tied), since their difference is within run-to-run noise.
 */
#include "merge_int.h"
#include "report_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/fmt.h"

static void label_of(struct rep_input *in, const char *label)
{
	const char *sc = json_string_value(json_object_get(
		json_object_get(json_object_get(in->doc, "environment"), "kubernetes"),
		"storage_class"));
	const char *base = strrchr(in->file, '/');
	size_t n;

	if (label && *label) {
		snprintf(in->label, sizeof(in->label), "%s", label);
		in->label_from = "--label";
		return;
	}
	if (sc && *sc) {
		snprintf(in->label, sizeof(in->label), "%s", sc);
		in->label_from = "storage class";
		return;
	}
	snprintf(in->label, sizeof(in->label), "%s", base ? base + 1 : in->file);
	n = strlen(in->label);
	if (n > 5 && !strcmp(in->label + n - 5, ".json"))
		in->label[n - 5] = '\0';
	in->label_from = "file name";
}

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
	in->set = merge_set_new();
	in->file = strdup(file);
	if (!in->set || !in->file) {
		merge_set_free(in->set);
		free(in->file);
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	ret = merge_set_add_file(in->set, file, err, err_size);
	if (ret) {
		merge_set_free(in->set);
		free(in->file);
		return ret;
	}
	in->doc = in->set->inputs[0].doc;
	label_of(in, label);
	m->ninputs++;
	return 0;
}

void rep_model_free(struct rep_model *m)
{
	for (unsigned i = 0; i < m->ninputs; i++) {
		merge_set_free(m->inputs[i].set);
		free(m->inputs[i].file);
	}
	free(m->inputs);
	free(m->figures);
	free(m->stats);
	m->inputs = NULL;
	m->figures = NULL;
	m->stats = NULL;
}

static int group_of(const struct rep_model *m, unsigned input, unsigned test)
{
	const struct merge_set *set = m->inputs[input].set;
	const struct rep_test *t = &m->tests[test];

	if (strcmp(merge_set_kind(set), t->kind))
		return -1;
	for (unsigned g = 0; g < merge_group_count(set); g++)
		if (!strcmp(merge_group_name(set, (int)g), t->name))
			return (int)g;
	return -1;
}

const struct op_stats *rep_input_op(const struct rep_model *m, unsigned input, unsigned test,
				    const char *op, uint64_t *runtime_ms)
{
	const struct merge_set *set = m->inputs[input].set;
	int g = group_of(m, input, test);

	if (g < 0)
		return NULL;
	for (unsigned o = 0; o < merge_group_nops(set, g); o++) {
		const char *name;
		uint64_t ns;
		const struct op_stats *s = merge_group_op(set, g, o, &name, &ns);
		if (strcmp(name, op))
			continue;
		if (runtime_ms)
			*runtime_ms = ns / 1000000;
		return s;
	}
	return NULL;
}

bool rep_input_value(const struct rep_model *m, unsigned input, const struct rep_figure *f,
		     double *value)
{
	uint64_t ms = 0;
	const struct op_stats *s = rep_input_op(m, input, f->test, f->op, &ms);

	if (!s)
		return false;
	if (f->metric == REP_ERRORS) {
		*value = (double)s->errors;
		return true;
	}
	if (!s->ops)
		return false;
	switch (f->metric) {
	case REP_RATE:
		*value = ms ? (double)s->ops * 1000.0 / (double)ms : 0.0;
		break;
	case REP_BW:
		*value = ms ? (double)s->bytes * 1000.0 / (double)ms : 0.0;
		break;
	case REP_LAT_MEAN:
		*value = hist_mean(&s->lat) / 1000.0;
		break;
	default:
		*value = (double)hist_value_at(&s->lat, 99.0) / 1000.0;
		break;
	}
	return true;
}

bool rep_higher_is_better(enum rep_metric metric)
{
	return metric == REP_RATE || metric == REP_BW;
}

void rep_format(char *buf, size_t size, enum rep_metric metric, double value)
{
	/* truncated, as fio's 1000 * ios / runtime is, so one run reads as the seed prints it */
	uint64_t v = value > 0 ? (uint64_t)value : 0;

	switch (metric) {
	case REP_RATE:
		fmt_fio_num(buf, size, v, 4, FMT_SI, "");
		break;
	case REP_BW:
		fmt_fio_num(buf, size, v, 4, FMT_IEC, "B/s");
		break;
	case REP_ERRORS:
		snprintf(buf, size, "%" PRIu64, v);
		break;
	default:
		snprintf(buf, size, "%.2f", value);
		break;
	}
}

const struct rep_stat *rep_stat_of(const struct rep_model *m, unsigned figure, unsigned cls)
{
	return &m->stats[(size_t)figure * m->nclasses + cls];
}

static int add_class(struct rep_model *m, struct rep_input *in, char *err, size_t err_size)
{
	unsigned c;

	for (c = 0; c < m->nclasses; c++)
		if (!strcmp(m->classes[c].label, in->label))
			break;
	if (c == m->nclasses) {
		if (c == REP_MAX_CLASSES) {
			snprintf(err, err_size, "%s: more than %u storage classes", in->file,
				 REP_MAX_CLASSES);
			return -EINVAL;
		}
		snprintf(m->classes[c].label, sizeof(m->classes[c].label), "%s", in->label);
		m->nclasses++;
	}
	m->classes[c].ninputs++;
	in->cls = c;
	return 0;
}

static int add_tests(struct rep_model *m, const struct rep_input *in, char *err, size_t err_size)
{
	const char *kind = merge_set_kind(in->set);

	for (unsigned g = 0; g < merge_group_count(in->set); g++) {
		const char *name = merge_group_name(in->set, (int)g);
		unsigned t;
		for (t = 0; t < m->ntests; t++)
			if (!strcmp(m->tests[t].name, name) && !strcmp(m->tests[t].kind, kind))
				break;
		if (t < m->ntests)
			continue;
		if (t == REP_MAX_TESTS) {
			snprintf(err, err_size, "%s: more than %u tests (job names)", in->file,
				 REP_MAX_TESTS);
			return -EINVAL;
		}
		snprintf(m->tests[t].name, sizeof(m->tests[t].name), "%s", name);
		m->tests[t].kind = kind;
		m->ntests++;
	}
	return 0;
}

static const char *const metric_keys[] = { "rate", "bw", "lat_mean", "lat_p99", "errors" };

static void figure_title(const struct rep_model *m, struct rep_figure *f)
{
	const char *kind = m->tests[f->test].kind;
	const char *rate = !strcmp(f->op, "txn")	? "tps"
			   : !strncmp(kind, "kafka", 5) ? "records/s"
							: "IOPS";
	static const char *const what[] = { NULL, "BW", "mean latency (usec)", "p99 latency (usec)",
					    "errors" };

	snprintf(f->title, sizeof(f->title), "%s %s", f->op,
		 f->metric == REP_RATE ? rate : what[f->metric]);
}

/* Which of the test's operations, and whether any run moved bytes in it. */
static void op_seen(const struct rep_model *m, unsigned test, const char *op, bool *ops,
		    bool *bytes)
{
	*ops = *bytes = false;
	for (unsigned i = 0; i < m->ninputs; i++) {
		const struct op_stats *s = rep_input_op(m, i, test, op, NULL);
		if (s && s->ops)
			*ops = true;
		if (s && s->bytes)
			*bytes = true;
	}
}

static int add_figures(struct rep_model *m, unsigned test, char *err, size_t err_size)
{
	for (unsigned i = 0; i < m->ninputs; i++) {
		const struct merge_set *set = m->inputs[i].set;
		int g = group_of(m, i, test);
		for (unsigned o = 0; g >= 0 && o < merge_group_nops(set, g); o++) {
			const char *op;
			bool ops, bytes, dup = false;
			merge_group_op(set, g, o, &op, NULL);
			for (unsigned f = 0; f < m->nfigures; f++)
				dup |= m->figures[f].test == test && !strcmp(m->figures[f].op, op);
			op_seen(m, test, op, &ops, &bytes);
			if (dup || !ops)
				continue;
			for (unsigned k = REP_RATE; k <= REP_ERRORS; k++) {
				struct rep_figure *f = &m->figures[m->nfigures];
				if (k == REP_BW && !bytes)
					continue;
				if (m->nfigures == REP_MAX_FIGURES) {
					snprintf(err, err_size, "more than %u figures",
						 REP_MAX_FIGURES);
					return -EINVAL;
				}
				memset(f, 0, sizeof(*f));
				f->test = test;
				f->metric = (enum rep_metric)k;
				snprintf(f->op, sizeof(f->op), "%s", op);
				snprintf(f->key, sizeof(f->key), "%s/%s/%s", m->tests[test].name,
					 op, metric_keys[k]);
				figure_title(m, f);
				m->nfigures++;
			}
		}
	}
	return 0;
}

/* Best first: by mean, then by class order (so the page and its test agree on equal means). */
static bool better(const struct rep_model *m, unsigned figure, unsigned a, unsigned b)
{
	const struct rep_stat *x = rep_stat_of(m, figure, a), *y = rep_stat_of(m, figure, b);

	if (x->mean != y->mean)
		return rep_higher_is_better(m->figures[figure].metric) ? x->mean > y->mean
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
