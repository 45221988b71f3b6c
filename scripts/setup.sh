#!/usr/bin/env bash
# Install what the tests, demo and benchmarks need, once per run: the wasm32 Rust target, the
# Python venv with Awa's own migrator/client/worker (awa-cli, awa-pg 0.6.9), the Node package's
# pinned dev dependencies and the runtimes/bundlers of its matrix (npm ci), the Go module's dependencies, Maven and a JDK (Debian's
# packages when missing) and the JVM build's dependencies.
#   scripts/setup.sh [rust] [python] [node] [node-matrix] [go] [jvm]     (no argument: everything)
# Within one run of scripts/test.sh each part is installed once: it exports
# AWA_ENQUEUE_SETUP_DIR, where this script leaves a stamp per part.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
parts=("$@"); [ ${#parts[@]} -gt 0 ] || parts=(rust python node node-matrix go jvm)
stamps="${AWA_ENQUEUE_SETUP_DIR:-}"
for part in "${parts[@]}"; do
  [ -n "$stamps" ] && [ -e "$stamps/$part" ] && continue
  case "$part" in
    rust) rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown >&2 ;;
    python) "$root/scripts/setup-python.sh" >/dev/null ;;
    node)
      command -v node >/dev/null || { echo "setup: Node.js 20 is required" >&2; exit 1; }
      (cd "$root/js" && npm ci --no-audit --no-fund --loglevel=error >&2) ;;
    node-matrix) # runtimes and bundlers of scripts/test-node-matrix.sh (Node 18/22, Bun, Deno, workerd, …)
      (cd "$root/js/test/matrix" && npm ci --no-audit --no-fund --loglevel=error >&2) ;;
    go)
      command -v go >/dev/null || { echo "setup: Go 1.26 is required" >&2; exit 1; }
      (cd "$root/go-example" && go mod download) ;;
    jvm)
      if ! command -v mvn >/dev/null || ! command -v javac >/dev/null; then
        echo "setup: installing Maven and JDK 17 from Debian packages" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2 && apt-get install -y -qq maven openjdk-17-jdk-headless >&2
      fi ;;
    *) echo "setup: unknown part $part" >&2; exit 2 ;;
  esac
  [ -n "$stamps" ] && touch "$stamps/$part"
done
exit 0
