/*
 * report_cmd.c - the command line of pvcbench report: RESULT.json... [-o report.html]
 * [--label NAME=FILE]... [--baseline LABEL] [--title TEXT].
 *
 * Every input is read and checked, and the page built, before the output is opened; the page is
 * written to a temporary file renamed into place, so a refused input or a failed write leaves
 * no report behind. Exit statuses: 0 written; 2 bad input (usage, an unreadable or foreign file,
 * a --label or --baseline that names nothing), one line on stderr; 1 the output could not be
 * written.
 */
#include "report_int.h"
#include "merge_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/command.h"
#include "pvcbench/options.h"
#include "pvcbench/report.h"

#define ERR_SIZE 1024

struct report_cli {
	char output[OPT_STRING_MAX];
	char baseline[OPT_STRING_MAX];
	char title[OPT_STRING_MAX];
	struct merge_list files;  /* the operands, in order */
	struct merge_list labels; /* --label NAME=FILE, in order */
};

#define F(field) offsetof(struct report_cli, field)

static const struct option_def report_defs[] = {
	{ .name = "output",
	  .type = OPT_STRING,
	  .offset = F(output),
	  .arg_name = "FILE",
	  .short_name = 'o',
	  .help = "write the HTML page to FILE (whole, or not at all) instead of stdout" },
	{ .name = "label",
	  .type = OPT_LIST,
	  .arg_name = "NAME=FILE",
	  .help = "the storage class of result FILE (again for each; wins over the result's "
		  "environment.kubernetes.storage_class, its pod and its file name)" },
	{ .name = "baseline",
	  .type = OPT_STRING,
	  .offset = F(baseline),
	  .arg_name = "LABEL",
	  .help = "the class measured on the node's local disk: write figures of other classes "
		  "beating it by more than the noise are flagged as likely not durable" },
	{ .name = "title",
	  .type = OPT_STRING,
	  .offset = F(title),
	  .arg_name = "TEXT",
	  .help = "the page's title" },
	{ 0 }
};

static int on_option(struct command *cmd, unsigned table, const struct option_def *def,
		     const char *value, char *err, size_t err_size)
{
	struct report_cli *c = command_config(cmd);

	(void)table;
	if (!strcmp(def->name, "label"))
		return merge_label_add(&c->labels, value, err, err_size);
	return command_store_option(cmd, def, value, err, err_size);
}

static int on_operand(struct command *cmd, const char *text, char *err, size_t err_size)
{
	struct report_cli *c = command_config(cmd);

	return merge_list_add(&c->files, text, err, err_size);
}

static int configure(struct command *cmd, char *err, size_t err_size)
{
	const struct report_cli *c = command_config(cmd);

	if (c->files.n < 1) {
		snprintf(err, err_size,
			 "no RESULT to report; usage: pvcbench report RESULT.json... "
			 "[-o report.html] [--label=NAME=FILE] [--baseline=LABEL]");
		return -EINVAL;
	}
	if (merge_labels_check(&c->labels, &c->files, err, err_size))
		return -EINVAL;
	return CMD_CONTINUE;
}

static int load(const struct report_cli *c, struct rep_model *m, char *err, size_t err_size)
{
	for (int i = 0; i < c->files.n; i++) {
		char label[FIG_NAME_MAX];
		bool labelled = merge_label_of(&c->labels, c->files.v[i], label, sizeof(label));
		if (rep_model_add(m, c->files.v[i], labelled ? label : NULL, err, err_size))
			return -EINVAL;
	}
	if (rep_model_build(m, err, err_size))
		return -EINVAL;
	if (m->baseline) {
		for (unsigned k = 0; k < m->nclasses; k++)
			if (!strcmp(m->classes[k].label, m->baseline))
				return 0;
		snprintf(err, err_size,
			 "--baseline=%s: no result is of that class (the classes: %s%s)",
			 m->baseline, m->classes[0].label, m->nclasses > 1 ? ", ..." : "");
		return -EINVAL;
	}
	return 0;
}

static int execute(struct command *cmd)
{
	const struct report_cli *c = command_config(cmd);
	struct rep_model m = { .baseline = c->baseline[0] ? c->baseline : NULL,
			       .title = c->title[0] ? c->title : NULL };
	struct report_output out;
	char err[ERR_SIZE];
	int status = 2;

	if (load(c, &m, err, sizeof(err))) {
		command_error(cmd, "%s", err);
		goto done;
	}
	if (report_output_open(&out, c->output[0] ? c->output : NULL, "output", err, sizeof(err))) {
		command_error(cmd, "%s", err);
		goto done;
	}
	if (rep_html_write(&m, out.f) || fflush(out.f) || ferror(out.f)) {
		command_error(cmd, "cannot write the report: %s", strerror(errno));
		report_output_abort(&out);
		status = 1;
		goto done;
	}
	status = report_output_commit(&out, err, sizeof(err)) ? 1 : 0;
	if (status)
		command_error(cmd, "%s", err);
done:
	rep_model_free(&m);
	return status;
}

static void cleanup(struct command *cmd)
{
	struct report_cli *c = command_config(cmd);

	merge_list_free(&c->labels);
	merge_list_free(&c->files);
}

const struct workload_ops report_ops = {
	.name = "report",
	.summary = "compare storage classes: results into one self-contained HTML page",
	.usage =
		"usage: pvcbench report RESULT.json... [-o report.html] [--label=NAME=FILE]... "
		"[--baseline=LABEL] [--title=TEXT]\n"
		"Writes one HTML page (inline CSS and SVG: it opens offline, without JavaScript) "
		"comparing\nthe storage classes of the results: per test a table of each class's "
		"figures with their\nranking (classes whose run-to-run spreads overlap are tied), "
		"bar charts, latency\npercentile curves from the exact histograms, throughput over "
		"time with stall windows,\na failover section, red flags, and the environment of "
		"every run (docs/observability.md).\n",
	.style = OPT_STYLE_GETOPT, /* as pvcbench compare: -o FILE, --label NAME=FILE */
	.options = report_defs,
	.config_size = sizeof(struct report_cli),
	.usage_status = 2,
	.failed_status = 1,
	.on_option = on_option,
	.on_operand = on_operand,
	.configure = configure,
	.measures = NULL,
	.execute = execute,
	.cleanup = cleanup,
};
