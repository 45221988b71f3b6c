#!/usr/bin/env bash
# Project-local venv with Awa's own migrator (awa-cli) and Python client/worker (awa-pg).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/.venv-awa"
if [ ! -x "$venv/bin/awa" ] || ! "$venv/bin/python" -c 'import awa' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check awa-cli==0.6.9 awa-pg==0.6.9
fi
echo "$venv"
