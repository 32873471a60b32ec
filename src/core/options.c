/*
 * options.c - the option table as a whole (see options.h): finding rows, the set of values with
 * where each came from, defaults, environment variables, opt_set with its "did you mean", and
 * the modes a row may be given in. One value's text is opt_value.c's, the command line is
 * opt_argv.c's and --help is opt_help.c's.
 */
#include "opt_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

int opt_set_init(struct option_set *set, const struct option_def *defs)
{
	set->defs = defs;
	set->count = opt_count(defs);
	/* one more than the rows, so that an empty table still gets a pointer to free */
	set->source = calloc(set->count + 1, sizeof(*set->source));
	return set->source ? 0 : -ENOMEM;
}

void opt_set_free(struct option_set *set)
{
	free(set->source);
	set->source = NULL;
	set->count = 0;
}

int opt_apply_defaults(const struct option_set *set, void *config, char *err, size_t err_size)
{
	for (unsigned i = 0; i < set->count; i++) {
		const struct option_def *def = &set->defs[i];
		int ret;

		set->source[i] = SRC_DEFAULT;
		if (!opt_has_field(def))
			continue;
		if (!def->def) {
			opt_clear_field(def, config);
			continue;
		}
		/* Defaults bypass bounds: "0 = unlimited" defaults are below a min of 1. */
		struct option_def loose = *def;
		loose.min = 0;
		loose.max = 0;
		loose.dmin = 0;
		loose.dmax = 0;
		loose.positive = false;
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

const struct option_def *opt_suggest(const struct option_def *defs, const char *name,
				     unsigned *best)
{
	const struct option_def *found = NULL;

	for (const struct option_def *d = defs; d->name; d++) {
		/* a name kept only for old command lines, or refused, is no advice */
		if (d->hidden || d->type == OPT_REFUSED)
			continue;
		unsigned dist = edit_distance(name, d->name);
		if (d->alias && edit_distance(name, d->alias) < dist)
			dist = edit_distance(name, d->alias);
		if (dist < *best) {
			*best = dist;
			found = d;
		}
	}
	return found;
}

/*
 * A fixed flag (pgbench's -S) sets the field of the row that owns it (--builtin): that row was
 * given too, so that opt_given and the config echo say where its value came from.
 */
static void mark_owner(const struct option_set *set, const struct option_def *fixed,
		       enum opt_source source)
{
	for (unsigned i = 0; i < set->count; i++) {
		const struct option_def *d = &set->defs[i];
		if (d->offset == fixed->offset && opt_has_field(d))
			set->source[i] = source;
	}
}

int opt_set(const struct option_set *set, void *config, const char *name, const char *value,
	    enum opt_source source, char *err, size_t err_size)
{
	const struct option_def *def = opt_find(set->defs, name);
	bool flag_style = source == SRC_FLAG;
	const char *dashes = flag_style ? "--" : "";

	if (!def) {
		unsigned best = 3;
		const struct option_def *near = opt_suggest(set->defs, name, &best);
		if (near)
			snprintf(err, err_size, "unknown option %s%s; did you mean %s%s?", dashes,
				 name, dashes, near->name);
		else
			snprintf(err, err_size, "unknown option %s%s (see --help)", dashes, name);
		return -ENOENT;
	}
	int ret = opt_parse_value(def, value, config, err, err_size, flag_style);
	if (ret)
		return ret;
	set->source[def - set->defs] = source;
	if (def->fixed)
		mark_owner(set, def, source);
	return 0;
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

int opt_row_index(const struct option_set *set, const char *name)
{
	const struct option_def *def = opt_find(set->defs, name);

	return def ? (int)(def - set->defs) : -1;
}

bool opt_given(const struct option_set *set, const char *name)
{
	int i = opt_row_index(set, name);

	return i >= 0 && set->source[i] != SRC_DEFAULT;
}

const struct option_def *opt_check_mode(const struct option_set *set, unsigned mode)
{
	for (unsigned i = 0; i < set->count; i++) {
		const struct option_def *def = &set->defs[i];

		/* a preset is the command's own choice, not the user's mistake */
		if (set->source[i] == SRC_DEFAULT || set->source[i] == SRC_PRESET)
			continue;
		if (def->modes && !(def->modes & mode))
			return def;
	}
	return NULL;
}
