#!/usr/bin/env bash
# Writes COUNT ConfigMaps and COUNT Deployments (one file each, JSON bodies that are also
# valid YAML) into DIR, all in NAMESPACE, named PREFIX-cm-N / PREFIX-deploy-N, and DIR.paths:
# one line per file, "FILE API-PATH", for sending the same objects with curl.
# Usage: manifests.sh DIR NAMESPACE PREFIX [COUNT]
set -euo pipefail
dir=$1 namespace=$2 prefix=$3 count=${4:-30}
mkdir -p "$dir"
rm -f "$dir"/*.yaml
: >"$dir.paths"
for i in $(seq 1 "$count"); do
  cat >"$dir/cm-$i.yaml" <<CM
{"apiVersion": "v1", "kind": "ConfigMap",
 "metadata": {"name": "$prefix-cm-$i", "namespace": "$namespace", "labels": {"app.kubernetes.io/name": "bench", "bench/index": "$i"}},
 "data": {"config.yaml": "listen: 0.0.0.0:8080\nlogLevel: info\nreplica: $i\n", "feature-flags": "a=true,b=false,c=$i", "owner": "benchmarks"}}
CM
  cat >"$dir/deploy-$i.yaml" <<DEPLOY
{"apiVersion": "apps/v1", "kind": "Deployment",
 "metadata": {"name": "$prefix-deploy-$i", "namespace": "$namespace", "labels": {"app.kubernetes.io/name": "bench", "bench/index": "$i"}},
 "spec": {"replicas": 2,
  "selector": {"matchLabels": {"app": "$prefix-deploy-$i"}},
  "template": {"metadata": {"labels": {"app": "$prefix-deploy-$i", "app.kubernetes.io/name": "bench"}},
   "spec": {"containers": [{"name": "server", "image": "registry.example/bench/server:1.$i.0",
     "args": ["--config=/etc/bench/config.yaml", "--port=8080"],
     "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}, {"name": "metrics", "containerPort": 9090, "protocol": "TCP"}],
     "env": [{"name": "INDEX", "value": "$i"}, {"name": "MODE", "value": "bench"}],
     "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
     "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
     "volumeMounts": [{"name": "config", "mountPath": "/etc/bench", "readOnly": true}]}],
    "volumes": [{"name": "config", "configMap": {"name": "$prefix-cm-$i"}}]}}}}
DEPLOY
  echo "$dir/cm-$i.yaml /api/v1/namespaces/$namespace/configmaps/$prefix-cm-$i" >>"$dir.paths"
  echo "$dir/deploy-$i.yaml /apis/apps/v1/namespaces/$namespace/deployments/$prefix-deploy-$i" >>"$dir.paths"
done
