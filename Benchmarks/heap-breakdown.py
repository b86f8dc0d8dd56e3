"""What a heaptrack flame graph of leaked bytes holds, per cluster: by component, by the async
task machinery, and by our innermost function. Input: heaptrack_print's flame graph output
(`-F`, `--flamegraph-cost-type leaked`), demangled (`swift demangle`), one stack per line,
frames separated by ';', the cost last. Used by Benchmarks/heap.sh.

Usage: python3 Benchmarks/heap-breakdown.py FLAMEGRAPH CLUSTERS"""
import collections
import re
import sys

OURS = ('KubernetesClient.', 'ControllerRuntime.', 'AddonController.', 'AddonCatalog.', 'KubernetesModel.',
        'StructuredMerge.', 'StatusAPI.', 'ClusterLifecycle.', 'AddonManagerCommand.', 'DevFleet.', 'Infrastructure.')


def is_ours(frame):
    # A module name near the start of the frame: "KubernetesClient.X.f", "static AddonCatalog.Y",
    # "generic specialization <...> of ..." names the module after its type arguments, so it is not ours.
    return any(0 <= frame.find(module) < 40 for module in OURS)


def component(frames):
    stack = ';'.join(frames)
    if 'swift_task_create' in stack:
        return 'async task objects'
    if 'swift_task_alloc' in stack or 'StackAllocator' in stack:
        return 'async frame slabs'
    for library in ('NIOSSL', 'NIOHTTP2', 'AsyncHTTPClient', 'NIOPosix'):
        if library in stack:
            return library
    if 'ByteBuffer' in stack:
        return 'SwiftNIO byte buffers (other)'
    for frame in reversed(frames):
        if is_ours(frame):
            return 'ours: ' + next(m for m in OURS if 0 <= frame.find(m) < 40).rstrip('.')
    return 'other'


def main():
    path, clusters = sys.argv[1], int(sys.argv[2])
    components, functions, total = collections.Counter(), collections.Counter(), 0
    with open(path, errors='replace') as lines:
        for line in lines:
            stack, _, cost = line.rstrip('\n').rpartition(' ')
            if not cost.isdigit():
                continue
            frames, cost = stack.split(';'), int(cost)
            total += cost
            components[component(frames)] += cost
            innermost = next((f for f in reversed(frames) if is_ours(f)), None)
            if innermost:
                functions[re.sub(r'\(.*', '', innermost)[:110]] += cost

    def row(cost, what):
        return f'{cost / 1e6:8.2f} MB {cost / clusters / 1e3:7.1f} KB per cluster  {what}'
    print(row(total, 'all still allocated'))
    print('by component:')
    for what, cost in components.most_common():
        print('  ' + row(cost, what))
    print('by our innermost function (top 30):')
    for what, cost in functions.most_common(30):
        print('  ' + row(cost, what))


if __name__ == '__main__':
    main()
