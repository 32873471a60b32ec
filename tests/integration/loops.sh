#!/bin/bash
# loops.sh - what happens between two of fio's loops, side by side with the installed fio under
# strace: the file closed and reopened (invalidate drops its cache again), removed and made
# again with unlink_each_loop, synced with end_fsync and fsync_on_close, the same bytes and I/O
# counts; a read job whose file unlink_each_loop removed fails as fio's does; io_uring's
# registered file is the new one after the reopening.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fio strace

new_workdir

# trace TOOL ARGS...: one small job on $DATA/f by fio or pvcbench under strace; the trace in
# $WORK/TOOL.st, the JSON in $WORK/TOOL.json, stderr in $WORK/TOOL.err, the status in RC.
trace() {
	local tool=$1 cmd
	shift
	rm -f "$DATA"/*
	if [ "$tool" = fio ]; then cmd=(fio); else cmd=("$PVC" fio); fi
	(cd "$DATA" && timeout -k 5 "$RUN_TIMEOUT" strace -f -o "$WORK/$tool.st" \
		-e trace=unlink,unlinkat,openat,fsync,fadvise64,io_uring_register \
		"${cmd[@]}" --name=j --filename="$DATA/f" --output-format=json "$@" \
		>"$WORK/$tool.json" 2>"$WORK/$tool.err")
	RC=$?
}

# counts TOOL: what the trace shows of the data file, and the job's figures, one line.
counts() {
	python3 - "$WORK/$1.st" "$WORK/$1.json" "$DATA/f" <<'EOF'
import json, re, sys
st, js, path = sys.argv[1:]
lines = [l for l in open(st) if '"%s"' % path in l or "fsync(" in l or "DONTNEED" in l]
# the opens the job's I/O uses (the layout's open writes only)
opens = [i for i, l in enumerate(lines) if "openat(" in l and "O_WRONLY" not in l]
last = opens[-1] if opens else 0
# removals between loops: before the last loop's open (pvcbench removes its file at the end)
unlinks = sum(1 for l in lines[:last] if "unlink" in l and l.rstrip().endswith("= 0"))
fsyncs = sum(1 for l in lines if "fsync(" in l)
dontneed = sum(1 for l in lines if "DONTNEED" in l)
text = open(js).read()
try:
    job = json.loads(text[text.index("{"):])["jobs"][0]
    figures = "r %d/%d w %d/%d" % (job["read"]["io_bytes"], job["read"]["total_ios"],
                                   job["write"]["io_bytes"], job["write"]["total_ios"])
except (ValueError, KeyError, IndexError):
    figures = "no report"
print("opens %d unlinks %d fsyncs %d dontneed %d %s" % (len(opens), unlinks, fsyncs, dontneed,
                                                     figures))
EOF
}

# same DESCRIPTION FIELDS ARGS...: the job by both tools; FIELDS (a python slice of the counts
# line's words, e.g. 0:4) must be equal.
same() {
	local what=$1 fields=$2 a b
	shift 2
	trace fio "$@"
	local frc=$RC tries=1
	# RACY: when fio loses its own race (a clone's file removed under the other: exit 1 and
	# fewer I/Os; seen on a loaded machine), its figures are no reference: run it again
	while [ -n "${RACY:-}" ] && [ "$frc" != 0 ] && [ "$tries" -lt 5 ]; do
		trace fio "$@"
		frc=$RC tries=$((tries + 1))
	done
	a=$(counts fio)
	trace pvc "$@"
	b=$(counts pvc)
	a=$(python3 -c 'import sys; w=sys.argv[1].split(); print(" ".join(eval("w[%s]" % sys.argv[2])))' "$a" "$fields")
	b=$(python3 -c 'import sys; w=sys.argv[1].split(); print(" ".join(eval("w[%s]" % sys.argv[2])))' "$b" "$fields")
	# RACY: two clones race on one file, and fio's exit status depends on who wins
	if [ "$a" = "$b" ] && { [ "$frc" = "$RC" ] || [ -n "${RACY:-}" ]; }; then
		pass "$what: $b (exit $RC)"
	else
		fail "$what: fio '$a' (exit $frc), pvcbench '$b' (exit $RC)"
		sed -n '1,5s/^/    /p' "$WORK/pvc.err"
	fi
}

# the counts line's words: opens N unlinks N fsyncs N dontneed N r B/N w B/N
ALL=0:
NOSYNC='0:4]+w[6:'
SYNCS='4:6]+w[8:'

same "write, loops=3, unlink_each_loop: 3 opens, 2 removals, the cache dropped at each open" \
	"$ALL" --rw=write --bs=16k --size=64k --loops=3 --unlink_each_loop=1 --ioengine=psync
same "read, loops=3: reopened at each loop, invalidate drops the cache each time" \
	"$NOSYNC" --rw=read --bs=16k --size=64k --loops=3 --ioengine=psync
same "write, loops=3, fsync_on_close: fio's 5 fsyncs (2 at each boundary, 1 at the end)" \
	"$SYNCS" --rw=write --bs=16k --size=64k --loops=3 --fsync_on_close=1 --ioengine=psync
same "write, loops=2, end_fsync: one fsync per loop" \
	"$SYNCS" --rw=write --bs=16k --size=64k --loops=2 --end_fsync=1 --ioengine=psync
same "randwrite, loops=3, unlink_each_loop, libaio QD8: drained, reopened, same I/O" \
	"$ALL" --rw=randwrite --bs=4k --size=64k --loops=3 --unlink_each_loop=1 \
	--ioengine=libaio --iodepth=8
# two clones race on the shared file (in fio too): only the figures are compared
RACY=1 same "numjobs=2 on one file, loops=3, unlink_each_loop: each clone removes and makes it" \
	8: --rw=write --bs=4k --size=64k --loops=3 --unlink_each_loop=1 --numjobs=2 \
	--ioengine=psync

note "a read job whose file unlink_each_loop removed"
trace fio --rw=read --bs=16k --size=64k --loops=2 --unlink_each_loop=1 --ioengine=psync
FRC=$RC
trace pvc --rw=read --bs=16k --size=64k --loops=2 --unlink_each_loop=1 --ioengine=psync
check "fails as fio's (exit $FRC): the second loop cannot open the removed file" \
	bash -c '[ "$1" = "$2" ] && grep -q "f: No such file or directory" "$3"' _ "$FRC" "$RC" \
	"$WORK/pvc.err"
check "nothing left behind" dir_is_empty "$DATA"

note "io_uring registerfiles=1 (fio 3.33 fails this job at its second loop)"
trace pvc --rw=write --bs=4k --size=64k --loops=3 --unlink_each_loop=1 \
	--ioengine=io_uring --registerfiles=1 --iodepth=4
if grep -q "io_uring_register(.*IORING_REGISTER_FILES" "$WORK/pvc.st"; then
	check "the file registered again after each reopening (3 registrations), 192 KiB written" \
		python3 - "$WORK/pvc.st" "$WORK/pvc.json" "$DATA/f" <<'EOF'
import json, re, sys
st, js, path = sys.argv[1:]
events = []
for l in open(st):
    m = re.search(r'openat\(AT_FDCWD, "%s", O_RDWR[^)]*\) = (\d+)' % re.escape(path), l)
    if m:
        events.append(("open", m.group(1)))
    m = re.search(r'IORING_REGISTER_FILES, \[(\d+)\]', l)
    if m:
        events.append(("reg", m.group(1)))
# the engine probe registers a temporary file before the layout: from the first open on
events = events[next((i for i, e in enumerate(events) if e[0] == "open"), len(events)):]
bad = [e for i, e in enumerate(events) if e[0] == "reg" and (i == 0 or events[i - 1] != ("open", e[1]))]
regs = sum(1 for e in events if e[0] == "reg")
text = open(js).read()
w = json.loads(text[text.index("{"):])["jobs"][0]["write"]["io_bytes"]
if regs != 3 or bad or w != 196608:
    print("    registrations %d, not after their open: %r, written %d" % (regs, bad, w))
    sys.exit(1)
EOF
else
	note "io_uring not usable here: registration not checked"
fi

finish
