/*
 * json.c - a streaming JSON writer: members are written as they come, so a result of any size
 * needs no tree in memory. Strings are escaped per RFC 8259; doubles never print as nan/inf.
 */
#include "pvcbench/report.h"

#include <inttypes.h>
#include <math.h>

static void indent(struct jsonw *j)
{
	for (unsigned i = 0; i < j->depth; i++)
		fputs("  ", j->f);
}

static void escaped(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Starts a member: comma and newline after the previous one, indent, "key" : */
static void member(struct jsonw *j, const char *key)
{
	if (!j->first)
		fputc(',', j->f);
	fputc('\n', j->f);
	j->first = false;
	indent(j);
	if (key) {
		escaped(j->f, key);
		fputs(" : ", j->f);
	}
}

void jsonw_begin(struct jsonw *j, FILE *f)
{
	j->f = f;
	j->depth = 1;
	j->first = true;
	fputc('{', f);
}

void jsonw_end(struct jsonw *j)
{
	fputs("\n}\n", j->f);
	fflush(j->f);
}

void jsonw_object_begin(struct jsonw *j, const char *key)
{
	member(j, key);
	fputc('{', j->f);
	j->depth++;
	j->first = true;
}

static void close_with(struct jsonw *j, char c)
{
	j->depth--;
	if (!j->first) {
		fputc('\n', j->f);
		indent(j);
	}
	fputc(c, j->f);
	j->first = false;
}

void jsonw_object_end(struct jsonw *j)
{
	close_with(j, '}');
}

void jsonw_array_begin(struct jsonw *j, const char *key)
{
	member(j, key);
	fputc('[', j->f);
	j->depth++;
	j->first = true;
}

void jsonw_array_end(struct jsonw *j)
{
	close_with(j, ']');
}

void jsonw_string(struct jsonw *j, const char *key, const char *value)
{
	member(j, key);
	escaped(j->f, value ? value : "");
}

void jsonw_u64(struct jsonw *j, const char *key, uint64_t value)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, value);
}

void jsonw_i64(struct jsonw *j, const char *key, int64_t value)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, value);
}

void jsonw_double(struct jsonw *j, const char *key, double value)
{
	member(j, key);
	fprintf(j->f, "%f", isfinite(value) ? value : 0.0);
}

void jsonw_null(struct jsonw *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void jsonw_bool(struct jsonw *j, const char *key, bool value)
{
	member(j, key);
	fputs(value ? "true" : "false", j->f);
}
