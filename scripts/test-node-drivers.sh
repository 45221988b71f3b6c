#!/usr/bin/env bash
# The recipes of docs/node.md "Other clients" (Kysely, Drizzle, Prisma 7 with @prisma/adapter-pg,
# @neondatabase/serverless through a local WebSocket relay) with the pinned clients of
# js/test/drivers/package.json, against fresh Awa databases in both storage modes: one job, a
# batch, duplicate-safe enqueues inside the client's transaction (visible and concurrent
# duplicates), stored rows checked against prepare; and the docs show the tested code.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
command -v node >/dev/null || { echo "test-node-drivers: node is required" >&2; exit 1; }
cd "$root/js/test/drivers"
npm ci --no-audit --no-fund --loglevel=error
# prisma generate needs no engine, but checks that a schema engine exists (it would download one
# from binaries.prisma.sh otherwise): a stand-in that refuses to run
PRISMA_SCHEMA_ENGINE_BINARY="$PWD/prisma/no-schema-engine" npx --no-install prisma generate >/dev/null
AWA_DRIVERS_CANONICAL_URL="$("$root/scripts/new-awa-db.sh" node_drivers_canonical canonical)"
AWA_DRIVERS_QUEUE_STORAGE_URL="$("$root/scripts/new-awa-db.sh" node_drivers_qs queue_storage)"
export AWA_DRIVERS_CANONICAL_URL AWA_DRIVERS_QUEUE_STORAGE_URL
node --test --test-concurrency=1 ./*.test.mjs
