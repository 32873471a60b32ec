#!/bin/bash
# pace.sh - the pacing options (pace.c) in whole runs: rate_iops and rate cap the I/Os as in
# fio (compared with the installed fio on the same job when there is one), startdelay is waited
# out but not measured, rate_min fails a job that falls below it, and bad values or the refused
# latency_target give exit 2 and one line. The caps are upper bounds: only gross undershoots
# (under a quarter of the rate) fail, so a busy machine does not make the test fail.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc

new_workdir

# ios_of FILE DIR: total_ios of the first job's direction in fio's JSON
ios_of() { py "$1" "$2" <<'PY'
import json, sys
print(json.load(open(sys.argv[1]))["jobs"][0][sys.argv[2]]["total_ios"])
PY
}

# within N LO HI: LO <= N <= HI
within() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

note "rate_iops=100 for 2 s: at most 10% over 200 writes"
run_pvc fio --name=j --filename="$DATA/f" --size=4m --ioengine=psync --rw=randwrite \
	--rate_iops=100 --runtime=2 --time_based --output-format=json
pvc_ios=$(ios_of "$OUT" write 2>/dev/null || echo -1)
check "rate_iops=100: exit 0 ($RC)" [ "$RC" = 0 ]
check "rate_iops=100: $pvc_ios writes in 2 s, within 50..220" within "$pvc_ios" 50 220

note "rate=400k with bs=4k: 100 I/Os a second, and rate wins over rate_iops"
run_pvc fio --name=j --filename="$DATA/f" --size=4m --ioengine=psync --rw=read \
	--rate=400k --rate_iops=1000 --runtime=2 --time_based --output-format=json
n=$(ios_of "$OUT" read 2>/dev/null || echo -1)
check "rate=400k: $n reads in 2 s, within 50..220" within "$n" 50 220

if command -v fio >/dev/null 2>&1; then
	note "the same job under fio"
	fio --name=j --filename="$DATA/fio" --size=4m --ioengine=psync --rw=randwrite \
		--rate_iops=100 --runtime=2 --time_based --output-format=json >fio.json 2>fio.err
	fio_ios=$(ios_of fio.json write 2>/dev/null || echo -1)
	rm -f "$DATA/fio"
	check "fio $fio_ios writes, pvcbench $pvc_ios: within 10% of each other" \
		py "$fio_ios" "$pvc_ios" <<'PY'
import sys
a, b = int(sys.argv[1]), int(sys.argv[2])
sys.exit(0 if a > 0 and abs(a - b) <= 0.1 * a else 1)
PY
fi

note "startdelay=1: the run waits a second more, which is not measured"
start=$(date +%s%N)
run_pvc fio --name=j --filename="$DATA/f" --size=4m --ioengine=psync --rw=write \
	--startdelay=1 --runtime=1 --time_based --output-format=json
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
runtime_ms=$(py "$OUT" <<'PY' 2>/dev/null || echo -1
import json, sys
print(json.load(open(sys.argv[1]))["jobs"][0]["write"]["runtime"])
PY
)
check "startdelay=1: exit 0 ($RC)" [ "$RC" = 0 ]
check "startdelay=1: the run took $elapsed_ms ms (at least 2000)" [ "$elapsed_ms" -ge 2000 ]
check "startdelay=1: $runtime_ms ms measured (the runtime, not the delay)" within "$runtime_ms" 900 1500

note "thinktime=20ms after every write: at most 50 writes a second"
run_pvc fio --name=j --filename="$DATA/f" --size=4m --ioengine=psync --rw=write \
	--thinktime=20ms --runtime=1 --time_based --output-format=json
n=$(ios_of "$OUT" write 2>/dev/null || echo -1)
check "thinktime=20ms: $n writes in 1 s, within 10..51" within "$n" 10 51

note "rate_min above what thinktime allows: the job stops early"
start=$(date +%s%N)
run_pvc fio --name=j --filename="$DATA/f" --size=4m --ioengine=psync --rw=write \
	--rate=10m --rate_min=1m --thinktime=10ms --runtime=8 --time_based --output-format=json
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
check "rate_min=1m not met: stopped after $elapsed_ms ms (fio: after about 3 s of 8)" \
	[ "$elapsed_ms" -lt 6000 ]

# expect_bad DESCRIPTION PATTERN ARGS...: exit 2, nothing on stdout, one line matching PATTERN
expect_bad() {
	local desc=$1 pat=$2
	shift 2
	run_pvc fio --name=j --filename="$DATA/f" --size=4m "$@"
	if [ "$RC" = 2 ] && [ ! -s "$OUT" ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q -- "$pat" "$ERR"; then
		pass "$desc"
	else
		fail "$desc"
		show_run
	fi
}
expect_bad "--rate=fast: one line naming the value" "rate=fast" --rate=fast
expect_bad "--rate=1,2,3,4: one line" "rate=1,2,3,4" --rate=1,2,3,4
expect_bad "--rate_min above --rate: one line" "exceeds their rate" --rate=100k --rate_min=200k
expect_bad "--startdelay=5-1: one line" "startdelay=5-1" --startdelay=5-1
expect_bad "--rate_process=bursty: one line" "bursty" --rate_process=bursty
expect_bad "--latency_target=10ms: refused" "latency_target" --latency_target=10ms
expect_bad "--max_latency=10ms: refused" "max_latency" --max_latency=10ms
check "nothing left in the data directory" dir_is_empty "$DATA"

finish
