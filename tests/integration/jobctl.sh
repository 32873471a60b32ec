#!/bin/bash
# jobctl.sh - job control and job files as fio does them, compared with fio where fio can run:
# 1. --showcmd of job files with include (relative to the file), several [global] sections,
#    bare flags, $ncpus expressions and comments after values, with and without --section:
#    fio's line;
# 2. --section runs the named sections only (the same jobs as fio's JSON); --parse-only runs
#    nothing and creates nothing; --readonly refuses a job that writes;
# 3. wait_for makes the job start after the one it names, in the same reporting group (as fio;
#    groups.sh compares groups with fio); an unknown name is bad input;
# 4. nice, prio, prioclass and cpus_allowed with cpus_allowed_policy shared/split on the clone
#    threads, read from /proc during the run: the same as fio --thread's workers;
#    numa_mem_policy's set_mempolicy call in each clone thread, as fio's (strace);
# 5. continue_on_error/ignore_error: reads that fail (the file truncated under the run) stop the
#    job (exit 1) unless continue_on_error covers reads and the error is in the read list;
# 6. exec_prerun: the command's output in NAME.prerun.txt, as fio; a failing one fails the job.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fio ionice truncate

new_workdir
mkdir sub
cat >sub/main.fio <<'EOF2'
; the main file: its include is next to it
[global]
size=1m
include inc.fio
[a]
rw=read
[b]
time_based
runtime=1
[global]
bs=8k
[c]
numjobs=$ncpus
EOF2
printf 'ioengine=psync\n' >sub/inc.fio
printf '[global]\nsize=1m\n[x]\n[global]\nbs=8k\n[y]\n' >other.fio
# comments at the end of lines, even without a space; fio's quoted description
# fio's expressions of $ncpus, $pagesize and $mb_memory
printf '[e]\nnumjobs=($ncpus+1)*3\nbs=$pagesize*2\nsize=$mb_memory/1024\n' >expr.fio
printf '[z]\nsize=1m ; a comment\nbs=8k # another\nrw=read;x\ndescription=a b;c\n' >comments.fio

for args in "sub/main.fio" "--section=c sub/main.fio" "--section=a --section=c sub/main.fio" \
	"sub/main.fio other.fio" "comments.fio" "expr.fio"; do
	# shellcheck disable=SC2086
	want=$(fio --showcmd $args | sed 's/ *$//')
	# shellcheck disable=SC2086
	run_pvc fio --showcmd $args
	check "--showcmd $args: fio's lines ($(echo "$want" | head -c 60)...)" \
		test "$RC" = 0 -a "$(cat "$OUT")" = "$want" -a ! -s "$ERR"
	if [ "$RC" != 0 ] || [ "$(cat "$OUT")" != "$want" ]; then
		echo "    fio:      $want"
		show_run
	fi
done

note "--section and --parse-only"
cd "$DATA" || exit 1
fio --output-format=json --section=a --section=c ../sub/main.fio >../fio.json 2>/dev/null
rm -f ./*
run_pvc fio --output-format=json --section=a --section=c ../sub/main.fio
check "--section=a --section=c: the jobs fio runs" py "$OUT" ../fio.json <<'PY'
import json, sys
mine = [j["jobname"] for j in json.load(open(sys.argv[1]))["jobs"]]
fio = [j["jobname"] for j in json.load(open(sys.argv[2]))["jobs"]]
print("    pvcbench %r, fio %r" % (mine, fio))
sys.exit(0 if mine and sorted(set(mine)) == sorted(set(fio)) == ["a", "c"] else 1)
PY
check "--section: no data file left" dir_is_empty .
run_pvc fio --output-format=json --section=b --name=a --size=1m --name=b --size=1m
check "--section=b with jobs on the command line: only b runs, as in fio" py "$OUT" <<'PY'
import json, sys
mine = [j["jobname"] for j in json.load(open(sys.argv[1]))["jobs"]]
print("    %r" % mine)
sys.exit(0 if mine == ["b"] else 1)
PY
run_pvc fio --parse-only ../sub/main.fio
check "--parse-only: exit 0, no output, no file" \
	test "$RC" = 0 -a ! -s "$OUT" -a ! -s "$ERR" -a -z "$(ls)"
run_pvc fio --parse-only --name=x --size=1m --cpus_allowed=0-x
check "--parse-only still checks each job: --cpus_allowed=0-x is exit 2" test "$RC" = 2
run_pvc fio --readonly --name=r --size=1m --name=w --size=1m --rw=randwrite
check "--readonly: a writing job is exit 2 naming it, nothing created" \
	test "$RC" = 2 -a "$(cat "$ERR")" = "pvcbench fio: job w: --rw=randwrite writes, but --readonly is given" -a -z "$(ls)"

note "wait_for, new_group"
run_pvc fio --output-format=json --name=a --size=1m --name=b --size=1m --wait_for=a
check "wait_for=a: b runs after a, both in group 0 as fio" py "$OUT" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
jobs = [(j["jobname"], j["groupid"]) for j in doc["jobs"]]
runs = [s["jobname"] for s in doc["series"]]
print("    %r, runs %r" % (jobs, runs))
sys.exit(0 if jobs == [("a", 0), ("b", 0)] and runs == ["a", "b"] else 1)
PY
run_pvc fio --name=a --size=1m --name=b --size=1m --wait_for=z
check "wait_for=z (no such job): exit 2, one line" \
	test "$RC" = 2 -a "$(wc -l <"$ERR")" = 1

note "priorities and CPUs of the clone threads, against fio --thread"
# threads of PID whose nice is 5: "nice affinity ioprio" lines, sorted
workers() {
	local t
	for t in /proc/"$1"/task/*; do
		[ "$(awk '{print $19}' "$t/stat" 2>/dev/null)" = 5 ] || continue
		echo "nice=5 $(awk '/Cpus_allowed_list/ {print $2}' "$t/status") $(ionice -p "${t##*/}")"
	done | sort
}
# sample_threads CMD...: runs CMD (4 s) in the background and prints its two workers, looking
# every 0.25 s until both are there (the files are laid out first)
sample_threads() {
	"$@" >/dev/null 2>&1 &
	local pid=$! i seen=""
	register_pid "$pid"
	for ((i = 0; i < 14; i++)); do
		sleep 0.25
		seen=$(workers "$pid")
		[ "$(echo "$seen" | grep -c nice=5)" = 2 ] && break
	done
	echo "$seen"
	wait "$pid"
}
cpus=$(nproc)
last=$((cpus > 1 ? 1 : 0))
for opts in "--prio=3" "--prioclass=3" "--prioclass=2 --prio=6 --cpus_allowed=0-$last" \
	"--cpus_allowed=0-$last --cpus_allowed_policy=split"; do
	common="--size=4m --runtime=4 --time_based --ioengine=psync --numjobs=2 --nice=5 $opts"
	# shellcheck disable=SC2086
	want=$(sample_threads fio --thread --name=p $common)
	rm -f ./*
	# shellcheck disable=SC2086
	got=$(sample_threads "$PVC" fio --name=p $common)
	check "$opts: clone threads as fio's: ${got//$'\n'/; }" test -n "$got" -a "$got" = "$want"
	if [ -z "$got" ] || [ "$got" != "$want" ]; then echo "    fio: ${want//$'\n'/; }"; fi
	rm -f ./*
done

note "numa_mem_policy: the clone thread's set_mempolicy call, as fio --thread's (strace)"
if command -v strace >/dev/null; then
	# mempolicy CMD...: the set_mempolicy calls of CMD's threads (not its main thread's: libnuma
	# probes there in fio)
	# (-qq: strace's "Process N attached" once cut a traced line in two on a loaded machine)
	mempolicy() {
		strace -f -qq -e trace=set_mempolicy "$@" 2>&1 >/dev/null | grep '^\[pid.*set_mempolicy' |
			sed 's/^\[pid *[0-9]*\] //'
	}
	for pol in default local prefer:0 bind:0 interleave:0; do
		want=$(mempolicy fio --thread --name=m --size=1m --numa_mem_policy=$pol)
		rm -f ./*
		got=$(mempolicy "$PVC" fio --name=m --size=1m --numa_mem_policy=$pol)
		check "numa_mem_policy=$pol: ${got:-no call}" test "$got" = "$want"
		[ "$got" = "$want" ] || echo "    fio: ${want:-no call}"
		rm -f ./*
	done
else
	fail "strace is not installed (scripts/install-deps --test installs it)"
fi

note "continue_on_error"
# truncated: runs pvcbench with ARGS reading a 4 MiB file that is truncated while it runs
truncated() {
	"$PVC" fio --name=t --size=4m --runtime=3 --time_based --ioengine=psync "$@" \
		>"$OUT" 2>"$ERR" &
	local pid=$! i
	register_pid "$pid"
	for ((i = 0; i < 100; i++)); do
		[ "$(stat -c %s t.0.0 2>/dev/null)" = 4194304 ] && break
		sleep 0.1
	done
	sleep 0.5
	truncate -s 0 t.0.0
	wait "$pid"
	RC=$?
}
truncated
check "read errors, no continue_on_error: exit 1 naming the short read" \
	test "$RC" = 1 -a -n "$(grep 'short transfer' "$ERR")"
truncated --continue_on_error=read
check "continue_on_error=read: exit 0" test "$RC" = 0
truncated --continue_on_error=write
check "continue_on_error=write: read errors still stop the job (exit 1)" test "$RC" = 1
truncated --continue_on_error=all --ignore_error=ENOSPC
check "ignore_error=ENOSPC: EIO is not in the read list any more (exit 1)" test "$RC" = 1
truncated --continue_on_error=all --ignore_error=EAGAIN:EIO --error_dump
check "ignore_error=EAGAIN:EIO with error_dump: exit 0, the errors printed" \
	test "$RC" = 0 -a -n "$(grep 'read error ignored' "$ERR")"
check "continue_on_error: no data file left" dir_is_empty .

note "exec_prerun"
fio --name=e --size=1m --exec_prerun='echo hello from prerun' >/dev/null 2>&1
want=$(cat e.prerun.txt)
rm -f ./*
run_pvc fio --name=e --size=1m --exec_prerun='echo hello from prerun'
check "exec_prerun: e.prerun.txt as fio's ('$want')" \
	test "$RC" = 0 -a "$(cat e.prerun.txt 2>/dev/null)" = "$want" -a -n "$want"
run_pvc fio --name=e --size=1m --exec_prerun='echo again'
check "exec_prerun: an existing e.prerun.txt is not overwritten without --force (exit 2)" \
	test "$RC" = 2 -a "$(cat e.prerun.txt)" = "$want"
run_pvc fio --name=e --size=1m --exec_prerun='echo again' --force
check "exec_prerun with --force: overwritten" test "$RC" = 0 -a "$(cat e.prerun.txt)" = again
rm -f ./*
run_pvc fio --name=e --size=1m --exec_prerun='exit 3'
check "a failing exec_prerun: exit 1 naming it, data file removed" \
	test "$RC" = 1 -a -n "$(grep "exec_prerun 'exit 3' failed" "$ERR")" -a ! -e e.0.0
note "--name=global on the command line"
run_pvc fio --output-format=json --name=global --rw=randread --size=1m --name=j1 --name=j2
check "--name=global: its options go to every job, as in fio; no job called global" \
	py "$OUT" <<'PY'
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
got = [(j["jobname"], j["read"]["total_ios"]) for j in jobs]
sys.exit(0 if got == [("j1", 256), ("j2", 256)] else "jobs %r, want j1 and j2 of 256 reads" % got)
PY
rm -f ./*
finish
