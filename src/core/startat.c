/*
 * startat.c - --start-at=TIME: parse an RFC 3339 or @UNIXSECONDS time, take the flag out of the
 * command line, and wait on CLOCK_REALTIME until then.
 *
 * The wall clock, not the monotonic one: pods on different nodes agree on wall-clock time (NTP),
 * and an absolute CLOCK_REALTIME sleep follows the clock if NTP steps it while we wait. The
 * parser is strict (no surrounding spaces, every field in range) so that a typo is an error
 * before anything runs, never a silent start at the wrong moment.
 */
#include "pvcbench/startat.h"
#include "pvcbench/signals.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NS_PER_S 1000000000L
/* 9999-12-31T23:59:59Z: the last second RFC 3339's four-digit years can name */
#define STARTAT_MAX_S 253402300799LL

/* Exactly n decimal digits at *p. */
static int fixed_digits(const char **p, unsigned n, unsigned *value)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++) {
		char c = (*p)[i];
		if (c < '0' || c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(c - '0');
	}
	*p += n;
	*value = v;
	return 0;
}

/* ".digits" at *p (if any) as nanoseconds; digits past the ninth are dropped. */
static int fraction(const char **p, long *ns)
{
	long v = 0, scale = NS_PER_S;
	const char *s = *p;

	*ns = 0;
	if (*s != '.')
		return 0;
	s++;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (scale > 1) {
			scale /= 10;
			v += (*s - '0') * scale;
		}
	}
	*p = s;
	*ns = v;
	return 0;
}

static bool leap_year(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (long long)doe - 719468;
}

static int parse_rfc3339(const char *s, struct timespec *when)
{
	static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	unsigned year, month, day, hour, min, sec, off_h = 0, off_m = 0;
	long ns;
	int sign = 0;

	if (fixed_digits(&s, 4, &year) || *s++ != '-' || fixed_digits(&s, 2, &month) ||
	    *s++ != '-' || fixed_digits(&s, 2, &day))
		return -EINVAL;
	/* RFC 3339 allows a lowercase t, and a space "for the sake of readability" */
	if (*s != 'T' && *s != 't' && *s != ' ')
		return -EINVAL;
	s++;
	if (fixed_digits(&s, 2, &hour) || *s++ != ':' || fixed_digits(&s, 2, &min) || *s++ != ':' ||
	    fixed_digits(&s, 2, &sec) || fraction(&s, &ns))
		return -EINVAL;
	if (*s == 'Z' || *s == 'z') {
		s++;
	} else if (*s == '+' || *s == '-') {
		sign = *s++ == '+' ? 1 : -1;
		if (fixed_digits(&s, 2, &off_h) || *s++ != ':' || fixed_digits(&s, 2, &off_m))
			return -EINVAL;
	} else {
		return -EINVAL; /* RFC 3339 has no local times: the offset is required */
	}
	if (*s)
		return -EINVAL;
	if (month < 1 || month > 12 || day < 1 ||
	    day > mdays[month - 1] + (month == 2 && leap_year(year)) || hour > 23 || min > 59 ||
	    sec > 60 || off_h > 23 || off_m > 59)
		return -EINVAL;
	/* a leap second (:60) is the same instant as :00 of the next minute to a POSIX clock */
	long long t = days_from_civil(year, month, day) * 86400 + hour * 3600LL + min * 60LL + sec;
	t -= sign * (off_h * 3600LL + off_m * 60LL);
	when->tv_sec = (time_t)t;
	when->tv_nsec = ns;
	return 0;
}

static int parse_unix(const char *s, struct timespec *when)
{
	long long v = 0;
	long ns;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > STARTAT_MAX_S)
			return -ERANGE;
	}
	if (fraction(&s, &ns) || *s)
		return -EINVAL;
	when->tv_sec = (time_t)v;
	when->tv_nsec = ns;
	return 0;
}

int startat_parse(const char *text, struct timespec *when)
{
	if (!text)
		return -EINVAL;
	if (text[0] == '@')
		return parse_unix(text + 1, when);
	return parse_rfc3339(text, when);
}

char *startat_format(char *buf, size_t size, const struct timespec *when)
{
	struct tm tm;
	time_t t = when->tv_sec;
	size_t n;

	if (!gmtime_r(&t, &tm) || !(n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm))) {
		snprintf(buf, size, "@%lld", (long long)when->tv_sec);
		return buf;
	}
	if (when->tv_nsec) {
		char frac[16];
		int len = snprintf(frac, sizeof(frac), ".%09ld", when->tv_nsec);
		while (len > 2 && frac[len - 1] == '0')
			frac[--len] = '\0';
		snprintf(buf + n, size - n, "%sZ", frac);
	} else {
		snprintf(buf + n, size - n, "Z");
	}
	return buf;
}

static int bad_time(const char *origin, const char *text, int ret, char *err, size_t err_size)
{
	snprintf(err, err_size, "%s=%s: %s; use " STARTAT_FORMS, origin, text,
		 ret == -ERANGE ? "out of range" : "not a time");
	return -EINVAL;
}

int startat_take(int *argc, char **argv, struct timespec *when, bool *set, char *err,
		 size_t err_size)
{
	const size_t flag_len = strlen(STARTAT_FLAG);
	const char *text = NULL, *origin = STARTAT_FLAG;
	bool ended = false;
	int out = 1, ret;

	*set = false;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];

		if (!ended && !strcmp(a, "--"))
			ended = true;
		if (ended || strncmp(a, STARTAT_FLAG, flag_len) ||
		    (a[flag_len] != '=' && a[flag_len] != '\0')) {
			argv[out++] = argv[i];
			continue;
		}
		if (a[flag_len] == '=') {
			text = a + flag_len + 1;
		} else if (i + 1 < *argc) {
			text = argv[++i];
		} else {
			snprintf(err, err_size, "%s needs a TIME: " STARTAT_FORMS, STARTAT_FLAG);
			return -EINVAL;
		}
	}
	argv[out] = NULL;
	*argc = out;
	if (!text) {
		text = getenv(STARTAT_ENV);
		origin = STARTAT_ENV;
		if (!text || !*text)
			return 0;
	}
	ret = startat_parse(text, when);
	if (ret)
		return bad_time(origin, text, ret, err, err_size);
	*set = true;
	return 0;
}

static double seconds_between(const struct timespec *later, const struct timespec *earlier)
{
	return (double)(later->tv_sec - earlier->tv_sec) +
	       (double)(later->tv_nsec - earlier->tv_nsec) / 1e9;
}

int startat_wait(const struct timespec *when, FILE *notes)
{
	struct timespec now, step;
	char at[64];
	double ahead;

	clock_gettime(CLOCK_REALTIME, &now);
	ahead = seconds_between(when, &now);
	startat_format(at, sizeof(at), when);
	if (ahead <= 0) {
		fprintf(notes, "pvcbench: start time %s passed %.1f s ago: starting now\n", at,
			-ahead);
		fflush(notes);
		return 0;
	}
	fprintf(notes, "pvcbench: waiting until %s (in %.1f s) to start\n", at, ahead);
	fflush(notes);
	while (!signals_stop_requested()) {
		/*
		 * A signal that lands between the flag check and the sleep would not cut the sleep
		 * short, so sleep in absolute slices of at most 100 ms: a stop is seen within that,
		 * and the last slice still ends exactly at when.
		 */
		clock_gettime(CLOCK_REALTIME, &now);
		step = now;
		step.tv_nsec += NS_PER_S / 10;
		if (step.tv_nsec >= NS_PER_S) {
			step.tv_sec++;
			step.tv_nsec -= NS_PER_S;
		}
		bool last = seconds_between(when, &step) <= 0;
		if (last)
			step = *when;
		int ret = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &step, NULL);
		if (ret && ret != EINTR)
			return -ret;
		if (!ret && last)
			return 0;
	}
	return -EINTR;
}

static struct timespec deferred;
static bool deferred_set;

void startat_defer(const struct timespec *when)
{
	deferred = *when;
	deferred_set = true;
}

int startat_wait_deferred(FILE *notes)
{
	if (!deferred_set)
		return 0;
	deferred_set = false;
	return startat_wait(&deferred, notes);
}
