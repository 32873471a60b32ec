/*
 * script_int.h - what script.c, script_parse.c and script_sql.c share and nobody else needs:
 * a growing text buffer, the SQL scanner (psqlscan's rules for where a command ends) and the
 * builder of struct pgb_sql, and the one place the error prefix is spelt.
 */
#ifndef PVCBENCH_PGBENCH_SCRIPT_INT_H
#define PVCBENCH_PGBENCH_SCRIPT_INT_H

#include <stddef.h>

#include "script.h"

/* pgbench prints "pgbench: error: "; we print our command's name in its place */
#define PGB_ERR "pvcbench pgbench: error: "

struct pgb_buf {
	char *d;
	size_t len, cap;
};

int pgb_buf_add(struct pgb_buf *b, const char *s, size_t n); /* 0 or -ENOMEM; NUL-terminated */
void pgb_buf_free(struct pgb_buf *b);

/* What ended one call of the SQL scanner. */
enum pgb_scan_end { PGB_SCAN_SEMICOLON, PGB_SCAN_BACKSLASH, PGB_SCAN_EOF };

/* The scanner's state between calls, as psqlscan keeps it. */
struct pgb_scan {
	unsigned paren_depth, begin_depth, identifier_count;
	char identifiers[4];
};

/*
 * Collects one SQL command from text[*pos] into b (reset by the caller), as psqlscan does:
 * whitespace and "--" comments before the first token are dropped, everything after kept
 * verbatim, "\;" and "\:" kept as ';' and ':'. Stops after a ';' outside quotes, comments,
 * parentheses and CREATE FUNCTION ... BEGIN ... END bodies (*pos past it), at a backslash
 * that starts a meta-command (*pos on it) or at the end. *start: the offset of the command's
 * first kept byte. 0 or -ENOMEM (*end set).
 */
int pgb_sql_scan(struct pgb_scan *st, const char *text, size_t n, size_t *pos, struct pgb_buf *b,
		 size_t *start, enum pgb_scan_end *end);

/*
 * Fills q from text (malloc'd; q owns it from then on): its :variables become slots in vars,
 * segments for the simple protocol and $n parameters for the others. 0 or -ENOMEM.
 */
int pgb_sql_build(struct pgb_sql *q, char *text, struct pgb_vartab *vars);
void pgb_sql_release(struct pgb_sql *q);

/* The \if structure checked and its jumps set (script_check.c); -EINVAL printed, -ENOMEM */
int pgb_script_check_conditionals(struct pgb_script *s, const char *source, FILE *err);

#endif
