/*
 * opt_internal.h - what the option table's files (options.c, opt_value.c, opt_argv.c,
 * opt_help.c) share and nobody else should call: value texts for messages and help, and the
 * "did you mean" search.
 */
#ifndef PVCBENCH_OPT_INTERNAL_H
#define PVCBENCH_OPT_INTERNAL_H

#include "pvcbench/options.h"

/* A row's choices as "a, b or c", for messages and help. */
void opt_choices_text(const struct option_def *def, char *buf, size_t size);

/* Sets a row's field to its empty value (no default): "", 0, false. */
void opt_clear_field(const struct option_def *def, void *config);

/*
 * The row of defs closest to name (by name or alias; hidden and refused rows left out) if its
 * edit distance is below *best, which it then lowers; NULL if none is closer.
 */
const struct option_def *opt_suggest(const struct option_def *defs, const char *name,
				     unsigned *best);

#endif
