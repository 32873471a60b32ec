/*
 * main.c - the command line: picks the subcommand and hands over. The one place that lists the
 * workloads; everything else lives in the modules.
 */
#include <stdio.h>
#include <string.h>

#include "block.h"
#ifdef PVC_HAVE_KAFKA
#include "kafka.h"
#endif
#include "pvcbench/workloads.h"
#include "pvcbench/signals.h"
#include "pvcbench/startat.h"

static int merge_cmd(int argc, char **argv);
static int pgbench_cmd(int argc, char **argv);

struct command {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "summary", blk_summary_main,
	  "the white paper's FIO Summary suite on FIO_MOUNTPOINT (the default)" },
	{ "fio", blk_fio_main, "fio-style jobs from flags or job files" },
#ifdef PVC_HAVE_POSTGRES
	{ "pgbench", pgbench_cmd,
	  "pgbench-compatible PostgreSQL load: -i to initialise, then run" },
#else
	{ "pgbench", NULL, "(not built: libpq-dev was missing when pvcbench was built)" },
#endif
#ifdef PVC_HAVE_KAFKA
	{ "kafka", kfk_main, "Kafka producer/consumer perf tests, and a mock cluster" },
#else
	{ "kafka", NULL, "(not built: librdkafka-dev was missing when pvcbench was built)" },
#endif
#ifdef PVC_HAVE_MERGE
	{ "merge", merge_cmd, "merge the JSON results of many runs (pods) into one exact report" },
#else
	{ "merge", NULL, "(not built: libjansson-dev was missing when pvcbench was built)" },
#endif
};

#ifdef PVC_HAVE_POSTGRES
static int pgbench_cmd(int argc, char **argv)
{
	return command_main(&pgb_ops, argc, argv);
}
#endif

#ifdef PVC_HAVE_MERGE
static int merge_cmd(int argc, char **argv)
{
	return command_main(&merge_ops, argc, argv);
}
#endif

static void usage(FILE *out)
{
	fputs("usage: pvcbench [COMMAND] [--option=value ...]\n\ncommands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fputs("\nWith no command, or only options, pvcbench runs the FIO Summary suite.\n"
	      "pvcbench COMMAND --help lists a command's options.\n"
	      "Every command takes --start-at=TIME (or PVCBENCH_START_AT): wait until then to start;\n"
	      "TIME is " STARTAT_FORMS ".\n",
	      out);
}

/* --start-at=TIME or PVCBENCH_START_AT, for every command: 0 to go on, else the exit status. */
static int start_at(int *argc, char **argv)
{
	struct timespec when;
	char err[512];
	bool set;

	if (startat_take(argc, argv, &when, &set, err, sizeof(err))) {
		fprintf(stderr, "pvcbench: %s\n", err);
		return 2;
	}
	/* commands that measure wait at their start barrier, after their setup */
	const char *cmd = *argc >= 2 ? argv[1] : "";
	bool measures = !strncmp(cmd, "--", 2) || !*cmd || !strcmp(cmd, "summary") ||
			!strcmp(cmd, "fio") || !strcmp(cmd, "pgbench") || !strcmp(cmd, "kafka");
	if (set && measures) {
		startat_defer(&when);
		return 0;
	}
	if (set && startat_wait(&when, stderr)) {
		int sig = signals_received();
		fprintf(stderr, "pvcbench: stopped before the start time; nothing was run\n");
		return sig ? 128 + sig : 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int ret;

	signals_install();
	ret = start_at(&argc, argv);
	if (ret)
		return ret;
	if (argc < 2 || !strncmp(argv[1], "--", 2)) {
		if (argc >= 2 && !strcmp(argv[1], "--version")) {
			printf("pvcbench %s\n", PVC_VERSION);
			return 0;
		}
		return blk_summary_main(argc, argv);
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "version")) {
		printf("pvcbench %s\n", PVC_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		if (!commands[i].main) {
			fprintf(stderr, "pvcbench: %s %s\n", commands[i].name, commands[i].help);
			return 2;
		}
		return commands[i].main(argc - 1, argv + 1);
	}
	fprintf(stderr,
		"pvcbench: unknown command %s; commands: summary, fio, pgbench, kafka, merge "
		"(see pvcbench help)\n",
		argv[1]);
	return 2;
}
