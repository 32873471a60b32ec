/*
 * options.c - parsing and validation driven by the option table (see options.h).
 *
 * Sizes follow fio's default kb_base=1024: k, K, KiB and KB all mean 1024. Times take ns, us,
 * ms, s, m, h and d; a bare number is in the row's unit (seconds for fio's runtime). Every
 * failure is a one-line message naming the option and the value, and what is allowed.
 */
#define _GNU_SOURCE
#include "pvcbench/options.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

unsigned opt_count(const struct option_def *defs)
{
	unsigned n = 0;

	while (defs[n].name)
		n++;
	return n;
}

const struct option_def *opt_find(const struct option_def *defs, const char *name)
{
	for (; defs->name; defs++) {
		if (!strcmp(defs->name, name) || (defs->alias && !strcmp(defs->alias, name)))
			return defs;
	}
	return NULL;
}

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

int opt_parse_size(const char *text, uint64_t *bytes)
{
	static const struct {
		const char *suffix;
		unsigned shift;
	} units[] = {
		{ "", 0 },    { "b", 0 },    { "k", 10 }, { "kb", 10 }, { "kib", 10 }, { "m", 20 },
		{ "mb", 20 }, { "mib", 20 }, { "g", 30 }, { "gb", 30 }, { "gib", 30 }, { "t", 40 },
		{ "tb", 40 }, { "tib", 40 }, { "p", 50 }, { "pb", 50 }, { "pib", 50 },
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
		long double scaled = v * (long double)(1ULL << units[i].shift);
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

static void name_of(const struct option_def *def, bool flag_style, char *buf, size_t size)
{
	snprintf(buf, size, flag_style ? "--%s" : "%s", def->name);
}

/* "choices" rendered as "a, b or c" for messages and help. */
static void choices_text(const struct option_def *def, char *buf, size_t size)
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

int opt_parse_value(const struct option_def *def, const char *text, void *config, char *err,
		    size_t err_size, bool flag_style)
{
	char *field = (char *)config + def->offset;
	char name[80], allowed[256];
	const char *shown = text ? text : "";
	int ret;

	name_of(def, flag_style, name, sizeof(name));
	if (def->type != OPT_BOOL && (!text || !*text)) {
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
		choices_text(def, allowed, sizeof(allowed));
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
	case OPT_SIZE: {
		uint64_t v;
		ret = opt_parse_size(text, &v);
		if (ret == -ERANGE) {
			snprintf(err, err_size, "%s=%s: too large", name, text);
			return ret;
		}
		if (ret) {
			snprintf(
				err, err_size,
				"%s=%s: not a size; use a number with an optional k, M, G, T suffix",
				name, text);
			return ret;
		}
		ret = check_bounds(def, text, v, err, err_size, name);
		if (!ret)
			*(uint64_t *)field = v;
		return ret;
	}
	case OPT_TIME: {
		uint64_t v;
		ret = opt_parse_time(text, def->unit_ns, &v);
		if (ret == -ERANGE) {
			snprintf(err, err_size, "%s=%s: too large", name, text);
			return ret;
		}
		if (ret) {
			snprintf(
				err, err_size,
				"%s=%s: not a time; use a number with an optional ms, s, m or h suffix",
				name, text);
			return ret;
		}
		ret = check_bounds(def, text, v, err, err_size, name);
		if (!ret)
			*(uint64_t *)field = v;
		return ret;
	}
	default: /* the types opt_parse_argv added: handled by the rows that use them */
		break;
	}
	return -EINVAL;
}

static void clear_field(const struct option_def *def, void *config)
{
	char *field = (char *)config + def->offset;

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
	default: /* the types opt_parse_argv added: handled by the rows that use them */
		break;
	}
}

int opt_apply_defaults(const struct option_set *set, void *config, char *err, size_t err_size)
{
	for (unsigned i = 0; i < set->count; i++) {
		const struct option_def *def = &set->defs[i];
		int ret;

		set->source[i] = SRC_DEFAULT;
		if (!def->def) {
			clear_field(def, config);
			continue;
		}
		/* Defaults bypass bounds: "0 = unlimited" defaults are below a min of 1. */
		struct option_def loose = *def;
		loose.min = 0;
		loose.max = 0;
		ret = opt_parse_value(&loose, def->def, config, err, err_size, true);
		if (ret)
			return ret;
	}
	return 0;
}

int opt_apply_env(const struct option_set *set, void *config, char *err, size_t err_size)
{
	for (unsigned i = 0; i < set->count; i++) {
		const struct option_def *def = &set->defs[i];
		const char *names[2] = { def->env, def->env_alt };

		for (unsigned k = 0; k < 2; k++) {
			const char *value = names[k] ? getenv(names[k]) : NULL;
			char inner[256];
			int ret;

			/* an empty variable (a manifest's value: "") means unset, as in dbench */
			if (!value || !*value)
				continue;
			ret = opt_parse_value(def, value, config, inner, sizeof(inner), false);
			if (ret) {
				/* name the variable the user set, not the option: skip "name=value" */
				size_t skip = strlen(def->name) + 1 + strlen(value);
				const char *why =
					strlen(inner) > skip && !strncmp(inner, def->name,
									 strlen(def->name))
						? inner + skip
						: inner;
				snprintf(err, err_size, "%s=%s%s", names[k], value, why);
				return ret;
			}
			set->source[i] = k ? SRC_ENV_ALT : SRC_ENV;
			break;
		}
	}
	return 0;
}

/* Levenshtein distance, for "did you mean". Names are short, so a small table will do. */
static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned row[64];

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

int opt_set(const struct option_set *set, void *config, const char *name, const char *value,
	    enum opt_source source, char *err, size_t err_size)
{
	const struct option_def *def = opt_find(set->defs, name);
	bool flag_style = source == SRC_FLAG;

	if (!def) {
		const char *best = NULL;
		unsigned best_dist = 3;
		for (unsigned i = 0; i < set->count; i++) {
			const struct option_def *d = &set->defs[i];
			unsigned dist = edit_distance(name, d->name);
			if (d->alias && edit_distance(name, d->alias) < dist)
				dist = edit_distance(name, d->alias);
			if (dist < best_dist) {
				best_dist = dist;
				best = d->name;
			}
		}
		if (best)
			snprintf(err, err_size, "unknown option %s%s; did you mean %s%s?",
				 flag_style ? "--" : "", name, flag_style ? "--" : "", best);
		else
			snprintf(err, err_size, "unknown option %s%s (see --help)",
				 flag_style ? "--" : "", name);
		return -ENOENT;
	}
	int ret = opt_parse_value(def, value, config, err, err_size, flag_style);
	if (!ret)
		set->source[def - set->defs] = source;
	return ret;
}

void opt_format_value(const struct option_def *def, const void *config, char *buf, size_t size)
{
	const char *field = (const char *)config + def->offset;

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
	default: /* the types opt_parse_argv added: handled by the rows that use them */
		break;
	}
}

const char *opt_source_name(enum opt_source source)
{
	switch (source) {
	case SRC_PRESET:
		return "preset";
	case SRC_ENV:
	case SRC_ENV_ALT:
		return "env";
	case SRC_JOBFILE:
		return "jobfile";
	case SRC_FLAG:
		return "flag";
	case SRC_DEFAULT:
		break;
	}
	return "default";
}

void opt_print_help(const struct option_def *defs, FILE *out)
{
	for (; defs->name; defs++) {
		char left[96], allowed[256];
		const char *value = defs->type == OPT_BOOL   ? ""
				    : defs->type == OPT_SIZE ? "=SIZE"
				    : defs->type == OPT_TIME ? "=TIME"
				    : defs->type == OPT_INT  ? "=N"
							     : "=VALUE";
		snprintf(left, sizeof(left), "--%s%s", defs->name, value);
		fprintf(out, "  %-26s %s", left, defs->help);
		if (defs->type == OPT_CHOICE) {
			choices_text(defs, allowed, sizeof(allowed));
			fprintf(out, " (%s)", allowed);
		}
		/* a switch that is off by default needs no "[default: 0]" */
		if (defs->def && *defs->def && !(defs->type == OPT_BOOL && !strcmp(defs->def, "0")))
			fprintf(out, " [default: %s]", defs->def);
		if (defs->env)
			fprintf(out, " [env: %s%s%s]", defs->env, defs->env_alt ? ", " : "",
				defs->env_alt ? defs->env_alt : "");
		if (defs->alias)
			fprintf(out, " [alias: --%s]", defs->alias);
		fputc('\n', out);
	}
}
