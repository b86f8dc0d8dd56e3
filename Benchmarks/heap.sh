#!/usr/bin/env bash
# Where the manager's memory goes: `addon-manager run` under heaptrack against `addon-manager dev
# --fleet-only --clusters N`, killed SECONDS after start (default 90: converged and settled at
# 200 clusters), then what was still allocated then, by component and by our innermost function
# (Benchmarks/heap-breakdown.py), per cluster.
#
# Usage: CONFIG=release bash Benchmarks/heap.sh [N] [SECONDS] [--status] [--out PREFIX]
#   N          simulated clusters (default 200)
#   SECONDS    how long the manager runs before it is killed (default 90)
#   --status   the manager serves the status API too (`run --status-port`), as a deployment
#              does; without it, as `fleet.sh` runs it (the addon controllers and rollouts)
#   --out P    keep heaptrack's file as P.zst and the breakdown as P.txt (default: a temporary
#              directory, printed)
# Needs heaptrack (apt-get install heaptrack) and swift (for `swift demangle`).
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"

clusters=200 seconds=90 out=
positional=() status=()
while (($#)); do
  case $1 in
    --out) out=$2; shift 2 ;;
    --status) status=(--status-port 0 --status-host 127.0.0.1); shift ;;
    *) positional+=("$1"); shift ;;
  esac
done
((${#positional[@]} < 1)) || clusters=${positional[0]}
((${#positional[@]} < 2)) || seconds=${positional[1]}
command -v heaptrack >/dev/null || { echo "heaptrack is not installed (apt-get install heaptrack)" >&2; exit 2; }
bench_binaries

work=$(mktemp -d)
[[ -n $out ]] || out=$work/heap
dev_pid= mgr_pid=
cleanup() {
  [[ -z $mgr_pid ]] || kill -KILL "$mgr_pid" 2>/dev/null || true
  [[ -z $dev_pid ]] || bench_stop "$dev_pid"
}
trap cleanup EXIT

"$ADDON_MANAGER" dev --fleet-only --clusters "$clusters" --catalog "$bench_root" --http-port "$(bench_free_port)" --status-port 0 \
  --node-pool-size 0 --kubeconfig-dir "$work/kc" >"$work/dev.out" 2>"$work/dev.err" &
dev_pid=$!
for _ in $(seq 1 1200); do [[ -s $work/kc/management.kubeconfig ]] && grep -q "^No controllers run here" "$work/dev.out" && break; sleep 0.05; done
grep -q "^No controllers run here" "$work/dev.out" || { echo "addon-manager dev --fleet-only was not ready after 60 s" >&2; tail -5 "$work/dev.err" >&2; exit 1; }

heaptrack -o "$out" "$ADDON_MANAGER" run --kubeconfig "$work/kc/management.kubeconfig" --catalog "$bench_root" \
  --http-port "$(bench_free_port)" --http-host 127.0.0.1 "${status[@]}" --identity heap-bench --log-level notice >"$work/manager.out" 2>"$work/manager.err" &
heaptrack_pid=$!
for _ in $(seq 1 100); do mgr_pid=$(pgrep -f -- "--identity heap-bench" | grep -vx "$heaptrack_pid" | head -1 || true); [[ -n $mgr_pid ]] && break; sleep 0.1; done
[[ -n $mgr_pid ]] || { echo "the manager did not start under heaptrack" >&2; cat "$work/manager.err" >&2; exit 1; }
sleep "$seconds"
kill -0 "$mgr_pid" 2>/dev/null || { echo "the manager ended before $seconds s:" >&2; tail -5 "$work/manager.err" >&2; mgr_pid=; exit 1; }
# Killed, not stopped: what is allocated at that moment is what heaptrack reports as leaked.
kill -KILL "$mgr_pid"
wait "$heaptrack_pid" || true
mgr_pid=

heaptrack_print -f "$out.zst" --flamegraph-cost-type leaked -F "$work/leaked.fg" >"$work/print.txt" 2>&1
swift demangle <"$work/leaked.fg" >"$work/leaked.txt"
{
  echo "Machine: $(bench_machine)"
  echo "addon-manager run ${status[*]} against dev --fleet-only --clusters $clusters, killed after $seconds s"
  grep -i "peak heap memory consumption\|total memory leaked" "$work/print.txt" || true
  python3 "$bench_root/Benchmarks/heap-breakdown.py" "$work/leaked.txt" "$clusters"
} | tee "$out.txt"
echo "heaptrack's file: $out.zst" >&2
