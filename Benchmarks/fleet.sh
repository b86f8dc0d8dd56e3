#!/usr/bin/env bash
# `addon-manager dev` with N simulated clusters and the repository's catalog, from empty to every
# cluster's default addons Healthy: time to the first Healthy cluster, time to all, peak RSS
# (/usr/bin/time -v), CPU used; with --idle S it keeps the fleet running S seconds after
# convergence and measures its CPU then (% of one core, from /proc/PID/stat) and the applies
# the manager made in that window (its /metrics, addon_manager_applies_total) and its API
# requests per cluster per minute by verb and code (addon_manager_api_requests_total). With --bump
# ADDON it then pins, on every Cluster, another version of ADDON than the one it runs (the
# newest other one in the catalog; ADDON=VERSION pins VERSION everywhere) with one `addonctl
# kube apply` of N partial Cluster objects (field manager addon-bench), and times until every
# cluster reports that version applied and Healthy.
#
# With --split, the fleet (LocalKube: management plane and simulated clusters) runs in one
# process (`addon-manager dev --fleet-only`) and the manager in another (`addon-manager run`
# against it, as in production): the manager's own memory and CPU are then reported apart.
# With --management-apart as well, the management plane runs in a third process (`addon-manager
# localkube`), apart from the simulated clusters, as a real management API server is: at 1000
# clusters, one LocalKube for both answered the manager's Lease reads up to 5 s late.
#
# With --restart S (needs --split), the manager is then stopped (SIGTERM) and started again over
# the converged fleet, and its first S seconds are measured: applies and status writes (there
# must be none of either), API requests per cluster (what it reads to find every addon intact again), CPU and RSS,
# and when it had been through every cluster once (checked every 5 s from its /metrics: lib/restart.py).
#
# Usage: bash Benchmarks/fleet.sh [N] [--split] [--idle SECONDS] [--bump ADDON[=VERSION]] [--restart SECONDS] [--limit SECONDS] [--out FILE]
#   N             simulated clusters (default 100)
#   --idle S      stay S seconds after all are Healthy and measure the idle fleet (default 0:
#                 run with --exit-when-healthy)
#   --settle S    wait S seconds after convergence before the idle window (default 10: the
#                 last status writes and workload rollouts of the simulated clusters end)
#   --bump A[=V]  after convergence (and the idle window), change addon A's version everywhere
#   --catalog DIR the catalog (default: the repository root)
#   --limit S     stop S seconds after start, whatever happens (default 300, at most 1200: the
#                 design target is 5000 clusters converged in 10 minutes)
#   --out FILE    also append the results (markdown) to FILE
#   --log FILE    run the manager at log level info and keep its log in FILE
#   --restart S   with --split: at the end, restart the manager and measure its first S seconds
#   --split       the manager in a process of its own (see above)
#   --management-apart  with --split: the management plane in a process of its own too
#   --manager-args "A B"  with --split: more arguments for `addon-manager run` (e.g.
#                 "--max-reconciles 32")
#   CONFIG=release uses the release build (see lib/common.sh).
# Only 127.0.0.1 is used; the process is stopped (SIGINT, then SIGKILL) at the end.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib/common.sh"

clusters=100 idle=0 settle=10 limit=300 out= bump= catalog=$bench_root log= split=0 apart=0 manager_args=() restart=0
while (($#)); do
  case $1 in
    --manager-args) read -r -a manager_args <<<"$2"; shift 2 ;;
    --split) split=1; shift ;;
    --restart) restart=$2; shift 2 ;;
    --management-apart) apart=1; shift ;;
    --settle) settle=$2; shift 2 ;;
    --bump) bump=$2; shift 2 ;;
    --log) log=$2; shift 2 ;;
    --catalog) catalog=$(cd "$2" && pwd); shift 2 ;;
    --idle) idle=$2; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) clusters=$1; shift ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
((clusters >= 1 && clusters <= 5000)) || { echo "N must be 1...5000" >&2; exit 2; }
((idle >= 0 && idle <= 600)) || { echo "--idle must be 0...600" >&2; exit 2; }
((limit >= 10 && limit <= 1200)) || { echo "--limit must be 10...1200" >&2; exit 2; }
((!apart || split)) || { echo "--management-apart needs --split" >&2; exit 2; }
((!${#manager_args[@]} || split)) || { echo "--manager-args needs --split" >&2; exit 2; }
((restart >= 0 && restart <= 600)) || { echo "--restart must be 0...600" >&2; exit 2; }
((!restart || split)) || { echo "--restart needs --split" >&2; exit 2; }
[[ -z $bump || $bump =~ ^[a-z0-9-]+(=[0-9]+\.[0-9]+\.[0-9]+)?$ ]] || { echo "--bump takes ADDON or ADDON=VERSION, e.g. etcd-backup" >&2; exit 2; }
[[ -z $bump || -d $catalog/addons/${bump%%=*} ]] || { echo "--bump: no addon ${bump%%=*} in $catalog/addons" >&2; exit 2; }

bench_binaries
work=$(mktemp -d /tmp/addon-bench-fleet.XXXXXX)
time_pid= dev_pid= mgr_time_pid= mgr_pid= plane_time_pid= plane_pid=
cleanup() {
  [[ -z $mgr_pid ]] || bench_stop "$mgr_pid" 20
  [[ -z $dev_pid ]] || bench_stop "$dev_pid" 20
  [[ -z $plane_pid ]] || bench_stop "$plane_pid" 20
  rm -rf "$work"
}
trap cleanup EXIT

# The child process of a `/usr/bin/time` started in the background.
child_of() {
  local pid=
  for _ in $(seq 1 100); do
    pid=$(pgrep -P "$1" || true)
    [[ -z $pid ]] || break
    sleep 0.05
  done
  echo "$pid"
}

# A process's resident memory now, in MB.
rss_mb() { echo $(($(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status") / 1024)); }

port=$(bench_free_port)
if ((apart)); then
  /usr/bin/time -v -o "$work/time-plane.txt" "$ADDON_MANAGER" localkube --clusters 1 --nodes 1 --kubeconfig-dir "$work/plane" --log-level warning >"$work/plane.out" 2>"$work/plane.err" &
  plane_time_pid=$!
  plane_pid=$(child_of "$plane_time_pid")
  [[ -n $plane_pid ]] || { echo "addon-manager localkube (the management plane) did not start" >&2; cat "$work/plane.err" >&2; exit 1; }
  for _ in $(seq 1 200); do [[ -s $work/plane/localkube-1.kubeconfig ]] && break; sleep 0.05; done
  [[ -s $work/plane/localkube-1.kubeconfig ]] || { echo "addon-manager localkube (the management plane) did not start" >&2; cat "$work/plane.err" >&2; exit 1; }
fi
if ((split)); then
  args=(dev --fleet-only --clusters "$clusters" --catalog "$catalog" --http-port "$(bench_free_port)" --status-port 0 --node-pool-size 0 --kubeconfig-dir "$work/kc")
  ((!apart)) || args+=(--management-kubeconfig "$work/plane/localkube-1.kubeconfig")
else
  args=(dev --clusters "$clusters" --catalog "$catalog" --http-port "$port" --status-port 0 --node-pool-size 0 --kubeconfig-dir "$work/kc")
fi
((idle > 0)) || [[ -n $bump ]] || args+=(--exit-when-healthy)
((split)) || [[ -z $log ]] || args+=(--log-level info)
start=$(date +%s.%N)
# stdbuf: the progress lines reach the file as they are printed (standard output is not a terminal).
stdbuf -oL /usr/bin/time -v -o "$work/time.txt" "$ADDON_MANAGER" "${args[@]}" >"$work/out" 2>"$work/err" &
time_pid=$!
dev_pid=$(child_of "$time_pid")
[[ -n $dev_pid ]] || { echo "addon-manager dev did not start" >&2; cat "$work/err" >&2; exit 1; }
if ((split)); then
  for _ in $(seq 1 600); do [[ -s $work/kc/management.kubeconfig ]] && grep -q "^No controllers run here" "$work/out" && break; sleep 0.05; done
  grep -q "^No controllers run here" "$work/out" || { echo "addon-manager dev --fleet-only was not ready after 30 s" >&2; tail -5 "$work/err" >&2; exit 1; }
  # start_manager TIME_FILE: the manager in its own process (as in production), timed by /usr/bin/time.
  start_manager() {
    /usr/bin/time -v -o "$1" "$ADDON_MANAGER" run --kubeconfig "$work/kc/management.kubeconfig" --catalog "$catalog" \
      --http-port "$port" --http-host 127.0.0.1 --identity fleet-bench --log-level "$([[ -n $log ]] && echo info || echo notice)" "${manager_args[@]}" >>"$work/manager.out" 2>>"$work/manager.err" &
  }
  start_manager "$work/time-manager.txt"
  mgr_time_pid=$!
  mgr_pid=$(child_of "$mgr_time_pid")
  [[ -n $mgr_pid ]] || { echo "addon-manager run did not start" >&2; cat "$work/manager.err" >&2; exit 1; }
  echo "addon-manager dev --fleet-only pid $dev_pid, addon-manager run pid $mgr_pid, $clusters clusters, manager endpoints on 127.0.0.1:$port" >&2
else
  mgr_pid=$dev_pid
  echo "addon-manager dev pid $dev_pid, $clusters clusters, endpoints on 127.0.0.1:$port" >&2
fi

elapsed() { python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')"; }
past_limit() { python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $start >= $limit else 1)"; }
converged=0 outcome=
while :; do
  if grep -q "^all $clusters clusters Healthy" "$work/out"; then converged=1; break; fi
  if ! kill -0 "$dev_pid" 2>/dev/null; then outcome="exited before all clusters were Healthy"; break; fi
  if ((split)) && ! kill -0 "$mgr_pid" 2>/dev/null; then outcome="the manager exited before all clusters were Healthy"; break; fi
  if past_limit; then outcome="not all Healthy after ${limit} s: stopped"; break; fi
  sleep 0.5
done

# Every ClusterAddon, read from the management API server (the manager serves no status API of its own).
status_json() {
  kubectl --kubeconfig "$work/kc/management.kubeconfig" --request-timeout=20s get clusteraddons -A -o json "$@" 2>/dev/null || echo '{}'
}
# What the fleet looked like when we stopped waiting (phases of every ClusterAddon).
phases() {
  status_json | python3 -c '
import collections, json, sys
try:
    items = json.load(sys.stdin)["items"]
except Exception:
    print("unavailable"); sys.exit()
count = collections.Counter(str(i.get("status", {}).get("phase") or "none") for i in items)
print(", ".join(f"{n} {p}" for p, n in count.most_common()) + f" ({len(items)} ClusterAddons)")' || true
}
# The manager's applies so far, one line per cluster: "CLUSTER COUNT".
applies() {
  curl -sS --max-time 10 "http://127.0.0.1:$port/metrics" 2>/dev/null |
    sed -n 's/^addon_manager_applies_total{cluster="\([^"]*\)"} \([0-9.e+]*\)$/\1 \2/p' | sort
}
# "TOTAL applies on K clusters" between two outputs of applies.
applies_between() {
  python3 - "$1" "$2" <<'PY'
import sys
def parse(text):
    return {line.split()[0]: float(line.split()[1]) for line in text.splitlines() if line.strip()}
before, after = parse(sys.argv[1]), parse(sys.argv[2])
deltas = {c: n - before.get(c, 0) for c, n in after.items() if n - before.get(c, 0) > 0}
print(f"{int(sum(deltas.values()))} (on {len(deltas)} clusters)")
PY
}
# The manager's API requests so far (addon_manager_api_requests_total), one line per series:
# "ROLE|VERB|CODE<tab>COUNT".
api_requests() {
  curl -sS --max-time 10 "http://127.0.0.1:$port/metrics" 2>/dev/null |
    sed -n 's/^addon_manager_api_requests_total{role="\([^"]*\)",verb="\([^"]*\)",code="\([^"]*\)"} \([0-9.e+]*\)$/\1|\2|\3\t\4/p' | sort
}
# The requests between two outputs of api_requests, per cluster per minute over SECONDS:
# "TOTAL per cluster per minute (role verb code: n, ...)".
requests_between() {
  python3 - "$1" "$2" "$3" "$clusters" <<'PY'
import sys
def parse(text):
    return {line.split("\t")[0]: float(line.split("\t")[1]) for line in text.splitlines() if "\t" in line}
before, after = parse(sys.argv[1]), parse(sys.argv[2])
seconds, clusters = float(sys.argv[3]), int(sys.argv[4])
deltas = {k: n - before.get(k, 0) for k, n in after.items() if n - before.get(k, 0) > 0}
per = lambda n: n / clusters / (seconds / 60)
parts = ", ".join(f"{k.replace('|', ' ')}: {per(n):.2f}" for k, n in sorted(deltas.items(), key=lambda kv: -kv[1]))
print(f"{per(sum(deltas.values())):.2f} per cluster per minute ({parts or 'none'})")
PY
}
# The number of status writes (verbs "apply status" and "update status": Clusters, ClusterAddons,
# AddonRollouts, the published catalog) between two outputs of api_requests, answered or not.
status_writes_between() {
  python3 - "$1" "$2" <<'PY'
import sys
def parse(text):
    return {line.split("\t")[0]: float(line.split("\t")[1]) for line in text.splitlines() if "\t" in line}
before, after = parse(sys.argv[1]), parse(sys.argv[2])
if not after:
    print("unavailable (the manager's metrics could not be read)")
    sys.exit(0)
writes = sum(n - before.get(k, 0) for k, n in after.items() if k.split("|")[1] in ("apply status", "update status"))
print(int(writes))
PY
}

idle_rss= idle_cpu= idle_requests= fleet_idle_cpu= idle_applies= idle_status_writes= status_at_end= cpu_converged= bump_apply= bump_all= bump_outcome= bump_changing= bump_total=
if ((converged)) && { ((idle > 0)) || [[ -n $bump ]]; }; then cpu_converged=$(bench_cpu_seconds "$mgr_pid"); fi
if ((converged)) && ((idle > 0)); then
  echo "all Healthy at $(elapsed) s; settling $settle s ..." >&2
  sleep "$settle"
  applies0=$(applies); requests0=$(api_requests); cpu0=$(bench_cpu_seconds "$mgr_pid"); t0=$(date +%s.%N)
  ! ((split)) || fleet_cpu0=$(bench_cpu_seconds "$dev_pid")
  echo "all Healthy at $(elapsed) s; measuring $idle s of idle ..." >&2
  while ! past_limit && python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $t0 < $idle else 1)"; do sleep 1; done
  cpu1=$(bench_cpu_seconds "$mgr_pid"); t1=$(date +%s.%N); applies1=$(applies); requests1=$(api_requests)
  idle_requests=$(requests_between "$requests0" "$requests1" "$(python3 -c "print($t1 - $t0)")")
  idle_cpu=$(python3 -c "print(f'{($cpu1 - $cpu0) / ($t1 - $t0) * 100:.1f} % of one core over {$t1 - $t0:.0f} s')")
  ! ((split)) || fleet_idle_cpu=$(python3 -c "print(f'{($(bench_cpu_seconds "$dev_pid") - $fleet_cpu0) / ($t1 - $t0) * 100:.1f} % of one core')")
  idle_applies=$(applies_between "$applies0" "$applies1")
  idle_status_writes=$(status_writes_between "$requests0" "$requests1")
  # What the manager keeps once converged (the peak adds convergence's transient to it).
  idle_rss=$(rss_mb "$mgr_pid")
fi
if ((converged)) && [[ -n $bump ]] && ! past_limit; then
  addon=${bump%%=*} version=-
  [[ $bump != *=* ]] || version=${bump#*=}
  read -r bump_changing bump_total < <(status_json | python3 "$here/lib/bump.py" plan "$addon" "$version" "$catalog" "$work/bump" "$work/bump.targets")
  echo "changing $addon on $bump_changing of $bump_total clusters ..." >&2
  b0=$(date +%s.%N)
  if ((bump_changing == 0)); then
    bump_outcome="not measured: no cluster would change $addon"
  elif "$ADDONCTL" kube apply --kubeconfig "$work/kc/management.kubeconfig" --field-manager addon-bench -f "$work/bump" >/dev/null 2>"$work/bump.err"; then
    bump_apply=$(python3 -c "print(f'{$(date +%s.%N) - $b0:.1f}')")
    while :; do
      # Only this addon's ClusterAddons (by their label): a poll of all of them, every second,
      # took CPU from the manager it measures (1000 of 5500 objects at 1000 clusters).
      read -r n_done n_total < <(status_json -l "addon-manager.io/addon=$addon" | python3 "$here/lib/bump.py" progress "$work/bump.targets" "$addon")
      if ((n_total > 0 && n_done == n_total)); then bump_all=$(python3 -c "print(f'{$(date +%s.%N) - $b0:.1f}')"); break; fi
      if past_limit; then bump_outcome="$n_done of $n_total at the pinned version and Healthy after $(python3 -c "print(f'{$(date +%s.%N) - $b0:.0f}')") s: stopped"; break; fi
      sleep 1
    done
  else
    bump_outcome="addonctl kube apply failed: $(head -3 "$work/bump.err")"
  fi
fi
# Whether a restarted manager has been through its clusters once ("yes" or "no"; lib/restart.py).
restart_settled() {
  # At 5000 clusters the metrics are some 15 MB; a read cut short says nothing.
  curl -sS --max-time 60 -o "$work/restart-metrics.txt" "http://127.0.0.1:$port/metrics" 2>/dev/null || { echo no; return; }
  python3 "$here/lib/restart.py" settled "$work/restart-expected.json" "$clusters" < "$work/restart-metrics.txt"
}

restart_outcome= restart_requests= restart_cpu= restart_applies= restart_rss= restart_status_writes= restart_settled_after=
if ((converged && restart > 0)) && ! past_limit; then
  status_json | python3 "$here/lib/restart.py" expected > "$work/restart-expected.json" || restart_settled_after=unavailable
  bench_stop "$mgr_pid" 20
  wait "$mgr_time_pid" || true
  echo "manager stopped; starting it again over the converged fleet, measuring $restart s ..." >&2
  start_manager "$work/time-manager-restarted.txt"
  restarted_time_pid=$!
  mgr_pid=$(child_of "$restarted_time_pid")
  if [[ -z $mgr_pid ]]; then
    restart_outcome="the manager did not start again"
  else
    r0=$(date +%s.%N)
    # Its metrics start from zero: what it asks and applies from its start on.
    for _ in $(seq 1 100); do [[ -n $(api_requests) ]] && break; sleep 0.1; done
    next_check=0
    while python3 -c "import sys; sys.exit(0 if $(date +%s.%N) - $r0 < $restart else 1)"; do
      # Every 5 s (a fleet's metrics are long): has it been through every cluster once?
      if [[ -z $restart_settled_after ]] && ((SECONDS >= next_check)); then
        next_check=$((SECONDS + 5))
        [[ $(restart_settled) != yes ]] || restart_settled_after=$(python3 -c "print(f'{$(date +%s.%N) - $r0:.0f}')")
      fi
      sleep 1
    done
    restart_cpu=$(python3 -c "print(f'{$(bench_cpu_seconds "$mgr_pid"):.1f}')")
    # Over "60 s": the figure per cluster per minute is then the number per cluster.
    restart_api=$(api_requests)
    restart_requests=$(requests_between "" "$restart_api" "60" | sed 's/ per cluster per minute/ per cluster/; s/^\([0-9.]*\) per cluster/\1 per cluster in all/')
    restart_applies=$(applies_between "" "$(applies)")
    restart_status_writes=$(status_writes_between "" "$restart_api")
    restart_rss=$(rss_mb "$mgr_pid")
  fi
  mgr_time_pid=$restarted_time_pid
fi
if ((converged)) && { ((idle > 0)) || [[ -n $bump ]] || ((restart > 0)); } || ((!converged)); then status_at_end=$(phases); fi
if ((converged && idle == 0)) && [[ -z $bump ]]; then
  # --exit-when-healthy: it stops by itself; give it 30 s.
  for _ in $(seq 1 300); do kill -0 "$dev_pid" 2>/dev/null || break; sleep 0.1; done
fi
if ((split)); then
  bench_stop "$mgr_pid" 20
  wait "$mgr_time_pid" || true
  mgr_pid=
fi
bench_stop "$dev_pid" 20
wait "$time_pid" || true
dev_pid=
if ((apart)); then
  bench_stop "$plane_pid" 20
  wait "$plane_time_pid" || true
  plane_pid=
  plane_rss_kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$work/time-plane.txt")
  plane_cpu=$(python3 -c "print(f'{$(sed -n 's/^[[:space:]]*User time (seconds): //p' "$work/time-plane.txt") + $(sed -n 's/^[[:space:]]*System time (seconds): //p' "$work/time-plane.txt"):.1f}')")
fi
if ((split)); then [[ -z $log ]] || cp "$work/manager.err" "$log"; else [[ -z $log ]] || cp "$work/err" "$log"; fi

first=$(sed -n 's/^first cluster Healthy: .*, after \([0-9.]*\) s$/\1/p' "$work/out" | head -1)
all=$(sed -n "s/^all $clusters clusters Healthy .* after \([0-9.]*\) s$/\1/p" "$work/out" | head -1)
created=$(sed -n "s/^$clusters cluster(s) created after \([0-9.]*\) s$/\1/p" "$work/out" | head -1)
rss_kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$work/time.txt")
user=$(sed -n 's/^[[:space:]]*User time (seconds): //p' "$work/time.txt")
system=$(sed -n 's/^[[:space:]]*System time (seconds): //p' "$work/time.txt")
if ((split)); then
  mgr_rss_kb=$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$work/time-manager.txt")
  mgr_user=$(sed -n 's/^[[:space:]]*User time (seconds): //p' "$work/time-manager.txt")
  mgr_system=$(sed -n 's/^[[:space:]]*System time (seconds): //p' "$work/time-manager.txt")
fi

report=$(
  echo "Machine: $(bench_machine)"
  echo
  echo "| figure | $clusters clusters |"
  echo "| --- | ---: |"
  echo "| clusters created | ${created:-–} s |"
  echo "| first cluster Healthy | ${first:-not reached} ${first:+s} |"
  echo "| all clusters Healthy | ${all:-not reached} ${all:+s} |"
  [[ -z $cpu_converged ]] || echo "| CPU until all Healthy | $(printf "%.1f" "$cpu_converged") s |"
  if ((split)); then
    echo "| manager (addon-manager run): peak RSS | $((mgr_rss_kb / 1024)) MB |"
    echo "| manager: CPU, whole run | $(python3 -c "print(f'{$mgr_user + $mgr_system:.1f}')") s |"
    echo "| fleet (LocalKube, addon-manager dev --fleet-only$( ((apart)) && echo ": the simulated clusters"; true)): peak RSS | $((rss_kb / 1024)) MB |"
    echo "| fleet: CPU, whole run | $(python3 -c "print(f'{$user + $system:.1f}')") s |"
    ((!apart)) || echo "| management plane (addon-manager localkube): peak RSS | $((plane_rss_kb / 1024)) MB |"
    ((!apart)) || echo "| management plane: CPU, whole run | $plane_cpu s |"
    [[ -z $idle_rss ]] || echo "| manager: RSS at the end of the idle window | $idle_rss MB |"
    [[ -z $idle_cpu ]] || echo "| manager: CPU while idle ($settle s after convergence) | $idle_cpu |"
    [[ -z $fleet_idle_cpu ]] || echo "| fleet: CPU meanwhile | $fleet_idle_cpu |"
  else
    echo "| peak RSS (manager and LocalKube in one process) | $((rss_kb / 1024)) MB |"
    echo "| CPU, whole run | $(python3 -c "print(f'{$user + $system:.1f}')") s |"
    [[ -z $idle_cpu ]] || echo "| CPU while idle ($settle s after convergence) | $idle_cpu |"
  fi
  [[ -z $idle_applies ]] || echo "| applies while idle | $idle_applies |"
  [[ -z $idle_status_writes ]] || echo "| status writes while idle (Clusters, ClusterAddons, ...) | $idle_status_writes |"
  [[ -z $idle_requests ]] || echo "| manager's API requests while idle | $idle_requests |"
  [[ -z $bump_apply ]] || echo "| pin another ${bump%%=*} version on every Cluster ($bump_changing of $bump_total change; one addonctl kube apply) | $bump_apply s |"
  [[ -z $bump_all ]] || echo "| ... until every cluster has it Healthy | $bump_all s |"
  [[ -z $bump_outcome ]] || echo "| bump | $bump_outcome |"
  if [[ -n $restart_cpu ]]; then
    settled_text="not within $restart s"
    [[ -z $restart_settled_after ]] || settled_text="after $restart_settled_after s (checked every 5 s)"
    [[ $restart_settled_after != unavailable ]] || settled_text="unavailable (the ClusterAddons could not be read before the restart)"
    echo "| restarted manager: every controller running, each cluster reconciled (without error) once per ClusterAddon | $settled_text |"
  fi
  [[ -z $restart_applies ]] || echo "| restarted manager, first $restart s: applies | $restart_applies |"
  [[ -z $restart_status_writes ]] || echo "| ... status writes (Clusters, ClusterAddons, ...) | $restart_status_writes |"
  [[ -z $restart_requests ]] || echo "| ... its API requests in that time | $restart_requests |"
  [[ -z $restart_cpu ]] || echo "| ... its CPU | $restart_cpu s |"
  [[ -z $restart_rss ]] || echo "| ... its RSS at the end | $restart_rss MB |"
  [[ -z $restart_outcome ]] || echo "| restart | $restart_outcome |"
  [[ -z $outcome ]] || { echo; echo "Outcome: $outcome."; }
  [[ -z $status_at_end ]] || echo "ClusterAddon phases at the end: $status_at_end"
)
echo
echo "$report"
[[ -z $out ]] || { echo; echo "$report"; } >>"$out"
if ((!converged)); then
  echo >&2
  echo "last lines of the manager's log:" >&2
  tail -5 "$work/$( ((split)) && echo manager.err || echo err)" | cut -c1-400 >&2
  exit 1
fi
