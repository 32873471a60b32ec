/*
 * fmt.c - numbers printed the way fio 3.x prints them (its num2str), so that IOPS=, BW= and io
 * sizes read character for character as fio's, quirks included: 99960 is "100.0k" because the
 * carry out of the decimals is added after the digits were counted, and 99950 is "99.9k" because
 * the double nearest 0.95 is a little under it. Only the remainder of the last division is kept.
 */
#include <stdbool.h>
#include <stdio.h>

#include "pvcbench/fmt.h"

static const char *const fmt_si_prefix[] = { "", "k", "M", "G", "T", "P" };
static const char *const fmt_iec_prefix[] = { "", "Ki", "Mi", "Gi", "Ti", "Pi" };
#define FMT_PREFIXES (sizeof(fmt_si_prefix) / sizeof(fmt_si_prefix[0]))

static unsigned fmt_digits(uint64_t num)
{
	unsigned digits = 1;

	while (num >= 10) {
		num /= 10;
		digits++;
	}
	return digits;
}

char *fmt_fio_num(char *buf, size_t size, uint64_t num, unsigned maxlen, enum fmt_base base,
		  const char *unit)
{
	const char *const *prefix = base == FMT_IEC ? fmt_iec_prefix : fmt_si_prefix;
	const unsigned thousand = base == FMT_IEC ? 1024 : 1000;
	unsigned index = 0, modulo = 0, decimals;
	bool divided = false;
	char fraction[32];

	if (!unit)
		unit = "";
	if (size == 0)
		return buf;

	/*
	 * fio divides once more past "P" and then drops the prefix or reads past its table, for
	 * numbers of 10^19 and more; staying at "P" ("18447P") is the one deliberate difference.
	 */
	while (index < FMT_PREFIXES - 1 && fmt_digits(num) > maxlen) {
		modulo = (unsigned)(num % thousand);
		num /= thousand;
		divided = true;
		index++;
	}

	if (!divided) {
		snprintf(buf, size, "%llu%s%s", (unsigned long long)num, prefix[index], unit);
		return buf;
	}

	if ((int)maxlen - (int)fmt_digits(num) <= 1) {
		if (modulo >= thousand / 2)
			num++;
		snprintf(buf, size, "%llu%s%s", (unsigned long long)num, prefix[index], unit);
		return buf;
	}

	/* The fraction is printed on its own, as fio does; "1.0" carries into the integer part. */
	decimals = maxlen - fmt_digits(num) - 1;
	snprintf(fraction, sizeof(fraction), "%.*f", (int)decimals,
		 (double)modulo / (double)thousand);
	if (fraction[0] == '1')
		num++;
	snprintf(buf, size, "%llu.%s%s%s", (unsigned long long)num, fraction + 2, prefix[index],
		 unit);
	return buf;
}

/* fio computes rates as 1000 * n / runtime_ms in 64 bits; 128 bits gives the same quotient
 * wherever fio's does not overflow. */
static uint64_t fmt_per_second(uint64_t n, uint64_t runtime_ms)
{
	unsigned __int128 rate;

	if (runtime_ms == 0)
		return 0;
	rate = (unsigned __int128)n * 1000 / runtime_ms;
	return rate > UINT64_MAX ? UINT64_MAX : (uint64_t)rate;
}

char *fmt_fio_iops(char *buf, size_t size, uint64_t ios, uint64_t runtime_ms)
{
	return fmt_fio_num(buf, size, fmt_per_second(ios, runtime_ms), 4, FMT_SI, "");
}

char *fmt_fio_bw(char *buf, size_t size, uint64_t bytes, uint64_t runtime_ms, int si)
{
	return fmt_fio_num(buf, size, fmt_per_second(bytes, runtime_ms), 4, si ? FMT_SI : FMT_IEC,
			   "B/s");
}

char *fmt_size(char *buf, size_t size, uint64_t bytes)
{
	return fmt_fio_num(buf, size, bytes, 4, FMT_IEC, "B");
}
