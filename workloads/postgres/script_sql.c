/*
 * script_sql.c - the SQL half of a pgbench script: where one SQL command ends (psqlscan's
 * rules, which pgbench borrows from psql: a ';' outside quotes, comments and parentheses;
 * "\;" joins two queries into one command; a backslash starts a meta-command), and what the
 * command becomes for the clients: literal segments around :variable slots for the simple
 * protocol, and the same text with $1, $2 ... for the extended and prepared ones.
 *
 * Only the facts that decide where a command ends are scanned (quotes of every kind, dollar
 * quotes, nested comments, parentheses, CREATE FUNCTION ... BEGIN ATOMIC bodies); the text
 * itself is kept byte for byte, since the server parses it.
 */
#include "script_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int pgb_buf_add(struct pgb_buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->d, cap);
		if (!d)
			return -ENOMEM;
		b->d = d;
		b->cap = cap;
	}
	memcpy(b->d + b->len, s, n);
	b->len += n;
	b->d[b->len] = '\0';
	return 0;
}

void pgb_buf_free(struct pgb_buf *b)
{
	free(b->d);
	b->d = NULL;
	b->len = b->cap = 0;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* SQL identifiers (and dollar-quote tags): letters, '_', any byte >= 0x80 ... */
static bool ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

/* ... then digits too; '$' continues an identifier but not a dollar-quote tag */
static bool ident_cont(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9') || c == '$';
}

static bool tag_cont(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

/* The end of a quoted string opened at text[i] (the quote); backslashes escape in E'' */
static size_t skip_quoted(const char *t, size_t n, size_t i, char q, bool backslash)
{
	for (i++; i < n; i++) {
		if (backslash && t[i] == '\\') {
			i++;
			continue;
		}
		if (t[i] == q)
			return i + 1; /* a doubled quote reopens at once: same end result */
	}
	return n;
}

/* The end of a (nested) comment opened at text[i] */
static size_t skip_comment(const char *t, size_t n, size_t i)
{
	unsigned depth = 0;

	while (i < n) {
		if (i + 1 < n && t[i] == '/' && t[i + 1] == '*') {
			depth++;
			i += 2;
		} else if (i + 1 < n && t[i] == '*' && t[i + 1] == '/') {
			i += 2;
			if (--depth == 0)
				return i;
		} else {
			i++;
		}
	}
	return n;
}

/* The length of a "$tag$" delimiter at text[i], or 0 when the '$' opens none */
static size_t dollar_delim(const char *t, size_t n, size_t i)
{
	size_t j = i + 1;

	if (j < n && ident_start((unsigned char)t[j])) {
		while (j < n && tag_cont((unsigned char)t[j]))
			j++;
	}
	return j < n && t[j] == '$' ? j + 1 - i : 0;
}

/* The end of a dollar-quoted string whose delimiter (dlen bytes) starts at text[i] */
static size_t skip_dollar(const char *t, size_t n, size_t i, size_t dlen)
{
	for (size_t j = i + dlen; j + dlen <= n; j++) {
		if (t[j] == '$' && !memcmp(t + j, t + i, dlen))
			return j + dlen;
	}
	return n;
}

/*
 * psqlscan's guess at a routine body: after CREATE [OR REPLACE] FUNCTION|PROCEDURE, BEGIN
 * (and CASE inside it) opens and END closes a block whose semicolons do not end the command.
 */
static void note_identifier(struct pgb_scan *st, const char *w, size_t len)
{
	static const char *const words[] = { "create", "function", "procedure", "or", "replace" };
	char *id = st->identifiers;

	if (st->identifier_count == 0)
		memset(id, 0, sizeof(st->identifiers));
	for (unsigned k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		if (strlen(words[k]) == len && !strncasecmp(w, words[k], len)) {
			if (st->identifier_count < sizeof(st->identifiers))
				id[st->identifier_count] = words[k][0];
			break;
		}
	}
	st->identifier_count++;
	if (id[0] == 'c' &&
	    (id[1] == 'f' || id[1] == 'p' ||
	     (id[1] == 'o' && id[2] == 'r' && (id[3] == 'f' || id[3] == 'p'))) &&
	    st->paren_depth == 0) {
		if (len == 5 && !strncasecmp(w, "begin", 5))
			st->begin_depth++;
		else if (len == 4 && !strncasecmp(w, "case", 4) && st->begin_depth >= 1)
			st->begin_depth++;
		else if (len == 3 && !strncasecmp(w, "end", 3) && st->begin_depth > 0)
			st->begin_depth--;
	}
}

int pgb_sql_scan(struct pgb_scan *st, const char *t, size_t n, size_t *pos, struct pgb_buf *b,
		 size_t *start, enum pgb_scan_end *end)
{
	size_t i = *pos;

	*end = PGB_SCAN_EOF;
	while (i < n) {
		unsigned char c = (unsigned char)t[i];
		size_t j = i + 1;

		if (is_space(c)) {
			/* whitespace before the first token is not kept */
		} else if (c == '-' && j < n && t[j] == '-') {
			while (j < n && t[j] != '\n')
				j++;
		} else if (c == '/' && j < n && t[j] == '*') {
			j = skip_comment(t, n, i);
		} else if (c == '\'') {
			j = skip_quoted(t, n, i, '\'', false);
		} else if ((c == 'e' || c == 'E') && j < n && t[j] == '\'') {
			j = skip_quoted(t, n, j, '\'', true);
		} else if (c == '"') {
			j = skip_quoted(t, n, i, '"', false);
		} else if (c == '$') {
			size_t dlen = dollar_delim(t, n, i);

			if (dlen)
				j = skip_dollar(t, n, i, dlen);
		} else if (ident_start(c)) {
			while (j < n && ident_cont((unsigned char)t[j]))
				j++;
			note_identifier(st, t + i, j - i);
		} else if (c >= '0' && c <= '9') {
			/* a number (and junk after it) never takes a '$': "2$q$" opens a quote */
			while (j < n && (tag_cont((unsigned char)t[j]) || t[j] == '.'))
				j++;
		} else if (c == '(') {
			st->paren_depth++;
		} else if (c == ')') {
			if (st->paren_depth > 0)
				st->paren_depth--;
		} else if (c == '\\') {
			if (j < n && (t[j] == ';' || t[j] == ':')) {
				/* "\;" and "\:" put the character itself into the command */
				if (!b->len)
					*start = i;
				if (pgb_buf_add(b, t + j, 1))
					return -ENOMEM;
				if (t[j] == ';')
					st->identifier_count = 0;
				i = j + 1;
				continue;
			}
			*pos = i;
			*end = PGB_SCAN_BACKSLASH;
			return 0;
		}

		/* comments and whitespace are kept only once the command has begun */
		if (b->len || !(is_space(c) || (c == '-' && j - i >= 2 && t[i + 1] == '-'))) {
			if (!b->len)
				*start = i;
			if (pgb_buf_add(b, t + i, j - i))
				return -ENOMEM;
		}
		i = j;
		if (c == ';' && st->paren_depth == 0 && st->begin_depth == 0) {
			st->identifier_count = 0;
			*pos = i;
			*end = PGB_SCAN_SEMICOLON;
			return 0;
		}
	}
	*pos = n;
	return 0;
}

/* pgbench's variable names in SQL: a letter, '_' or byte >= 0x80, then digits too */
static bool var_start(unsigned char c)
{
	return ident_start(c);
}

static bool var_cont(unsigned char c)
{
	return ident_start(c) || (c >= '0' && c <= '9');
}

int pgb_sql_build(struct pgb_sql *q, char *text, struct pgb_vartab *vars)
{
	size_t n = strlen(text), k = 0, cap = 1, seg_start = 0, pcap;
	struct pgb_buf param = { 0 };
	char num[16];

	q->text = text;
	/* one variable per ':' at most: size the arrays once */
	for (size_t i = 0; i < n; i++)
		cap += text[i] == ':';
	q->seg = calloc(cap, sizeof(*q->seg));
	q->seg_len = calloc(cap, sizeof(*q->seg_len));
	q->var = calloc(cap, sizeof(*q->var));
	q->param_var = calloc(cap, sizeof(*q->param_var));
	if (!q->seg || !q->seg_len || !q->var || !q->param_var)
		return -ENOMEM;
	pcap = cap;
	q->nsegs = 0;
	q->nparams = 0;

	/* as pgbench's assignVariables and parseQuery scan: a ':' then a name is a variable;
	 * a ':' not followed by a name is kept with every ':' after it ("::" casts) */
	while (k < n) {
		size_t name, end;
		int slot;

		if (text[k] != ':') {
			k++;
			continue;
		}
		if (k + 1 >= n || !var_start((unsigned char)text[k + 1])) {
			while (k < n && text[k] == ':')
				k++;
			continue;
		}
		name = k + 1;
		end = name + 1;
		while (end < n && var_cont((unsigned char)text[end]))
			end++;
		slot = pgb_vartab_slot(vars, text + name, end - name);
		if (slot < 0)
			return -ENOMEM;
		q->seg[q->nsegs] = text + seg_start;
		q->seg_len[q->nsegs] = (uint32_t)(k - seg_start);
		q->var[q->nsegs] = slot;
		q->nsegs++;
		if (pgb_buf_add(&param, text + seg_start, k - seg_start))
			goto nomem;
		snprintf(num, sizeof(num), "$%u", q->nparams + 1);
		if (pgb_buf_add(&param, num, strlen(num)))
			goto nomem;
		if (q->nparams < pcap)
			q->param_var[q->nparams] = slot;
		q->nparams++;
		seg_start = end;
		k = end;
	}
	q->seg[q->nsegs] = text + seg_start;
	q->seg_len[q->nsegs] = (uint32_t)(n - seg_start);
	q->nsegs++;
	if (pgb_buf_add(&param, text + seg_start, n - seg_start))
		goto nomem;
	q->param_text = param.d;
	return 0;
nomem:
	pgb_buf_free(&param);
	return -ENOMEM;
}

void pgb_sql_release(struct pgb_sql *q)
{
	free(q->text);
	free(q->seg);
	free(q->seg_len);
	free(q->var);
	free(q->param_text);
	free(q->param_var);
	memset(q, 0, sizeof(*q));
}
