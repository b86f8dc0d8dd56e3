# Shared by the benchmark scripts (sourced, not run).
#   CONFIG=debug (default) uses .build/debug, building it with `swift build` if a binary is missing;
#   CONFIG=release uses .build-release/release (`swift build -c release --static-swift-stdlib
#   --scratch-path .build-release`: the Swift libraries linked in, as deploy/Containerfile builds them).

bench_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_config=${CONFIG:-debug}

# Sets ADDON_MANAGER and ADDONCTL to the binaries of $CONFIG, building them if needed (see below).
bench_binaries() {
  local dir
  case $bench_config in
    debug) dir=$bench_root/.build/debug ;;
    release) dir=$bench_root/.build-release/release ;;
    *) echo "CONFIG must be debug or release, not $bench_config" >&2; exit 2 ;;
  esac
  # ADDON_MANAGER_BIN / ADDONCTL_BIN: use these binaries instead (e.g. one build of each kind);
  # only the binaries not given so are built, when missing or (release) not built as deployed.
  local name build=
  for name in addon-manager addonctl; do
    [[ $name == addon-manager && -n ${ADDON_MANAGER_BIN:-} ]] && continue
    [[ $name == addonctl && -n ${ADDONCTL_BIN:-} ]] && continue
    if [[ ! -x $dir/$name ]]; then
      build=1
    elif [[ $bench_config == release ]] && ldd "$dir/$name" 2>/dev/null | grep -q libswiftCore; then
      # Built before the benchmarks built as deployed: it loads the Swift runtime as a shared
      # library, and measured it would not be what is deployed.
      echo "$dir/$name was built without --static-swift-stdlib: building again as deployed" >&2
      build=1
    fi
  done
  if [[ -n $build ]]; then
    echo "building addon-manager and addonctl ($bench_config) ..." >&2
    if [[ $bench_config == release ]]; then
      # As deploy/Containerfile builds what is deployed: the Swift libraries linked in.
      (cd "$bench_root" && swift build -c release --static-swift-stdlib --scratch-path .build-release --product addon-manager &&
        swift build -c release --static-swift-stdlib --scratch-path .build-release --product addonctl) >&2
    else
      (cd "$bench_root" && swift build --product addon-manager && swift build --product addonctl) >&2
    fi
  fi
  ADDON_MANAGER=${ADDON_MANAGER_BIN:-$dir/addon-manager}
  ADDONCTL=${ADDONCTL_BIN:-$dir/addonctl}
}

# The machine, for the results table.
bench_machine() {
  local model
  model=$(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1)
  local build="$bench_config build"
  [[ -z ${ADDON_MANAGER_BIN:-}${ADDONCTL_BIN:-} ]] || build+=" (addon-manager ${ADDON_MANAGER_BIN:-of it}, addonctl ${ADDONCTL_BIN:-of it})"
  echo "$(nproc) cores, ${model:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $build, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
}

# CPU seconds (user + system) a live process has used so far, from /proc/PID/stat.
bench_cpu_seconds() {
  local ticks
  ticks=$(getconf CLK_TCK)
  # Fields after the command name (which may hold spaces): utime is the 12th, stime the 13th.
  sed 's/^.*) //' "/proc/$1/stat" | awk -v hz="$ticks" '{printf "%.3f\n", ($12 + $13) / hz}'
}

# A TCP port on 127.0.0.1 that nothing listens on right now.
bench_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Waits until FILE exists (up to SECONDS), failing if process PID died first.
bench_wait_for_file() {
  local file=$1 seconds=$2 pid=$3 i
  for ((i = 0; i < seconds * 10; i++)); do
    [[ -s $file ]] && return 0
    kill -0 "$pid" 2>/dev/null || { echo "process $pid exited before writing $file" >&2; return 1; }
    sleep 0.1
  done
  echo "timed out after ${seconds}s waiting for $file" >&2
  return 1
}

# Stops process PID: SIGINT, then SIGKILL if it is still there after GRACE seconds.
bench_stop() {
  local pid=$1 grace=${2:-10} i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -INT "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}
