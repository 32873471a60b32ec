/*
 * shell.c - \shell and \setshell, run as pgbench's runShellCommand runs them: the words
 * joined by single spaces (":name" replaced by the variable's text, "::x" kept as ":x") into
 * a command of less than 256 bytes, run by /bin/sh; \shell checks the exit status, \setshell
 * reads the first line of the output as an integer. The messages are pgbench 15's, which
 * name the command's first word where pgbench names its argv[0].
 *
 * Not on a hot path: a fork and an exec per run of the command, as in pgbench.
 */
#include "script.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SHELL_COMMAND_SIZE 256 /* pgbench's limit, terminator included */

/* How a word was written, for messages: ":name" for a variable, else its text */
static void word_name(const struct pgb_arg *a, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", a->var >= 0 ? ":" : "", a->text);
}

int pgb_run_shell(const struct pgb_command *cmd, struct pgb_vars *vars, bool setshell,
		  int64_t *result, char *err, size_t err_size)
{
	char command[SHELL_COMMAND_SIZE], res[64], first[128], *end;
	size_t len = 0;
	FILE *fp;
	long v;

	if (!cmd->nargs) {
		snprintf(err, err_size, "missing command");
		return -1;
	}
	word_name(&cmd->args[0], first, sizeof(first));
	for (unsigned i = 0; i < cmd->nargs; i++) {
		const struct pgb_arg *a = &cmd->args[i];
		const char *arg = a->text;
		size_t arglen;

		if (a->var >= 0) {
			arg = pgb_var_string(vars, a->var, &arglen);
			if (!arg) {
				char name[128];

				word_name(a, name, sizeof(name));
				snprintf(err, err_size, "%s: undefined variable \"%s\"", first,
					 name);
				return -1;
			}
		} else {
			arglen = strlen(arg);
		}
		if (len + arglen + (i > 0 ? 1 : 0) >= SHELL_COMMAND_SIZE - 1) {
			snprintf(err, err_size, "%s: shell command is too long", first);
			return -1;
		}
		if (i > 0)
			command[len++] = ' ';
		memcpy(command + len, arg, arglen);
		len += arglen;
	}
	command[len] = '\0';
	fflush(NULL); /* what we printed must come before what the command prints */

	if (!setshell) {
		if (system(command) != 0) {
			snprintf(err, err_size, "%s: could not launch shell command", first);
			return -1;
		}
		return 0;
	}
	fp = popen(command, "r");
	if (!fp) {
		snprintf(err, err_size, "%s: could not launch shell command", first);
		return -1;
	}
	if (!fgets(res, sizeof(res), fp)) {
		snprintf(err, err_size, "%s: could not read result of shell command", first);
		(void)pclose(fp);
		return -1;
	}
	if (pclose(fp) < 0) {
		snprintf(err, err_size, "%s: could not close shell command", first);
		return -1;
	}
	/* pgbench keeps an int: strtol's result cast, trailing whitespace allowed */
	errno = 0;
	v = strtol(res, &end, 10);
	while (*end && isspace((unsigned char)*end))
		end++;
	if (!res[0] || *end) {
		snprintf(err, err_size, "%s: shell command must return an integer (not \"%s\")",
			 first, res);
		return -1;
	}
	if (cmd->var_invalid) {
		snprintf(err, err_size, "setshell: invalid variable name: \"%s\"",
			 vars->tab->names[cmd->var]);
		return -1;
	}
	*result = (int)v;
	return 0;
}
