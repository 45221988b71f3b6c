#!/usr/bin/env bash
# Build what the registries would serve, into DIR: DIR/npm/ (the packed npm tarball),
# DIR/goproxy/ (a tree usable as GOPROXY=file://DIR/goproxy) and DIR/maven/ (a Maven
# repository with the library, sources and javadoc jars); prints the npm file, the Go module
# path and version, and the Maven coordinates.
#   scripts/publish-local.sh DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:?usage: publish-local.sh DIR}"
mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
"$root/scripts/publish-npm.sh" "$dir"
"$root/scripts/publish-go.sh" "$dir"
"$root/scripts/publish-maven.sh" "$dir"
