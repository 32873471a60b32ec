#!/bin/bash
# merge.sh - pvcbench merge on real results.
#
# 1. Exactness: one `pvcbench fio` run with numjobs=2 (no group_reporting: one job per clone,
#    each with its own lat_hist) split into two files of one job each, as two pods would write
#    them. Merged, the total's clat_ns (N, min, max, mean, stddev, every percentile) must equal
#    what tests/lib/histmodel.py computes from the sum of the two histograms (the
#    group_reporting view of the same samples, computed independently in Python); the model is
#    itself checked first against pvcbench's own figures of each job. Counts and bytes add, the
#    run time is the longer, iops and bw are the sums over it. slat_ns and clat_ns likewise
#    from the summed slat_hist and clat_hist; the bw/iops sample fields from the inputs' bw_sums
#    and iops_sums added in Python as fio's group_reporting adds its jobs'. Merging one file
#    alone gives back that file's read, write, trim and sync objects exactly (bw_agg against its
#    own bandwidth), a merged result merges again to the same total, and the input jobs are
#    kept whole. A randwrite run with fsync=4 merges its write and sync objects the same way.
# 2. Merging N copies of one file: N times the counts, the same percentiles, min, max, mean.
# 3. Refusals, each with exit status 2, one stderr line naming the file, nothing on stdout and no
#    --output file: unreadable, corrupt and truncated JSON, JSON that is not a pvcbench result
#    (hand-made, and fio's own when fio is installed), and mismatched workloads (a pgbench-like
#    result with a txn operation); no FILE at all is a usage error. A job of another name but
#    the same kind merges (see merge_names.sh).
# 4. Text output: a row per input job and a total row; the FIO Summary (several job names)
#    gets a total row per test and one of everything; stdin ("-") and --output=FILE work.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
"$PVC" merge --help >/dev/null 2>&1 || skip "pvcbench merge was not built (libjansson-dev missing)"

new_workdir
mkdir -p "$WORK/res"

run_pvc fio --name=r --directory="$DATA" --size=16M --rw=randread --bs=4k --iodepth=4 \
	--runtime=2 --time_based --numjobs=2 --output-format=json
if [ "$RC" != 0 ]; then
	fail "pvcbench fio (numjobs=2, JSON) exits 0"
	show_run
	finish
fi
cp "$OUT" run.json

check "the run splits into one file per job" py run.json <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
if len(doc["jobs"]) != 2:
    print("    %d jobs, want 2" % len(doc["jobs"])); sys.exit(1)
for i, job in enumerate(doc["jobs"]):
    part = dict(doc)
    part["jobs"] = [job]
    with open("pod-%d.json" % i, "w") as f:
        json.dump(part, f, indent=2)
        f.write("\n")
EOF

# --- 1. exactness
run_pvc merge --output-format=json pod-0.json pod-1.json
check "merge pod-0 pod-1 exits 0 with nothing on stderr" test "$RC" = 0 -a ! -s "$ERR"
cp "$OUT" merged.json
check "the merged total equals the sum of the two histograms, computed in Python" \
	py run.json merged.json <<'EOF'
import json, sys
from histmodel import Hist, check_clat, check_samples, close
run, merged = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
LATS = (("slat_ns", "slat_hist"), ("clat_ns", "clat_hist"), ("lat_ns", "lat_hist"))
# the model agrees with pvcbench's own figures for each job: latencies and samples
for job in run["jobs"]:
    for lat, hist in LATS:
        bad += check_clat(job["read"][lat], Hist(job["read"][hist]), "input job " + lat)
    bad += check_samples(job["read"], [job["read"]], "input job")
t = merged["total"]["read"]
for lat, hist in LATS:
    union = Hist()
    for job in run["jobs"]:
        union.add(job["read"][hist])
    bad += check_clat(t[lat], union, "total " + lat)
    if Hist(t[hist]).as_lat_hist() != union.as_lat_hist():
        bad.append("total %s differs from the sum of the inputs' buckets" % hist)
if t["slat_ns"]["N"] == 0 or t["clat_ns"]["mean"] >= t["lat_ns"]["mean"]:
    bad.append("slat_ns N %r, clat_ns mean %r not below lat_ns mean %r: not fio's split" %
               (t["slat_ns"]["N"], t["clat_ns"]["mean"], t["lat_ns"]["mean"]))
# bw and iops samples, as fio's group_reporting adds its jobs' (see histmodel.check_samples)
bad += check_samples(t, [job["read"] for job in run["jobs"]], "total")
r = [j["read"] for j in run["jobs"]]
ios, nbytes = sum(x["total_ios"] for x in r), sum(x["io_bytes"] for x in r)
runtime = max(x["runtime"] for x in r)
want = {"total_ios": ios, "io_bytes": nbytes, "runtime": runtime,
        "errors": sum(x["errors"] for x in r), "bw_bytes": nbytes * 1000 // runtime,
        "bw": nbytes * 1000 // runtime // 1024, "io_kbytes": nbytes // 1024,
        "short_ios": sum(x["short_ios"] for x in r), "drop_ios": sum(x["drop_ios"] for x in r)}
for k, v in want.items():
    if t[k] != v:
        bad.append("total %s %r, want %r" % (k, t[k], v))
if not close(t["iops"], ios * 1000 / runtime):
    bad.append("total iops %r, want %r" % (t["iops"], ios * 1000 / runtime))
for op in ("write", "trim", "sync"):
    if merged["total"][op]["total_ios"] != 0:
        bad.append("a randread run's merged %s has %r ios" % (op, merged["total"][op]["total_ios"]))
if set(merged["total"]["sync"]) != set(run["jobs"][0]["sync"]):
    bad.append("total sync keys %r, want fio's sync object %r" %
               (sorted(merged["total"]["sync"]), sorted(run["jobs"][0]["sync"])))
# every input job kept whole, with its source
jobs = merged["jobs"]
if [j.get("source") for j in jobs] != ["pod-0.json", "pod-1.json"]:
    bad.append("sources %r" % [j.get("source") for j in jobs])
for got, want_job in zip(jobs, run["jobs"]):
    got = {k: v for k, v in got.items() if k != "source"}
    if got != want_job:
        bad.append("job %s was not kept as it was" % want_job["jobname"])
if "totals" in merged:
    bad.append("totals present though every job is called r")
for k in ("fio version", "timestamp", "timestamp_ms", "time", "sources"):
    if k not in merged:
        bad.append("no %r at the top level" % k)
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF

# A job's bw_agg is its mean's share of its group's bandwidth (the two clones here); merged
# alone, the job is its own group, so bw_agg is checked against its own bw_bytes. Every other
# key of every object is the same.
run_pvc merge --output-format=json pod-0.json
cp "$OUT" alone.json
check "one file merged alone gives back its own read, write, trim and sync objects" \
	py pod-0.json "$OUT" <<'EOF'
import json, sys
from histmodel import close
one, merged = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
for op in ("read", "write", "trim", "sync"):
    a, b = dict(merged["total"][op]), dict(one["jobs"][0][op])
    if "bw_agg" in b:
        want = 0.0
        if b["bw_samples"] and b["bw_bytes"] > 1024:
            want = min(100.0, b["bw_mean"] * 100 / (b["bw_bytes"] / 1024))
        got = a.pop("bw_agg", None)
        if got is None or not close(got, want):
            bad.append("%s bw_agg %r, want %r" % (op, got, want))
        b.pop("bw_agg")
    if a != b:
        bad.append("%s differs: %r" % (op, sorted(set(a) ^ set(b)) +
                                        [k for k in b if k in a and a[k] != b[k]]))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF

run_pvc merge --output-format=json merged.json
check "a merged result merges again: the same total read, write, trim and sync" \
	py merged.json "$OUT" <<'EOF'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = ["%s %s" % (op, k) for op in ("read", "write", "trim", "sync")
       for k in set(a["total"][op]) | set(b["total"][op])
       if a["total"][op].get(k) != b["total"][op].get(k)]
if bad:
    print("    differs: %r" % bad)
sys.exit(1 if bad else 0)
EOF

# --- one job (its own group, so bw_agg too), with every latency's percentiles at a list of its own
run_pvc fio --name=p --directory="$DATA" --size=4M --rw=randrw --bs=4k --runtime=1 --time_based \
	--slat_percentiles=1 --lat_percentiles=1 --percentile_list=50:99.5:99.99 --output-format=json
if [ "$RC" = 0 ]; then
	cp "$OUT" pct.json
	run_pvc merge --output-format=json pct.json
	check "one job merged alone: read, write, trim and sync the same on every key, percentiles too" \
		py pct.json "$OUT" <<'EOF'
import json, sys
one, merged = json.load(open(sys.argv[1]))["jobs"][0], json.load(open(sys.argv[2]))["total"]
bad = ["%s %s" % (op, k) for op in ("read", "write", "trim", "sync")
       for k in set(one[op]) | set(merged[op]) if one[op].get(k) != merged[op].get(k)]
if list(one["read"]["slat_ns"].get("percentile", {})) != ["50.000000", "99.500000", "99.990000"]:
    bad.append("the run's slat_ns percentiles %r" % one["read"]["slat_ns"].get("percentile"))
if bad:
    print("    differs: %r" % bad)
sys.exit(1 if bad else 0)
EOF
else
	fail "pvcbench fio (randrw, slat_percentiles, lat_percentiles, percentile_list) exits 0"
	show_run
fi

# --- syncs: fsync's sync object (total_ios, lat_ns) merges too, in fio's sync shape
run_pvc fio --name=w --directory="$DATA" --size=4M --rw=randwrite --bs=4k --fsync=4 \
	--runtime=1 --time_based --numjobs=2 --output-format=json
if [ "$RC" = 0 ]; then
	cp "$OUT" sync-run.json
	py sync-run.json <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
for i, job in enumerate(doc["jobs"]):
    json.dump(dict(doc, jobs=[job]), open("sync-%d.json" % i, "w"), indent=2)
EOF
	run_pvc merge --output-format=json sync-0.json sync-1.json
	check "fsync=4, two pods: the merged write and sync add up" py sync-run.json "$OUT" <<'EOF'
import json, sys
from histmodel import Hist, check_clat, check_samples
run, merged = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = []
s, w = merged["total"]["sync"], merged["total"]["write"]
syncs = [j["sync"] for j in run["jobs"]]
if not all(x["total_ios"] for x in syncs):
    bad.append("a job did no sync: %r" % [x["total_ios"] for x in syncs])
if s["total_ios"] != sum(x["total_ios"] for x in syncs):
    bad.append("sync total_ios %r, want %r" % (s["total_ios"], sum(x["total_ios"] for x in syncs)))
union = Hist()
for x in syncs:
    union.add(x["lat_hist"])
bad += check_clat(s["lat_ns"], union, "sync lat_ns")
if set(s) != set(syncs[0]):
    bad.append("sync keys %r, want %r" % (sorted(s), sorted(syncs[0])))
for lat, hist in (("slat_ns", "slat_hist"), ("clat_ns", "clat_hist"), ("lat_ns", "lat_hist")):
    union = Hist()
    for job in run["jobs"]:
        union.add(job["write"][hist])
    bad += check_clat(w[lat], union, "write " + lat)
bad += check_samples(w, [job["write"] for job in run["jobs"]], "write")
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
else
	fail "pvcbench fio (randwrite, fsync=4, numjobs=2) exits 0"
	show_run
fi

# --- a pod's `kubectl logs`: stderr's notes before, inside and after the JSON document
py pod-0.json pod-0.log <<'EOF2'
import sys
lines = open(sys.argv[1]).read().splitlines()
out = ["pvcbench fio: ioengine=auto: using libaio (io_uring: blocked by seccomp)",
       "pvcbench: waiting until 2026-11-25T18:00:00Z (in 12.0 s) to start"]
out += lines[:3] + ["pvcbench fio: laying out 16 MiB in r.0.0"] + lines[3:]
out += ["pvcbench fio: removed r.0.0"]
open(sys.argv[2], "w").write("\n".join(out) + "\n")
EOF2
run_pvc merge --output-format=json pod-0.log
check "a pod's log (stderr lines around and inside the document) merges: exit 0" test "$RC" = 0
check "... with a note that the result was read out of a log" grep -q "read the result out of a log" "$ERR"
check "... and gives the same total as the document alone" py alone.json "$OUT" <<'EOF2'
import json, sys
one, merged = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
sys.exit(0 if merged["total"] == one["total"] else 1)
EOF2
head -c -300 pod-0.log > pod-0-cut.log
run_pvc merge --output-format=json pod-0-cut.log
check "a log whose document was cut short is refused with exit 2" test "$RC" = 2

# --- 2. N copies
run_pvc merge --output-format=json pod-0.json pod-0.json pod-0.json
check "3 copies: 3 times the counts, the same percentiles, min, max and mean" \
	py pod-0.json "$OUT" <<'EOF'
import json, sys
from histmodel import close
one, merged = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
a, t = one["jobs"][0]["read"], merged["total"]["read"]
bad = []
for k in ("total_ios", "io_bytes", "errors"):
    if t[k] != 3 * a[k]:
        bad.append("%s %r, want 3 x %r" % (k, t[k], a[k]))
if t["clat_ns"]["N"] != 3 * a["clat_ns"]["N"]:
    bad.append("N %r, want 3 x %r" % (t["clat_ns"]["N"], a["clat_ns"]["N"]))
for k in ("min", "max", "percentile"):
    if t["clat_ns"][k] != a["clat_ns"][k]:
        bad.append("clat_ns %s changed: %r vs %r" % (k, t["clat_ns"][k], a["clat_ns"][k]))
if not close(t["clat_ns"]["mean"], a["clat_ns"]["mean"]):
    bad.append("mean %r vs %r" % (t["clat_ns"]["mean"], a["clat_ns"]["mean"]))
if t["runtime"] != a["runtime"] or not close(t["iops"], 3 * a["total_ios"] * 1000 / a["runtime"]):
    bad.append("runtime %r / iops %r" % (t["runtime"], t["iops"]))
if len(merged["jobs"]) != 3:
    bad.append("%d jobs, want 3" % len(merged["jobs"]))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF

# --- 3. refusals
py pod-0.json <<'EOF'
import json, re, sys
text = open(sys.argv[1]).read()
open("corrupt.json", "w").write(re.sub(r'"read"\s*:', '"read" ;', text, count=1))
open("truncated.json", "w").write(text[: len(text) // 2])
open("empty.json", "w").write("")
open("trailing.json", "w").write(text + "\nnote: done\n")
doc = json.loads(text)
json.dump({"fio version": "fio-3.33", "jobs": [
    {"jobname": "r", "read": {k: v for k, v in doc["jobs"][0]["read"].items()
                              if k != "lat_hist"}}]}, open("fio-like.json", "w"))
json.dump({"hello": "world"}, open("other.json", "w"))
json.dump({"jobs": []}, open("nojobs.json", "w"))
pg = dict(doc)
pg["jobs"] = [{"jobname": "pgbench", "groupid": 0, "error": 0, "txn": doc["jobs"][0]["read"]}]
json.dump(pg, open("pgbench-like.json", "w"))
named = json.loads(text)
named["jobs"][0]["jobname"] = "w"
json.dump(named, open("other-name.json", "w"))
bits = json.loads(text)
bits["jobs"][0]["read"]["lat_hist"]["sub_bucket_bits"] = 8
json.dump(bits, open("bits.json", "w"))
count = json.loads(text)
count["jobs"][0]["read"]["lat_hist"]["count"] += 1
json.dump(count, open("count.json", "w"))
EOF
if command -v fio >/dev/null 2>&1 &&
	fio --name=f --filename="$WORK/fio.dat" --size=1M --rw=read --bs=64k \
		--output-format=json >fio-real.json 2>/dev/null; then
	REAL_FIO=1
else
	REAL_FIO=0
	note "fio not installed: its own JSON is not tried"
fi

# refused WHAT FILE... -- WORDS: exit 2, one stderr line holding WORDS, no output file
refused() {
	local desc=$1 words=()
	shift
	local files=()
	while [ "$1" != "--" ]; do files+=("$1"); shift; done
	shift
	words=("$@")
	rm -f "$WORK"/res/*
	run_pvc merge --output-format=json --output="$WORK/res/merged.json" "${files[@]}"
	local ok=1 w
	[ "$RC" = 2 ] || { echo "    exit status $RC, want 2"; ok=0; }
	[ "$(wc -l <"$ERR")" = 1 ] || { echo "    stderr has $(wc -l <"$ERR") lines, want 1"; ok=0; }
	for w in "${words[@]}"; do
		grep -qF -- "$w" "$ERR" || { echo "    stderr does not say '$w'"; ok=0; }
	done
	[ ! -s "$OUT" ] || { echo "    something on stdout"; ok=0; }
	dir_is_empty "$WORK/res" || ok=0
	[ $ok = 1 ] || sed -n '1,3s/^/    stderr: /p' "$ERR"
	if [ $ok = 1 ]; then pass "refused: $desc"; else fail "refused: $desc"; fi
}
refused "a missing file" pod-0.json missing.json -- "missing.json: cannot read"
refused "a directory" pod-0.json "$DATA" -- "$DATA: cannot read"
refused "corrupt JSON, with line and column" pod-0.json corrupt.json -- \
	"corrupt.json: not valid JSON (line" "column"
refused "truncated JSON" pod-0.json truncated.json -- "truncated.json: not valid JSON (line"
refused "an empty file" empty.json -- "empty.json: not valid JSON"
refused "text after the document" trailing.json -- "trailing.json: not valid JSON"
refused "fio-shaped JSON without lat_hist" fio-like.json -- \
	"fio-like.json: job 'r' read has no lat_hist: not a pvcbench result"
refused "JSON with no jobs" other.json -- "other.json: not a pvcbench result"
refused "an empty jobs array" nojobs.json -- "nojobs.json: not a pvcbench result"
if [ $REAL_FIO = 1 ]; then
	refused "fio's own JSON" pod-0.json fio-real.json -- "fio-real.json:" "not a pvcbench result"
fi
refused "a pgbench-like result with a fio one" pod-0.json pgbench-like.json -- \
	"pgbench-like.json and pod-0.json hold different workloads" \
	"has job 'pgbench' (pgbench transactions: txn), pod-0.json has job 'r' (block read/write: read)"
refused "a fio result with a pgbench-like one" pgbench-like.json pod-1.json -- \
	"pod-1.json and pgbench-like.json hold different workloads"
# jobs of different names but one kind merge (tests/integration/merge_names.sh)
run_pvc merge --output-format=json pod-0.json pod-1.json other-name.json
check "jobs of different names, one kind: merged, exit 0" test "$RC" = 0 -a ! -s "$ERR"
refused "another histogram resolution" pod-0.json bits.json -- \
	"bits.json: job 'r' read: lat_hist has sub_bucket_bits 8"
refused "bucket counts that do not add up" count.json -- \
	"count.json: job 'r' read: lat_hist bucket counts add up to"
run_pvc merge
check "no FILE: a usage error, exit 2" test "$RC" = 2 -a ! -s "$OUT"
check "no FILE: the message shows the usage" grep -q "usage: pvcbench merge" "$ERR"
run_pvc merge --output-format=yaml pod-0.json
check "a bad --output-format: exit 2" test "$RC" = 2

# --- 4. text output, stdin, --output
run_pvc merge pod-0.json - <pod-1.json
check "text: exit 0" test "$RC" = 0
check "text: a row per input job, a total row, the columns" py "$OUT" <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
bad = []
head = [l for l in lines if l.startswith("source ")]
if not head or head[0].split() != ["source", "job", "op", "ops", "iops", "bw", "errors",
                                   "mean", "p50", "p99", "p99.9", "max"]:
    bad.append("header %r" % head)
rows = [l.split() for l in lines if re.match(r"^(pod-0\.json|stdin|total) ", l)]
if [r[0] for r in rows] != ["pod-0.json", "stdin", "total"]:
    bad.append("rows %r" % [r[0] for r in rows])
for r in rows:
    if len(r) != 12 or r[1] != "r" or r[2] != "read":
        bad.append("row %r" % r)
    elif not re.match(r"^\d+(\.\d+)?[kMG]?$", r[3]) or not r[5].endswith("iB/s"):
        bad.append("row %r: ops, iops or bw not in fio's style" % r)
if not lines or "latency (issue to completion) in" not in lines[0]:
    bad.append("first line %r" % lines[:1])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
rm -f "$WORK"/res/*
run_pvc merge --output "$WORK/res/m.txt" pod-0.json pod-1.json
check "--output FILE: exit 0, nothing on stdout, the table in FILE" \
	test "$RC" = 0 -a ! -s "$OUT" -a -s "$WORK/res/m.txt"
check "--output FILE: no temporary file left" dir_is_empty "$WORK/res" m.txt

note "the FIO Summary (quick), two pods"
run_env_pvc "${UNSET[@]}" -- summary --mountpoint="$DATA" --quick=1 --size=8M \
	--runtime=1s --ramp_time=0 --output-format=json
if [ "$RC" = 0 ]; then
	cp "$OUT" sum-0.json
	run_pvc merge --output-format=json sum-0.json sum-0.json
	check "summary: merged, with a total per test and one of everything" py "$OUT" sum-0.json <<'EOF'
import json, sys
m, one = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
names = []
for j in one["jobs"]:
    if j["jobname"] not in names:
        names.append(j["jobname"])
bad = []
if len(names) < 2:
    bad.append("the quick summary has only %r" % names)
if [t["jobname"] for t in m.get("totals", [])] != names:
    bad.append("totals %r, want %r" % ([t["jobname"] for t in m.get("totals", [])], names))
for t in m.get("totals", []):
    for op in ("read", "write"):
        want = 2 * sum(j[op]["total_ios"] for j in one["jobs"] if j["jobname"] == t["jobname"])
        if t[op]["total_ios"] != want:
            bad.append("%s %s: %r ios, want %r" % (t["jobname"], op, t[op]["total_ios"], want))
if m["total"]["jobname"] != "all" or m["total"]["merged_jobs"] != 2 * len(one["jobs"]):
    bad.append("total %r" % {k: m["total"][k] for k in ("jobname", "merged_jobs")})
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
	run_pvc merge sum-0.json sum-0.json
	check "summary text: a total row per test, and one for all" py "$OUT" sum-0.json <<'EOF'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
one = json.load(open(sys.argv[2]))
names = set(j["jobname"] for j in one["jobs"])
totals = set(l.split()[1] for l in lines if l.startswith("total "))
if totals != names | {"all"}:
    print("    total rows for %r, want %r" % (sorted(totals), sorted(names | {"all"})))
    sys.exit(1)
EOF
else
	fail "pvcbench summary --quick=1 --output-format=json exits 0"
	show_run
fi

check "every option of merge --help is in docs/README.md" bash -c '
	for o in $("$1" merge --help | grep -oE "^  --[a-z_-]+" | sed "s/^  //"); do
		grep -qE -- "^  $o([= ]|\$)" "$2" || { echo "    $o is missing"; exit 1; }
	done' _ "$PVC" "$LIB_DIR/../../docs/README.md"

finish
