/*
 * script_check.c - pgbench's CheckConditional: a script's \if, \elif, \else and \endif must
 * nest, with pgbench's messages ("condition error in script "S" command N: ..."); and, since
 * the structure is walked anyway, each chain's jump targets (script.h), so that a client
 * skipping a branch never searches for where it ends.
 */
#include "script_int.h"

#include <errno.h>
#include <stdlib.h>

/* CheckConditional: the \if structure, and each chain's jump targets */
int pgb_script_check_conditionals(struct pgb_script *s, const char *source, FILE *err)
{
	/* per open chain: its \if, its last member so far, whether that is an \else */
	unsigned *head = calloc(s->ncmds + 1, sizeof(*head));
	unsigned *last = calloc(s->ncmds + 1, sizeof(*last));
	unsigned depth = 0, i;
	const char *msg = NULL;

	if (!head || !last) {
		free(head);
		free(last);
		fprintf(err, PGB_ERR "out of memory\n");
		return -ENOMEM;
	}
	for (i = 0; i < s->ncmds && !msg; i++) {
		struct pgb_command *c = &s->cmds[i];

		if (c->type != PGB_CMD_META)
			continue;
		switch (c->meta) {
		case PGB_META_IF:
			head[depth] = last[depth] = i;
			depth++;
			break;
		case PGB_META_ELIF:
		case PGB_META_ELSE:
			if (!depth)
				msg = c->meta == PGB_META_ELIF ? "\\elif without matching \\if"
							       : "\\else without matching \\if";
			else if (s->cmds[last[depth - 1]].meta == PGB_META_ELSE)
				msg = c->meta == PGB_META_ELIF ? "\\elif after \\else"
							       : "\\else after \\else";
			else
				s->cmds[last[depth - 1]].jump = i;
			if (!msg)
				last[depth - 1] = i;
			break;
		case PGB_META_ENDIF:
			if (!depth) {
				msg = "\\endif without matching \\if";
				break;
			}
			depth--;
			s->cmds[last[depth]].jump = i;
			/* every member learns where the chain ends; \else goes there */
			for (unsigned k = head[depth];;) {
				struct pgb_command *m = &s->cmds[k];
				unsigned next = m->jump;

				m->jump_end = i + 1;
				if (m->meta == PGB_META_ELSE)
					m->jump = i + 1;
				if (next == i)
					break;
				k = next;
			}
			c->jump = c->jump_end = i + 1;
			break;
		default:
			break;
		}
	}
	free(head);
	free(last);
	/* pgbench numbers commands from 1 here (i is one past the culprit), and names the
	 * one past the end for an \if left open */
	if (!msg && depth) {
		msg = "\\if without matching \\endif";
		i = s->ncmds + 1;
	}
	if (msg) {
		fprintf(err, PGB_ERR "condition error in script \"%s\" command %u: %s\n", source, i,
			msg);
		return -EINVAL;
	}
	return 0;
}
