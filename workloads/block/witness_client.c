/*
 * witness_client.c - the witness protocol's network side (ledger_int.h): the address, the
 * witness's listening socket, a writer's or checker's connection made with a timeout, frames
 * sent and received, and the download of a run's ledger. Every wait is bounded (WITNESS_TIMEOUT_MS; a second once a signal asked the
 * run to stop), so a witness that vanished or hangs turns into an error, never a hang.
 */
#include "ledger_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "pvcbench/signals.h"

int witness_parse_addr(const char *addr, char *host, size_t host_size, char *port, size_t port_size,
		       uint8_t *run_id, bool *has_run, char *err, size_t err_size)
{
	const char *h = addr, *colon, *slash = NULL;
	size_t hlen;

	if (has_run) {
		*has_run = false;
		slash = strchr(addr, '/');
	}
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (!close || close[1] != ':')
			goto bad;
		h = addr + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(addr, ':');
		if (slash && colon > slash)
			goto bad;
		if (!colon)
			goto bad;
		hlen = (size_t)(colon - addr);
	}
	size_t plen = slash ? (size_t)(slash - colon - 1) : strlen(colon + 1);
	if (!hlen || hlen >= host_size || !plen || plen >= port_size)
		goto bad;
	memcpy(host, h, hlen);
	host[hlen] = 0;
	memcpy(port, colon + 1, plen);
	port[plen] = 0;
	for (size_t i = 0; i < plen; i++)
		if (port[i] < '0' || port[i] > '9')
			goto bad;
	if (slash) {
		if (ledger_run_unhex(slash + 1, run_id)) {
			snprintf(err, err_size,
				 "%s: the run id after / must be 32 hex digits (as the writer "
				 "printed it)",
				 addr);
			return -EINVAL;
		}
		*has_run = true;
	}
	return 0;
bad:
	snprintf(err, err_size, "%s: a witness address is HOST:PORT%s", addr,
		 has_run ? "[/RUNID]" : "");
	return -EINVAL;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Waits for events on fd until deadline: 1 ready, or -errno (-ETIMEDOUT). Once a signal asked
 * the run to stop, a witness gets one more second to answer, not the whole timeout: the job
 * must stop within 1-2 s even when the witness hangs.
 */
static int wait_fd(int fd, short events, int64_t deadline, int64_t *stop_by)
{
	for (;;) {
		int64_t now = now_ms();
		if (signals_stop_requested() && !*stop_by)
			*stop_by = now + 1000;
		int64_t end = *stop_by && *stop_by < deadline ? *stop_by : deadline;
		if (now >= end)
			return end == *stop_by ? -EINTR : -ETIMEDOUT;
		struct pollfd p = { .fd = fd, .events = events };
		int r = poll(&p, 1, (int)(end - now < 100 ? end - now : 100));
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r > 0)
			return 1;
	}
}

/* One address tried with a bounded connect. The fd, or -errno. */
static int connect_one(const struct addrinfo *ai, int64_t deadline, int64_t *stop_by)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			ai->ai_protocol);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS) {
		rc = -errno;
		goto out;
	}
	int n = wait_fd(fd, POLLOUT, deadline, stop_by);
	if (n < 0) {
		rc = n;
	} else {
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		rc = -soerr;
	}
	if (!rc) {
		int one = 1;
		/* blocking from here on; every wait is a poll with a deadline */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		return fd;
	}
out:
	close(fd);
	return rc;
}

int witness_connect(struct witness_conn *c, const char *addr, char *err, size_t err_size)
{
	char host[256], port[32];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int rc;

	c->fd = -1;
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	rc = witness_parse_addr(addr, host, sizeof(host), port, sizeof(port), NULL, NULL, err,
				err_size);
	if (rc)
		return rc;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, err_size, "witness %s: %s", addr, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	int64_t deadline = now_ms() + WITNESS_TIMEOUT_MS;
	rc = -EHOSTUNREACH;
	for (ai = res; ai; ai = ai->ai_next) {
		rc = connect_one(ai, deadline, &c->stop_by);
		if (rc >= 0) {
			c->fd = rc;
			rc = 0;
			break;
		}
	}
	freeaddrinfo(res);
	if (rc)
		snprintf(err, err_size,
			 "witness %s: cannot connect: %s (is `pvcbench witness` listening "
			 "there?)",
			 addr, strerror(-rc));
	return rc;
}

void witness_close(struct witness_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static int send_all(int fd, struct iovec *iov, int n, int64_t *stop_by)
{
	int64_t deadline = now_ms() + WITNESS_TIMEOUT_MS;

	while (n > 0) {
		int r = wait_fd(fd, POLLOUT, deadline, stop_by);
		if (r < 0)
			return r;
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t sent = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (sent < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (sent < 0)
			return -errno;
		while (n > 0 && (size_t)sent >= iov->iov_len) {
			sent -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + sent;
			iov->iov_len -= (size_t)sent;
		}
	}
	return 0;
}

int witness_send2(struct witness_conn *c, enum witness_type type, const void *a, size_t alen,
		  const void *b, size_t blen)
{
	uint8_t head[WITNESS_HEAD] = { 0 };
	struct iovec iov[3];
	int n = 0;

	if (c->fd < 0)
		return -ENOTCONN;
	if (alen + blen > WITNESS_MAX_PAYLOAD)
		return -E2BIG;
	ledger_put32(head, (uint32_t)(alen + blen));
	head[4] = WITNESS_VERSION;
	head[5] = (uint8_t)type;
	iov[n++] = (struct iovec){ head, sizeof(head) };
	if (alen)
		iov[n++] = (struct iovec){ (void *)a, alen };
	if (blen)
		iov[n++] = (struct iovec){ (void *)b, blen };
	return send_all(c->fd, iov, n, &c->stop_by);
}

int witness_send(struct witness_conn *c, enum witness_type type, const void *payload, size_t len)
{
	return witness_send2(c, type, payload, len, NULL, 0);
}

static int recv_all(int fd, uint8_t *buf, size_t len, int64_t deadline, int64_t *stop_by)
{
	while (len) {
		int r = wait_fd(fd, POLLIN, deadline, stop_by);
		if (r < 0)
			return r;
		ssize_t got = recv(fd, buf, len, MSG_DONTWAIT);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0)
			return -errno;
		if (got == 0)
			return -ECONNRESET;
		buf += got;
		len -= (size_t)got;
	}
	return 0;
}

int witness_recv(struct witness_conn *c, enum witness_type *type, uint8_t **buf, size_t *cap,
		 size_t *len)
{
	uint8_t head[WITNESS_HEAD];
	int64_t deadline = now_ms() + WITNESS_TIMEOUT_MS;
	int rc;

	if (c->fd < 0)
		return -ENOTCONN;
	rc = recv_all(c->fd, head, sizeof(head), deadline, &c->stop_by);
	if (rc)
		return rc;
	uint32_t n = ledger_get32(head);
	if (head[4] != WITNESS_VERSION || n > WITNESS_MAX_PAYLOAD)
		return -EPROTO;
	if (n + 1 > *cap) {
		uint8_t *p = realloc(*buf, n + 1);
		if (!p)
			return -ENOMEM;
		*buf = p;
		*cap = n + 1;
	}
	rc = recv_all(c->fd, *buf, n, deadline, &c->stop_by);
	if (rc)
		return rc;
	(*buf)[n] = 0; /* an ERROR's text reads as a string */
	*type = (enum witness_type)head[5];
	*len = n;
	return 0;
}

int witness_wait_ok(struct witness_conn *c, char *err, size_t err_size)
{
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0;
	enum witness_type type;
	int rc = witness_recv(c, &type, &buf, &cap, &len);

	if (rc)
		snprintf(err, err_size, "witness %s: no answer: %s", c->addr, strerror(-rc));
	else if (type == WITNESS_ERROR)
		snprintf(err, err_size, "witness %s: %s", c->addr, (char *)buf), rc = -EIO;
	else if (type != WITNESS_OK)
		snprintf(err, err_size, "witness %s: unexpected frame %d", c->addr, (int)type),
			rc = -EPROTO;
	free(buf);
	return rc;
}

int witness_fetch(const char *addr, uint8_t **out, size_t *out_len, char *err, size_t err_size)
{
	char host[256], port[32], hostport[300];
	uint8_t run[LEDGER_RUN_ID_LEN];
	bool has_run;
	struct witness_conn c = { .fd = -1 };
	uint8_t *buf = NULL, *data = NULL;
	size_t cap = 0, len, have = 0;
	int rc;

	*out = NULL;
	*out_len = 0;
	rc = witness_parse_addr(addr, host, sizeof(host), port, sizeof(port), run, &has_run, err,
				err_size);
	if (rc)
		return rc;
	snprintf(hostport, sizeof(hostport), strchr(host, ':') ? "[%s]:%s" : "%s:%s", host, port);
	rc = witness_connect(&c, hostport, err, err_size);
	if (rc)
		return rc;
	rc = witness_send(&c, WITNESS_FETCH, run, has_run ? sizeof(run) : 0);
	for (;;) {
		enum witness_type type;
		if (rc || (rc = witness_recv(&c, &type, &buf, &cap, &len))) {
			snprintf(err, err_size, "witness %s: download: %s", addr, strerror(-rc));
			break;
		}
		if (type == WITNESS_END)
			break;
		if (type == WITNESS_ERROR) {
			snprintf(err, err_size, "witness %s: %s", addr, (char *)buf);
			rc = -ENOENT;
			break;
		}
		if (type != WITNESS_DATA) {
			snprintf(err, err_size, "witness %s: unexpected frame %d", addr, (int)type);
			rc = -EPROTO;
			break;
		}
		uint8_t *p = realloc(data, have + len + 1);
		if (!p) {
			rc = -ENOMEM;
			snprintf(err, err_size, "witness %s: %s", addr, strerror(ENOMEM));
			break;
		}
		data = p;
		memcpy(data + have, buf, len);
		have += len;
	}
	free(buf);
	witness_close(&c);
	if (rc) {
		free(data);
		return rc;
	}
	*out = data ? data : calloc(1, 1);
	*out_len = have;
	return *out ? 0 : -ENOMEM;
}

int witness_listen(const char *addr, char *bound, size_t bound_size, char *err, size_t err_size)
{
	char host[256], port[32];
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *res;
	int rc = witness_parse_addr(addr, host, sizeof(host), port, sizeof(port), NULL, NULL, err,
				    err_size);

	if (rc) {
		snprintf(err, err_size, "--listen %s: must be HOST:PORT (e.g. 0.0.0.0:7390)", addr);
		return rc;
	}
	if ((rc = getaddrinfo(host, port, &hints, &res))) {
		snprintf(err, err_size, "--listen %s: %s", addr, gai_strerror(rc));
		return -EINVAL;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) || listen(fd, 64)) {
		rc = -errno;
		snprintf(err, err_size, "--listen %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return rc;
	}
	freeaddrinfo(res);
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	char h[128], p[16];
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	getnameinfo((struct sockaddr *)&sa, sl, h, sizeof(h), p, sizeof(p),
		    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(bound, bound_size, strchr(h, ':') ? "[%s]:%s" : "%s:%s", h, p);
	return fd;
}
