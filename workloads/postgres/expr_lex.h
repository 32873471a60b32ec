/*
 * expr_lex.h - the tokens of pgbench's expressions (exprscan.l's), for expr_parse.c: the
 * lexer reads one token at a time, as the parser asks, up to the end of the line.
 */
#ifndef PVCBENCH_PGBENCH_EXPR_LEX_H
#define PVCBENCH_PGBENCH_EXPR_LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum tok {
	T_END, /* a newline, or the end of the text */
	T_INT,
	T_MAXINT, /* 9223372036854775808: only after a unary minus */
	T_DOUBLE,
	T_TRUE,
	T_FALSE,
	T_NULL,
	T_VAR,
	T_IDENT,
	T_AND,
	T_OR,
	T_NOT,
	T_IS,
	T_ISNULL,
	T_NOTNULL,
	T_CASE,
	T_WHEN,
	T_THEN,
	T_ELSE,
	T_ENDKW,
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_PLUS,
	T_MINUS,
	T_STAR,
	T_SLASH,
	T_PERCENT,
	T_TILDE,
	T_AMP,
	T_BAR,
	T_HASH,
	T_LT,
	T_GT,
	T_EQ,
	T_LE,
	T_GE,
	T_NE,
	T_LSHIFT,
	T_RSHIFT,
	T_BAD, /* a lexical error (recorded in the parser) */
};

struct token {
	enum tok kind;
	size_t start, end; /* bytes of text: pgbench's column is end - 1 */
	int64_t i;
	double d;
};

struct lexer {
	const char *text;
	size_t pos;
	struct token cur;
	/* the line's last lexical error, which pgbench reports over any other error: its
	 * message, and the token it names (the caret under its last byte) */
	bool failed;
	const char *err;
	size_t err_start, err_end;
	bool oom; /* no memory for a long number's text */
};

/* Reads the next token into lx->cur; a lexical error is a T_BAD token, recorded in lx */
void pgb_lex_next(struct lexer *lx);

#endif
