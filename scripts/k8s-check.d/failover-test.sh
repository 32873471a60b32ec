#!/usr/bin/env bash
# failover-test.sh KUBECTL: tests k8s/failover.sh without a cluster, against fake-kubectl (put
# on PATH as kubectl; KUBECTL is the real one, for kustomize). Prints "  ok: ..." and
# "  FAILED: ..." lines like validate.mjs, and exits 1 on a failure.
#   - --dry-run, for block, postgres and kafka, planned and unplanned: the exact sequence of the
#     commands that change the cluster it prints (apply, waits, drain or taint, the checker,
#     kubectl cp, uncordon or the taint removed last), that it ran none of them (the fake refuses
#     them), that every namespaced command names the namespace, and that the overlay it applies
#     puts every object in the namespace and the storage class on the volume under test only
#   - runs for real against the fake (it answers as a cluster where the pod moves after the
#     drain): the results copied and merged in order, PASSED and exit 0; the checker failed,
#     the writer's check before write, or the merge: exit 1; the pod never moves: it gives up at --timeout, exit 1; each time the
#     node is uncordoned last. Unplanned: the out-of-service taint only once the node is
#     NotReady (never while it is Ready), removed last. postgres and kafka: the containers' JSON
#     collected by collect-results.sh.
#   - bad arguments: exit 2 with one line
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
real=${1:?usage: failover-test.sh KUBECTL}
failures=0
ok() { echo "  ok: $*"; }
fail() {
	echo "  FAILED: $*"
	failures=$((failures + 1))
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pvcbench-failover-test-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin"
ln -s "$PWD/scripts/k8s-check.d/fake-kubectl" "$tmp/bin/kubectl"
cat >"$tmp/bin/pvcbench" <<-'EOF'
	#!/bin/sh
	# a stand-in for pvcbench merge: records its arguments
	echo "$*" >>"$FAKE_PVCBENCH_LOG"
	echo "merged: $*"
EOF
chmod +x "$tmp/bin/pvcbench"
export FAKE_KUBECTL_REAL=$real FAKE_PVCBENCH_LOG=$tmp/merge.log
export PATH=$tmp/bin:$PATH PVCBENCH=$tmp/bin/pvcbench
unset KUBECTL

ns=pvcbench-ft
# one case: NAME ARGS...; leaves $case/{out,err,log,res} and the status in $rc
runcase() {
	local name=$1
	shift
	case=$tmp/$name
	mkdir -p "$case"
	: >"$case/log"
	FAKE_KUBECTL_LOG=$case/log timeout 120 k8s/failover.sh "$@" --namespace "$ns" \
		--results "$case/res" >"$case/out" 2>"$case/err"
	rc=$?
}
# the kubectl commands printed on stdout, without "+ kubectl " and the namespace
printed() { sed -n "s/^+ kubectl //p" "$case/out" | sed "s/^-n $ns //"; }
# expect WHAT PREFIX...: the printed commands are exactly these, each starting with its prefix
expect() {
	local what=$1 i=0 line problems=()
	shift
	local want=("$@")  # the expected prefixes
	while IFS= read -r line; do
		if ((i >= ${#want[@]})); then
			problems+=("more than expected: $line")
		elif [[ $line != "${want[i]}"* ]]; then
			problems+=("command $((i + 1)) is \"$line\", not \"${want[i]} ...\"")
		fi
		i=$((i + 1))
	done < <(printed)
	((i >= ${#want[@]})) || problems+=("${#want[@]} commands expected, $i printed")
	if ((rc != 0)); then problems+=("exit $rc: $(tail -n 2 "$case/err" | tr '\n' ' ')"); fi
	if grep -Eq '^(REFUSED|UNEXPECTED)' "$case/log"; then problems+=("$(grep -E '^(REFUSED|UNEXPECTED)' "$case/log" | head -n 2 | tr '\n' ' ')"); fi
	# every namespaced command names the namespace (nodes are not namespaced, the overlay
	# holds the namespace for apply -k, the brokers are in theirs)
	while IFS= read -r line; do
		problems+=("without -n $ns: $line")
	done < <(cat "$case/log" <(sed -n 's/^+ kubectl //p' "$case/out") |
		grep -Ev "^-n ($ns|kafka) |^(drain|uncordon|taint node|delete node|get node|kustomize|apply -k) " | sort -u)
	if ((${#problems[@]})); then fail "$what: ${problems[*]}"; else ok "$what"; fi
}
# rendered CLASS-PVCS: the overlay as applied: every object in the namespace, and the storage
# class on the volumes under test (JSON paths into the rendered objects)
rendered() {
	local what=$1 classes_wanted=$2 y=$case/res/applied.yaml problems=()
	[[ -s $y ]] || problems+=("no applied.yaml")
	local objects namespaced
	objects=$(grep -c '^kind: ' "$y" 2>/dev/null || echo 0)
	namespaced=$(grep -c "^  namespace: $ns\$" "$y" 2>/dev/null || echo 0)
	((objects > 0 && objects == namespaced)) || problems+=("$namespaced of $objects objects in $ns")
	local classes
	classes=$(grep -c 'storageClassName: fast-ssd' "$y" 2>/dev/null || echo 0)
	((classes == classes_wanted)) || problems+=("storageClassName fast-ssd $classes times, not $classes_wanted")
	# and the pvcbench containers' PVCBENCH_STORAGE_CLASS (their metrics' label) says it too
	local labelled
	labelled=$(grep -A1 'name: PVCBENCH_STORAGE_CLASS$' "$y" 2>/dev/null | grep -c 'value: fast-ssd' || true)
	((labelled > 0)) || problems+=("no PVCBENCH_STORAGE_CLASS: fast-ssd")
	if ((${#problems[@]})); then fail "$what: ${problems[*]}"; else ok "$what"; fi
}

drain=("drain node-a --ignore-daemonsets --delete-emptydir-data")
taint="taint node node-a node.kubernetes.io/out-of-service=nodeshutdown:NoExecute"
block_after=(
	"scale statefulset/pvcbench-writer --replicas=0"
	"wait --for=delete pod/pvcbench-writer-0"
	"patch job pvcbench-failover-checker --type=merge -p"
	"patch job pvcbench-failover-results --type=merge -p"
	"cp -c results pvcbench-failover-results-x7k2p:/journal/writer-pvcbench-writer-0-UNIXTIME.json"
	"cp -c results pvcbench-failover-results-x7k2p:/journal/check-before-write-pvcbench-writer-0-UNIXTIME.json"
	"cp -c results pvcbench-failover-results-x7k2p:/journal/checker.json"
	"delete job pvcbench-failover-results"
)
block_before=("apply -k" "rollout status deployment/pvcbench-witness" "rollout status statefulset/pvcbench-writer")

runcase block-planned-dry block --planned --storage-class fast-ssd --dry-run
expect "failover.sh block --planned --dry-run: apply, drain, checker, copy, uncordon" \
	"${block_before[@]}" "${drain[@]}" "${block_after[@]}" "uncordon node-a"
rendered "failover.sh block: the overlay puts every object in $ns, the storage class on the data PVC" 1

runcase block-unplanned-dry block --unplanned --storage-class fast-ssd --dry-run
expect "failover.sh block --unplanned --dry-run: out-of-service taint, checker, taint removed" \
	"${block_before[@]}" "$taint" "${block_after[@]}" "$taint-"
grep -q 'lose node node-a now' "$case/err" || fail "failover.sh --unplanned does not say how to lose the node"

runcase block-delete-node-dry block --unplanned --delete-node --dry-run
expect "failover.sh block --unplanned --delete-node --dry-run: the node deleted, nothing to undo" \
	"${block_before[@]}" "delete node node-a" "${block_after[@]}"

runcase postgres-planned-dry postgres --storage-class fast-ssd --dry-run
expect "failover.sh postgres --dry-run: apply, drain the server's node, uncordon" \
	"apply -k" "rollout status statefulset/failover-postgres" "${drain[@]}" "uncordon node-a"
grep -q "^+ env KUBECTL=kubectl\\\\ -n\\\\ $ns CONTAINER=client .*/collect-results.sh failover-pgbench " "$case/out" ||
	fail "failover.sh postgres --dry-run: no collect-results.sh of the client's log: $(grep collect "$case/out")"
rendered "failover.sh postgres: the overlay puts every object in $ns, the storage class on the server's volume" 1

runcase kafka-planned-dry kafka --dry-run
expect "failover.sh kafka --dry-run: the broker's node drained and uncordoned" \
	"apply -k" "${drain[@]}" "uncordon node-a"
grep -q '^-n kafka get pods -l app.kubernetes.io/name=kafka ' "$case/log" ||
	fail "failover.sh kafka: the broker is not looked for in namespace kafka"

# ---- for real, against the fake cluster ----------------------------------------------------

export FAKE_KUBECTL_MUTATE=1
last_is_uncordon() { [[ $(tail -n 1 "$case/log") == "uncordon node-a " ]]; }
: >"$FAKE_PVCBENCH_LOG"
runcase block-live block --warmup 0 --timeout 20
problems=()
((rc == 0)) || problems+=("exit $rc: $(tail -n 2 "$case/err" | tr '\n' ' ')")
for f in checker.json check-before-write-pvcbench-writer-0-1764417700.json \
	writer-pvcbench-writer-0-1764417600.json writer-pvcbench-writer-0-1764417720.json \
	failover-report.txt failover-report.json events.txt; do
	[[ -s $case/res/$f ]] || problems+=("no $f")
done
r=$case/res
# the writer's runs only: a check's run would add a gap of its own to the report
merged="merge $r/writer-pvcbench-writer-0-1764417600.json $r/writer-pvcbench-writer-0-1764417720.json"
grep -qxF "$merged" "$FAKE_PVCBENCH_LOG" || problems+=("not the writer's runs merged in order: $(head -n 1 "$FAKE_PVCBENCH_LOG")")
for f in check-before-write-pvcbench-writer-0-1764417700.json checker.json; do
	grep -qF "$f: 10 acknowledged writes from witness pvcbench-witness:7070: intact 10, lost 0, stale 0, corrupt 0, torn 0, unacknowledged 0: ok" \
		"$r/failover-report.txt" || problems+=("no summary of $f in failover-report.txt")
done
grep -q 'runs again, on node node-b, after its check of the interrupted run passed' "$r/events.txt" ||
	problems+=("the move to node-b and the check before write are not in events.txt")
grep -q 'PASSED' "$r/events.txt" || problems+=("no PASSED")
last_is_uncordon || problems+=("the last command is not uncordon: $(tail -n 1 "$case/log")")
if ((${#problems[@]})); then fail "failover.sh block, run: ${problems[*]}"; else
	ok "failover.sh block, run against the fake cluster: results copied, the writer's runs merged in order, the checks summed up, PASSED, uncordoned"
fi

FAKE_JOB_RESULT=/1 runcase block-live-lost block --warmup 0 --timeout 20
if ((rc == 1)) && grep -q 'FAILED: the check failed' "$case/err" && last_is_uncordon; then
	ok "failover.sh block, the checker failed: exit 1, FAILED, uncordoned"
else fail "failover.sh block, the checker failed: exit $rc, last: $(tail -n 1 "$case/log")"; fi

FAKE_BEFORE_WRITE=" 1" runcase block-live-before-write block --warmup 0 --timeout 20
if ((rc == 1)) && grep -q 'FAILED: on node node-b, the check before the writer started again' "$case/err" &&
	grep -q '^-n [^ ]* patch job pvcbench-failover-checker' "$case/log" && last_is_uncordon; then
	ok "failover.sh block, the check before write failed: exit 1, the checker still run, uncordoned"
else fail "failover.sh block, the check before write failed: exit $rc, last: $(tail -n 1 "$case/log")"; fi

FAKE_MOVE=0 runcase block-live-stuck block --warmup 0 --timeout 3
if ((rc == 1)) && grep -q 'gave up after 3s waiting for pvcbench-writer-0 to run again' "$case/err" &&
	last_is_uncordon && ! grep -q '^-n [^ ]* patch job' "$case/log"; then
	ok "failover.sh block, the writer never moves: gives up at --timeout, exit 1, no checker, uncordoned"
else fail "failover.sh block, the writer never moves: exit $rc, last: $(tail -n 1 "$case/log")"; fi

runcase block-unplanned-live block --unplanned --warmup 0 --timeout 20
if ((rc == 0)) && grep -q "^$taint \$" "$case/log" && [[ $(tail -n 1 "$case/log") == "$taint- " ]] &&
	! grep -q '^drain ' "$case/log"; then
	ok "failover.sh block --unplanned, run: tainted out-of-service once NotReady, no drain, the taint removed last"
else fail "failover.sh block --unplanned, run: exit $rc, last: $(tail -n 1 "$case/log")"; fi

FAKE_NODE_READY=True runcase block-unplanned-up block --unplanned --warmup 0 --timeout 3
if ((rc == 1)) && grep -q 'gave up after 3s waiting for node-a to be NotReady' "$case/err" &&
	! grep -Eq '^(taint|delete|drain) ' "$case/log"; then
	ok "failover.sh block --unplanned, the node stays Ready: gives up, never taints it"
else fail "failover.sh block --unplanned, the node stays Ready: exit $rc, log: $(grep -E '^(taint|delete|drain)' "$case/log")"; fi

runcase postgres-live postgres --warmup 0 --timeout 20
if ((rc == 0)) && [[ -s $case/res/client/failover-pgbench-x7k2p.json && -s $case/res/failover-report.txt ]] &&
	grep -q '^-n pvcbench-ft logs failover-pgbench-x7k2p -c client' "$case/log" && last_is_uncordon; then
	ok "failover.sh postgres, run against the fake cluster: the client's JSON collected and merged, uncordoned"
else fail "failover.sh postgres, run: exit $rc: $(tail -n 2 "$case/err" | tr '\n' ' ')"; fi
runcase kafka-live kafka --warmup 0 --timeout 20
if ((rc == 0)) && [[ -s $case/res/producer/failover-kafka-x7k2p.json && -s $case/res/consumer/failover-kafka-x7k2p.json ]] &&
	grep -q '^drain node-a ' "$case/log" && last_is_uncordon; then
	ok "failover.sh kafka, run against the fake cluster: the broker's node drained, producer and consumer collected, uncordoned"
else fail "failover.sh kafka, run: exit $rc: $(tail -n 2 "$case/err" | tr '\n' ' ')"; fi

PVCBENCH=false runcase block-live-unmerged block --warmup 0 --timeout 20
if ((rc == 1)) && grep -q 'pvcbench merge failed' "$case/err" && last_is_uncordon; then
	ok "failover.sh block, the merge failed: exit 1 though the check passed, uncordoned"
else fail "failover.sh block, the merge failed: exit $rc: $(tail -n 2 "$case/err" | tr '\n' ' ')"; fi
unset FAKE_KUBECTL_MUTATE

# ---- bad arguments ------------------------------------------------------------------------

for args in "" "block postgres" "block --warmup soon" "block --delete-node" "block --namespace Bad_NS" \
	"block --bogus" "block --timeout"; do
	# shellcheck disable=SC2086 # the words of each case
	out=$(FAKE_KUBECTL_LOG=$tmp/bad.log k8s/failover.sh $args 2>&1 >/dev/null)
	rc=$?
	if ((rc == 2)) && [[ $(wc -l <<<"$out") == 1 && $out == failover:* ]]; then
		ok "failover.sh $args: exit 2, one line ($out)"
	else fail "failover.sh $args: exit $rc, \"$out\""; fi
done
[[ ! -e $tmp/bad.log ]] || fail "failover.sh with bad arguments ran kubectl: $(head -n 1 "$tmp/bad.log")"

exit $((failures > 0))
