#!/usr/bin/env bash
# The status API under load: `addon-manager dev` with N clusters (the repository's catalog, default
# addons: about 6 per cluster) over P projects; once every cluster is Healthy, `wrk` runs C
# connections for S seconds as one project's user, half the requests the project's cluster list
# (`/api/v1/projects/team-a/clusters`, every cluster of the project on one page) and half one of
# its clusters (`.../clusters/NAME`, a random one), and reports requests per second and latency
# percentiles. At exit dev prints the requests LocalKube served; the management plane's
# TokenReviews, SubjectAccessReviews and reads of Clusters and ClusterAddons are shown: the API
# serves from its watches, so the load itself should add only the (cached) reviews.
#
# Usage: bash Benchmarks/status-api.sh [N] [--projects P] [--connections C] [--duration S] [--out FILE]
#   N  clusters (default 1000); P projects (default 10); C connections (default 200); S seconds (default 30)
#   CONFIG=release uses the release build (see lib/common.sh). Needs wrk (apt-get install wrk).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/common.sh"

clusters=1000 projects=10 connections=200 duration=30 out= limit=900
while (($#)); do
  case $1 in
    --projects) projects=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) clusters=$1; shift ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
bench_binaries
work=$(mktemp -d)
trap 'kill -INT $dev_pid 2>/dev/null || true; sleep 2; kill -9 $dev_pid 2>/dev/null || true; rm -rf "$work"' EXIT
status_port=$(bench_free_port)
stdbuf -oL "$ADDON_MANAGER" dev --clusters "$clusters" --projects "$projects" --catalog "$bench_root" --http-port "$(bench_free_port)" \
  --status-port "$status_port" --node-pool-size 0 --kubeconfig-dir "$work/kc" --print-request-counts >"$work/out" 2>"$work/err" &
dev_pid=$!
for ((i = 0; i < limit * 10; i++)); do
  grep -q "all $clusters clusters Healthy" "$work/out" && break
  kill -0 $dev_pid 2>/dev/null || { echo "dev exited:" >&2; tail -20 "$work/err" >&2; exit 1; }
  sleep 0.1
done
grep -q "all $clusters clusters Healthy" "$work/out" || { echo "not converged within ${limit}s" >&2; exit 1; }
echo "$(grep -o "all $clusters clusters Healthy.*" "$work/out")" >&2
token=$(sed -n 's/^  user-of-team-a (project team-a): //p' "$work/out")
[[ -n $token ]] || { echo "no token for team-a in dev's output" >&2; exit 1; }
base=http://127.0.0.1:$status_port
names=$(curl -sf -H "Authorization: Bearer $token" "$base/api/v1/projects/team-a/clusters?limit=1000" |
  python3 -c 'import json, sys; print(",".join(c["name"] for c in json.load(sys.stdin)["items"]))')
count=$(tr ',' '\n' <<<"$names" | wc -l)
cat >"$work/load.lua" <<'LUA'
local token = os.getenv("STATUS_TOKEN")
local clusters = {}
for name in string.gmatch(os.getenv("STATUS_CLUSTERS"), "[^,]+") do clusters[#clusters + 1] = name end
request = function()
  local path = "/api/v1/projects/team-a/clusters?limit=1000"
  if math.random() < 0.5 then path = "/api/v1/projects/team-a/clusters/" .. clusters[math.random(#clusters)] end
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
done = function(summary, latency, requests)
  io.write(string.format("STATS %d %d %d %.2f %.2f %.2f %.2f\n", summary.requests, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
LUA
cpu_before=$(bench_cpu_seconds $dev_pid)
STATUS_TOKEN=$token STATUS_CLUSTERS=$names wrk -t2 -c"$connections" -d"${duration}s" --timeout 10s -s "$work/load.lua" "$base" >"$work/wrk.txt"
cpu_after=$(bench_cpu_seconds $dev_pid)
read -r _ total status_errors socket_errors p50 p90 p99 max < <(grep '^STATS' "$work/wrk.txt")
rps=$(sed -n 's/^Requests\/sec:[[:space:]]*//p' "$work/wrk.txt")
kill -INT $dev_pid
for ((i = 0; i < 300; i++)); do kill -0 $dev_pid 2>/dev/null || break; sleep 0.1; done
reviews=$(grep -E 'management (create tokenreviews|create subjectaccessreviews|(list|get) (clusters|clusteraddons))' "$work/out" | sed 's/^ */    /' || true)
{
  echo "### Status API: $clusters clusters over $projects projects, $connections connections for ${duration}s ($(bench_machine))"
  echo
  echo "| measure | value |"
  echo "| --- | --- |"
  echo "| project team-a | $count clusters (list: one page of all; cluster view: a random one) |"
  echo "| requests | $total ($rps/s), non-2xx $status_errors, socket errors $socket_errors |"
  echo "| latency p50 / p90 / p99 / max | $p50 / $p90 / $p99 / $max ms |"
  echo "| CPU of dev (LocalKube, controllers, API) during the load | $(python3 -c "print(f'{($cpu_after - $cpu_before) / $duration * 100:.0f}')") % of one core |"
  echo "| management-plane reviews and reads over the whole run | $(tr '\n' ';' <<<"$reviews" | sed 's/    //g; s/;$//') |"
} | tee -a "${out:-/dev/null}"
