#!/bin/bash
# status.sh - fio's --status-interval and --eta-newline, and the status line's last interval.
#
# --status-interval=1 on a 3 s job prints the report so far after 1 s and 2 s, then the end's:
# three "Run status group" blocks, each with more I/O than the one before; with JSON, three
# whole documents, each with at least the members fio's interim documents have. fio itself
# prints one more (its clock starts before the job's setup, so its reports fall at 0.8, 1.8 and
# 2.8 s of the job); the count of fio's is printed for the record, not compared.
# --eta-newline=1 on a terminal starts new lines in the status line; without it the line only
# rewrites itself. The status line's last (shorter) interval gets its line. pvcbench summary
# refuses both options, and a bad TIME is one line and exit 2.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc

new_workdir
JOB=(fio --name=j --filename="$DATA/f" --size=8m --rw=randread --bs=4k --runtime=3 --time_based)

# --- the text reports
run_pvc "${JOB[@]}" --status-interval=1
check "text: exit 0" [ "$RC" = 0 ]
n=$(grep -c '^Run status group 0 (all jobs):' "$OUT")
check "text: 2 reports so far and the end's (got $n)" [ "$n" = 3 ]
n=$(grep -c '^j: (groupid=0, jobs=1): err= 0' "$OUT")
check "text: each report has the job's block (got $n)" [ "$n" = 3 ]
check "text: nothing on stderr" [ ! -s "$ERR" ]
# io= of each Run status line, in bytes, must grow; run= too
if ! py "$OUT" <<'EOF'; then
import re, sys
units = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}
ios, runs = [], []
for line in open(sys.argv[1]):
    m = re.search(r"io=\S+ \(([\d.]+)([kMG]?)B\), run=(\d+)-(\d+)msec", line)
    if m:
        ios.append(float(m.group(1)) * units[m.group(2)])
        runs.append(int(m.group(4)))
if len(ios) != 3 or ios != sorted(ios) or runs != sorted(runs) or len(set(runs)) != 3:
    print("    io and run of the reports do not grow: %s %s" % (ios, runs))
    sys.exit(1)
EOF
	fail "text: the reports' io and run grow"
else
	pass "text: the reports' io and run grow"
fi
check "text: no file left" [ ! -e "$DATA/f" ]

# --- the JSON documents, against fio's interim ones
run_pvc "${JOB[@]}" --status-interval=1 --output-format=json
check "json: exit 0" [ "$RC" = 0 ]
have_fio=0
if command -v fio >/dev/null 2>&1; then
	have_fio=1
	fio "${JOB[@]:1}" --status-interval=1 --output-format=json >"$WORK/fio.json" 2>/dev/null ||
		fail "json: fio failed"
	rm -f "$DATA/f"
fi
if ! py "$OUT" "$WORK/fio.json" "$have_fio" <<'EOF'; then
import json, re, sys

def docs(path):
    text, dec, i, out = open(path).read(), json.JSONDecoder(), 0, []
    while True:
        m = re.search(r"\{", text[i:])
        if not m:
            return out
        o, end = dec.raw_decode(text[i + m.start():])
        i += m.start() + end
        out.append(o)

bad = 0
pvc = docs(sys.argv[1])
if len(pvc) != 3:
    print("    %d JSON documents, want 3" % len(pvc))
    sys.exit(1)
done = [d["jobs"][0]["read"]["io_bytes"] for d in pvc]
rt = [d["jobs"][0]["job_runtime"] for d in pvc]
if done != sorted(done) or rt != sorted(rt) or len(set(rt)) != 3:
    print("    io_bytes %s and job_runtime %s do not grow" % (done, rt))
    bad = 1
if sys.argv[3] == "1":
    fio = docs(sys.argv[2])
    print("    fio printed %d documents, pvcbench %d" % (len(fio), len(pvc)))
    for where, f, p in (("top", fio[0], pvc[0]), ("jobs[0]", fio[0]["jobs"][0], pvc[0]["jobs"][0]),
                        ("read", fio[0]["jobs"][0]["read"], pvc[0]["jobs"][0]["read"])):
        missing = set(f) - set(p) - {"disk_util"}  # disk_util: only where the disks are seen
        if missing:
            print("    interim %s lacks fio's %s" % (where, sorted(missing)))
            bad = 1
sys.exit(bad)
EOF
	fail "json: 3 documents that grow, with fio's members"
else
	pass "json: 3 documents that grow, with fio's members"
fi

# --- the status line's last interval (not a terminal: one line each)
run_pvc fio --name=j --filename="$DATA/f" --size=8m --rw=randread --runtime=2 --time_based \
	--eta=always
last=$(grep '^Jobs:' "$ERR" | tail -1)
n=$(grep -c '^Jobs:' "$ERR")
last_line_ok() { [ "$n" -ge 2 ] && [[ "$last" == *"[eta 00m:00s]" ]]; }
check "status line: the last interval's line, eta 00m:00s (got $n lines, last: $last)" last_line_ok

# --- --eta-newline on a terminal
if command -v script >/dev/null 2>&1; then
	for nl in 0 1; do
		script -qec "timeout -k 5 60 $PVC ${JOB[*]} --runtime=4 --eta-newline=$nl \
			--output=$WORK/report.$nl" /dev/null >"$WORK/tty.$nl" 2>&1 </dev/null
		rows[nl]=$(tr -d '\033' <"$WORK/tty.$nl" | grep -c 'Jobs:')
	done
	check "eta-newline=0: the line rewrites itself, one row (got ${rows[0]})" [ "${rows[0]}" = 1 ]
	check "eta-newline=1: new lines (got ${rows[1]} rows)" [ "${rows[1]}" -ge 2 ]
else
	note "no script(1): --eta-newline on a terminal not checked"
fi

# --- refused where they mean nothing, and bad values
# refused WORD: exit 2 and one line on stderr naming WORD
refused() { [ "$RC" = 2 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q -- "$1" "$ERR"; }
run_pvc summary --status-interval=1 --runtime=1
check "summary --status-interval: exit 2, one line" refused status-interval
run_pvc summary --eta-newline=1 --runtime=1
check "summary --eta-newline: exit 2, one line" refused eta-newline
run_pvc "${JOB[@]}" --status-interval=soon
check "--status-interval=soon: exit 2, one line naming it" refused soon
check "nothing left in the data directory" dir_is_empty "$DATA"
finish
