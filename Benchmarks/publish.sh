#!/usr/bin/env bash
# Publishing to a fleet: `addon-manager dev` with N simulated clusters (the repository's catalog
# published into its management plane) until every cluster is Healthy, then, on a copy of the
# catalog whose `stable` channel moves ADDON to VERSION:
#   1. `addonctl publish COPY --dry-run`: time (lint, render and a server-side dry run on every
#      affected cluster) and the impact it printed;
#   2. `addonctl publish COPY`: time until every affected cluster reports ADDON VERSION applied
#      and Healthy, through the rollout driver: the copy's `catalog/rollout.yaml` is one wave
#      of every cluster with no soak (the repository's waves soak for hours), so this measures
#      the rollout machinery (AddonRollout admission, the gate, the controllers) at fleet scale.
# Only the clusters on stable are affected (dev clusters alternate between the example
# clusters' channels).
#
# Usage: bash Benchmarks/publish.sh [N] [--bump ADDON=VERSION] [--limit SECONDS] [--out FILE]
#   N             simulated clusters (default 20)
#   --bump A=V    the channel change (default etcd-backup=1.1.0; stable has 1.0.0)
#   --limit S     give up S seconds after each phase starts (default 300)
#   --out FILE    also append the results (markdown) to FILE
#   CONFIG=release uses the release build (see lib/common.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/common.sh"

clusters=20 bump=etcd-backup=1.1.0 limit=300 out=
while (($#)); do
  case $1 in
    --bump) bump=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) clusters=$1; shift ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
((clusters >= 1 && clusters <= 5000)) || { echo "N must be 1...5000" >&2; exit 2; }
[[ $bump =~ ^([a-z0-9-]+)=([0-9]+\.[0-9]+\.[0-9]+)$ ]] || { echo "--bump takes ADDON=VERSION" >&2; exit 2; }
addon=${BASH_REMATCH[1]} version=${BASH_REMATCH[2]}
[[ -d $bench_root/addons/$addon/$version ]] || { echo "--bump: no addons/$addon/$version" >&2; exit 2; }

bench_binaries
work=$(mktemp -d /tmp/addon-bench-publish.XXXXXX)
dev_pid=
cleanup() {
  [[ -z $dev_pid ]] || bench_stop "$dev_pid" 20
  rm -rf "$work"
}
trap cleanup EXIT

port=$(bench_free_port)
stdbuf -oL "$ADDON_MANAGER" dev --clusters "$clusters" --catalog "$bench_root" --http-port "$port" --status-port 0 --node-pool-size 0 --kubeconfig-dir "$work/kc" >"$work/out" 2>"$work/err" &
dev_pid=$!
kubeconfig=$work/kc/management.kubeconfig
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now) - $1:.1f}')"; }
past() { python3 -c "import sys; sys.exit(0 if $(now) - $1 >= $limit else 1)"; }

start=$(now)
until grep -q "^all $clusters clusters Healthy" "$work/out"; do
  kill -0 "$dev_pid" 2>/dev/null || { echo "addon-manager dev exited" >&2; cat "$work/err" >&2; exit 1; }
  past "$start" && { echo "not all Healthy after $limit s" >&2; exit 1; }
  sleep 0.5
done
echo "fleet of $clusters clusters Healthy after $(since "$start") s" >&2

copy=$work/catalog
mkdir -p "$copy" && cp -r "$bench_root/addons" "$bench_root/catalog" "$copy/"
python3 - "$copy/catalog/channels/stable.yaml" "$addon" "$version" <<'PY'
import re, sys
path, addon, version = sys.argv[1:]
text = open(path).read()
changed = re.sub(rf'(\n  {re.escape(addon)}:\n    version: )"[^"]*"', rf'\g<1>"{version}"', text)
if changed == text: sys.exit(f"{path}: {addon} not found or already at {version}")
open(path, "w").write(changed)
PY
cat >"$copy/catalog/rollout.yaml" <<'YAML'
# The benchmark's rollout: one wave of every cluster, no soak.
waves:
  - name: all
    selector: ""
    concurrency: 100000
    soak: 0s
YAML

start=$(now)
"$ADDONCTL" publish "$copy" --dry-run --kubeconfig "$kubeconfig" >"$work/dry-run.txt" 2>&1 || true
dry_run=$(since "$start")
impact=$(grep -m1 "^Impact on the fleet" "$work/dry-run.txt" || echo "no impact line")
summary=$(grep -m1 "^$addon " "$work/dry-run.txt" || true)
echo "publish --dry-run: $dry_run s; $impact; $summary" >&2

# Clusters on stable that will take the new version (the dry run's count).
affected=$(sed -n 's/^Impact on the fleet: \([0-9]*\) of .*/\1/p' "$work/dry-run.txt")
start=$(now)
"$ADDONCTL" publish "$copy" --kubeconfig "$kubeconfig" >"$work/publish.txt" 2>&1
published=$(since "$start")
while :; do
  # The ClusterAddons, as a user sees them (one LIST; the manager serves no status of its own).
  done_count=$("$ADDONCTL" status -A -o json --kubeconfig "$kubeconfig" 2>/dev/null | python3 -c '
import json, sys
addon, version = sys.argv[1], sys.argv[2]
rows = json.load(sys.stdin)
print(sum(1 for r in rows if r.get("addon") == addon and r.get("appliedVersion") == version and r.get("phase") == "Healthy"))' "$addon" "$version" || echo 0)
  ((done_count >= affected)) && break
  past "$start" && { echo "only $done_count of $affected clusters on $addon $version after $limit s" >&2; exit 1; }
  sleep 1
done
rollout=$(since "$start")
echo "publish: $published s; all $affected affected clusters Healthy on $addon $version after $rollout s" >&2

result="| $clusters clusters, stable: $addon → $version | dry run $dry_run s ($affected clusters affected) | publish + all Healthy on it $rollout s |"
echo "$result"
if [[ -n $out ]]; then
  { echo "<!-- $(bench_machine) -->"; echo "$result"; } >>"$out"
fi
