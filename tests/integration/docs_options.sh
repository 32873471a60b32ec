#!/usr/bin/env bash
# Every option that --help lists (the option tables) is described in docs/README.md (and
# pgbench's in docs/pgbench.md).
set -u
bin=${1:?usage: docs_options.sh PVCBENCH}
doc=$(dirname "$0")/../../docs/README.md
missing=0
for cmd in summary fio; do
	opts=$("$bin" $cmd --help | grep -oE '^  --[a-z_-]+' | sed 's/^  //')
	[ -n "$opts" ] || { echo "no options in '$cmd --help'"; exit 1; }
	for o in $opts; do
		grep -qE -- "^  $o([= ]|$)" "$doc" || { echo "$cmd: $o is not in docs/README.md"; missing=1; }
	done
done
# pgbench's options (when the module is built) in docs/pgbench.md
if "$bin" pgbench --version >/dev/null 2>&1; then
	pgdoc=$(dirname "$0")/../../docs/pgbench.md
	opts=$("$bin" pgbench --help | grep -oE '^  (-., )?--[a-z-]+' | grep -oE -- '--[a-z-]+')
	[ -n "$opts" ] || { echo "no options in 'pgbench --help'"; exit 1; }
	for o in $opts; do
		grep -qE -- "^  (-., )?$o([= ]|$)" "$pgdoc" ||
			{ echo "pgbench: $o is not in docs/pgbench.md"; missing=1; }
	done
fi
# kafka's (when the module is built) in docs/kafka.md
if "$bin" kafka --version >/dev/null 2>&1; then
	kdoc=$(dirname "$0")/../../docs/kafka.md
	for sub in produce consume; do
		opts=$("$bin" kafka $sub --help | grep -oE '^  --[a-z.-]+')
		[ -n "$opts" ] || { echo "no options in 'kafka $sub --help'"; exit 1; }
		for o in $opts; do
			grep -qE -- "^  $o( |$)" "$kdoc" ||
				{ echo "kafka $sub: $o is not in docs/kafka.md"; missing=1; }
		done
	done
fi
exit $missing
