#!/usr/bin/env bash
# Fuzzes the parsers that read outside input with libFuzzer, each for a bounded time:
#   bash Fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
# Targets: yaml json kubeconfig template values-schema field-path (default: all, 60 s each).
# Builds once into .build-fuzz with -sanitize=fuzzer,address; seeds are Fuzz/corpus/TARGET/,
# the growing corpus is kept in .build-fuzz/corpus/TARGET/, and an input that crashes or breaks
# a target's property is written to .build-fuzz/findings/ (add it to the seeds and to a
# regression test once fixed). Exits non-zero when any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(yaml json kubeconfig template values-schema field-path)

ADDON_MANAGER_FUZZ=1 swift build --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address --product addon-manager-fuzz
binary=.build-fuzz/debug/addon-manager-fuzz
mkdir -p .build-fuzz/findings
status=0
printf '%-15s %8s %10s %8s %s\n' target seconds executions corpus result
for target in "${targets[@]}"; do
  mkdir -p ".build-fuzz/corpus/$target"
  log=".build-fuzz/findings/$target.log"
  if FUZZ_TARGET=$target "$binary" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
       -artifact_prefix=".build-fuzz/findings/$target-" ".build-fuzz/corpus/$target" "Fuzz/corpus/$target" > "$log" 2>&1; then
    result="0 crashes"
  else
    result="FOUND: see $log"
    status=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  [ -n "$runs" ] || runs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
  corpus=$(ls ".build-fuzz/corpus/$target" | wc -l)
  printf '%-15s %8s %10s %8s %s\n' "$target" "$seconds" "${runs:-?}" "$corpus" "$result"
done
exit $status
