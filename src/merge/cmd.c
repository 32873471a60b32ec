/*
 * cmd.c - the command line of pvcbench merge: options from a table (as every command's), every
 * input read and checked before anything is written, so a refused input leaves no output.
 *
 * Exit statuses: 0 merged; 2 bad input (usage, an unreadable, corrupt or foreign file, inputs of
 * different workloads), with one line on stderr naming it; 1 the output could not be written.
 */
#include "merge_int.h"
#include "pvcbench/command.h"
#include "pvcbench/merge.h"
#include "pvcbench/options.h"
#include "pvcbench/report.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define ERR_SIZE 1024

struct merge_cli {
	char output_format[OPT_STRING_MAX];
	char output[OPT_STRING_MAX];
	struct merge_list files; /* the operands, in order ("-" is stdin) */
};

#define F(field) offsetof(struct merge_cli, field)

static const char *const format_choices[] = { "text", "normal", "json", NULL };

static const struct option_def merge_defs[] = {
	{ .name = "output-format",
	  .type = OPT_CHOICE,
	  .offset = F(output_format),
	  .def = "text",
	  .choices = format_choices,
	  .help = "a table, or one JSON document in the shape of a run; normal = text" },
	{ .name = "output",
	  .type = OPT_STRING,
	  .offset = F(output),
	  .def = NULL,
	  .arg_name = "FILE",
	  .help = "write the merged result to this file (whole, or not at all) instead of stdout" },
	{ 0 }
};

static int add_file(struct command *cmd, const char *text, char *err, size_t err_size)
{
	struct merge_cli *c = command_config(cmd);

	return merge_list_add(&c->files, text, err, err_size);
}

static int configure(struct command *cmd, char *err, size_t err_size)
{
	const struct merge_cli *c = command_config(cmd);

	if (c->files.n < 1) {
		snprintf(err, err_size,
			 "no FILE to merge; usage: pvcbench merge [--output-format=text|json] "
			 "[--output=FILE] FILE...");
		return -EINVAL;
	}
	return CMD_CONTINUE;
}

/* Every input read and checked before anything is written: a refused input leaves no output */
static int execute(struct command *cmd)
{
	const struct merge_cli *c = command_config(cmd);
	struct merge_set *m = merge_set_new();
	struct report_output out;
	char err[ERR_SIZE];
	int status = 2;

	if (!m) {
		command_error(cmd, "out of memory");
		return 1;
	}
	for (int i = 0; i < c->files.n; i++) {
		if (merge_set_add_file(m, c->files.v[i], err, sizeof(err))) {
			command_error(cmd, "%s", err);
			goto done;
		}
	}
	merge_failed_jobs(m, stderr);
	if (report_output_open(&out, c->output[0] ? c->output : NULL, "output", err, sizeof(err))) {
		command_error(cmd, "%s", err);
		goto done;
	}
	if (!strcmp(c->output_format, "json"))
		merge_print_json(m, out.f);
	else
		merge_print_text(m, out.f);
	if (fflush(out.f) || ferror(out.f)) {
		command_error(cmd, "cannot write the result: %s", strerror(errno));
		report_output_abort(&out);
		status = 1;
		goto done;
	}
	status = report_output_commit(&out, err, sizeof(err)) ? 1 : 0;
	if (status)
		command_error(cmd, "%s", err);
done:
	merge_set_free(m);
	return status;
}

static void cleanup(struct command *cmd)
{
	struct merge_cli *c = command_config(cmd);

	merge_list_free(&c->files);
}

const struct workload_ops merge_ops = {
	.name = "merge",
	.summary = "merge the JSON results of many runs (pods) into one exact report",
	.usage =
		"usage: pvcbench merge [--output-format=text|json] [--output=FILE] FILE...\n"
		"Merges pvcbench JSON results (one per pod, say; - reads stdin) into one exact "
		"report:\nhistograms are added, never percentiles averaged. Jobs of one kind (block, "
		"pgbench,\nKafka produce or consume) add into one total whatever their names, with a "
		"total per\nname that several jobs share.\n",
	.style = OPT_STYLE_FIO,
	.options = merge_defs,
	.config_size = sizeof(struct merge_cli),
	.usage_status = 2,
	.failed_status = 1,
	.on_operand = add_file,
	.configure = configure,
	.measures = NULL,
	.execute = execute,
	.cleanup = cleanup,
};
