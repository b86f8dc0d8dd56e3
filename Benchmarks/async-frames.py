#!/usr/bin/env python3
"""The size of each async function's frame in a binary, largest first.

    python3 Benchmarks/async-frames.py BINARY [REGEX] [COUNT]

BINARY: an ELF binary built by Swift (a release build: frames differ from a debug build's).
REGEX: which functions, matched against their demangled names (default: all).
COUNT: how many to print (default 40).

A caller allocates its async callee's frame (its "async context", of a size fixed at compile
time and stored in the function's "async function pointer", the symbol ending in `Tu`) from the
task's allocator. A task keeps the memory of its deepest chain of frames for as long as it
lives, so a long-lived loop (an informer's, a cluster's probe) that once makes a deep call keeps
that call's frames for good: this shows which frames are large. Needs `nm`, `readelf` and
`swift-demangle`.
"""
import re
import struct
import subprocess
import sys


def load_segments(binary):
    """(virtual address, file offset, size) of each LOAD segment."""
    segments = []
    for line in subprocess.run(["readelf", "-lW", binary], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if parts and parts[0] == "LOAD":
            offset, vaddr, _, filesize = (int(x, 16) for x in parts[1:5])
            segments.append((vaddr, offset, filesize))
    return segments


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    binary = sys.argv[1]
    pattern = re.compile(sys.argv[2] if len(sys.argv) > 2 else "")
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    # Defined symbols only: a dynamically linked binary also lists the runtime's, undefined here.
    symbols = [line.split() for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True, check=True).stdout.splitlines()
               if line.endswith("Tu") and len(line.split()) == 3]
    names = subprocess.run(["swift-demangle", "-compact"], input="\n".join(s[-1] for s in symbols),
                           capture_output=True, text=True, check=True).stdout.splitlines()
    segments = load_segments(binary)
    with open(binary, "rb") as f:
        data = f.read()
    frames = []
    for symbol, name in zip(symbols, names):
        name = name.removeprefix("async function pointer to ")
        if not pattern.search(name):
            continue
        address = int(symbol[0], 16)
        offset = next((address - v + o for v, o, s in segments if v <= address < v + s), None)
        if offset is None:
            continue
        # struct AsyncFunctionPointer { int32 relative function; uint32 expected context size }
        _, size = struct.unpack("<iI", data[offset:offset + 8])
        frames.append((size, name))
    for size, name in sorted(frames, key=lambda f: -f[0])[:count]:
        print(f"{size:6d}  {name[:200]}")


if __name__ == "__main__":
    main()
