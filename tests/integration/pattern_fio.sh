#!/bin/bash
# pattern_fio.sh - the pattern options against fio 3.33 on the same jobs: total I/O counts and
# bytes per direction from both tools' JSON, exactly where the pattern fixes them (budgets:
# size, io_size, loops, number_ios; rw's :N; strided zones; offsets as percentages) and within a
# tolerance where a random draw decides (bssplit, bsrange, rwmix shares). Without fio the test
# is skipped (under CI=true that fails).
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fio

new_workdir

# compare DESC TOLERANCE ARGS...: runs fio and pvcbench on the job ARGS (file $DATA/f, psync)
# and compares bytes and I/Os per direction: TOLERANCE 0 = exactly; else the relative error
# allowed on the I/O counts (bytes then must still agree on their total).
compare() {
	local desc=$1 tol=$2
	shift 2
	rm -f "$DATA/f"
	[ -n "${EXISTING:-}" ] && truncate -s "$EXISTING" "$DATA/f"
	fio --name=j --filename="$DATA/f" --ioengine=psync --output-format=json "$@" \
		>fio.json 2>fio.err
	local frc=$?
	rm -f "$DATA/f"
	[ -n "${EXISTING:-}" ] && truncate -s "$EXISTING" "$DATA/f"
	run_pvc fio --name=j --filename="$DATA/f" --ioengine=psync --output-format=json "$@"
	rm -f "$DATA/f"
	check "$desc" py fio.json "$frc" "$OUT" "$RC" "$ERR" "$tol" <<'PYEOF'
import json, sys
fio_json, frc, pvc_json, prc, perr, tol = sys.argv[1:7]
tol = float(tol)
if frc != "0" or prc != "0":
    print("    exit status: fio %s, pvcbench %s: %s" % (frc, prc, open(perr).read().strip()))
    sys.exit(1)
def load(path):
    t = open(path).read()
    return json.loads(t[t.index("{"):])["jobs"][0]
f, p = load(fio_json), load(pvc_json)
dirs = ("read", "write", "trim")
got = {d: (p.get(d, {}).get("io_bytes", 0), p.get(d, {}).get("total_ios", 0)) for d in dirs}
want = {d: (f[d]["io_bytes"], f[d]["total_ios"]) for d in dirs}
line = "fio %s, pvcbench %s" % (want, got)
if tol == 0:
    ok = got == want
else:
    ok = sum(g[0] for g in got.values()) == sum(w[0] for w in want.values())
    for d in dirs:
        w, g = want[d][1], got[d][1]
        ok = ok and (w == g if w == 0 or g == 0 else abs(g - w) <= tol * w)
print("    " + line)
sys.exit(0 if ok else 1)
PYEOF
}

note "budgets: exactly fio's bytes and I/O counts"
compare "size=1m rw=read" 0 --size=1m --rw=read
compare "loops=3" 0 --size=1m --rw=read --loops=3
compare "io_size=3m over 1m (sequential wraps)" 0 --size=1m --rw=read --io_size=3m
compare "io_limit=3m, randread" 0 --size=1m --rw=randread --io_limit=3m
compare "number_ios=10" 0 --size=1m --rw=randread --number_ios=10
compare "number_ios=10 loops=2 (per loop)" 0 --size=1m --rw=randread --number_ios=10 --loops=2
compare "rw=write:4k (holes, wrapping)" 0 --size=1m --rw=write:4k
compare "rw=read:4k bs=8k (the hole ends the pass)" 0 --size=1m --rw=read:4k --bs=8k
compare "rw=read:8k io_size=2m" 0 --size=1m --rw=read:8k --io_size=2m
compare "rw=randread:8" 0 --size=1m --rw=randread:8
compare "rw=randread:4 rw_sequencer=identical" 0 --size=1m --rw=randread:4 \
	--rw_sequencer=identical
compare "zonemode=strided zonesize=256k zoneskip=256k" 0 --size=1m --rw=read \
	--zonemode=strided --zonesize=256k --zoneskip=256k
compare "random_distribution=zipf:1.2" 0 --size=1m --rw=randread \
	--random_distribution=zipf:1.2
compare "random_distribution=zoned:60/10:40/90" 0 --size=1m --rw=randread \
	--random_distribution=zoned:60/10:40/90
compare "percentage_random=50" 0 --size=1m --rw=randread --percentage_random=50
compare "bs=4k,8k rw=write (writes use 8k)" 0 --size=1m --rw=write --bs=4k,8k
compare "ba=4k under bs=8k, random" 0 --size=1m --rw=randread --bs=8k --ba=4k
compare "blockalign=8k over bs=4k, random" 0 --size=1m --rw=randread --blockalign=8k
EXISTING=4m compare "offset=25% of an existing 4m file, size=1m" 0 --size=1m --rw=read \
	--offset=25%
EXISTING=4m compare "offset=10% offset_align=256k bs=64k" 0 --size=1m --rw=read --bs=64k \
	--offset=10% --offset_align=256k

note "random sizes and mixes: the same bytes, I/O counts within 12%"
compare "bssplit=4k/50:8k, sequential" 0.12 --size=1m --rw=write --bssplit=4k/50:8k
compare "bssplit=4k/20:16k/80, random (fio's map)" 0.12 --size=4m --rw=randwrite \
	--bssplit=4k/20:16k/80
compare "bsrange=4k-64k, random" 0.12 --size=4m --rw=randread --bsrange=4k-64k
compare "bsrange=1k-9k, sequential" 0.12 --size=1m --rw=write --bsrange=1k-9k
compare "randrw rwmixwrite=30" 0.12 --size=4m --rw=randrw --rwmixwrite=30
compare "random_distribution=zipf:1.2:0.5 (center)" 0 --size=1m --rw=randread \
	--random_distribution=zipf:1.2:0.5

note "refused values: one line naming the value"
run_pvc fio --name=j --filename="$DATA/f" --size=1m --zonemode=zbd
check "zonemode=zbd: exit 2, one line" test "$RC" = 2 -a "$(wc -l <"$ERR")" = 1
check "zonemode=zbd: says zoned block devices are not supported" \
	grep -q "zonemode=zbd: zoned block devices are not supported" "$ERR"
run_pvc fio --name=j --filename="$DATA/f" --size=1m --bssplit=4k/50:8k/60
check "bssplit over 100%: exit 2, names the sum" \
	grep -q "bssplit=4k/50:8k/60: percentages add up to 110, at most 100" "$ERR"
check "no data file left" dir_is_empty "$DATA"
finish
