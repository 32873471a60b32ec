/*
 * vars.c - pgbench's variables: the table of names (a slot each, fixed once the scripts are
 * parsed, so a running client never looks a name up) and a client's variables.
 *
 * A variable holds a value, a string, or both, as pgbench's do: -D, \gset and \setshell give
 * strings, parsed into a value (and kept) the first time an expression reads them; \set gives
 * values, written as text the first time SQL needs them. The rules are pgbench 15's
 * makeVariableValue and getVariable. Each variable keeps its string buffer across sets, so a
 * steady run allocates nothing: values print in under 64 bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_impl.h"

/* Room for any value's text ("%.*g" of a double at DBL_DIG, an int64, "false") */
#define VALUE_TEXT_MAX 64

int pgb_vartab_slot(struct pgb_vartab *t, const char *name, size_t len)
{
	for (unsigned i = 0; i < t->n; i++)
		if (strlen(t->names[i]) == len && memcmp(t->names[i], name, len) == 0)
			return (int)i;
	if (t->n == t->cap) {
		unsigned cap = t->cap ? 2 * t->cap : 16;
		char **names = realloc(t->names, cap * sizeof(*names));

		if (!names)
			return -1;
		t->names = names;
		t->cap = cap;
	}
	char *copy = malloc(len + 1);

	if (!copy)
		return -1;
	memcpy(copy, name, len);
	copy[len] = '\0';
	t->names[t->n] = copy;
	return (int)t->n++;
}

int pgb_vartab_find(const struct pgb_vartab *t, const char *prefix, const char *name)
{
	size_t plen = strlen(prefix), nlen = strlen(name);

	for (unsigned i = 0; i < t->n; i++) {
		const char *s = t->names[i];

		if (strlen(s) == plen + nlen && memcmp(s, prefix, plen) == 0 &&
		    memcmp(s + plen, name, nlen) == 0)
			return (int)i;
	}
	return -1;
}

void pgb_vartab_free(struct pgb_vartab *t)
{
	for (unsigned i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	t->names = NULL;
	t->n = t->cap = 0;
}

static bool name_byte(unsigned char c, bool first)
{
	return c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (!first && c >= '0' && c <= '9');
}

bool pgb_valid_var_name(const char *name, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!name_byte((unsigned char)name[i], i == 0))
			return false;
	return true;
}

int pgb_vars_init(struct pgb_vars *vs, const struct pgb_vartab *tab)
{
	vs->tab = tab;
	vs->n = tab->n;
	vs->v = calloc(tab->n ? tab->n : 1, sizeof(*vs->v));
	return vs->v ? 0 : -ENOMEM;
}

void pgb_vars_free(struct pgb_vars *vs)
{
	for (unsigned i = 0; vs->v && i < vs->n; i++)
		free(vs->v[i].s);
	free(vs->v);
	vs->v = NULL;
	vs->n = 0;
}

/* Makes room for len bytes and a NUL in the variable's buffer; 0 or -ENOMEM */
static int reserve(struct pgb_var *var, size_t len)
{
	if (len + 1 <= var->scap)
		return 0;
	if (len + 1 > UINT32_MAX)
		return -ENOMEM;
	size_t cap = len + 1 < VALUE_TEXT_MAX ? VALUE_TEXT_MAX : len + 1;
	char *s = realloc(var->s, cap);

	if (!s)
		return -ENOMEM;
	var->s = s;
	var->scap = (uint32_t)cap;
	return 0;
}

void pgb_var_set_value(struct pgb_vars *vs, int slot, const struct pgb_value *val)
{
	struct pgb_var *var = &vs->v[slot];

	var->v = *val;
	var->s_valid = false;
}

int pgb_var_set_string(struct pgb_vars *vs, int slot, const char *s, size_t len)
{
	struct pgb_var *var = &vs->v[slot];

	if (reserve(var, len))
		return -ENOMEM;
	memcpy(var->s, s, len);
	var->s[len] = '\0';
	var->slen = (uint32_t)len;
	var->s_valid = true;
	var->v.type = PGB_V_NONE;
	return 0;
}

/* pgbench's is_an_int: optional spaces and sign, then digits only (none is "an int" too) */
static bool looks_like_int(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	if (*s == '+' || *s == '-')
		s++;
	if (*s && !isdigit((unsigned char)*s))
		return false;
	while (*s && isdigit((unsigned char)*s))
		s++;
	return *s == '\0';
}

/*
 * pgbench's strtoint64: spaces, a sign, digits, spaces; accumulated negatively so that the
 * minimum int64 parses. Returns 0, -ERANGE or -EINVAL.
 */
static int parse_int64(const char *s, int64_t *out)
{
	const char *p = s;
	bool neg = false;
	int64_t acc = 0;

	while (*p && isspace((unsigned char)*p))
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	while (isdigit((unsigned char)*p)) {
		int digit = *p++ - '0';

		if (acc < (INT64_MIN + digit) / 10)
			return -ERANGE;
		acc = acc * 10 - digit;
	}
	while (*p && isspace((unsigned char)*p))
		p++;
	if (*p)
		return -EINVAL;
	if (!neg) {
		if (acc == INT64_MIN)
			return -ERANGE;
		acc = -acc;
	}
	*out = acc;
	return 0;
}

int pgb_parse_int64(const char *s, int64_t *out)
{
	return parse_int64(s, out);
}

/* pgbench's makeVariableValue: the value of a string, or its message */
static int string_value(const char *name, const char *s, size_t len, struct pgb_value *out,
			char *err, size_t err_size)
{
	if (len == 0) {
		/* pgbench fails here without a message of its own */
		if (err_size)
			err[0] = '\0';
		return -EINVAL;
	}
	if (strcasecmp(s, "null") == 0) {
		pgb_set_null(out);
	} else if (strncasecmp(s, "true", len) == 0 || strncasecmp(s, "yes", len) == 0 ||
		   strcasecmp(s, "on") == 0) {
		/* prefixes of true, yes (t, y, ...), as pgbench's boolean parse takes them */
		pgb_set_bool(out, true);
	} else if (strncasecmp(s, "false", len) == 0 || strncasecmp(s, "no", len) == 0 ||
		   strcasecmp(s, "off") == 0 || strcasecmp(s, "of") == 0) {
		pgb_set_bool(out, false);
	} else if (looks_like_int(s)) {
		int64_t i;
		int rc = parse_int64(s, &i);

		if (rc == -ERANGE) {
			snprintf(err, err_size, "value \"%s\" is out of range for type bigint", s);
			return -EINVAL;
		}
		if (rc) {
			snprintf(err, err_size, "invalid input syntax for type bigint: \"%s\"", s);
			return -EINVAL;
		}
		pgb_set_int(out, i);
	} else {
		char *end;
		double d;

		errno = 0;
		d = strtod(s, &end);
		if (errno != 0 || end == s || *end != '\0') {
			snprintf(err, err_size, "malformed variable \"%s\" value: \"%s\"", name, s);
			return -EINVAL;
		}
		pgb_set_double(out, d);
	}
	return 0;
}

int pgb_var_value(struct pgb_vars *vs, int slot, struct pgb_value *out, char *err, size_t err_size)
{
	struct pgb_var *var = &vs->v[slot];

	if (var->v.type == PGB_V_NONE) {
		const char *name = vs->tab->names[slot];

		if (!var->s_valid) {
			snprintf(err, err_size, "undefined variable \"%s\"", name);
			return -EINVAL;
		}
		if (string_value(name, var->s, var->slen, &var->v, err, err_size)) {
			var->v.type = PGB_V_NONE;
			return -EINVAL;
		}
	}
	*out = var->v;
	return 0;
}

const char *pgb_var_string(struct pgb_vars *vs, int slot, size_t *len)
{
	struct pgb_var *var = &vs->v[slot];

	if (!var->s_valid) {
		if (var->v.type == PGB_V_NONE || reserve(var, VALUE_TEXT_MAX - 1))
			return NULL;
		var->slen = (uint32_t)pgb_value_format(&var->v, var->s, var->scap);
		var->s_valid = true;
	}
	if (len)
		*len = var->slen;
	return var->s;
}

size_t pgb_format_double(char *buf, size_t size, double d, bool fixed)
{
	int n;

	/* PostgreSQL's own snprintf, which pgbench prints with, spells these out */
	if (isnan(d))
		n = snprintf(buf, size, "NaN");
	else if (isinf(d))
		n = snprintf(buf, size, "%s", d < 0 ? "-Infinity" : "Infinity");
	else if (fixed)
		n = snprintf(buf, size, "%f", d);
	else
		n = snprintf(buf, size, "%.*g", DBL_DIG, d);
	return n < 0 ? 0 : (size_t)n;
}

size_t pgb_value_format(const struct pgb_value *v, char *buf, size_t size)
{
	int n;

	switch (v->type) {
	case PGB_V_NULL:
		n = snprintf(buf, size, "NULL");
		break;
	case PGB_V_BOOL:
		n = snprintf(buf, size, "%s", v->u.b ? "true" : "false");
		break;
	case PGB_V_INT:
		n = snprintf(buf, size, "%" PRId64, v->u.i);
		break;
	case PGB_V_DOUBLE:
		return pgb_format_double(buf, size, v->u.d, false);
	default:
		n = snprintf(buf, size, "%s", "");
		break;
	}
	return n < 0 ? 0 : (size_t)n;
}

int pgb_value_bool(const struct pgb_value *v, bool *out, char *err, size_t err_size)
{
	switch (v->type) {
	case PGB_V_NULL:
		*out = false;
		return 0;
	case PGB_V_BOOL:
		*out = v->u.b;
		return 0;
	case PGB_V_INT:
		*out = v->u.i != 0;
		return 0;
	case PGB_V_DOUBLE:
		*out = v->u.d != 0.0;
		return 0;
	default:
		snprintf(err, err_size, "no value");
		return -EINVAL;
	}
}
