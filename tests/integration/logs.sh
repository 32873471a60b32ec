#!/bin/bash
# logs.sh - fio's log files (write_bw_log, write_iops_log, write_lat_log, write_hist_log and the
# options that shape them), written by pvcbench fio and by fio 3.33 from the same job file, each
# in its own empty working directory. What must agree exactly: the names of the files made, the
# columns of every row (log_offset adds one, log_prio prints the priority as 0x0000), the rows
# of per-I/O logs (one per I/O: a size-bound job does the same I/Os), the direction and block
# size columns, and the histogram's 3 + 1856 / 2^coarseness columns. Within noise: the rows of
# windowed logs (log_avg_msec, log_hist_msec) of a time-bound job. Each entry's fields must be
# integers, times must not go backwards (per file, per direction), and fio's own reader of
# histogram logs' format must hold.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd fio

new_workdir
export LOGTEST_DATA=$DATA

# compare NAME: runs $WORK/NAME.fio with fio in fio-NAME/ and pvcbench in pvc-NAME/, both on
# their own data file, then compares the logs. TOLERANCE (rows of windowed logs) from $2.
compare() {
	local name=$1 tolerance=${2:-0}
	mkdir -p "$WORK/fio-$name" "$WORK/pvc-$name"
	(cd "$WORK/fio-$name" && LOGTEST_FILE=$DATA/fio.dat timeout -k 5 "$RUN_TIMEOUT" \
		fio "$WORK/$name.fio" --output=/dev/null >"$WORK/fio-$name.err" 2>&1)
	local frc=$?
	(cd "$WORK/pvc-$name" && LOGTEST_FILE=$DATA/pvc.dat timeout -k 5 "$RUN_TIMEOUT" \
		"$PVC" fio "$WORK/$name.fio" --output-format=json >"$OUT" 2>"$ERR")
	RC=$?
	rm -f "$DATA"/*.dat
	if [ "$frc" != 0 ]; then
		fail "$name: fio itself fails on the job (exit $frc)"
		sed 's/^/    /' "$WORK/fio-$name.err"
		return
	fi
	if [ "$RC" != 0 ]; then
		fail "$name: pvcbench fio runs the job"
		show_run
		return
	fi
	check "$name: the same log files, columns and rows as fio's" \
		py "$WORK/fio-$name" "$WORK/pvc-$name" "$tolerance" <<'EOF'
import os, sys
fio_dir, pvc_dir, tolerance = sys.argv[1], sys.argv[2], int(sys.argv[3])
bad = []
names = lambda d: sorted(n for n in os.listdir(d) if n.endswith(".log"))
if names(fio_dir) != names(pvc_dir):
    bad.append("files %r, fio made %r" % (names(pvc_dir), names(fio_dir)))

def rows(path):
    out = []
    for i, line in enumerate(open(path)):
        cols = line.rstrip("\n").split(", ")
        try:
            vals = [int(c, 16) if c.startswith("0x") else int(c) for c in cols]
        except ValueError:
            bad.append("%s:%d: not integers: %r" % (os.path.basename(path), i + 1, line))
            return out
        out.append((cols, vals))
    return out

for n in names(fio_dir):
    if not os.path.exists(os.path.join(pvc_dir, n)):
        continue
    f, p = rows(os.path.join(fio_dir, n)), rows(os.path.join(pvc_dir, n))
    # windowed logs of a time-bound job: fio's own count varies with the machine's load
    allowed = max(tolerance, len(f) // 2) if tolerance else 0
    if abs(len(f) - len(p)) > allowed:
        bad.append("%s: %d rows, fio %d (tolerance %d)" % (n, len(p), len(f), allowed))
    shape = lambda r: sorted(set((len(c), c[-1].startswith("0x")) for c, _ in r))
    if f and p and shape(f) != shape(p):
        bad.append("%s: (columns, hex last column) %r, fio %r" % (n, shape(p), shape(f)))
    hist = n.endswith("_clat_hist.1.log") or "_clat_hist." in n
    dircol, bscol = (1, 2) if hist else (2, 3)
    for what, col in (("directions", dircol), ("block sizes", bscol)):
        sf = sorted(set(v[col] for _, v in f))
        sp = sorted(set(v[col] for _, v in p))
        if p and f and sf != sp:
            bad.append("%s: %s %r, fio %r" % (n, what, sp, sf))
    # an appended file (per_job_logs=0) holds one clone's rows after another's
    last = {}
    for _, v in (p if n.count(".") == 2 else []):
        d = v[dircol]
        if v[0] < last.get(d, 0):
            bad.append("%s: time %d after %d in direction %d" % (n, v[0], last[d], d))
            break
        last[d] = v[0]
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}

# every I/O: 1024 I/Os of a 4 MiB file, as many rows in each per-I/O log
cat >per_io.fio <<'EOF'
[global]
filename=${LOGTEST_FILE}
size=4m
bs=4k
ioengine=psync
[lg]
rw=randrw
write_bw_log=lg
write_iops_log=lg
write_lat_log=lg
EOF
compare per_io 0

# log_offset adds the offset column; log_prio turns the last one into 0x0000; two clones
cat >offset_prio.fio <<'EOF'
[global]
filename=${LOGTEST_FILE}
size=2m
bs=4k
ioengine=psync
[op]
rw=randread
numjobs=2
write_lat_log=op
write_iops_log=op
log_offset=1
log_prio=1
EOF
compare offset_prio 0

# per_job_logs=0: one file per log, both clones' rows in it
cat >shared.fio <<'EOF'
[global]
filename=${LOGTEST_FILE}
size=2m
bs=8k
ioengine=psync
[sh]
rw=write
numjobs=2
per_job_logs=0
write_bw_log=sh
write_lat_log=sh
EOF
compare shared 0

# windows: log_avg_msec (mean, and max), log_hist_msec with coarseness, for a second
cat >windows.fio <<'EOF'
[global]
filename=${LOGTEST_FILE}
size=4m
bs=4k
ioengine=psync
time_based
runtime=1
[win]
rw=randrw
write_bw_log=win
write_iops_log=win
write_lat_log=win
write_hist_log=win
log_avg_msec=200
log_hist_msec=250
log_hist_coarseness=3
EOF
compare windows 3

# each window's entry comes at the first I/O at least log_avg_msec past the window's start
# (the rate logs: 1 ms earlier at most), the last one at the end; 1000 ms of 200 ms windows
check "log_avg_msec=200: entries on the windows' grid, 4 to 6 per direction" \
	py "$WORK/pvc-windows" <<'EOF'
import os, sys
bad = []
for name, slack in (("win_clat.1.log", 0), ("win_lat.1.log", 0), ("win_bw.1.log", 1),
                    ("win_iops.1.log", 1)):
    rows = [list(map(int, l.split(", "))) for l in open(os.path.join(sys.argv[1], name))]
    for d in (0, 1):
        t = [r[0] for r in rows if r[2] == d]
        if not 4 <= len(t) <= 6:
            bad.append("%s: %d entries of direction %d: %r" % (name, len(t), d, t))
        for a, b in zip(t, t[1:-1]):
            if b < a - a % 200 + 200 - slack:
                bad.append("%s: direction %d: entry at %d ms, the window after %d ends at %d"
                           % (name, d, b, a, a - a % 200 + 200))
        if any(r[3] or r[4] for r in rows):
            bad.append("%s: windowed entries with a bs or offset" % name)
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF

cat >max.fio <<'EOF'
[global]
filename=${LOGTEST_FILE}
size=4m
bs=4k
ioengine=psync
time_based
runtime=1
[max]
rw=randread
write_lat_log=max
log_avg_msec=100
log_max_value=1
log_offset=1
EOF
compare max 3

# log_unix_epoch: times in ms since 1970
cat >epoch.fio <<'EOF'
[global]
filename=${LOGTEST_FILE}
size=1m
bs=4k
ioengine=psync
[ep]
rw=read
write_iops_log=ep
log_unix_epoch=1
EOF
compare epoch 0
check "log_unix_epoch: times after 2020 and within a minute of now" \
	py "$WORK/pvc-epoch/ep_iops.1.log" <<'EOF'
import sys, time
t = [int(l.split(", ")[0]) for l in open(sys.argv[1])]
now = time.time() * 1000
sys.exit(0 if t and all(abs(x - now) < 60000 for x in t) else 1)
EOF

# the histogram log: fio's columns (time, direction, bs, then the counts); the counts of all
# rows add up to no more than the I/Os done (the last partial window is not written)
check "histogram rows: 3 + 1856 / 8 columns, counts within the I/Os done" \
	py "$WORK/pvc-windows/win_clat_hist.1.log" "$WORK/pvc-windows/win_iops.1.log" <<'EOF'
import sys
rows = [list(map(int, l.split(", "))) for l in open(sys.argv[1])]
bad = [len(r) for r in rows if len(r) != 3 + 1856 // 8]
if not rows or bad:
    print("    %d rows, widths %r" % (len(rows), sorted(set(bad))))
    sys.exit(1)
# the iops log of 200 ms windows: IOPS * 0.2 s per row, roughly the I/Os
ios = sum(int(l.split(", ")[1]) * 0.2 for l in open(sys.argv[2]))
counted = sum(sum(r[3:]) for r in rows)
if not 0 < counted <= ios * 1.5:
    print("    histogram counts %d, about %d I/Os done" % (counted, ios))
    sys.exit(1)
EOF

# refused, with one line naming the option
cat >refused.fio <<'EOF'
[global]
filename=${LOGTEST_FILE}
size=1m
[rf]
write_bw_log=rf
log_compression=1m
EOF
(cd "$WORK" && LOGTEST_FILE=$DATA/pvc.dat timeout 30 "$PVC" fio refused.fio >"$OUT" 2>"$ERR")
RC=$?
check "log_compression refused: exit 2, one line naming it, no log made" \
	test "$RC" = 2 -a "$(wc -l <"$ERR")" = 1 -a -z "$(ls "$WORK"/rf_* 2>/dev/null)"
grep -q 'log_compression=1048576: compressed logs are not supported' "$ERR" ||
	{ fail "log_compression message"; sed 's/^/    /' "$ERR"; }
finish
