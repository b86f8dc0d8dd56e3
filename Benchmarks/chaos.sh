#!/usr/bin/env bash
# The fault matrix (issue: trust boundaries and faults): `addon-manager chaos` against a dev
# fleet of N clusters and two manager replicas (`addon-manager run` processes sharing the
# clusters through Leases). One fault at a time, then mixed: 503 and 429 storms (20 % of the
# replicas' requests), 500 ms latency, watches dropped every 10 s, 410 Gone on resume, one
# workload cluster unreachable, replica-a SIGKILLed mid-apply, the management plane down 10 s,
# mixed. Each phase changes every Cluster first; it reports the time until every cluster
# converged, objects deleted (0 expected), clusters written by two replicas within 5 s (0
# expected), replica crashes (0 expected) and the surviving replica's memory. Prints one
# markdown table; exits non-zero when a check fails.
#
# Usage: bash Benchmarks/chaos.sh [N] [--fault-seconds S] [--unreachable-seconds S] [--phases P...] [--out FILE]
#   N                      simulated clusters (default 50)
#   --fault-seconds S      how long each fault lasts (default 60)
#   --unreachable-seconds  how long the unreachable cluster stays so (default 120)
#   --phases P...          a subset, in order (5xx 429 latency watch-drops gone unreachable kill management-restart mixed)
#   --out FILE             also append the table (markdown, machine named) to FILE
#   CONFIG=release uses the release build (see lib/common.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/common.sh"

clusters=50 out= args=()
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) clusters=$1; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

bench_binaries
work=$(mktemp -d /tmp/addon-bench-chaos.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$ADDON_MANAGER" chaos --clusters "$clusters" --catalog "$bench_root" --work-dir "$work" "${args[@]}" | tee "$work/out"
status=${PIPESTATUS[0]}
if [[ -n $out ]]; then
  { echo "<!-- $(bench_machine) -->"; grep '^|' "$work/out"; } >>"$out"
fi
exit "$status"
