/*
 * server.c - the /metrics endpoint (--metrics-listen): libmicrohttpd with its internal polling
 * thread on a socket we bind ourselves, so that a port in use is an error with its reason
 * before anything runs, and port 0 gives the port the kernel chose.
 *
 * GET (or HEAD) /metrics renders the registry under its mutex and answers in text format 0.0.4;
 * other paths 404, other methods 405. The linger: once the final values are in (phase done),
 * metrics_server_stop keeps answering until a /metrics request that began after that moment
 * was answered completely, the linger time passed, or a stop was requested (signals.h).
 * Without libmicrohttpd the flag is refused by metrics_take, and these are stubs.
 */
#define _GNU_SOURCE
#include "metrics_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/clock.h"
#include "pvcbench/signals.h"

#ifdef PVC_HAVE_MICROHTTPD
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

static struct server {
	struct MHD_Daemon *daemon;
	unsigned port;
	char url[300];
	pthread_mutex_t lock; /* final, final_answered: the HTTP thread and metrics_stop */
	pthread_cond_t answered;
	bool final;
	uint64_t final_answered;
} srv = { .lock = PTHREAD_MUTEX_INITIALIZER, .answered = PTHREAD_COND_INITIALIZER };

/* The request's mark in con_cls: it began after the final values were in. */
static char final_mark;

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			       bool owned)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		len, body, owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == MHD_HTTP_OK ? CONTENT_TYPE : "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	static char not_found[] = "not found: pvcbench serves /metrics\n";
	static char not_allowed[] = "method not allowed: use GET\n";
	size_t len;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed, sizeof(not_allowed) - 1,
			       false);
	if (strcmp(url, "/metrics"))
		return respond(c, MHD_HTTP_NOT_FOUND, not_found, sizeof(not_found) - 1, false);
	pthread_mutex_lock(&srv.lock);
	if (srv.final)
		*con_cls = &final_mark;
	pthread_mutex_unlock(&srv.lock);
	char *body = metrics_render(&len);
	if (!body)
		return MHD_NO;
	return respond(c, MHD_HTTP_OK, body, len, true);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	if (*con_cls != &final_mark || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		return;
	pthread_mutex_lock(&srv.lock);
	srv.final_answered++;
	pthread_cond_broadcast(&srv.answered);
	pthread_mutex_unlock(&srv.lock);
}

/* Binds and listens on text ("ADDR:PORT", "[V6]:PORT", ":PORT"), checked by metrics_take. */
static int bind_listen(const char *text, int *fd_out, char *err, size_t err_size)
{
	const char *colon = strrchr(text, ':');
	unsigned port = (unsigned)strtoul(colon + 1, NULL, 10);
	struct sockaddr_storage ss;
	socklen_t sl;
	char addr[256];
	int fd, one = 1, zero = 0;

	memset(&ss, 0, sizeof(ss));
	snprintf(addr, sizeof(addr), "%.*s", (int)(colon - text), text);
	if (addr[0] == '[' || !addr[0]) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		if (addr[0]) {
			addr[strlen(addr) - 1] = '\0';
			inet_pton(AF_INET6, addr + 1, &s6->sin6_addr);
		} else {
			s6->sin6_addr = in6addr_any;
		}
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && !addr[0] && errno == EAFNOSUPPORT) {
		/* every address on a host without IPv6: IPv4's */
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		memset(&ss, 0, sizeof(ss));
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
		sl = sizeof(*s4);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6 && !addr[0])
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 64))
		goto fail;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		goto fail;
	srv.port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						  : ((struct sockaddr_in *)&ss)->sin_port);
	/* the address as given ("[::1]", "127.0.0.1"), or every address's */
	snprintf(srv.url, sizeof(srv.url), "http://%.*s:%u/metrics",
		 addr[0] ? (int)(colon - text) : 7, addr[0] ? text : "0.0.0.0", srv.port);
	*fd_out = fd;
	return 0;
fail : {
	int e = errno;
	if (fd >= 0)
		close(fd);
	snprintf(err, err_size, "%s=%s: cannot listen there: %s", METRICS_LISTEN_FLAG, text,
		 strerror(e));
	return -e;
}
}

int metrics_server_start(const char *listen_text, char *err, size_t err_size)
{
	int fd, ret;

	ret = bind_listen(listen_text, &fd, err, err_size);
	if (ret)
		return ret;
	srv.final = false;
	srv.final_answered = 0;
	srv.daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request,
				      NULL, MHD_OPTION_LISTEN_SOCKET, fd,
				      MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				      MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!srv.daemon) {
		close(fd);
		srv.port = 0;
		snprintf(err, err_size, "%s=%s: libmicrohttpd could not start", METRICS_LISTEN_FLAG,
			 listen_text);
		return -EIO;
	}
	fprintf(stderr, "pvcbench: metrics on %s\n", srv.url);
	fflush(stderr);
	return 0;
}

unsigned metrics_server_port(void)
{
	return srv.daemon ? srv.port : 0;
}

void metrics_server_final(void)
{
	pthread_mutex_lock(&srv.lock);
	srv.final = true;
	pthread_mutex_unlock(&srv.lock);
}

void metrics_server_stop(uint64_t linger_ns)
{
	if (!srv.daemon)
		return;
	metrics_server_final();
	pthread_mutex_lock(&srv.lock);
	if (linger_ns && !srv.final_answered && !signals_stop_requested()) {
		fprintf(stderr,
			"pvcbench: metrics: the final values stay on %s until scraped, at most "
			"%.1f s\n",
			srv.url, (double)linger_ns / 1e9);
		fflush(stderr);
	}
	uint64_t end = clock_now_ns() + linger_ns;
	/* in slices of 100 ms: a signal does not wake a condition variable */
	while (linger_ns && !srv.final_answered && !signals_stop_requested()) {
		uint64_t now = clock_now_ns();
		if (now >= end)
			break;
		uint64_t step = end - now < 100000000ull ? end - now : 100000000ull;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t t = (uint64_t)ts.tv_nsec + step;
		ts.tv_sec += (time_t)(t / 1000000000ull);
		ts.tv_nsec = (long)(t % 1000000000ull);
		pthread_cond_timedwait(&srv.answered, &srv.lock, &ts);
	}
	pthread_mutex_unlock(&srv.lock);
	MHD_stop_daemon(srv.daemon);
	srv.daemon = NULL;
	srv.port = 0;
}

#else

int metrics_server_start(const char *listen_text, char *err, size_t err_size)
{
	snprintf(err, err_size, "%s=%s: this pvcbench was built without libmicrohttpd",
		 METRICS_LISTEN_FLAG, listen_text);
	return -ENOTSUP;
}

unsigned metrics_server_port(void)
{
	return 0;
}

void metrics_server_final(void)
{
}

void metrics_server_stop(uint64_t linger_ns)
{
}

#endif
