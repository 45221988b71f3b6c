#!/usr/bin/env bash
# Project-local venv with Awa's own migrator (awa-cli) and Python client/worker (awa-pg), and
# print its path. AWA_CLI_VERSION (default 0.6.9) picks another awa-cli release for the
# migrator, in a venv of its own (.venv-awa-<version>), e.g. for the compatibility matrix.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
version="${AWA_CLI_VERSION:-0.6.9}"
if [ "$version" = 0.6.9 ]; then
  venv="$root/.venv-awa"
  packages=(awa-cli==0.6.9 awa-pg==0.6.9)
else
  venv="$root/.venv-awa-$version"
  packages=("awa-cli==$version")
fi
if [ ! -x "$venv/bin/awa" ] || { [ "$version" = 0.6.9 ] && ! "$venv/bin/python" -c 'import awa' 2>/dev/null; }; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "${packages[@]}" >&2
fi
echo "$venv"
