#!/bin/bash
# environment.sh - every result says where it ran: the "environment" object (pvcbench's version
# and what it was built with, kernel, hostname, CPU, memory, the downward API's pod, node,
# namespace and storage class) compared with what this machine says itself, in pvcbench fio's
# and kafka produce's JSON and in what merge keeps per source; and each block job's "target":
# an ext4 on a loop device mounted with noatime (its fstype, options, mount point and the loop
# device's numbers and queue attributes from /sys), a tmpfs (no device), a block device.
source "$(dirname "$0")/../lib/lib.bash" "$@"
require_pvc
require_cmd python3 losetup

new_workdir
OUT=$WORK/out ERR=$WORK/err
run_env_pvc PVCBENCH_POD=pod-7 NODE_NAME=node-a POD_NAMESPACE=bench \
	PVCBENCH_STORAGE_CLASS=fast-ssd -- fio --name=w --directory="$WORK" --rw=write --size=1m \
	--output-format=json
cp "$OUT" "$WORK/a.json"
py "$WORK/a.json" "$(uname -r)" "$(uname -n)" "$(getconf _NPROCESSORS_ONLN)" <<'PY' && pass "environment: this machine's figures and the pod's" || fail "environment"
import json, sys
d = json.load(open(sys.argv[1]))
e = d["environment"]
mem = [int(l.split()[1]) * 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal:")][0]
want = dict(kernel=sys.argv[2], hostname=sys.argv[3], cores=int(sys.argv[4]), memory=mem,
            k8s={"pod": "pod-7", "node": "node-a", "namespace": "bench",
                 "storage_class": "fast-ssd"})
got = dict(kernel=e["kernel"]["release"], hostname=e["hostname"], cores=e["cpu"]["cores"],
           memory=e["memory_bytes"], k8s=e["kubernetes"])
bad = [k for k in want if want[k] != got[k]]
bad += [] if e["pvcbench_version"] and "psync" in e["built_in"] else ["version/built_in"]
if bad:
    print("    differs: %r\n    got %r\n    want %r" % (bad, got, want))
sys.exit(1 if bad else 0)
PY
run_pvc fio --name=w --directory="$WORK" --rw=write --size=1m --output-format=json
check "without the variables, the pod's fields are null" py "$OUT" <<'PY'
import json, sys
k = json.load(open(sys.argv[1]))["environment"]["kubernetes"]
sys.exit(0 if all(v is None for v in k.values()) and len(k) == 4 else 1)
PY

mount_loop_ext4 "$WORK/img" 32 "$WORK/mnt"
mount -o remount,noatime "$WORK/mnt" || skip "cannot remount $WORK/mnt noatime"
DEV=$(findmnt -n -o SOURCE "$WORK/mnt")
run_pvc fio --name=w --directory="$WORK/mnt" --rw=write --size=1m --output-format=json
py "$OUT" "$WORK/mnt" "$DEV" <<'PY' && pass "target: the loop-mounted ext4, its options and its device" || fail "target ext4"
import json, os, sys
t = json.load(open(sys.argv[1]))["jobs"][0]["target"]
st = os.stat(sys.argv[3])
majmin = "%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
sysq = "/sys/dev/block/%s/queue/" % majmin
want = dict(mount_point=os.path.realpath(sys.argv[2]), fstype="ext4", source=sys.argv[3],
            major_minor=majmin, rotational=open(sysq + "rotational").read().strip(),
            logical_block_size=open(sysq + "logical_block_size").read().strip())
got = dict(mount_point=t.get("mount_point"), fstype=t.get("fstype"), source=t.get("source"),
           major_minor=t["device"]["major_minor"], rotational=t["device"]["rotational"],
           logical_block_size=t["device"]["logical_block_size"])
bad = [k for k in want if want[k] != got[k]]
if "noatime" not in t.get("mount_options", "").split(","):
    bad.append("mount_options %r" % t.get("mount_options"))
if bad:
    print("    differs: %r\n    got %r\n    want %r" % (bad, got, want))
sys.exit(1 if bad else 0)
PY
run_pvc fio --name=w --filename="$DEV" --rw=read --size=1m --output-format=json
check "target: a block device is named as one, with its device" py "$OUT" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["jobs"][0]["target"]
sys.exit(0 if t.get("type") == "block device" and ":" in t["device"]["major_minor"] else 1)
PY
mount_fs tmpfs size=8m "$WORK/tmp"
run_pvc fio --name=w --directory="$WORK/tmp" --rw=write --size=1m --output-format=json
check "target: a tmpfs has no device" py "$OUT" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["jobs"][0]["target"]
sys.exit(0 if t.get("fstype") == "tmpfs" and "device" not in t else 1)
PY

if "$PVC" merge --help >/dev/null 2>&1; then
	cp "$OUT" "$WORK/b.json"
	run_pvc merge --output-format=json "$WORK/a.json" "$WORK/b.json"
	check "merge keeps each source's environment" py "$OUT" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["sources"]
sys.exit(0 if [x["environment"]["kubernetes"]["pod"] for x in s] == ["pod-7", None] else 1)
PY
fi
if "$PVC" kafka produce --help >/dev/null 2>&1; then
	run_env_pvc PVCBENCH_NODE=node-k -- kafka produce --topic t --num-records 100 \
		--record-size 100 --throughput -1 --bootstrap-server mock --output-format json
	check "kafka produce's JSON has it too" py "$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["environment"]["kubernetes"]["node"] == "node-k" else 1)
PY
fi
finish
