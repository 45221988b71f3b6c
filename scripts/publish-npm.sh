#!/usr/bin/env bash
# The npm package as the registry would serve it: `npm pack` of js/ into DIR/npm/; prints the
# tarball and how to install it.
#   scripts/publish-npm.sh DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:?usage: publish-npm.sh DIR}"
mkdir -p "$dir/npm"; dir="$(cd "$dir" && pwd)"
file="$(cd "$root/js" && npm pack --silent --pack-destination "$dir/npm" | tail -n 1)"
echo "npm: $dir/npm/$file (npm install $dir/npm/$file)"
