#!/bin/bash
# files_device.sh - a block device as a job's file, against fio: without size the job reads
# the whole device (fio uses its size); writing it needs --force=1, and while it is mounted
# also --allow_mounted_write=1 (fio's own check); a successful run says nothing on stderr.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fio losetup

new_workdir
mount_loop_ext4 "$WORK/img" 16 "$WORK/mnt"
DEV=$(findmnt -n -o SOURCE "$WORK/mnt")
[ -b "$DEV" ] || skip "no block device behind $WORK/mnt"

io_of() { grep -o 'io=[^ ]*' "$1" | head -n 1; }

fio --name=d --filename="$DEV" --rw=read --bs=64k >"$WORK/fio.out" 2>&1
run_pvc fio --name=d --filename="$DEV" --rw=read --bs=64k
check "read without size: the whole device, as fio ($(io_of "$WORK/fio.out"))" \
	eval '[ "$RC" = 0 ] && [ "$(io_of "$OUT")" = "$(io_of "$WORK/fio.out")" ] && [ ! -s "$ERR" ]'
[ "$RC" = 0 ] || show_run
run_pvc fio --name=d --filename="$DEV" --rw=read --bs=64k --size=50%
check "size=50% of the device: io=8192KiB" eval '[ "$RC" = 0 ] && [ "$(io_of "$OUT")" = io=8192KiB ]'

run_pvc fio --name=d --filename="$DEV" --rw=write --size=1m
check "write without --force: refused (exit 2)" \
	eval '[ "$RC" = 2 ] && grep -qF "is a block device: pvcbench will not write to it without --force=1" "$ERR"'
run_pvc fio --name=d --filename="$DEV" --rw=write --size=1m --force=1
check "mounted, write with --force=1 alone: refused (exit 2)" \
	eval '[ "$RC" = 2 ] && grep -qF "is mounted: pvcbench will not write to it without --allow_mounted_write=1" "$ERR"'
check "the filesystem is intact" mountpoint -q "$WORK/mnt"
finish
