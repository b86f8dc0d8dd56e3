"""What fleet.sh needs to tell when a restarted manager has been through its clusters once.

expected:          reads `kubectl get clusteraddons -A -o json` on stdin and prints the number of
                   ClusterAddons of each cluster, as JSON ({"NAMESPACE/CLUSTER": count}).
settled FILE N:    reads the manager's /metrics on stdin and prints "yes" when all N cluster
                   controllers run, each cluster (FILE, from `expected`) has had at least as many
                   reconciles that did not fail as it has ClusterAddons, and no reconcile is in
                   flight or waiting for a turn (a gauge not exported counts as 0: no bound on
                   reconciles); "no" otherwise. A lower bound: a reconcile of the cluster's own
                   report counts as one.
"""
import collections
import json
import re
import sys


def expected():
    items = json.load(sys.stdin).get("items", [])
    count = collections.Counter(
        f'{i["metadata"].get("namespace", "")}/{i["metadata"].get("labels", {}).get("addon-manager.io/cluster", "")}' for i in items)
    if not count:
        sys.exit("no ClusterAddons could be read")
    print(json.dumps(count))


def settled(path, clusters):
    wanted = json.load(open(path))
    running, in_flight, waiting, counts = 0.0, 0.0, 0.0, collections.Counter()
    for line in sys.stdin:
        if not line.strip() or line.startswith("#"):
            continue
        try:
            value = float(line.split()[-1])
        except ValueError:
            print("no")  # cut short: nothing can be concluded from it
            return
        if line.startswith("addon_manager_cluster_controllers{") and 'state="Running"' in line:
            running = value
        elif line.startswith("addon_manager_reconciles_in_flight"):
            in_flight = value
        elif line.startswith("addon_manager_reconciles_waiting"):
            waiting = value
        elif line.startswith("addon_manager_reconcile_duration_seconds_count{") or line.startswith("addon_manager_reconcile_errors_total{"):
            match = re.search(r'cluster="([^"]*)"', line)
            if match:
                counts[match.group(1)] += value if "_count{" in line else -value
    done = running >= clusters and in_flight == 0 and waiting == 0 and all(counts[c] >= k for c, k in wanted.items())
    print("yes" if done else "no")


if __name__ == "__main__":
    if sys.argv[1] == "expected":
        expected()
    else:
        settled(sys.argv[2], int(sys.argv[3]))
