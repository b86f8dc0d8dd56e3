#!/usr/bin/env bash
# Server-side apply of 30 ConfigMaps + 30 Deployments to a LocalKube cluster, three ways:
#   kubectl   `kubectl apply --server-side -f DIR`, a whole process (wall and CPU)
#   addonctl  `addonctl kube apply -f DIR`, a whole process
#   floor     every PATCH in parallel over one HTTP/2 connection (`curl --parallel -K`)
# each also with 1 ConfigMap + 1 Deployment, so the cost per extra object shows apart from
# process start, kubeconfig, discovery and the TLS handshake.
#
# Usage: bash Benchmarks/apply.sh [--runs N] [--count N] [--fresh] [--out FILE]
#   --runs N   timed runs per measurement (default 10, after one untimed warm-up)
#   --count N  ConfigMaps and Deployments each (default 30)
#   --fresh    new object names on every run (creates); default: re-apply the same unchanged
#              objects (the server changes nothing, but every object is still one PATCH)
#   --out FILE also append the results table (markdown) to FILE
#   CONFIG=release uses the release build (see lib/common.sh).
# Only 127.0.0.1 is contacted; LocalKube is started here and stopped at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/common.sh"
source "$here/lib/timing.sh"

runs=10 count=30 fresh=0 out=
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --count) count=$2; shift 2 ;;
    --fresh) fresh=1; shift ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
((runs >= 2 && runs <= 100)) || { echo "--runs must be 2...100" >&2; exit 2; }
((count >= 2 && count <= 500)) || { echo "--count must be 2...500" >&2; exit 2; }
[[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null || echo "hyperfine not used (apt-get install -y hyperfine): timing with /usr/bin/time" >&2

bench_binaries
work=$(mktemp -d /tmp/addon-bench-apply.XXXXXX)
lk_pid=
cleanup() {
  [[ -z $lk_pid ]] || bench_stop "$lk_pid" 10
  rm -rf "$work"
}
trap cleanup EXIT

"$ADDON_MANAGER" localkube --clusters 1 --kubeconfig-dir "$work/kc" --log-level warning >"$work/localkube.log" 2>&1 &
lk_pid=$!
kc=$work/kc/localkube-1.kubeconfig
bench_wait_for_file "$kc" 120 "$lk_pid" || { cat "$work/localkube.log" >&2; exit 1; }
server=$(kubectl --kubeconfig "$kc" config view --raw --minify -o jsonpath='{.clusters[0].cluster.server}')
(umask 077 && kubectl --kubeconfig "$kc" config view --raw --minify -o jsonpath='{.users[0].user.token}' >"$work/token")
kubectl --kubeconfig "$kc" config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d >"$work/ca.pem"
echo "LocalKube pid $lk_pid at $server" >&2

tools=(kubectl addonctl floor)
for tool in "${tools[@]}"; do
  echo "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"bench-$tool\"}}"
done >"$work/namespaces.yaml"
kubectl --kubeconfig "$kc" apply --server-side -f "$work/namespaces.yaml" >/dev/null

# The command that applies DIR with TOOL.
command_for() {
  local tool=$1 dir=$2
  case $tool in
    kubectl) echo "kubectl --kubeconfig $kc --cache-dir $work/kubectl-cache apply --server-side -f $dir" ;;
    addonctl) echo "$ADDONCTL kube apply --kubeconfig $kc -f $dir" ;;
    floor) echo "curl --no-progress-meter --parallel --parallel-max $((2 * count)) -K $dir.curl" ;;
  esac
}

# Writes the manifests (and the curl config) of TOOL into DIR with name prefix PREFIX.
generate() {
  local tool=$1 dir=$2 prefix=$3 n=$4
  bash "$here/lib/manifests.sh" "$dir" "bench-$tool" "$prefix" "$n"
  [[ $tool != floor ]] || bash "$here/lib/floor-config.sh" "$dir" "$server" "$work/token" "$work/ca.pem" "$dir.curl"
}

# The floor must really be one connection with every PATCH answered 200 or 201.
check_floor() {
  local dir=$1 lines
  lines=$(curl --no-progress-meter --parallel --parallel-max $((2 * count)) -K "$dir.curl")
  python3 - "$lines" <<'PY'
import sys
rows = [line.split() for line in sys.argv[1].splitlines() if line.strip()]
codes = {r[0] for r in rows}
connects = sum(int(r[2]) for r in rows)
versions = {r[1] for r in rows}
if not codes <= {"200", "201"} or connects != 1 or versions != {"2"}:
    sys.exit(f"raw floor is not {len(rows)} PATCHes over one HTTP/2 connection: codes {codes}, HTTP versions {versions}, {connects} connections")
PY
}

# LocalKube's own CPU while idle (its controllers tick), to take out of the per-run figures.
idle_before=$(bench_cpu_seconds "$lk_pid"); t_before=$(date +%s.%N)
sleep 5
idle_rate=$(python3 -c "print(($(bench_cpu_seconds "$lk_pid") - $idle_before) / ($(date +%s.%N) - $t_before))")

results=$work/results.tsv
: >"$results"
for size in "$count" 1; do
  for tool in "${tools[@]}"; do
    dir=$work/$tool-$size
    generate "$tool" "$dir" "s$size" "$size"
    cmd=$(command_for "$tool" "$dir")
    prepare=
    if ((fresh)); then
      # A new name prefix before every run (hyperfine runs this through a shell: $(date) is evaluated each time).
      prepare="bash $here/lib/manifests.sh $dir bench-$tool f\$(date +%s%N) $size"
      [[ $tool != floor ]] || prepare+=" && bash $here/lib/floor-config.sh $dir $server $work/token $work/ca.pem $dir.curl"
    fi
    # First apply (creates the objects), checked, untimed.
    if [[ $tool == floor ]]; then check_floor "$dir"; else bash -c "$cmd" >/dev/null; fi
    echo "== $tool, $((2 * size)) objects ($([[ $fresh == 1 ]] && echo "fresh names: creates" || echo "re-apply of unchanged objects"))" >&2
    cpu0=$(bench_cpu_seconds "$lk_pid"); t0=$(date +%s.%N)
    bench_time "$tool" "$work/$tool-$size.json" "$runs" "$prepare" "$cmd"
    cpu1=$(bench_cpu_seconds "$lk_pid"); t1=$(date +%s.%N)
    server_cpu=$(python3 -c "print(max(0.0, ($cpu1 - $cpu0 - $idle_rate * ($t1 - $t0)) / ($runs + 1)))")
    printf '%s\t%s\t%s\t%s\n' "$tool" "$((2 * size))" "$work/$tool-$size.json" "$server_cpu" >>"$results"
  done
done

table=$(python3 - "$results" "$count" "$fresh" "$idle_rate" "$(bench_machine)" <<'PY'
import json, sys
results, count, fresh, idle_rate, machine = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", float(sys.argv[4]), sys.argv[5]
rows = {}
for line in open(results):
    tool, objects, path, server = line.rstrip("\n").split("\t")
    r = json.load(open(path))["results"][0]
    rows[(tool, int(objects))] = dict(wall=r["mean"], sd=r["stddev"], cpu=r["user"] + r["system"], server=float(server))
big, small = 2 * count, 2
mode = "fresh names on every run (creates)" if fresh else "re-apply of unchanged objects (no-op on the server, one PATCH each)"
print(f"Machine: {machine}")
print(f"Objects: {count} ConfigMaps + {count} Deployments, {mode}; LocalKube idle CPU {idle_rate * 100:.1f}% of a core (taken out below)")
print()
print("| command | objects | wall (mean ± sd) | client CPU | LocalKube CPU |")
print("| --- | ---: | ---: | ---: | ---: |")
names = {"kubectl": "kubectl apply --server-side", "addonctl": "addonctl kube apply", "floor": "raw floor (curl, one HTTP/2 connection)"}
for objects in (big, small):
    for tool in ("kubectl", "addonctl", "floor"):
        r = rows[(tool, objects)]
        print(f"| {names[tool]} | {objects} | {r['wall']*1000:.0f} ± {r['sd']*1000:.0f} ms | {r['cpu']*1000:.0f} ms | {r['server']*1000:.0f} ms |")
k, a, f = rows[("kubectl", big)], rows[("addonctl", big)], rows[("floor", big)]
print()
print(f"- kubectl / addonctl, {big} objects: {k['wall']/a['wall']:.1f}x wall, {k['cpu']/a['cpu']:.1f}x client CPU (target: addonctl at least 10x faster)")
print(f"- addonctl / raw floor, {big} objects, whole processes: {a['wall']/f['wall']:.1f}x wall")
da = a["wall"] - rows[("addonctl", small)]["wall"]
df = f["wall"] - rows[("floor", small)]["wall"]
dk = k["wall"] - rows[("kubectl", small)]["wall"]
if df > 0:
    print(f"- cost of the {big - small} extra objects (wall, {big} minus {small} objects): kubectl {dk*1000:.0f} ms, addonctl {da*1000:.0f} ms, "
          f"raw floor {df*1000:.0f} ms: addonctl / floor {da/df:.2f}x (an estimate of a running manager's apply against the 1.5x target)")
PY
)
echo
echo "$table"
[[ -z $out ]] || { echo; echo "$table"; } >>"$out"
