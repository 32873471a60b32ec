/*
 * script_parse.c - one pgbench script's text to commands, checked as pgbench 15 checks it
 * (ParseScript, process_backslash_command, addScript, CheckConditional) and with its
 * messages: "SOURCE:LINE: MESSAGE (MORE) in command "NAME"", then the command's line and a
 * caret under the column at fault.
 *
 * A script alternates SQL (script_sql.c finds where each command ends) and meta-commands: a
 * backslash, a name and words up to the end of the line (a backslash at a line's end
 * continues it). \gset and \aset are no commands of their own: they mark the SQL command
 * before them. \if chains get their jump targets here, so that the clients never search.
 */
#include "script_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_ARGS 256 /* pgbench's limit on a command's words, its name included */

struct parser {
	const char *text, *source;
	size_t n;
	struct pgb_script *s;
	struct pgb_vartab *vars;
	FILE *err;
	unsigned cap;
	char *name;	 /* the current meta-command's name as written, for messages */
	size_t meta_end; /* where the last backslash command's text ended (0: none yet) */
};

/* a word of a meta-command: where it is in the text */
struct word {
	size_t off, len;
};

static unsigned line_of(const struct parser *p, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off && i < p->n; i++)
		line += p->text[i] == '\n';
	return line;
}

/* pgbench's syntax_error(): one line of message, then the line and the caret when known */
static int syntax_error(struct parser *p, unsigned lineno, const char *line, const char *command,
			const char *msg, const char *more, int column)
{
	fprintf(p->err, PGB_ERR "%s:%u: %s", p->source, lineno, msg);
	if (more)
		fprintf(p->err, " (%s)", more);
	if (column >= 0 && !line)
		fprintf(p->err, " at column %d", column + 1);
	if (command)
		fprintf(p->err, " in command \"%s\"", command);
	fputc('\n', p->err);
	if (line) {
		fprintf(p->err, "%s\n", line);
		if (column >= 0)
			fprintf(p->err, "%*c error found here\n", column + 1, '^');
	}
	return -EINVAL;
}

static int nomem(struct parser *p)
{
	fprintf(p->err, PGB_ERR "out of memory\n");
	return -ENOMEM;
}

static struct pgb_command *new_command(struct parser *p)
{
	struct pgb_script *s = p->s;

	if (s->ncmds == p->cap) {
		unsigned cap = p->cap ? p->cap * 2 : 16;
		struct pgb_command *c = realloc(s->cmds, cap * sizeof(*c));

		if (!c)
			return NULL;
		s->cmds = c;
		p->cap = cap;
	}
	memset(&s->cmds[s->ncmds], 0, sizeof(s->cmds[0]));
	s->cmds[s->ncmds].var = -1;
	return &s->cmds[s->ncmds++];
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* a backslash-newline (or backslash-CR-newline) at t[i]: its length, else 0 */
static size_t continuation(const struct parser *p, size_t i)
{
	const char *t = p->text;

	if (i + 1 < p->n && t[i] == '\\' && t[i + 1] == '\n')
		return 2;
	if (i + 2 < p->n && t[i] == '\\' && t[i + 1] == '\r' && t[i + 2] == '\n')
		return 3;
	return 0;
}

/*
 * The next word of a meta-command from *pos (pgbench's expr_lex_one_word): false at the end
 * of the line (the newline consumed) or of the text.
 */
static bool next_word(const struct parser *p, size_t *pos, struct word *w)
{
	size_t i = *pos, k;

	for (;;) {
		if (i >= p->n) {
			*pos = i;
			return false;
		}
		if (p->text[i] == '\n') {
			*pos = i + 1;
			return false;
		}
		if (is_blank(p->text[i])) {
			i++;
		} else if ((k = continuation(p, i))) {
			i += k;
		} else {
			break;
		}
	}
	w->off = i;
	while (i < p->n && p->text[i] != '\n' && !is_blank(p->text[i]))
		i++;
	/* "word\" at the end of a line is the word, then a continuation (pgbench's lexer has a
	 * rule for it) */
	if (i > w->off + 1 && continuation(p, i - 1))
		i--;
	w->len = i - w->off;
	*pos = i;
	return true;
}

/* The end of the current meta-command's line: the newline ending it (not continued) */
static size_t line_end(const struct parser *p, size_t i)
{
	size_t k;

	while (i < p->n && p->text[i] != '\n') {
		if ((k = continuation(p, i)))
			i += k;
		else
			i++;
	}
	return i;
}

static char *dup_range(const char *s, size_t len)
{
	char *d = malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

/* A command's line for messages: trailing newlines and CRs cut, as pgbench's chomp does */
static char *dup_line(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	return dup_range(s, len);
}

static enum pgb_meta meta_of(const char *name)
{
	static const struct {
		const char *name;
		enum pgb_meta meta;
	} metas[] = {
		{ "set", PGB_META_SET },
		{ "setshell", PGB_META_SETSHELL },
		{ "shell", PGB_META_SHELL },
		{ "sleep", PGB_META_SLEEP },
		{ "if", PGB_META_IF },
		{ "elif", PGB_META_ELIF },
		{ "else", PGB_META_ELSE },
		{ "endif", PGB_META_ENDIF },
		{ "gset", PGB_META_GSET },
		{ "aset", PGB_META_ASET },
		{ "startpipeline", PGB_META_STARTPIPELINE },
		{ "endpipeline", PGB_META_ENDPIPELINE },
	};

	for (unsigned i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		if (!strcasecmp(name, metas[i].name))
			return metas[i].meta;
	}
	return PGB_META_NONE;
}

/* An argument of \sleep, \shell, \setshell: ":name" is a variable, "::x" the literal ":x" */
static int make_arg(struct parser *p, struct pgb_arg *a, const char *w, size_t len)
{
	a->var = -1;
	if (len >= 1 && w[0] == ':' && !(len >= 2 && w[1] == ':')) {
		a->var = pgb_vartab_slot(p->vars, w + 1, len - 1);
		if (a->var < 0)
			return -ENOMEM;
		a->text = dup_range(w + 1, len - 1);
	} else if (len >= 2 && w[0] == ':') {
		a->text = dup_range(w + 1, len - 1);
	} else {
		a->text = dup_range(w, len);
	}
	return a->text ? 0 : -ENOMEM;
}

/* \set NAME EXPR, \if EXPR, \elif EXPR: the rest of the line is the expression */
static int parse_expression(struct parser *p, struct pgb_command *c, const char *name, size_t bs,
			    size_t pos, size_t *next)
{
	size_t end = line_end(p, pos);
	char err[4096] = ""; /* a constant in the message can be long */
	int col = -1, column;
	/* the expression with its line's newline: expr.h's parser ends there, and points its
	 * caret as pgbench does (at the newline, or at the last byte at the end of the text) */
	char *expr = dup_range(p->text + pos, (end < p->n ? end + 1 : end) - pos);

	if (!expr)
		return nomem(p);
	c->first_line = dup_line(p->text + bs, end - bs);
	if (!c->first_line) {
		free(expr);
		return nomem(p);
	}
	c->expr = pgb_expr_parse(expr, p->vars, err, sizeof(err), &col);
	free(expr);
	if (!c->expr) {
		if (!strcmp(err, "out of memory"))
			return nomem(p);
		column = col >= 0 ? (int)(pos - bs) + col : -1;
		/* pgbench points at the last byte it read: with nothing after the name at the
		 * end of the text, that is the name's last byte */
		if (pos == p->n)
			column = (int)(pos - bs) - 1;
		return syntax_error(p, c->lineno, c->first_line, name, err, NULL, column);
	}
	*next = end < p->n ? end + 1 : end;
	return 0;
}

/* \sleep's checks and its argument split into number and unit ("10ms" is 10 and ms) */
static int parse_sleep(struct parser *p, struct pgb_command *c, const char *name, size_t bs,
		       struct word *w, unsigned argc)
{
	const char *t = p->text;
	size_t unit_off = 0, unit_len = 0, num_len;

	if (argc < 2)
		return syntax_error(p, c->lineno, c->first_line, name, "missing argument", NULL,
				    -1);
	if (argc > 3)
		return syntax_error(p, c->lineno, c->first_line, name, "too many arguments", NULL,
				    (int)(w[3].off - bs));
	num_len = w[1].len;
	if (t[w[1].off] != ':') {
		size_t i = w[1].off, e = w[1].off + w[1].len;
		bool digit = false;

		if (i < e && (t[i] == '+' || t[i] == '-'))
			i++;
		digit = i < e && isdigit((unsigned char)t[i]);
		while (i < e && isdigit((unsigned char)t[i]))
			i++;
		if (i < e) {
			if (argc == 2 && digit) {
				unit_off = i;
				unit_len = e - i;
				num_len = i - w[1].off;
				argc = 3;
			} else {
				char *more = dup_range(t + w[1].off, w[1].len);
				int r = syntax_error(p, c->lineno, c->first_line, name,
						     "invalid sleep time, must be an integer", more,
						     (int)(w[1].off - bs));
				free(more);
				return r;
			}
		} else if (argc == 3) {
			unit_off = w[2].off;
			unit_len = w[2].len;
		}
	} else if (argc == 3) {
		unit_off = w[2].off;
		unit_len = w[2].len;
	}
	c->sleep_usec_mult = 1000000;
	if (argc == 3) {
		char *unit = dup_range(t + unit_off, unit_len);

		if (!unit)
			return nomem(p);
		if (!strcasecmp(unit, "us")) {
			c->sleep_usec_mult = 1;
		} else if (!strcasecmp(unit, "ms")) {
			c->sleep_usec_mult = 1000;
		} else if (strcasecmp(unit, "s")) {
			int r = syntax_error(p, c->lineno, c->first_line, name,
					     "unrecognized time unit, must be us, ms or s", unit,
					     (int)(unit_off - bs));
			free(unit);
			return r;
		}
		free(unit);
	}
	c->args = calloc(1, sizeof(*c->args));
	if (!c->args)
		return nomem(p);
	c->nargs = 1;
	if (t[w[1].off] == ':') {
		/* every ':' starts a variable here, "::x" too (pgbench looks up ":x" and fails) */
		c->args[0].var = pgb_vartab_slot(p->vars, t + w[1].off + 1, w[1].len - 1);
		c->args[0].text = dup_range(t + w[1].off + 1, w[1].len - 1);
		if (c->args[0].var < 0 || !c->args[0].text)
			return nomem(p);
	} else if (make_arg(p, &c->args[0], t + w[1].off, num_len)) {
		return nomem(p);
	}
	return 0;
}

/* \gset / \aset: marks the SQL command just before (pgbench uses no command slot for it) */
static int attach_gset(struct parser *p, enum pgb_meta meta, struct word *w, unsigned argc)
{
	struct pgb_command *prev;
	unsigned lineno;

	/*
	 * pgbench 15 reports this error on a line of its own reckoning (measured): the line
	 * where the backslash command before this one ended, or when there was none, the line
	 * of the text's last byte
	 */
	lineno = p->meta_end ? line_of(p, p->meta_end) : line_of(p, p->n ? p->n - 1 : 0);
	if (p->s->ncmds == 0)
		return syntax_error(p, lineno, NULL, NULL, "\\gset must follow an SQL command",
				    NULL, -1);
	prev = &p->s->cmds[p->s->ncmds - 1];
	if (prev->type != PGB_CMD_SQL || prev->varprefix)
		/* pgbench names the command before only when it is a meta-command: an SQL
		 * command's first line is not known yet at that point of its parse */
		return syntax_error(p, lineno, NULL, NULL, "\\gset must follow an SQL command",
				    prev->type == PGB_CMD_SQL ? NULL : prev->first_line, -1);
	prev->varprefix = argc > 1 ? dup_range(p->text + w[1].off, w[1].len) : strdup("");
	if (!prev->varprefix)
		return nomem(p);
	prev->meta = meta;
	return 0;
}

/* A meta-command at text[bs] (the backslash); *pos past its line on return */
static int parse_meta(struct parser *p, size_t bs, size_t *pos)
{
	struct word w[MAX_ARGS + 1]; /* one past pgbench's limit: the word refused */
	struct pgb_command *c;
	unsigned argc = 0, lineno = line_of(p, bs);
	size_t i = bs + 1, end;
	const char *name;
	enum pgb_meta meta;
	int r;

	if (!next_word(p, &i, &w[0])) {
		*pos = i;
		return 0; /* a lone backslash: no command */
	}
	argc = 1;
	free(p->name);
	p->name = dup_range(p->text + w[0].off, w[0].len);
	if (!p->name)
		return nomem(p);
	name = p->name;
	meta = meta_of(name);

	if (meta == PGB_META_SET || meta == PGB_META_IF || meta == PGB_META_ELIF) {
		c = new_command(p);
		if (!c)
			return nomem(p);
		c->type = PGB_CMD_META;
		c->meta = meta;
		c->lineno = lineno;
		if (meta == PGB_META_SET) {
			if (!next_word(p, &i, &w[1]))
				return syntax_error(p, lineno, NULL, name, "missing argument", NULL,
						    -1);
			c->var = pgb_vartab_slot(p->vars, p->text + w[1].off, w[1].len);
			if (c->var < 0)
				return nomem(p);
			c->var_invalid = !pgb_valid_var_name(p->text + w[1].off, w[1].len);
		}
		return parse_expression(p, c, name, bs, i, pos);
	}

	while (next_word(p, &i, &w[argc])) {
		if (argc >= MAX_ARGS)
			return syntax_error(p, lineno, NULL, name, "too many arguments", NULL, -1);
		argc++;
	}
	*pos = i;
	/* the command's line: from the backslash to the newline that ended it */
	end = i;

	if (meta == PGB_META_GSET || meta == PGB_META_ASET) {
		if (argc > 2) {
			char *line = dup_line(p->text + bs, end - bs);

			r = line ? syntax_error(p, lineno, line, name, "too many arguments", NULL,
						-1)
				 : nomem(p);
			free(line);
			return r;
		}
		return attach_gset(p, meta, w, argc);
	}

	c = new_command(p);
	if (!c)
		return nomem(p);
	c->type = PGB_CMD_META;
	c->meta = meta;
	c->lineno = lineno;
	c->first_line = dup_line(p->text + bs, end - bs);
	if (!c->first_line)
		return nomem(p);

	switch (meta) {
	case PGB_META_SLEEP:
		return parse_sleep(p, c, name, bs, w, argc);
	case PGB_META_SETSHELL:
	case PGB_META_SHELL: {
		unsigned first = meta == PGB_META_SETSHELL ? 2 : 1;

		if (argc < first + 1)
			return syntax_error(p, lineno, c->first_line, name,
					    meta == PGB_META_SHELL ? "missing command"
								   : "missing argument",
					    NULL, -1);
		if (meta == PGB_META_SETSHELL) {
			c->var = pgb_vartab_slot(p->vars, p->text + w[1].off, w[1].len);
			if (c->var < 0)
				return nomem(p);
			c->var_invalid = !pgb_valid_var_name(p->text + w[1].off, w[1].len);
		}
		c->args = calloc(argc - first, sizeof(*c->args));
		if (!c->args)
			return nomem(p);
		for (unsigned k = first; k < argc; k++) {
			if (make_arg(p, &c->args[c->nargs++], p->text + w[k].off, w[k].len))
				return nomem(p);
		}
		return 0;
	}
	case PGB_META_ELSE:
	case PGB_META_ENDIF:
	case PGB_META_STARTPIPELINE:
	case PGB_META_ENDPIPELINE:
		if (argc != 1)
			return syntax_error(p, lineno, c->first_line, name, "unexpected argument",
					    NULL, -1);
		if (meta == PGB_META_STARTPIPELINE)
			p->s->uses_pipeline = true;
		return 0;
	default:
		return syntax_error(p, lineno, c->first_line, name, "invalid command", NULL, -1);
	}
}

/* An SQL command from the scanner's text (b->d, taken over) */
static int add_sql(struct parser *p, struct pgb_buf *b, size_t start)
{
	struct pgb_command *c;
	char first[128];
	char *text = b->d;

	b->d = NULL;
	b->len = b->cap = 0;
	c = new_command(p);
	if (!c) {
		free(text);
		return nomem(p);
	}
	c->type = PGB_CMD_SQL;
	c->meta = PGB_META_NONE;
	c->lineno = line_of(p, start);
	/* pgbench shows the first line, cut at 127 bytes (-r, messages) */
	snprintf(first, sizeof(first), "%s", text);
	first[strcspn(first, "\n\r")] = '\0';
	c->first_line = strdup(first);
	if (!c->first_line || pgb_sql_build(&c->sql, text, p->vars))
		return nomem(p);
	snprintf(c->sql.prep_name, sizeof(c->sql.prep_name), "P0_%u", p->s->ncmds - 1);
	return 0;
}

/* pgbench's skip_sql_comments: nothing but whitespace and "--" comments is no command */
static bool only_comments(const char *s)
{
	for (;;) {
		if (isspace((unsigned char)*s)) {
			s++;
		} else if (s[0] == '-' && s[1] == '-') {
			s = strchr(s, '\n');
			if (!s)
				return true;
			s++;
		} else {
			return *s == '\0';
		}
	}
}

void pgb_script_release(struct pgb_script *s)
{
	for (unsigned i = 0; i < s->ncmds; i++) {
		struct pgb_command *c = &s->cmds[i];

		free(c->first_line);
		pgb_sql_release(&c->sql);
		free(c->varprefix);
		if (c->expr)
			pgb_expr_free(c->expr);
		for (unsigned k = 0; k < c->nargs; k++)
			free(c->args[k].text);
		free(c->args);
	}
	free(s->cmds);
	free(s->name);
	free(s->desc);
	memset(s, 0, sizeof(*s));
}

int pgb_script_parse(struct pgb_script *s, const char *source, const char *text,
		     struct pgb_vartab *vars, FILE *err_out)
{
	struct parser p = { .text = text,
			    .source = source,
			    .n = strlen(text),
			    .s = s,
			    .vars = vars,
			    .err = err_out };
	struct pgb_scan st = { 0 };
	struct pgb_buf b = { 0 };
	size_t pos = 0;
	int r = 0;

	s->cmds = NULL;
	s->ncmds = 0;
	s->uses_pipeline = false;
	if ((!s->name && !(s->name = strdup(source))) || (!s->desc && !(s->desc = strdup(source))))
		return nomem(&p);
	for (;;) {
		enum pgb_scan_end end;
		size_t start = pos;

		b.len = 0;
		if (pgb_sql_scan(&st, text, p.n, &pos, &b, &start, &end)) {
			r = nomem(&p);
			break;
		}
		if (b.len && !only_comments(b.d) && (r = add_sql(&p, &b, start)))
			break;
		if (end == PGB_SCAN_BACKSLASH) {
			if ((r = parse_meta(&p, pos, &pos)))
				break;
			p.meta_end = pos;
		}
		if (end == PGB_SCAN_EOF)
			break;
	}
	pgb_buf_free(&b);
	free(p.name);
	if (!r && !s->ncmds) {
		fprintf(err_out, PGB_ERR "empty command list for script \"%s\"\n", source);
		r = -EINVAL;
	}
	if (!r)
		r = pgb_script_check_conditionals(s, source, err_out);
	return r;
}
