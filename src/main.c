/*
 * main.c - the command line: picks the command and hands it to the core (command.h). The one
 * place that lists the commands; each is a struct workload_ops of its module (workloads.h).
 * Commands are one word ("fio") or a group and a word ("kafka produce").
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pvcbench/command.h"
#include "pvcbench/metrics.h"
#include "pvcbench/signals.h"
#include "pvcbench/startat.h"
#include "pvcbench/workloads.h"

static const struct workload_ops *const commands[] = {
	&blk_summary_ops, &blk_fio_ops,	    &blk_witness_ops,
#ifdef PVC_HAVE_POSTGRES
	&pgb_ops,
#endif
#ifdef PVC_HAVE_KAFKA
	&kfk_produce_ops, &kfk_consume_ops, &kfk_e2e_ops,     &kfk_mock_ops,
#endif
#ifdef PVC_HAVE_MERGE
	&merge_ops,	  &compare_ops,	    &report_ops,
#endif
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Modules the build left out, and why: named in help and when asked for. */
static const struct {
	const char *name, *why;
} left_out[] = {
#ifndef PVC_HAVE_POSTGRES
	{ "pgbench", "not built: libpq-dev was missing when pvcbench was built" },
#endif
#ifndef PVC_HAVE_KAFKA
	{ "kafka", "not built: librdkafka-dev was missing when pvcbench was built" },
#endif
#ifndef PVC_HAVE_MERGE
	{ "merge", "not built: libjansson-dev was missing when pvcbench was built" },
	{ "compare", "not built: libjansson-dev was missing when pvcbench was built" },
	{ "report", "not built: libjansson-dev was missing when pvcbench was built" },
#endif
	{ NULL, NULL },
};

/* The length of a command name's first word: "kafka produce" -> 5. */
static size_t group_len(const char *name)
{
	const char *space = strchr(name, ' ');

	return space ? (size_t)(space - name) : strlen(name);
}

static bool in_group(const struct workload_ops *ops, const char *group)
{
	return strchr(ops->name, ' ') && group_len(ops->name) == strlen(group) &&
	       !strncmp(ops->name, group, strlen(group));
}

static void usage(FILE *out, const char *group)
{
	if (group)
		fprintf(out, "usage: pvcbench %s COMMAND [--option value ...]\n\ncommands:\n",
			group);
	else
		fputs("usage: pvcbench [COMMAND] [--option=value ...]\n\ncommands:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!group || in_group(commands[i], group))
			fprintf(out, "  %-14s %s\n", commands[i]->name, commands[i]->summary);
	for (size_t i = 0; !group && left_out[i].name; i++)
		fprintf(out, "  %-14s (%s)\n", left_out[i].name, left_out[i].why);
	if (group) {
		fprintf(out, "\npvcbench %s COMMAND --help lists a command's options.\n", group);
		return;
	}
	fputs("\nWith no command, or only options, pvcbench runs the FIO Summary suite.\n"
	      "pvcbench COMMAND --help lists a command's options.\n"
	      "Every command takes " STARTAT_FLAG "=TIME (or " STARTAT_ENV
	      "): wait until then to start;\nTIME is " STARTAT_FORMS ".\n"
	      "Every command that measures takes " METRICS_LISTEN_FLAG
	      "=ADDR:PORT (or " METRICS_LISTEN_ENV
	      ")\nto serve live Prometheus metrics, and " METRICS_PUSH_FLAG
	      "=URL to push them to a Pushgateway\n(docs/metrics.md).\n",
	      out);
}

static int version(void)
{
	printf("pvcbench %s\n", PVC_VERSION);
	return 0;
}

/* pvcbench --version, with nothing else but a --start-at (which every command takes) */
static bool only_version(int argc, char **argv)
{
	bool version = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version"))
			version = true;
		else if (!strcmp(argv[i], STARTAT_FLAG))
			i++; /* its TIME */
		else if (strncmp(argv[i], STARTAT_FLAG "=", strlen(STARTAT_FLAG) + 1))
			return false;
	}
	return version;
}

/* argv[1] names a group ("kafka"): its command is argv[2]. */
static int run_group(const char *group, int argc, char **argv)
{
	const char *sub = argc >= 3 ? argv[2] : NULL;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		usage(sub ? stdout : stderr, group);
		return sub ? 0 : 2;
	}
	if (!strcmp(sub, "--version"))
		return version();
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *name = commands[i]->name;
		if (in_group(commands[i], group) && !strcmp(name + group_len(name) + 1, sub))
			return command_main(commands[i], argc - 2, argv + 2);
	}
	fprintf(stderr, "pvcbench %s: unknown command %s (see pvcbench %s --help)\n", group, sub,
		group);
	return 2;
}

int main(int argc, char **argv)
{
	signals_install();
	if (argc < 2 || !strncmp(argv[1], "--", 2)) {
		if (only_version(argc, argv))
			return version();
		return command_main(&blk_summary_ops, argc, argv);
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "-h")) {
		usage(stdout, NULL);
		return 0;
	}
	if (!strcmp(argv[1], "version"))
		return version();
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (in_group(commands[i], argv[1]))
			return run_group(argv[1], argc, argv);
		if (!strcmp(commands[i]->name, argv[1]))
			return command_main(commands[i], argc - 1, argv + 1);
	}
	for (size_t i = 0; left_out[i].name; i++) {
		if (!strcmp(left_out[i].name, argv[1])) {
			fprintf(stderr, "pvcbench: %s: %s\n", argv[1], left_out[i].why);
			return 2;
		}
	}
	fprintf(stderr, "pvcbench: unknown command %s (see pvcbench help)\n", argv[1]);
	return 2;
}
