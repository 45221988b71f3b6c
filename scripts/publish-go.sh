#!/usr/bin/env bash
# The Go module as a module proxy would serve it, into DIR/goproxy/ (usable as
# GOPROXY=file://DIR/goproxy): @v/list, VERSION.info (HEAD's commit time), VERSION.mod and
# VERSION.zip, built by go-example/tools/modzip (golang.org/x/mod/zip) from go-example's
# tracked and untracked-but-not-ignored files. Prints the module path, version and go.sum hashes.
#   scripts/publish-go.sh DIR        (AWA_GO_VERSION overrides the version, default v0.6.9)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:?usage: publish-go.sh DIR}"
command -v go >/dev/null || { echo "publish-go: Go 1.26+ is required" >&2; exit 1; }
module=github.com/awa-enqueue/awa-enqueue/go-example
version="${AWA_GO_VERSION:-v0.6.9}"
mkdir -p "$dir/goproxy"; dir="$(cd "$dir" && pwd)"
stamp="$(git -C "$root" log -1 --format=%cI HEAD)"
[ -z "$(git -C "$root" status --porcelain -- go-example ':!go-example/tools/modzip')" ] \
  || echo "publish-go: go-example has uncommitted changes; the zip is not what tag go-example/$version would serve" >&2
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
# only what git would publish: no ignored files, no build output
(cd "$root" && git ls-files -z -co --exclude-standard -- go-example) |
  while IFS= read -r -d '' f; do
    [ -f "$root/$f" ] || continue
    mkdir -p "$stage/$(dirname "$f")"; cp -p "$root/$f" "$stage/$f"
  done
(cd "$root/go-example/tools/modzip" && go build -o "$stage/modzip" .)
"$stage/modzip" -dir "$stage/go-example" -module "$module" -version "$version" -time "$stamp" -out "$dir/goproxy"
echo "go: GOPROXY=file://$dir/goproxy,https://proxy.golang.org GONOSUMDB='github.com/awa-enqueue/*' go get $module@$version (tag ${module#github.com/awa-enqueue/awa-enqueue/}/$version)"
