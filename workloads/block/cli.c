/*
 * cli.c - the program options that pvcbench fio and pvcbench summary share (output formats and
 * file, progress, time series): their allowed values, and what the commands make of them.
 * The rows themselves are BLK_CLI_OPTIONS in block.h, so that each command's one table has them.
 *
 * --output-format is fio's comma list (normal,json,json+,terse in any order); fio prints every
 * format asked for, terse first, then JSON, then the normal text, whatever the order given.
 */
#include "block.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

const char *const blk_eta_choices[] = { "auto", "always", "never", NULL };

unsigned blk_cli_formats(const struct blk_cli *cli, char *err, size_t err_size)
{
	static const struct {
		const char *name;
		unsigned bits;
	} names[] = { { "normal", BLK_OUT_NORMAL },
		      { "json", BLK_OUT_JSON },
		      { "json+", BLK_OUT_JSON | BLK_OUT_JSON_PLUS },
		      { "terse", BLK_OUT_TERSE } };
	const char *p = cli->output_format;
	unsigned formats = 0;

	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned bits = 0;
		for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == len && !strncmp(p, names[i].name, len))
				bits = names[i].bits;
		if (!bits) {
			snprintf(err, err_size,
				 "--output-format=%s: %.*s is not a format: allowed normal, json, "
				 "json+, terse, or several separated by commas",
				 cli->output_format, (int)len, p);
			return 0;
		}
		formats |= bits;
		p += len + (p[len] == ',');
	}
	if (cli->minimal)
		formats = (formats & ~BLK_OUT_NORMAL) | BLK_OUT_TERSE;
	if (!formats) {
		snprintf(err, err_size,
			 "--output-format=: give a format (normal, json, json+, terse)");
		return 0;
	}
	return formats;
}

int blk_cli_check(const struct blk_cli *cli, bool terse_allowed, char *err, size_t err_size)
{
	unsigned formats = blk_cli_formats(cli, err, err_size);

	if (!formats)
		return -EINVAL;
	/* only pvcbench fio's runs have them (status.c); summary prints once, at the end */
	if (!terse_allowed && (cli->status_interval || cli->eta_newline)) {
		snprintf(err, err_size,
			 "--%s: this command prints its summary once, at the end, and its status "
			 "line once per --interval",
			 cli->status_interval ? "status-interval" : "eta-newline");
		return -EINVAL;
	}
	if (!terse_allowed && formats != BLK_OUT_NORMAL && formats != BLK_OUT_JSON) {
		snprintf(
			err, err_size,
			"--output-format=%s%s: this command prints its summary as text (normal) or "
			"JSON (json) only",
			cli->output_format, cli->minimal ? " --minimal" : "");
		return -EINVAL;
	}
	return 0;
}

bool blk_cli_progress(const struct blk_cli *cli)
{
	if (!strcmp(cli->eta, "never"))
		return false;
	if (cli->progress || !strcmp(cli->eta, "always"))
		return true;
	return isatty(STDERR_FILENO);
}

/* JSON alone (json or json+): the command writes the one JSON document; with other formats
 * the command's text report writes every format in fio's order. */
bool blk_cli_json(const struct blk_cli *cli)
{
	char err[256];
	unsigned formats = blk_cli_formats(cli, err, sizeof(err));

	return (formats & BLK_OUT_JSON) && !(formats & ~(BLK_OUT_JSON | BLK_OUT_JSON_PLUS));
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
	char err[256];
	/* fio prints the job lines before a run only in its normal output */
	s->quiet = !(blk_cli_formats(cli, err, sizeof(err)) & BLK_OUT_NORMAL);
	s->interval_ns = cli->interval;
	s->stall_threshold_ns = cli->stall_threshold;
}
