/*
 * opt_help.c - --help from the option table: one line per row, its flag written as the command's
 * style writes it, then its help, allowed values, default, environment variables and alias:
 *
 *   -c, --client=NUM      number of concurrent clients (default 1)      getopt (pgbench)
 *   --topic VALUE         topic to produce to                           the Java tools
 *   --bs=SIZE             block size (default 4k) (env FIO_BS)          fio
 *
 * The flag column is as wide as the widest flag (up to a limit), so the help texts line up.
 */
#include "opt_internal.h"

#include <string.h>

#define FLAG_COLUMN_MAX 32

/* The value's name in help: the row's own, else one that says what the type takes. */
static const char *arg_name(const struct option_def *def)
{
	if (def->arg_name)
		return def->arg_name;
	switch (def->type) {
	case OPT_INT:
	case OPT_DOUBLE:
		return "NUM";
	case OPT_SIZE:
		return "SIZE";
	case OPT_TIME:
		return "TIME";
	case OPT_RATE:
		return "RATE";
	default:
		return "VALUE";
	}
}

static bool shown(const struct option_def *def)
{
	return !def->hidden && def->type != OPT_REFUSED;
}

static void flag_column(const struct option_def *def, enum opt_style style, char *buf, size_t size)
{
	bool takes_value = def->type != OPT_BOOL && !def->fixed;
	const char *list = def->type == OPT_LIST ? "..." : "";
	char letter[8] = "";

	if (style == OPT_STYLE_GETOPT && def->short_name)
		snprintf(letter, sizeof(letter), "-%c, ", def->short_name);
	if (!takes_value)
		snprintf(buf, size, "%s--%s", letter, def->name);
	else
		snprintf(buf, size, "%s--%s%s%s%s", letter, def->name,
			 style == OPT_STYLE_JAVA ? " " : "=", arg_name(def), list);
}

/* A default worth saying: not "none", and not a switch that is off. */
static bool default_shown(const struct option_def *def)
{
	bool off;

	if (!def->def || !*def->def || !opt_has_field(def))
		return false;
	return !(def->type == OPT_BOOL && !opt_parse_bool(def->def, &off) && !off);
}

void opt_print_help_style(const struct option_def *defs, enum opt_style style, FILE *out)
{
	char flag[160], allowed[256];
	int width = 0;

	for (const struct option_def *d = defs; d->name; d++) {
		if (!shown(d))
			continue;
		flag_column(d, style, flag, sizeof(flag));
		if ((int)strlen(flag) > width)
			width = (int)strlen(flag);
	}
	if (width > FLAG_COLUMN_MAX)
		width = FLAG_COLUMN_MAX;
	for (const struct option_def *d = defs; d->name; d++) {
		if (!shown(d))
			continue;
		flag_column(d, style, flag, sizeof(flag));
		fprintf(out, "  %-*s  %s", width, flag, d->help ? d->help : "");
		if (d->choices) {
			opt_choices_text(d, allowed, sizeof(allowed));
			fprintf(out, " (%s)", allowed);
		}
		if (default_shown(d))
			fprintf(out, " (default %s)", d->def);
		if (d->env)
			fprintf(out, " (env %s%s%s)", d->env, d->env_alt ? ", " : "",
				d->env_alt ? d->env_alt : "");
		if (d->alias)
			fprintf(out, " (alias --%s)", d->alias);
		fputc('\n', out);
	}
}

void opt_print_help(const struct option_def *defs, FILE *out)
{
	opt_print_help_style(defs, OPT_STYLE_FIO, out);
}
