#!/bin/bash
# write_errors.sh - writes that fail at run time fail cleanly: exit status 1, a message naming
# the file and the cause, nothing half-written left behind.
# 1. A data file larger than the file-size limit (ulimit -f, SIGXFSZ ignored: writes past it
#    fail with EFBIG, as on a filesystem whose largest file is smaller): the file is given its
#    size before any data is written, so the run stops before laying anything out.
# 2. --output on a full filesystem (a tmpfs filled up): the results file cannot be written; no
#    temporary file and no results file are left, and the data files are removed.
source "$(dirname "$0")/lib.bash" "$@"
require_pvc
require_cmd dd mount umount

new_workdir

note "a data file beyond the file-size limit"
# exec keeps the process (its /proc/PID/io) pvcbench's; python's subprocess resets SIGXFSZ to
# the default, hence the trap in the shell it starts
io=$(cd "$DATA" && env "${UNSET[@]}" python3 "$PVCTEST" run-io "$OUT" "$ERR" -- bash -c \
	'trap "" XFSZ; ulimit -f 4096; exec "$0" "$@"' "$PVC" fio --name=big --size=16M --rw=read \
	--runtime=1)
check "16M file under a 4M limit: exit 1, one line naming the file, ftruncate and EFBIG" \
	py "$io" "$ERR" <<'EOF'
import json, re, sys
io = json.loads(sys.argv[1])
err = open(sys.argv[2], errors="replace").read()
bad = []
if io["rc"] != 1:
    bad.append("exit status %d, want 1" % io["rc"])
errors = [l for l in err.splitlines() if l.startswith("pvcbench fio:")]
if len(errors) != 1 or not re.search(r"big\.0\.0.*16\.0MiB.*ftruncate: File too large", errors[0]):
    bad.append("want one error line naming big.0.0, its size, ftruncate and EFBIG")
if io["write_bytes"] >= 1 << 20:
    bad.append("%d bytes written before the limit was noticed" % io["write_bytes"])
for b in bad:
    print("    " + b)
if bad:
    print("    stderr: %r" % err[:600])
sys.exit(1 if bad else 0)
EOF
check "16M file under a 4M limit: no data file left" dir_is_empty "$DATA"

note "--output on a full filesystem"
FULL=$WORK/full
mount_fs tmpfs size=256k "$FULL"
dd if=/dev/zero of="$FULL/filler" bs=4k count=1000 2>/dev/null # stops at ENOSPC
(cd "$DATA" && env "${UNSET[@]}" timeout -k 5 "$RUN_TIMEOUT" "$PVC" fio --name=j --size=1M \
	--rw=read --runtime=1 --output-format=json --output="$FULL/r.json" >"$OUT" 2>"$ERR")
RC=$?
check "--output on a full filesystem: exit 1, the last line names the file and ENOSPC" \
	bash -c '[ "$1" = 1 ] && tail -n 1 "$2" | grep -qF -- "--output=$3: No space left on device"' \
	_ "$RC" "$ERR" "$FULL/r.json"
[ "$RC" = 1 ] || show_run
check "--output on a full filesystem: no results file, no temporary file" \
	dir_is_empty "$FULL" filler
check "--output on a full filesystem: data file removed" dir_is_empty "$DATA"

finish
