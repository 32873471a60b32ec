/*
 * ledger_report.c - the ack checker's report (ledger.h) as text and as JSON, and the exit
 * status it calls for: 1 when anything acknowledged is lost, stale or corrupt. Torn and
 * unacknowledged blocks are writes that were never acknowledged: shown, never a failure.
 */
#include <inttypes.h>
#include <stdio.h>

#include "ledger.h"
#include "pvcbench/report.h"

static const char *const class_names[BLK_ACK_NCLASSES] = {
	[BLK_ACK_INTACT] = "intact", [BLK_ACK_LOST] = "lost",
	[BLK_ACK_STALE] = "stale",   [BLK_ACK_CORRUPT] = "corrupt",
	[BLK_ACK_TORN] = "torn",     [BLK_ACK_UNACKED] = "unacknowledged",
};

const char *blk_ack_class_name(enum blk_ack_class c)
{
	return (unsigned)c < BLK_ACK_NCLASSES ? class_names[c] : "?";
}

bool blk_ack_failed(const struct blk_ack_report *rep)
{
	return rep->count[BLK_ACK_LOST] || rep->count[BLK_ACK_STALE] || rep->count[BLK_ACK_CORRUPT];
}

int blk_ack_exit_status(const struct blk_ack_report *rep)
{
	return blk_ack_failed(rep) ? 1 : 0;
}

static void file_name(const struct blk_ack_report *rep, uint32_t file, char *buf, size_t size)
{
	if (file < rep->nfiles && file < BLK_ACK_NAMES_KEPT)
		snprintf(buf, size, "%s", rep->files[file]);
	else
		snprintf(buf, size, "file #%u", (unsigned)file);
}

void blk_ack_print_text(FILE *f, const struct blk_ack_report *rep)
{
	fprintf(f,
		"ack check (%s): %" PRIu64 " records, %" PRIu64 " writes acknowledged, %" PRIu64
		" never acknowledged\n",
		rep->source, rep->records, rep->acked, rep->pre_only);
	fprintf(f, "  blocks:");
	for (int c = 0; c < BLK_ACK_NCLASSES; c++)
		fprintf(f, "%s %s=%" PRIu64, c ? "," : "", class_names[c], rep->count[c]);
	fputc('\n', f);
	for (int c = 1; c < BLK_ACK_NCLASSES; c++) {
		for (unsigned i = 0; i < rep->nfirst[c]; i++) {
			char name[300];
			file_name(rep, rep->first[c][i].file, name, sizeof(name));
			fprintf(f, "  %s: %s offset %" PRIu64 " (0x%" PRIx64 ")\n", class_names[c],
				name, rep->first[c][i].offset, rep->first[c][i].offset);
		}
		if (rep->count[c] > rep->nfirst[c])
			fprintf(f, "  %s: ... and %" PRIu64 " more\n", class_names[c],
				rep->count[c] - rep->nfirst[c]);
	}
	fprintf(f, "  acknowledged data %s\n",
		blk_ack_failed(rep) ? "NOT intact (lost, stale or corrupt blocks above)"
				    : "intact: nothing acknowledged was lost");
}

void blk_ack_print_json(struct jsonw *j, const struct blk_ack_report *rep)
{
	jsonw_object_begin(j, "ack_check");
	jsonw_string(j, "source", rep->source);
	jsonw_u64(j, "records", rep->records);
	jsonw_u64(j, "acknowledged", rep->acked);
	jsonw_u64(j, "never_acknowledged", rep->pre_only);
	for (int c = 0; c < BLK_ACK_NCLASSES; c++)
		jsonw_u64(j, class_names[c], rep->count[c]);
	jsonw_bool(j, "failed", blk_ack_failed(rep));
	jsonw_object_begin(j, "first");
	for (int c = 1; c < BLK_ACK_NCLASSES; c++) {
		jsonw_array_begin(j, class_names[c]);
		for (unsigned i = 0; i < rep->nfirst[c]; i++) {
			char name[300];
			file_name(rep, rep->first[c][i].file, name, sizeof(name));
			jsonw_object_begin(j, NULL);
			jsonw_string(j, "file", name);
			jsonw_u64(j, "offset", rep->first[c][i].offset);
			jsonw_object_end(j);
		}
		jsonw_array_end(j);
	}
	jsonw_object_end(j);
	jsonw_object_end(j);
}
