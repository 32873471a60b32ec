/*
 * cli.c - the program options that pvcbench fio and pvcbench summary share (output format and
 * file, progress, time series): their allowed values, and what the commands make of them.
 * The rows themselves are BLK_CLI_OPTIONS in block.h, so that each command's one table has them.
 */
#include "block.h"

#include <string.h>
#include <unistd.h>

const char *const blk_format_choices[] = { "normal", "json", NULL };
const char *const blk_eta_choices[] = { "auto", "always", "never", NULL };

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

void blk_cli_outputs(const struct blk_cli *cli, struct cmd_outputs *o)
{
	o->results = cli->output;
	o->results_option = "output";
	o->series = cli->series;
	o->json = blk_cli_json(cli);
}

void blk_cli_settings(const struct command *cmd, const struct blk_cli *cli,
		      struct blk_run_settings *s)
{
	s->progress = blk_cli_progress(cli);
	s->out = command_results(cmd);
	s->note = stderr;
	s->quiet = command_json(cmd);
	s->interval_ns = cli->interval;
}
