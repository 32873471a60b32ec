#!/bin/bash
# verify.sh - fio's verify in `pvcbench fio` jobs (docs/verify.md), on small files:
#  - every verify type writes and reads back clean (do_verify), the read-back reading all written;
#    overwrites (loops, norandommap, overlapping sizes): the last write to each block is checked;
#  - a block zeroed with dd (bad magic) and one with 4 bytes changed (checksum) between a
#    do_verify=0 run and a verify_only run (or a read job with verify=, which checks every
#    read as fio does): fio's lines, the offsets, exit 1; with
#    continue_on_error=verify both are reported, with verify_fatal=1 only the first;
#    verify_dump writes the received and expected blocks;
#  - verify_backlog reads back during the write (with do_verify=0 too), verify_interval and
#    verify_offset, verify_pattern with %o (the offset in the file's bytes); trim_percentage
#    with trim_backlog (the trimmed blocks read back as zeros);
#  - verify_state_save/load: a write run cut by its runtime saves its state, verify_only with
#    verify_state_load=1 checks what it wrote (without it, the unwritten blocks fail);
#  - differential, for every type: fio's verify_only passes on pvcbench's file, and pvcbench's
#    on fio's;
#  - the ledger: --verify=crc32c --ack_journal=J, then --verify_only=1 --ack_journal=J: intact,
#    exit 0; a block overwritten with dd: found, exit 1;
#  - bad input: one line, exit 2.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd dd

new_workdir
F=$DATA/v.dat
TYPES="md5 crc64 crc32 crc32c-intel crc32c crc16 crc7 sha1 sha256 sha512 sha3-224 sha3-256
sha3-384 sha3-512 xxhash meta null"

# read_kib: the KiB the last run's read line counts ("(1024KiB/" or "(1.0MiB/")
read_bytes() {
	py "$OUT" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
m = re.search(r"^\s*read: .*?\(([0-9.]+)([KMG]i)B/", t, re.M)
print(int(float(m.group(1)) * {"Ki": 1024, "Mi": 1 << 20, "Gi": 1 << 30}[m.group(2)]) if m else 0)
PY
}

job() { # a 256 KiB job over $F
	echo --name=v --filename="$F" --size=256k --bs=4k --ioengine=psync --keep=1
}

note "every type writes and verifies clean"
for t in $TYPES; do
	rm -f "$F"
	run_pvc fio $(job) --rw=randwrite --verify="$t"
	got=$(read_bytes)
	if [ "$RC" = 0 ] && [ "$got" = 262144 ] && [ ! -s "$ERR" ]; then
		pass "verify=$t: exit 0, 256 KiB read back"
	else
		fail "verify=$t: exit $RC, $got bytes read back"
		show_run
	fi
done

for args in "--rw=write --loops=3" "--rw=randwrite --norandommap=1 --io_size=1m" \
	"--rw=randwrite --norandommap=1 --bsrange=4k-64k --io_size=2m --iodepth=8 --ioengine=libaio"; do
	rm -f "$F"
	run_pvc fio $(job) --verify=crc32c $args
	check "overwrites ($args): only the last write to each block is checked, exit 0" \
		[ "$RC" = 0 ] && [ "$(read_bytes)" -gt 0 ]
	[ "$RC" = 0 ] || show_run
done

note "corruption between a write and verify_only"
rm -f "$F"
run_pvc fio $(job) --rw=write --verify=crc32c --do_verify=0
check "write with do_verify=0: nothing read" [ "$RC" = 0 ] && [ "$(read_bytes)" = 0 ]
run_pvc fio $(job) --rw=randread --verify=crc32c --ioengine=libaio --iodepth=8
check "a read job with verify=crc32c checks every block read: clean, 256 KiB, exit 0" \
	[ "$RC" = 0 ] && [ "$(read_bytes)" = 262144 ] && [ ! -s "$ERR" ]
dd if=/dev/zero of="$F" bs=4k seek=10 count=1 conv=notrunc 2>/dev/null
printf 'XXXX' | dd of="$F" bs=1 seek=$((20 * 4096 + 1000)) conv=notrunc 2>/dev/null
run_pvc fio $(job) --rw=write --verify=crc32c --verify_only=1
if [ "$RC" = 1 ] && grep -q "^verify: bad magic header 0, wanted acca at file $F offset 40960" "$ERR" &&
	[ "$(grep -c 'verify' "$ERR")" -ge 1 ] && ! grep -q 'offset 81920' "$ERR"; then
	pass "verify_only: fio's bad magic line at offset 40960, exit 1, stops at the first"
else
	fail "verify_only on a zeroed block"
	show_run
fi
run_pvc fio $(job) --rw=read --verify=crc32c
check "a read job with verify: fio's bad magic line at offset 40960, exit 1" \
	[ "$RC" = 1 ] && grep -q "^verify: bad magic header 0, wanted acca at file $F offset 40960" "$ERR"
check "verify_only wrote nothing: the zeroed block is still zero" \
	cmp -s <(dd if="$F" bs=4k skip=10 count=1 2>/dev/null) <(head -c 4096 /dev/zero)
run_pvc fio $(job) --rw=write --verify=crc32c --verify_only=1 --continue_on_error=verify \
	--verify_dump=1
if [ "$RC" = 0 ] && grep -q 'offset 40960' "$ERR" && grep -q '^crc32c: verify failed.*offset 81920' "$ERR" &&
	[ "$(read_bytes)" = 262144 ]; then
	pass "continue_on_error=verify: both failures (header, checksum), every block read"
else
	fail "continue_on_error=verify"
	show_run
fi
check "verify_dump: v.dat.40960.received is the block read" \
	cmp -s "$WORK/v.dat.40960.received" <(dd if="$F" bs=4k skip=10 count=1 2>/dev/null)
check "verify_dump: v.dat.81920.expected differs from v.dat.81920.received in 4 bytes" py \
	"$WORK/v.dat.81920.expected" "$WORK/v.dat.81920.received" <<'PY'
import sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
sys.exit(0 if len(a) == len(b) == 4096 and sum(x != y for x, y in zip(a, b)) == 4 else 1)
PY
rm -f "$WORK"/v.dat.*.received "$WORK"/v.dat.*.expected
run_pvc fio $(job) --rw=write --verify=crc32c --verify_only=1 --continue_on_error=verify \
	--verify_fatal=1
if [ "$RC" = 1 ] && grep -q 'offset 40960' "$ERR" && ! grep -q 'offset 81920' "$ERR"; then
	pass "verify_fatal=1: stops at the first failure even with continue_on_error, exit 1"
else
	fail "verify_fatal=1"
	show_run
fi

note "verify_backlog, verify_interval, verify_offset, verify_pattern"
rm -f "$F"
run_pvc fio $(job) --rw=randwrite --verify=md5 --do_verify=0 --verify_backlog=16 \
	--verify_backlog_batch=8 --ioengine=libaio --iodepth=8
check "verify_backlog=16 (batch 8) with do_verify=0: half the blocks read back during the write" \
	[ "$RC" = 0 ] && [ "$(read_bytes)" = 131072 ]
run_pvc fio $(job) --rw=randwrite --verify=md5 --verify_backlog=16 --iodepth=8 --ioengine=libaio
check "verify_backlog=16 and do_verify: every block read back once" \
	[ "$RC" = 0 ] && [ "$(read_bytes)" = 262144 ]
rm -f "$F"
run_pvc fio $(job) --rw=write --bs=16k --verify=sha256 --verify_interval=4k --verify_offset=512
check "verify_interval=4k verify_offset=512: clean" [ "$RC" = 0 ] && [ "$(read_bytes)" = 262144 ]
check "verify_offset=512: the header's magic at byte 512 of each 4 KiB interval" py "$F" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
sys.exit(0 if all(d[i + 512:i + 514] == b"\xca\xac" for i in range(0, len(d), 4096)) else 1)
PY
rm -f "$F"
run_pvc fio $(job) --rw=write --verify_pattern='0xdead%o"ab"'
check "verify_pattern=0xdead%o\"ab\": clean" [ "$RC" = 0 ] && [ "$(read_bytes)" = 262144 ]
check "%o: each block's offset (8 bytes, little-endian) after 0xdead, then \"ab\"" py "$F" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
ok = all(struct.pack("<Q", i) + b"ab" in d[i:i + 4096] for i in range(0, len(d), 4096))
sys.exit(0 if ok and d else 1)
PY

rm -f "$F"
run_pvc fio $(job) --rw=randwrite --verify=crc32c --trim_percentage=25 --trim_backlog=8
trimmed=$(py "$OUT" <<'PY'
import re, sys
m = re.search(r"^\s*trim: .*?\(([0-9.]+)KiB/", open(sys.argv[1]).read(), re.M)
print(int(float(m.group(1)) * 1024) if m else 0)
PY
)
check "trim_percentage=25 trim_backlog=8: some blocks trimmed ($trimmed bytes), the rest verified, exit 0" \
	[ "$RC" = 0 ] && [ "$trimmed" -gt 0 ] && [ "$trimmed" -lt 262144 ] && [ "$(read_bytes)" = 262144 ]
check "the trimmed blocks are holes of zeros: $((trimmed / 4096)) zero blocks in the file" py "$F" \
	"$trimmed" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
zero = sum(d[i:i + 4096] == bytes(4096) for i in range(0, len(d), 4096))
sys.exit(0 if zero * 4096 == int(sys.argv[2]) else 1)
PY
run_pvc fio $(job) --rw=randwrite --verify=crc32c --trim_percentage=25 --trim_backlog=8 \
	--trim_verify_zero=0
check "trim_verify_zero=0: the trimmed blocks are not read back" \
	[ "$RC" = 0 ] && [ "$(read_bytes)" -lt 262144 ]

note "verify_state_save / verify_state_load"
rm -f "$F" "$WORK"/*verify.state
run_pvc fio --name=v --filename="$F" --size=64m --bs=4k --ioengine=psync --keep=1 \
	--rw=write --verify=crc32c --do_verify=0 --rate_iops=2000 --runtime=1
state=$(ls "$WORK"/*verify.state 2>/dev/null | head -n 1)
check "a write run cut by its runtime saves its state ($state)" [ "$RC" = 0 ] && [ -s "$state" ]
run_pvc fio --name=v --filename="$F" --size=64m --bs=4k --ioengine=psync --keep=1 \
	--rw=write --verify=crc32c --verify_only=1 --verify_state_load=1
written=$(read_bytes)
if [ "$RC" = 0 ] && [ "$written" -gt 0 ] && [ "$written" -lt 67108864 ]; then
	pass "verify_state_load=1: verify_only checks the $written bytes written, exit 0"
else
	fail "verify_state_load=1"
	show_run
fi
run_pvc fio --name=v --filename="$F" --size=64m --bs=4k --ioengine=psync --keep=1 \
	--rw=write --verify=crc32c --verify_only=1 --verify_state_load=0
check "without the state, the blocks never written fail (exit 1)" [ "$RC" = 1 ]
rm -f "$F" "$WORK"/*verify.state

note "bad input"
for args in "--verify=crc33" "--verify=pattern" "--verify_pattern=0xzz" \
	"--ack_journal=$WORK/j --verify=0" "--verify=md5 --verify_interval=1000" \
	"--verify=crc32c --ack_witness=127.0.0.1:1" \
	"--verify=crc32c --trim_percentage=10 --ack_journal=$WORK/j" \
	"--verify=crc32c --verify_only=1"; do
	run_pvc fio $(job) --rw=write $args
	if [ "$RC" = 2 ] && [ "$(wc -l <"$ERR")" = 1 ] && [ ! -e "$F" ]; then
		pass "$args: exit 2, one line: $(cat "$ERR")"
	else
		fail "$args: exit $RC"
		show_run
	fi
done

note "the ledger: --ack_journal, then --verify_only=1 --ack_journal"
J=$WORK/journal
rm -f "$F"
run_pvc fio $(job) --rw=randwrite --verify=crc32c --ack_journal="$J" --fdatasync=8 --end_fsync=1
check "write with --ack_journal: exit 0, journal written" [ "$RC" = 0 ] && [ -s "$J" ]
run_pvc fio $(job) --rw=randwrite --verify=crc32c --verify_only=1 --ack-journal="$J"
if [ "$RC" = 0 ] && grep -q 'intact=64,' "$OUT" && grep -q 'lost=0,' "$OUT"; then
	pass "verify_only --ack-journal: 64 blocks intact, exit 0"
else
	fail "verify_only --ack-journal"
	show_run
fi
printf 'XXXX' | dd of="$F" bs=1 seek=$((7 * 4096 + 100)) conv=notrunc 2>/dev/null
run_pvc fio $(job) --rw=randwrite --verify=crc32c --verify_only=1 --ack_journal="$J" \
	--output-format=json
check "one block changed with dd: exit 1, corrupt at offset 28672 in the JSON" \
	[ "$RC" = 1 ] && py "$OUT" <<'PY'
import json, sys
a = json.load(open(sys.argv[1]))["jobs"][0]["ack_check"]
sys.exit(0 if a["corrupt"] == 1 and a["first"]["corrupt"][0]["offset"] == 28672 else 1)
PY
rm -f "$F" "$J"

if command -v fio >/dev/null 2>&1; then
	note "differential: fio's verify_only on pvcbench's files, and pvcbench's on fio's"
	# one fio process for every type (its start costs ~0.5 s): a job, and a file, per type
	fio_jobs() { # ARGS for every type's job
		for t in $TYPES; do
			echo --name="$t" --filename="$DATA/$t.dat" --size=256k --bs=4k --ioengine=psync \
				--rw=randwrite --verify="$t" --verify_state_save=0 --verify_state_load=0 "$@"
		done
	}
	for t in $TYPES; do
		run_pvc fio --name=v --filename="$DATA/$t.dat" --size=256k --bs=4k --ioengine=psync \
			--keep=1 --rw=randwrite --verify="$t" --do_verify=0
		[ "$RC" = 0 ] || fail "pvcbench writing verify=$t: exit $RC"
	done
	fio $(fio_jobs --verify_only=1) --output="$WORK/fio.out" 2>"$WORK/fio.err"
	if [ $? = 0 ] && [ ! -s "$WORK/fio.err" ] && [ "$(grep -c 'err= 0' "$WORK/fio.out")" = 17 ]; then
		pass "fio's verify_only passes on pvcbench's files of all 17 types"
	else
		fail "fio's verify_only on pvcbench's files"
		sed 's/^/    fio: /' "$WORK/fio.err" | head -10
	fi
	rm -f "$DATA"/*.dat
	fio $(fio_jobs --do_verify=0) --output=/dev/null 2>"$WORK/fio.err"
	check "fio writes a file per type" [ $? = 0 ]
	for t in $TYPES; do
		run_pvc fio --name=v --filename="$DATA/$t.dat" --size=256k --bs=4k --ioengine=psync \
			--keep=1 --rw=randwrite --verify="$t" --verify_only=1
		if [ "$RC" = 0 ] && [ "$(read_bytes)" = 262144 ]; then
			pass "verify=$t: pvcbench's verify_only passes on fio's file, 256 KiB read"
		else
			fail "verify=$t: pvcbench's verify_only on fio's file"
			show_run
		fi
	done
	rm -f "$DATA"/*.dat
else
	skip "fio is not installed (scripts/install-deps --test): no differential check"
fi
# runtimes FILE WHO: fio's JSON (pvcbench's or fio's) of a write-then-verify job: each
# direction over its own phase, as fio's runtime[ddir]. The write line's IOPS x mean latency is
# the iodepth (Little's law: the queue stays full through the write phase; 25% for a loaded
# machine), and the write runtime plus the read (verify) runtime is the job's.
runtimes() {
	py "$1" "$2" "$VDEPTH" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
who, depth = sys.argv[2], int(sys.argv[3])
w, r = j["write"], j["read"]
little = w["iops"] * w["lat_ns"]["mean"] / 1e9
run, whole = w["runtime"] + r["runtime"], j["job_runtime"]
print(f"    {who}: write {w['total_ios']} I/Os in {w['runtime']} ms, iops x lat {little:.2f}; "
      f"verify {r['total_ios']} reads in {r['runtime']} ms; job {whole} ms")
ok = w["total_ios"] == r["total_ios"] == 4096 and abs(little - depth) <= 0.25 * depth
sys.exit(0 if ok and abs(run - whole) <= 3 + 0.05 * whole else 1)
PY
}
note "a write-then-verify job: each direction's runtime is its phase's (fio's basic-verify.fio)"
VDEPTH=16
if dd if=/dev/zero of="$DATA/probe" bs=4k count=1 oflag=direct 2>/dev/null; then
	rm -f "$DATA/probe"
	# fio's example: 16 MiB of 4k random writes at depth 16, then their read-back
	bv() { echo --name=bv --rw=randwrite --bs=4k --direct=1 --ioengine=libaio \
		--iodepth=$VDEPTH --verify=crc32c --size=16m --verify_state_save=0 "$@"; }
	run_pvc fio $(bv --filename="$DATA/bv.pvc") --output-format=json
	check "pvcbench: the write line's IOPS x latency is the depth, the runtimes add up" \
		eval '[ "$RC" = 0 ] && runtimes "$OUT" pvcbench'
	if command -v fio >/dev/null 2>&1; then
		fio $(bv --filename="$DATA/bv.fio") --output-format=json --output="$WORK/fio.json" \
			2>"$WORK/fio.err"
		FRC=$?
		check "fio: the same on the same job (the reference the check holds to)" \
			eval '[ "$FRC" = 0 ] && runtimes "$WORK/fio.json" fio'
	else
		skip "fio is not installed (scripts/install-deps --test): no reference run"
	fi
	rm -f "$DATA"/bv.*
else
	skip "$DATA does not take O_DIRECT: no write-then-verify runtimes"
fi
check "no file left behind but the work files" dir_is_empty "$DATA"
finish
