/*
 * workloads.h - the commands pvcbench has: one struct workload_ops (command.h) per command, each
 * defined by its module. src/main.c's table is the one place that lists them; a module the build
 * left out (its library was missing) is absent here and named in main.c's list of what was left
 * out.
 */
#ifndef PVCBENCH_WORKLOADS_H
#define PVCBENCH_WORKLOADS_H

#include "pvcbench/command.h"

/* workloads/block */
extern const struct workload_ops blk_summary_ops; /* summary: the white paper's FIO Summary */
extern const struct workload_ops blk_fio_ops;	  /* fio: fio's command line and job files */
extern const struct workload_ops blk_witness_ops; /* witness: keeps ack ledgers off the node */
#ifdef PVC_HAVE_POSTGRES
/* workloads/postgres */
extern const struct workload_ops pgb_ops; /* pgbench: -i and the run */
#endif
#ifdef PVC_HAVE_KAFKA
/* workloads/kafka: the "kafka" group */
extern const struct workload_ops kfk_produce_ops; /* kafka produce */
extern const struct workload_ops kfk_consume_ops; /* kafka consume */
extern const struct workload_ops kfk_mock_ops;	  /* kafka mock */
extern const struct workload_ops kfk_e2e_ops;	  /* kafka e2e: EndToEndLatency */
#endif
#ifdef PVC_HAVE_MERGE
/* src/merge */
extern const struct workload_ops merge_ops;   /* merge: results of many runs into one */
extern const struct workload_ops compare_ops; /* compare: figures' changes against the first */
#endif

#endif
