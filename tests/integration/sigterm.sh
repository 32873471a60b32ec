#!/bin/bash
# sigterm.sh - SIGTERM and SIGINT stop a run early and cleanly: the process exits by itself
# (status 128+signal: 143, 130) within 3 s of the signal, prints what it measured until then
# (the stat lines, or a JSON document with nonzero io_bytes), and removes its data files.
# Covered: `pvcbench fio` with a 60 s time_based job (text and JSON, --output=FILE), the
# summary with RUN_TIME=60s (text and JSON), a signal during the ramp and during the layout.
# The signal is sent 2 s in (0.5 s for the layout); the 3 s bound is generous on purpose.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc

new_workdir
mkdir -p "$WORK/res"

# signal_run SIG DELAY [VAR=VALUE...] -- ARGS...: sets SR (JSON: rc, exit_after_signal_s, ...)
signal_run() {
	local sig=$1 delay=$2 envs=()
	shift 2
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	SR=$(cd "$DATA" && env "${UNSET[@]}" "${envs[@]}" python3 "$PVCTEST" signal-run "$sig" \
		"$delay" "$OUT" "$ERR" -- "$PVC" "$@")
}

# check_stopped DESC WANT_RC: exited by itself with WANT_RC, within 3 s of the signal
check_stopped() {
	check "$1: exit status $2 within 3 s of the signal" py "$SR" "$2" "$ERR" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
bad = []
if not r["alive_when_signalled"]:
    bad.append("the run had ended before the signal (it should have lasted 60 s)")
if r["hung"]:
    bad.append("still running 20 s after the signal: killed")
elif r["rc"] < 0:
    bad.append("died of signal %d instead of handling it" % -r["rc"])
elif r["rc"] != int(sys.argv[2]):
    bad.append("exit status %d" % r["rc"])
if r["exit_after_signal_s"] > 3.0:
    bad.append("exited %.2f s after the signal" % r["exit_after_signal_s"])
if bad:
    bad.append("stderr: %r" % open(sys.argv[3]).read()[-400:])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}

LONG=(fio --name=long --directory="$DATA" --size=16M --rw=randread --bs=4k --iodepth=4
	--direct=1 --runtime=60 --time_based)

note "pvcbench fio, SIGTERM, text"
signal_run TERM 2 -- "${LONG[@]}"
check_stopped "fio text, SIGTERM" 143
check "fio text, SIGTERM: the stat lines are printed" py "$OUT" <<'EOF'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"^\s+read: IOPS=([^,]+), BW=\S+ \(\S+\)\((\S+)/(\d+)msec\)", t, re.M)
if not m or not re.search(r"^Run status group 0 \(all jobs\):", t, re.M):
    print("    no read: IOPS= line and Run status group: %r" % t[:400]); sys.exit(1)
if not (1000 <= int(m.group(3)) <= 4000):
    print("    measured %s msec for a run stopped after 2 s" % m.group(3)); sys.exit(1)
EOF
check "fio text, SIGTERM: data file removed" dir_is_empty "$DATA"

note "pvcbench fio, SIGINT, JSON"
signal_run INT 2 -- "${LONG[@]}" --numjobs=2 --output-format=json
check_stopped "fio JSON, SIGINT" 130
check_json_result() { # FILE: one JSON document, every job moved bytes, ran about 2 s
	py "$1" "$SR" <<'EOF'
import json, sys
from pvctest import load_one_json, check_direction_consistency
bad = []
wall = json.loads(sys.argv[2])
try:
    doc = load_one_json(sys.argv[1])
except Exception as e:
    print("    not one JSON document: %s" % e); sys.exit(1)
if not doc.get("jobs"):
    bad.append("no jobs in the JSON")
for j in doc.get("jobs", []):
    r = j["read"]
    if r["io_bytes"] <= 0:
        bad.append("%s: io_bytes %r" % (j["jobname"], r["io_bytes"]))
    if not (1000 <= r["runtime"] <= 4000):
        bad.append("%s: runtime %r ms for a run stopped after 2 s" % (j["jobname"], r["runtime"]))
    bad += ["%s: %s" % (j["jobname"], b) for b in check_direction_consistency(r, 4096)]
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}
check "fio JSON, SIGINT: one JSON document with what was measured" check_json_result "$OUT"
check "fio JSON, SIGINT: data files removed" dir_is_empty "$DATA"

note "pvcbench fio, SIGTERM, --output=FILE"
signal_run TERM 2 -- "${LONG[@]}" --output-format=json --output="$WORK/res/long.json"
check_stopped "fio --output=FILE, SIGTERM" 143
check "fio --output=FILE, SIGTERM: the file holds the whole JSON result" \
	check_json_result "$WORK/res/long.json"
check "fio --output=FILE, SIGTERM: no FILE.tmp.* left" dir_is_empty "$WORK/res" long.json
check "fio --output=FILE, SIGTERM: data file removed" dir_is_empty "$DATA"

note "a signal during the ramp"
signal_run TERM 1.5 -- "${LONG[@]}" --ramp_time=30 --output-format=json
check_stopped "fio during ramp_time, SIGTERM" 143
check "during the ramp: one JSON document whose elapsed is the time it really ran" \
	py "$OUT" "$SR" <<'EOF'
import json, sys
from pvctest import load_one_json
try:
    doc = load_one_json(sys.argv[1])
except Exception as e:
    print("    not one JSON document: %s" % e); sys.exit(1)
bad = []
for j in doc.get("jobs", []):
    # it ran ~1.5 s: fio's elapsed is the job's wall time in seconds
    if j.get("elapsed", 0) > 3:
        bad.append("%s: elapsed %r s, but the job was stopped 1.5 s after it started"
                   % (j["jobname"], j.get("elapsed")))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
check "during the ramp: data file removed" dir_is_empty "$DATA"

note "a signal during the layout"
signal_run TERM 0.5 -- fio --name=huge --directory="$DATA" --size=2G --rw=read --runtime=60 \
	--time_based
check_stopped "fio during layout, SIGTERM" 143
check "during the layout: the half-made data file is removed" dir_is_empty "$DATA"

SUM_ENV=(FIO_MOUNTPOINT="$DATA" FIO_SIZE=16M FIO_OFFSET_INCREMENT=8M RUN_TIME=60s)
note "the summary, SIGTERM, text"
signal_run TERM 2 "${SUM_ENV[@]}" -- --ramp_time=0
check_stopped "summary text, SIGTERM" 143
check "summary text, SIGTERM: read_iops' stat line, then the summary block" py "$OUT" <<'EOF'
import re, sys
from pvctest import parse_fio_text
t = open(sys.argv[1]).read()
p = parse_fio_text(t)
bad = []
iops = p["jobs"].get("read_iops", {}).get("read", {}).get("iops")
if not iops:
    bad.append("no read_iops stat line")
lines = t.rstrip("\n").split("\n")
try:
    i = lines.index("= FIO Summary =")
    m = re.match(r"^Random Read/Write IOPS: ([^/]+)/", lines[i + 2])
    if not m or m.group(1) != iops:
        bad.append("summary read IOPS %r != the stat line's %r" % (m and m.group(1), iops))
except (ValueError, IndexError):
    bad.append("no FIO Summary block: %r" % lines[-6:])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
check "summary text, SIGTERM: fiotest removed" dir_is_empty "$DATA"

note "the summary, SIGINT, JSON"
signal_run INT 2 "${SUM_ENV[@]}" -- --ramp_time=0 --output-format=json
check_stopped "summary JSON, SIGINT" 130
check "summary JSON, SIGINT: read_iops measured, summary.interrupted true" py "$OUT" <<'EOF'
import sys
from pvctest import load_one_json
try:
    doc = load_one_json(sys.argv[1])
except Exception as e:
    print("    not one JSON document: %s" % e); sys.exit(1)
bad = []
j = [j for j in doc.get("jobs", []) if j["jobname"] == "read_iops"]
if not j or j[0]["read"]["io_bytes"] <= 0:
    bad.append("no read_iops job with io_bytes > 0")
if doc.get("summary", {}).get("interrupted") is not True:
    bad.append("summary.interrupted is %r" % doc.get("summary", {}).get("interrupted"))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
check "summary JSON, SIGINT: fiotest removed" dir_is_empty "$DATA"

note "pvcbench fio, SIGHUP (a closed terminal): stops like SIGTERM"
signal_run HUP 2 -- "${LONG[@]}"
check_stopped "fio text, SIGHUP" 129
check "fio text, SIGHUP: the stat line is printed" grep -q 'read: IOPS=' "$OUT"
check "fio text, SIGHUP: data file removed" dir_is_empty "$DATA"

note "pvcbench fio | head -1: a reader that goes away is no reason to leave files behind"
(cd "$DATA" && env "${UNSET[@]}" "$PVC" fio --name=pipe --directory="$DATA" --size=8M \
	--rw=randread --runtime=1 --time_based 2>/dev/null | head -1 >/dev/null)
check "closed stdout pipe: data file removed" dir_is_empty "$DATA"

finish
