/*
 * placement.c - where a worker thread runs: its CPU (sched affinity) and NUMA node (libnuma,
 * when built with it), and the check of both against this machine before anything starts.
 */
#define _GNU_SOURCE
#include "runner_int.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#ifdef PVC_HAVE_NUMA
#include <numa.h>
#endif

void placement_pin_worker(const struct worker_spec *spec)
{
	if (spec->cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(spec->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
#ifdef PVC_HAVE_NUMA
	if (spec->numa_node >= 0 && numa_available() >= 0) {
		numa_run_on_node(spec->numa_node);
		numa_set_preferred(spec->numa_node);
	}
#endif
}

int runner_check_placement(int cpu, int node, char *err, size_t err_size)
{
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);

	if (cpu >= 0 && (cpu >= CPU_SETSIZE || cpu >= ncpus)) {
		snprintf(err, err_size, "CPU %d does not exist (this machine has CPUs 0-%ld)", cpu,
			 ncpus - 1);
		return -EINVAL;
	}
	if (node < 0)
		return 0;
#ifdef PVC_HAVE_NUMA
	if (numa_available() < 0) {
		snprintf(err, err_size, "NUMA node %d: this kernel has no NUMA support", node);
		return -EINVAL;
	}
	if (node > numa_max_node()) {
		snprintf(err, err_size, "NUMA node %d does not exist (this machine has nodes 0-%d)",
			 node, numa_max_node());
		return -EINVAL;
	}
	return 0;
#else
	snprintf(err, err_size, "NUMA node %d: pvcbench was built without libnuma", node);
	return -EINVAL;
#endif
}
