/*
 * client_meta.c - a client's meta-commands, run in its step without waiting, as pgbench 15's
 * executeMetaCommand runs them: \set (the expression evaluated over the client's variables
 * and random state), \if / \elif / \else / \endif (through each command's jump, so no stack is
 * kept), \sleep (the client rests until a time), \setshell and \shell (synchronous, as
 * pgbench's), \startpipeline and \endpipeline (libpq's pipeline mode). A failure prints
 * pgbench's message and aborts the client.
 */
#include "client.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pvcbench/clock.h"

/* An expression's value for \set, \if, \elif; false after aborting the client */
static bool eval(struct pgb_thread *t, struct pgb_client *c, const struct pgb_command *cmd,
		 const char *what, struct pgb_value *out)
{
	char err[256];
	struct pgb_eval ev = {
		.vars = &c->vars,
		.rng = c->rng,
		.debug_out = stderr,
		.script = c->script_no,
		.command = c->cmd + 1,
		.err = err,
		.err_size = sizeof(err),
	};

	err[0] = '\0';
	if (!pgb_expr_eval(cmd->expr, &ev, out))
		return true;
	if (err[0])
		fprintf(stderr, PGB_PROG ": error: %s\n", err);
	pgb_command_failed(t, c, what, "evaluation of meta-command failed");
	return false;
}

/* A condition's truth; false after aborting the client */
static bool condition(struct pgb_thread *t, struct pgb_client *c, const struct pgb_command *cmd,
		      const char *what, bool *truth)
{
	struct pgb_value v;
	char err[256];

	if (!eval(t, c, cmd, what, &v))
		return false;
	err[0] = '\0';
	if (!pgb_value_bool(&v, truth, err, sizeof(err)))
		return true;
	if (err[0])
		fprintf(stderr, PGB_PROG ": error: %s\n", err);
	pgb_command_failed(t, c, what, "evaluation of meta-command failed");
	return false;
}

/*
 * A false \if or \elif: on to its chain's next branch. An \elif there is evaluated (it runs
 * next with elif_eval set); past an \else or \endif the commands run.
 */
static enum pgb_cstate branch_not_taken(struct pgb_client *c, const struct pgb_command *cmd)
{
	const struct pgb_command *to = &c->script->cmds[cmd->jump];

	c->elif_eval = to->meta == PGB_META_ELIF;
	c->next_cmd = c->elif_eval ? cmd->jump : cmd->jump + 1;
	return CS_END_CMD;
}

/* \sleep's delay in microseconds (evaluateSleep); false after aborting the client */
static bool sleep_usec(struct pgb_thread *t, struct pgb_client *c, const struct pgb_command *cmd,
		       int64_t *usec)
{
	const struct pgb_arg *a = &cmd->args[0];
	const char *text = a->text;

	if (a->var >= 0) {
		text = pgb_var_string(&c->vars, a->var, NULL);
		if (!text) {
			fprintf(stderr, PGB_PROG ": error: sleep: undefined variable \"%s\"\n",
				a->text);
			pgb_command_failed(t, c, "sleep", "execution of meta-command failed");
			return false;
		}
		if (atoi(text) == 0 && !isdigit((unsigned char)*text)) {
			fprintf(stderr,
				PGB_PROG ": error: sleep: invalid sleep time \"%s\" for variable "
					 "\"%s\"\n",
				text, a->text);
			pgb_command_failed(t, c, "sleep", "execution of meta-command failed");
			return false;
		}
	}
	/* pgbench's arithmetic: an int, times the unit */
	*usec = (int64_t)atoi(text) * cmd->sleep_usec_mult;
	return true;
}

static enum pgb_cstate shell(struct pgb_thread *t, struct pgb_client *c,
			     const struct pgb_command *cmd, bool setshell)
{
	char err[256];
	int64_t result = 0;

	err[0] = '\0';
	if (pgb_run_shell(cmd, &c->vars, setshell, &result, err, sizeof(err))) {
		if (err[0] && !t->draining)
			fprintf(stderr, PGB_PROG ": error: %s\n", err);
		pgb_command_failed(t, c, setshell ? "setshell" : "shell",
				   "execution of meta-command failed");
		return c->state;
	}
	if (setshell) {
		struct pgb_value v = { .type = PGB_V_INT, .u.i = result };
		pgb_var_set_value(&c->vars, cmd->var, &v);
	}
	return CS_END_CMD;
}

enum pgb_cstate pgb_meta_exec(struct pgb_thread *t, struct pgb_client *c, uint64_t *now)
{
	const struct pgb_command *cmd = &c->script->cmds[c->cmd];
	struct pgb_value v;
	bool truth;

	if (t->run->cfg->debug && !c->elif_eval)
		fprintf(stderr, PGB_PROG ": debug: client %u executing %s\n", c->id,
			cmd->first_line ? cmd->first_line : "");
	switch (cmd->meta) {
	case PGB_META_SET: {
		if (!eval(t, c, cmd, "set", &v))
			return c->state;
		/* pgbench parses any name after \set, and refuses to store a bad one */
		if (cmd->var_invalid) {
			const char *name = c->vars.tab->names[cmd->var];
			fprintf(stderr, PGB_PROG ": error: set: invalid variable name: \"%s\"\n",
				name);
			pgb_command_failed(t, c, "set", "assignment of meta-command failed");
			return c->state;
		}
		pgb_var_set_value(&c->vars, cmd->var, &v);
		return CS_END_CMD;
	}

	case PGB_META_IF:
		if (!condition(t, c, cmd, "if", &truth))
			return c->state;
		return truth ? CS_END_CMD : branch_not_taken(c, cmd);

	case PGB_META_ELIF:
		if (!c->elif_eval) {
			/* the end of a taken branch: past the chain's \endif */
			c->next_cmd = cmd->jump_end;
			return CS_END_CMD;
		}
		c->elif_eval = false;
		if (!condition(t, c, cmd, "elif", &truth))
			return c->state;
		return truth ? CS_END_CMD : branch_not_taken(c, cmd);

	case PGB_META_ELSE:
		c->next_cmd = cmd->jump_end; /* the end of a taken branch */
		return CS_END_CMD;

	case PGB_META_ENDIF:
		return CS_END_CMD;

	case PGB_META_SLEEP: {
		int64_t usec;
		if (!sleep_usec(t, c, cmd, &usec))
			return c->state;
		c->sleep_until_ns = *now + (uint64_t)(usec > 0 ? usec : 0) * 1000;
		return CS_SLEEP;
	}

	case PGB_META_SETSHELL:
	case PGB_META_SHELL: {
		enum pgb_cstate next = shell(t, c, cmd, cmd->meta == PGB_META_SETSHELL);
		*now = clock_now_ns(); /* the command took its time */
		return next;
	}

	case PGB_META_STARTPIPELINE:
		if (t->run->mode == PGB_SIMPLE) {
			pgb_command_failed(
				t, c, "startpipeline",
				"cannot use pipeline mode with the simple query protocol");
			return c->state;
		}
		if (PQpipelineStatus(c->conn) != PQ_PIPELINE_OFF) {
			pgb_command_failed(t, c, "startpipeline", "already in pipeline mode");
			return c->state;
		}
		if (t->run->mode == PGB_PREPARED) {
			/* the pipeline's commands are prepared before it starts, as pgbench */
			enum pgb_cstate next = pgb_sql_prepare_pipeline(t, c);
			if (next != CS_START_CMD)
				return next;
		}
		if (!PQenterPipelineMode(c->conn)) {
			pgb_command_failed(t, c, "startpipeline", "failed to enter pipeline mode");
			return c->state;
		}
		return CS_END_CMD;

	case PGB_META_ENDPIPELINE:
		if (PQpipelineStatus(c->conn) != PQ_PIPELINE_ON) {
			pgb_command_failed(t, c, "endpipeline", "not in pipeline mode");
			return c->state;
		}
		if (!PQpipelineSync(c->conn) || !pgb_client_flush(c)) {
			pgb_command_failed(t, c, "endpipeline", "failed to send a pipeline sync");
			return c->state;
		}
		c->pipeline_read = true;
		c->sql_sent = true;
		c->qry = 0;
		return CS_WAIT_RESULT;

	case PGB_META_NONE:
	case PGB_META_GSET:
	case PGB_META_ASET:
		break;
	}
	return CS_END_CMD;
}
