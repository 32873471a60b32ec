/*
 * kafka.c - `pvcbench kafka produce|consume|mock`: each subcommand is its workload_ops
 * (workloads.h) run by the core's command_main; here only the group's --help and --version.
 */
#include "kafka.h"

#include <string.h>

#include "pvcbench/workloads.h"

static void usage(FILE *out)
{
	fputs("usage: pvcbench kafka COMMAND [--option value ...]\n\n"
	      "commands:\n"
	      "  produce   kafka-producer-perf-test: produce records, measure throughput and "
	      "latency\n"
	      "  consume   kafka-consumer-perf-test: consume messages, measure throughput\n"
	      "  mock      serve librdkafka's mock cluster on loopback until SIGTERM\n\n"
	      "pvcbench kafka COMMAND --help lists a command's options.\n",
	      out);
}

int kfk_main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? KFK_EXIT_USAGE : KFK_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("pvcbench kafka (pvcbench %s; librdkafka %s)\n", PVC_VERSION,
		       rd_kafka_version_str());
		return KFK_EXIT_OK;
	}
	if (!strcmp(argv[1], "produce"))
		return command_main(&kfk_produce_ops, argc - 1, argv + 1);
	if (!strcmp(argv[1], "consume"))
		return command_main(&kfk_consume_ops, argc - 1, argv + 1);
	if (!strcmp(argv[1], "mock"))
		return command_main(&kfk_mock_ops, argc - 1, argv + 1);
	fprintf(stderr, "pvcbench kafka: unknown command %s; commands: produce, consume, mock\n",
		argv[1]);
	return KFK_EXIT_USAGE;
}
