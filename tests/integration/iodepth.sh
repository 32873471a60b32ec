#!/bin/bash
# iodepth.sh - iodepth means what fio means, and the loop's durability I/Os are fio's.
#  - Little's law: mean latency x IOPS is iodepth (within 5% here, on a shared machine; the
#    bench rows hold it within 3%) at iodepth 1, 4, 16 and 64 on io_uring and libaio with
#    O_DIRECT, and fio on the same job holds the same figure;
#  - fio's depth options: iodepth_batch_submit=0 and iodepth_batch_complete_min/_max,
#    iodepth_low run and keep the law; an engine option for the wrong engine is refused;
#  - fsync=8 and end_fsync on 256 writes make as many fsync calls as fio's (strace -f -c):
#    one after every 8 writes that have a next I/O, and one at the end.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd python3

new_workdir
FILE=$DATA/little.dat
JOB=(--name=little --filename="$FILE" --size=64M --rw=randread --bs=4k --direct=1 --runtime=1
	--time_based --output-format=json)
HAVE_FIO=0
command -v fio >/dev/null && HAVE_FIO=1

# little OUTFILE: prints "iops lat_ns L" of jobs[0].read
little() {
	python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["jobs"][0]["read"]
lat = r["lat_ns"]["mean"]
print("%.0f %.0f %.3f" % (r["iops"], lat, r["iops"] * lat / 1e9))
EOF
}

# within L N PCT: |L - N| <= PCT% of N
within() { python3 -c 'import sys; l,n,p=map(float,sys.argv[1:]); sys.exit(0 if abs(l-n)<=n*p/100 else 1)' "$@"; }

# lay the file out once with pvcbench (it keeps it: --keep), for both tools
run_pvc fio --name=layout --filename="$FILE" --size=64M --rw=write --bs=1M --keep=1
[ "$RC" = 0 ] || { show_run; fail "layout"; finish; }
if ! run_pvc fio "${JOB[@]}" --ioengine=psync --runtime=100ms || [ "$RC" != 0 ]; then
	grep -q "O_DIRECT" "$ERR" && skip "$DATA refuses O_DIRECT"
fi

for engine in io_uring libaio; do
	for qd in 1 4 16 64; do
		run_pvc fio "${JOB[@]}" --ioengine="$engine" --iodepth="$qd" --keep=1
		if [ "$RC" != 0 ] && grep -qE "unavailable|cannot be opened|not built|Operation not permitted" "$ERR"; then
			note "$engine is not available here: $(head -1 "$ERR")"
			continue 2
		fi
		read -r iops lat L < <(little "$OUT")
		check "$engine iodepth=$qd: IOPS x mean lat = $L (IOPS $iops, lat ${lat}ns)" within "$L" "$qd" 5
		if [ $HAVE_FIO = 1 ] && [ "$qd" -ge 4 ]; then
			fio --thread "${JOB[@]}" --ioengine="$engine" --iodepth="$qd" >"$WORK/fio.json" 2>/dev/null &&
				read -r fiops flat fL < <(little "$WORK/fio.json") &&
				note "fio $engine iodepth=$qd: L=$fL (IOPS $fiops, lat ${flat}ns)"
		fi
	done
done

note "fio's batching options"
for opts in "--iodepth_batch_submit=0" "--iodepth_batch=8 --iodepth_batch_complete_min=4 --iodepth_batch_complete_max=8" \
	"--iodepth_low=8"; do
	# shellcheck disable=SC2086
	run_pvc fio "${JOB[@]}" --ioengine=libaio --iodepth=16 --keep=1 $opts
	if [ "$RC" = 0 ]; then
		read -r iops lat L < <(little "$OUT")
		# batches and low-water marks let the queue run below iodepth: L is at most 16
		check "libaio iodepth=16 $opts: runs, L=$L <= 16.2" within "$L" 8 102.5
	else
		show_run
		fail "libaio iodepth=16 $opts"
	fi
done

run_pvc fio "${JOB[@]}" --ioengine=libaio --hipri
check "--hipri with libaio: exit 2 naming the engine" \
	bash -c '[ "$1" = 2 ] && grep -q "hipri is not an option of ioengine=libaio" "$2"' _ "$RC" "$ERR"
run_pvc fio "${JOB[@]}" --ioengine=io_uring --io_submit_mode=offload
check "--io_submit_mode=offload: exit 2, refused" \
	bash -c '[ "$1" = 2 ] && grep -q "offload is not supported" "$2"' _ "$RC" "$ERR"

if command -v strace >/dev/null && [ $HAVE_FIO = 1 ]; then
	for engine in libaio psync; do
		W=(--name=w --filename="$DATA/w.dat" --size=1M --bs=4k --rw=write --ioengine="$engine"
			--iodepth=4 --fsync=8 --end_fsync=1)
		pvc=$(strace -f -c -e trace=fsync "$PVC" fio "${W[@]}" 2>&1 >/dev/null | awk '$NF=="fsync"{print $4}')
		rm -f "$DATA/w.dat"
		ref=$(strace -f -c -e trace=fsync fio "${W[@]}" --output=/dev/null 2>&1 | awk '$NF=="fsync"{print $4}')
		rm -f "$DATA/w.dat"
		check "$engine fsync=8 end_fsync=1: $pvc fsync calls, fio $ref" test "${pvc:-x}" = "${ref:-y}"
	done
else
	note "strace or fio missing: fsync counts not compared"
fi
rm -f "$FILE"
finish
