#!/bin/bash
# jobfile.sh - fio job files: [global] shared by two job sections, bare flags, ; and #
# comments, ${VAR} from the environment, stonewall making two groups, group_reporting.
# The same files run under real fio without error (so they are real fio job files), and for a
# size-limited file both tools move the same bytes. A key pvcbench does not implement
# (latency_target, read_iolog) is refused: exit 2, one line on stderr naming it, nothing left behind.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc

new_workdir
export PVC_TEST_DIR=$DATA PVC_TEST_SIZE=8M

cat >two_groups.fio <<'EOF'
; a job file as fio reads it: this line is a comment,
# and so is this one
[global]
directory=${PVC_TEST_DIR}
size=${PVC_TEST_SIZE}
bs=4k
direct=1
ioengine=libaio
runtime=1
time_based
group_reporting

[readers]
  ; an indented comment inside a section
rw=randread
iodepth=4
numjobs=2

[writer]
# stonewall: wait for the readers; a new group
stonewall
rw=randwrite
iodepth=2
EOF

# --- pvcbench, JSON, --keep=1 so the files show where they were made
note "two groups, JSON"
run_pvc fio --output-format=json --keep=1 two_groups.fio
if [ "$RC" = 0 ]; then pass "job file runs (exit 0)"; else fail "job file runs (exit 0)"; show_run; fi
check_kept_files() {
	local f ok=0
	for f in readers.0.0 readers.1.0 writer.0.0; do
		[ -f "$DATA/$f" ] || { echo "    no $DATA/$f: directory=\${PVC_TEST_DIR} or numjobs=2 not applied"; ok=1; }
	done
	for f in readers.0.0 readers.1.0 writer.0.0; do
		[ "$(stat -c %s "$DATA/$f" 2>/dev/null)" = $((8 * 1048576)) ] ||
			{ echo "    $f is not size=\${PVC_TEST_SIZE} (8M)"; ok=1; }
	done
	return $ok
}
check "\${VAR} expanded (directory, size); numjobs=2 made two files" check_kept_files
rm -f "$DATA"/*
check "two groups: groupid 0 and 1, group_reporting, bare time_based, [global] applied to both, one series entry per group" py "$OUT" <<'EOF'
import sys
from pvctest import load_one_json, check_direction_consistency
bad = []
doc = load_one_json(sys.argv[1])
jobs = [(j["jobname"], j["groupid"]) for j in doc["jobs"]]
if jobs != [("readers", 0), ("writer", 1)]:
    bad.append("jobs (jobname, groupid) %r, expected [('readers', 0), ('writer', 1)] "
               "(group_reporting: one entry for both readers; stonewall: writer in group 1)" % jobs)
# the envelope's time series: one entry per group, named by its first job, each with points
series = [(s.get("groupid"), s.get("jobname")) for s in doc.get("series", [])]
if series != [(0, "readers"), (1, "writer")]:
    bad.append("series (groupid, jobname) %r, expected [(0, 'readers'), (1, 'writer')]" % series)
for s in doc.get("series", []):
    if not s.get("series", {}).get("points"):
        bad.append("series of group %r has no points" % s.get("groupid"))
for j in doc["jobs"]:
    d, other = ("read", "write") if j["jobname"] == "readers" else ("write", "read")
    x = j[d]
    if x["io_bytes"] <= 0 or j[other]["io_bytes"] != 0:
        bad.append("%s: %s io_bytes %r, %s io_bytes %r" % (j["jobname"], d, x["io_bytes"], other,
                                                           j[other]["io_bytes"]))
    if not (1000 <= x["runtime"] <= 3000):
        bad.append("%s: runtime %r ms; runtime=1 with the bare flag time_based" % (j["jobname"], x["runtime"]))
    bad += ["%s: %s" % (j["jobname"], b) for b in check_direction_consistency(x, 4096)]
    if j.get("ioengine") != "libaio":
        bad.append("%s: ioengine %r, [global] says libaio" % (j["jobname"], j.get("ioengine")))
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
# fio's JSON has "global options" (the [global] section's keys) when a job file has [global];
# tools that read fio's JSON look there (docs: shared notes, output-formats.md)
check "JSON: fio's 'global options' object holds the [global] section" py "$OUT" <<'EOF'
import sys
from pvctest import load_one_json
g = load_one_json(sys.argv[1]).get("global options")
if not isinstance(g, dict) or g.get("bs") != "4k" or g.get("ioengine") != "libaio" \
        or g.get("size") != "8M":
    print("    'global options' is %r; fio 3.33 gives {'directory': ..., 'size': '8M', "
          "'bs': '4k', 'direct': '1', 'ioengine': 'libaio', 'runtime': '1'}" % (g,))
    sys.exit(1)
EOF
check "data files removed" dir_is_empty "$DATA"

# --- pvcbench, text: the group headers
note "two groups, text"
run_pvc fio two_groups.fio
check "text: 'readers: (groupid=0, jobs=2)', 'writer: (groupid=1, jobs=1)', two Run status groups" \
	py "$OUT" "$RC" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
bad = []
if sys.argv[2] != "0":
    bad.append("exit status %s" % sys.argv[2])
for pat in (r"^readers: \(groupid=0, jobs=2\)", r"^writer: \(groupid=1, jobs=1\)",
            r"^Run status group 0 \(all jobs\):", r"^Run status group 1 \(all jobs\):",
            r"^\s+READ: bw=", r"^\s+WRITE: bw="):
    if not re.search(pat, text, re.M):
        bad.append("no line matching %r" % pat)
if len(re.findall(r"^\S+: \(groupid=", text, re.M)) != 2:
    bad.append("group_reporting: expected exactly two job blocks")
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
check "data files removed (text run)" dir_is_empty "$DATA"

# --- a size-limited file: the exact bytes, in pvcbench and in fio
cat >sized.fio <<'EOF'
[global]
directory=${PVC_TEST_DIR}
size=${PVC_TEST_SIZE}
bs=${PVC_TEST_BS}
ioengine=libaio
direct=1

[seq]
rw=read
iodepth=4

[rand]
rw=randwrite
iodepth=4
EOF
export PVC_TEST_SIZE=4M PVC_TEST_BS=64k
run_pvc fio --output-format=json sized.fio
cp "$OUT" sized.pvc.json
if [ "$RC" = 0 ]; then pass "size-limited job file runs"; else fail "size-limited job file runs"; show_run; fi
check "size-limited: \${PVC_TEST_SIZE}=4M and \${PVC_TEST_BS}=64k give io_bytes 4M in 64 I/Os" \
	py sized.pvc.json <<'EOF'
import sys
from pvctest import load_one_json
bad = []
doc = load_one_json(sys.argv[1])
got = sorted((j["jobname"], j["read"]["io_bytes"] + j["write"]["io_bytes"],
              j["read"]["total_ios"] + j["write"]["total_ios"]) for j in doc["jobs"])
want = [("rand", 4 << 20, 64), ("seq", 4 << 20, 64)]
if got != want:
    print("    got %r, want %r" % (got, want))
    sys.exit(1)
EOF
check "data files removed (size-limited run)" dir_is_empty "$DATA"

# --- the same files under real fio
if command -v fio >/dev/null 2>&1; then
	note "the same job files under fio $(fio --version)"
	export PVC_TEST_SIZE=8M
	fio --output-format=json two_groups.fio >fio.json 2>fio.err
	check "fio runs two_groups.fio without error; two groups there too" py fio.json "$?" fio.err <<'EOF'
import sys
from pvctest import load_fio_json
if sys.argv[2] != "0":
    print("    fio exit status %s: %s" % (sys.argv[2], open(sys.argv[3]).read().strip()))
    sys.exit(1)
doc = load_fio_json(sys.argv[1])
jobs = [(j["jobname"], j["groupid"]) for j in doc["jobs"]]
if jobs != [("readers", 0), ("writer", 1)]:
    print("    fio's jobs %r" % jobs)
    sys.exit(1)
EOF
	rm -f "$DATA"/*
	export PVC_TEST_SIZE=4M
	fio --output-format=json sized.fio >fio.json 2>fio.err
	check "fio runs sized.fio; the same bytes and I/O counts as pvcbench" \
		py fio.json "$?" fio.err sized.pvc.json <<'EOF'
import sys
from pvctest import load_fio_json, load_one_json
if sys.argv[2] != "0":
    print("    fio exit status %s: %s" % (sys.argv[2], open(sys.argv[3]).read().strip()))
    sys.exit(1)
key = lambda doc: sorted((j["jobname"], j["read"]["io_bytes"], j["write"]["io_bytes"],
                          j["read"]["total_ios"], j["write"]["total_ios"]) for j in doc["jobs"])
a, b = key(load_fio_json(sys.argv[1])), key(load_one_json(sys.argv[4]))
if a != b:
    print("    fio %r\n    pvcbench %r" % (a, b))
    sys.exit(1)
EOF
	rm -f "$DATA"/*
else
	[ "${CI:-}" = true ] && fail "fio is missing under CI=true" || note "fio not found: not compared"
fi

# --- keys pvcbench does not implement, and other bad job files
# expect_refused DESC FILE PATTERN...: exit 2, nothing on stdout, one line on stderr matching
# every PATTERN, no data file left.
expect_refused() {
	local desc=$1 file=$2
	shift 2
	run_pvc fio "$file"
	check "$desc" py "$RC" "$OUT" "$ERR" "$@" <<'EOF'
import re, sys
rc, out, err, pats = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
bad = []
e = open(err).read()
lines = e.splitlines()
if rc != "2":
    bad.append("exit status %s, want 2" % rc)
if open(out).read():
    bad.append("something on stdout")
if len(lines) != 1:
    bad.append("%d lines on stderr, want 1" % len(lines))
for p in pats:
    if not re.search(p, e):
        bad.append("stderr does not match %r" % p)
if bad:
    bad.append("stderr: %r" % e)
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
	check "$desc: no data file left" dir_is_empty "$DATA"
}
note "refused job files"
printf '[global]\ndirectory=%s\nsize=4M\n\n[limited]\nrw=randread\nlatency_target=10ms\n' "$DATA" >rate.fio
expect_refused "latency_target=10ms: exit 2, one line naming latency_target" rate.fio 'latency_target'
printf '[replay]\ndirectory=%s\nsize=4M\nrw=randread\nread_iolog=trace.log\n' "$DATA" >replay.fio
expect_refused "read_iolog: exit 2, one line naming read_iolog" replay.fio 'read_iolog'
printf '[both]\ndirectory=%s\nsize=4M\nno_such_key=1\nnor_this_one=2\n' "$DATA" >both.fio
expect_refused "two unknown keys: one line naming both" both.fio 'no_such_key' 'nor_this_one'
printf '[bad]\ndirectory=%s\nsize=4M\nrw=sideways\n' "$DATA" >badrw.fio
expect_refused "rw=sideways: exit 2, one line naming the value" badrw.fio 'sideways'
expect_refused "missing job file: exit 2, one line naming it" "$WORK/no-such.fio" 'no-such\.fio'

finish
