/*
 * witness.c - `pvcbench witness`: the acknowledgement ledger kept in another pod, on another
 * node, as diskchecker.pl's witness is. Writers connect (many at once, one poll() loop), send
 * their run's header, then pre and post records; the witness keeps each run in DIR/RUNID.ledger
 * in the journal's own format, and serves a checker that asks for a run (FETCH).
 *
 * Invariant: a PRE is answered only after its records are written and fdatasync'd, so a writer
 * never submits a write the witness could forget. Every loop writes what all connections sent,
 * syncs each touched file once, then answers: a group commit. POSTs are written at once and
 * synced by the same pass; they are not answered. It measures nothing: an execute command.
 */
#define _GNU_SOURCE /* accept4 */
#include "ledger_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pvcbench/command.h"
#include "pvcbench/signals.h"

#define WITNESS_MAX_CONNS 256
#define FETCH_CHUNK (1u << 20)

struct witness_config {
	char listen[OPT_STRING_MAX];
	char dir[OPT_STRING_MAX];
	bool once;
};

static const struct option_def witness_defs[] = {
	{ .name = "listen",
	  .type = OPT_STRING,
	  .offset = offsetof(struct witness_config, listen),
	  .arg_name = "HOST:PORT",
	  .help = "address to listen on (only this one; port 0: any free port, printed on "
		  "stdout)" },
	{ .name = "dir",
	  .type = OPT_STRING,
	  .offset = offsetof(struct witness_config, dir),
	  .def = ".",
	  .arg_name = "DIR",
	  .help = "where each run's ledger is kept, as RUNID.ledger (made if missing)" },
	{ .name = "once",
	  .type = OPT_BOOL,
	  .offset = offsetof(struct witness_config, once),
	  .help = "exit after serving one checker's download" },
	{ 0 }
};

struct wconn {
	int fd;
	int run_fd; /* the run this writer said HELLO for; -1: none yet */
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_len, out_off, out_cap;
	unsigned owed_ok; /* OKs to send once the run file is synced */
	bool dirty;	  /* written since the last sync */
	bool closing;	  /* close once out is sent */
	bool fetched;	  /* a download was queued */
	uint32_t run_tag; /* of the run of HELLO: every record must name it */
};

struct witness {
	const struct witness_config *cfg;
	struct command *cmd;
	int listen_fd;
	struct wconn *conns[WITNESS_MAX_CONNS];
	unsigned nconns;
	bool fetch_served;
	char bound[160]; /* the address listened on, the port the kernel chose */
};

static int out_frame(struct wconn *c, enum witness_type type, const void *p, size_t len)
{
	size_t need = c->out_len + WITNESS_HEAD + len;

	if (need > c->out_cap) {
		size_t cap = need * 2;
		uint8_t *q = realloc(c->out, cap);
		if (!q)
			return -ENOMEM;
		c->out = q;
		c->out_cap = cap;
	}
	uint8_t *h = c->out + c->out_len;
	memset(h, 0, WITNESS_HEAD);
	ledger_put32(h, (uint32_t)len);
	h[4] = WITNESS_VERSION;
	h[5] = (uint8_t)type;
	if (len)
		memcpy(h + WITNESS_HEAD, p, len);
	c->out_len = need;
	return 0;
}

static void conn_error(struct wconn *c, const char *fmt, const char *arg)
{
	char text[600];

	snprintf(text, sizeof(text), fmt, arg);
	out_frame(c, WITNESS_ERROR, text, strlen(text));
	c->closing = true;
}

static int hello_run(void *arg, const struct ledger_run *run)
{
	memcpy(arg, run->id, LEDGER_RUN_ID_LEN);
	return 0;
}

static void on_hello(struct witness *w, struct wconn *c, const uint8_t *p, size_t len)
{
	uint8_t id[LEDGER_RUN_ID_LEN];
	struct ledger_sink sink = { .run = hello_run, .arg = id };
	size_t valid;
	char hex[2 * LEDGER_RUN_ID_LEN + 1], path[OPT_STRING_MAX + 64], err[600];

	if (!len || ledger_parse(p, len, &sink, &valid) || valid != len) {
		conn_error(c, "%s", "HELLO must carry one run header");
		return;
	}
	ledger_run_hex(id, hex);
	snprintf(path, sizeof(path), "%s/%s.ledger", w->cfg->dir, hex);
	if (c->run_fd >= 0)
		close(c->run_fd);
	c->run_fd = ledger_file_open(path, p, len, err, sizeof(err));
	if (c->run_fd < 0) {
		command_error(w->cmd, "%s", err);
		conn_error(c, "%s", err);
		return;
	}
	c->run_tag = ledger_run_tag(id);
	out_frame(c, WITNESS_OK, NULL, 0);
	/* one line per writer, for whoever watches the witness's log */
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	char host[128] = "?", port[16] = "?";
	if (!getpeername(c->fd, (struct sockaddr *)&sa, &sl))
		getnameinfo((struct sockaddr *)&sa, sl, host, sizeof(host), port, sizeof(port),
			    NI_NUMERICHOST | NI_NUMERICSERV);
	fprintf(stderr, "pvcbench witness: run %s from %s port %s, kept in %s\n", hex, host, port,
		path);
}

static void on_records(struct wconn *c, enum witness_type type, const uint8_t *p, size_t len)
{
	enum ledger_kind want = type == WITNESS_PRE ? LEDGER_PRE : LEDGER_POST;

	if (c->run_fd < 0) {
		conn_error(c, "%s", "records before HELLO");
		return;
	}
	if (len % LEDGER_REC_SIZE) {
		conn_error(c, "%s", "a records frame holds whole 48-byte records");
		return;
	}
	for (size_t at = 0; at < len; at += LEDGER_REC_SIZE) {
		enum ledger_kind kind;
		uint32_t tag;
		struct blk_ledger_rec r;
		if (ledger_rec_decode(p + at, &kind, &tag, &r) || kind != want ||
		    tag != c->run_tag) {
			conn_error(c, "%s", "a record's checksum, kind or run is wrong");
			return;
		}
	}
	int rc = ledger_write_all(c->run_fd, p, len);
	if (rc) {
		conn_error(c, "writing the ledger: %s", strerror(-rc));
		return;
	}
	c->dirty = true;
	if (type == WITNESS_PRE)
		c->owed_ok++;
}

/* DIR/RUNID.ledger, or the newest ledger in DIR when no run is named. */
static int find_ledger(struct witness *w, const uint8_t *run, char *path, size_t size)
{
	char hex[2 * LEDGER_RUN_ID_LEN + 1];
	struct stat st;

	if (run) {
		ledger_run_hex(run, hex);
		snprintf(path, size, "%s/%s.ledger", w->cfg->dir, hex);
		return stat(path, &st) ? -ENOENT : 0;
	}
	DIR *d = opendir(w->cfg->dir);
	struct dirent *e;
	struct timespec best = { 0, 0 };
	int rc = -ENOENT;
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		char p[OPT_STRING_MAX + 300];
		size_t n = strlen(e->d_name);
		if (n != 2 * LEDGER_RUN_ID_LEN + 7 || strcmp(e->d_name + n - 7, ".ledger"))
			continue;
		snprintf(p, sizeof(p), "%s/%s", w->cfg->dir, e->d_name);
		if (stat(p, &st))
			continue;
		if (rc || st.st_mtim.tv_sec > best.tv_sec ||
		    (st.st_mtim.tv_sec == best.tv_sec && st.st_mtim.tv_nsec > best.tv_nsec)) {
			best = st.st_mtim;
			snprintf(path, size, "%s", p);
			rc = 0;
		}
	}
	closedir(d);
	return rc;
}

static void on_fetch(struct witness *w, struct wconn *c, const uint8_t *p, size_t len)
{
	char path[OPT_STRING_MAX + 300];
	uint8_t *data;
	size_t dlen, valid;

	if (len != 0 && len != LEDGER_RUN_ID_LEN) {
		conn_error(c, "%s", "FETCH carries nothing or a 16-byte run id");
		return;
	}
	if (find_ledger(w, len ? p : NULL, path, sizeof(path))) {
		conn_error(c, len ? "no ledger of that run in %s" : "no ledger in %s", w->cfg->dir);
		return;
	}
	int rc = ledger_file_read(path, &data, &dlen);
	if (rc) {
		conn_error(c, "reading the ledger: %s", strerror(-rc));
		return;
	}
	/* only the valid prefix: a tail torn when this witness was killed is not sent */
	ledger_parse(data, dlen, NULL, &valid);
	for (size_t at = 0; at < valid; at += FETCH_CHUNK) {
		size_t n = valid - at < FETCH_CHUNK ? valid - at : FETCH_CHUNK;
		out_frame(c, WITNESS_DATA, data + at, n);
	}
	free(data);
	out_frame(c, WITNESS_END, NULL, 0);
	c->fetched = true;
	c->closing = true;
}

/* Every whole frame in c->in. */
static void conn_process(struct witness *w, struct wconn *c)
{
	size_t at = 0;

	while (!c->closing && c->in_len - at >= WITNESS_HEAD) {
		const uint8_t *h = c->in + at;
		uint32_t n = ledger_get32(h);
		if (h[4] != WITNESS_VERSION) {
			char v[16];
			snprintf(v, sizeof(v), "%u", h[4]);
			conn_error(c, "protocol version %s: this witness speaks version 1", v);
			break;
		}
		if (n > WITNESS_MAX_PAYLOAD) {
			conn_error(c, "%s", "frame too long");
			break;
		}
		if (c->in_len - at < WITNESS_HEAD + n)
			break;
		const uint8_t *p = h + WITNESS_HEAD;
		switch (h[5]) {
		case WITNESS_HELLO:
			on_hello(w, c, p, n);
			break;
		case WITNESS_PRE:
		case WITNESS_POST:
			on_records(c, (enum witness_type)h[5], p, n);
			break;
		case WITNESS_SYNC:
			c->dirty = c->run_fd >= 0;
			c->owed_ok++;
			break;
		case WITNESS_FETCH:
			on_fetch(w, c, p, n);
			break;
		default:
			conn_error(c, "%s", "unknown frame type");
		}
		at += WITNESS_HEAD + n;
	}
	memmove(c->in, c->in + at, c->in_len - at);
	c->in_len -= at;
}

/* Reads what the socket has; false when the peer is gone. */
static bool conn_read(struct witness *w, struct wconn *c)
{
	for (;;) {
		if (c->in_cap - c->in_len < 65536) {
			size_t cap = c->in_cap ? c->in_cap * 2 : 131072;
			if (cap > 2 * (WITNESS_MAX_PAYLOAD + WITNESS_HEAD))
				cap = 2 * (WITNESS_MAX_PAYLOAD + WITNESS_HEAD);
			uint8_t *p = cap > c->in_cap ? realloc(c->in, cap) : NULL;
			if (!p && c->in_cap == c->in_len)
				return false;
			if (p) {
				c->in = p;
				c->in_cap = cap;
			}
		}
		ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		if (n == 0)
			return false;
		c->in_len += (size_t)n;
		conn_process(w, c);
	}
}

/* Sends what is queued; false when the connection is done. */
static bool conn_write(struct wconn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EAGAIN;
		c->out_off += (size_t)n;
	}
	c->out_off = c->out_len = 0;
	return !c->closing;
}

static void conn_free(struct wconn *c)
{
	close(c->fd);
	if (c->run_fd >= 0) {
		fdatasync(c->run_fd); /* what a writer sent before it went is kept */
		close(c->run_fd);
	}
	free(c->in);
	free(c->out);
	free(c);
}

/* The group commit: sync every file written in this pass, then owe nothing. */
static void witness_sync(struct witness *w)
{
	for (unsigned i = 0; i < w->nconns; i++) {
		struct wconn *c = w->conns[i];
		if (c->dirty && fdatasync(c->run_fd)) {
			/* the OKs queued for this pass must not go out */
			c->out_len = c->out_off = 0;
			c->owed_ok = 0;
			conn_error(c, "syncing the ledger: %s", strerror(errno));
		}
		c->dirty = false;
		for (; c->owed_ok; c->owed_ok--)
			out_frame(c, WITNESS_OK, NULL, 0);
	}
}

static void witness_accept(struct witness *w)
{
	for (;;) {
		int fd = accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		struct wconn *c = calloc(1, sizeof(*c));
		if (!c || w->nconns == WITNESS_MAX_CONNS) {
			free(c);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->run_fd = -1;
		w->conns[w->nconns++] = c;
	}
}

static int witness_execute(struct command *cmd)
{
	const struct witness_config *cfg = command_config(cmd);
	struct witness w = { .cfg = cfg, .cmd = cmd, .listen_fd = -1 };
	struct pollfd pfd[WITNESS_MAX_CONNS + 1];
	struct stat st;
	char err[600];

	if (ledger_available(err, sizeof(err))) {
		command_error(cmd, "%s", err);
		return 1;
	}
	if (!cfg->listen[0]) {
		command_error(cmd, "--listen HOST:PORT is required");
		return 2;
	}
	if (mkdir(cfg->dir, 0755) && errno != EEXIST) {
		command_error(cmd, "--dir %s: %s", cfg->dir, strerror(errno));
		return 2;
	}
	if (stat(cfg->dir, &st) || !S_ISDIR(st.st_mode)) {
		command_error(cmd, "--dir %s: not a directory", cfg->dir);
		return 2;
	}
	w.listen_fd = witness_listen(cfg->listen, w.bound, sizeof(w.bound), err, sizeof(err));
	if (w.listen_fd < 0) {
		command_error(cmd, "%s", err);
		return 2;
	}
	printf("%s\n", w.bound);
	fflush(stdout);
	fprintf(stderr, "pvcbench witness: listening on %s, ledgers in %s; stop with SIGTERM\n",
		w.bound, cfg->dir);
	while (!signals_stop_requested() && !(cfg->once && w.fetch_served)) {
		pfd[0] = (struct pollfd){ .fd = w.listen_fd, .events = POLLIN };
		for (unsigned i = 0; i < w.nconns; i++)
			pfd[i + 1] = (struct pollfd){
				.fd = w.conns[i]->fd,
				.events = (short)(POLLIN | (w.conns[i]->out_len ? POLLOUT : 0)),
			};
		unsigned polled = w.nconns;
		if (poll(pfd, polled + 1, 100) < 0 && errno != EINTR)
			break;
		bool gone[WITNESS_MAX_CONNS] = { false };
		for (unsigned i = 0; i < polled; i++)
			if ((pfd[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    !w.conns[i]->closing)
				gone[i] = !conn_read(&w, w.conns[i]);
		witness_sync(&w);
		for (unsigned i = 0; i < polled; i++) {
			struct wconn *c = w.conns[i];
			bool done = !conn_write(c);
			if (done && c->fetched && !c->out_len)
				w.fetch_served = true;
			gone[i] = gone[i] || done;
		}
		unsigned kept = 0;
		for (unsigned i = 0; i < w.nconns; i++) {
			if (i < polled && gone[i])
				conn_free(w.conns[i]);
			else
				w.conns[kept++] = w.conns[i];
		}
		w.nconns = kept;
		if (pfd[0].revents & POLLIN)
			witness_accept(&w);
	}
	for (unsigned i = 0; i < w.nconns; i++)
		conn_free(w.conns[i]);
	close(w.listen_fd);
	return 0;
}

const struct workload_ops blk_witness_ops = {
	.name = "witness",
	.summary = "keep block jobs' acknowledgement ledgers for a checker on another node",
	.usage = "usage: pvcbench witness --listen HOST:PORT [--dir DIR] [--once]\n\n"
		 "Keeps the acknowledgement ledger of block jobs run with --ack_witness=HOST:PORT"
		 "\n(pre records answered once durable here, post records kept), one file per "
		 "run in\nDIR, and serves them to verify_only --ack_witness=HOST:PORT[/RUNID]. "
		 "Prints the\naddress it listens on as the first line on stdout; serves until "
		 "SIGTERM or SIGINT.\nSee docs/ack-ledger.md.\n",
	.style = OPT_STYLE_JAVA,
	.options = witness_defs,
	.config_size = sizeof(struct witness_config),
	.usage_status = 2,
	.failed_status = 1,
	.execute = witness_execute,
	.signal_is_normal_end = true,
};
