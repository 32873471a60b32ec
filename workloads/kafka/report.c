/*
 * report.c - what the Kafka commands print besides the per-command lines: dates as the Java
 * tools print them.
 */
#include "kafka.h"

#include <string.h>
#include <sys/time.h>
#include <time.h>

uint64_t kfk_unix_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000ULL + (uint64_t)tv.tv_usec / 1000ULL;
}

void kfk_format_date(char *buf, size_t size, uint64_t unix_ms, const char *fmt)
{
	time_t secs = (time_t)(unix_ms / 1000);
	unsigned ms = (unsigned)(unix_ms % 1000);
	struct tm tm;
	char f[256], msbuf[8];
	size_t n = 0;

	localtime_r(&secs, &tm);
	if (!fmt || !*fmt)
		fmt = "%Y-%m-%d %H:%M:%S:%L"; /* Java's yyyy-MM-dd HH:mm:ss:SSS */
	/* strftime has no milliseconds: %L is ours */
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
	if (!strftime(buf, size, f, &tm) && size)
		buf[0] = '\0';
}
