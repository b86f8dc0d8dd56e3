# Timing of one command over several runs, written as hyperfine's --export-json shape
# (results[0].mean/stddev/user/system/times), with hyperfine when installed, else (or with
# BENCH_NO_HYPERFINE=1) a loop under /usr/bin/time.
# Sourced by apply.sh.

# bench_time NAME JSON RUNS PREPARE COMMAND  (PREPARE may be empty; one untimed warm-up run first)
bench_time() {
  local name=$1 json=$2 runs=$3 prepare=$4 command=$5
  if [[ -z ${BENCH_NO_HYPERFINE:-} ]] && command -v hyperfine >/dev/null; then
    local args=(--style basic --warmup 1 --runs "$runs" --export-json "$json" -n "$name")
    [[ -n $prepare ]] && args+=(--prepare "$prepare")
    hyperfine "${args[@]}" "$command" >&2
  else
    local times=$json.times i
    : >"$times"
    for ((i = 0; i <= runs; i++)); do
      [[ -n $prepare ]] && bash -c "$prepare" >/dev/null
      /usr/bin/time -f "%e %U %S" -o "$times.one" bash -c "$command" >/dev/null 2>&1 || { echo "$name failed" >&2; return 1; }
      ((i == 0)) || cat "$times.one" >>"$times"
    done
    python3 - "$name" "$times" "$json" <<'PY'
import json, statistics, sys
name, times_path, out = sys.argv[1:]
rows = [list(map(float, line.split())) for line in open(times_path) if line.strip()]
wall = [r[0] for r in rows]
json.dump({"results": [{"command": name, "mean": statistics.mean(wall), "stddev": statistics.stdev(wall) if len(wall) > 1 else 0.0,
                        "user": statistics.mean(r[1] for r in rows), "system": statistics.mean(r[2] for r in rows), "times": wall}]},
          open(out, "w"))
print(f"{name}: {statistics.mean(wall):.3f} s mean wall over {len(wall)} runs (/usr/bin/time, 10 ms resolution)", file=sys.stderr)
PY
  fi
}
