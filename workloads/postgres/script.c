/*
 * script.c - the run's scripts: pgbench 15's three builtins as the script texts pgbench
 * itself runs (so one engine serves them and -f files), -b list and --show-script as pgbench
 * prints them, and pgb_scripts_load, which turns the configuration's -f/-b/-N/-S (in their
 * order, with weights) and -D into parsed scripts over one variable table.
 *
 * Everything here happens once, before any connection: the clients only read the result.
 */
#include "script_int.h"

/* pgbench.h's legacy builtins name an enum pgb_var, which expr.h's struct pgb_var clashes
 * with until the engine drops them: renamed here, for this file only */
#define pgb_var pgb_legacy_var
#include "pgbench.h"
#undef pgb_var

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct builtin {
	const char *name, *desc, *text;
};

/* pgbench's builtin_script[] (naccounts 100000, nbranches 1, ntellers 10 per scale unit) */
static const struct builtin builtins[] = {
	{ "tpcb-like", "<builtin: TPC-B (sort of)>",
	  "\\set aid random(1, 100000 * :scale)\n"
	  "\\set bid random(1, 1 * :scale)\n"
	  "\\set tid random(1, 10 * :scale)\n"
	  "\\set delta random(-5000, 5000)\n"
	  "BEGIN;\n"
	  "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;\n"
	  "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n"
	  "UPDATE pgbench_tellers SET tbalance = tbalance + :delta WHERE tid = :tid;\n"
	  "UPDATE pgbench_branches SET bbalance = bbalance + :delta WHERE bid = :bid;\n"
	  "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, "
	  ":delta, CURRENT_TIMESTAMP);\n"
	  "END;\n" },
	{ "simple-update", "<builtin: simple update>",
	  "\\set aid random(1, 100000 * :scale)\n"
	  "\\set bid random(1, 1 * :scale)\n"
	  "\\set tid random(1, 10 * :scale)\n"
	  "\\set delta random(-5000, 5000)\n"
	  "BEGIN;\n"
	  "UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;\n"
	  "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n"
	  "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (:tid, :bid, :aid, "
	  ":delta, CURRENT_TIMESTAMP);\n"
	  "END;\n" },
	{ "select-only", "<builtin: select only>",
	  "\\set aid random(1, 100000 * :scale)\n"
	  "SELECT abalance FROM pgbench_accounts WHERE aid = :aid;\n" },
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

/* pgbench's findBuiltin: every builtin whose name starts with the given text */
static const struct builtin *find_builtin(const char *name, char *err, size_t err_size)
{
	const struct builtin *found = NULL;
	unsigned matches = 0;
	size_t len = strlen(name);

	for (unsigned i = 0; i < NBUILTINS; i++) {
		if (!strncmp(builtins[i].name, name, len)) {
			found = &builtins[i];
			matches++;
		}
	}
	if (matches == 1)
		return found;
	if (!matches)
		snprintf(err, err_size, "no builtin script found for name \"%s\"", name);
	else
		snprintf(err, err_size,
			 "ambiguous builtin name: %u builtin scripts found for prefix \"%s\"",
			 matches, name);
	return NULL;
}

const char *pgb_builtin_resolve(const char *name, char *err, size_t err_size)
{
	const struct builtin *b = find_builtin(name, err, err_size);

	return b ? b->name : NULL;
}

void pgb_builtin_list(FILE *out)
{
	fprintf(out, "Available builtin scripts:\n");
	for (unsigned i = 0; i < NBUILTINS; i++)
		fprintf(out, "  %13s: %s\n", builtins[i].name, builtins[i].desc);
	fprintf(out, "\n");
}

int pgb_builtin_show(const char *name, FILE *out, char *err, size_t err_size)
{
	const struct builtin *b = find_builtin(name, err, err_size);

	if (!b)
		return -EINVAL;
	fprintf(out, "-- %s: %s\n%s\n", b->name, b->desc, b->text);
	return 0;
}

const char *pgb_builtin_text(const char *name)
{
	for (unsigned i = 0; i < NBUILTINS; i++) {
		if (!strcmp(builtins[i].name, name))
			return builtins[i].text;
	}
	return NULL;
}

/* The whole of a file ("-": standard input), NUL-terminated; NULL with errno */
static char *read_all(FILE *f)
{
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap), *d;

	while (buf) {
		size_t got = fread(buf + len, 1, cap - len - 1, f);

		len += got;
		if (len + 1 < cap) {
			if (ferror(f)) {
				free(buf);
				return NULL;
			}
			buf[len] = '\0';
			return buf;
		}
		cap *= 2;
		d = realloc(buf, cap);
		if (!d)
			free(buf);
		buf = d;
	}
	errno = ENOMEM;
	return NULL;
}

static int load_file(const char *path, char **text, FILE *err_out)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;

	if (!f) {
		fprintf(err_out, PGB_ERR "could not open file \"%s\": %s\n", path, strerror(errno));
		return -EINVAL;
	}
	*text = read_all(f);
	if (!*text) {
		int e = errno;

		fprintf(err_out, PGB_ERR "could not read file \"%s\": %s\n", path, strerror(e));
		if (f != stdin)
			fclose(f);
		return e == ENOMEM ? -ENOMEM : -EINVAL;
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

static int oom(FILE *err_out)
{
	fprintf(err_out, PGB_ERR "out of memory\n");
	return -ENOMEM;
}

/* -D NAME=VALUE, checked as pgbench's putVariable checks it; a later one wins */
static int load_define(struct pgb_scripts *ss, const char *def, FILE *err_out)
{
	const char *eq = strchr(def, '=');
	size_t nlen;
	int slot;

	if (!eq || eq == def || !eq[1]) {
		fprintf(err_out, PGB_ERR "invalid variable definition: \"%s\"\n", def);
		return -EINVAL;
	}
	nlen = (size_t)(eq - def);
	if (!pgb_valid_var_name(def, nlen)) {
		fprintf(err_out, PGB_ERR "option: invalid variable name: \"%.*s\"\n", (int)nlen,
			def);
		return -EINVAL;
	}
	slot = pgb_vartab_slot(&ss->vars, def, nlen);
	if (slot < 0)
		return oom(err_out);
	for (unsigned i = 0; i < ss->ndefines; i++) {
		if (ss->defines[i].slot == slot) {
			char *v = strdup(eq + 1);

			if (!v)
				return oom(err_out);
			free(ss->defines[i].value);
			ss->defines[i].value = v;
			return 0;
		}
	}
	ss->defines[ss->ndefines].slot = slot;
	ss->defines[ss->ndefines].value = strdup(eq + 1);
	if (!ss->defines[ss->ndefines].value)
		return oom(err_out);
	ss->ndefines++;
	ss->scale_defined |= nlen == 5 && !strncmp(def, "scale", 5);
	ss->client_id_defined |= nlen == 9 && !strncmp(def, "client_id", 9);
	ss->random_seed_defined |= nlen == 11 && !strncmp(def, "random_seed", 11);
	ss->default_seed_defined |= nlen == 12 && !strncmp(def, "default_seed", 12);
	return 0;
}

/* One -f or -b: its text parsed into ss->s[ss->n] */
static int load_script(struct pgb_scripts *ss, bool builtin, const char *name, int64_t weight,
		       FILE *err_out)
{
	struct pgb_script *s = &ss->s[ss->n];
	const struct builtin *b = NULL;
	char *text = NULL, err[160];
	int r;

	memset(s, 0, sizeof(*s));
	if (builtin) {
		b = find_builtin(name, err, sizeof(err));
		if (!b) {
			fprintf(err_out, PGB_ERR "%s\n", err);
			pgb_builtin_list(err_out);
			return -EINVAL;
		}
		s->name = strdup(b->name);
		s->desc = strdup(b->desc);
	} else {
		r = load_file(name, &text, err_out);
		if (r)
			return r;
		s->name = strdup(name);
		s->desc = strdup(name);
	}
	s->builtin = builtin;
	s->weight = weight;
	ss->n++; /* released with the others from here on */
	if (!s->name || !s->desc) {
		free(text);
		return oom(err_out);
	}
	r = pgb_script_parse(s, s->desc, b ? b->text : text, &ss->vars, err_out);
	free(text);
	s->builtin = builtin;
	s->weight = weight;
	return r;
}

int pgb_scripts_load(struct pgb_scripts *ss, const struct pgb_config *cfg, FILE *err_out)
{
	bool params = strcmp(cfg->protocol, "simple") != 0 && cfg->protocol[0];
	int r = 0;

	memset(ss, 0, sizeof(*ss));
	ss->s = calloc(cfg->nscripts ? cfg->nscripts : 1, sizeof(*ss->s));
	ss->defines = calloc(cfg->ndefines ? cfg->ndefines : 1, sizeof(*ss->defines));
	if (!ss->s || !ss->defines)
		r = oom(err_out);
	for (unsigned i = 0; !r && i < cfg->ndefines; i++)
		r = load_define(ss, cfg->defines[i], err_out);
	for (unsigned i = 0; !r && i < cfg->nscripts; i++) {
		const struct pgb_script_spec *sp = &cfg->script_specs[i];

		r = load_script(ss, sp->builtin, sp->name, sp->weight, err_out);
	}
	if (!r && !cfg->nscripts)
		r = load_script(ss, true, "tpcb-like", 1, err_out);

	for (unsigned i = 0; !r && i < ss->n; i++) {
		struct pgb_script *s = &ss->s[i];

		s->cmd_base = ss->total_cmds;
		ss->total_cmds += s->ncmds;
		ss->total_weight += s->weight;
		for (unsigned k = 0; k < s->ncmds; k++) {
			struct pgb_command *c = &s->cmds[k];

			if (c->type != PGB_CMD_SQL)
				continue;
			/* pgbench 15's prepared statements are named after script and command */
			snprintf(c->sql.prep_name, sizeof(c->sql.prep_name), "P%u_%u", i, k);
			/* its parseQuery refuses more than 255 parameters (not in simple mode,
			 * where nothing is counted) */
			if (params && c->sql.nparams > 255) {
				fprintf(err_out,
					PGB_ERR
					"statement has too many arguments (maximum is 255): "
					"%s\n",
					c->sql.text);
				r = -EINVAL;
			}
		}
	}
	if (!r && ss->total_weight == 0) {
		fprintf(err_out, PGB_ERR "total script weight must not be zero\n");
		r = -EINVAL;
	}
	if (!r) {
		ss->var_scale = pgb_vartab_slot(&ss->vars, "scale", 5);
		ss->var_client_id = pgb_vartab_slot(&ss->vars, "client_id", 9);
		ss->var_random_seed = pgb_vartab_slot(&ss->vars, "random_seed", 11);
		ss->var_default_seed = pgb_vartab_slot(&ss->vars, "default_seed", 12);
		if (ss->var_scale < 0 || ss->var_client_id < 0 || ss->var_random_seed < 0 ||
		    ss->var_default_seed < 0)
			r = oom(err_out);
	}
	if (r)
		pgb_scripts_free(ss);
	return r;
}

void pgb_scripts_free(struct pgb_scripts *ss)
{
	for (unsigned i = 0; i < ss->n; i++)
		pgb_script_release(&ss->s[i]);
	free(ss->s);
	for (unsigned i = 0; i < ss->ndefines; i++)
		free(ss->defines[i].value);
	free(ss->defines);
	pgb_vartab_free(&ss->vars);
	memset(ss, 0, sizeof(*ss));
}
