# lib.bash - shared helpers for the shell integration tests; sourced, never run as a test
# (ctest registers every *.sh, hence the other suffix). The shell half of tests/lib: the
# Python half (checks.py) prints and exits the same way, and pvctest.py ($PVCTEST) does
# for the shell what needs more than a shell.
#
# Conventions (liburing's): exit 0 pass, 1 fail, 77 skip; a skip under CI=true is a failure.
# Each test keeps going after a failed check so one run reports every problem, and exits 1 at
# the end if any check failed. Everything a test makes (directories under /var/tmp, mounts,
# loop devices, processes) is registered here and removed by the EXIT trap.
#
# Usage: source "$(dirname "$0")/../lib/lib.bash" "$@"   (then $PVC is the binary under test,
# and python3 finds tests/lib's modules: `from pvctest import ...`)

set -u

PVC=${1:-}
LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TEST_NAME=$(basename "$0" .sh)
export PYTHONPATH="$LIB_DIR${PYTHONPATH:+:$PYTHONPATH}"
PVCTEST="$LIB_DIR/pvctest.py"
FAILURES=0
CHECKS=0
RUN_TIMEOUT=${RUN_TIMEOUT:-60}

_clean_dirs=()
_clean_mounts=()
_clean_loops=()
_clean_pids=()

note() { echo "[$TEST_NAME] $*"; }
pass() { CHECKS=$((CHECKS + 1)); echo "[$TEST_NAME] ok: $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILURES=$((FAILURES + 1)); echo "[$TEST_NAME] FAIL: $*"; }

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# skip REASON: something the test needs is missing. Under CI=true that is a failure, and so
# it is when checks before it already failed (a skip must not hide them).
skip() {
	if [ "$FAILURES" -gt 0 ]; then
		echo "[$TEST_NAME] cannot go on ($*); $FAILURES of $CHECKS checks failed so far"
		exit 1
	fi
	if [ "${CI:-}" = true ]; then
		echo "[$TEST_NAME] FAIL: cannot run (and CI=true forbids skipping): $*"
		exit 1
	fi
	echo "[$TEST_NAME] SKIP: $*"
	exit 77
}

finish() {
	if [ "$FAILURES" -gt 0 ]; then
		echo "[$TEST_NAME] $FAILURES of $CHECKS checks failed"
		exit 1
	fi
	echo "[$TEST_NAME] all $CHECKS checks passed"
	exit 0
}

_cleanup() {
	local i
	for i in "${_clean_pids[@]}"; do
		kill -KILL "$i" 2>/dev/null
		wait "$i" 2>/dev/null
	done
	for ((i = ${#_clean_mounts[@]} - 1; i >= 0; i--)); do
		umount "${_clean_mounts[i]}" 2>/dev/null || umount -l "${_clean_mounts[i]}" 2>/dev/null
	done
	for i in "${_clean_loops[@]}"; do
		losetup -d "$i" 2>/dev/null
	done
	for i in "${_clean_dirs[@]}"; do
		rm -rf --one-file-system "$i"
	done
}
trap _cleanup EXIT
trap 'exit 1' INT TERM HUP

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "command $c not found"
	done
}

require_pvc() {
	[ -n "$PVC" ] || skip "usage: $0 PATH_TO_PVCBENCH"
	[ -x "$PVC" ] || skip "pvcbench binary $PVC not found or not executable"
	PVC=$(cd "$(dirname "$PVC")" && pwd)/$(basename "$PVC")
	require_cmd python3 timeout
}

# Directories are created by the caller in the main shell (not in $(...)), so registration
# sticks: use `new_tmpdir VAR`.
new_tmpdir() {
	local d
	d=$(mktemp -d "/var/tmp/pvcbench-$TEST_NAME.XXXXXX") || skip "cannot create a directory in /var/tmp"
	_clean_dirs+=("$d")
	printf -v "$1" '%s' "$d"
}

# new_workdir: WORK (a new temporary directory, also the working directory) holding OUT and ERR
# for a run's stdout and stderr and an empty DATA directory for its files.
new_workdir() {
	new_tmpdir WORK
	cd "$WORK" || exit 1
	OUT=$WORK/out
	ERR=$WORK/err
	DATA=$WORK/data
	mkdir -p "$DATA"
}

# The suite's environment variables, for `env "${UNSET[@]}" ...`: the caller's own settings
# must not change what a test runs.
UNSET=(-u FIO_MOUNTPOINT -u DBENCH_MOUNTPOINT -u FIO_QUICK -u DBENCH_QUICK -u FIO_DIRECT
	-u FIO_SIZE -u FIO_OFFSET_INCREMENT -u RUN_TIME -u FIO_IOENGINE)

register_mount() { _clean_mounts+=("$1"); }
register_pid() { _clean_pids+=("$1"); }

# mount_loop_ext4 IMAGE SIZE_MB MOUNTPOINT [ro]: a fresh ext4 in IMAGE on a loop device.
mount_loop_ext4() {
	local img=$1 mb=$2 mnt=$3 mode=${4:-rw} dev
	require_cmd losetup mkfs.ext4 mount umount
	truncate -s "${mb}M" "$img" || return 1
	mkfs.ext4 -q -F "$img" >/dev/null 2>&1 || skip "mkfs.ext4 failed on $img"
	dev=$(losetup -f --show "$img" 2>/dev/null) || skip "no loop device (losetup -f failed)"
	_clean_loops+=("$dev")
	mkdir -p "$mnt"
	mount -o "$mode" "$dev" "$mnt" 2>/dev/null || skip "cannot mount $dev on $mnt"
	register_mount "$mnt"
}

# mount_fs TYPE OPTIONS MOUNTPOINT: tmpfs, ramfs...
mount_fs() {
	local type=$1 opts=$2 mnt=$3
	mkdir -p "$mnt"
	mount -t "$type" -o "$opts" "$type" "$mnt" 2>/dev/null || skip "cannot mount $type on $mnt"
	register_mount "$mnt"
}

# mount_readonly_bind DIR: DIR becomes a read-only bind mount of itself.
mount_readonly_bind() {
	local d=$1
	mount --bind "$d" "$d" 2>/dev/null || skip "cannot bind-mount $d"
	register_mount "$d"
	mount -o remount,bind,ro "$d" 2>/dev/null || skip "cannot remount $d read-only"
}

# run_pvc ARGS...: runs pvcbench (with a timeout) from the current directory; sets RC and
# leaves stdout in $OUT and stderr in $ERR (OUT and ERR must be set by the caller).
run_pvc() {
	timeout -k 5 "$RUN_TIMEOUT" "$PVC" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# run_env_pvc VAR=VALUE... -- ARGS...: same, with environment settings.
run_env_pvc() {
	local envs=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		envs+=("$1")
		shift
	done
	shift
	env "${envs[@]}" timeout -k 5 "$RUN_TIMEOUT" "$PVC" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# show_run: the last run's status and output, for a failure message.
show_run() {
	echo "    exit status $RC"
	echo "    --- stderr:"
	sed -n '1,20s/^/    /p' "$ERR"
	echo "    --- stdout (first 20 lines):"
	sed -n '1,20s/^/    /p' "$OUT"
}

# dir_is_empty DIR [IGNORED_NAME...]
dir_is_empty() {
	local d=$1 f base ign skipit
	shift
	for f in "$d"/* "$d"/.[!.]* "$d"/..?*; do
		[ -e "$f" ] || continue
		base=$(basename "$f")
		skipit=0
		for ign in "$@"; do [ "$base" = "$ign" ] && skipit=1; done
		[ $skipit = 1 ] && continue
		echo "    left in $d: $base"
		return 1
	done
	return 0
}

# py SCRIPT ARGS...: runs an inline python check; the script prints problems and exits 1.
py() {
	python3 - "$@"
}
