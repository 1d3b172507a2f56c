#!/usr/bin/env bash
# The newcomer's first command: sets up the local engine (dockerd, a 127.0.0.1 registry and a
# Python base image built with debootstrap, since no base image can be pulled offline), builds one
# non-root image per step of the example notebook, writes its KFP pipeline, and runs it locally.
set -euo pipefail
cd "$(dirname "$0")/.."
NOTEBOOK="${1:-examples/wine/wine.ipynb}"

eval "$(bash .ci/stack.sh | grep '^NBBUILD_BASE=')"
export NBBUILD_BASE
[ -d node_modules ] || npm ci
npm run build --silent

nbbuild() { node bin/nbbuild.js "$@"; }
out_dir="$(dirname "$NOTEBOOK")/.nbbuild"

echo "== plan"
nbbuild plan "$NOTEBOOK"
echo "== images (base $NBBUILD_BASE)"
nbbuild image "$NOTEBOOK" --base "$NBBUILD_BASE" --push 127.0.0.1:5000/nbbuild-demo
echo "== pipeline"
nbbuild pipeline "$NOTEBOOK" -o "$out_dir/pipeline.yaml"
nbbuild pipeline "$NOTEBOOK" --format argo -o "$out_dir/workflow.yaml"
echo "wrote $out_dir/pipeline.yaml (KFP v2 IR) and $out_dir/workflow.yaml (Argo)"
echo "== local run"
nbbuild run "$NOTEBOOK"
