#!/bin/bash
# ack_ledger.sh - the acknowledgement ledger end to end (docs/ack-ledger.md), on a loop-mounted
# ext4 with the journal on another filesystem and a witness on 127.0.0.1:
#  (a) a random-write run with --direct=1 --verify=crc32c SIGKILLed mid-run, once with
#      --ack_journal and once with --ack_witness: verify_only from each finds 0 lost, exit 0;
#  (b) one acknowledged block overwritten with dd from /dev/urandom: corrupt, at its offset,
#      exit 1;
#  (c) one block rewritten with its older generation (saved after a first run, overwritten by
#      a second, copied back): stale, at its offset, exit 1;
#  (d) fsfreeze -f during a write run, SIGKILL, fsfreeze -u: nothing lost, the writes in
#      flight counted apart (never acknowledged), exit 0.
# Bounded: every run has a timeout, the writers run ~1 s each.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fsfreeze losetup mkfs.ext4 dd

new_workdir
MNT=$WORK/mnt
mount_loop_ext4 "$WORK/img" 64 "$MNT"
_frozen=
trap '[ -n "$_frozen" ] && fsfreeze -u "$_frozen" 2>/dev/null; _cleanup' EXIT

job() { # the job's options, over file $1
	echo --name=w --filename="$1" --size=4m --bs=4k --ioengine=psync --verify=crc32c --keep=1
}

# counts FIELD: a class's count from the last report (blocks: intact=N, lost=N, ...)
count() { grep -oE "[ ,]$1=[0-9]+" "$OUT" | head -n 1 | grep -oE '[0-9]+$'; }
never_acked() { grep -oE '[0-9]+ never acknowledged' "$OUT" | grep -oE '^[0-9]+'; }

# run_killed SECONDS ARGS...: pvcbench in the background, SIGKILLed after SECONDS
run_killed() {
	local secs=$1
	shift
	"$PVC" "$@" >"$WORK/writer.out" 2>"$WORK/writer.err" &
	local pid=$!
	register_pid "$pid"
	sleep "$secs"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# an acknowledged offset from a journal: the last post record's (docs/ack-ledger.md's format)
acked_offset() {
	python3 - "$1" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
at, last = 0, None
while at < len(b):
    if b[at:at + 8] == b"PVCACKL1":
        at += struct.unpack_from("<I", b, at + 12)[0]
        continue
    if len(b) - at < 48:
        break
    kind, job, f, ln, off, seq, dig = struct.unpack_from("<IIIIQQQ", b, at)
    if kind == 2:
        last = off
    at += 48
print(last)
EOF
}

# --- (a) SIGKILL mid-run, checked from the journal and from the witness
J1=$WORK/journal1
run_killed 1.5 fio $(job "$MNT/f1") --rw=randwrite --direct=1 --time_based --runtime=30 \
	--ack_journal="$J1"
check "(a) the writer recorded its writes in the journal" test -s "$J1"
run_pvc fio $(job "$MNT/f1") --rw=randwrite --verify_only=1 --ack_journal="$J1"
check "(a) journal: exit 0, lost=0, intact>0 ($(count intact) intact, $(count unacknowledged) unacknowledged)" \
	eval '[ "$RC" = 0 ] && [ "$(count lost)" = 0 ] && [ "$(count corrupt)" = 0 ] && [ "$(count stale)" = 0 ] && [ "$(count intact)" -gt 0 ]'
[ "$RC" = 0 ] || show_run

mkdir -p "$WORK/witness"
"$PVC" witness --listen 127.0.0.1:0 --dir "$WORK/witness" >"$WORK/witness.out" 2>"$WORK/witness.err" &
WPID=$!
register_pid "$WPID"
for _ in $(seq 50); do [ -s "$WORK/witness.out" ] && break; sleep 0.1; done
WADDR=$(head -n 1 "$WORK/witness.out")
check "the witness listens on 127.0.0.1 ($WADDR)" eval '[[ "$WADDR" == 127.0.0.1:* ]]'
run_killed 1.5 fio $(job "$MNT/f2") --rw=randwrite --direct=1 --time_based --runtime=30 \
	--ack_witness="$WADDR"
run_pvc fio $(job "$MNT/f2") --rw=randwrite --verify_only=1 --ack_witness="$WADDR"
check "(a) witness: exit 0, lost=0, intact>0 ($(count intact) intact, $(count unacknowledged) unacknowledged)" \
	eval '[ "$RC" = 0 ] && [ "$(count lost)" = 0 ] && [ "$(count corrupt)" = 0 ] && [ "$(count stale)" = 0 ] && [ "$(count intact)" -gt 0 ]'
[ "$RC" = 0 ] || show_run

# --- (b) one acknowledged block overwritten with random bytes: corrupt, at its offset
OFF=$(acked_offset "$J1")
dd if=/dev/urandom of="$MNT/f1" bs=4096 count=1 seek=$((OFF / 4096)) conv=notrunc,fsync status=none
run_pvc fio $(job "$MNT/f1") --rw=randwrite --verify_only=1 --ack_journal="$J1"
check "(b) dd over offset $OFF: corrupt=1 at offset $OFF, exit 1" \
	eval '[ "$RC" = 1 ] && [ "$(count corrupt)" = 1 ] && grep -q "corrupt: .*f1 offset $OFF " "$OUT"'
[ "$RC" = 1 ] || show_run

# --- (c) an older generation copied back: stale
J3=$WORK/journal3
run_pvc fio $(job "$MNT/f3") --size=1m --rw=write --direct=1 --ack_journal="$J3"
dd if="$MNT/f3" of="$WORK/old" bs=4096 count=1 skip=16 status=none
run_pvc fio $(job "$MNT/f3") --size=1m --rw=write --direct=1 --ack_journal="$J3"
check "(c) the second run overwrote the block" eval '! cmp -s "$WORK/old" <(dd if="$MNT/f3" bs=4096 count=1 skip=16 status=none)'
dd if="$WORK/old" of="$MNT/f3" bs=4096 count=1 seek=16 conv=notrunc,fsync status=none
run_pvc fio $(job "$MNT/f3") --size=1m --rw=write --verify_only=1 --ack_journal="$J3"
check "(c) the older generation back at 65536: stale=1 at offset 65536, exit 1" \
	eval '[ "$RC" = 1 ] && [ "$(count stale)" = 1 ] && [ "$(count lost)" = 0 ] && grep -q "stale: .*f3 offset 65536 " "$OUT"'
[ "$RC" = 1 ] || show_run

# --- (d) an unacknowledged tail: fsfreeze, SIGKILL, thaw
J4=$WORK/journal4
"$PVC" fio $(job "$MNT/f4") --rw=randwrite --direct=1 --time_based --runtime=30 \
	--ack_journal="$J4" >"$WORK/writer.out" 2>"$WORK/writer.err" &
pid=$!
register_pid "$pid"
sleep 1
fsfreeze -f "$MNT" && _frozen=$MNT
sleep 0.5
kill -KILL "$pid"
fsfreeze -u "$MNT" && _frozen=
wait "$pid" 2>/dev/null
run_pvc fio $(job "$MNT/f4") --rw=randwrite --verify_only=1 --ack_journal="$J4"
check "(d) after fsfreeze + SIGKILL: exit 0, lost=0, $(never_acked) writes never acknowledged counted apart ($(count unacknowledged) unacknowledged, $(count torn) torn)" \
	eval '[ "$RC" = 0 ] && [ "$(count lost)" = 0 ] && [ "$(count corrupt)" = 0 ] && [ "$(count stale)" = 0 ] && [ "$(never_acked)" -ge 1 ]'
[ "$RC" = 0 ] || show_run

# the witness's bad input: one line, exit 2
run_pvc witness --listen nonsense
check "witness --listen nonsense: exit 2, one line" \
	eval '[ "$RC" = 2 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q -- "--listen nonsense: must be HOST:PORT" "$ERR"'
run_pvc witness --listen 127.0.0.1:0 --dir "$J1"
check "witness --dir FILE: exit 2, one line" \
	eval '[ "$RC" = 2 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q "not a directory" "$ERR"'
# a journal that is not a ledger is refused, and left as it was
echo "someone's notes" >"$WORK/notes"
run_pvc fio $(job "$MNT/f5") --rw=write --size=64k --ack_journal="$WORK/notes"
check "--ack_journal=a file that is not a ledger: refused, left as it was" \
	eval '[ "$RC" != 0 ] && grep -q "not an ack ledger" "$ERR" && [ "$(cat "$WORK/notes")" = "someone'"'"'s notes" ]'
[ "$RC" != 0 ] || show_run

kill -TERM "$WPID"
for _ in $(seq 30); do kill -0 "$WPID" 2>/dev/null || break; sleep 0.1; done
check "the witness stopped on SIGTERM" eval '! kill -0 "$WPID" 2>/dev/null'
finish
