/*
 * mock.c - `pvcbench kafka mock`: librdkafka's mock cluster (the real Kafka protocol on
 * loopback TCP) served until SIGTERM or SIGINT, for trials without a Kafka installation and
 * for tests. The bootstrap list is the first line on stdout and, when asked, a file. Lines on
 * stdin control the cluster: take brokers down and up, add round-trip time, create topics.
 * It measures nothing: an execute command (kfk_mock_ops) on the core's skeleton.
 */
#include "kafka.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka_mock.h>

#include "pvcbench/signals.h"

struct mock_config {
	int64_t brokers;
	char bootstrap_file[OPT_STRING_MAX];
};

static const struct option_def mock_defs[] = {
	{ .name = "brokers",
	  .type = OPT_INT,
	  .offset = offsetof(struct mock_config, brokers),
	  .def = "3",
	  .min = 1,
	  .max = 64,
	  .arg_name = "N",
	  .help = "brokers in the cluster" },
	{ .name = "bootstrap-file",
	  .type = OPT_STRING,
	  .offset = offsetof(struct mock_config, bootstrap_file),
	  .arg_name = "FILE",
	  .help = "write the bootstrap list to FILE too (removed again at exit)" },
	{ 0 }
};

static int write_file(const char *path, const char *text, char *err, size_t size)
{
	char tmp[4200];
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f)) {
		snprintf(err, size, "--bootstrap-file %s: %s", path, strerror(errno));
		if (f)
			unlink(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		snprintf(err, size, "--bootstrap-file %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* One control line; the answer goes to stdout */
static void control(rd_kafka_mock_cluster_t *mc, int brokers, char *line)
{
	char *save, *cmd = strtok_r(line, " \t\r\n", &save);
	char *a = cmd ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	char *b = a ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	char *c = b ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;

	if (!cmd)
		return;
	if ((!strcmp(cmd, "down") || !strcmp(cmd, "up") || !strcmp(cmd, "rtt")) && a) {
		long id = strtol(a, NULL, 10);
		if (id < 1 || id > brokers) {
			printf("error broker %s: brokers are 1 to %d\n", a, brokers);
		} else if (!strcmp(cmd, "rtt")) {
			long ms = b ? strtol(b, NULL, 10) : -1;
			if (ms < 0)
				printf("error rtt needs milliseconds\n");
			else if ((err = rd_kafka_mock_broker_set_rtt(mc, (int32_t)id, (int)ms)))
				printf("error %s\n", rd_kafka_err2str(err));
			else
				printf("ok rtt %ld %ld\n", id, ms);
		} else {
			err = !strcmp(cmd, "down") ? rd_kafka_mock_broker_set_down(mc, (int32_t)id)
						   : rd_kafka_mock_broker_set_up(mc, (int32_t)id);
			if (err)
				printf("error %s\n", rd_kafka_err2str(err));
			else
				printf("ok %s %ld\n", cmd, id);
		}
	} else if (!strcmp(cmd, "topic") && a && b) {
		long parts = strtol(b, NULL, 10), repl = c ? strtol(c, NULL, 10) : 1;
		if (parts < 1 || repl < 1 || repl > brokers)
			printf("error topic %s: partitions >= 1, replication 1 to %d\n", a,
			       brokers);
		else if ((err = rd_kafka_mock_topic_create(mc, a, (int)parts, (int)repl)))
			printf("error %s\n", rd_kafka_err2str(err));
		else
			printf("ok topic %s %ld %ld\n", a, parts, repl);
	} else {
		printf("error unknown command %s (down ID, up ID, rtt ID MS, topic NAME P [R])\n",
		       cmd);
	}
	fflush(stdout);
}

/* Serves the cluster until a signal; returns the exit status */
static int mock_execute(struct command *cmd)
{
	const struct mock_config *cfg = command_config(cmd);
	long brokers = (long)cfg->brokers;
	const char *file = cfg->bootstrap_file[0] ? cfg->bootstrap_file : NULL;
	char err[512], line[1024];
	size_t used = 0;

	struct kfk_mock m;
	if (kfk_mock_start(&m, (int)brokers, err, sizeof(err))) {
		command_error(cmd, "%s", err);
		return KFK_EXIT_FAILED;
	}
	if (file && write_file(file, m.bootstraps, err, sizeof(err))) {
		command_error(cmd, "%s", err);
		kfk_mock_stop(&m);
		return KFK_EXIT_USAGE;
	}
	printf("%s\n", m.bootstraps);
	fflush(stdout);
	fprintf(stderr, "pvcbench kafka mock: %ld brokers at %s; stop with SIGTERM or Ctrl-C\n",
		brokers, m.bootstraps);

	bool stdin_open = true;
	while (!signals_stop_requested()) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		int ready = poll(&pfd, stdin_open ? 1 : 0, 200);
		if (ready <= 0 || !(pfd.revents & (POLLIN | POLLHUP)))
			continue;
		ssize_t n = read(0, line + used, sizeof(line) - 1 - used);
		if (n <= 0) {
			stdin_open = false; /* EOF: keep serving */
			continue;
		}
		used += (size_t)n;
		line[used] = '\0';
		char *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = '\0';
			control(m.cluster, (int)brokers, line);
			size_t rest = used - (size_t)(nl + 1 - line);
			memmove(line, nl + 1, rest + 1);
			used = rest;
		}
		if (used == sizeof(line) - 1)
			used = 0; /* a line longer than any command: drop it */
	}
	kfk_mock_stop(&m);
	if (file)
		unlink(file);
	return KFK_EXIT_OK;
}

const struct workload_ops kfk_mock_ops = {
	.name = "kafka mock",
	.summary = "serve librdkafka's mock cluster on loopback until SIGTERM",
	.usage = "usage: pvcbench kafka mock [--brokers N] [--bootstrap-file FILE]\n\n"
		 "Serves librdkafka's mock cluster of N brokers (default 3) on loopback until "
		 "SIGTERM\n"
		 "or SIGINT. Prints the bootstrap list as the first line on stdout, and writes it "
		 "to\n"
		 "FILE (removed again at exit). Lines on stdin control the cluster:\n"
		 "  down ID          take broker ID (1..N) down\n"
		 "  up ID            bring it back\n"
		 "  rtt ID MS        add MS milliseconds of round-trip time to broker ID\n"
		 "  topic NAME P [R] create topic NAME with P partitions (replication R, default "
		 "1)\n"
		 "each answered by a line \"ok ...\" or \"error ...\" on stdout. Topics the "
		 "clients\n"
		 "create by using them get 4 partitions; the mock keeps about 5 MiB per "
		 "partition.\n",
	.style = OPT_STYLE_JAVA,
	.options = mock_defs,
	.config_size = sizeof(struct mock_config),
	.usage_status = KFK_EXIT_USAGE,
	.failed_status = KFK_EXIT_FAILED,
	.execute = mock_execute,
	.signal_is_normal_end = true, /* it serves until SIGTERM or SIGINT, then exits 0 */
};
