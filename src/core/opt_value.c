/*
 * opt_value.c - one value of the option table: text to a field (opt_parse_value) and a field
 * back to text (opt_format_value), with the parsers of each type.
 *
 * Sizes follow fio's default kb_base=1024: k, K, KiB and KB all mean 1024. Times take ns, us,
 * ms, s, m, h and d; a bare number is in the row's unit (seconds for fio's runtime). Rates take
 * k, m and g as thousands, as the Java tools' and pgbench's users write them. Every failure is a
 * one-line message naming the option and the value, and what is allowed. Formatting is the
 * inverse: the text of a value parses back to the same value (the config echo relies on it).
 */
#define _GNU_SOURCE
#include "opt_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int opt_parse_int(const char *text, int64_t *value)
{
	char *end;

	if (!text || !*text)
		return -EINVAL;
	errno = 0;
	long long v = strtoll(text, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*value = v;
	return 0;
}

int opt_parse_bool(const char *text, bool *value)
{
	static const char *const yes[] = { "1", "yes", "true", "on", "y", NULL };
	static const char *const no[] = { "0", "no", "false", "off", "n", NULL };

	if (!text) {
		*value = true;
		return 0;
	}
	for (unsigned i = 0; yes[i]; i++) {
		if (!strcasecmp(text, yes[i])) {
			*value = true;
			return 0;
		}
	}
	for (unsigned i = 0; no[i]; i++) {
		if (!strcasecmp(text, no[i])) {
			*value = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Parses the leading unsigned decimal (with an optional fraction) of text; rest is the suffix. */
static int parse_number(const char *text, const char **rest, long double *value)
{
	const char *p = text;

	if (*p == '-' || *p == '+')
		return -EINVAL; /* negative sizes and times are errors, not wrap-arounds */
	/* plain decimals only: strtold would also take hex, exponents, inf and nan */
	size_t digits = strspn(p, "0123456789.");
	if (!digits || memchr(p, '.', digits) != memrchr(p, '.', digits) ||
	    (p[digits] && strchr("xXeEpP", p[digits]) && isdigit((unsigned char)p[digits + 1])))
		return -EINVAL;
	char *end;
	errno = 0;
	*value = strtold(p, &end);
	if (end == p || errno == ERANGE)
		return errno == ERANGE ? -ERANGE : -EINVAL;
	*rest = end;
	return 0;
}

/*
 * The leading signed decimal of text, with an optional exponent (the config echo writes 1e+20),
 * into value; rest is what follows. No hex, inf, nan or leading blanks, which strtod takes.
 */
static int parse_decimal(const char *text, const char **rest, double *value)
{
	const char *p = text;
	char *end;

	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return -EINVAL;
	errno = 0;
	*value = strtod(text, &end);
	if (errno == ERANGE && fabs(*value) > 1.0)
		return -ERANGE;
	if (end == text || !isfinite(*value))
		return -EINVAL;
	*rest = end;
	return 0;
}

int opt_parse_double(const char *text, double *value)
{
	const char *rest;
	double v;
	int ret;

	if (!text)
		return -EINVAL;
	ret = parse_decimal(text, &rest, &v);
	if (ret)
		return ret;
	if (*rest)
		return -EINVAL;
	*value = v;
	return 0;
}

/* A rate: a decimal with an optional k, m or g (thousands, millions, billions). */
static int parse_rate(const char *text, double *value)
{
	const char *rest;
	double v;
	int ret = parse_decimal(text, &rest, &v);

	if (ret)
		return ret;
	if (*rest) {
		static const char suffixes[] = "kmg";
		const char *s = rest[1] ? NULL : strchr(suffixes, tolower((unsigned char)*rest));
		if (!s || !*rest)
			return -EINVAL;
		for (long i = 0; i <= s - suffixes; i++)
			v *= 1000.0;
		if (!isfinite(v))
			return -ERANGE;
	}
	*value = v;
	return 0;
}

/* What k, m, g... mean in sizes (fio's kb_base; 0: pvcbench's, all 1024): opt_size_kb_base. */
static unsigned size_kb_base;

unsigned opt_size_kb_base(unsigned kb_base)
{
	unsigned old = size_kb_base;

	size_kb_base = kb_base == 1000 || kb_base == 1024 ? kb_base : 0;
	return old;
}

int opt_parse_size(const char *text, uint64_t *bytes)
{
	/* the power of the unit; iec: the suffix has an i (KiB), whose base is the other one */
	static const struct {
		const char *suffix;
		unsigned power;
		bool iec;
	} units[] = {
		{ "", 0, false },   { "b", 0, false },	{ "k", 1, false },  { "kb", 1, false },
		{ "kib", 1, true }, { "m", 2, false },	{ "mb", 2, false }, { "mib", 2, true },
		{ "g", 3, false },  { "gb", 3, false }, { "gib", 3, true }, { "t", 4, false },
		{ "tb", 4, false }, { "tib", 4, true }, { "p", 5, false },  { "pb", 5, false },
		{ "pib", 5, true },
	};
	long double v;
	const char *rest;
	int ret;

	if (!text)
		return -EINVAL;
	ret = parse_number(text, &rest, &v);
	if (ret)
		return ret;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcasecmp(rest, units[i].suffix))
			continue;
		/*
		 * fio's rule: with kb_base=1024 (its default) k is 1024 and the IEC KiB is 1000 (its
		 * "compatibility mode"); with kb_base=1000, k is 1000 and KiB is 1024.
		 */
		unsigned base = size_kb_base ? size_kb_base : 1024;
		if (units[i].iec && size_kb_base)
			base = base == 1024 ? 1000 : 1024;
		long double scaled = v;
		for (unsigned p = 0; p < units[i].power; p++)
			scaled *= (long double)base;
		if (scaled >= 18446744073709551615.0L)
			return -ERANGE;
		*bytes = (uint64_t)scaled;
		return 0;
	}
	return -EINVAL;
}

int opt_parse_time(const char *text, uint64_t unit_ns, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t ns;
	} units[] = {
		{ "ns", 1ULL },
		{ "us", 1000ULL },
		{ "ms", 1000000ULL },
		{ "s", 1000000000ULL },
		{ "m", 60ULL * 1000000000ULL },
		{ "min", 60ULL * 1000000000ULL },
		{ "h", 3600ULL * 1000000000ULL },
		{ "d", 86400ULL * 1000000000ULL },
	};
	long double v;
	const char *rest;
	int ret;

	if (!text)
		return -EINVAL;
	ret = parse_number(text, &rest, &v);
	if (ret)
		return ret;
	uint64_t unit = 0;
	if (!*rest) {
		unit = unit_ns ? unit_ns : 1000000000ULL;
	} else {
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			if (!strcasecmp(rest, units[i].suffix))
				unit = units[i].ns;
		}
	}
	if (!unit)
		return -EINVAL;
	long double scaled = v * (long double)unit;
	if (scaled >= 9223372036854775807.0L)
		return -ERANGE;
	*ns = (uint64_t)scaled;
	return 0;
}

void opt_choices_text(const struct option_def *def, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (unsigned i = 0; def->choices && def->choices[i]; i++) {
		const char *sep = i == 0 ? "" : def->choices[i + 1] ? ", " : " or ";
		int n = snprintf(buf + used, size - used, "%s%s", sep, def->choices[i]);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

static void size_text(uint64_t bytes, char *buf, size_t size)
{
	static const char *const suffix[] = { "", "k", "M", "G", "T", "P" };
	unsigned i = 0;

	while (i < 5 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		i++;
	}
	snprintf(buf, size, "%" PRIu64 "%s", bytes, suffix[i]);
}

static void time_text(int64_t ns, char *buf, size_t size)
{
	if (ns % 1000000000 == 0)
		snprintf(buf, size, "%" PRId64 "s", ns / 1000000000);
	else if (ns % 1000000 == 0)
		snprintf(buf, size, "%" PRId64 "ms", ns / 1000000);
	else
		snprintf(buf, size, "%" PRId64 "ns", ns);
}

/* The shortest text that strtod reads back as v: 0.1, not 0.10000000000000001. */
static void double_text(double v, char *buf, size_t size)
{
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, size, "%.0f", v);
		return;
	}
	for (int precision = 1; precision <= 17; precision++) {
		snprintf(buf, size, "%.*g", precision, v);
		if (strtod(buf, NULL) == v)
			return;
	}
}

static void bound_text(const struct option_def *def, int64_t v, char *buf, size_t size)
{
	if (def->type == OPT_SIZE)
		size_text((uint64_t)v, buf, size);
	else if (def->type == OPT_TIME)
		time_text(v, buf, size);
	else
		snprintf(buf, size, "%" PRId64, v);
}

static int check_bounds(const struct option_def *def, const char *text, uint64_t v, char *err,
			size_t err_size, const char *name)
{
	char bound[64];

	if (def->min && v < (uint64_t)def->min) {
		bound_text(def, def->min, bound, sizeof(bound));
		snprintf(err, err_size, "%s=%s: must be at least %s", name, text, bound);
		return -ERANGE;
	}
	if (def->max && v > (uint64_t)def->max) {
		bound_text(def, def->max, bound, sizeof(bound));
		snprintf(err, err_size, "%s=%s: must be at most %s", name, text, bound);
		return -ERANGE;
	}
	return 0;
}

static int check_double_bounds(const struct option_def *def, const char *text, double v, char *err,
			       size_t err_size, const char *name)
{
	char bound[64];

	if (def->positive && !(v > 0)) {
		snprintf(err, err_size, "%s=%s: must be above 0", name, text);
		return -ERANGE;
	}
	if (def->dmax <= def->dmin)
		return 0;
	if (v < def->dmin) {
		double_text(def->dmin, bound, sizeof(bound));
		snprintf(err, err_size, "%s=%s: must be at least %s", name, text, bound);
		return -ERANGE;
	}
	if (v > def->dmax) {
		double_text(def->dmax, bound, sizeof(bound));
		snprintf(err, err_size, "%s=%s: must be at most %s", name, text, bound);
		return -ERANGE;
	}
	return 0;
}

static int parse_double_value(const struct option_def *def, const char *text, double *field,
			      char *err, size_t err_size, const char *name)
{
	double v;
	int ret;

	if (def->type == OPT_RATE) {
		ret = parse_rate(text, &v);
		if (!ret && v < 0) {
			if (!def->no_limit) {
				snprintf(err, err_size, "%s=%s: must not be negative", name, text);
				return -ERANGE;
			}
			*field = -1; /* the Java tools' -1: no limit, whatever the number */
			return 0;
		}
	} else {
		ret = opt_parse_double(text, &v);
	}
	if (ret == -ERANGE) {
		snprintf(err, err_size, "%s=%s: too large", name, text);
		return ret;
	}
	if (ret) {
		snprintf(err, err_size, "%s=%s: not a number%s", name, text,
			 def->type == OPT_RATE ? "; use a decimal with an optional k or m suffix"
					       : "");
		return ret;
	}
	ret = check_double_bounds(def, text, v, err, err_size, name);
	if (!ret)
		*field = v;
	return ret;
}

static int parse_unsigned_value(const struct option_def *def, const char *text, uint64_t *field,
				char *err, size_t err_size, const char *name)
{
	uint64_t v;
	int ret = def->type == OPT_SIZE ? opt_parse_size(text, &v)
					: opt_parse_time(text, def->unit_ns, &v);

	if (ret == -ERANGE) {
		snprintf(err, err_size, "%s=%s: too large", name, text);
		return ret;
	}
	if (ret) {
		snprintf(
			err, err_size, "%s=%s: %s", name, text,
			def->type == OPT_SIZE
				? "not a size; use a number with an optional k, M, G, T suffix"
				: "not a time; use a number with an optional ms, s, m or h suffix");
		return ret;
	}
	ret = check_bounds(def, text, v, err, err_size, name);
	if (!ret)
		*field = v;
	return ret;
}

int opt_parse_value(const struct option_def *def, const char *text, void *config, char *err,
		    size_t err_size, bool flag_style)
{
	char *field = (char *)config + def->offset;
	char name[80], allowed[256];
	const char *shown = text ? text : "";
	int ret;

	snprintf(name, sizeof(name), flag_style ? "--%s" : "%s", def->name);
	if (def->type == OPT_REFUSED) {
		snprintf(err, err_size, "option %s is not supported: %s", name,
			 def->help ? def->help : "");
		return -EINVAL;
	}
	/* a fixed flag (pgbench's -S) sets its field to the fixed text, and only to that */
	if (def->fixed && !text)
		text = def->fixed;
	if (def->fixed && strcmp(text, def->fixed)) {
		snprintf(err, err_size, "%s=%s: takes no value", name, text);
		return -EINVAL;
	}
	if (def->bare_ok && def->type == OPT_STRING && !text)
		text = "";
	if (def->type != OPT_BOOL && !def->bare_ok && (!text || !*text)) {
		snprintf(err, err_size, "%s: needs a value", name);
		return -EINVAL;
	}
	if ((def->type == OPT_SIZE || def->type == OPT_TIME || def->type == OPT_INT) &&
	    text[0] == '-') {
		snprintf(err, err_size, "%s=%s: must not be negative", name, text);
		return -ERANGE;
	}
	switch (def->type) {
	case OPT_STRING:
		if (strlen(text) >= OPT_STRING_MAX) {
			snprintf(err, err_size, "%s: value longer than %d characters", name,
				 OPT_STRING_MAX - 1);
			return -EINVAL;
		}
		strcpy(field, text);
		return 0;
	case OPT_CHOICE:
		for (unsigned i = 0; def->choices[i]; i++) {
			if (!strcmp(text, def->choices[i])) {
				strcpy(field, text);
				return 0;
			}
		}
		opt_choices_text(def, allowed, sizeof(allowed));
		snprintf(err, err_size, "%s=%s: unknown value; allowed: %s", name, text, allowed);
		return -EINVAL;
	case OPT_BOOL: {
		bool b;
		if (opt_parse_bool(text, &b)) {
			snprintf(err, err_size,
				 "%s=%s: not a boolean; allowed: 1/0, yes/no, true/false", name,
				 shown);
			return -EINVAL;
		}
		*(bool *)field = b;
		return 0;
	}
	case OPT_INT: {
		int64_t v;
		ret = opt_parse_int(text, &v);
		if (ret) {
			snprintf(err, err_size, "%s=%s: not a whole number", name, text);
			return ret;
		}
		ret = check_bounds(def, text, (uint64_t)v, err, err_size, name);
		if (!ret)
			*(int64_t *)field = v;
		return ret;
	}
	case OPT_SIZE:
	case OPT_TIME:
		return parse_unsigned_value(def, text, (uint64_t *)field, err, err_size, name);
	case OPT_DOUBLE:
	case OPT_RATE:
		return parse_double_value(def, text, (double *)field, err, err_size, name);
	case OPT_LIST:
		/* no field: the items go to opt_parse_argv's on_option; here only the source */
		return 0;
	case OPT_REFUSED:
		break;
	}
	return -EINVAL;
}

void opt_clear_field(const struct option_def *def, void *config)
{
	char *field = (char *)config + def->offset;

	/* a fixed flag shares its field with the row that owns it, whose default stands */
	if (!opt_has_field(def))
		return;
	switch (def->type) {
	case OPT_STRING:
	case OPT_CHOICE:
		field[0] = '\0';
		break;
	case OPT_BOOL:
		*(bool *)field = false;
		break;
	case OPT_INT:
		*(int64_t *)field = 0;
		break;
	case OPT_SIZE:
	case OPT_TIME:
		*(uint64_t *)field = 0;
		break;
	case OPT_DOUBLE:
	case OPT_RATE:
		*(double *)field = 0;
		break;
	case OPT_LIST:
	case OPT_REFUSED:
		break;
	}
}

bool opt_has_field(const struct option_def *def)
{
	return def->type != OPT_LIST && def->type != OPT_REFUSED && !def->fixed;
}

void opt_format_value(const struct option_def *def, const void *config, char *buf, size_t size)
{
	const char *field = (const char *)config + def->offset;

	buf[0] = '\0';
	switch (def->type) {
	case OPT_STRING:
	case OPT_CHOICE:
		snprintf(buf, size, "%s", field);
		break;
	case OPT_BOOL:
		snprintf(buf, size, "%d", *(const bool *)field ? 1 : 0);
		break;
	case OPT_INT:
		snprintf(buf, size, "%" PRId64, *(const int64_t *)field);
		break;
	case OPT_SIZE:
		size_text(*(const uint64_t *)field, buf, size);
		break;
	case OPT_TIME:
		time_text((int64_t) * (const uint64_t *)field, buf, size);
		break;
	case OPT_DOUBLE:
	case OPT_RATE:
		double_text(*(const double *)field, buf, size);
		break;
	case OPT_LIST:
	case OPT_REFUSED:
		/* nothing of their own to show: the echo leaves them out (opt_has_field) */
		break;
	}
}
