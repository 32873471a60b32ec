/*
 * options_fallback.c - TEMPORARY: weak stand-ins for script.h's functions that options.c
 * calls, so that this branch links before the script engine (script.c) is merged. script.c's
 * definitions replace these at link time; this file is removed at that merge.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "script.h"

#include "options_fallback.h"

static const char *const builtin_names[] = { "tpcb-like", "simple-update", "select-only" };

struct pgb_scripts *pgb_scripts_alloc(void)
{
	return calloc(1, sizeof(struct pgb_scripts));
}

__attribute__((weak)) const char *pgb_builtin_resolve(const char *name, char *err, size_t err_size)
{
	size_t len = strlen(name);
	const char *found = NULL;
	int n = 0;

	/* pgbench's findBuiltin: a prefix of exactly one name */
	for (unsigned i = 0; i < sizeof(builtin_names) / sizeof(builtin_names[0]); i++) {
		if (!strncmp(name, builtin_names[i], len)) {
			found = builtin_names[i];
			n++;
		}
	}
	if (n == 1)
		return found;
	if (n)
		snprintf(err, err_size,
			 "ambiguous builtin name: %d builtin scripts found for prefix \"%s\"", n,
			 name);
	else
		snprintf(err, err_size, "no builtin script found for name \"%s\"", name);
	return NULL;
}

__attribute__((weak)) void pgb_builtin_list(FILE *out)
{
	fputs("Available builtin scripts:\n"
	      "      tpcb-like: <builtin: TPC-B (sort of)>\n"
	      "  simple-update: <builtin: simple update>\n"
	      "    select-only: <builtin: select only>\n\n",
	      out);
}

__attribute__((weak)) int pgb_builtin_show(const char *name, FILE *out, char *err, size_t err_size)
{
	(void)name;
	(void)out;
	snprintf(err, err_size, "--show-script needs the script engine");
	return -EINVAL;
}

__attribute__((weak)) int pgb_scripts_load(struct pgb_scripts *ss, const struct pgb_config *cfg,
					   FILE *err_out)
{
	(void)cfg;
	(void)err_out;
	memset(ss, 0, sizeof(*ss));
	return 0;
}

__attribute__((weak)) void pgb_scripts_free(struct pgb_scripts *ss)
{
	(void)ss;
}
