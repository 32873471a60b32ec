/*
 * cmd.c - the command line of pvcbench merge: options from a table (as every command's), every
 * input read and checked before anything is written, so a refused input leaves no output.
 *
 * Exit statuses: 0 merged; 2 bad input (usage, an unreadable, corrupt or foreign file, inputs of
 * different workloads), with one line on stderr naming it; 1 the output could not be written.
 */
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
	bool help;
	enum opt_source source[3];
	struct option_set set;
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
	  .help = "write the merged result to this file (whole, or not at all) instead of stdout" },
	{ .name = "help", .type = OPT_BOOL, .offset = F(help), .def = "0", .help = "this help" },
	{ 0 }
};

static void usage(FILE *out)
{
	fputs("usage: pvcbench merge [--output-format=text|json] [--output=FILE] FILE...\n"
	      "Merges pvcbench JSON results (one per pod, say; - reads stdin) into one exact "
	      "report:\nhistograms are added, never percentiles averaged.\n\nOptions:\n",
	      out);
	opt_print_help(merge_defs, out);
}

/* Options and files; files are the arguments that are not options ("-" is a file). */
static int parse_args(struct merge_cli *c, int argc, char **argv, const char **files, int *nfiles,
		      char *err)
{
	bool options_done = false;
	int ret;

	memset(c, 0, sizeof(*c));
	c->set.defs = merge_defs;
	c->set.count = opt_count(merge_defs);
	c->set.source = c->source;
	ret = opt_apply_defaults(&c->set, c, err, ERR_SIZE);
	*nfiles = 0;
	for (int i = 1; !ret && i < argc; i++) {
		const char *arg = argv[i];
		if (options_done || strncmp(arg, "--", 2)) {
			files[(*nfiles)++] = arg;
			continue;
		}
		if (!arg[2]) {
			options_done = true;
			continue;
		}
		char key[128];
		const char *eq = strchr(arg + 2, '='), *value = eq ? eq + 1 : NULL;
		size_t len = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
		snprintf(key, sizeof(key), "%.*s", (int)len, arg + 2);
		const struct option_def *def = opt_find(merge_defs, key);
		if (!eq && def && def->type != OPT_BOOL) {
			if (i + 1 == argc) {
				snprintf(err, ERR_SIZE, "--%s needs a value", key);
				return -EINVAL;
			}
			value = argv[++i];
		}
		ret = opt_set(&c->set, c, key, value, SRC_FLAG, err, ERR_SIZE);
	}
	return ret;
}

int merge_main(int argc, char **argv)
{
	const char **files = calloc((size_t)argc + 1, sizeof(*files));
	struct report_output out;
	struct merge_set *m = merge_set_new();
	struct merge_cli cli;
	char err[ERR_SIZE];
	int nfiles = 0, status = 2;

	if (!files || !m) {
		fputs("pvcbench merge: out of memory\n", stderr);
		goto done;
	}
	if (parse_args(&cli, argc, argv, files, &nfiles, err)) {
		fprintf(stderr, "pvcbench merge: %s\n", err);
		goto done;
	}
	if (cli.help) {
		usage(stdout);
		status = 0;
		goto done;
	}
	if (nfiles < 1) {
		fputs("pvcbench merge: no FILE to merge; usage: pvcbench merge "
		      "[--output-format=text|json] [--output=FILE] FILE...\n",
		      stderr);
		goto done;
	}
	for (int i = 0; i < nfiles; i++) {
		if (merge_set_add_file(m, files[i], err, sizeof(err))) {
			fprintf(stderr, "pvcbench merge: %s\n", err);
			goto done;
		}
	}
	merge_failed_jobs(m, stderr);
	if (report_output_open(&out, cli.output, "output", err, sizeof(err))) {
		fprintf(stderr, "pvcbench merge: %s\n", err);
		goto done;
	}
	if (!strcmp(cli.output_format, "json"))
		merge_print_json(m, out.f);
	else
		merge_print_text(m, out.f);
	if (fflush(out.f) || ferror(out.f)) {
		fprintf(stderr, "pvcbench merge: cannot write the result: %s\n", strerror(errno));
		report_output_abort(&out);
		status = 1;
		goto done;
	}
	status = report_output_commit(&out, err, sizeof(err)) ? 1 : 0;
	if (status)
		fprintf(stderr, "pvcbench merge: %s\n", err);
done:
	merge_set_free(m);
	free(files);
	return status;
}
