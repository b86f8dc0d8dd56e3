#!/usr/bin/env bash
# The release build, run once as a person would: `addon-manager dev --clusters 20
# --exit-when-healthy` must bring every cluster to Healthy, and `addonctl kube apply` must apply
# 30 ConfigMaps + 30 Deployments to LocalKube and re-apply them unchanged. Release builds have
# crashed where debug builds did not (twice so far), so CI runs this before the test suite. It is
# built as deploy/Containerfile builds what is deployed: the Swift libraries linked in.
#   bash Benchmarks/release-smoke.sh        (builds .build-release if needed; ADDON_MANAGER_BIN/ADDONCTL_BIN override)
# Only 127.0.0.1 is contacted; every process it starts is stopped at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
CONFIG=release
source "$here/lib/common.sh"
bench_binaries

work=$(mktemp -d /tmp/addon-release-smoke.XXXXXX)
lk_pid=
cleanup() {
  [[ -z $lk_pid ]] || bench_stop "$lk_pid" 10
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "release smoke test FAILED: $1" >&2
  [[ -z ${2:-} ]] || tail -40 "$2" >&2
  exit 1
}

# 1. The embedded default, 20 clusters, until all are Healthy (a hang is a failure after 300 s).
started=$(date +%s.%N)
timeout 300 "$ADDON_MANAGER" dev --clusters 20 --exit-when-healthy --http-port 0 --status-port 0 --catalog "$bench_root" \
  --kubeconfig-dir "$work/dev" >"$work/dev.log" 2>&1 || fail "addon-manager dev exited with status $?" "$work/dev.log"
grep -q "all 20 clusters Healthy" "$work/dev.log" || fail "addon-manager dev did not report all 20 clusters Healthy" "$work/dev.log"
echo "release smoke: dev --clusters 20: $(grep -o 'all 20 clusters Healthy.*' "$work/dev.log") (process $(python3 -c "print(f'{$(date +%s.%N) - $started:.1f}')") s)"

# 2. addonctl kube apply against LocalKube: create, then re-apply unchanged.
"$ADDON_MANAGER" localkube --clusters 1 --kubeconfig-dir "$work/kc" --log-level warning >"$work/localkube.log" 2>&1 &
lk_pid=$!
kc=$work/kc/localkube-1.kubeconfig
bench_wait_for_file "$kc" 120 "$lk_pid" || fail "LocalKube did not start" "$work/localkube.log"
echo '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "smoke"}}' >"$work/namespace.yaml"
"$ADDONCTL" kube apply --kubeconfig "$kc" -f "$work/namespace.yaml" >"$work/apply.log" 2>&1 || fail "addonctl kube apply (namespace) failed" "$work/apply.log"
bash "$here/lib/manifests.sh" "$work/objects" smoke smoke 30
for pass in create re-apply; do
  "$ADDONCTL" kube apply --kubeconfig "$kc" -f "$work/objects" >"$work/apply.log" 2>&1 || fail "addonctl kube apply ($pass) exited with status $?" "$work/apply.log"
done
configmaps=$(kubectl --kubeconfig "$kc" get configmaps -n smoke -l app.kubernetes.io/name=bench -o name | wc -l)
deployments=$(kubectl --kubeconfig "$kc" get deployments -n smoke -o name | wc -l)
[[ $configmaps == 30 && $deployments == 30 ]] || fail "expected 30 ConfigMaps and 30 Deployments in namespace smoke, found $configmaps and $deployments"
echo "release smoke: addonctl kube apply: 60 objects created and re-applied"
echo "release smoke: passed"
