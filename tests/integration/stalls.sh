#!/bin/bash
# stalls.sh - outage windows of a block job (docs/outages.md): an ext4 on a loop device is
# frozen (fsfreeze -f) for 3.0 s in the middle of a direct random-write run, and the stall the
# job reports matches the injected window within 0.1 s: its length, its wall-clock start, the
# live notice on stderr, the text report's line, its recovery. The injected window runs from the
# call that freezes to the call that thaws, 3.0 s apart (writes block as soon as the freeze
# begins; the freeze call itself returns after its sync, 0.1-0.2 s later). A threshold above the
# outage reports none; a bad threshold is refused.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fsfreeze python3

new_workdir
mount_loop_ext4 "$WORK/img" 128 "$WORK/mnt"
# a test that dies while the filesystem is frozen must not leave it so (umount would hang)
thaw() { fsfreeze -u "$WORK/mnt" 2>/dev/null || true; }
trap 'thaw; _cleanup' EXIT

# inject RUNTIME THRESHOLD: runs the job, freezes for 3.0 s after 2.5 s, writes $WORK/inject.json
inject() {
	python3 - "$PVC" "$WORK" "$1" "$2" <<'PY'
import json, subprocess, sys, time
pvc, work, runtime, threshold = sys.argv[1:5]
cmd = [pvc, "fio", "--name=w", "--directory=%s/mnt" % work, "--rw=randwrite", "--bs=4k",
       "--size=16M", "--direct=1", "--runtime=%s" % runtime, "--time_based",
       "--stall-threshold=%s" % threshold, "--output-format=json,normal",
       "--output=%s/out" % work]
err = open("%s/err" % work, "w")
p = subprocess.Popen(cmd, stderr=err)
w = {}
try:
    time.sleep(2.5)
    w["t0"] = time.time()
    subprocess.run(["fsfreeze", "-f", "%s/mnt" % work], check=True)
    w["t1"] = time.time()
    time.sleep(max(0.0, 3.0 - (time.time() - w["t0"])))
    w["t2"] = time.time()
finally:
    subprocess.run(["fsfreeze", "-u", "%s/mnt" % work])
    w["t3"] = time.time()
w["rc"] = p.wait(timeout=60)
json.dump(w, open("%s/inject.json" % work, "w"))
PY
}

inject 9 1s
check "the run ended well" eval '[ "$(python3 -c "import json;print(json.load(open(\"$WORK/inject.json\"))[\"rc\"])")" = 0 ]'
py "$WORK" <<'PY' && pass "the reported stall matches the 3.0 s freeze within 0.1 s" || fail "stall window"
import json, sys
work = sys.argv[1]
w = json.load(open(work + "/inject.json"))
text = open(work + "/out").read()
d, end = json.JSONDecoder().raw_decode(text[text.index("{"):])
st = d["jobs"][0]["stalls"]
injected = w["t2"] - w["t0"]
cover = [s for s in st["list"] if w["t0"] - 0.1 <= s["start_unix_ms"] / 1000 <= w["t2"]]
print("    injected: %.3f s from the freeze call to the thaw call (the freeze call took %.3f s);"
      " reported: %s" % (injected, w["t1"] - w["t0"],
                         [(round(s["length_ms"] / 1000, 3), s["recovered"], s["recovery_ms"])
                          for s in st["list"]]))
ok = len(cover) == 1
if ok:
    s = cover[0]
    length = s["length_ms"] / 1000
    ok &= abs(length - injected) <= 0.1
    ok &= w["t0"] - 0.1 <= s["start_unix_ms"] / 1000 <= w["t1"] + 0.1
    ok &= s["open"] is False and s["recovered"] in ("yes", "no") and s["baseline_ops_per_s"] > 0
    ok &= (s["recovery_ms"] is not None) == (s["recovered"] == "yes")
    ok &= st["count"] == len(st["list"]) and st["threshold_ms"] == 1000.0
sys.exit(0 if ok else 1)
PY
check "the live notice said it on stderr while it lasted" \
	eval 'grep -q "^pvcbench: stalled [0-9.]*s: no operation completed" "$WORK/err" && grep -qE "^pvcbench: completions resumed after [23]\.[0-9]+s stalled" "$WORK/err"'
check "the text report lists it" \
	grep -qE "^  stalls \(no operation completed for 1.0s or more\): 1, [23]\.[0-9]+s in all" "$WORK/out"
check "the text line gives start, length and recovery" \
	grep -qE "^    at 20[0-9-]+T[0-9:.]+Z \(\+[0-9.]+s\): [23]\.[0-9]+s, 0 failed, (recovered in [0-9.]+s|not back to 90% before the end)$" "$WORK/out"

# pvcbench merge lines results up on wall-clock time: B runs 1.5 s after A ended
py "$WORK" <<'PY'
import json, sys
text = open(sys.argv[1] + "/out").read()
d, end = json.JSONDecoder().raw_decode(text[text.index("{"):])
json.dump(d, open(sys.argv[1] + "/a.json", "w"))
PY
sleep 1.5
OUT=$WORK/b.json ERR=$WORK/b.err
run_pvc fio --name=w --directory="$WORK/mnt" --rw=randwrite --bs=4k --size=4M --runtime=2 --time_based --output-format=json
OUT=$WORK/merged.json ERR=$WORK/merged.err
run_pvc merge --output-format=json "$WORK/a.json" "$WORK/b.json"
py "$WORK" <<'PY' && pass "merge: the gap between the results, and when any and all were stalled" || fail "merge stalls"
import json, sys
w = sys.argv[1]
m = json.load(open(w + "/merged.json"))["stalls"]
a = json.load(open(w + "/a.json"))
b = json.load(open(w + "/b.json"))
a_end = max(r["series"]["start_unix_ms"] + r["series"]["points"][-1]["t_ms"] + r["series"]["points"][-1]["duration_ms"] for r in a["series"])
b_start = min(r["series"]["start_unix_ms"] for r in b["series"])
freeze = a["series"][0]["stalls"]["list"][0]
print("    gap between the results: %.3f s; merged: gaps %s, any %s, all %s" % (
    (b_start - a_end) / 1000, [g["length_ms"] for g in m["gaps"]["list"]],
    [g["length_ms"] for g in m["any"]["list"]], [g["length_ms"] for g in m["all"]["list"]]))
ok = m["inputs"] == 2 and len(m["gaps"]["list"]) == 1
gap = m["gaps"]["list"][0]
ok &= abs(gap["start_unix_ms"] - a_end) < 1 and abs(gap["length_ms"] - (b_start - a_end)) < 1
ok &= len(m["any"]["list"]) == 1 and abs(m["any"]["list"][0]["length_ms"] - freeze["length_ms"]) < 0.01
# all: A's freeze (B was not running yet) and the gap (nobody was)
alls = m["all"]["list"]
ok &= len(alls) == 2 and abs(alls[0]["length_ms"] - freeze["length_ms"]) < 0.01
ok &= abs(alls[1]["start_unix_ms"] - a_end) < 1
sys.exit(0 if ok else 1)
PY
run_pvc merge "$WORK/a.json" "$WORK/b.json"
check "merge's text says it" eval 'grep -q "^when no result was running (between them):" "$OUT" && grep -q "^when any result was stalled:" "$OUT"'

inject 6 5s
py "$WORK" <<'PY' && pass "a 5 s threshold reports no stall for the 3 s freeze" || fail "threshold 5s"
import json, sys
text = open(sys.argv[1] + "/out").read()
d, end = json.JSONDecoder().raw_decode(text[text.index("{"):])
st = d["jobs"][0]["stalls"]
sys.exit(0 if st["count"] == 0 and st["list"] == [] and st["threshold_ms"] == 5000.0 else 1)
PY
check "and nothing about stalls in its text" eval '! grep -q "stalls (" "$WORK/out"'

OUT=$WORK/o ERR=$WORK/e
run_pvc fio --name=w --directory="$WORK" --rw=write --size=1m --stall-threshold=soon
check "a bad threshold is refused with one line, exit 2" \
	eval '[ "$RC" = 2 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q "stall-threshold" "$ERR"'
run_env_pvc PVCBENCH_STALL_THRESHOLD=250ms -- fio --name=w --directory="$WORK" --rw=write --size=1m --output-format=json
check "PVCBENCH_STALL_THRESHOLD sets it" \
	eval '[ "$RC" = 0 ] && grep -q "\"threshold_ms\" : 250.000000" "$OUT"'
finish
