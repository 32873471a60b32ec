/*
 * refused.c - fio's options that pvcbench refuses by name, each with the reason it prints
 * ("option --verify_async is not supported: verify comes with ..."). A refused option is
 * never accepted silently: a job that asked for it would measure something else than fio.
 * docs/fio-options.md lists them with the same lines; tests/integration/fio_options.sh checks
 * both against the installed fio.
 */
#include "block.h"

#define VERIFY "not supported with pvcbench's verify (docs/verify.md); run fio for it"
#define IOLOG                                                                                      \
	"I/O logs, trace replay and blktrace merging are not supported; run fio to record or "     \
	"replay them"
#define CGROUP "cgroups are not supported; start pvcbench inside the cgroup (systemd-run, cgexec)"
#define USER "clones are threads of one process; run pvcbench as that user or group"
#define FLOW "flow control between jobs is not supported"
#define STEADY "steady-state detection is not supported; give a runtime"

#define REFUSE(opt, why)                                                                           \
	{                                                                                          \
		.name = opt, .type = OPT_REFUSED, .help = why                                      \
	}
#define REFUSE_ALIAS(opt, other, why)                                                              \
	{                                                                                          \
		.name = opt, .alias = other, .type = OPT_REFUSED, .help = why                      \
	}

const struct option_def blk_refused_option_defs[] = {
	/* verify: what verify_job.c does not do */
	REFUSE("verify_async_cpus", VERIFY),
	REFUSE("experimental_verify", VERIFY),
	/* I/O logs and replay */
	REFUSE("write_iolog", IOLOG),
	REFUSE("read_iolog", IOLOG),
	REFUSE("read_iolog_chunked", IOLOG),
	REFUSE("replay_no_stall", IOLOG),
	REFUSE("replay_redirect", IOLOG),
	REFUSE("replay_scale", IOLOG),
	REFUSE("replay_align", IOLOG),
	REFUSE("replay_time_scale", IOLOG),
	REFUSE("replay_skip", IOLOG),
	REFUSE("merge_blktrace_file", IOLOG),
	REFUSE("merge_blktrace_scalars", IOLOG),
	REFUSE("merge_blktrace_iters", IOLOG),
	/* zoned block devices: pattern.c refuses them with zonemode=zbd */
	/* job control pvcbench does not do yet */
	REFUSE("exec_postrun",
	       "exec_postrun is not supported yet (no hook at a clone's end); run the command "
	       "after pvcbench"),
	REFUSE("ioscheduler", "switching the device's I/O scheduler is not supported; write it to "
			      "/sys/block/DEV/queue/scheduler before the run"),
	REFUSE("uid", USER),
	REFUSE("gid", USER),
	REFUSE("cgroup", CGROUP),
	REFUSE("cgroup_weight", CGROUP),
	REFUSE("cgroup_nodelete", CGROUP),
	REFUSE("profile",
	       "fio's built-in profiles (tiobench, act) are not supported; write their jobs out"),
	REFUSE("flow_id", FLOW),
	REFUSE("flow", FLOW),
	REFUSE("flow_sleep", FLOW),
	REFUSE_ALIAS("steadystate", "ss", STEADY),
	REFUSE_ALIAS("steadystate_duration", "ss_dur", STEADY),
	REFUSE_ALIAS("steadystate_ramp_time", "ss_ramp", STEADY),
	{ 0 }
};
