#!/usr/bin/env bash
# collect-results.sh: the results of a Job whose pods print pvcbench's --output-format=json (the
# scale-out scenario's Indexed Job, or any such Job): each pod's JSON document into a file of its
# own, then all of them merged by `pvcbench merge`, which adds the latency histograms (exact
# percentiles over every pod) instead of averaging percentiles.
#   k8s/collect-results.sh JOB [DIR]
# Writes into DIR (default results-JOB): POD.log (the pod's whole log), INDEX.json (the JSON
# document from it; INDEX is the pod's completion index, or its name outside an Indexed Job),
# merged.txt and merged.json. Exits 1 when a pod's log holds no JSON document.
# Environment:
#   KUBECTL    the kubectl command (default kubectl; e.g. "kubectl -n bench --context lab")
#   PVCBENCH   the pvcbench command for the merge (default pvcbench when it is installed, else
#              the image through podman or docker, with DIR mounted read-only)
#   IMAGE      that image (default localhost/pvcbench:latest)
#   CONTAINER  the container whose log holds the result (default: the pod's first)
set -euo pipefail

if (($# < 1 || $# > 2)) || [[ $1 == -h || $1 == --help ]]; then
	sed -n '2,18s/^# \{0,1\}//p' "$0"
	(($# >= 1)) && [[ $1 == -h || $1 == --help ]] && exit 0
	exit 2
fi
job=$1
dir=${2:-results-$job}
read -r -a kubectl <<<"${KUBECTL:-kubectl}"
image=${IMAGE:-localhost/pvcbench:latest}

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# the Job's pods: name and completion index ("" outside an Indexed Job)
pods=$("${kubectl[@]}" get pods -l "job-name=$job" -o \
	jsonpath='{range .items[*]}{.metadata.name}{" "}{.metadata.annotations.batch\.kubernetes\.io/job-completion-index}{"\n"}{end}')
if [[ -z $pods ]]; then
	echo "collect-results: no pods of job $job (label job-name=$job)" >&2
	exit 1
fi

status=0
files=()
while read -r pod index; do
	[[ -n $pod ]] || continue
	log=$dir/$pod.log
	out=$dir/${index:-$pod}.json
	container=()
	[[ -z ${CONTAINER:-} ]] || container=(-c "$CONTAINER")
	if ! "${kubectl[@]}" logs "$pod" "${container[@]}" >"$log"; then
		echo "collect-results: $pod: kubectl logs failed" >&2
		status=1
		continue
	fi
	# The log holds stdout and stderr together. The JSON document is the lines from a "{" alone
	# on a line to the last "}" alone on a line; every line inside it is indented, so a line of
	# stderr that landed in between (it starts with "pvcbench:" or "Testing") is left out.
	awk '/^\{$/ && !started { started = 1 } started { print }' "$log" |
		awk '{ lines[NR] = $0 } /^\}$/ { last = NR }
		     END { for (i = 1; i <= last; i++) if (i == 1 || i == last || lines[i] ~ /^[ \t]/) print lines[i] }' >"$out"
	if [[ ! -s $out ]]; then
		echo "collect-results: $pod: no JSON document in its log ($log); its last lines:" >&2
		tail -n 5 "$log" | sed 's/^/  /' >&2
		rm -f "$out"
		status=1
		continue
	fi
	files+=("$out")
	echo "collect-results: $pod -> $out"
done <<<"$pods"

((${#files[@]})) || exit 1

# pvcbench merge, installed or through the image
if [[ -n ${PVCBENCH:-} ]]; then
	read -r -a merge <<<"$PVCBENCH"
elif command -v pvcbench >/dev/null; then
	merge=(pvcbench)
else
	engine=$(command -v podman || command -v docker || true)
	if [[ -z $engine ]]; then
		echo "collect-results: no pvcbench, podman or docker to merge with; the files are in $dir" >&2
		exit 1
	fi
	merge=("$engine" run --rm --network=none -v "$dir:$dir:ro" "$image")
fi
"${merge[@]}" merge "${files[@]}" >"$dir/merged.txt"
"${merge[@]}" merge --output-format=json "${files[@]}" >"$dir/merged.json"
echo "collect-results: ${#files[@]} results merged into $dir/merged.txt and $dir/merged.json"
cat "$dir/merged.txt"
exit "$status"
