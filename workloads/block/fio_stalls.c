/*
 * fio_stalls.c - a report unit's outage windows (stall.h) for fio_json.c and fio_text.c: one
 * clone's are its worker's own; a group_reporting unit's are the times when none of its clones
 * completed an I/O (their intersection: the recovery of such a window is not known).
 */
#include "fio_unit.h"
#include "pvcbench/report.h"

const struct stall_list *blk_unit_stalls(const struct blk_unit *u, struct stall_list *made,
					 bool *owned)
{
	*owned = false;
	if (u->nstall_src == 1)
		return u->stall_src[0];
	*owned = true;
	if (!u->nstall_src) {
		stall_list_init(made, 0);
		return made;
	}
	/* the clones share the run's threshold */
	stall_intersect(u->stall_src, u->nstall_src, u->stall_src[0]->threshold_ns, made);
	for (unsigned i = 0; i < u->nstall_src; i++) {
		const struct stall_list *l = u->stall_src[i];
		for (unsigned c = 0; c < l->ncauses; c++)
			stall_causes_add(made->causes, &made->ncauses, l->causes[c].name,
					 l->causes[c].count);
		made->run_failures += l->run_failures;
	}
	return made;
}

void blk_unit_stalls_json(struct jsonw *j, const struct blk_unit *u)
{
	struct stall_list made;
	bool owned;
	const struct stall_list *l = blk_unit_stalls(u, &made, &owned);

	report_stalls_json(j, "stalls", l);
	if (owned)
		stall_list_free(&made);
}

void blk_unit_stalls_text(FILE *out, const struct blk_unit *u)
{
	struct stall_list made;
	bool owned;
	const struct stall_list *l = blk_unit_stalls(u, &made, &owned);

	stall_print_text(out, l, "  ");
	if (owned)
		stall_list_free(&made);
}
