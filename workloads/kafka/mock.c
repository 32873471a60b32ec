/*
 * mock.c - `pvcbench kafka mock`: librdkafka's mock cluster (the real Kafka protocol on
 * loopback TCP) served until SIGTERM or SIGINT, for trials without a Kafka installation and
 * for tests. The bootstrap list is the first line on stdout and, when asked, a file. Lines on
 * stdin control the cluster: take brokers down and up, add round-trip time, create topics;
 * --outage schedules downs and ups from the bootstrap line on. Every down and up is answered
 * on stdout with the wall-clock time once librdkafka's call has returned, so a test can
 * compare a reported outage with the one injected; a helper thread keeps the cluster's thread
 * awake meanwhile (mock_wake), or the change could come up to a second late.
 * It measures nothing: an execute command (kfk_mock_ops) on the core's skeleton.
 */
#include "kafka.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka_mock.h>

#include "pvcbench/clock.h"
#include "pvcbench/signals.h"

#define MOCK_MAX_OUTAGES 32
#define MOCK_MAX_BROKERS 64 /* --brokers' bound */

/* One --outage: times from the bootstrap line, and which brokers */
struct mock_outage {
	uint64_t down_ns, up_ns, mask;
	char brokers[64];
	bool down_done, up_done;
};

struct mock_config {
	int64_t brokers;
	char bootstrap_file[OPT_STRING_MAX];
	unsigned noutages;
	char outage_text[MOCK_MAX_OUTAGES][64]; /* as given, parsed in configure */
};

/* What the control lines and the schedule act on */
struct mock_ctl {
	rd_kafka_mock_cluster_t *mc;
	int brokers;
	/* the brokers' listeners, to wake the cluster's thread (mock_wake) */
	struct sockaddr_in wake_addr[MOCK_MAX_BROKERS];
	unsigned nwake;
	/*
	 * The brokers taken down: a down or up of a broker already so is skipped, since
	 * librdkafka's call then takes about a second, which would shift the schedule
	 */
	uint64_t down_mask;
	unsigned noutages;
	struct mock_outage outages[MOCK_MAX_OUTAGES];
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
	{ .name = "outage",
	  .type = OPT_LIST,
	  .arg_name = "AT:FOR[:BROKERS]",
	  .help = "take BROKERS (1,2,... or all, the default) down AT seconds after the "
		  "bootstrap line and up again FOR seconds later, saying when on stdout "
		  "(repeatable)" },
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

/* The wall clock now, as "1764428371.123456 (2026-11-29T15:39:31.123456Z)": the answer's */
static void wall_clock(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char iso[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%lld.%06ld (%s.%06ldZ)", (long long)ts.tv_sec, ts.tv_nsec / 1000, iso,
		 ts.tv_nsec / 1000);
}

/*
 * Which brokers a "down"/"up" names: "all", one ID or a comma list of IDs (1..brokers), as
 * bits of mask. Returns 0, or -EINVAL for anything else.
 */
static int parse_brokers(const char *text, int brokers, uint64_t *mask)
{
	*mask = 0;
	if (!strcmp(text, "all")) {
		*mask = brokers >= 64 ? ~0ULL : (1ULL << brokers) - 1;
		return 0;
	}
	while (*text) {
		char *end;
		long id = strtol(text, &end, 10);
		if (end == text || id < 1 || id > brokers || (*end && *end != ','))
			return -EINVAL;
		*mask |= 1ULL << (id - 1);
		text = *end ? end + 1 : end;
	}
	return *mask ? 0 : -EINVAL;
}

/*
 * The cluster's thread (librdkafka 2.0.2) may not notice a command queued while it sleeps
 * for up to a second with no client connected, which would move a down or up by that much.
 * Any connection to a listener wakes it, so while a command waits a helper connects to every
 * broker every few milliseconds (a broker that is down refuses, or accepts and closes: one
 * that is up wakes the thread).
 */
struct mock_waker {
	const struct sockaddr_in *addr;
	unsigned n;
	atomic_bool done;
};

static void *mock_wake(void *arg)
{
	struct mock_waker *wk = arg;
	struct timespec pause = { 0, 5000000 };

	while (!atomic_load(&wk->done)) {
		for (unsigned i = 0; i < wk->n && !atomic_load(&wk->done); i++) {
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd < 0)
				break;
			(void)!connect(fd, (const struct sockaddr *)&wk->addr[i],
				       sizeof(wk->addr[i]));
			close(fd);
		}
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/* The brokers' addresses from the bootstrap list ("127.0.0.1:PORT,..."), for mock_wake */
static void wake_addrs(struct mock_ctl *ctl, const char *bootstraps)
{
	const char *colon = bootstraps;

	ctl->nwake = 0;
	while ((colon = strchr(colon, ':')) && ctl->nwake < MOCK_MAX_BROKERS) {
		struct sockaddr_in *a = &ctl->wake_addr[ctl->nwake++];
		memset(a, 0, sizeof(*a));
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a->sin_port = htons((uint16_t)strtoul(++colon, NULL, 10));
	}
}

/*
 * Takes the brokers of mask down (or up) and answers with what was done and when, the time
 * taken once every broker's call has returned: "ok down all at 1764428371.123456 (...)".
 */
static void set_brokers(struct mock_ctl *ctl, bool down, uint64_t mask, const char *what,
			const char *why)
{
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
	char when[80], took[48] = "";
	uint64_t t0 = clock_now_ns();
	struct mock_waker wk = { .addr = ctl->wake_addr, .n = ctl->nwake };
	pthread_t waker;
	bool waking = ctl->nwake && !pthread_create(&waker, NULL, mock_wake, &wk);

	for (int id = 1; id <= ctl->brokers && !err; id++) {
		uint64_t bit = 1ULL << (id - 1);
		if (!(mask & bit) || !(ctl->down_mask & bit) != down)
			continue;
		err = down ? rd_kafka_mock_broker_set_down(ctl->mc, id)
			   : rd_kafka_mock_broker_set_up(ctl->mc, id);
		if (!err)
			ctl->down_mask = down ? ctl->down_mask | bit : ctl->down_mask & ~bit;
	}
	if (waking) {
		atomic_store(&wk.done, true);
		pthread_join(waker, NULL);
	}
	wall_clock(when, sizeof(when));
	/*
	 * The cluster's thread applies the change and then answers, so the time after the call
	 * is when it took effect; should the thread still have been slow to look at its queue,
	 * the answer says so rather than hide it
	 */
	uint64_t spent = clock_now_ns() - t0;
	if (spent > 10000000ULL)
		snprintf(took, sizeof(took), " (the call took %.3fs)", (double)spent / 1e9);
	if (err)
		printf("error %s %s: %s\n", down ? "down" : "up", what, rd_kafka_err2str(err));
	else
		printf("ok %s %s at %s%s%s\n", down ? "down" : "up", what, when, why, took);
	fflush(stdout);
}

/* One control line; the answer goes to stdout */
static void control(struct mock_ctl *ctl, char *line)
{
	rd_kafka_mock_cluster_t *mc = ctl->mc;
	int brokers = ctl->brokers;
	char *save, *cmd = strtok_r(line, " \t\r\n", &save);
	char *a = cmd ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	char *b = a ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	char *c = b ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
	uint64_t mask;

	if (!cmd)
		return;
	if ((!strcmp(cmd, "down") || !strcmp(cmd, "up")) && a) {
		if (parse_brokers(a, brokers, &mask))
			printf("error broker %s: brokers are 1 to %d, a comma list of them, or "
			       "all\n",
			       a, brokers);
		else
			set_brokers(ctl, !strcmp(cmd, "down"), mask, a, "");
	} else if (!strcmp(cmd, "rtt") && a) {
		long id = strtol(a, NULL, 10);
		long ms = b ? strtol(b, NULL, 10) : -1;
		if (id < 1 || id > brokers)
			printf("error broker %s: brokers are 1 to %d\n", a, brokers);
		else if (ms < 0)
			printf("error rtt needs milliseconds\n");
		else if ((err = rd_kafka_mock_broker_set_rtt(mc, (int32_t)id, (int)ms)))
			printf("error %s\n", rd_kafka_err2str(err));
		else
			printf("ok rtt %ld %ld\n", id, ms);
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
		printf("error unknown command %s (down ID|all, up ID|all, rtt ID MS, topic NAME P "
		       "[R])\n",
		       cmd);
	}
	fflush(stdout);
}

/*
 * --outage AT:FOR[:BROKERS]: AT and FOR in seconds (decimals allowed) from the moment the
 * bootstrap line is printed; BROKERS as parse_brokers takes them (default all).
 */
static int parse_outage(const char *text, int brokers, struct mock_outage *o, char *err,
			size_t size)
{
	char *end;
	double at = strtod(text, &end), len = -1;

	if (end != text && *end == ':') {
		const char *f = end + 1;
		len = strtod(f, &end);
		if (end == f)
			len = -1;
	}
	const char *who = *end == ':' ? end + 1 : "all";
	if (at < 0 || len <= 0 || at > 1e6 || len > 1e6 || (*end && *end != ':') ||
	    strlen(who) >= sizeof(o->brokers) || parse_brokers(who, brokers, &o->mask)) {
		snprintf(err, size,
			 "--outage %s: must be AT:FOR[:BROKERS] (seconds from the start, seconds "
			 "down, brokers 1 to %d as a comma list or all)",
			 text, brokers);
		return -EINVAL;
	}
	o->down_ns = (uint64_t)(at * 1e9);
	o->up_ns = o->down_ns + (uint64_t)(len * 1e9);
	snprintf(o->brokers, sizeof(o->brokers), "%s", who);
	return 0;
}

/*
 * The schedule's events due by now, each answered as a control line is; returns the time
 * until the next one in ms (for poll), or -1 when none is left.
 */
static int run_schedule(struct mock_ctl *ctl, uint64_t start_ns)
{
	uint64_t now = clock_now_ns() - start_ns, next = UINT64_MAX;

	for (unsigned i = 0; i < ctl->noutages; i++) {
		struct mock_outage *o = &ctl->outages[i];
		if (!o->down_done && now >= o->down_ns) {
			set_brokers(ctl, true, o->mask, o->brokers, " (--outage)");
			o->down_done = true;
		}
		if (o->down_done && !o->up_done && now >= o->up_ns) {
			set_brokers(ctl, false, o->mask, o->brokers, " (--outage)");
			o->up_done = true;
		}
		if (!o->down_done && o->down_ns < next)
			next = o->down_ns;
		if (!o->up_done && o->up_ns < next)
			next = o->up_ns;
	}
	if (next == UINT64_MAX)
		return -1;
	now = clock_now_ns() - start_ns;
	return next <= now ? 0 : (int)((next - now + 999999ULL) / 1000000ULL);
}

/* --outage's items are kept as text until the number of brokers is known */
static int mock_on_option(struct command *cmd, unsigned table, const struct option_def *def,
			  const char *value, char *err, size_t err_size)
{
	struct mock_config *cfg = command_config(cmd);

	(void)table;
	if (def->type != OPT_LIST)
		return command_store_option(cmd, def, value, err, err_size);
	if (cfg->noutages == MOCK_MAX_OUTAGES || strlen(value) >= sizeof(cfg->outage_text[0])) {
		snprintf(err, err_size, "--outage %s: at most %d outages of at most %zu characters",
			 value, MOCK_MAX_OUTAGES, sizeof(cfg->outage_text[0]) - 1);
		return -EINVAL;
	}
	snprintf(cfg->outage_text[cfg->noutages++], sizeof(cfg->outage_text[0]), "%s", value);
	return 0;
}

static int mock_configure(struct command *cmd, char *err, size_t size)
{
	struct mock_config *cfg = command_config(cmd);
	struct mock_outage o;

	for (unsigned i = 0; i < cfg->noutages; i++)
		if (parse_outage(cfg->outage_text[i], (int)cfg->brokers, &o, err, size))
			return -EINVAL;
	return CMD_CONTINUE;
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
	struct mock_ctl ctl = { .mc = m.cluster, .brokers = (int)brokers };
	wake_addrs(&ctl, m.bootstraps);
	for (unsigned i = 0; i < cfg->noutages; i++)
		parse_outage(cfg->outage_text[i], (int)brokers, &ctl.outages[ctl.noutages++], err,
			     sizeof(err));
	printf("%s\n", m.bootstraps);
	fflush(stdout);
	uint64_t start_ns = clock_now_ns();
	fprintf(stderr, "pvcbench kafka mock: %ld brokers at %s; stop with SIGTERM or Ctrl-C\n",
		brokers, m.bootstraps);

	bool stdin_open = true;
	while (!signals_stop_requested()) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		int due = run_schedule(&ctl, start_ns);
		int ready = poll(&pfd, stdin_open ? 1 : 0, due >= 0 && due < 200 ? due : 200);
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
			control(&ctl, line);
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
	.usage = "usage: pvcbench kafka mock [--brokers N] [--bootstrap-file FILE] "
		 "[--outage AT:FOR[:BROKERS]]...\n\n"
		 "Serves librdkafka's mock cluster of N brokers (default 3) on loopback until "
		 "SIGTERM\n"
		 "or SIGINT. Prints the bootstrap list as the first line on stdout, and writes it "
		 "to\n"
		 "FILE (removed again at exit). Lines on stdin control the cluster:\n"
		 "  down ID|all      take broker ID (1..N; or a comma list, or all) down\n"
		 "  up ID|all        bring it back\n"
		 "  rtt ID MS        add MS milliseconds of round-trip time to broker ID\n"
		 "  topic NAME P [R] create topic NAME with P partitions (replication R, default "
		 "1)\n"
		 "each answered by a line \"ok ...\" or \"error ...\" on stdout; down and up "
		 "say\nwhen: \"ok down all at UNIXTIME (ISO-8601 UTC)\", as --outage's lines "
		 "do. Topics the clients\n"
		 "create by using them get 4 partitions; the mock keeps about 5 MiB per "
		 "partition.\n",
	.style = OPT_STYLE_JAVA,
	.options = mock_defs,
	.config_size = sizeof(struct mock_config),
	.usage_status = KFK_EXIT_USAGE,
	.failed_status = KFK_EXIT_FAILED,
	.on_option = mock_on_option,
	.configure = mock_configure,
	.execute = mock_execute,
	.signal_is_normal_end = true, /* it serves until SIGTERM or SIGINT, then exits 0 */
};
