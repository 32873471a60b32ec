#!/bin/bash
# start_at.sh - --start-at=TIME and PVCBENCH_START_AT: pods that start together.
#
# - A short `pvcbench fio` run told to start 2 s ahead (RFC 3339 with fractional seconds, as
#   --start-at TIME after the command) begins measuring no earlier than that: the JSON's
#   series start_unix_ms (the start barrier's wall clock) is at or after the time, and not
#   absurdly later (10 s); stderr says it waits. The same with PVCBENCH_START_AT=@UNIXSECONDS.
# - A time already past starts at once, with a note saying how late; the flag wins over the
#   environment variable.
# - SIGTERM (SIGINT) during the wait: exit 143 (130) within 1 s, nothing on stdout, no data file.
# - A bad TIME, on the flag or in the environment: exit 2, one line naming it and the forms.
# - Every command takes it, wherever it stands after the program name (version, --help).
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc

new_workdir

# at SECONDS [rfc3339|unix]: sets AT (the text) and AT_MS (its instant in ms) to now + SECONDS
at() {
	local r
	r=$(python3 - "$1" "${2:-rfc3339}" <<'EOF'
import datetime, sys, time
t = time.time() + float(sys.argv[1])
t = round(t, 3)
if sys.argv[2] == "unix":
    text = "@%.3f" % t
else:
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    text = d.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (d.microsecond // 1000)
print(text, int(round(t * 1000)))
EOF
	)
	AT=${r% *}
	AT_MS=${r#* }
}
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }

FIO=(fio --name=sa --directory="$DATA" --size=8M --rw=randread --bs=4k --runtime=1
	--time_based --output-format=json)

# check_started_at DESC: the run in $OUT began measuring at or after AT_MS, within 10 s
check_started_at() {
	check "$1" py "$OUT" "$AT_MS" "$ERR" <<'EOF'
import json, sys
from pvctest import load_one_json
doc = load_one_json(sys.argv[1])
at = int(sys.argv[2])
start = doc["series"][0]["series"]["start_unix_ms"]
bad = []
# start_unix_ms is truncated to the ms: allow that one
if start < at - 1:
    bad.append("measurement began at %d, %d ms before the start time %d" % (start, at - start, at))
if start > at + 10000:
    bad.append("measurement began %d ms after the start time" % (start - at))
if not doc["jobs"][0]["read"]["total_ios"]:
    bad.append("no I/O measured")
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
}

note "--start-at TIME, 2 s ahead (RFC 3339)"
at 2
t0=$(now_ms)
run_pvc "${FIO[@]:0:1}" --start-at "$AT" "${FIO[@]:1}"
t1=$(now_ms)
check "--start-at: exit 0" test "$RC" = 0
check_started_at "--start-at: measuring began at the start time, not before"
check "--start-at: the run took at least until the start time" test "$t1" -ge "$AT_MS"
check "--start-at: stderr says it waits" \
	grep -qE "^pvcbench: waiting until ${AT%%.*}(\.[0-9]+)?Z \(in [12]\.[0-9] s\) to start$" "$ERR"
[ "$RC" = 0 ] || show_run
note "(waited $((AT_MS - t0)) ms, finished $((t1 - AT_MS)) ms after the start time)"

note "PVCBENCH_START_AT, 2 s ahead (@UNIXSECONDS)"
at 2 unix
run_env_pvc PVCBENCH_START_AT="$AT" -- "${FIO[@]}"
check "PVCBENCH_START_AT: exit 0" test "$RC" = 0
check_started_at "PVCBENCH_START_AT: measuring began at the start time, not before"
check "PVCBENCH_START_AT: stderr says it waits" grep -q "^pvcbench: waiting until " "$ERR"

note "a time already past"
at -30 unix
PAST=$AT
t0=$(now_ms)
run_pvc "${FIO[@]}" --start-at="$PAST"
t1=$(now_ms)
check "past: exit 0" test "$RC" = 0
check "past: starts at once (the 1 s run is over within 8 s)" test $((t1 - t0)) -lt 8000
check "past: a note says how late" grep -qE "^pvcbench: start time .* passed 3[0-9]\.[0-9] s ago" "$ERR"
at 3600
t0=$(now_ms)
run_env_pvc PVCBENCH_START_AT="$AT" -- "${FIO[@]}" --start-at="$PAST"
t1=$(now_ms)
check "the flag wins over PVCBENCH_START_AT: starts at once" \
	test "$RC" = 0 -a $((t1 - t0)) -lt 8000

# signalled SIG WANT_RC
signalled() {
	local sig=$1 want=$2 sr
	at 60
	sr=$(cd "$WORK" && python3 "$PVCTEST" signal-run "$sig" 1 "$OUT" "$ERR" -- "$PVC" \
		"${FIO[@]}" --start-at="$AT")
	check "SIG$sig during the wait: exit $want within 1 s" py "$sr" "$want" <<'EOF'
import json, sys
r = json.loads(sys.argv[1])
bad = []
if not r["alive_when_signalled"]:
    bad.append("it had ended before the signal")
if r["hung"]:
    bad.append("still waiting 20 s after the signal")
elif r["rc"] != int(sys.argv[2]):
    bad.append("exit status %d" % r["rc"])
elif r["exit_after_signal_s"] > 1.0:
    bad.append("exited %.2f s after the signal" % r["exit_after_signal_s"])
for b in bad:
    print("    " + b)
sys.exit(1 if bad else 0)
EOF
	check "SIG$sig during the wait: nothing on stdout" test ! -s "$OUT"
	check "SIG$sig during the wait: nothing run (no data file)" dir_is_empty "$DATA"
}
note "a signal during the wait"
signalled TERM 143
signalled INT 130

note "bad times"
run_pvc "${FIO[@]}" --start-at=tomorrow
check "--start-at=tomorrow: exit 2, one line naming it and the forms, nothing run" \
	test "$RC" = 2 -a "$(wc -l <"$ERR")" = 1 -a ! -s "$OUT"
check "--start-at=tomorrow: the message" grep -qF \
	"pvcbench fio: --start-at=tomorrow: not a time; use RFC 3339 (2026-11-25T18:00:00Z" "$ERR"
check "--start-at=tomorrow: the message names @UNIXSECONDS" grep -qF "@UNIXSECONDS" "$ERR"
check "--start-at=tomorrow: no data file" dir_is_empty "$DATA"
run_env_pvc PVCBENCH_START_AT=2026-11-25T18:00:00 -- "${FIO[@]}"
check "PVCBENCH_START_AT without an offset: exit 2 naming the variable" \
	test "$RC" = 2 -a ! -s "$OUT"
check "PVCBENCH_START_AT without an offset: the message" \
	grep -qF "pvcbench fio: PVCBENCH_START_AT=2026-11-25T18:00:00: not a time" "$ERR"
run_pvc fio --start-at
check "--start-at without TIME: exit 2" test "$RC" = 2
check "--start-at without TIME: the message" grep -qF "pvcbench fio: --start-at needs a TIME" "$ERR"

note "every command, anywhere after the program name"
run_pvc --start-at="$PAST" --version
check "pvcbench --start-at=PAST --version: prints the version" \
	test "$RC" = 0 -a "$(cut -d' ' -f1 "$OUT")" = pvcbench
run_pvc version --start-at "$PAST"
check "pvcbench version --start-at PAST: prints the version" test "$RC" = 0 -a -s "$OUT"
run_pvc summary --start-at="$PAST" --help
check "pvcbench summary --start-at=PAST --help: the help, exit 0" \
	grep -q "^usage: pvcbench \[summary\]" "$OUT"

finish
