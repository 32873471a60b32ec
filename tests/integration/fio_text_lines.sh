#!/bin/bash
# fio_text_lines.sh - pvcbench fio's normal text has the lines fio 3.33 prints, on the same
# jobs: each line's kind (its text before the first ':' or '=', numbers and time units
# ignored, since the figures differ from run to run) must be in both outputs. Jobs short
# enough that neither tool takes bandwidth samples (those lines need 500 ms): a psync randrw
# job, two clones with group_reporting, two stonewalled groups, unified_rw_reporting=both.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fio

new_workdir

JOBS=(
	"randrw --name=a --rw=randrw --size=1m --bs=4k --ioengine=psync --filename=$DATA/f1"
	"grouped --name=g --rw=write --size=1m --bs=4k --ioengine=psync --numjobs=2 --group_reporting --directory=$DATA"
	"groups --ioengine=psync --name=x --rw=read --size=1m --bs=4k --filename=$DATA/f2 --name=y --stonewall --rw=write --size=1m --bs=4k --filename=$DATA/f3"
	"both --name=b --rw=randrw --size=1m --bs=4k --ioengine=psync --unified_rw_reporting=both --filename=$DATA/f4"
)

for spec in "${JOBS[@]}"; do
	read -r name args <<<"$spec"
	# shellcheck disable=SC2086
	if ! fio $args >"$WORK/$name.fio.txt" 2>"$ERR"; then
		fail "$name: fio failed: $(head -3 "$ERR")"
		continue
	fi
	rm -f "$DATA"/*
	# shellcheck disable=SC2086
	run_pvc fio $args --output="$WORK/$name.pvc.txt"
	if [ "$RC" != 0 ]; then
		fail "$name: pvcbench failed"
		show_run
		continue
	fi
	rm -f "$DATA"/*
	if py "$WORK/$name.fio.txt" "$WORK/$name.pvc.txt" <<'PY'; then
import re, sys

# fio's lines pvcbench prints only once fio_cmd.c prints the report at the end
# (blk_report_end, blk_print_run_header, blk_disk_util_*: see fio_report.h)
KNOWN_MISSING = [r"VERSION", r"Starting N", r"Disk stats \(read/write\)",
                 r"  (vd|sd|hd|xvd|nvme|dm-|md|loop|mmcblk)[a-zN-]*"]

# lines that depend on the run's length, not on the format: bw and iops samples exist only
# when a run lasts a sample interval (bwavgtime, 500 ms), which a loaded machine may reach
TIMING = [r"   bw \(\s*\w+/s\)", r"   iops"]

def kinds(path):
    out = set()
    for line in open(path).read().splitlines():
        if not line.strip():
            continue
        k = re.split(r"[:=]", line, 1)[0]
        k = re.sub(r"\((nsec|usec|msec)\)", "(U)", k)
        k = re.sub(r"\d+(\.\d+)?", "N", k)
        k = re.sub(r"^(fio|pvcbench)-N(\.N)*.*$", "VERSION", k)
        # pvcbench's clones are threads (thread=1 by default): fio's processes are its threads
        k = re.sub(r"^Starting N (process(es)?|threads?)$", "Starting N", k)
        out.add(k.rstrip())
    return out

f, p = kinds(sys.argv[1]), kinds(sys.argv[2])
bad = False
for k in sorted(f - p):
    if not any(re.fullmatch(r, k) for r in KNOWN_MISSING + TIMING):
        print("    fio prints %r, pvcbench does not" % k)
        bad = True
for k in sorted(p - f):
    if any(re.fullmatch(r, k) for r in TIMING):
        continue
    print("    pvcbench prints %r, fio does not" % k)
    bad = True
sys.exit(1 if bad else 0)
PY
		pass "$name: the lines of fio's text"
	else
		fail "$name: lines differ from fio's (above)"
	fi
done

finish
