/*
 * fmt.h - numbers formatted the way fio prints them, so that the seed's summaries and anything
 * that greps fio's output read pvcbench the same way.
 */
#ifndef PVCBENCH_FMT_H
#define PVCBENCH_FMT_H

#include <stddef.h>
#include <stdint.h>

enum fmt_base {
	FMT_SI,	 /* divide by 1000: k, M, G, T, P */
	FMT_IEC, /* divide by 1024: Ki, Mi, Gi, Ti, Pi */
};

/*
 * fio's num2str: at most maxlen significant digits (fio uses 4), a prefix of the base, and unit
 * appended ("" for IOPS, "B" or "B/s" for bytes). 55612 -> "55.6k", 9529 -> "9529",
 * 924844032 IEC "B/s" -> "882MiB/s". Returns buf.
 */
char *fmt_fio_num(char *buf, size_t size, uint64_t num, unsigned maxlen, enum fmt_base base,
		  const char *unit);

/* A run time in whole milliseconds as fio counts it: microseconds rounded up. */
static inline uint64_t fmt_fio_msec(uint64_t ns)
{
	return (ns / 1000 + 999) / 1000;
}

/* IOPS the way fio derives it: 1000 * ios / runtime_ms, as fio_num SI ("55.6k"). */
char *fmt_fio_iops(char *buf, size_t size, uint64_t ios, uint64_t runtime_ms);
/* Bandwidth 1000 * bytes / runtime_ms in IEC ("882MiB/s"); si selects SI ("925MB/s"). */
char *fmt_fio_bw(char *buf, size_t size, uint64_t bytes, uint64_t runtime_ms, int si);

/* A size for humans in IEC units with up to 4 significant digits: 3259MiB, 64.0KiB, 512B. */
char *fmt_size(char *buf, size_t size, uint64_t bytes);

#endif
