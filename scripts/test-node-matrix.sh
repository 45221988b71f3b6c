#!/usr/bin/env bash
# The packed npm package in fresh projects, where Node services run: Node 18/20/22 (ESM and
# require), esbuild (ESM and CJS bundles), webpack 5, Vite SSR, Bun (direct and bun build), Deno
# and Cloudflare Workers (workerd via wrangler dev --local). Each enqueues through node-postgres
# into a real Awa database (queue storage); the rows are checked there, and Awa's own Python
# worker completes every job (js/test/matrix/run.mjs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
"$root/scripts/setup.sh" node node-matrix
tmp="$(mktemp -d /tmp/awa-enqueue-node-matrix.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
(cd "$root/js" && npm pack --silent --pack-destination "$tmp" >/dev/null)
url="$("$root/scripts/new-awa-db.sh" node_matrix queue_storage)"
cd "$root/js/test/matrix"
AWA_PY="$("$root/scripts/setup-python.sh")/bin/python" DATABASE_URL="$url" node run.mjs "$tmp"/awa-enqueue-*.tgz
