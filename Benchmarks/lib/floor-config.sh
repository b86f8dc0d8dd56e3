#!/usr/bin/env bash
# Writes a curl config (for `curl --parallel -K FILE`) that server-side applies every object
# listed in MANIFESTS.paths (written by manifests.sh): one PATCH per object, all over HTTP/2,
# with the bearer token and CA of the cluster. curl waits to multiplex rather than open more
# connections (no --parallel-immediate), so every request goes over one connection.
# Usage: floor-config.sh MANIFESTS SERVER TOKEN_FILE CA_FILE OUT
set -euo pipefail
manifests=$1 server=$2 token_file=$3 ca=$4 out=$5
token=$(cat "$token_file")
: >"$out"
chmod 600 "$out"
first=1
while read -r file path; do
  [[ $first == 1 ]] || echo next >>"$out"
  first=0
  cat >>"$out" <<CFG
url = "$server$path?fieldManager=raw-floor"
request = "PATCH"
http2
silent
show-error
fail
cacert = "$ca"
header = "Authorization: Bearer $token"
header = "Content-Type: application/apply-patch+yaml"
data-binary = "@$file"
output = "/dev/null"
write-out = "%{http_code} %{http_version} %{num_connects}\\n"
CFG
done <"$manifests.paths"
