#!/bin/bash
# engines.sh - the I/O engines: io_uring, libaio and psync each run a short job, name
# themselves in the JSON (jobs[].ioengine) and in the text header, and move real bytes (the
# kernel's /proc/PID/io read_bytes equals the reported io_bytes of a size-limited O_DIRECT
# read). --ioengine=auto says on stderr which engine it took. Under a seccomp filter that
# fails io_uring_setup (as container runtimes' default profiles do), auto falls back to
# libaio, and with io_setup blocked too, to psync, saying why; asking for the blocked engine
# by name is a clear error that leaves nothing behind.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc

new_workdir
SHORT=(fio --name=eng --directory="$DATA" --size=8M --rw=randread --bs=4k --iodepth=8 --direct=1
	--runtime=500ms --time_based)

# syscall_ok NR: whether this process may make the system call (io_uring_setup, io_setup)
syscall_ok() {
	python3 - "$1" <<'EOF'
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
nr = int(sys.argv[1])
buf = ctypes.create_string_buffer(256)
if nr == 425:  # io_uring_setup(1, params)
    fd = libc.syscall(nr, 1, buf)
else:  # io_setup(1, &ctx)
    ctx = ctypes.c_ulong(0)
    fd = libc.syscall(nr, 1, ctypes.byref(ctx))
    if fd == 0:
        libc.syscall(207, ctx)  # io_destroy
        sys.exit(0)
if fd >= 0:
    os.close(fd)
    sys.exit(0)
sys.exit(1)
EOF
}

declare -A NR=([io_uring]=425 [libaio]=206)
ARCH=$(uname -m)
for engine in io_uring libaio psync; do
	note "--ioengine=$engine"
	if [ "$ARCH" = x86_64 ] && [ -n "${NR[$engine]:-}" ] && ! syscall_ok "${NR[$engine]}"; then
		note "$engine is not available to this process: it must be refused clearly"
		run_pvc "${SHORT[@]}" --ioengine="$engine"
		check "$engine unavailable: exit 2 naming it" \
			bash -c '[ "$1" = 2 ] && grep -q "$2" "$3"' _ "$RC" "$engine" "$ERR"
		check "$engine unavailable: no data file left" dir_is_empty "$DATA"
		continue
	fi
	run_pvc "${SHORT[@]}" --ioengine="$engine" --output-format=json
	check "$engine: a short job runs, JSON ioengine=$engine, I/O done and consistent" \
		py "$RC" "$OUT" "$engine" <<'EOF'
import sys
from pvctest import load_one_json, check_direction_consistency
rc, out, engine = sys.argv[1:4]
bad = []
if rc != "0":
    print("    exit status %s" % rc); sys.exit(1)
j = load_one_json(out)["jobs"][0]
if j.get("ioengine") != engine:
    bad.append("jobs[0].ioengine %r" % j.get("ioengine"))
if j.get("job options", {}).get("ioengine") != engine:
    bad.append("job options ioengine %r" % j.get("job options", {}).get("ioengine"))
r = j["read"]
if r["io_bytes"] <= 0 or r["total_ios"] <= 0:
    bad.append("no I/O: %r" % r["io_bytes"])
bad += check_direction_consistency(r, 4096)
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
	check "$engine: data file removed" dir_is_empty "$DATA"

	run_pvc "${SHORT[@]}" --ioengine="$engine"
	check "$engine: the text header says ioengine=$engine" \
		bash -c '[ "$1" = 0 ] && grep -q "^eng: (g=0): .*ioengine=$2, " "$3"' _ "$RC" "$engine" "$OUT"

	IO=$(cd "$DATA" && python3 "$PVCTEST" run-io "$OUT" "$ERR" -- "$PVC" fio --name=sz \
		--directory="$DATA" --size=8M --rw=randread --bs=4k --iodepth=8 --direct=1 \
		--ioengine="$engine" --output-format=json)
	check "$engine: size-limited randread: io_bytes = 8M = the kernel's read_bytes" \
		py "$IO" "$OUT" <<'EOF'
import json, sys
from pvctest import load_one_json
io = json.loads(sys.argv[1])
bad = []
if io["rc"] != 0:
    print("    exit status %d" % io["rc"]); sys.exit(1)
n = load_one_json(sys.argv[2])["jobs"][0]["read"]["io_bytes"]
if n != 8 << 20:
    bad.append("io_bytes %d" % n)
if not (8 << 20) <= io["read_bytes"] <= (9 << 20):
    bad.append("/proc/PID/io read_bytes %d" % io["read_bytes"])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
	check "$engine: size-limited run: data file removed" dir_is_empty "$DATA"
done

note "--ioengine=auto"
run_pvc "${SHORT[@]}" --ioengine=auto --output-format=json
check_auto() { # WANT (an engine, or "any"): JSON names it; stderr says so when auto fell back
	py "$RC" "$OUT" "$ERR" "$1" <<'EOF'
import re, sys
from pvctest import load_one_json
rc, out, err, want = sys.argv[1:5]
if rc != "0":
    print("    exit status %s: %s" % (rc, open(err).read())); sys.exit(1)
used = load_one_json(out)["jobs"][0].get("ioengine")
bad = []
if used not in ("io_uring", "libaio", "psync"):
    bad.append("jobs[0].ioengine %r" % used)
if want != "any" and used != want:
    bad.append("auto took %r, expected %r" % (used, want))
e = open(err).read()
line = [l for l in e.splitlines() if "auto" in l and used in l]
why = load_one_json(out)["jobs"][0].get("ioengine_why", "")
if "auto" not in why or used not in why:
    bad.append("jobs[0].ioengine_why does not say which engine auto used: %r" % why)
# quiet when all is well: stderr says so only when auto had to skip the first choice
if used == "io_uring" and e:
    bad.append("auto took its first choice, yet stderr says: %r" % e)
if used != "io_uring" and not line:
    bad.append("auto fell back, and stderr does not say which engine it used: %r" % e)
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}
check "auto: the JSON names the engine it used; stderr only a fallback" check_auto any
check "auto: data file removed" dir_is_empty "$DATA"

if [ "$ARCH" != x86_64 ]; then
	note "not x86_64: the seccomp fallback checks use x86_64 system call numbers; not run"
	finish
fi
note "auto under seccomp (io_uring_setup, then io_setup too, fail with EPERM)"
DENY=(python3 "$PVCTEST" deny)
(cd "$DATA" && timeout -k 5 60 "${DENY[@]}" 425 -- "$PVC" "${SHORT[@]}" --output-format=json \
	>"$OUT" 2>"$ERR")
RC=$?
if syscall_ok 206; then
	check "io_uring blocked: auto falls back to libaio and says so" check_auto libaio
	check "io_uring blocked: stderr says why (io_uring)" grep -q "io_uring" "$ERR"
else
	check "io_uring blocked (libaio unavailable too): auto falls back to psync" check_auto psync
fi
check "io_uring blocked: data file removed" dir_is_empty "$DATA"
(cd "$DATA" && timeout -k 5 60 "${DENY[@]}" 425,206 -- "$PVC" "${SHORT[@]}" --output-format=json \
	>"$OUT" 2>"$ERR")
RC=$?
check "io_uring and libaio blocked: auto falls back to psync" check_auto psync
check "io_uring and libaio blocked: data file removed" dir_is_empty "$DATA"
(cd "$DATA" && timeout -k 5 60 "${DENY[@]}" 425 -- "$PVC" "${SHORT[@]}" --ioengine=io_uring \
	>"$OUT" 2>"$ERR")
RC=$?
check "--ioengine=io_uring while blocked: exit 2, the last stderr line names io_uring" \
	bash -c '[ "$1" = 2 ] && [ ! -s "$3" ] && tail -n 1 "$2" | grep -q "io_uring"' _ "$RC" "$ERR" "$OUT"
check "--ioengine=io_uring while blocked: no data file left" dir_is_empty "$DATA"
# a configuration error is one line, found before the run writes anything: the summary's
# layout is 3.5 GiB with the defaults, too much to write before finding the engine unusable
IO=$(cd "$DATA" && python3 "$PVCTEST" run-io "$OUT" "$ERR" -- "${DENY[@]}" 425 -- "$PVC" \
	"${SHORT[@]}" --ioengine=io_uring)
check "--ioengine=io_uring while blocked: refused in one line, before laying out the file" \
	py "$IO" "$ERR" <<'EOF'
import json, sys
io = json.loads(sys.argv[1])
e = open(sys.argv[2]).read()
bad = []
if io["rc"] != 2:
    bad.append("exit status %d" % io["rc"])
if len(e.splitlines()) != 1:
    bad.append("%d lines on stderr: %r" % (len(e.splitlines()), e))
if io["write_bytes"] >= 1 << 20:
    bad.append("wrote %d bytes (the 8M layout) before refusing" % io["write_bytes"])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
check "--ioengine=io_uring while blocked: no data file left (second run)" dir_is_empty "$DATA"

finish
