/*
 * jobctl.c - the job-control options: which jobs run together (stonewall, wait_for), where
 * their threads run (cpus_allowed, cpumask, cpus_allowed_policy, NUMA), at which priority
 * (nice, prio, prioclass), what runs before them (exec_prerun), and what a job does when an
 * I/O fails (continue_on_error, ignore_error, error_dump), as fio documents them.
 *
 * Clones are threads, so everything per process in fio (nice, ioprio, the memory policy) is
 * set per thread here, in the clone's own thread before the start barrier: fio with thread=1
 * does the same calls from the same place.
 */
#define _GNU_SOURCE
#include "block.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define F(field) offsetof(struct blk_options, field)
#define C(field) offsetof(struct blk_options, ctl.field)

/* fio's error_type bits (td_error.h): what continue_on_error lets a job go on after */
enum { ERR_READ = 1, ERR_WRITE = 2, ERR_VERIFY = 4, ERR_ANY = 0xffff };
enum { TYPE_READ, TYPE_WRITE, TYPE_VERIFY };

static const char *const continue_choices[] = { "none", "read", "write", "io", "verify",
						"all",	"0",	"1",	 NULL };
static const unsigned continue_masks[] = { 0,	       ERR_READ, ERR_WRITE, ERR_READ | ERR_WRITE,
					   ERR_VERIFY, ERR_ANY,	 0,	    ERR_ANY };
static const char *const policy_choices[] = { "shared", "split", NULL };

static const char *const exit_what_choices[] = { "group", "stonewall", "all", NULL };

const struct option_def blk_jobctl_option_defs[] = {
	{ .name = "description",
	  .type = OPT_STRING,
	  .offset = C(description),
	  .help = "text describing the job (fio's description)" },
	{ .name = "wait_for",
	  .type = OPT_STRING,
	  .offset = C(wait_for),
	  .help = "start after the job of this name (an earlier one) has finished" },
	{ .name = "stonewall",
	  .alias = "wait_for_previous",
	  .type = OPT_BOOL,
	  .offset = F(stonewall),
	  .def = "0",
	  .help = "wait for the jobs before to finish" },
	{ .name = "exitall",
	  .type = OPT_BOOL,
	  .offset = C(exitall),
	  .def = "0",
	  .help = "when one clone of the group ends, the others stop (exit_what: which)" },
	{ .name = "exit_what",
	  .type = OPT_CHOICE,
	  .offset = C(exit_what),
	  .def = "group",
	  .choices = exit_what_choices,
	  .help = "with exitall: group (the jobs running together), stonewall (the same), all "
		  "(and no later group runs)" },
	{ .name = "exitall_on_error",
	  .type = OPT_BOOL,
	  .offset = C(exitall_on_error),
	  .def = "0",
	  .help = "when one clone ends on an error, the others of the group stop" },
	{ .name = "new_group",
	  .type = OPT_BOOL,
	  .offset = C(new_group),
	  .def = "0",
	  .help = "start a new reporting group (fio's groupid); the job still runs with the jobs "
		  "before it" },
	{ .name = "continue_on_error",
	  .type = OPT_CHOICE,
	  .offset = C(continue_on_error),
	  .def = "none",
	  .choices = continue_choices,
	  .help = "go on after I/O errors of this kind (see ignore_error), counting them" },
	{ .name = "ignore_error",
	  .type = OPT_STRING,
	  .offset = C(ignore_error),
	  .arg_name = "READ,WRITE,VERIFY",
	  .help = "errors continue_on_error goes on after: lists of errnos (EIO:ENOSPC:28) per "
		  "direction (default EIO:EILSEQ)" },
	{ .name = "error_dump",
	  .type = OPT_BOOL,
	  .offset = C(error_dump),
	  .def = "0",
	  .help = "print every I/O error, also those the job goes on after" },
	{ .name = "cpus_allowed",
	  .type = OPT_STRING,
	  .offset = F(cpus_allowed),
	  .def = NULL,
	  .help = "run the clones on these CPUs (e.g. 0,2,4-7; see cpus_allowed_policy)" },
	{ .name = "cpumask",
	  .type = OPT_STRING,
	  .offset = C(cpumask),
	  .help = "run the clones on the CPUs of this bit mask (0x5: CPUs 0 and 2)" },
	{ .name = "cpus_allowed_policy",
	  .type = OPT_CHOICE,
	  .offset = C(cpus_allowed_policy),
	  .def = "shared",
	  .choices = policy_choices,
	  .help = "shared: every clone on all the CPUs; split: each clone on one of them" },
	{ .name = "numa_cpu_nodes",
	  .type = OPT_STRING,
	  .offset = F(numa_cpu_nodes),
	  .def = NULL,
	  .help = "run clones and allocate their buffers on this NUMA node" },
	{ .name = "numa_mem_policy",
	  .type = OPT_STRING,
	  .offset = C(numa_mem_policy),
	  .arg_name = "MODE[:NODES]",
	  .help = "memory policy of the clones: default, prefer:N, bind:NODES, "
		  "interleave:NODES, local" },
	{ .name = "nice",
	  .type = OPT_STRING,
	  .arg_name = "NUM",
	  .offset = C(nice),
	  .def = "0",
	  .help = "nice value of the clones' threads (-20..19)" },
	{ .name = "prio",
	  .type = OPT_INT,
	  .offset = C(prio),
	  .def = "0",
	  .min = 0,
	  .max = 7,
	  .help = "I/O priority level within prioclass (0 highest)" },
	{ .name = "prioclass",
	  .type = OPT_INT,
	  .offset = C(prioclass),
	  .def = "0",
	  .min = 0,
	  .max = 3,
	  .help = "I/O priority class: 1 real-time, 2 best-effort, 3 idle" },
	{ .name = "exec_prerun",
	  .type = OPT_STRING,
	  .offset = C(exec_prerun),
	  .arg_name = "COMMAND",
	  .help = "run this shell command in each clone before its I/O (output in "
		  "NAME.prerun.txt); failing fails the job" },
	{ 0 }
};

int blk_parse_cpus(const char *text, int *cpus, unsigned max)
{
	const char *p = text;
	unsigned n = 0;

	while (*p) {
		char *end;
		long a, b;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		a = b = strtol(p, &end, 10);
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -EINVAL;
			b = strtol(end + 1, &end, 10);
		}
		if (b < a || b >= BLK_MAX_CPUS || (*end && *end != ','))
			return -EINVAL;
		for (long c = a; c <= b; c++) {
			if (n == max)
				return -EINVAL;
			cpus[n++] = (int)c;
		}
		p = *end ? end + 1 : end;
		if (*end == ',' && !*p)
			return -EINVAL;
	}
	return (int)n;
}

/* The errno called name (EIO), or a number; 0 when neither. */
static int errno_by_name(const char *name)
{
	static const struct {
		const char *name;
		int value;
	} names[] = {
		{ "EPERM", EPERM },	    { "ENOENT", ENOENT },
		{ "EINTR", EINTR },	    { "EIO", EIO },
		{ "ENXIO", ENXIO },	    { "EBADF", EBADF },
		{ "EAGAIN", EAGAIN },	    { "ENOMEM", ENOMEM },
		{ "EACCES", EACCES },	    { "EFAULT", EFAULT },
		{ "EBUSY", EBUSY },	    { "EEXIST", EEXIST },
		{ "ENODEV", ENODEV },	    { "EINVAL", EINVAL },
		{ "EFBIG", EFBIG },	    { "ENOSPC", ENOSPC },
		{ "ESPIPE", ESPIPE },	    { "EROFS", EROFS },
		{ "ERANGE", ERANGE },	    { "ENODATA", ENODATA },
		{ "ETIME", ETIME },	    { "EOVERFLOW", EOVERFLOW },
		{ "EILSEQ", EILSEQ },	    { "EOPNOTSUPP", EOPNOTSUPP },
		{ "ETIMEDOUT", ETIMEDOUT }, { "ECANCELED", ECANCELED },
		{ "EDQUOT", EDQUOT },	    { "EMEDIUMTYPE", EMEDIUMTYPE },
		{ "ENOMEDIUM", ENOMEDIUM }, { "EREMOTEIO", EREMOTEIO },
		{ "EBADMSG", EBADMSG },	    { "ENOLINK", ENOLINK },
		{ "ENOTSUP", ENOTSUP },
	};
	char *end;
	long v = strtol(name, &end, 10);

	if (end != name && !*end)
		return v > 0 && v < 4096 ? (int)v : 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].name, name))
			return names[i].value;
	return 0;
}

/* fio's ignore_error: up to three ,-separated lists (read, write, verify) of :-separated errnos. */
static int parse_ignore_error(struct blk_jobctl_opts *ctl, const char *name, char *err,
			      size_t err_size)
{
	char text[OPT_STRING_MAX];
	char *rest = text, *list;
	unsigned type = 0;

	snprintf(text, sizeof(text), "%s", ctl->ignore_error);
	for (; ctl->ignore_error[0] && (list = strsep(&rest, ",")); type++) {
		if (type == 3) {
			snprintf(err, err_size,
				 "job %s: --ignore_error=%s: at most three lists (read, write, "
				 "verify)",
				 name, ctl->ignore_error);
			return -EINVAL;
		}
		for (char *e; (e = strsep(&list, ":"));) {
			int value = errno_by_name(e);
			if (!*e)
				continue;
			if (!value) {
				snprintf(err, err_size,
					 "job %s: --ignore_error=%s: unknown error %s: give errno "
					 "names (EIO) or numbers, : between errors, , between "
					 "the read, write and verify lists",
					 name, ctl->ignore_error, e);
				return -EINVAL;
			}
			if (ctl->ignore_n[type] == BLK_IGNORE_ERRORS) {
				snprintf(err, err_size,
					 "job %s: --ignore_error=%s: at most %d errors per list",
					 name, ctl->ignore_error, BLK_IGNORE_ERRORS);
				return -EINVAL;
			}
			ctl->ignore[type][ctl->ignore_n[type]++] = value;
		}
	}
	return 0;
}

/* fio's numa_mem_policy: default, local, prefer:N, bind:NODES, interleave:NODES. */
static int parse_mem_policy(struct blk_jobctl_opts *ctl, const char *name, char *err,
			    size_t err_size)
{
	static const struct {
		const char *mode;
		int value; /* set_mempolicy's MPOL_* */
		bool nodes;
	} modes[] = { { "default", 0, false },
		      { "prefer", 1, true },
		      { "bind", 2, true },
		      { "interleave", 3, true },
		      { "local", 4, false } };
	char text[OPT_STRING_MAX];
	char *nodes;
	int list[BLK_MAX_NODES];

	ctl->mem_mode = -1;
	if (!ctl->numa_mem_policy[0])
		return 0;
	snprintf(text, sizeof(text), "%s", ctl->numa_mem_policy);
	nodes = strchr(text, ':');
	if (nodes)
		*nodes++ = '\0';
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		if (strcmp(text, modes[m].mode))
			continue;
		int n = nodes ? blk_parse_cpus(nodes, list, BLK_MAX_NODES) : 0;
		if (n < 0 || (modes[m].nodes && n == 0) || (!modes[m].nodes && nodes) ||
		    (modes[m].value == 1 && n != 1))
			break;
		for (int i = 0; i < n; i++) {
			char node[64];
			snprintf(node, sizeof(node), "/sys/devices/system/node/node%d", list[i]);
			if (access(node, F_OK) == 0)
				continue;
			snprintf(err, err_size,
				 "job %s: --numa_mem_policy=%s: this machine has no NUMA node %d",
				 name, ctl->numa_mem_policy, list[i]);
			return -EINVAL;
		}
		ctl->mem_mode = modes[m].value;
		for (int i = 0; i < n; i++)
			ctl->mem_nodes[list[i] / (8 * sizeof(unsigned long))] |=
				1UL << (list[i] % (8 * sizeof(unsigned long)));
		return 0;
	}
	snprintf(err, err_size,
		 "job %s: --numa_mem_policy=%s: give default, local, prefer:NODE, bind:NODES or "
		 "interleave:NODES (NODES as 0,2-3)",
		 name, ctl->numa_mem_policy);
	return -EINVAL;
}

/* fio's cpumask: a number whose bits are the CPUs, made into a cpus_allowed list. */
static int cpumask_to_list(struct blk_options *o, char *err, size_t err_size)
{
	char *end;
	unsigned long long mask;
	size_t used = 0;

	if (!o->ctl.cpumask[0])
		return 0;
	errno = 0;
	mask = strtoull(o->ctl.cpumask, &end, 0);
	if (errno || *end || end == o->ctl.cpumask || !mask || o->cpus_allowed[0]) {
		snprintf(err, err_size,
			 o->cpus_allowed[0]
				 ? "job %s: --cpumask=%s: give cpumask or cpus_allowed, not both"
				 : "job %s: --cpumask=%s: give a non-zero bit mask of CPUs (0x5: "
				   "CPUs 0 and 2)",
			 o->name, o->ctl.cpumask);
		return -EINVAL;
	}
	for (unsigned c = 0; c < 64; c++)
		if (mask & (1ULL << c))
			used += (size_t)snprintf(o->cpus_allowed + used,
						 sizeof(o->cpus_allowed) - used, "%s%u",
						 used ? "," : "", c);
	return 0;
}

/* Each CPU of the list must be one this process may run on, as fio checks. */
static int check_cpus(const struct blk_options *o, char *err, size_t err_size)
{
	int cpus[BLK_MAX_CPUS];
	int n = blk_parse_cpus(o->cpus_allowed, cpus, BLK_MAX_CPUS);
	cpu_set_t mine;

	if (n < 0) {
		snprintf(err, err_size,
			 "job %s: --cpus_allowed=%s: give CPU numbers and ranges, e.g. 0,2,4-7",
			 o->name, o->cpus_allowed);
		return -EINVAL;
	}
	if (sched_getaffinity(0, sizeof(mine), &mine))
		return 0;
	for (int i = 0; i < n; i++) {
		if (cpus[i] < CPU_SETSIZE && CPU_ISSET(cpus[i], &mine))
			continue;
		bool mask = o->ctl.cpumask[0];
		snprintf(err, err_size,
			 "job %s: --%s=%s: CPU %d is not one this process may run on (%d CPUs "
			 "allowed)",
			 o->name, mask ? "cpumask" : "cpus_allowed",
			 mask ? o->ctl.cpumask : o->cpus_allowed, cpus[i], CPU_COUNT(&mine));
		return -EINVAL;
	}
	return 0;
}

int blk_jobctl_validate(struct blk_job *job, char *err, size_t err_size)
{
	struct blk_options *o = &job->o;
	struct blk_jobctl_opts *ctl = &o->ctl;
	int ret;

	for (size_t i = 0; continue_choices[i]; i++)
		if (!strcmp(continue_choices[i], ctl->continue_on_error))
			ctl->continue_mask = continue_masks[i];
	memset(ctl->ignore_n, 0, sizeof(ctl->ignore_n));
	memset(ctl->mem_nodes, 0, sizeof(ctl->mem_nodes));
	ret = parse_ignore_error(ctl, o->name, err, err_size);
	if (!ret)
		ret = parse_mem_policy(ctl, o->name, err, err_size);
	if (!ret)
		ret = cpumask_to_list(o, err, err_size);
	if (!ret)
		ret = check_cpus(o, err, err_size);
	if (ret)
		return ret;
	char *nice_end;
	long nice = strtol(ctl->nice, &nice_end, 10);
	if (nice_end == ctl->nice || *nice_end || nice < -20 || nice > 19) {
		snprintf(err, err_size, "job %s: --nice=%s: give a number from -20 to 19", o->name,
			 ctl->nice);
		return -EINVAL;
	}
	ctl->nice_value = (int)nice;
	/* the command's output file is the user's to keep, as fio's; never someone else's */
	if (ctl->exec_prerun[0] && !o->force) {
		char out[OPT_STRING_MAX + 16];
		snprintf(out, sizeof(out), "%s.prerun.txt", o->name);
		if (access(out, F_OK) == 0) {
			snprintf(err, err_size,
				 "job %s: exec_prerun would overwrite %s, which exists: remove it "
				 "or give --force",
				 o->name, out);
			return -EEXIST;
		}
	}
	if (o->numa_cpu_nodes[0]) {
		char *end;
		long node = strtol(o->numa_cpu_nodes, &end, 10);
		if (*end || node < 0 || node > 1023) {
			snprintf(err, err_size,
				 "job %s: --numa_cpu_nodes=%s: give one node number (0, 1, ...)",
				 o->name, o->numa_cpu_nodes);
			return -EINVAL;
		}
	}
	return 0;
}

int blk_jobctl_clone_cpu(const struct blk_job *job, unsigned clone, const int *cpus, int ncpus)
{
	/* shared over several CPUs: the clone's thread gets the whole set (thread setup) */
	if (ncpus > 1 && !strcmp(job->o.ctl.cpus_allowed_policy, "shared"))
		return -1;
	return ncpus > 0 ? cpus[clone % (unsigned)ncpus] : -1;
}

static int set_shared_cpus(const struct blk_job *job, char *why, size_t why_size)
{
	int cpus[BLK_MAX_CPUS];
	int n = blk_parse_cpus(job->o.cpus_allowed, cpus, BLK_MAX_CPUS);
	cpu_set_t set;

	if (n <= 1 || strcmp(job->o.ctl.cpus_allowed_policy, "shared"))
		return 0; /* pinned to one CPU by the runner, or not at all */
	CPU_ZERO(&set);
	for (int i = 0; i < n; i++)
		CPU_SET(cpus[i], &set);
	int ret = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (ret)
		snprintf(why, why_size, "cpus_allowed=%s: %s", job->o.cpus_allowed, strerror(ret));
	return -ret;
}

/* ioprio_set(2): glibc has no wrapper */
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_CLASS_BE 2

static int set_priorities(const struct blk_job *job, char *why, size_t why_size)
{
	const struct blk_jobctl_opts *ctl = &job->o.ctl;
	pid_t tid = (pid_t)syscall(SYS_gettid);

	if (ctl->nice_value && setpriority(PRIO_PROCESS, (id_t)tid, ctl->nice_value)) {
		snprintf(why, why_size, "nice=%d: %s", ctl->nice_value, strerror(errno));
		return -errno;
	}
	if (opt_given(&job->set, "prio") || opt_given(&job->set, "prioclass")) {
		/* a level without a class is best-effort, the class the kernel gives it anyway */
		long class = ctl->prioclass ? ctl->prioclass : IOPRIO_CLASS_BE;
		long value = (class << IOPRIO_CLASS_SHIFT) | ctl->prio;
		if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, tid, value)) {
			snprintf(why, why_size, "prioclass=%ld prio=%lld: ioprio_set: %s", class,
				 (long long)ctl->prio, strerror(errno));
			return -errno;
		}
	}
	/* default: the policy threads start with, left alone as fio does */
	if (ctl->mem_mode > 0 && syscall(SYS_set_mempolicy, ctl->mem_mode, ctl->mem_nodes,
					 (unsigned long)BLK_MAX_NODES + 1)) {
		snprintf(why, why_size, "numa_mem_policy=%s: %s", ctl->numa_mem_policy,
			 strerror(errno));
		return -errno;
	}
	return 0;
}

/* fio's exec_prerun: the command's output goes to NAME.prerun.txt; a failure fails the job. */
static int exec_prerun(const struct blk_job *job, char *why, size_t why_size)
{
	char *cmd;
	int status;

	if (!job->o.ctl.exec_prerun[0])
		return 0;
	if (asprintf(&cmd, "%s > '%s.prerun.txt' 2>&1", job->o.ctl.exec_prerun, job->o.name) < 0)
		return -ENOMEM;
	status = system(cmd);
	free(cmd);
	if (status == 0)
		return 0;
	snprintf(why, why_size,
		 "exec_prerun '%s' failed (status %d; its output is in %s.prerun.txt)",
		 job->o.ctl.exec_prerun, status, job->o.name);
	return -ECHILD;
}

int blk_jobctl_thread_setup(const struct blk_job *job, unsigned clone, char *why, size_t why_size)
{
	int ret = set_shared_cpus(job, why, why_size);

	(void)clone;
	if (!ret)
		ret = set_priorities(job, why, why_size);
	if (!ret)
		ret = exec_prerun(job, why, why_size);
	return ret;
}

bool blk_jobctl_error_continue(const struct blk_job *job, unsigned dir, int err)
{
	const struct blk_jobctl_opts *ctl = &job->o.ctl;
	static const int non_fatal[] = { EIO, EILSEQ }; /* fio's default list */
	int e = err < 0 ? -err : err;
	unsigned type = e == EILSEQ ? TYPE_VERIFY : dir == IO_READ ? TYPE_READ : TYPE_WRITE;
	const int *list = ctl->ignore_n[type] ? ctl->ignore[type] : non_fatal;
	unsigned n = ctl->ignore_n[type] ? ctl->ignore_n[type] : 2;
	bool go_on = false;

	if (ctl->continue_mask & (1u << type))
		for (unsigned i = 0; i < n && !go_on; i++)
			go_on = list[i] == e;
	if (go_on && ctl->error_dump)
		fprintf(stderr, "pvcbench: job %s: %s error ignored: %s\n", job->o.name,
			dir == IO_READ ? "read" : "write", strerror(e));
	return go_on;
}
