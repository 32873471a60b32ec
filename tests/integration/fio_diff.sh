#!/bin/bash
# fio_diff.sh - the differential corpus (tests/fio-diff/*.fio) against the real fio: every job
# file run by fio and by pvcbench in fresh directories, compared on what must agree exactly
# (exit status, stderr, bytes and I/O counts per job, group and direction, files and sizes,
# fsync/fdatasync calls counted with strace, log files, JSON keys) and, reported only, on IOPS
# and latency. scripts/fio-diff does the work (docs/fio-diff.md); this runs the whole corpus
# with --keep-going and fails when any exact check does.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fio strace

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
new_tmpdir WORK
python3 "$ROOT/scripts/fio-diff" --pvcbench "$PVC" --keep-going --jobs 2 --tmpdir "$WORK"
rc=$?
case $rc in
0) pass "every exact check of the corpus agrees with fio" ;;
77) skip "scripts/fio-diff cannot run (fio or the binary missing)" ;;
*) fail "scripts/fio-diff exits $rc: the table above shows which job and check differ" ;;
esac
finish
