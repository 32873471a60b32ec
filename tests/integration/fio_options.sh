#!/bin/bash
# fio_options.sh - docs/fio-options.md accounts for every option of the installed fio
# (`fio --cmdhelp=all`), each with one of three states, and pvcbench does what the table says:
# a refused option exits 2 printing the row's line, a supported or no-effect one is accepted
# (`--parse-only`, with a sample value fio takes), and no job option is accepted that neither
# the table nor its "pvcbench's own options" list names.
DOC=$(cd "$(dirname "$0")/../.." && pwd)/docs/fio-options.md
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
command -v fio >/dev/null || skip "fio is not installed (scripts/install-deps --test)"

new_workdir
fio --cmdhelp=all | sed -E 's/^\s*([a-zA-Z_0-9-]+)\s*:.*/\1/' >fio_names
check "fio --cmdhelp=all lists options ($(wc -l <fio_names))" test -s fio_names

python3 - "$PVC" "$DOC" fio_names <<'PY'
import re, subprocess, sys

pvc, doc, names_file = sys.argv[1:4]
names = [l.strip() for l in open(names_file) if l.strip()]
text = open(doc).read()
main, _, rest = text.partition("## Program options")
rows = {}
for line in main.splitlines():
    m = re.match(r"^\| ([^ |]+) \| ([^ |]*) \| (.*) \|$", line)
    if m and m.group(1) not in ("option", "---"):
        rows[m.group(1)] = (m.group(2), m.group(3))
own = set(re.findall(r"^\| ([a-z_0-9-]+) \|", rest.partition("## pvcbench's own options")[2], re.M))

# A value fio accepts for options where 1 does not do; extra arguments where one job is not
# enough (wait_for names an earlier job).
SAMPLES = {
    "description": "a job", "name": "x", "wait_for": "w", "filename": "x.data",
    "lockfile": "none", "directory": ".", "filename_format": "$jobname.$filenum",
    "opendir": ".", "rw": "randread", "rw_sequencer": "sequential", "bs": "4k", "ba": "4k",
    "bsrange": "4k-8k", "bssplit": "4k/50:8k/50", "ignore_error": "EIO,EIO:ENOSPC",
    "ioengine": "psync", "io_submit_mode": "inline", "size": "1m", "io_size": "1m",
    "filesize": "1m", "offset": "0", "offset_increment": "0", "offset_align": "0",
    "random_generator": "tausworthe", "random_distribution": "zipf:1.2",
    "file_service_type": "roundrobin", "fallocate": "none", "fadvise_hint": "0",
    "runtime": "1", "ramp_time": "0", "clocksource": "clock_gettime", "mem": "malloc",
    "verify": "md5", "verify_pattern": "0xff", "zonemode": "strided", "zonesize": "1m",
    "zonerange": "1m", "zoneskip": "0", "prio": "1", "prioclass": "2",
    "thinktime": "0", "thinktime_blocks_type": "complete", "rate": "1m", "rate_min": "1k",
    "rate_process": "linear", "rate_iops": "100", "rate_iops_min": "1", "sync": "sync",
    "cpumask": "1", "cpus_allowed": "0", "cpus_allowed_policy": "shared",
    "numa_cpu_nodes": "0", "numa_mem_policy": "local", "exit_what": "group",
    "percentile_list": "50:99", "kb_base": "1024", "unit_base": "8",
    "buffer_pattern": "0xdeadbeef", "dedupe_mode": "repeat", "hugepage-size": "2m",
    "continue_on_error": "all", "exec_prerun": "true", "exec_postrun": "true",
    "ioscheduler": "none", "nice": "-1", "profile": "tiobench", "cgroup": "x", "cgroup_weight": "100",
    "steadystate": "iops:1%", "steadystate_duration": "1s", "write_iolog": "x.log",
    "read_iolog": "x.log", "replay_redirect": "/dev/null", "merge_blktrace_file": "x",
    "write_bw_log": "x", "write_lat_log": "x", "write_iops_log": "x", "write_hist_log": "x",
    "log_compression": "65536", "log_entries": "1024", "log_store_compressed": "0",
    "sync_file_range": "write:4", "atomic": "0", "write_hint": "none", "latency_target": "10ms",
    "latency_window": "1s", "latency_percentile": "99", "max_latency": "1s",
    "gtod_cpu": "0", "log_alternate_epoch_clock_id": "0", "stats": "1", "disk_util": "1",
}
EXTRA = {"wait_for": ["--name=w", "--size=1m"], "time_based": ["--runtime=1"],
         "zonemode": ["--zonesize=256k"], "thinktime_spin": ["--thinktime=10"]}

def run(opt):
    value = SAMPLES.get(opt, "1")
    argv = [pvc, "fio", "--parse-only"] + EXTRA.get(opt, []) + ["--name=x", "--size=1m"]
    if opt != "name":  # --name=x: the job itself
        argv.append("--%s=%s" % (opt, value))
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stderr.strip(), " ".join(argv[1:])

bad = []
missing = [n for n in names if n not in rows]
if missing:
    bad.append("options of fio missing from docs/fio-options.md: " + " ".join(missing))
states = {n: rows[n][0] for n in names if n in rows}
odd = ["%s=%s" % (n, s) for n, s in states.items() if s not in ("supported", "no-effect", "refused")]
if odd:
    bad.append("states not supported/no-effect/refused: " + " ".join(odd))
extra_rows = [n for n in rows if n not in names]
if extra_rows:
    bad.append("rows for options fio does not list: " + " ".join(extra_rows))

not_refused, not_accepted = [], []
for n, (state, notes) in rows.items():
    if n not in names:
        continue
    rc, err, cmd = run(n)
    if state == "refused":
        # "job X:" in the notes stands for the job's name, here x
        line = notes.split(" — ")[0].replace("\\|", "|").replace("job X:", "job x:")
        if rc != 2 or line not in err:
            not_refused.append("  %s: exit %d, stderr %r (wanted 2 and %r)" % (cmd, rc, err, line))
    elif rc != 0:
        not_accepted.append("  %s %s: exit %d: %s" % (state, cmd, rc, err))
if not_refused:
    bad.append("refused rows that pvcbench does not refuse with their line:\n" + "\n".join(not_refused))
if not_accepted:
    bad.append("%d supported/no-effect rows that pvcbench does not accept:\n" % len(not_accepted)
               + "\n".join(not_accepted))

# every job option --help shows (names and aliases) is fio's or listed as pvcbench's own
help_text = subprocess.run([pvc, "fio", "--help"], capture_output=True, text=True).stdout
job_part = help_text.partition("Job options")[2]
shown = re.findall(r"^  --([a-zA-Z_0-9-]+)", job_part, re.M)
shown += re.findall(r"\(alias --([a-zA-Z_0-9-]+)\)", job_part)
unlisted = sorted(set(o for o in shown if o not in rows and o not in own))
if unlisted:
    bad.append("accepted job options the table does not list: " + " ".join(unlisted))

counts = {}
for s in states.values():
    counts[s] = counts.get(s, 0) + 1
print("[fio_options] %d fio options; states %s" % (len(names), counts))
for b in bad:
    print("[fio_options] FAIL: " + b)
sys.exit(1 if bad else 0)
PY
check "docs/fio-options.md against fio --cmdhelp=all and pvcbench fio" test $? -eq 0
finish
