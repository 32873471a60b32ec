/*
 * stall.h - outage windows: stretches of a run in which no operation completed.
 *
 * A stall is a gap between two completed operations (or between the start of measurement, or
 * the end of the run, and the nearest completion) longer than the run's stall threshold (1 s
 * unless --stall-threshold / PVCBENCH_STALL_THRESHOLD says otherwise). The runner finds them from
 * each worker's completion times (runner.h: worker_tick sees every completion batch), never from
 * the 1 s series, so a 3.0 s outage reads as 3.0 s whatever the interval.
 *
 * For each stall: its wall-clock start, its length, the operations that failed during it by
 * cause (an errno name, a SQLSTATE, a Kafka error name: whatever the workload passes to
 * worker_record_failure), and its recovery time: from its end until the completion rate over a
 * 1 s window is back to 90% of the median 1 s rate of the 30 s before it. A worker's stalls are
 * its own; a run's are the times when none of its workers completed anything (the intersection).
 * pvcbench merge lines up the stalls of many results on wall-clock time: when any, and when all,
 * were stalled.
 */
#ifndef PVCBENCH_STALL_H
#define PVCBENCH_STALL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define STALL_DEFAULT_THRESHOLD_NS 1000000000ULL
#define STALL_MAX_CAUSES 8 /* distinct causes kept per stall; the rest count as "other" */
#define STALL_CAUSE_LEN 48
/* recovery_ns when the rate never came back to 90% before the run ended */
#define STALL_NOT_RECOVERED (-1)
/* recovery_ns when there was no full second of measurement before the stall to compare with */
#define STALL_NO_BASELINE (-2)

struct stall_cause {
	char name[STALL_CAUSE_LEN]; /* "EIO", "57P01", "_TRANSPORT", "other" */
	uint64_t count;
};

struct stall {
	uint64_t start_unix_ns; /* wall clock: the last completion before the gap */
	uint64_t start_ns;	/* the same, from the run's start of measurement */
	uint64_t length_ns;
	bool open;	   /* the run ended (or was stopped) inside it */
	uint64_t failures; /* operations that failed inside it */
	unsigned ncauses;  /* entries of causes, most frequent first */
	struct stall_cause causes[STALL_MAX_CAUSES];
	int64_t recovery_ns;  /* >= 0, or STALL_NOT_RECOVERED, STALL_NO_BASELINE */
	double baseline_rate; /* operations/s: the median of the 30 s before, 0 without one */
};

struct stall_list {
	struct stall *v;
	size_t n, cap;
	uint64_t dropped;      /* stalls beyond STALL_MAX_KEPT: counted in the totals only */
	uint64_t threshold_ns; /* the threshold they were found with */
	/* totals over every stall, the dropped ones too */
	uint64_t total_ns, longest_ns, failures;
	/* failures by cause over the whole run, stalled or not (most frequent first) */
	unsigned ncauses;
	struct stall_cause causes[STALL_MAX_CAUSES];
	uint64_t run_failures;
};
#define STALL_MAX_KEPT 4096

void stall_list_init(struct stall_list *l, uint64_t threshold_ns);
void stall_list_free(struct stall_list *l);
/* Appends a copy of s (updating the totals); -ENOMEM when it could not be kept (counted). */
int stall_list_add(struct stall_list *l, const struct stall *s);
/* Adds count failures of cause to a cause table of at most STALL_MAX_CAUSES (the last: other). */
void stall_causes_add(struct stall_cause *causes, unsigned *ncauses, const char *cause,
		      uint64_t count);

/*
 * The times when every list was stalled (the intersection, kept where at least threshold_ns
 * long) or when any was (the union): start, length and open from the overlap; failures and
 * causes summed over the stalls that overlap it; recovery and baseline left to the caller
 * (STALL_NO_BASELINE). Lists are read by start_unix_ns. Returns 0 or -ENOMEM.
 */
int stall_intersect(const struct stall_list *const *lists, unsigned n, uint64_t threshold_ns,
		    struct stall_list *out);
int stall_union(const struct stall_list *const *lists, unsigned n, struct stall_list *out);

/*
 * Text, for a workload's report: nothing when the list is empty, else a line with the totals
 * ("stalls (no operation completed for 1.0s or more): 1, 3.012s in all, longest 3.012s, 12
 * failed") and one line per stall, each starting with indent.
 */
void stall_print_text(FILE *f, const struct stall_list *l, const char *indent);
/* The live notice for a run stalled since since_unix_ns for stalled_ns: "stalled 3.2s". */
void stall_format_live(char *buf, size_t size, uint64_t stalled_ns);
/* A duration parsed as the option's: "1s", "500ms", "2.5s", "1500" (ms); 0 or -EINVAL. */
int stall_parse_threshold(const char *text, uint64_t *ns);

#endif
