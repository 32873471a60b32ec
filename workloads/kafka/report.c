/*
 * report.c - what the Kafka commands print besides the per-command lines: dates as the Java
 * tools print them, from a java.text.SimpleDateFormat pattern (--date-format, default
 * yyyy-MM-dd HH:mm:ss:SSS), or from a strftime format with %L for milliseconds (a format with a
 * '%' in it: pvcbench's own, kept for the command lines that used it).
 */
#include "kafka.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

uint64_t kfk_unix_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000ULL + (uint64_t)tv.tv_usec / 1000ULL;
}

static const char *const months[] = { "January",   "February", "March",	   "April",
				      "May",	   "June",     "July",	   "August",
				      "September", "October",  "November", "December" };
static const char *const days[] = { "Sunday",	"Monday", "Tuesday", "Wednesday",
				    "Thursday", "Friday", "Saturday" };

/* The pattern letters SimpleDateFormat knows; any other letter is an error there */
static const char java_letters[] = "GyYMLwWDdFEuaHkKhmsSzZX";

/* Appends the text of one pattern field: letter c repeated n times */
static void java_field(char **o, char *end, char c, int n, const struct tm *tm, unsigned ms)
{
	long v = -1;
	int width = n;
	char text[64] = "";

	switch (c) {
	case 'G':
		snprintf(text, sizeof(text), "AD");
		break;
	case 'y':
	case 'Y':
		v = tm->tm_year + 1900L;
		if (n == 2) {
			v %= 100;
		} else if (n < 4) {
			width = 1;
		}
		break;
	case 'M':
	case 'L':
		if (n >= 3)
			snprintf(text, sizeof(text), "%.*s", n == 3 ? 3 : 16, months[tm->tm_mon]);
		else
			v = tm->tm_mon + 1;
		break;
	case 'D':
		v = tm->tm_yday + 1;
		break;
	case 'd':
		v = tm->tm_mday;
		break;
	case 'E':
		snprintf(text, sizeof(text), "%.*s", n <= 3 ? 3 : 16, days[tm->tm_wday]);
		break;
	case 'u':
		v = tm->tm_wday ? tm->tm_wday : 7;
		break;
	case 'F':
		v = (tm->tm_mday - 1) / 7 + 1;
		break;
	case 'w':
	case 'W': {
		char wk[8];
		strftime(wk, sizeof(wk), c == 'w' ? "%U" : "%W", tm);
		v = strtol(wk, NULL, 10) + (c == 'w');
		break;
	}
	case 'a':
		snprintf(text, sizeof(text), "%s", tm->tm_hour < 12 ? "AM" : "PM");
		break;
	case 'H':
		v = tm->tm_hour;
		break;
	case 'k':
		v = tm->tm_hour ? tm->tm_hour : 24;
		break;
	case 'K':
		v = tm->tm_hour % 12;
		break;
	case 'h':
		v = tm->tm_hour % 12 ? tm->tm_hour % 12 : 12;
		break;
	case 'm':
		v = tm->tm_min;
		break;
	case 's':
		v = tm->tm_sec;
		break;
	case 'S':
		v = (long)ms; /* Java's S is the millisecond count, padded to the width */
		break;
	case 'z':
		strftime(text, sizeof(text), "%Z", tm);
		break;
	case 'Z':
	case 'X': {
		long off = tm->tm_gmtoff / 60;
		char sign = off < 0 ? '-' : '+';
		off = off < 0 ? -off : off;
		if (c == 'X' && !off)
			snprintf(text, sizeof(text), "Z");
		else if (c == 'X' && n == 1)
			snprintf(text, sizeof(text), "%c%02ld", sign, off / 60);
		else if (c == 'X' && n >= 3)
			snprintf(text, sizeof(text), "%c%02ld:%02ld", sign, off / 60, off % 60);
		else
			snprintf(text, sizeof(text), "%c%02ld%02ld", sign, off / 60, off % 60);
		break;
	}
	}
	/* a pattern letter repeated past the buffer is cut there (Java pads it, unbounded) */
	if (v >= 0 && snprintf(text, sizeof(text), "%0*ld", width, v) < 0)
		text[0] = '\0';
	size_t len = strlen(text);
	if (*o + len < end) {
		memcpy(*o, text, len);
		*o += len;
	}
}

int kfk_date_format_check(const char *fmt, char *err, size_t size)
{
	bool quoted = false;

	if (!fmt || !*fmt || strchr(fmt, '%'))
		return 0; /* the default, or a strftime format */
	for (const char *p = fmt; *p; p++) {
		if (*p == '\'') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) &&
		    !strchr(java_letters, *p)) {
			snprintf(err, size,
				 "--date-format %s: illegal pattern character '%c' (a "
				 "java.text.SimpleDateFormat pattern: yyyy MM dd HH mm ss SSS ...)",
				 fmt, *p);
			return -1;
		}
	}
	if (quoted) {
		snprintf(err, size, "--date-format %s: unterminated quote", fmt);
		return -1;
	}
	return 0;
}

/* A strftime format with %L for the milliseconds (pvcbench's earlier --date-format) */
static void strftime_ms(char *buf, size_t size, const char *fmt, const struct tm *tm, unsigned ms)
{
	char f[256], msbuf[8];
	size_t n = 0;

	snprintf(msbuf, sizeof(msbuf), "%03u", ms);
	for (const char *p = fmt; *p && n + 4 < sizeof(f); p++) {
		if (p[0] == '%' && p[1] == 'L') {
			memcpy(f + n, msbuf, 3);
			n += 3;
			p++;
		} else {
			f[n++] = *p;
		}
	}
	f[n] = '\0';
	if (!strftime(buf, size, f, tm))
		buf[0] = '\0';
}

void kfk_format_date(char *buf, size_t size, uint64_t unix_ms, const char *fmt)
{
	time_t secs = (time_t)(unix_ms / 1000);
	unsigned ms = (unsigned)(unix_ms % 1000);
	struct tm tm;
	char *o = buf, *end = buf + size;

	if (!size)
		return;
	localtime_r(&secs, &tm);
	if (!fmt || !*fmt)
		fmt = "yyyy-MM-dd HH:mm:ss:SSS"; /* the Java tools' default */
	if (strchr(fmt, '%')) {
		strftime_ms(buf, size, fmt, &tm, ms);
		return;
	}
	/* a SimpleDateFormat pattern: runs of one letter are fields, 'quoted' text literal */
	for (const char *p = fmt; *p;) {
		if (*p == '\'') {
			if (p[1] == '\'') {
				if (o + 1 < end)
					*o++ = '\'';
				p += 2;
				continue;
			}
			/* quoted text, where '' is a quote */
			for (p++; *p; p++) {
				if (*p == '\'' && p[1] != '\'')
					break;
				if (*p == '\'')
					p++;
				if (o + 1 < end)
					*o++ = *p;
			}
			if (*p)
				p++;
			continue;
		}
		if (strchr(java_letters, *p)) {
			int n = 1;
			while (p[n] == *p)
				n++;
			java_field(&o, end, *p, n, &tm, ms);
			p += n;
			continue;
		}
		if (o + 1 < end)
			*o++ = *p;
		p++;
	}
	*o = '\0';
}
