/*
 * push.c - --metrics-push=URL: a thread that PUTs the exposition to a Prometheus Pushgateway
 * every --metrics-push-interval, and a final PUT when the command ends (metrics_stop).
 *
 * The Pushgateway forces its grouping key's job label onto every series of a group, so the
 * series of each pvcbench job go in a group of their own, job=<the job's name>, and keep the
 * same labels as when scraped; the series without a job label (build info, start time, phase)
 * go in the group job="pvcbench". Every group has instance=<pod, else hostname>. Path segments
 * are written in the Pushgateway's base64url form ("job@base64/..."), so any name is safe.
 *
 * A failed push never fails the command: one warning line per distinct failure. Timeouts are
 * bounded (2 s to connect, 5 s in all; 2 s in all once a stop was requested), and a push under
 * way during the run is abandoned when a stop is requested, so SIGTERM is honoured at once.
 */
#define _GNU_SOURCE
#include "metrics_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pvcbench/clock.h"
#include "pvcbench/signals.h"

#ifdef PVC_HAVE_CURL
#include <curl/curl.h>

#define PUSH_JOB "pvcbench"

static struct pusher {
	pthread_t thread;
	bool running;
	pthread_mutex_t lock; /* stop: the pusher and metrics_stop */
	pthread_cond_t wake;
	bool stop;
	char url[1024];
	char instance[256];
	uint64_t interval_ns;
	char last_error[512]; /* the last failure warned about; "" after a success */
	CURL *curl;
} push = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

/* text in base64url (RFC 4648 section 5, with padding): "=" for "" as the Pushgateway wants. */
static void base64url(const char *text, char *out, size_t size)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *s = (const unsigned char *)text;
	size_t n = strlen(text), o = 0;

	if (!n) {
		snprintf(out, size, "=");
		return;
	}
	for (size_t i = 0; i < n && o + 5 < size; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		out[o++] = tab[(v >> 18) & 63];
		out[o++] = tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	/* a periodic push gives way to a stop; the final one (arg set) runs to its timeout */
	return !arg && signals_stop_requested();
}

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	char *first = arg;
	size_t len = strlen(first), add = size * n;

	/* the first line of the answer, for the warning */
	if (len < 200) {
		size_t take = add < 200 - len ? add : 200 - len;
		memcpy(first + len, data, take);
		first[len + take] = '\0';
	}
	return size * n;
}

static void warn_once(const char *msg)
{
	if (!strcmp(msg, push.last_error))
		return;
	snprintf(push.last_error, sizeof(push.last_error), "%s", msg);
	fprintf(stderr, "pvcbench: warning: metrics push to %s: %s\n", push.url, msg);
	fflush(stderr);
}

/* One group's PUT. Returns 0, or -EIO after warning. */
static int put_group(const char *job, const char *render_group, bool process, bool final)
{
	char url[2304], job64[700], inst64[400], answer[256] = "", msg[512];
	struct curl_slist *headers = NULL;
	long code = 0;
	size_t len;
	char *body = metrics_render_group(render_group, process, &len);
	CURLcode rc;

	if (!body)
		return -ENOMEM;
	base64url(job, job64, sizeof(job64));
	base64url(push.instance, inst64, sizeof(inst64));
	snprintf(url, sizeof(url), "%s/metrics/job@base64/%s/instance@base64/%s", push.url, job64,
		 inst64);
	curl_easy_reset(push.curl);
	headers = curl_slist_append(headers, "Content-Type: text/plain; version=0.0.4");
	curl_easy_setopt(push.curl, CURLOPT_URL, url);
	curl_easy_setopt(push.curl, CURLOPT_CUSTOMREQUEST, "PUT");
	curl_easy_setopt(push.curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(push.curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(push.curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(push.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(push.curl, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(push.curl, CURLOPT_TIMEOUT_MS, signals_stop_requested() ? 2000L : 5000L);
	curl_easy_setopt(push.curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(push.curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(push.curl, CURLOPT_XFERINFODATA, final ? (void *)&push : NULL);
	curl_easy_setopt(push.curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(push.curl, CURLOPT_WRITEDATA, answer);
	rc = curl_easy_perform(push.curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(push.curl, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(headers);
	free(body);
	if (rc == CURLE_ABORTED_BY_CALLBACK)
		return -EINTR;
	if (rc != CURLE_OK) {
		snprintf(msg, sizeof(msg), "%s", curl_easy_strerror(rc));
		warn_once(msg);
		return -EIO;
	}
	if (code < 200 || code > 299) {
		answer[strcspn(answer, "\n")] = '\0';
		snprintf(msg, sizeof(msg), "HTTP %ld: %s", code, answer);
		warn_once(msg);
		return -EIO;
	}
	return 0;
}

/* Every group once: the process's series, then each job's. */
static void push_all(bool final)
{
	unsigned n;
	char **jobs = metrics_job_names(&n);
	bool joined = false, ok = true;

	for (unsigned i = 0; i < n; i++) {
		/* a job named like the process's group takes the process's series with it */
		bool same = !strcmp(jobs[i], PUSH_JOB);
		joined |= same;
		if (!signals_stop_requested() || final)
			ok &= !put_group(jobs[i], jobs[i], same, final);
	}
	if (!joined && (!signals_stop_requested() || final))
		ok &= !put_group(PUSH_JOB, "", true, final);
	for (unsigned i = 0; i < n; i++)
		free(jobs[i]);
	free(jobs);
	if (ok)
		push.last_error[0] = '\0';
}

static void *pusher(void *arg)
{
	pthread_mutex_lock(&push.lock);
	while (!push.stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t t = (uint64_t)ts.tv_nsec + push.interval_ns;
		ts.tv_sec += (time_t)(t / 1000000000ull);
		ts.tv_nsec = (long)(t % 1000000000ull);
		if (pthread_cond_timedwait(&push.wake, &push.lock, &ts) != ETIMEDOUT || push.stop)
			continue;
		pthread_mutex_unlock(&push.lock);
		push_all(false);
		pthread_mutex_lock(&push.lock);
	}
	pthread_mutex_unlock(&push.lock);
	return NULL;
}

int metrics_push_start(const char *url, uint64_t interval_ns, char *err, size_t err_size)
{
	const char *name;
	const char *pod = metrics_const_label(0, &name);
	int ret;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(push.curl = curl_easy_init())) {
		snprintf(err, err_size, "%s=%s: libcurl could not start", METRICS_PUSH_FLAG, url);
		return -EIO;
	}
	snprintf(push.url, sizeof(push.url), "%s", url);
	if (pod)
		snprintf(push.instance, sizeof(push.instance), "%s", pod);
	else if (gethostname(push.instance, sizeof(push.instance) - 1))
		snprintf(push.instance, sizeof(push.instance), "unknown");
	push.interval_ns = interval_ns;
	push.stop = false;
	push.last_error[0] = '\0';
	ret = pthread_create(&push.thread, NULL, pusher, NULL);
	if (ret) {
		curl_easy_cleanup(push.curl);
		push.curl = NULL;
		snprintf(err, err_size, "%s: cannot start the pusher: %s", METRICS_PUSH_FLAG,
			 strerror(ret));
		return -ret;
	}
	push.running = true;
	return 0;
}

void metrics_push_stop(void)
{
	if (!push.running)
		return;
	pthread_mutex_lock(&push.lock);
	push.stop = true;
	pthread_cond_broadcast(&push.wake);
	pthread_mutex_unlock(&push.lock);
	pthread_join(push.thread, NULL);
	push.running = false;
	push_all(true);
	curl_easy_cleanup(push.curl);
	push.curl = NULL;
	curl_global_cleanup();
}

#else

int metrics_push_start(const char *url, uint64_t interval_ns, char *err, size_t err_size)
{
	snprintf(err, err_size, "%s=%s: this pvcbench was built without libcurl", METRICS_PUSH_FLAG,
		 url);
	return -ENOTSUP;
}

void metrics_push_stop(void)
{
}

#endif
