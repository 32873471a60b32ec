#!/bin/bash
# sync_engines.sh - fio's synchronous engines do their I/O with the system calls of their names
# (counted with strace -f -c on a size-limited read): sync lseek + read, psync pread64, vsync
# lseek + readv, pvsync preadv, pvsync2 preadv2 (and posixaio runs), each as many times as the
# job has I/Os; hipri is refused for psync and taken by pvsync2; the JSON names the engine.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd python3
command -v strace >/dev/null || skip "strace is not installed"

new_workdir
FILE=$DATA/s.dat
run_pvc fio --name=layout --filename="$FILE" --size=1M --rw=write --bs=64k --keep=1
[ "$RC" = 0 ] || { show_run; fail "layout"; finish; }
# 64 reads of 16k
JOB=(fio --name=s --filename="$FILE" --size=1M --bs=16k --rw=read --keep=1 --output-format=json)

# calls ENGINE SYSCALL...: how many times each system call was made (strace -f -c), space-separated
calls() {
	local engine=$1
	shift
	strace -f -c -o "$WORK/strace" -e trace="$(
		IFS=,
		echo "$*"
	)" "$PVC" "${JOB[@]}" --ioengine="$engine" >"$OUT" 2>"$ERR"
	RC=$?
	local out=() s
	for s in "$@"; do
		out+=("$(awk -v s="$s" '$NF==s{print $4}' "$WORK/strace")")
	done
	echo "${out[*]}"
}

check_engine_json() {
	py "$OUT" "$1" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
ok = j.get("ioengine") == sys.argv[2] and j["read"]["total_ios"] == 64
if not ok:
    print("    ioengine %r, total_ios %r" % (j.get("ioengine"), j["read"]["total_ios"]))
sys.exit(0 if ok else 1)
EOF
}

# the reads of the run are 64; pvcbench's own preads of the file (its checks) are counted in a
# pvsync run, whose I/O is preadv
read -r nv base <<<"$(calls pvsync preadv pread64)"
check "pvsync: 64 preadv ($nv)" test "$nv" = 64
got=$(calls psync pread64)
check "psync: 64 pread64 beyond pvcbench's own ${base:-0} ($got)" test "$((got - ${base:-0}))" = 64
check "psync: JSON ioengine and 64 I/Os" check_engine_json psync
got=$(calls sync read lseek)
read -r nread nseek <<<"$got"
check "sync: lseek + read per I/O (read $nread, lseek $nseek)" test "${nseek:-0}" -ge 64 -a "${nread:-0}" -ge 64
check "sync: JSON" check_engine_json sync
got=$(calls vsync readv lseek)
read -r nreadv nseek <<<"$got"
check "vsync: readv per I/O ($nreadv, lseek $nseek)" test "${nreadv:-0}" = 64 -a "${nseek:-0}" -ge 64
got=$(calls pvsync2 preadv2)
check "pvsync2: 64 preadv2 ($got)" test "$got" = 64
check "pvsync2: JSON" check_engine_json pvsync2
run_pvc "${JOB[@]}" --ioengine=pvsync2 --hipri
check "pvsync2 --hipri runs" test "$RC" = 0
run_pvc "${JOB[@]}" --ioengine=psync --hipri
check "psync --hipri: exit 2, not an option of psync" \
	bash -c '[ "$1" = 2 ] && grep -q "hipri is not an option of ioengine=psync" "$2"' _ "$RC" "$ERR"
run_pvc "${JOB[@]}" --ioengine=posixaio --iodepth=4
check "posixaio: runs, JSON" check_engine_json posixaio
rm -f "$FILE"
finish
