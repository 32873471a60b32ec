#!/bin/bash
# groups.sh - fio's reporting groups, apart from the runs the stonewalls make, against fio 3.33
# on the same job files: new_group (a new group, the job still running with the others),
# stonewall, both, on the first job (no new group), with numjobs clones, with group_reporting
# (one report for the consecutive jobs of a reporting group), and wait_for (the job keeps the
# group it is defined in, whether the job it names is in its run or an earlier one).
# For each file, both tools must agree on:
#   - each job's groupid in the JSON (one entry per clone) and in the terse lines;
#   - the "(g=N)" of the job lines before the run and the "(groupid=N" of the job reports;
#   - the number of "Run status group N" blocks, their N, and each block's io= per direction.
# And exitall or exitall_on_error with exit_what=group where a run holds two reporting groups is
# refused with its line (fio stops the ended job's group only; pvcbench would stop its run).
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fio

new_workdir

# name, then the job file (every job writes or reads 256 KiB with psync, so each job's I/O is
# the same in both tools)
declare -A FILES
FILES[new_group]='[global]
rw=write
bs=4k
size=256k
ioengine=psync
[a]
[b]
new_group
[c]
rw=read
'
FILES[stonewall_both]='[global]
bs=4k
size=256k
ioengine=psync
[a]
rw=write
new_group
[b]
rw=read
stonewall
[c]
rw=write
stonewall
new_group
[d]
rw=write
new_group
[e]
rw=randrw
'
FILES[first_job]='[global]
rw=write
bs=4k
size=128k
ioengine=psync
[a]
stonewall
new_group
numjobs=2
[b]
new_group
numjobs=2
[c]
numjobs=2
[d]
stonewall
'
# group_reporting joins the consecutive jobs of a reporting group into one report (named after
# the first), min/max bw per report in Run status; d waits for c in c's run (pvcbench runs it
# after), yet fio reports c and d together.
FILES[group_reporting]='[global]
rw=write
bs=4k
size=128k
ioengine=psync
group_reporting
[a]
numjobs=2
[b]
[c]
new_group
rw=read
[d]
wait_for=c
[e]
stonewall
numjobs=3
'
FILES[wait_for]='[global]
rw=write
bs=4k
size=256k
ioengine=psync
[first]
description=the first job
[second]
new_group
[third]
stonewall
[fourth]
wait_for=first
[fifth]
rw=read
wait_for=third
[sixth]
new_group
'

# The facts compared, one per line, from a JSON, a normal text and a terse output.
facts() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, re, sys

doc = json.load(open(sys.argv[1]))
for j in doc["jobs"]:
    print("json job %s groupid=%d" % (j.get("jobname"), j["groupid"]))
text = open(sys.argv[2]).read()
for m in re.finditer(r"^(\S+): \(g=(\d+)\)", text, re.M):
    print("header %s g=%s" % m.groups())
for m in re.finditer(r"^(\S+): \(groupid=(\d+), jobs=(\d+)\)", text, re.M):
    print("report %s groupid=%s jobs=%s" % m.groups())
group = None
for line in text.splitlines():
    m = re.match(r"^Run status group (\d+) \(all jobs\):", line)
    if m:
        group = m.group(1)
        print("status group %s" % group)
        continue
    m = re.match(r"^\s+(READ|WRITE|TRIM|MIXED): .*io=([^,]+),", line)
    if m and group is not None:
        print("status group %s %s io=%s" % (group, m.group(1), m.group(2)))
    elif not line.strip() or line.startswith("Disk stats"):
        group = None if line.startswith("Disk stats") else group
for line in open(sys.argv[3]).read().splitlines():
    f = line.split(";")
    if len(f) > 4 and f[0] == "3":
        print("terse %s groupid=%s" % (f[2], f[3]))
PY
}

cd "$DATA" || exit 1
for name in "${!FILES[@]}"; do
	printf '%s' "${FILES[$name]}" >"$WORK/$name.fio"
	ok=1
	for fmt in json normal terse; do
		opt=--output-format=$fmt
		[ $fmt = terse ] && opt=--minimal
		rm -f "$DATA"/*
		if ! fio "$opt" --output="$WORK/$name.fio.$fmt" "$WORK/$name.fio" 2>"$ERR"; then
			fail "$name: fio $opt failed: $(head -3 "$ERR")"
			ok=0
		fi
		rm -f "$DATA"/*
		run_pvc fio "$opt" --output="$WORK/$name.pvc.$fmt" "$WORK/$name.fio"
		if [ "$RC" != 0 ] || [ -s "$ERR" ]; then
			fail "$name: pvcbench fio $opt: exit $RC or stderr"
			show_run
			ok=0
		fi
	done
	rm -f "$DATA"/*
	[ $ok = 1 ] || continue
	facts "$WORK/$name.fio."{json,normal,terse} >"$WORK/$name.fio.facts" &&
		facts "$WORK/$name.pvc."{json,normal,terse} >"$WORK/$name.pvc.facts"
	if [ ! -s "$WORK/$name.fio.facts" ]; then
		fail "$name: no facts read from fio's outputs"
	elif diff -u "$WORK/$name.fio.facts" "$WORK/$name.pvc.facts" >"$WORK/$name.diff"; then
		pass "$name: groupids, Run status blocks and their io= as fio ($(grep -c '^status group [0-9]*$' "$WORK/$name.fio.facts") groups)"
	else
		fail "$name: differs from fio (- fio, + pvcbench):"
		sed 's/^/    /' "$WORK/$name.diff"
	fi
done

note "what cannot be done as fio is refused"
run_pvc fio --rw=write --size=64k --exitall --name=a --name=b --new_group
check "exitall (exit_what=group) with new_group in one run: exit 2 with its line" \
	test "$RC" = 2 -a "$(cat "$ERR")" = "pvcbench fio: job a: exitall with exit_what=group and new_group is not supported: pvcbench stops every job running with the one that ends, fio only those of its reporting group; use exit_what=stonewall or a stonewall"
check "nothing created" dir_is_empty "$DATA"
run_pvc fio --rw=write --size=64k --exitall --name=a --name=b --new_group --stonewall
check "exitall with new_group and stonewall (a run per group): accepted" test "$RC" = 0
rm -f "$DATA"/*
run_pvc fio --rw=write --size=64k --name=a --exitall_on_error --name=b --new_group
check "exitall_on_error (exit_what=group) with new_group in one run: exit 2 with its line" \
	test "$RC" = 2 -a "$(cat "$ERR")" = "pvcbench fio: job a: exitall_on_error with exit_what=group and new_group is not supported: pvcbench stops every job running with the one that ends, fio only those of its reporting group; use exit_what=stonewall or a stonewall"
rm -f "$DATA"/*

finish
