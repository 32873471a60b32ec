#!/bin/bash
# summary.sh - the default job, the white paper's FIO Summary, on a temporary directory.
#
# Checks, in quick and full mode: the output ends with exactly the seed's block (the three
# banner lines, then one summary line in quick mode and four in full mode); every figure has
# fio's number format; every figure equals the matching figure of the same run's own stat
# lines (read_iops' "read: IOPS=", read_latency's "lat (usec): avg=", read_seq's group "READ:
# bw=", ...); the fiotest file is gone afterwards. Then: DBENCH_MOUNTPOINT and DBENCH_QUICK;
# --output-format=json (one document on stdout with fio's fields, summary.text equal to what
# fio's formatting gives for the JSON's own numbers, progress on stderr); --output=FILE
# written whole with no FILE.tmp.* left behind.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc

new_tmpdir WORK
new_tmpdir MNT
cd "$WORK" || exit 1
OUT=$WORK/out
ERR=$WORK/err
COMMON=(FIO_SIZE=16M FIO_OFFSET_INCREMENT=8M RUN_TIME=1s)

# check_text_summary FILE quick|full: the seed's block at the end, fio formats, and each
# figure equal to the stat line it comes from.
check_text_summary() {
	py "$1" "$2" <<'EOF'
import re, sys
from pvctest import (parse_fio_text, lat_usec_text, IOPS_RE, BW_RE, LAT_RE, fio_figures_ok)
path, mode = sys.argv[1], sys.argv[2]
text = open(path).read()
p = parse_fio_text(text)
lines = text.rstrip("\n").split("\n")
bad = []
n = 1 if mode == "quick" else 4
tail = lines[-(3 + n):]
if tail[:3] != ["==================", "= FIO Summary =", "=================="]:
    bad.append("the output does not end with the banner and %d summary lines: %r" % (n, tail))
summary = tail[3:]
pat = [r"^Random Read/Write IOPS: (\S+)/(\S+)\. BW: (\S+) / (\S+)$",
       r"^Average Latency \(usec\) Read/Write: (\S+)/(\S+)$",
       r"^Sequential Read/Write: (\S+) / (\S+)$",
       r"^Mixed Random Read/Write IOPS: (\S+)/(\S+)$"]
kinds = [("iops", "iops", "bw", "bw"), ("lat", "lat"), ("bw", "bw"), ("iops", "iops")]
got = []
for i, line in enumerate(summary):
    m = re.match(pat[i], line) if i < len(pat) else None
    if not m:
        bad.append("summary line %d has not the seed's form: %r" % (i + 1, line))
        got.append(None)
        continue
    got.append(m.groups())
    for v, kind in zip(m.groups(), kinds[i]):
        rx = {"iops": IOPS_RE, "bw": BW_RE, "lat": LAT_RE}[kind]
        if not rx.match(v) or (kind != "lat" and not fio_figures_ok(v)):
            bad.append("%r in line %d is not a fio %s figure" % (v, i + 1, kind))

def stat(job, d, key):
    try:
        return p["jobs"][job][d][key]
    except KeyError:
        bad.append("no %s %s line with %s in the output" % (job, d, key))
        return None

def group_bw(job, label):
    g = p["group_of"].get(job)
    try:
        return p["groups"][g][label]
    except KeyError:
        bad.append("no %s line for the group of %s" % (label, job))
        return None

if got and got[0]:
    want = (stat("read_iops", "read", "iops"), stat("write_iops", "write", "iops"),
            stat("read_bw", "read", "bw"), stat("write_bw", "write", "bw"))
    for name, g, w in zip(("read IOPS", "write IOPS", "read BW", "write BW"), got[0], want):
        if g != w:
            bad.append("summary %s %r != the stat line's %r" % (name, g, w))
if mode == "full" and len(got) == 4:
    if got[1]:
        for name, job, d, g in (("read", "read_latency", "read", got[1][0]),
                                ("write", "write_latency", "write", got[1][1])):
            unit, avg = stat(job, d, "lat_unit"), stat(job, d, "lat_avg")
            if unit is None:
                continue
            want, tol = lat_usec_text(unit, avg)
            if unit == "usec" and g != avg:
                bad.append("summary %s latency %r != %s's lat (usec) avg=%r" % (name, g, job, avg))
            elif unit != "usec" and abs(float(g) - want) > tol:
                bad.append("summary %s latency %r != %s's lat (%s) avg=%r" % (name, g, job, unit, avg))
    if got[2]:
        for name, g, w in (("sequential read", got[2][0], group_bw("read_seq", "READ")),
                           ("sequential write", got[2][1], group_bw("write_seq", "WRITE"))):
            if g != w:
                bad.append("summary %s %r != the group line's bw=%r" % (name, g, w))
    if got[3]:
        for name, g, w in (("mixed read IOPS", got[3][0], stat("rw_mix", "read", "iops")),
                           ("mixed write IOPS", got[3][1], stat("rw_mix", "write", "iops"))):
            if g != w:
                bad.append("summary %s %r != rw_mix's stat line %r" % (name, g, w))
expected_jobs = {"read_iops", "write_iops", "read_bw", "write_bw"}
if mode == "full":
    expected_jobs |= {"read_latency", "write_latency", "read_seq", "write_seq", "rw_mix"}
if set(p["jobs"]) != expected_jobs:
    bad.append("jobs run %s, expected %s" % (sorted(p["jobs"]), sorted(expected_jobs)))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}

# --- quick mode, text, a short ramp
note "quick mode (FIO_QUICK=yes as in the seed, ramp 250ms)"
run_env_pvc "${UNSET[@]}" FIO_MOUNTPOINT="$MNT" FIO_QUICK=yes "${COMMON[@]}" -- --ramp_time=250ms
if [ "$RC" = 0 ]; then pass "quick summary exits 0"; else fail "quick summary exits 0"; show_run; fi
check "quick: seed's block at the end, fio formats, figures equal the stat lines" \
	check_text_summary "$OUT" quick
check "quick: fiotest removed after the run" dir_is_empty "$MNT"

# --- full mode, text
note "full mode"
run_env_pvc "${UNSET[@]}" FIO_MOUNTPOINT="$MNT" "${COMMON[@]}" -- --ramp_time=0
if [ "$RC" = 0 ]; then pass "full summary exits 0"; else fail "full summary exits 0"; show_run; fi
check "full: seed's block at the end, fio formats, figures equal the stat lines" \
	check_text_summary "$OUT" full
check "full: fiotest removed after the run" dir_is_empty "$MNT"
cp "$OUT" "$WORK/full.txt"

# --- full mode, JSON, --keep=1 to see the file's size
note "full mode, --output-format=json --keep=1"
run_env_pvc "${UNSET[@]}" FIO_MOUNTPOINT="$MNT" "${COMMON[@]}" -- --ramp_time=0 \
	--output-format=json --keep=1
if [ "$RC" = 0 ]; then pass "JSON summary exits 0"; else fail "JSON summary exits 0"; show_run; fi
check_fiotest_size() {
	local have want=$((3 * 8 * 1048576 + 16 * 1048576))
	have=$(stat -c %s "$MNT/fiotest" 2>/dev/null) || { echo "    no $MNT/fiotest with --keep=1"; return 1; }
	[ "$have" = "$want" ] || { echo "    fiotest is $have bytes, want 3*increment+size = $want"; return 1; }
}
check "--keep=1 keeps fiotest, sized 3 * offset_increment + size" check_fiotest_size
rm -f "$MNT/fiotest"
check_json_summary() {
	py "$OUT" "$ERR" <<'EOF'
import re, sys
from pvctest import (load_one_json, fio_iops, fio_num2str, check_direction_consistency,
                     IOPS_RE, BW_RE)
out, err = sys.argv[1], sys.argv[2]
bad = []
try:
    doc = load_one_json(out)
except Exception as e:
    print("    stdout is not one JSON document: %s" % e)
    sys.exit(1)
jobs = doc.get("jobs", [])
by = {}
for j in jobs:
    by.setdefault(j.get("jobname"), []).append(j)
names = ["read_iops", "write_iops", "read_bw", "write_bw", "read_latency", "write_latency",
         "read_seq", "write_seq", "rw_mix"]
if sorted(by) != sorted(names):
    bad.append("jobs[] jobnames %s, expected %s" % (sorted(by), sorted(names)))
dirs = {"read_iops": ["read"], "write_iops": ["write"], "read_bw": ["read"],
        "write_bw": ["write"], "read_latency": ["read"], "write_latency": ["write"],
        "read_seq": ["read"], "write_seq": ["write"], "rw_mix": ["read", "write"]}
bs = {"read_bw": 131072, "write_bw": 131072, "read_seq": 1048576, "write_seq": 1048576}
for name, entries in by.items():
    for j in entries:
        for d in dirs.get(name, []):
            x = j.get(d)
            try:
                x["io_bytes"], x["iops"], x["runtime"], x["lat_ns"]["mean"]
                x["clat_ns"]["percentile"]["99.000000"]
            except (KeyError, TypeError) as e:
                bad.append("%s.%s lacks fio field %s" % (name, d, e))
                continue
            if x["io_bytes"] <= 0:
                bad.append("%s.%s moved no bytes" % (name, d))
            if not (1000 <= x["runtime"] <= 3000):
                bad.append("%s.%s runtime %r ms, RUN_TIME=1s (time_based)" % (name, d, x["runtime"]))
            bad += ["%s.%s: %s" % (name, d, b)
                    for b in check_direction_consistency(x, bs.get(name, 4096))]
series = [(x.get("groupid"), x.get("jobname")) for x in doc.get("series", [])]
if series != list(enumerate(names)):
    bad.append("series (groupid, jobname) %r, expected one entry per test in order %r"
               % (series, list(enumerate(names))))
s = doc.get("summary", {})
text = s.get("text")
if not isinstance(text, list) or len(text) != 4:
    bad.append("summary.text is %r, expected the four summary lines" % (text,))
else:
    def one(name, d):
        return by[name][0][d]
    def iops(name, d):
        x = one(name, d)
        return fio_iops(x["total_ios"], x["runtime"])
    def bw(name, d):
        x = one(name, d)
        return fio_num2str(1000 * x["io_bytes"] // x["runtime"], pow2=True, unit="B/s")
    def group_bw(name, d):
        es = by[name]
        return fio_num2str(1000 * sum(e[d]["io_bytes"] for e in es)
                           // max(e[d]["runtime"] for e in es), pow2=True, unit="B/s")
    try:
        want0 = "Random Read/Write IOPS: %s/%s. BW: %s / %s" % (
            iops("read_iops", "read"), iops("write_iops", "write"),
            bw("read_bw", "read"), bw("write_bw", "write"))
        want2 = "Sequential Read/Write: %s / %s" % (group_bw("read_seq", "read"),
                                                    group_bw("write_seq", "write"))
        want3 = "Mixed Random Read/Write IOPS: %s/%s" % (iops("rw_mix", "read"),
                                                         iops("rw_mix", "write"))
        for i, w in ((0, want0), (2, want2), (3, want3)):
            if text[i] != w:
                bad.append("summary.text[%d] %r != fio's formatting of jobs[] %r" % (i, text[i], w))
        m = re.match(r"^Average Latency \(usec\) Read/Write: ([0-9]+\.[0-9]{2})/([0-9]+\.[0-9]{2})$",
                     text[1])
        if not m:
            bad.append("summary.text[1] %r has not the seed's form" % text[1])
        else:
            for g, name, d in ((m.group(1), "read_latency", "read"),
                               (m.group(2), "write_latency", "write")):
                mean_us = one(name, d)["lat_ns"]["mean"] / 1000.0
                if abs(float(g) - mean_us) > 0.0051:
                    bad.append("summary latency %s != %s.%s.lat_ns.mean/1000 = %.4f"
                               % (g, name, d, mean_us))
    except (KeyError, IndexError, TypeError, ZeroDivisionError) as e:
        bad.append("cannot recompute the summary from jobs[]: %r" % (e,))
if s.get("interrupted") not in (False, None):
    bad.append("summary.interrupted is %r in a run nobody interrupted" % s.get("interrupted"))
e = open(err).read()
if "Testing Read IOPS" not in e:
    bad.append("stderr lacks the progress lines (Testing Read IOPS...)")
o = open(out).read()
if "Testing" in o or "FIO Summary" in o:
    bad.append("stdout carries text output besides the JSON document")
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}
check "JSON: one document, fio fields, consistent, one series entry per test, summary.text = fio formatting of jobs[]" \
	check_json_summary

# the text summary of the earlier text run and the JSON's summary.text have the same shape
check_json_text_same_shape() {
	py "$WORK/full.txt" "$OUT" <<'EOF'
import re, sys
from pvctest import load_one_json
lines = open(sys.argv[1]).read().rstrip("\n").split("\n")[-4:]
try:
    text = load_one_json(sys.argv[2])["summary"]["text"]
except Exception as e:
    print("    no summary.text: %r" % (e,)); sys.exit(1)
# a number: digits with at most one decimal part, so "9529." (IOPS below 10k, then the seed's
# full stop) keeps its full stop as "10.9k." does
shape = lambda l: re.sub(r"[0-9]+(\.[0-9]+)?[kMGTP]?i?", "N", l)
a, b = [shape(l) for l in lines], [shape(l) for l in text]
if a != b:
    print("    text lines %r and summary.text %r differ in form" % (a, b)); sys.exit(1)
EOF
}
check "JSON summary.text has the same lines as the text summary" check_json_text_same_shape

# --- dbench's variable names
note "DBENCH_MOUNTPOINT and DBENCH_QUICK"
new_tmpdir DMNT
run_env_pvc "${UNSET[@]}" DBENCH_MOUNTPOINT="$DMNT" DBENCH_QUICK=yes FIO_SIZE=16M RUN_TIME=500ms \
	-- --ramp_time=0 --output-format=json --keep=1
if [ "$RC" = 0 ]; then pass "DBENCH_* run exits 0"; else fail "DBENCH_* run exits 0"; show_run; fi
check "DBENCH_MOUNTPOINT: fiotest made in that directory" test -f "$DMNT/fiotest"
rm -f "$DMNT/fiotest"
check_dbench_json() {
	py "$OUT" <<'EOF'
import sys
from pvctest import load_one_json
bad = []
try:
    doc = load_one_json(sys.argv[1])
except Exception as e:
    print("    stdout is not one JSON document: %s" % e); sys.exit(1)
names = sorted(j["jobname"] for j in doc["jobs"])
if names != sorted(["read_iops", "write_iops", "read_bw", "write_bw"]):
    bad.append("DBENCH_QUICK=yes ran %s, not only the four quick tests" % names)
s = doc.get("summary", {})
if s.get("quick") is not True:
    bad.append("summary.quick is %r" % s.get("quick"))
if len(s.get("text", [])) != 1:
    bad.append("quick summary.text has %d lines" % len(s.get("text", [])))
# the config echo says where each value came from: the variable actually set
cfg = s.get("config", {})
for key, var in (("mountpoint", "DBENCH_MOUNTPOINT"), ("quick", "DBENCH_QUICK")):
    c = cfg.get(key, {})
    if c.get("source") != "env" or c.get("env") != var:
        bad.append("summary.config.%s = %r, but the value came from %s" % (key, c, var))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}
check "DBENCH_QUICK=yes runs the quick suite; the config echo names DBENCH_* as the source" \
	check_dbench_json

# --- --output=FILE
note "--output=FILE"
mkdir -p "$WORK/res"
run_env_pvc "${UNSET[@]}" FIO_MOUNTPOINT="$MNT" FIO_QUICK=1 FIO_SIZE=16M RUN_TIME=500ms \
	-- --ramp_time=0 --output="$WORK/res/summary.txt"
if [ "$RC" = 0 ]; then pass "--output=FILE run exits 0"; else fail "--output=FILE run exits 0"; show_run; fi
check "--output=FILE: the file holds the whole summary" check_text_summary "$WORK/res/summary.txt" quick
check "--output=FILE: nothing of the results on stdout" \
	bash -c '! grep -q "FIO Summary\|IOPS=" "$1"' _ "$OUT"
check "--output=FILE: no FILE.tmp.* left" dir_is_empty "$WORK/res" summary.txt
check "--output=FILE: fiotest removed" dir_is_empty "$MNT"

run_env_pvc "${UNSET[@]}" FIO_MOUNTPOINT="$MNT" FIO_QUICK=1 FIO_SIZE=16M RUN_TIME=500ms \
	-- --ramp_time=0 --output-format=json --output="$WORK/res/summary.json"
check "--output=FILE with JSON: exits 0 and the file is one JSON document" \
	bash -c '[ "$1" = 0 ] && python3 -c "import sys,pvctest; pvctest.load_one_json(sys.argv[1])" "$2"' \
	_ "$RC" "$WORK/res/summary.json"
check "--output=FILE with JSON: no FILE.tmp.* left" dir_is_empty "$WORK/res" summary.txt summary.json

# an --output in a directory that does not exist: refused before any I/O
run_env_pvc "${UNSET[@]}" FIO_MOUNTPOINT="$MNT" FIO_QUICK=1 FIO_SIZE=16M RUN_TIME=500ms \
	-- --ramp_time=0 --output="$WORK/nodir/summary.txt"
check "--output into a missing directory: exit 2, one line naming it" \
	bash -c '[ "$1" = 2 ] && [ "$(wc -l <"$2")" = 1 ] && grep -q "nodir" "$2"' _ "$RC" "$ERR"
check "--output into a missing directory: no fiotest left" dir_is_empty "$MNT"

finish
