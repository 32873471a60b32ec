#!/bin/bash
# merge_names.sh - pvcbench merge across job names, on results of the real binary.
#
# Pods often name their job after themselves: four `pvcbench fio --output-format=json` runs
# named pvc-bench-0, pvc-bench-1, pvc-bench-2 and pvc-bench-0 again (a second result of one
# name), with different block sizes, depths and patterns (pvc-bench-2 also writes). Merged:
# - one total of every job: its read and write lat_hist, slat_hist and clat_hist are the sums of
#   the inputs' buckets (added up here in Python), and its clat_ns, lat_ns and slat_ns figures
#   (N, min, max, mean, stddev, every percentile) are those of a histogram built from all those
#   buckets (tests/lib/histmodel.py, independent of the C code); counts, bytes and errors add,
#   the run time is the longest, kind "block";
# - totals[]: one per name in order of first appearance, pvc-bench-0's the sum of its two
#   results, each with its own merged_jobs and merged_sources;
# - the text: a row per input job, a total row for pvc-bench-0 (two jobs), none for the names of
#   one job (it would repeat their row), and the total of all, whose ops match the JSON's.
# Refused, exit 2, one stderr line, no output: a pgbench-like result (a txn job made from a real
# one) with the fio ones, naming both kinds; a fio result whose job of a known name measures
# other operations (unified_rw_reporting=mixed).
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
"$PVC" merge --help >/dev/null 2>&1 || skip "pvcbench merge was not built (libjansson-dev missing)"

new_workdir

# NAME FILE ARGS...: one fio run's JSON into FILE
fio_run() {
	local name=$1 file=$2
	shift 2
	run_pvc fio --name="$name" --directory="$DATA" --size=8M --runtime=1 --time_based \
		--output-format=json "$@"
	if [ "$RC" != 0 ]; then
		fail "pvcbench fio --name=$name $* exits 0"
		show_run
		finish
	fi
	cp "$OUT" "$file"
}
fio_run pvc-bench-0 pod-0.json --rw=randread --bs=4k --iodepth=4
fio_run pvc-bench-1 pod-1.json --rw=randread --bs=16k --iodepth=1
fio_run pvc-bench-2 pod-2.json --rw=randrw --bs=4k --iodepth=2
fio_run pvc-bench-0 pod-0-again.json --rw=read --bs=8k --iodepth=8

FILES=(pod-0.json pod-1.json pod-2.json pod-0-again.json)
run_pvc merge --output-format=json "${FILES[@]}"
check "merge of four pods' results, three names: exit 0, nothing on stderr" \
	test "$RC" = 0 -a ! -s "$ERR"
cp "$OUT" merged.json

check "the total: the sum of every input's histograms, counts and bytes" \
	py merged.json "${FILES[@]}" <<'EOF'
import json, sys
from histmodel import Hist, check_clat, close
merged = json.load(open(sys.argv[1]))
inputs = [json.load(open(p)) for p in sys.argv[2:]]
jobs = [j for doc in inputs for j in doc["jobs"]]
bad = []
t = merged["total"]
want = {"jobname": "all", "kind": "block", "merged_jobs": len(jobs),
        "merged_sources": len(inputs), "failed_jobs": 0}
for k, v in want.items():
    if t.get(k) != v:
        bad.append("total %s %r, want %r" % (k, t.get(k), v))
if [j["jobname"] for j in jobs] != ["pvc-bench-0", "pvc-bench-1", "pvc-bench-2", "pvc-bench-0"]:
    bad.append("the runs' job names %r" % [j["jobname"] for j in jobs])
if sum(j["write"]["total_ios"] for j in jobs) == 0:
    bad.append("no input wrote: pvc-bench-2 (randrw) should have")
for op in ("read", "write"):
    ops = [j[op] for j in jobs]
    for lat, hist in (("slat_ns", "slat_hist"), ("clat_ns", "clat_hist"), ("lat_ns", "lat_hist")):
        union = Hist()
        for x in ops:
            union.add(x[hist])
        if Hist(t[op][hist]).as_lat_hist() != union.as_lat_hist():
            bad.append("total %s %s is not the sum of the inputs' buckets" % (op, hist))
        bad += check_clat(t[op][lat], union, "total %s %s" % (op, lat))
    if op == "read" and not t[op]["clat_ns"].get("percentile"):
        bad.append("total read clat_ns has no percentiles")
    runtime = max(x["runtime"] for x in ops)
    nbytes = sum(x["io_bytes"] for x in ops)
    for k, v in (("total_ios", sum(x["total_ios"] for x in ops)), ("io_bytes", nbytes),
                 ("errors", sum(x["errors"] for x in ops)), ("runtime", runtime),
                 ("bw_bytes", nbytes * 1000 // runtime if runtime else 0)):
        if t[op][k] != v:
            bad.append("total %s %s %r, want %r" % (op, k, t[op][k], v))
    if runtime and not close(t[op]["iops"], sum(x["total_ios"] for x in ops) * 1000 / runtime):
        bad.append("total %s iops %r" % (op, t[op]["iops"]))
# every input job kept, with its source
if [(j["jobname"], j["source"]) for j in merged["jobs"]] != \
        [(j["jobname"], f) for j, f in zip(jobs, sys.argv[2:])]:
    bad.append("jobs %r" % [(j["jobname"], j["source"]) for j in merged["jobs"]])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF

check "totals[]: one per name; pvc-bench-0's adds its two results" \
	py merged.json "${FILES[@]}" <<'EOF'
import json, sys
from histmodel import Hist, check_clat
merged = json.load(open(sys.argv[1]))
inputs = [json.load(open(p)) for p in sys.argv[2:]]
bad = []
totals = merged.get("totals", [])
names = ["pvc-bench-0", "pvc-bench-1", "pvc-bench-2"]
if [g["jobname"] for g in totals] != names:
    bad.append("totals %r, want %r" % ([g["jobname"] for g in totals], names))
for g in totals:
    mine = [(i, j) for i, doc in enumerate(inputs) for j in doc["jobs"]
            if j["jobname"] == g["jobname"]]
    if g["merged_jobs"] != len(mine) or g["merged_sources"] != len(set(i for i, _ in mine)):
        bad.append("%s: merged_jobs %r, merged_sources %r, want %d and %d" %
                   (g["jobname"], g["merged_jobs"], g["merged_sources"], len(mine),
                    len(set(i for i, _ in mine))))
    for op in ("read", "write"):
        union = Hist()
        for _, j in mine:
            union.add(j[op]["lat_hist"])
        bad += check_clat(g[op]["lat_ns"], union, "%s %s lat_ns" % (g["jobname"], op))
        ios = sum(j[op]["total_ios"] for _, j in mine)
        if g[op]["total_ios"] != ios:
            bad.append("%s %s total_ios %r, want %r" % (g["jobname"], op, g[op]["total_ios"], ios))
if totals and totals[0]["merged_jobs"] != 2:
    bad.append("pvc-bench-0 has %r jobs, want 2" % totals[0]["merged_jobs"])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF

run_pvc merge --output-format=json merged.json
check "the merged result merges again to the same total and totals" py merged.json "$OUT" <<'EOF'
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
bad = [k for k in ("read", "write") if a["total"][k] != b["total"][k]]
bad += [g["jobname"] for g, h in zip(a["totals"], b["totals"]) if g["read"] != h["read"]]
if bad:
    print("    differs: %r" % bad)
sys.exit(1 if bad else 0)
EOF

run_pvc merge "${FILES[@]}"
check "text: exit 0" test "$RC" = 0
check "text: a row per input job, pvc-bench-0's total, all's" py "$OUT" merged.json <<'EOF'
import json, re, sys
lines = open(sys.argv[1]).read().split("\n\n")[0].splitlines()  # the table; then outages
merged = json.load(open(sys.argv[2]))
bad = []
if not lines or not lines[0].startswith("pvcbench merge: 4 results, 4 jobs (block read/write), "
                                        "3 job names; latency"):
    bad.append("first line %r" % lines[:1])
rows = [l.split() for l in lines[2:]]
keys = [(r[0], r[1], r[2]) for r in rows]
want = [(f, n, op) for f, n in (("pod-0.json", "pvc-bench-0"), ("pod-1.json", "pvc-bench-1"),
                                ("pod-2.json", "pvc-bench-2"), ("pod-0-again.json", "pvc-bench-0"))
        for op in ("read", "write")
        if op == "read" or n == "pvc-bench-2"]
want += [("total", "pvc-bench-0", "read"), ("total", "all", "read"), ("total", "all", "write")]
# each input row lists the operations that the job's name measured somewhere
if keys != want:
    bad.append("rows %r\n    want %r" % (keys, want))
for r in rows:
    if r[0] == "total" and r[1] == "all":
        n = merged["total"][r[2]]["total_ios"]
        m = re.match(r"^([\d.]+)([kM]?)$", r[3])
        if not m or abs(float(m.group(1)) * {"": 1, "k": 1e3, "M": 1e6}[m.group(2)] - n) > n * 0.01 + 1:
            bad.append("total all %s ops %r, the JSON's %r" % (r[2], r[3], n))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF

# --- refusals
py pod-1.json <<'EOF'
import json, sys
doc = json.load(open(sys.argv[1]))
job = doc["jobs"][0]
pg = dict(doc, jobs=[{"jobname": "pgbench", "groupid": 0, "error": 0, "txn": job["read"]}])
json.dump(pg, open("pgbench-like.json", "w"), indent=2)
EOF
run_pvc fio --name=pvc-bench-1 --directory="$DATA" --size=8M --runtime=1 --time_based \
	--rw=randread --unified_rw_reporting=mixed --output-format=json
if [ "$RC" = 0 ]; then cp "$OUT" mixed.json; else
	fail "pvcbench fio --unified_rw_reporting=mixed exits 0"
	show_run
fi

# refused WHAT FILE... -- WORDS: exit 2, one stderr line holding WORDS, nothing on stdout
refused() {
	local desc=$1 files=() w ok=1
	shift
	while [ "$1" != "--" ]; do files+=("$1"); shift; done
	shift
	run_pvc merge --output-format=json "${files[@]}"
	[ "$RC" = 2 ] || { echo "    exit status $RC, want 2"; ok=0; }
	[ "$(wc -l <"$ERR")" = 1 ] || { echo "    stderr has $(wc -l <"$ERR") lines, want 1"; ok=0; }
	for w in "$@"; do
		grep -qF -- "$w" "$ERR" || { echo "    stderr does not say '$w'"; ok=0; }
	done
	[ ! -s "$OUT" ] || { echo "    something on stdout"; ok=0; }
	[ $ok = 1 ] || sed -n '1,3s/^/    stderr: /p' "$ERR"
	if [ $ok = 1 ]; then pass "refused: $desc"; else fail "refused: $desc"; fi
}
refused "a pgbench-like result after fio ones, naming both kinds" \
	pod-0.json pod-1.json pgbench-like.json -- \
	"pgbench-like.json and pod-0.json hold different workloads" \
	"pgbench-like.json has job 'pgbench' (pgbench transactions: txn)" \
	"pod-0.json has job 'pvc-bench-0' (block read/write: read)" "only results of one kind merge"
refused "fio results after a pgbench-like one" pgbench-like.json pod-2.json -- \
	"pod-2.json and pgbench-like.json hold different workloads" \
	"'pvc-bench-2' (block read/write: read, write)"
if [ -s mixed.json ]; then
	refused "a job of a known name that measures other operations" pod-1.json mixed.json -- \
		"mixed.json and pod-1.json hold different workloads: job 'pvc-bench-1' measures mixed"
	run_pvc merge --output-format=json pod-0.json mixed.json
	check "... while under another name, of the same kind, it merges (exit 0)" test "$RC" = 0
fi

finish
