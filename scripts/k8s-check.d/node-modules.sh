# node-modules.sh: sourced by scripts/k8s-check and scripts/image-test. k8s_check_node_modules
# makes sure node and npm are there (Debian's nodejs and npm when missing) and that the pinned
# packages of package.json/package-lock.json beside this file are installed, with npm ci, into a
# cache directory outside the repository (PVCBENCH_CACHE, default ~/.cache/pvcbench); it
# reinstalls only when the lock file changed. It sets K8S_CHECK_NODE_MODULES to their
# node_modules, or returns 1 having said why on stderr.
k8s_check_node_modules() {
	local here cache log
	here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
	cache=${PVCBENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pvcbench}/k8s-check-npm
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		echo "  installing nodejs and npm (apt)" >&2
		log=$(mktemp)
		if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends nodejs npm; } >"$log" 2>&1; then
			tail -n 20 "$log" >&2
			rm -f "$log"
			echo "  node and npm could not be installed" >&2
			return 1
		fi
		rm -f "$log"
	fi
	if ! cmp -s "$here/package-lock.json" "$cache/package-lock.json" ||
		[[ ! -d $cache/node_modules ]]; then
		echo "  npm ci into $cache" >&2
		rm -rf "$cache"
		mkdir -p "$cache"
		cp "$here/package.json" "$here/package-lock.json" "$cache/"
		if ! (cd "$cache" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) >&2; then
			rm -rf "$cache"
			echo "  npm ci failed" >&2
			return 1
		fi
	fi
	K8S_CHECK_NODE_MODULES=$cache/node_modules
	export K8S_CHECK_NODE_MODULES
}
