"""A one-addon version change on every cluster of `addon-manager dev`, for fleet.sh.

plan ADDON VERSION|- CATALOG OUTDIR TARGETS < clusteraddons.json
    For every ClusterAddon of ADDON (`kubectl get clusteraddons -A -o json`), picks the version to pin:
    VERSION, or with "-" the newest version in CATALOG/addons/ADDON other than the one the
    cluster runs. Writes one partial Cluster object per cluster into OUTDIR (spec.addons, a
    list keyed by name, so only that entry's version is applied) and "PROJECT/CLUSTER VERSION"
    lines into TARGETS. Prints "CHANGING TOTAL".
progress TARGETS ADDON < clusteraddons.json
    Prints "DONE TOTAL": clusters of TARGETS whose ADDON reports the target version applied
    and Healthy.
"""
import json
import os
import sys


def rows(addon):
    """The ClusterAddons of ADDON as {project, cluster, addon, appliedVersion, phase}."""
    try:
        items = json.load(sys.stdin)["items"]
    except (ValueError, KeyError):
        return []
    result = []
    for item in items:
        spec, status = item.get("spec", {}), item.get("status", {})
        if spec.get("addon") != addon:
            continue
        result.append({"project": item.get("metadata", {}).get("namespace"), "cluster": spec.get("cluster"), "addon": addon,
                       "appliedVersion": status.get("appliedVersion"), "phase": status.get("phase")})
    return result


def version_key(text):
    return tuple(int(part) if part.isdigit() else 0 for part in text.split("."))


def plan(addon, version, catalog, outdir, targets_path):
    versions = sorted(os.listdir(os.path.join(catalog, "addons", addon)), key=version_key)
    os.makedirs(outdir, exist_ok=True)
    changing, total = 0, 0
    with open(targets_path, "w") as targets:
        for row in rows(addon):
            project, cluster, current = row.get("project"), row.get("cluster"), row.get("appliedVersion")
            if version != "-":
                target = version
            else:
                others = [v for v in versions if v != current]
                if not others:
                    continue
                target = others[-1]
            total += 1
            changing += target != current
            obj = {"apiVersion": "addon-manager.io/v1alpha1", "kind": "Cluster",
                   "metadata": {"name": cluster, "namespace": project},
                   "spec": {"addons": [{"name": addon, "version": target}]}}
            with open(os.path.join(outdir, f"{project}-{cluster}.yaml"), "w") as f:
                json.dump(obj, f)
            targets.write(f"{project}/{cluster} {target}\n")
    print(changing, total)


def progress(targets_path, addon):
    targets = dict(line.split() for line in open(targets_path) if line.strip())
    done = sum(1 for r in rows(addon)
               if targets.get(f"{r.get('project')}/{r.get('cluster')}") == r.get("appliedVersion") and r.get("phase") == "Healthy")
    print(done, len(targets))


if __name__ == "__main__":
    if sys.argv[1] == "plan":
        plan(*sys.argv[2:7])
    elif sys.argv[1] == "progress":
        progress(*sys.argv[2:4])
    else:
        sys.exit(__doc__)
