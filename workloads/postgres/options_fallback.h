/*
 * options_fallback.h - TEMPORARY: script.h's functions that the options call, declared as
 * script.h declares them. script.h cannot be included beside pgbench.h until the legacy
 * script's names (enum pgb_var) leave pgbench.h; at that merge this header goes and options.c
 * includes script.h.
 */
#ifndef PVCBENCH_PGBENCH_OPTIONS_FALLBACK_H
#define PVCBENCH_PGBENCH_OPTIONS_FALLBACK_H

#include <stdio.h>

struct pgb_config;
struct pgb_scripts;

int pgb_scripts_load(struct pgb_scripts *ss, const struct pgb_config *cfg, FILE *err_out);
void pgb_scripts_free(struct pgb_scripts *ss);
const char *pgb_builtin_resolve(const char *name, char *err, size_t err_size);
void pgb_builtin_list(FILE *out);
int pgb_builtin_show(const char *name, FILE *out, char *err, size_t err_size);
/* calloc of a struct pgb_scripts (its size is script.h's) */
struct pgb_scripts *pgb_scripts_alloc(void);

#endif
