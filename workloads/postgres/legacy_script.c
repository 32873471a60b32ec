/*
 * script.c -  (legacy: to be replaced by script.h) pgbench's builtin transactions. Each is written once, as pgbench shows it, with
 * :name variables; at start it is split into literal segments and variable slots, from which
 * the simple protocol renders the SQL text per transaction (no allocation: a memcpy per
 * segment and a number per slot) and the extended and prepared protocols get $n parameters.
 */
#include "pgbench.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct builtin {
	const char *name, *title;
	const char *const *sql;
};

/* The statements of pgbench's builtin scripts (their SQL is pgbench's, as users know it). */
static const char *const tpcb_like[] = {
	"BEGIN;",
	"UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;",
	"SELECT abalance FROM pgbench_accounts WHERE aid = :aid;",
	"UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;",
	"UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;",
	"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, "
	":delta, CURRENT_TIMESTAMP);",
	"END;",
	NULL,
};

static const char *const simple_update[] = {
	"BEGIN;",
	"UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;",
	"SELECT abalance FROM pgbench_accounts WHERE aid = :aid;",
	"INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, "
	":delta, CURRENT_TIMESTAMP);",
	"END;",
	NULL,
};

static const char *const select_only[] = {
	"SELECT abalance FROM pgbench_accounts WHERE aid = :aid;",
	NULL,
};

static const struct builtin builtins[] = {
	{ "tpcb-like", "TPC-B (sort of)", tpcb_like },
	{ "simple-update", "simple update", simple_update },
	{ "select-only", "select only", select_only },
	{ NULL, NULL, NULL },
};

static const char *const var_names[PGB_NVARS] = { "aid", "bid", "tid", "delta" };

const char *pgb_lbuiltin_resolve(const char *name, char *err, size_t err_size)
{
	const char *found = NULL;
	unsigned matches = 0;

	for (unsigned i = 0; builtins[i].name; i++) {
		if (!strcmp(builtins[i].name, name))
			return builtins[i].name;
		if (*name && !strncmp(builtins[i].name, name, strlen(name))) {
			found = builtins[i].name;
			matches++;
		}
	}
	if (matches == 1)
		return found;
	snprintf(err, err_size,
		 "%s builtin script \"%s\"; allowed: tpcb-like, simple-update, "
		 "select-only (or a unique prefix)",
		 matches ? "ambiguous" : "no", name);
	return NULL;
}

static int parse_stmt(struct pgb_stmt *st, const char *sql, unsigned index, bool *vars_used)
{
	const char *p = sql, *seg = sql;
	int param_of[PGB_NVARS];
	char *out;
	size_t cap = strlen(sql) + 8 * PGB_MAX_SEGMENTS;

	memset(st, 0, sizeof(*st));
	for (unsigned v = 0; v < PGB_NVARS; v++)
		param_of[v] = 0;
	st->param_sql = out = malloc(cap);
	if (!out)
		return -ENOMEM;
	snprintf(st->name, sizeof(st->name), "P0_%u", index);
	while ((p = strchr(p, ':'))) {
		int var = -1;
		for (unsigned v = 0; v < PGB_NVARS; v++) {
			size_t len = strlen(var_names[v]);
			if (!strncmp(p + 1, var_names[v], len)) {
				var = (int)v;
				break;
			}
		}
		if (var < 0 || st->nsegs + 1 >= PGB_MAX_SEGMENTS) {
			p++;
			continue;
		}
		st->seg[st->nsegs] = seg;
		st->seg_len[st->nsegs] = (unsigned)(p - seg);
		st->var[st->nsegs] = var;
		st->nsegs++;
		vars_used[var] = true;
		memcpy(out, seg, (size_t)(p - seg));
		out += p - seg;
		/* a variable used twice is one parameter, as pgbench binds it */
		if (!param_of[var]) {
			st->param_var[st->nparams] = var;
			param_of[var] = (int)++st->nparams;
		}
		out += sprintf(out, "$%d", param_of[var]);
		p += 1 + strlen(var_names[var]);
		seg = p;
	}
	st->seg[st->nsegs] = seg;
	st->seg_len[st->nsegs] = (unsigned)strlen(seg);
	st->nsegs++;
	strcpy(out, seg);
	return 0;
}

int pgb_lscript_build(struct pgb_lscript *s, const char *builtin)
{
	const struct builtin *b = NULL;

	memset(s, 0, sizeof(*s));
	for (unsigned i = 0; builtins[i].name; i++)
		if (!strcmp(builtins[i].name, builtin))
			b = &builtins[i];
	if (!b)
		return -EINVAL;
	s->name = b->name;
	s->title = b->title;
	for (unsigned i = 0; b->sql[i]; i++) {
		int ret = parse_stmt(&s->stmt[i], b->sql[i], i, s->vars_used);
		s->nstmts = i + 1;
		if (ret) {
			pgb_lscript_free(s);
			return ret;
		}
		/* every variable at its widest: 20 characters for an int64 */
		size_t len = strlen(b->sql[i]) + 20 * PGB_MAX_SEGMENTS + 1;
		if (len > s->max_sql)
			s->max_sql = len;
	}
	return 0;
}

void pgb_lscript_free(struct pgb_lscript *s)
{
	for (unsigned i = 0; i < s->nstmts; i++)
		free(s->stmt[i].param_sql);
	s->nstmts = 0;
}

/* Decimal digits of v into buf, returning the length (hand-written: it runs per statement). */
static size_t put_int(char *buf, int64_t v)
{
	char tmp[24];
	size_t n = 0, len = 0;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	if (v < 0)
		buf[len++] = '-';
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	while (n)
		buf[len++] = tmp[--n];
	return len;
}

size_t pgb_stmt_render(const struct pgb_stmt *st, const int64_t *vars, char *buf)
{
	size_t len = 0;

	for (unsigned i = 0; i < st->nsegs; i++) {
		memcpy(buf + len, st->seg[i], st->seg_len[i]);
		len += st->seg_len[i];
		if (i + 1 < st->nsegs)
			len += put_int(buf + len, vars[st->var[i]]);
	}
	buf[len] = '\0';
	return len;
}

/* Exposed for the extended protocol: parameter values as text. */
size_t pgb_format_int(char *buf, int64_t v)
{
	size_t len = put_int(buf, v);
	buf[len] = '\0';
	return len;
}
