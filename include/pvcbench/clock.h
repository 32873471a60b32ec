/*
 * clock.h - the one clock every measurement uses: CLOCK_MONOTONIC in nanoseconds, read through
 * the vDSO (tens of nanoseconds, no system call).
 */
#ifndef PVCBENCH_CLOCK_H
#define PVCBENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#endif
