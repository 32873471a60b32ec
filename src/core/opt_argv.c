/*
 * opt_argv.c - one command-line parser for the three styles pvcbench imitates (opt_parse_argv):
 * fio's (--bs=4k, --bs 4k, job files as operands), getopt_long's as pgbench uses it (-c10,
 * -nS, --cli=10, permuted operands, --) and the Java tools' (--topic t, --producer-props a=1
 * b=2). The table's rows decide everything a hand-written parser used to keep on the side:
 * short letters, fixed flags, refused names and lists.
 *
 * Every option found goes to opt_set with SRC_FLAG, or to the caller's on_option. Parsing
 * stops at the first error, with one line in err.
 */
#include "opt_internal.h"

#include <errno.h>
#include <string.h>

#define NAME_MAX_LEN 128

/* One option found in argv: the table it is in and its row. */
struct found {
	unsigned target;
	const struct option_def *def;
};

/* The first table that has name (or alias) exactly. */
static bool find_exact(const struct opt_argv *p, const char *name, struct found *f)
{
	for (unsigned t = 0; t < p->ntargets; t++) {
		const struct option_def *def = opt_find(p->targets[t].set->defs, name);
		if (def) {
			f->target = t;
			f->def = def;
			return true;
		}
	}
	return false;
}

static bool find_short(const struct opt_argv *p, char letter, struct found *f)
{
	for (unsigned t = 0; t < p->ntargets; t++) {
		for (const struct option_def *d = p->targets[t].set->defs; d->name; d++) {
			if (d->short_name == letter) {
				f->target = t;
				f->def = d;
				return true;
			}
		}
	}
	return false;
}

static bool has_prefix(const char *name, const char *prefix, size_t len)
{
	return name && !strncmp(name, prefix, len);
}

/*
 * getopt_long's abbreviations: a prefix of exactly one row's name (or alias) is that row. Two
 * rows make it ambiguous (-EINVAL, naming them); none is -ENOENT.
 */
static int find_prefix(const struct opt_argv *p, const char *name, struct found *f, char *err,
		       size_t err_size)
{
	size_t len = strlen(name), used;
	unsigned matches = 0;

	used = (size_t)snprintf(err, err_size, "option --%s is ambiguous; possibilities:", name);
	for (unsigned t = 0; t < p->ntargets; t++) {
		for (const struct option_def *d = p->targets[t].set->defs; d->name; d++) {
			if (!has_prefix(d->name, name, len) && !has_prefix(d->alias, name, len))
				continue;
			matches++;
			if (used < err_size)
				used += (size_t)snprintf(err + used, err_size - used, " --%s",
							 d->name);
			f->target = t;
			f->def = d;
		}
	}
	if (matches == 1)
		err[0] = '\0';
	return matches == 1 ? 0 : matches ? -EINVAL : -ENOENT;
}

static int unknown_long(const struct opt_argv *p, const char *name, char *err, size_t err_size)
{
	const struct option_def *near = NULL;
	unsigned best = 3;

	for (unsigned t = 0; t < p->ntargets; t++) {
		const struct option_def *d = opt_suggest(p->targets[t].set->defs, name, &best);
		if (d)
			near = d;
	}
	if (near)
		snprintf(err, err_size, "unknown option --%s; did you mean --%s?", name,
			 near->name);
	else
		snprintf(err, err_size, "unknown option --%s (see --help)", name);
	return -ENOENT;
}

/* The option's name as the user wrote it, for messages: -c or --client. */
static void flag_text(const struct found *f, bool is_short, char *buf, size_t size)
{
	if (is_short)
		snprintf(buf, size, "-%c", f->def->short_name);
	else
		snprintf(buf, size, "--%s", f->def->name);
}

static int deliver(const struct opt_argv *p, const struct found *f, const char *value, char *err,
		   size_t err_size)
{
	const struct opt_target *target = &p->targets[f->target];

	if (p->on_option)
		return p->on_option(p->arg, f->target, f->def, value, err, err_size);
	return opt_set(target->set, target->config, f->def->name, value, SRC_FLAG, err, err_size);
}

static int operand(const struct opt_argv *p, const char *text, char *err, size_t err_size)
{
	if (p->on_operand)
		return p->on_operand(p->arg, text, err, err_size);
	snprintf(err, err_size, "unexpected argument \"%s\"", text);
	return -EINVAL;
}

/* Whether argv[i] can be the value of the option before it, in the style. */
static bool value_next(const struct opt_argv *p, int argc, char **argv, int i)
{
	if (i >= argc)
		return false;
	/* getopt_long takes whatever follows (-c -5 is a client count of -5, refused later) */
	return p->style == OPT_STYLE_GETOPT || strncmp(argv[i], "--", 2);
}

/*
 * The Java tools' lists: every argument up to the next --name is one item (the one after '='
 * too). Returns the number of arguments taken after argv[*i].
 */
static int take_list(const struct opt_argv *p, const struct found *f, const char *inline_value,
		     int argc, char **argv, int *i, char *err, size_t err_size)
{
	unsigned items = 0;
	int ret;

	if (inline_value) {
		ret = deliver(p, f, inline_value, err, err_size);
		if (ret)
			return ret;
		items++;
	}
	while (*i + 1 < argc && strncmp(argv[*i + 1], "--", 2)) {
		ret = deliver(p, f, argv[++*i], err, err_size);
		if (ret)
			return ret;
		items++;
	}
	if (!items) {
		snprintf(err, err_size, "option --%s needs at least one value", f->def->name);
		return -EINVAL;
	}
	return 0;
}

/* --name, --name=value or --name value at argv[*i]; *i moves past what it took. */
static int long_option(const struct opt_argv *p, int argc, char **argv, int *i, char *err,
		       size_t err_size)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '='), *value = eq ? eq + 1 : NULL;
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	char name[NAME_MAX_LEN], flag[NAME_MAX_LEN + 2];
	struct found f;
	int ret;

	if (len >= sizeof(name)) {
		snprintf(err, err_size, "unknown option --%.40s...", arg);
		return -ENOENT;
	}
	memcpy(name, arg, len);
	name[len] = '\0';
	if (!find_exact(p, name, &f)) {
		if (p->style != OPT_STYLE_GETOPT)
			return unknown_long(p, name, err, err_size);
		ret = find_prefix(p, name, &f, err, err_size);
		if (ret == -ENOENT)
			return unknown_long(p, name, err, err_size);
		if (ret)
			return ret;
	}
	const struct option_def *def = f.def;
	flag_text(&f, false, flag, sizeof(flag));
	if (def->type == OPT_REFUSED) {
		snprintf(err, err_size, "option %s is not supported: %s", flag,
			 def->help ? def->help : "");
		return -EINVAL;
	}
	if (def->fixed) {
		if (value) {
			snprintf(err, err_size, "option %s takes no value", flag);
			return -EINVAL;
		}
		return deliver(p, &f, def->fixed, err, err_size);
	}
	if (def->type == OPT_LIST && p->style == OPT_STYLE_JAVA)
		return take_list(p, &f, value, argc, argv, i, err, err_size);
	if (def->type == OPT_BOOL || value || (def->bare_ok && !value_next(p, argc, argv, *i + 1)))
		return deliver(p, &f, value, err, err_size);
	if (!value_next(p, argc, argv, *i + 1)) {
		snprintf(err, err_size, "option %s needs a value", flag);
		return -EINVAL;
	}
	return deliver(p, &f, argv[++*i], err, err_size);
}

/* A cluster of short letters at argv[*i] (-nS, -c10, -nc 10); *i moves past what it took. */
static int short_options(const struct opt_argv *p, int argc, char **argv, int *i, char *err,
			 size_t err_size)
{
	for (const char *s = argv[*i] + 1; *s; s++) {
		struct found f;
		char flag[8];
		int ret;

		if (!find_short(p, *s, &f)) {
			snprintf(err, err_size, "unknown option -%c", *s);
			return -ENOENT;
		}
		const struct option_def *def = f.def;
		flag_text(&f, true, flag, sizeof(flag));
		if (def->type == OPT_REFUSED) {
			snprintf(err, err_size, "option %s is not supported: %s", flag,
				 def->help ? def->help : "");
			return -EINVAL;
		}
		if (def->fixed || def->type == OPT_BOOL) {
			ret = deliver(p, &f, def->fixed, err, err_size);
			if (ret)
				return ret;
			continue;
		}
		/* the rest of the cluster is the value (-c10), else the next argument */
		if (s[1])
			return deliver(p, &f, s + 1, err, err_size);
		if (*i + 1 >= argc) {
			snprintf(err, err_size, "option %s needs a value", flag);
			return -EINVAL;
		}
		return deliver(p, &f, argv[++*i], err, err_size);
	}
	return 0;
}

int opt_parse_argv(const struct opt_argv *p, int argc, char **argv, char *err, size_t err_size)
{
	bool options = true;

	err[0] = '\0';
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int ret;

		if (options && !strcmp(arg, "--")) {
			options = false;
			continue;
		}
		if (options && !strncmp(arg, "--", 2))
			ret = long_option(p, argc, argv, &i, err, err_size);
		else if (options && p->style == OPT_STYLE_GETOPT && arg[0] == '-' && arg[1])
			ret = short_options(p, argc, argv, &i, err, err_size);
		else
			ret = operand(p, arg, err, err_size);
		if (ret)
			return ret;
	}
	return 0;
}
