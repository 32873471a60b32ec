# lib.bash - moved to tests/lib/lib.bash; this stays so that a test sourcing the old path works.
# shellcheck source=../lib/lib.bash
source "$(dirname "${BASH_SOURCE[0]}")/../lib/lib.bash" "$@"
