#!/usr/bin/env bash
# Our OpenStack provider against a loop of `openstack server create`, on the local OpenStack of
# ../shared/openstack-local (issue: the provisioning loop). Same run, same cloud, same N servers:
#   1. `addon-manager provider-bench`: N creates one after another (one process, one token,
#      names resolved once), then until all ACTIVE, then deletes until all gone; then again with
#      4 creates in flight at once;
#   2. a shell loop of `openstack server create` (a process, an authentication and name look-ups
#      per server), then until all ACTIVE (`openstack server list`), then `openstack server delete`.
# Prints both and the ratios (CLI / provider) as one markdown table.
#
# Usage: bash Benchmarks/openstack-create.sh [N] [--out FILE]
#   N        servers (default 20)
#   --out    also append the table (machine named) to FILE
#   OPENSTACK_LOCAL_STATE: the state directory of setup.sh (default ~/.cache/openstack-local);
#   CONFIG=release uses the release build (see lib/common.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/common.sh"

servers=20 out=
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) servers=$1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
state=${OPENSTACK_LOCAL_STATE:-$HOME/.cache/openstack-local}
[[ -f $state/demo-openrc.sh ]] || { echo "no $state/demo-openrc.sh: run bash ../shared/openstack-local/setup.sh first" >&2; exit 2; }
# shellcheck disable=SC1091
source "$state/demo-openrc.sh"
command -v openstack >/dev/null || { echo "the openstack CLI is not installed (setup.sh installs it)" >&2; exit 2; }
bench_binaries

stamp=$(date +%s)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

echo "provider: $servers servers, one at a time..." >&2
provider_out=$("$ADDON_MANAGER" provider-bench --servers "$servers" --network private --prefix "pb-$stamp")
echo "provider: $servers servers, 4 at once..." >&2
provider4_out=$("$ADDON_MANAGER" provider-bench --servers "$servers" --network private --prefix "pb4-$stamp" --concurrency 4)
get() { sed -n "s/^$1=//p" <<<"$provider_out"; }
get4() { sed -n "s/^$1=//p" <<<"$provider4_out"; }

echo "openstack CLI: $servers servers..." >&2
prefix="cli-$stamp"
cleanup() { openstack server list --name "^$prefix-" -f value -c ID 2>/dev/null | xargs -r openstack server delete >/dev/null 2>&1 || true; }
trap cleanup EXIT
start=$(now)
for ((i = 0; i < servers; i++)); do
  openstack server create --flavor m1.tiny --image cirros-fake --network private --property "cluster=bench/$prefix" "$prefix-$i" >/dev/null
done
issued=$(now)
while :; do
  statuses=$(openstack server list --name "^$prefix-" -f value -c Status)
  count=$(grep -c . <<<"$statuses" || true)
  if ((count == servers)) && ! grep -qv '^ACTIVE$' <<<"$statuses"; then break; fi
  grep -q '^ERROR$' <<<"$statuses" && { echo "a CLI server went ERROR" >&2; exit 1; }
  sleep 0.2
done
active=$(now)
openstack server list --name "^$prefix-" -f value -c ID | xargs openstack server delete
deletes_issued=$(now)
while [[ -n $(openstack server list --name "^$prefix-" -f value -c ID) ]]; do sleep 0.2; done
gone=$(now)
trap - EXIT

cli_issue=$(elapsed "$start" "$issued")
cli_active=$(elapsed "$start" "$active")
cli_delete=$(elapsed "$active" "$deletes_issued")
cli_gone=$(elapsed "$active" "$gone")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f×", a / b }'; }
table=$(cat <<TABLE
| $servers servers on the local OpenStack | provider, one at a time | provider, 4 at once | \`openstack\` CLI loop | CLI / provider (one at a time) | CLI / provider (4 at once) |
| --- | ---: | ---: | ---: | ---: | ---: |
| creates issued | $(get creates_issued_seconds) s (median $(get create_median_ms) ms each) | $(get4 creates_issued_seconds) s (median $(get4 create_median_ms) ms each) | $cli_issue s | $(ratio "$cli_issue" "$(get creates_issued_seconds)") | $(ratio "$cli_issue" "$(get4 creates_issued_seconds)") |
| all ACTIVE (from the first create) | $(get all_active_seconds) s | $(get4 all_active_seconds) s | $cli_active s | $(ratio "$cli_active" "$(get all_active_seconds)") | $(ratio "$cli_active" "$(get4 all_active_seconds)") |
| deletes issued | $(get deletes_issued_seconds) s | $(get4 deletes_issued_seconds) s | $cli_delete s | $(ratio "$cli_delete" "$(get deletes_issued_seconds)") | $(ratio "$cli_delete" "$(get4 deletes_issued_seconds)") |
| all gone (from the first delete) | $(get all_gone_seconds) s | $(get4 all_gone_seconds) s | $cli_gone s | $(ratio "$cli_gone" "$(get all_gone_seconds)") | $(ratio "$cli_gone" "$(get4 all_gone_seconds)") |
TABLE
)
echo "$table"
if [[ -n $out ]]; then
  { echo "<!-- $(bench_machine) -->"; echo "$table"; } >>"$out"
fi
