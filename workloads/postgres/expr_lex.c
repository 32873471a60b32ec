/*
 * expr_lex.c - pgbench 15's expression tokens (exprscan.l): numbers (an integer out of
 * range is "bigint constant overflow", a double out of range or underflowing "double
 * constant overflow"; 9223372036854775808 is a token of its own, legal after a unary minus
 * only), :variables, names, the keywords in any case, operators (<> and != both), and the
 * end of the line. Spaces and backslash-newline continuations are skipped; any other byte is
 * "unexpected character".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expr_impl.h"
#include "expr_lex.h"

static const struct {
	const char *word;
	enum tok kind;
} keywords[] = {
	{ "and", T_AND },	{ "or", T_OR },		  { "not", T_NOT },   { "is", T_IS },
	{ "isnull", T_ISNULL }, { "notnull", T_NOTNULL }, { "case", T_CASE }, { "when", T_WHEN },
	{ "then", T_THEN },	{ "else", T_ELSE },	  { "end", T_ENDKW }, { "true", T_TRUE },
	{ "false", T_FALSE },	{ "null", T_NULL },
};

static bool is_alpha(unsigned char c)
{
	return c >= 0x80 || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

/* A lexical error: remembered, the line's last one is reported (see expr_parse.c) */
static void lex_error(struct lexer *p, const char *msg, size_t start, size_t end)
{
	p->failed = true;
	p->err = msg;
	p->err_start = start;
	p->err_end = end;
}

/* The end of a number: pgbench's {digit}+(\.{digit}*)?([eE][-+]?{digit}+)? or \.{digit}+... */
static size_t scan_number(const char *s, size_t i, bool *is_double)
{
	*is_double = false;
	while (is_digit((unsigned char)s[i]))
		i++;
	if (s[i] == '.') {
		*is_double = true;
		i++;
		while (is_digit((unsigned char)s[i]))
			i++;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		size_t j = i + 1;

		if (s[j] == '+' || s[j] == '-')
			j++;
		if (is_digit((unsigned char)s[j])) {
			while (is_digit((unsigned char)s[j]))
				j++;
			*is_double = true;
			i = j;
		}
	}
	return i;
}

static void number_value(struct lexer *p, struct token *t, const char *buf, bool is_double);

static void lex_number(struct lexer *p, struct token *t)
{
	const char *s = p->text;
	bool is_double;
	size_t end = scan_number(s, t->start, &is_double);
	size_t len = end - t->start;
	char small[64], *buf = len < sizeof(small) ? small : malloc(len + 1);

	p->pos = end;
	t->end = end;
	t->kind = T_BAD;
	if (!buf) {
		p->oom = true;
		return;
	}
	memcpy(buf, s + t->start, len);
	buf[len] = '\0';
	number_value(p, t, buf, is_double);
	if (buf != small)
		free(buf);
}

/* A number's token from its text (NUL-terminated in buf) */
static void number_value(struct lexer *p, struct token *t, const char *buf, bool is_double)
{
	if (!is_double) {
		if (strcmp(buf, "9223372036854775808") == 0) {
			t->kind = T_MAXINT;
			return;
		}
		if (pgb_parse_int64(buf, &t->i)) {
			lex_error(p, "bigint constant overflow", t->start, t->end);
			return;
		}
		t->kind = T_INT;
		return;
	}
	char *stop;

	errno = 0;
	t->d = strtod(buf, &stop);
	if (errno != 0 || *stop != '\0') {
		/* strtod's ERANGE, for an underflow too, as pgbench's strtodouble */
		lex_error(p, "double constant overflow", t->start, t->end);
		return;
	}
	t->kind = T_DOUBLE;
}

void pgb_lex_next(struct lexer *p)
{
	const char *s = p->text;
	struct token *t = &p->cur;

	for (;;) {
		char c = s[p->pos];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			p->pos++;
		} else if (c == '\\' && s[p->pos + 1] == '\n') {
			p->pos += 2; /* a continuation line */
		} else if (c == '\\' && s[p->pos + 1] == '\r' && s[p->pos + 2] == '\n') {
			p->pos += 3;
		} else {
			break;
		}
	}
	t->start = p->pos;
	unsigned char c = (unsigned char)s[p->pos];

	if (c == '\0') {
		t->kind = T_END;
		t->end = p->pos; /* at the end of the text, pgbench points at its last byte */
		return;
	}
	if (c == '\n') {
		t->kind = T_END;
		t->end = p->pos + 1;
		return;
	}
	if (is_digit(c) || (c == '.' && is_digit((unsigned char)s[p->pos + 1]))) {
		lex_number(p, t);
		return;
	}
	if (c == ':' && is_alnum((unsigned char)s[p->pos + 1])) {
		size_t i = p->pos + 1;

		while (is_alnum((unsigned char)s[i]))
			i++;
		t->kind = T_VAR;
		t->end = p->pos = i;
		return;
	}
	if (is_alpha(c)) {
		size_t i = p->pos;

		while (is_alnum((unsigned char)s[i]))
			i++;
		t->kind = T_IDENT;
		t->end = p->pos = i;
		for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
			if (strlen(keywords[k].word) == i - t->start &&
			    strncasecmp(keywords[k].word, s + t->start, i - t->start) == 0)
				t->kind = keywords[k].kind;
		return;
	}

	static const struct {
		const char *op;
		enum tok kind;
	} ops[] = {
		{ "<>", T_NE },	    { "!=", T_NE },	{ "<=", T_LE },	   { ">=", T_GE },
		{ "<<", T_LSHIFT }, { ">>", T_RSHIFT }, { "(", T_LPAREN }, { ")", T_RPAREN },
		{ ",", T_COMMA },   { "+", T_PLUS },	{ "-", T_MINUS },  { "*", T_STAR },
		{ "/", T_SLASH },   { "%", T_PERCENT }, { "~", T_TILDE },  { "&", T_AMP },
		{ "|", T_BAR },	    { "#", T_HASH },	{ "<", T_LT },	   { ">", T_GT },
		{ "=", T_EQ },
	};
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		size_t n = strlen(ops[k].op);

		if (strncmp(s + p->pos, ops[k].op, n) == 0) {
			t->kind = ops[k].kind;
			t->end = p->pos = p->pos + n;
			return;
		}
	}
	p->pos++;
	t->end = p->pos;
	t->kind = T_BAD;
	lex_error(p, "unexpected character", t->start, t->end);
}

size_t pgb_expr_text_end(const char *text)
{
	struct lexer lx = { .text = text };

	do
		pgb_lex_next(&lx);
	while (lx.cur.kind != T_END && !lx.oom);
	return lx.oom ? strlen(text) : lx.cur.end;
}
