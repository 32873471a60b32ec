/*
 * config.c - metrics_take: the four --metrics-* flags (and their PVCBENCH_METRICS_* variables)
 * taken out of a command line in every option style, as --start-at is, and checked before
 * anything runs.
 *
 * Only the syntax is checked here (an address literal and a port, a duration, an http(s) URL);
 * whether the port can be bound is metrics_start's to say. A flag this build cannot serve
 * (no libmicrohttpd, no libcurl) is refused here, so it is a usage error, never ignored.
 */
#include "metrics_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define LISTEN_FORMS "use e.g. 127.0.0.1:9100, :9100 or [::1]:9100"
#define DURATION_FORMS "use e.g. 30s, 500ms or 2m (0 for none)"

int metrics_parse_duration(const char *text, uint64_t *ns)
{
	unsigned long long whole = 0, frac = 0, scale = 1, unit;
	const char *s = text;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		whole = whole * 10 + (unsigned long long)(*s - '0');
		if (whole > 1000000000ull)
			return -ERANGE;
	}
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -EINVAL;
		for (; *s >= '0' && *s <= '9'; s++) {
			if (scale < 1000000000ull) {
				frac = frac * 10 + (unsigned long long)(*s - '0');
				scale *= 10;
			}
		}
	}
	if (!strcmp(s, "") || !strcmp(s, "s"))
		unit = 1000000000ull;
	else if (!strcmp(s, "ms"))
		unit = 1000000ull;
	else if (!strcmp(s, "m"))
		unit = 60000000000ull;
	else
		return -EINVAL;
	*ns = whole * unit + frac * unit / scale;
	return 0;
}

/* "ADDR:PORT" with ADDR an IPv4 literal, "[IPv6]" or empty (every address). */
static bool listen_ok(const char *text)
{
	char addr[256], buf[sizeof(struct in6_addr)];
	const char *colon = strrchr(text, ':');
	char *end;

	if (!colon || colon - text >= (long)sizeof(addr))
		return false;
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port > 65535 || colon[1] == '-' || colon[1] == '+')
		return false;
	memcpy(addr, text, (size_t)(colon - text));
	addr[colon - text] = '\0';
	if (!addr[0])
		return true;
	if (addr[0] == '[') {
		size_t n = strlen(addr);
		if (n < 3 || addr[n - 1] != ']')
			return false;
		addr[n - 1] = '\0';
		return inet_pton(AF_INET6, addr + 1, buf) == 1;
	}
	return inet_pton(AF_INET, addr, buf) == 1;
}

static bool url_ok(const char *text)
{
	const char *host;

	if (!strncmp(text, "http://", 7))
		host = text + 7;
	else if (!strncmp(text, "https://", 8))
		host = text + 8;
	else
		return false;
	return *host && *host != '/' && !strpbrk(text, " \t\n\"");
}

struct metrics_flag {
	const char *flag, *env;
	const char *text, *origin;
};

/* Takes flag's values out of argv (the last wins); returns -EINVAL when one has no value. */
static int take_flag(int *argc, char **argv, struct metrics_flag *mf, char *err, size_t err_size)
{
	const size_t len = strlen(mf->flag);
	bool ended = false;
	int out = 1;

	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!ended && !strcmp(a, "--"))
			ended = true;
		if (ended || strncmp(a, mf->flag, len) || (a[len] != '=' && a[len] != '\0')) {
			argv[out++] = argv[i];
			continue;
		}
		if (a[len] == '=') {
			mf->text = a + len + 1;
		} else if (i + 1 < *argc) {
			mf->text = argv[++i];
		} else {
			snprintf(err, err_size, "%s needs a value", mf->flag);
			return -EINVAL;
		}
		mf->origin = mf->flag;
	}
	argv[out] = NULL;
	*argc = out;
	if (!mf->text) {
		const char *v = getenv(mf->env);
		if (v && v[0]) {
			mf->text = v;
			mf->origin = mf->env;
		}
	}
	return 0;
}

static int bad(char *err, size_t err_size, const struct metrics_flag *mf, const char *why)
{
	snprintf(err, err_size, "%s=%s: %s", mf->origin, mf->text, why);
	return -EINVAL;
}

int metrics_take(int *argc, char **argv, struct metrics_config *cfg, char *err, size_t err_size)
{
	struct metrics_flag f[] = {
		{ METRICS_LISTEN_FLAG, METRICS_LISTEN_ENV, NULL, NULL },
		{ METRICS_LINGER_FLAG, METRICS_LINGER_ENV, NULL, NULL },
		{ METRICS_PUSH_FLAG, METRICS_PUSH_ENV, NULL, NULL },
		{ METRICS_PUSH_INTERVAL_FLAG, METRICS_PUSH_INTERVAL_ENV, NULL, NULL },
	};
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->linger_ns = METRICS_DEFAULT_LINGER_NS;
	cfg->push_interval_ns = METRICS_DEFAULT_PUSH_INTERVAL_NS;
	for (unsigned i = 0; i < 4; i++) {
		ret = take_flag(argc, argv, &f[i], err, err_size);
		if (ret)
			return ret;
	}
	if (f[0].text) {
		if (strlen(f[0].text) >= sizeof(cfg->listen) || !listen_ok(f[0].text))
			return bad(err, err_size, &f[0], "not ADDR:PORT; " LISTEN_FORMS);
#ifndef PVC_HAVE_MICROHTTPD
		return bad(err, err_size, &f[0],
			   "this pvcbench was built without libmicrohttpd (Debian: "
			   "libmicrohttpd-dev): no metrics endpoint");
#endif
		snprintf(cfg->listen, sizeof(cfg->listen), "%s", f[0].text);
	}
	if (f[1].text && metrics_parse_duration(f[1].text, &cfg->linger_ns))
		return bad(err, err_size, &f[1], "not a duration; " DURATION_FORMS);
	if (f[2].text) {
		if (strlen(f[2].text) >= sizeof(cfg->push_url) || !url_ok(f[2].text))
			return bad(err, err_size, &f[2],
				   "not an http:// or https:// URL; use e.g. "
				   "http://pushgateway:9091");
#ifndef PVC_HAVE_CURL
		return bad(err, err_size, &f[2],
			   "this pvcbench was built without libcurl (Debian: "
			   "libcurl4-openssl-dev): no push");
#endif
		snprintf(cfg->push_url, sizeof(cfg->push_url), "%s", f[2].text);
		size_t n = strlen(cfg->push_url);
		while (n && cfg->push_url[n - 1] == '/')
			cfg->push_url[--n] = '\0';
	}
	if (f[3].text && (metrics_parse_duration(f[3].text, &cfg->push_interval_ns) ||
			  cfg->push_interval_ns < 100000000ull))
		return bad(err, err_size, &f[3], "not a duration of 100ms or more; use e.g. 5s");
	return 0;
}
