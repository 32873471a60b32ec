#!/bin/bash
# bad_input.sh - every bad value is a usage or configuration error: exit status 2, nothing on
# stdout, exactly one line on stderr that names the bad value, no crash, and no file left in
# the directory the run would have used. Then the cases that need a filesystem of their own
# (loop-mounted ext4, tmpfs, ramfs, a read-only bind mount): O_DIRECT where the filesystem
# refuses it, "not enough space" decided before any I/O, a read-only directory; and files
# pvcbench did not create: never written (nor extended) without --force=1, never removed.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc

new_workdir

# expect_usage_error DESC REGEX DIR [VAR=VALUE...] -- ARGS...: runs pvcbench with cwd DIR.
expect_usage_error() {
	local desc=$1 regex=$2 dir=$3 envs=()
	shift 3
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	(cd "$dir" && env "${UNSET[@]}" "${envs[@]}" timeout -k 5 "$RUN_TIMEOUT" "$PVC" "$@" \
		>"$OUT" 2>"$ERR")
	RC=$?
	check "$desc" py "$RC" "$OUT" "$ERR" "$regex" <<'EOF'
import re, sys
rc, out, err, regex = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
e = open(err, errors="replace").read()
lines = e.splitlines()
bad = []
if rc != "2":
    bad.append("exit status %s, want 2" % rc)
if open(out, errors="replace").read():
    bad.append("output on stdout")
if len(lines) != 1:
    bad.append("%d lines on stderr, want exactly 1" % len(lines))
if not re.search(regex, e):
    bad.append("stderr does not match %r" % regex)
if re.search(r"Segmentation|core dumped|Abort|AddressSanitizer|Traceback|backtrace|#[0-9]+ 0x", e):
    bad.append("crash signs on stderr")
if bad:
    bad.append("stderr: %r" % e[:500])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
	check "$desc: nothing left in the directory" dir_is_empty "$dir" lost+found
}

J=(fio --name=bad --directory="$DATA")
note "bad values on the command line and in the environment"
expect_usage_error "misspelt --blocksiz=4k: unknown, with a suggestion (--bs / --blocksize)" \
	'--blocksiz.*(--bs\b|--blocksize)' "$DATA" -- "${J[@]}" --size=1M --blocksiz=4k
expect_usage_error "--size=0" '--size=0' "$DATA" -- "${J[@]}" --size=0
expect_usage_error "--size=-1G" '--size=-1G' "$DATA" -- "${J[@]}" --size=-1G
expect_usage_error "--size=99999999P (overflows)" '99999999P' "$DATA" -- "${J[@]}" --size=99999999P
expect_usage_error "--bs=2M larger than --size=1M" '--bs' "$DATA" -- "${J[@]}" --size=1M --bs=2M
expect_usage_error "--bs=1000 --direct=1" '--bs=1000' "$DATA" -- "${J[@]}" --size=1M --bs=1000 --direct=1
expect_usage_error "--bs=4q (not a size)" '--bs=4q' "$DATA" -- "${J[@]}" --size=1M --bs=4q
expect_usage_error "--iodepth=0" '--iodepth=0' "$DATA" -- "${J[@]}" --size=1M --iodepth=0
expect_usage_error "--rwmixread=101" '--rwmixread=101' "$DATA" -- "${J[@]}" --size=1M --rw=randrw --rwmixread=101
expect_usage_error "--runtime=abc" '--runtime=abc' "$DATA" -- "${J[@]}" --size=1M --runtime=abc
expect_usage_error "--rw=foo" '--rw=foo' "$DATA" -- "${J[@]}" --size=1M --rw=foo
expect_usage_error "--ioengine=foo" '--ioengine=foo' "$DATA" -- "${J[@]}" --size=1M --ioengine=foo
expect_usage_error "--direct=maybe" '--direct=maybe' "$DATA" -- "${J[@]}" --size=1M --direct=maybe
expect_usage_error "missing --directory" 'no-such-dir' "$DATA" -- fio --name=bad \
	--directory="$WORK/no-such-dir" --size=1M
ncpu=$(getconf _NPROCESSORS_CONF 2>/dev/null || echo 64)
expect_usage_error "--cpus_allowed=$((ncpu + 100)) (no such CPU; fio refuses it too)" \
	"cpus_allowed|$((ncpu + 100))" "$DATA" -- "${J[@]}" --size=1M --cpus_allowed=$((ncpu + 100))
nnodes=$(ls -d /sys/devices/system/node/node[0-9]* 2>/dev/null | wc -l)
expect_usage_error "--numa_cpu_nodes=$((nnodes + 60)) (no such node)" \
	"numa_cpu_nodes|$((nnodes + 60))" "$DATA" -- "${J[@]}" --size=1M --numa_cpu_nodes=$((nnodes + 60))
expect_usage_error "--cpus_allowed=abc (not a CPU list)" 'cpus_allowed=abc' "$DATA" -- "${J[@]}" --size=1M --cpus_allowed=abc
expect_usage_error "--cpus_allowed=1-0 (backwards range)" 'cpus_allowed=1-0' "$DATA" -- "${J[@]}" --size=1M --cpus_allowed=1-0
expect_usage_error "--offset=16383P --size=1P (past the largest offset)" 'offset' "$DATA" -- "${J[@]}" --offset=16383P --size=1P
expect_usage_error "--series into a missing directory: refused before any I/O" \
	'--series=.*no-such-dir' "$DATA" -- "${J[@]}" --size=1M --series="$WORK/no-such-dir/s.csv"
expect_usage_error "--output into a missing directory: refused before any I/O" \
	'--output=.*no-such-dir' "$DATA" -- "${J[@]}" --size=1M --output="$WORK/no-such-dir/r.json"
expect_usage_error "buffers larger than memory (numjobs x iodepth x bs)" 'memory' "$DATA" -- \
	"${J[@]}" --size=1G --bs=1G --iodepth=4096 --numjobs=64
expect_usage_error "unknown subcommand" 'frobnicate' "$DATA" -- frobnicate --size=1M
expect_usage_error "summary: FIO_SIZE=abc" 'FIO_SIZE=abc' "$DATA" FIO_MOUNTPOINT="$DATA" \
	FIO_SIZE=abc -- --ramp_time=0
expect_usage_error "summary: FIO_DIRECT=maybe" 'FIO_DIRECT=maybe' "$DATA" FIO_MOUNTPOINT="$DATA" \
	FIO_DIRECT=maybe FIO_SIZE=1M -- --ramp_time=0
expect_usage_error "summary: RUN_TIME=10x" 'RUN_TIME=10x' "$DATA" FIO_MOUNTPOINT="$DATA" \
	RUN_TIME=10x FIO_SIZE=1M -- --ramp_time=0
expect_usage_error "summary: FIO_MOUNTPOINT that does not exist" 'no-such-dir' "$DATA" \
	FIO_MOUNTPOINT="$WORK/no-such-dir" FIO_SIZE=1M -- --ramp_time=0
expect_usage_error "summary: unknown flag --sise=1M" '--sise' "$DATA" FIO_MOUNTPOINT="$DATA" \
	-- --sise=1M

# --output onto a device node or a FIFO (/dev/null, a pipe a collector reads): written in place,
# never replaced by a regular file (a rename over /dev/null once broke a whole machine's /dev/null)
mknod "$WORK/null" c 1 3
mkfifo "$WORK/fifo"
(cat "$WORK/fifo" >"$WORK/fifo.got") &
reader=$!
run_pvc "${J[@]}" --size=1M --output-format=json --output="$WORK/null"
run_pvc "${J[@]}" --size=1M --output-format=json --output="$WORK/fifo"
wait "$reader"
check "--output onto a device node and a FIFO: both stay what they were, the FIFO carried the JSON" \
	py "$WORK" <<'EOF'
import json, os, stat, sys
w = sys.argv[1]
bad = []
if not stat.S_ISCHR(os.stat(w + "/null").st_mode):
    bad.append("the device node was replaced")
if not stat.S_ISFIFO(os.stat(w + "/fifo").st_mode):
    bad.append("the FIFO was replaced")
try:
    if not json.load(open(w + "/fifo.got"))["jobs"]:
        bad.append("no jobs in what the FIFO carried")
except ValueError as e:
    bad.append("the FIFO carried no JSON: %s" % e)
print("; ".join(bad))
sys.exit(1 if bad else 0)
EOF

# fio's own name --blocksize is accepted (an alias of --bs)
run_pvc "${J[@]}" --size=1M --blocksize=64k --output-format=json
check "--blocksize=64k (fio's long name) is accepted: 16 I/Os over 1M" py "$RC" "$OUT" <<'EOF'
import sys
from pvctest import load_one_json
if sys.argv[1] != "0":
    print("    exit status %s" % sys.argv[1]); sys.exit(1)
n = load_one_json(sys.argv[2])["jobs"][0]["read"]["total_ios"]
if n != 16:
    print("    %d I/Os" % n); sys.exit(1)
EOF
check "--blocksize run: data file removed" dir_is_empty "$DATA"

# --- files pvcbench did not create
note "a file pvcbench did not create"
mkdir -p "$WORK/foreign"
F=$WORK/foreign/precious
head -c 1048576 /dev/urandom >"$F"
SUM=$(sha256sum <"$F")
unchanged() { [ -f "$F" ] && [ "$(sha256sum <"$F")" = "$SUM" ]; }
expect_usage_error "write to a foreign file: refused without --force=1" 'precious.*force|force.*precious' \
	"$DATA" -- fio --name=w --filename="$F" --size=1M --rw=write
check "refused write: content unchanged" unchanged
expect_usage_error "time-based randwrite to a foreign file: refused" 'precious' \
	"$DATA" -- fio --name=w --filename="$F" --size=1M --rw=randwrite --runtime=1 --time_based
check "refused randwrite: content unchanged" unchanged
expect_usage_error "a read that would extend a foreign file: refused" 'precious' \
	"$DATA" -- fio --name=r --filename="$F" --size=2M --rw=read
check "refused extension: content and size unchanged" unchanged
cp "$F" "$WORK/foreign/fiotest"
expect_usage_error "summary on a mountpoint with a foreign fiotest: refused" 'fiotest' \
	"$DATA" FIO_MOUNTPOINT="$WORK/foreign" FIO_SIZE=1M FIO_QUICK=1 RUN_TIME=1s -- --ramp_time=0
check "refused summary: the foreign fiotest is unchanged" \
	bash -c '[ "$(sha256sum <"$1")" = "$2" ]' _ "$WORK/foreign/fiotest" "$SUM"
rm -f "$WORK/foreign/fiotest"
run_pvc fio --name=r --filename="$F" --size=1M --rw=randread --direct=1
check "reading a foreign file is allowed (exit 0)" test "$RC" = 0
check "the read leaves the foreign file in place, unchanged" unchanged
run_pvc fio --name=w --filename="$F" --size=1M --rw=write --force=1
check "--force=1 allows writing it (exit 0)" test "$RC" = 0
check "--force=1: the foreign file is not removed afterwards" test -f "$F"

# --- filesystems of their own
note "read-only, tmpfs, ramfs, a full filesystem"
mkdir -p "$WORK/ro"
mount_readonly_bind "$WORK/ro"
expect_usage_error "read-only directory (read job, which must lay out its file)" 'ro\b.*read-only|read-only' \
	"$DATA" -- fio --name=r --directory="$WORK/ro" --size=1M --rw=read
expect_usage_error "read-only directory (write job)" 'read-only' \
	"$DATA" -- fio --name=w --directory="$WORK/ro" --size=1M --rw=write
expect_usage_error "summary on a read-only mountpoint" 'read-only' "$DATA" \
	FIO_MOUNTPOINT="$WORK/ro" FIO_SIZE=1M -- --ramp_time=0
check "read-only directory: nothing in it" dir_is_empty "$WORK/ro"

# O_DIRECT: tmpfs takes it since Linux 6.6, ramfs never does. Where the filesystem refuses
# O_DIRECT the error must say so; where it accepts it, the run must work.
mount_fs tmpfs size=64m "$WORK/tmpfs"
if python3 "$PVCTEST" odirect-ok "$WORK/tmpfs"; then
	note "tmpfs accepts O_DIRECT on this kernel ($(uname -r)): --direct=1 must just work there"
	run_pvc fio --name=t --directory="$WORK/tmpfs" --size=4M --rw=randread --direct=1
	if [ "$RC" = 0 ]; then pass "tmpfs --direct=1 runs"; else fail "tmpfs --direct=1 runs"; show_run; fi
	check "tmpfs: data file removed" dir_is_empty "$WORK/tmpfs"
else
	expect_usage_error "tmpfs with --direct=1: a clear O_DIRECT error" 'O_DIRECT' "$DATA" -- \
		fio --name=t --directory="$WORK/tmpfs" --size=4M --rw=randread --direct=1
	check "tmpfs: no data file left" dir_is_empty "$WORK/tmpfs"
fi
mount_fs ramfs mode=0755 "$WORK/ramfs"
if python3 "$PVCTEST" odirect-ok "$WORK/ramfs"; then
	note "ramfs accepts O_DIRECT here: O_DIRECT refusal not testable on ramfs"
else
	# ramfs has no size limit: statfs reports 0 blocks in total, which is "unknown", not "full"
	expect_usage_error "ramfs with --direct=1: a clear O_DIRECT error" 'O_DIRECT' "$DATA" -- \
		fio --name=t --directory="$WORK/ramfs" --size=4M --rw=randread --direct=1
fi
check "ramfs: no data file left" dir_is_empty "$WORK/ramfs"
run_pvc fio --name=t --directory="$WORK/ramfs" --size=4M --rw=randread --direct=0
if [ "$RC" = 0 ]; then
	pass "ramfs (statfs: no capacity) with --direct=0 runs: no false \"not enough space\""
else
	fail "ramfs (statfs: no capacity) with --direct=0 runs: no false \"not enough space\""
	show_run
fi
check "ramfs: data file removed" dir_is_empty "$WORK/ramfs"

# not enough space: a 32 MiB ext4 (about 23 MiB free)
SMALL=$WORK/small
mount_loop_ext4 "$WORK/small.img" 32 "$SMALL"
expect_space_error() { # DESC VAR=VALUE... -- ARGS: refused before any I/O
	local desc=$1
	shift
	expect_usage_error "$desc: \"not enough space\"" 'space' "$SMALL" "$@"
	local envs=()
	while [ "$1" != "--" ]; do envs+=("$1"); shift; done
	shift
	local io
	io=$(cd "$SMALL" && env "${UNSET[@]}" "${envs[@]}" python3 "$PVCTEST" run-io - - -- "$PVC" "$@")
	check "$desc: refused before any I/O (write_bytes of the process < 1 MiB)" \
		py "$io" <<'EOF'
import json, sys
io = json.loads(sys.argv[1])
if io["write_bytes"] >= 1 << 20 or io["rc"] != 2:
    print("    exit status %d, write_bytes %d" % (io["rc"], io["write_bytes"])); sys.exit(1)
EOF
	check "$desc: no data file left" dir_is_empty "$SMALL" lost+found
}
expect_space_error "--size=64M read on a 32M filesystem" -- fio --name=big --directory="$SMALL" \
	--size=64M --rw=read
expect_space_error "--size=64M write on a 32M filesystem" -- fio --name=big --directory="$SMALL" \
	--size=64M --rw=write
expect_space_error "numjobs=2 x 16M (each fits, together they do not)" -- fio --name=two \
	--directory="$SMALL" --size=16M --numjobs=2 --rw=read
expect_space_error "summary: 16M + 3 x 8M = 40M on a 32M filesystem" FIO_MOUNTPOINT="$SMALL" \
	FIO_SIZE=16M FIO_OFFSET_INCREMENT=8M RUN_TIME=1s -- --ramp_time=0
# the space the sequential jobs need comes from offset_increment: the message names it as given
expect_usage_error "summary: the space error names FIO_OFFSET_INCREMENT=8M and FIO_SIZE=16M" \
	'sequential jobs need .*FIO_OFFSET_INCREMENT=8M \+ FIO_SIZE=16M = 40\.0MiB' "$SMALL" FIO_MOUNTPOINT="$SMALL" \
	FIO_SIZE=16M FIO_OFFSET_INCREMENT=8M RUN_TIME=1s -- --ramp_time=0
expect_usage_error "summary: the space error names --offset_increment=8M and --size=16M" \
	'--offset_increment=8M.*--size=16M' "$SMALL" FIO_MOUNTPOINT="$SMALL" RUN_TIME=1s -- \
	--ramp_time=0 --size=16M --offset_increment=8M
expect_usage_error "summary: the space error names the default offset_increment and FIO_OFFSET_INCREMENT" \
	'--offset_increment=500M \(the default; or FIO_OFFSET_INCREMENT\)' "$SMALL" \
	FIO_MOUNTPOINT="$SMALL" FIO_SIZE=4M RUN_TIME=1s -- --ramp_time=0

finish
