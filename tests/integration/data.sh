#!/bin/bash
# data.sh - what the block workload writes (data.c), against the installed fio on the same job
# writing a 16 MiB file: zero_buffers and buffer_pattern give the same bytes as fio's file,
# buffer_compress_percentage the same gzip size (within 3%), dedupe_percentage the same share
# of distinct 4 KiB blocks (within 3 points), the default scramble every block distinct.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd gzip

new_workdir

# write_file TOOL NAME ARGS...: writes $DATA/NAME with fio or pvcbench (kept)
write_file() {
	local tool=$1 name=$2
	shift 2
	rm -f "$DATA/$name"
	if [ "$tool" = fio ]; then
		fio --name=j --filename="$DATA/$name" --rw=write --bs=4k --size=16m \
			--ioengine=psync "$@" --output=/dev/null 2>"$ERR"
	else
		run_pvc fio --name=j --filename="$DATA/$name" --rw=write --bs=4k --size=16m \
			--ioengine=psync --keep=1 "$@"
		[ "$RC" = 0 ] || show_run
	fi
}

# stats FILE: "GZIP_BYTES DISTINCT_4K_BLOCKS TOTAL_BLOCKS"
stats() { py "$1" <<'PY'
import gzip, hashlib, sys
d = open(sys.argv[1], "rb").read()
blocks = {hashlib.md5(d[i:i + 4096]).digest() for i in range(0, len(d), 4096)}
print(len(gzip.compress(d, 6)), len(blocks), len(d) // 4096)
PY
}

note "pvcbench alone"
write_file pvc p.dat
read -r _ distinct total < <(stats "$DATA/p.dat")
check "default (scramble_buffers=1): $distinct of $total blocks distinct" [ "$distinct" = "$total" ]
write_file pvc p.dat --buffer_pattern='"pvc"0x0a'
check "buffer_pattern=\"pvc\"0x0a: the file is that pattern" py "$DATA/p.dat" <<'PY'
import sys
d = open(sys.argv[1], "rb").read()
want = (b"pvc\n" * 1024)[:4096] * (len(d) // 4096)
sys.exit(0 if d == want and d else 1)
PY
rm -f "$DATA/p.dat"

command -v fio >/dev/null 2>&1 || { finish; exit; }

# same ARGS...: both tools write with ARGS; sets FIO_STATS and PVC_STATS
same() {
	write_file fio f.dat "$@"
	write_file pvc p.dat "$@"
	FIO_STATS=$(stats "$DATA/f.dat")
	PVC_STATS=$(stats "$DATA/p.dat")
}

for args in "--zero_buffers=1" "--buffer_pattern=0xdeadbeef" "--buffer_pattern=\"abc\"-12"; do
	same "$args"
	check "$args: the same bytes as fio's file" cmp -s "$DATA/f.dat" "$DATA/p.dat"
done

for args in "--buffer_compress_percentage=50" "--buffer_compress_percentage=90 --buffer_compress_chunk=4k" \
	"--dedupe_percentage=50" "--dedupe_percentage=30 --dedupe_mode=working_set --dedupe_working_set_percentage=10" \
	"--refill_buffers=1" "--scramble_buffers=0"; do
	# shellcheck disable=SC2086
	same $args
	check "$args: fio (gzip, distinct, blocks) $FIO_STATS, pvcbench $PVC_STATS" \
		py "$FIO_STATS" "$PVC_STATS" <<'PY'
import sys
fg, fd, ft = map(int, sys.argv[1].split())
pg, pd, pt = map(int, sys.argv[2].split())
ok = ft == pt and abs(fg - pg) <= 0.03 * fg + 4096 and abs(fd - pd) <= 0.03 * ft + 1
sys.exit(0 if ok else 1)
PY
done
rm -f "$DATA/f.dat" "$DATA/p.dat"
check "nothing left in the data directory" dir_is_empty "$DATA"

finish
