/*
 * compare.c - pvcbench compare A.json B.json...: each figure of each test the results hold, its
 * value in every result and its change in % against the first, marked where the change is
 * larger than the noise both results recorded (figures.h). Any number of contenders.
 *
 * Every input is read and checked before anything is written (a refused input leaves no output).
 * Exit statuses: 0 compared; 2 bad input (fewer than two results, an unreadable or foreign
 * file, a --label naming no input, no test that two results share), with one line on stderr;
 * 1 the output could not be written.
 */
#include "compare_int.h"
#include "merge_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/command.h"
#include "pvcbench/options.h"
#include "pvcbench/report.h"

#define ERR_SIZE 1024

struct compare_cli {
	char output_format[OPT_STRING_MAX];
	char output[OPT_STRING_MAX];
	struct merge_list files;  /* the operands, in order ("-" is stdin) */
	struct merge_list labels; /* --label NAME=FILE, in order */
};

#define F(field) offsetof(struct compare_cli, field)

static const char *const format_choices[] = { "normal", "text", "json", NULL };

static const struct option_def compare_defs[] = {
	{ .name = "output-format",
	  .type = OPT_CHOICE,
	  .offset = F(output_format),
	  .def = "normal",
	  .choices = format_choices,
	  .help = "a table per test (normal, or text), or one JSON document with every value" },
	{ .name = "output",
	  .short_name = 'o',
	  .type = OPT_STRING,
	  .offset = F(output),
	  .arg_name = "FILE",
	  .help = "write the comparison to this file (whole, or not at all) instead of stdout" },
	{ .name = "label",
	  .type = OPT_LIST,
	  .arg_name = "NAME=FILE",
	  .help = "call the result read from FILE NAME (else its storage class, its pod, or its "
		  "file name); may be repeated" },
	{ 0 }
};

static int add_file(struct command *cmd, const char *text, char *err, size_t err_size)
{
	struct compare_cli *c = command_config(cmd);

	return merge_list_add(&c->files, text, err, err_size);
}

static int on_option(struct command *cmd, unsigned table, const struct option_def *def,
		     const char *value, char *err, size_t err_size)
{
	struct compare_cli *c = command_config(cmd);

	if (table || strcmp(def->name, "label"))
		return command_store_option(cmd, def, value, err, err_size);
	return merge_label_add(&c->labels, value, err, err_size);
}

static int configure(struct command *cmd, char *err, size_t err_size)
{
	const struct compare_cli *c = command_config(cmd);

	if (c->files.n < 2) {
		snprintf(err, err_size,
			 "%s; usage: pvcbench compare [--output-format=normal|json] "
			 "[--label NAME=FILE]... [-o FILE] A.json B.json...",
			 c->files.n ? "one result only: compare needs at least two"
				    : "no results to compare");
		return -EINVAL;
	}
	return CMD_CONTINUE;
}

static int apply_labels(const struct compare_cli *c, struct cmp *m, char *err, size_t err_size)
{
	char name[FIG_NAME_MAX];

	if (merge_labels_check(&c->labels, &c->files, err, err_size))
		return -EINVAL;
	for (unsigned i = 0; i < m->ninputs; i++)
		if (merge_label_of(&c->labels, m->inputs[i].path, name, sizeof(name)))
			fig_result_set_label(&m->inputs[i], name);
	return 0;
}

/* A test that at least two inputs hold, or the comparison compares nothing. */
static bool something_shared(const struct cmp *m)
{
	for (unsigned t = 0; t < m->ntests; t++) {
		unsigned n = 0;
		for (unsigned i = 0; i < m->ninputs; i++)
			n += m->tests[t].in[i] != NULL;
		if (n >= 2)
			return true;
	}
	return false;
}

static int load(const struct compare_cli *c, struct cmp *m, char *err, size_t err_size)
{
	m->inputs = calloc((size_t)c->files.n, sizeof(*m->inputs));
	if (!m->inputs) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < c->files.n; i++) {
		int ret = fig_result_load(&m->inputs[i], c->files.v[i], err, err_size);
		if (ret)
			return ret;
		m->ninputs++;
	}
	if (apply_labels(c, m, err, err_size))
		return -EINVAL;
	if (cmp_build(m)) {
		snprintf(err, err_size, "out of memory");
		return -ENOMEM;
	}
	if (!something_shared(m)) {
		snprintf(err, err_size,
			 "no test is in two of the results (tests are matched by job name, or "
			 "when each result holds one test, by its kind): nothing to compare");
		return -EINVAL;
	}
	return 0;
}

static int execute(struct command *cmd)
{
	const struct compare_cli *c = command_config(cmd);
	struct cmp m = { 0 };
	struct report_output out;
	char err[ERR_SIZE];
	int status = 2, ret;

	ret = load(c, &m, err, sizeof(err));
	if (ret) {
		command_error(cmd, "%s", err);
		status = ret == -ENOMEM ? 1 : 2;
		goto done;
	}
	if (report_output_open(&out, c->output[0] ? c->output : NULL, "output", err, sizeof(err))) {
		command_error(cmd, "%s", err);
		goto done;
	}
	if (!strcmp(c->output_format, "json"))
		cmp_print_json(&m, out.f);
	else
		cmp_print_text(&m, out.f);
	if (fflush(out.f) || ferror(out.f)) {
		command_error(cmd, "cannot write the comparison: %s", strerror(errno));
		report_output_abort(&out);
		status = 1;
		goto done;
	}
	status = report_output_commit(&out, err, sizeof(err)) ? 1 : 0;
	if (status)
		command_error(cmd, "%s", err);
done:
	cmp_free_tests(&m);
	for (unsigned i = 0; i < m.ninputs; i++)
		fig_result_free(&m.inputs[i]);
	free(m.inputs);
	return status;
}

static void cleanup(struct command *cmd)
{
	struct compare_cli *c = command_config(cmd);

	merge_list_free(&c->files);
	merge_list_free(&c->labels);
}

/* The tests and figure keys of every input, each once, in order of first appearance. */
int cmp_build(struct cmp *c)
{
	unsigned cap = 0;

	for (unsigned i = 0; i < c->ninputs; i++)
		cap += c->inputs[i].ntests;
	c->tests = calloc(cap ? cap : 1, sizeof(*c->tests));
	if (!c->tests)
		return -ENOMEM;
	for (unsigned i = 0; i < c->ninputs; i++) {
		const struct fig_result *r = &c->inputs[i];
		for (unsigned k = 0; k < r->ntests; k++) {
			const struct fig_test *t = &r->tests[k];
			bool seen = false;
			for (unsigned s = 0; s < c->ntests && !seen; s++)
				seen = c->tests[s].in[i] == t;
			if (seen)
				continue;
			struct cmp_test *ct = &c->tests[c->ntests++];
			ct->first = t;
			ct->in = calloc(c->ninputs, sizeof(*ct->in));
			if (!ct->in)
				return -ENOMEM;
			for (unsigned j = i; j < c->ninputs; j++)
				ct->in[j] = j == i ? t : fig_match_test(&c->inputs[j], r, t);
		}
	}
	for (unsigned s = 0; s < c->ntests; s++) {
		struct cmp_test *ct = &c->tests[s];
		for (unsigned i = 0; i < c->ninputs; i++) {
			for (unsigned f = 0; ct->in[i] && f < ct->in[i]->nfigures; f++) {
				const char *key = ct->in[i]->fig[f].key;
				unsigned k = 0;
				while (k < ct->nkeys && strcmp(ct->keys[k], key))
					k++;
				if (k == ct->nkeys && ct->nkeys < CMP_MAX_KEYS)
					ct->keys[ct->nkeys++] = key;
			}
		}
	}
	return 0;
}

void cmp_free_tests(struct cmp *c)
{
	for (unsigned s = 0; s < c->ntests; s++)
		free(c->tests[s].in);
	free(c->tests);
	c->tests = NULL;
	c->ntests = 0;
}

const struct fig_figure *cmp_figure(const struct cmp *c, const struct cmp_test *t, unsigned i,
				    const char *key)
{
	(void)c;
	return t->in[i] ? fig_test_figure(t->in[i], key) : NULL;
}

const struct workload_ops compare_ops = {
	.name = "compare",
	.summary = "each figure's change in % against the first result, marked beyond the noise",
	.usage = "usage: pvcbench compare [--output-format=normal|json] [--label NAME=FILE]... "
		 "[-o FILE] A.json B.json...\n"
		 "Compares pvcbench JSON results (single runs or merged): for each figure of each "
		 "test,\nits value in every result and its change in % against the first, marked "
		 "with * where\nthe change is larger than the run-to-run noise both results "
		 "recorded (docs/compare.md).\n",
	.style = OPT_STYLE_GETOPT,
	.options = compare_defs,
	.config_size = sizeof(struct compare_cli),
	.usage_status = 2,
	.failed_status = 1,
	.on_option = on_option,
	.on_operand = add_file,
	.configure = configure,
	.measures = NULL,
	.execute = execute,
	.cleanup = cleanup,
};
