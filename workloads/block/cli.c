/*
 * cli.c - the program options that pvcbench fio and pvcbench summary share (output format and
 * file, progress, time series), and the small steps both commands take with them.
 */
#include "block.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "pvcbench/signals.h"

#define F(field) offsetof(struct blk_cli, field)

static const char *const format_choices[] = { "normal", "json", NULL };
static const char *const eta_choices[] = { "auto", "always", "never", NULL };

const struct option_def blk_cli_defs[] = {
	{ .name = "output-format",
	  .type = OPT_CHOICE,
	  .offset = F(output_format),
	  .def = "normal",
	  .choices = format_choices,
	  .help = "results as fio's text or as one JSON document" },
	{ .name = "output",
	  .type = OPT_STRING,
	  .offset = F(output),
	  .def = NULL,
	  .help = "write results to this file (whole, or not at all) instead of stdout" },
	{ .name = "progress",
	  .type = OPT_BOOL,
	  .offset = F(progress),
	  .def = "0",
	  .help = "status line on stderr every interval even when stderr is not a terminal" },
	{ .name = "eta",
	  .type = OPT_CHOICE,
	  .offset = F(eta),
	  .def = "auto",
	  .choices = eta_choices,
	  .help = "status line: auto (when stderr is a terminal), always, never" },
	{ .name = "series",
	  .type = OPT_STRING,
	  .offset = F(series),
	  .def = NULL,
	  .help = "write the per-interval time series as CSV to this file" },
	{ .name = "interval",
	  .type = OPT_TIME,
	  .offset = F(interval),
	  .def = "1s",
	  .unit_ns = 1000000000ULL,
	  .min = 100000000,
	  .max = 3600000000000LL,
	  .help = "time series and status line interval" },
	{ .name = "help", .type = OPT_BOOL, .offset = F(help), .def = "0", .help = "this help" },
	{ 0 }
};

int blk_cli_init(struct blk_cli *cli, char *err, size_t err_size)
{
	memset(cli, 0, sizeof(*cli));
	cli->set.defs = blk_cli_defs;
	cli->set.count = opt_count(blk_cli_defs);
	cli->set.source = cli->source;
	return opt_apply_defaults(&cli->set, cli, err, err_size);
}

int blk_split_arg(char **argv, int argc, int i, const struct option_def *const tables[], char *key,
		  size_t key_size, const char **value)
{
	const char *arg = argv[i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);

	if (len >= key_size)
		len = key_size - 1;
	memcpy(key, arg, len);
	key[len] = '\0';
	if (eq) {
		*value = eq + 1;
		return 1;
	}
	*value = NULL;
	for (unsigned t = 0; tables[t]; t++) {
		const struct option_def *def = opt_find(tables[t], key);
		if (def && def->type != OPT_BOOL && i + 1 < argc && strncmp(argv[i + 1], "--", 2)) {
			*value = argv[i + 1];
			return 2;
		}
	}
	return 1;
}

bool blk_cli_progress(const struct blk_cli *cli)
{
	if (!strcmp(cli->eta, "never"))
		return false;
	if (cli->progress || !strcmp(cli->eta, "always"))
		return true;
	return isatty(STDERR_FILENO);
}

bool blk_cli_json(const struct blk_cli *cli)
{
	return !strcmp(cli->output_format, "json");
}

int blk_outputs_open(struct blk_outputs *o, const struct blk_cli *cli, char *err, size_t err_size)
{
	int ret = report_output_open(&o->results, cli->output, "output", err, err_size);

	o->series.f = NULL;
	if (ret || !cli->series[0])
		return ret;
	ret = report_output_open(&o->series, cli->series, "series", err, err_size);
	if (ret)
		report_output_abort(&o->results);
	return ret;
}

int blk_outputs_finish(struct blk_outputs *o, bool measured, struct blk_group_result *groups,
		       unsigned ngroups, char *err, size_t err_size)
{
	int ret;

	if (!measured) {
		/* nothing was measured: no empty result, just the error already printed */
		report_output_abort(&o->results);
		report_output_abort(&o->series);
		return 0;
	}
	ret = report_output_commit(&o->results, err, err_size);
	if (!o->series.f)
		return ret;
	bool header = true;
	for (unsigned g = 0; g < ngroups; g++) {
		if (!groups[g].run.workers || groups[g].run.init_failed)
			continue;
		report_series_csv(o->series.f, &groups[g].run, groups[g].jobs[0]->o.name, header);
		header = false;
	}
	if (ret) {
		report_output_abort(&o->series);
		return ret;
	}
	return report_output_commit(&o->series, err, err_size);
}

int blk_exit_status(int ret)
{
	int sig = signals_received();

	if (sig)
		return 128 + sig;
	return ret ? 1 : 0;
}
