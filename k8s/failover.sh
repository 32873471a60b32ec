#!/usr/bin/env bash
# failover.sh: the seed's failover tests, measured: moves the pod that holds the data (planned:
# drains its node; unplanned: has you lose the node) while a pvcbench workload runs, waits until
# the pod runs again on another node, checks that nothing acknowledged was lost, collects the
# results and merges them into one report (outage window, recovery, lost = 0).
#   k8s/failover.sh block|postgres|kafka [--planned|--unplanned] [--namespace NS]
#       [--storage-class SC] [--results DIR] [--warmup SECONDS] [--timeout SECONDS]
#       [--delete-node] [--kafka-namespace NS] [--kafka-selector LABELS] [--dry-run]
#   block     k8s/scenarios/failover-block: moves the writer (pvcbench-writer-0), whose init
#             container checks the interrupted run before it writes again; then stops it, runs
#             the checker Job (verify_only against the witness), merges the writer's runs
#             (writer-*.json) and adds the checks' counts
#   postgres  k8s/scenarios/failover-postgres: moves the server (failover-postgres-0) under the
#             pgbench client; the client's JSON has the outage and --check's verdict
#   kafka     k8s/scenarios/failover-kafka: moves the first broker pod of --kafka-selector
#             (default app.kubernetes.io/name=kafka) in --kafka-namespace (default kafka) under
#             the verified producer; the consumer accounts for every acknowledged record
#   --planned    (default) kubectl drain NODE --ignore-daemonsets --delete-emptydir-data
#   --unplanned  prints how to lose NODE (it cannot power a node off), waits until it is
#                NotReady, then taints it node.kubernetes.io/out-of-service (or with
#                --delete-node deletes it) so the pod and its volume are released elsewhere
#   --dry-run    runs only what reads (kubectl get, kubectl kustomize), prints every other
#                command it would run, and does not wait
# At the end (also on an error or ^C) the node is uncordoned, or the taint removed. Results in
# DIR (default failover-SCENARIO-UTCTIME): events.txt (what was done, when), the results, and
# failover-report.txt/.json. Exits 0 when the check passed, 1 when it failed or something
# went wrong, 2 on bad arguments. Environment: KUBECTL (default kubectl), PVCBENCH (the merge
# command, as k8s/collect-results.sh; default pvcbench, else the image through podman/docker).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
usage() { sed -n '2,28s/^# \{0,1\}//p' "$0"; }
bad() {
	echo "failover: $*" >&2
	exit 2
}

scenario="" mode=planned namespace="" storage_class="" results="" warmup=60 timeout=900
delete_node=0 kafka_ns=kafka kafka_sel=app.kubernetes.io/name=kafka dry=0
need() { (($1 >= 2)) || bad "$2 needs a value (try --help)"; }
while (($#)); do
	case $1 in
	-h | --help)
		usage
		exit 0
		;;
	block | postgres | kafka)
		[[ -z $scenario ]] || bad "$1: the scenario is already $scenario"
		scenario=$1
		;;
	--planned) mode=planned ;;
	--unplanned) mode=unplanned ;;
	--dry-run) dry=1 ;;
	--delete-node) delete_node=1 ;;
	--namespace | -n | --storage-class | --results | --warmup | --timeout | --kafka-namespace | \
		--kafka-selector)
		need $# "$1"
		case $1 in
		--namespace | -n) namespace=$2 ;;
		--storage-class) storage_class=$2 ;;
		--results) results=$2 ;;
		--warmup) warmup=$2 ;;
		--timeout) timeout=$2 ;;
		--kafka-namespace) kafka_ns=$2 ;;
		--kafka-selector) kafka_sel=$2 ;;
		esac
		shift
		;;
	--*=*) set -- "${1%%=*}" "${1#*=}" "${@:2}" && continue ;;
	*) bad "unknown argument $1: the scenario is block, postgres or kafka (try --help)" ;;
	esac
	shift
done
[[ -n $scenario ]] || bad "no scenario: block, postgres or kafka (try --help)"
[[ $warmup =~ ^[0-9]+$ ]] || bad "--warmup $warmup: a number of seconds (0 or more)"
[[ $timeout =~ ^[1-9][0-9]*$ ]] || bad "--timeout $timeout: a number of seconds (1 or more)"
[[ -z $namespace || $namespace =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] ||
	bad "--namespace $namespace: not a namespace name (lower case letters, digits and -)"
[[ -z $storage_class || $storage_class =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] ||
	bad "--storage-class $storage_class: not a storage class name"
((delete_node == 0)) || [[ $mode == unplanned ]] || bad "--delete-node goes with --unplanned"

read -r -a kubectl_cmd <<<"${KUBECTL:-kubectl}"
kc=("${kubectl_cmd[@]}")
[[ -z $namespace ]] || kc+=(-n "$namespace")
results=${results:-failover-$scenario-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$results"
results=$(cd "$results" && pwd)

say() { echo "failover: $(date -u +%H:%M:%S) $*" >&2; }
event() {
	say "$*"
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) $*" >>"$results/events.txt"
}
show() {
	printf '+'
	printf ' %q' "$@"
	printf '\n'
}
# run: a command that changes something or waits: printed, and run unless --dry-run
run() {
	show "$@"
	((dry)) || "$@"
}
# query: a command that only reads: printed and run, also under --dry-run; its output on stdout
query() {
	show "$@" >&2
	"$@"
}
# wait_for WHAT CHECK...: runs CHECK every 2 s until it succeeds, up to --timeout; once under
# --dry-run, without waiting
wait_for() {
	local what=$1 deadline=$((SECONDS + timeout))
	shift
	say "waiting for $what"
	if ((dry)); then
		"$@" >/dev/null 2>&1 || true
		say "(dry run: not waiting)"
		return 0
	fi
	until "$@"; do
		((SECONDS < deadline)) || {
			event "gave up after ${timeout}s waiting for $what"
			return 1
		}
		sleep 2
	done
}
pause() {
	say "letting it run ${1}s ($2)"
	((dry)) || sleep "$1"
}

# ---- the scenario's names -----------------------------------------------------------------

case $scenario in
block)
	target_ns=$namespace target_pod=pvcbench-writer-0 sts=pvcbench-writer
	;;
postgres)
	target_ns=$namespace target_pod=failover-postgres-0 sts=failover-postgres
	client_job=failover-pgbench client_container=client
	;;
kafka)
	target_ns=$kafka_ns target_pod="" sts=""
	client_job=failover-kafka client_container=producer
	[[ -z $storage_class ]] || say "--storage-class: ignored: the Kafka cluster's volumes are its own"
	storage_class=""
	;;
esac
tk=("${kubectl_cmd[@]}")
[[ -z $target_ns ]] || tk+=(-n "$target_ns")

# ---- undo at the end ----------------------------------------------------------------------

node="" undo=()
finish() {
	local rc=$?
	trap - EXIT INT TERM
	if ((${#undo[@]})); then
		event "undoing: ${undo[*]}"
		run "${kubectl_cmd[@]}" "${undo[@]}" || rc=1
	fi
	[[ $mode != unplanned || -z $node ]] || say "power $node on again when you are done"
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- apply --------------------------------------------------------------------------------

# the scenario as applied: an overlay in DIR, kept with the results
overlay=$results/overlay
mkdir -p "$overlay"
{
	echo "apiVersion: kustomize.config.k8s.io/v1beta1"
	echo "kind: Kustomization"
	echo "resources:"
	# kustomize takes only a relative path to a directory outside the overlay
	echo "  - $(realpath --relative-to="$overlay" "$here/scenarios/failover-$scenario")"
	[[ -z $namespace ]] || echo "namespace: $namespace"
	# k8s/components/storage-class puts the class on the volume under test (not the journal's
	# nor the witness's) and into PVCBENCH_STORAGE_CLASS: the metrics' and results' label
	if [[ -n $storage_class ]]; then
		echo "components:"
		echo "  - $(realpath --relative-to="$overlay" "$here/components/storage-class")"
		echo "configMapGenerator:"
		echo "  - name: pvcbench-storage-class"
		echo "    literals:"
		echo "      - STORAGE_CLASS=$storage_class"
	fi
} >"$overlay/kustomization.yaml"
event "scenario failover-$scenario, $mode, namespace ${namespace:-of the context}," \
	"storage class ${storage_class:-the default}"
query "${kubectl_cmd[@]}" kustomize "$overlay" >"$results/applied.yaml"
run "${kubectl_cmd[@]}" apply -k "$overlay"

jsonpath() { "${@:2}" -o "jsonpath=$1" 2>/dev/null; }
pod_running() { # POD CONTAINER [init]: the container is running now
	local field=containerStatuses
	[[ ${3:-} != init ]] || field=initContainerStatuses
	[[ -n $(jsonpath "{.status.${field}[?(@.name==\"$2\")].state.running.startedAt}" \
		"${kc[@]}" get pod "$1") ]]
}
job_pod() { jsonpath '{.items[0].metadata.name}' "${kc[@]}" get pods -l "job-name=$1"; }
client_running() {
	local pod
	pod=$(job_pod "$client_job") && [[ -n $pod ]] && pod_running "$pod" "$client_container" "$1"
}

case $scenario in
block)
	run "${kc[@]}" rollout status deployment/pvcbench-witness "--timeout=${timeout}s"
	run "${kc[@]}" rollout status "statefulset/$sts" "--timeout=${timeout}s"
	wait_for "the writer to run" pod_running "$target_pod" writer
	;;
postgres)
	run "${kc[@]}" rollout status "statefulset/$sts" "--timeout=${timeout}s"
	wait_for "the pgbench client to run (after its init)" client_running main
	;;
kafka)
	wait_for "the producer to run" client_running init
	target_pod=$(query "${tk[@]}" get pods -l "$kafka_sel" -o 'jsonpath={.items[0].metadata.name}' ||
		true)
	[[ -n $target_pod ]] || {
		((dry)) || {
			event "no broker pod with the labels $kafka_sel in namespace $kafka_ns" \
				"(--kafka-selector, --kafka-namespace)"
			exit 1
		}
		target_pod=BROKER-POD
	}
	;;
esac
event "the workload runs"
pause "$warmup" "the outage's recovery is measured against the 30 s before it"

# ---- the node -----------------------------------------------------------------------------

node=$(query "${tk[@]}" get pod "$target_pod" -o 'jsonpath={.spec.nodeName}' || true)
uid=$(query "${tk[@]}" get pod "$target_pod" -o 'jsonpath={.metadata.uid}' || true)
if [[ -z $node ]]; then
	((dry)) || {
		event "$target_pod has no node"
		exit 1
	}
	node=NODE-OF-$target_pod
fi
event "$target_pod runs on node $node"
if [[ -n ${client_job:-} ]]; then
	client_pod=$(job_pod "$client_job" || true)
	client_node=$(jsonpath '{.spec.nodeName}' "${kc[@]}" get pod "$client_pod" || true)
	if [[ $client_node == "$node" ]]; then
		event "the client runs on $node too: losing the node would take the client with it"
		exit 1
	fi
fi

before_write=""
moved() { # the target pod is a new one, on another node, ready (or its check failed)
	local got
	got=$(jsonpath '{.metadata.uid} {.spec.nodeName} {.status.conditions[?(@.type=="Ready")].status}' \
		"${tk[@]}" get pod "$target_pod") || return 1
	read -r new_uid new_node ready <<<"$got"
	[[ $new_uid != "$uid" && -n $new_node && $new_node != "$node" ]] || return 1
	# block: the writer's init container check-before-write checks the interrupted run
	# before the writer overwrites it; when it fails the writer never becomes ready
	if [[ $scenario == block ]]; then
		got=$(jsonpath '{.status.initContainerStatuses[?(@.name=="check-before-write")].state.terminated.exitCode} {.status.initContainerStatuses[?(@.name=="check-before-write")].lastState.terminated.exitCode}' \
			"${tk[@]}" get pod "$target_pod") || true
		if [[ " $got " =~ \ [1-9][0-9]*\  ]]; then
			before_write=failed
			return 0
		fi
	fi
	[[ $ready == True ]] || return 1
	[[ $scenario != block ]] || before_write=succeeded
}
node_lost() { # the node controller says so (Unknown or False), not a query that failed
	local ready
	ready=$(jsonpath '{.status.conditions[?(@.type=="Ready")].status}' \
		"${kubectl_cmd[@]}" get node "$node") && [[ $ready == Unknown || $ready == False ]]
}

if [[ $mode == planned ]]; then
	undo=(uncordon "$node")
	event "draining $node"
	run "${kubectl_cmd[@]}" drain "$node" --ignore-daemonsets --delete-emptydir-data \
		"--timeout=${timeout}s"
	event "drained $node"
else
	cat >&2 <<-EOF

		failover: lose node $node now, without draining it: stop it hard, for example
		  aws ec2 stop-instances --force --instance-ids ID-OF-$node
		  gcloud compute instances stop $node --zone ZONE   (an ACPI power-off: where the
		      kubelet's graceful node shutdown is on, it evicts the pods first, as a drain)
		  az vm stop --skip-shutdown --resource-group GROUP --name $node
		  virsh destroy $node                      (a libvirt lab)
		  ipmitool -H BMC-OF-$node chassis power off
		  or pull its power cord. This script cannot do it for you.
		failover: waiting up to ${timeout}s for $node to become NotReady (the node controller
		  notices after its grace period, 40 s by default)

	EOF
	wait_for "$node to be NotReady" node_lost
	event "$node is NotReady"
	# A StatefulSet's pod on an unreachable node is never replaced by itself: its node might
	# still be writing. Only once the node is known to be off may its pods and volume
	# attachments go (Kubernetes 1.28+: non-graceful node shutdown).
	if ((delete_node)); then
		run "${kubectl_cmd[@]}" delete node "$node"
		event "deleted the node object $node (its kubelet registers it again when it starts)"
	else
		undo=(taint node "$node" node.kubernetes.io/out-of-service=nodeshutdown:NoExecute-)
		run "${kubectl_cmd[@]}" taint node "$node" node.kubernetes.io/out-of-service=nodeshutdown:NoExecute
		event "tainted $node out-of-service"
	fi
fi
wait_for "$target_pod to run again on another node" moved
((dry == 0)) || new_node=ANOTHER-NODE
case $before_write in
failed) event "FAILED: on node $new_node, the check before the writer started again found" \
	"acknowledged writes lost (or could not read the ledger): the writer stays stopped" ;;
succeeded) event "$target_pod runs again, on node $new_node, after its check of the interrupted run passed" ;;
*) event "$target_pod runs again, on node $new_node" ;;
esac

# ---- check and collect --------------------------------------------------------------------

job_done() { # JOB: it succeeded or failed; "succeeded" or "failed" on stdout
	local s
	s=$(jsonpath '{.status.succeeded}/{.status.failed}' "${kc[@]}" get job "$1") || return 1
	[[ ${s%/*} -gt 0 ]] && echo succeeded && return 0
	[[ ${s#*/} -gt 0 ]] && echo failed && return 0
	return 1
}
verdict=""
# the verdict is the Job's: under --dry-run nothing ran
verdict_of() { ((dry)) || job_done "$1" || true; }
collect() { # CONTAINER DIR: that container's JSON from the client Job's log, merged
	run env "KUBECTL=${kc[*]}" "CONTAINER=$1" "$here/collect-results.sh" "$client_job" "$2" ||
		event "collecting $1's result failed"
}

case $scenario in
block)
	[[ $before_write == failed ]] || pause "$warmup" "the writer's recovery on the new node"
	event "stopping the writer (SIGTERM: it writes its results)"
	run "${kc[@]}" scale "statefulset/$sts" --replicas=0
	run "${kc[@]}" wait --for=delete "pod/$target_pod" "--timeout=${timeout}s"
	event "starting the checker"
	run "${kc[@]}" patch job pvcbench-failover-checker --type=merge -p '{"spec":{"suspend":false}}'
	wait_for "the checker to end" job_done pvcbench-failover-checker
	verdict=$(verdict_of pvcbench-failover-checker)
	event "the checker ${verdict:-(dry run)}"
	run "${kc[@]}" patch job pvcbench-failover-results --type=merge -p '{"spec":{"suspend":false}}'
	# polled: kubectl wait -l fails at once while the Job has made no pod yet
	results_running() {
		rpod=$(job_pod pvcbench-failover-results) && [[ -n $rpod ]] && pod_running "$rpod" results
	}
	rpod=""
	wait_for "the results pod to run" results_running
	((dry == 0)) || rpod=${rpod:-RESULTS-POD}
	if ((dry)); then
		files="writer-$target_pod-UNIXTIME.json check-before-write-$target_pod-UNIXTIME.json checker.json"
	else
		files=$(query "${kc[@]}" exec "$rpod" -c results -- ls /journal)
	fi
	for f in $files; do
		[[ $f == *.json ]] || continue
		run "${kc[@]}" cp -c results "$rpod:/journal/$f" "$results/$f"
	done
	run "${kc[@]}" delete job pvcbench-failover-results --wait=false
	# only the writer's runs are merged: the report's gaps are the stretches when none of its
	# inputs ran, and a check's run would add one (the writer stopped, the checker not yet
	# started) and fill the move's with its reads. The checks are summed up beside it.
	reports=("$results"/writer-*.json)
	checks=("$results"/check-before-write-*.json "$results"/checker.json)
	[[ $before_write != failed ]] || verdict=failed
	;;
postgres | kafka)
	wait_for "the Job $client_job to end" job_done "$client_job"
	verdict=$(verdict_of "$client_job")
	event "the Job $client_job ${verdict:-(dry run)}"
	if [[ $scenario == postgres ]]; then
		collect client "$results/client"
		reports=("$results"/client/*.json)
	else
		collect producer "$results/producer"
		collect consumer "$results/consumer"
		reports=("$results"/producer/*.json)
	fi
	reports=("${reports[@]/*\/merged.json/}")
	;;
esac

# ---- the report ---------------------------------------------------------------------------

if [[ -n ${PVCBENCH:-} ]]; then
	read -r -a merge <<<"$PVCBENCH"
elif command -v pvcbench >/dev/null; then
	merge=(pvcbench)
else
	engine=$(command -v podman || command -v docker || echo podman)
	merge=("$engine" run --rm --network=none -v "$results:$results:ro" "${IMAGE:-localhost/pvcbench:latest}")
fi
# ack_summary FILE: one line of a check's ack_check counts (python3 reads the JSON)
ack_summary() {
	python3 - "$1" <<-'EOF' 2>/dev/null || echo "$(basename "$1"): no ack_check read (python3 reads it)"
		import json, os, sys
		def find(o):
		    if isinstance(o, dict):
		        if "ack_check" in o:
		            return o["ack_check"]
		        o = list(o.values())
		    for v in o if isinstance(o, list) else []:
		        r = find(v)
		        if r is not None:
		            return r
		a = find(json.load(open(sys.argv[1])))
		counts = ", ".join(f"{k} {a.get(k)}" for k in ("intact", "lost", "stale", "corrupt", "torn", "unacknowledged"))
		bad = sum(a.get(k) or 0 for k in ("lost", "stale", "corrupt"))
		print(f"{os.path.basename(sys.argv[1])}: {a.get('acknowledged')} acknowledged writes from {a.get('source')}: {counts}: {'FAILED' if bad else 'ok'}")
	EOF
}
inputs=() merged=1 checks=("${checks[@]:-}")
for f in "${reports[@]}"; do [[ -z $f || ! -f $f ]] || inputs+=("$f"); done
if ((dry)); then
	show "${merge[@]}" merge "${reports[@]}"
	show "${merge[@]}" merge --output-format=json "${reports[@]}"
elif ((${#inputs[@]} == 0)); then
	event "no results to merge in $results"
	exit 1
else
	if "${merge[@]}" merge "${inputs[@]}" >"$results/failover-report.txt" &&
		"${merge[@]}" merge --output-format=json "${inputs[@]}" >"$results/failover-report.json"; then
		for f in "${checks[@]}"; do
			[[ ! -f $f ]] || ack_summary "$f"
		done >"$results/checks.txt"
		[[ ! -s $results/checks.txt ]] || {
			echo
			echo "the checks of the acknowledged writes:"
			sed 's/^/  /' "$results/checks.txt"
		} >>"$results/failover-report.txt"
		cat "$results/failover-report.txt"
	else
		event "pvcbench merge failed: the results are in $results, unmerged"
		merged=0
	fi
fi
event "results in $results"
case $verdict in
succeeded) event "PASSED: nothing acknowledged was lost (the check succeeded)" ;;
failed) event "FAILED: the check failed: acknowledged data lost, or the run broke (see $results)" ;;
*) ((dry)) || event "no verdict: the check did not end" ;;
esac
((dry)) || [[ $verdict == succeeded && $merged == 1 ]] || exit 1
