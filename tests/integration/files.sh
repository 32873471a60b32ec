#!/bin/bash
# files.sh - the job's files as fio makes them, compared with the installed fio on the same
# command lines: the names and sizes of the files created (nrfiles, filesize, filename a:b with
# '\:', filename_format, directory a:b taken in turn by the clones), the "Laying out IO file"
# lines on stdout, size absent or N% of an existing file, fio's error without size, nothing on
# stderr when all is well; then what fio's extend_file does: a file only written by its job is
# allocated, not filled first (the buffered-write slowdown of issue 11), a file shared by two
# groups laid out once and removed after the last, unlink, and the refused options' lines.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fio

new_workdir

# run_in DIR ARGS...: run_pvc from DIR (RC, OUT, ERR set in this shell)
run_in() {
	local d=$1
	shift
	cd "$d" && run_pvc "$@"
	cd "$WORK" || exit 1
}

# run_ok: the last run exited 0 with nothing on stderr
run_ok() { [ "$RC" = 0 ] && [ ! -s "$ERR" ]; }
# run_refused LINE: the last run exited 2 with one line on stderr that holds LINE
run_refused() { [ "$RC" = 2 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -qF -- "$1" "$ERR"; }

# files DIR: "name size" of every file under DIR, sorted, one line
files() { (cd "$1" && find . -type f -printf '%P %s\n' | sort | tr '\n' ' '); }

# same_as_fio DESC ARGS...: fio and pvcbench --keep=1 in two empty directories create the same
# files with the same sizes and print the same layout lines; pvcbench's stderr is empty.
same_as_fio() {
	local desc=$1
	shift
	rm -rf "$WORK/f" "$WORK/p"
	mkdir -p "$WORK/f" "$WORK/p"
	(cd "$WORK/f" && timeout -k 5 "$RUN_TIMEOUT" fio "$@" >"$WORK/fio.out" 2>&1)
	run_in "$WORK/p" fio --keep=1 "$@"
	local want got
	want=$(files "$WORK/f")
	got=$(files "$WORK/p")
	check "$desc: files as fio's ($want)" [ "$want" = "$got" ]
	[ "$want" = "$got" ] || echo "    pvcbench: $got"
	check "$desc: exit 0, nothing on stderr" run_ok
	run_ok || show_run
	check "$desc: the layout lines are fio's" \
		diff <(grep 'Laying out' "$WORK/fio.out" | sort) <(grep 'Laying out' "$OUT" | sort)
}

note "names and sizes against fio"
same_as_fio "defaults (--size=1m)" --name=x --size=1m
same_as_fio "nrfiles=3 numjobs=2 (size split)" --name=x --size=4m --nrfiles=3 --numjobs=2
same_as_fio "filesize=1m caps a file" --name=x --size=4m --filesize=1m
same_as_fio "filename_format" --name=a --size=64k --nrfiles=2 --numjobs=2 \
	'--filename_format=f.$jobname.$jobnum.$filenum.$clientuid'
same_as_fio "filename a:b with an escaped colon" --name=a --size=64k '--filename=p\:q:r'
same_as_fio "write job (allocated, not filled)" --name=w --size=256k --rw=write
same_as_fio "fallocate=none on a write job" --name=w --size=256k --rw=write --fallocate=none
same_as_fio "two jobs" --name=a --size=64k --nrfiles=2 --name=b --size=64k --numjobs=2
rm -rf "$WORK/f" "$WORK/p" && mkdir -p "$WORK/f/d1" "$WORK/f/d2" "$WORK/p/d1" "$WORK/p/d2"
(cd "$WORK/f" && fio --name=a --size=64k --directory=d1:d2 --numjobs=3 >/dev/null 2>&1)
run_in "$WORK/p" fio --keep=1 --name=a --size=64k --directory=d1:d2 --numjobs=3
check "directory=d1:d2: clones take the directories in turn, as fio" \
	[ "$(files "$WORK/f")" = "$(files "$WORK/p")" ]

note "filesize range"
rm -rf "$WORK/p" && mkdir -p "$WORK/p"
run_in "$WORK/p" fio --keep=1 --name=x --size=4m --nrfiles=3 --filesize=1m-3m
check "filesize=1m-3m: three files, each 1-3MiB in whole 4k blocks" py "$WORK/p" <<'EOF'
import os, sys
d = sys.argv[1]
sizes = [os.path.getsize(os.path.join(d, n)) for n in sorted(os.listdir(d))]
ok = len(sizes) == 3 and all(1 << 20 <= s <= 3 << 20 and s % 4096 == 0 for s in sizes)
if not ok:
    print("    sizes: %r" % sizes)
sys.exit(0 if ok else 1)
EOF

note "size from an existing file"
dd if=/dev/urandom of="$DATA/e" bs=1M count=2 2>/dev/null
# io=VALUE of the run status line
io_of() { grep -o 'io=[^ ]*' "$1" | head -n 1; }
for a in "" "--size=50%" "--offset=1m"; do
	# shellcheck disable=SC2086
	(cd "$DATA" && fio --name=x --filename=e --rw=read $a >"$WORK/fio.out" 2>&1)
	# shellcheck disable=SC2086
	run_in "$DATA" fio --name=x --filename=e --rw=read $a
	check "existing file, ${a:-no size}: $(io_of "$WORK/fio.out") as fio" \
		[ "$(io_of "$WORK/fio.out")" = "$(io_of "$OUT")" ]
	check "existing file, ${a:-no size}: nothing on stderr, the file left" \
		eval 'run_ok && [ "$(stat -c %s "$DATA/e")" = 2097152 ]'
done
run_in "$DATA" fio --name=x --filename=nope
check "no size and no file: exit 2, fio's 'you need to specify size='" \
	eval 'run_refused "you need to specify size=" && [ ! -e "$DATA/nope" ]'

note "a write job's file is not filled before the run (fio's overwrite=0)"
rm -rf "$WORK/p" && mkdir -p "$WORK/p"
for ow in 0 1; do
	io=$(cd "$WORK/p" && python3 "$PVCTEST" run-io "$OUT" "$ERR" -- "$PVC" fio --name=w \
		--rw=write --bs=2300 --size=8m --ioengine=psync --overwrite=$ow)
	check "overwrite=$ow: bytes written are the run's$([ $ow = 1 ] && echo ' and the layout')" \
		py "$io" "$ow" <<'EOF'
import json, sys
io, ow = json.loads(sys.argv[1]), int(sys.argv[2])
run = 8 << 20  # less the part of a 2300-byte block at the end
want = run * (2 if ow else 1)
ok = io["rc"] == 0 and want - (1 << 16) <= io["wchar"] < want + (1 << 20)
if not ok:
    print("    rc %d, wchar %d, want about %d" % (io["rc"], io["wchar"], want))
sys.exit(0 if ok else 1)
EOF
done
check "overwrite runs: nothing left" dir_is_empty "$WORK/p"

note "a file two groups share"
cat >"$WORK/shared.fio" <<'EOF'
[global]
filename=shared
size=1m
[w]
rw=write
[r]
stonewall
rw=read
EOF
run_in "$DATA" fio "$WORK/shared.fio"
check "shared file: laid out once (one line), read by the second group, removed at the end" \
	eval 'run_ok && [ "$(grep -c "Laying out" "$OUT")" = 1 ] && [ ! -e "$DATA/shared" ] &&
	grep -q "READ: .*io=1024KiB" "$OUT"'
[ "$RC" = 0 ] || show_run

cat >"$WORK/three.fio" <<'EOF2'
[global]
size=1m
[a]
filename=s1
rw=write
[b]
stonewall
filename=s2
rw=read
[c]
stonewall
filename=s1
rw=read
EOF2
TRACE=()
command -v strace >/dev/null 2>&1 && TRACE=(strace -f -e trace=unlink -o "$WORK/st")
(cd "$DATA" && "${TRACE[@]}" "$PVC" fio "$WORK/three.fio" >"$OUT" 2>"$ERR")
if [ ${#TRACE[@]} -gt 0 ]; then
	check "groups 1 and 3 share s1: kept through group 2, removed once at the end" \
		py "$WORK/st" <<'EOF2'
import re, sys
calls = [m.group(1) for m in re.finditer(r'unlink\("([^"]+)"\)\s+= 0', open(sys.argv[1]).read())]
if calls != ["s2", "s1"]:
    print("    unlinks: %r, want ['s2', 's1']" % calls)
    sys.exit(1)
EOF2
fi
check "three groups: two layout lines, nothing left, nothing on stderr" \
	eval 'run_ok && [ "$(grep -c "Laying out" "$OUT")" = 2 ] && [ ! -e "$DATA/s1" ]'

note "unlink and keep"
run_in "$DATA" fio --name=k --size=64k --keep=1 --unlink=1
check "unlink=1 removes the file even with --keep=1" [ ! -e "$DATA/k.0.0" ]
run_in "$DATA" fio --name=k --size=64k --keep=1
check "--keep=1 keeps it" [ -e "$DATA/k.0.0" ]
rm -f "$DATA/k.0.0"

note "refused and checked options: exit 2, one line"
refused() {
	local desc=$1 line=$2
	shift 2
	run_in "$DATA" fio --name=b --size=64k "$@"
	check "$desc" run_refused "$line"
	[ "$RC" = 2 ] || show_run
}
refused "atomic=1" "atomic writes (O_ATOMIC) are not supported" --atomic=1
refused "lockfile=exclusive" "--lockfile: file locking is not supported (only none)" \
	--lockfile=exclusive
refused "allow_file_create=0 without the file" "b.0.0 does not exist and allow_file_create=0" \
	--allow_file_create=0
refused "direct=1 buffered=1" "contradict each other" --direct=1 --buffered=1
refused "--size=101%" "--size=101%" --size=101%
refused "--filesize=4m-1m" "--filesize=4m-1m" --filesize=4m-1m
check "refused options: nothing left" dir_is_empty "$DATA" e

if command -v strace >/dev/null 2>&1; then
	note "open flags (strace)"
	for s in "sync=1 O_SYNC" "sync=dsync O_DSYNC" "buffered=0 O_DIRECT"; do
		set -- $s
		(cd "$DATA" && strace -f -e trace=openat -o "$WORK/st" "$PVC" fio --name=o \
			--size=64k --rw=write --$1 >"$OUT" 2>"$ERR")
		check "--$1 opens with $2" grep -q "\"o.0.0\", O_RDWR.*$2" "$WORK/st"
	done
	# trace_run ARGS...: a 64k psync read job under strace (fadvise64, pread64, fcntl) into $WORK/st
	trace_run() {
		(cd "$DATA" && strace -f -e trace=fadvise64,pread64,fcntl -o "$WORK/st" "$PVC" fio \
			--name=o --size=64k --bs=64k --ioengine=psync "$@" >"$OUT" 2>"$ERR")
	}
	trace_run
	check "invalidate=1 (default): the region dropped from the cache as the clone opens it" \
		grep -q "fadvise64([0-9]*, 0, 65536, POSIX_FADV_DONTNEED)" "$WORK/st"
	trace_run --invalidate=0
	check "invalidate=0: not dropped" bash -c '! grep -q "0, 65536, POSIX_FADV_DONTNEED" "$1"' _ "$WORK/st"
	trace_run --pre_read=1
	check "pre_read=1: the region read twice (before and in the run), not dropped" bash -c \
		'[ "$(grep -c "pread64(.*, 65536, 0) *= 65536" "$1")" = 2 ] && ! grep -q "0, 65536, POSIX_FADV_DONTNEED" "$1"' \
		_ "$WORK/st"
	trace_run --rw=write --write_hint=short
	check "write_hint=short: fcntl F_SET_RW_HINT (0x40c)" grep -qE "fcntl\([0-9]+, (F_SET_RW_HINT|0x40c)" "$WORK/st"
fi

finish
