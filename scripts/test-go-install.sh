#!/usr/bin/env bash
# The Go module installs like a published package: publish-go.sh writes a GOPROXY tree, a
# fresh module in /tmp (no replace, no checkout on disk, its own module cache) runs `go get
# ...@VERSION` through GOPROXY=file://...,https://proxy.golang.org and builds a main.go on the
# public API (TryEnqueue over pgx). Against fresh queue_storage databases, with a module-mode
# and then a vendored build: Awa's Python producer (awa-pg 0.6.9) is refused as a duplicate of
# the Go job, Go reports a Python job as Duplicate with its id, and Awa's Python worker
# completes them.
#   scripts/test-go-install.sh        (AWA_GO_VERSION as for publish-go.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
for tool in go gofmt psql python3; do
  command -v "$tool" >/dev/null || { echo "test-go-install: $tool is required" >&2; exit 1; }
done
fail() { echo "test-go-install: FAIL: $*" >&2; exit 1; }
module=github.com/awa-enqueue/awa-enqueue/go-example
version="${AWA_GO_VERSION:-v0.6.9}"
venv="$("$root/scripts/setup-python.sh")"
awa_py() { "$venv/bin/python" "$root/host-tests/fixtures/awa_py.py" "$@"; }
# jget JSON EXPR: EXPR evaluated on the parsed JSON as `j`
jget() { python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"; }

(cd "$root/go-example/tools/modzip" && go vet . && [ -z "$(gofmt -l .)" ]) || fail "go-example/tools/modzip: go vet or gofmt"
tmp="$(mktemp -d /tmp/awa-go-install.XXXXXX)"
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
published="$("$root/scripts/publish-go.sh" "$tmp/pub")"
echo "$published"
zip_sum="$(awk -v m="$module" -v v="$version" '$1 == m && $2 == v { print $3 }' <<<"$published")"
mod_sum="$(awk -v m="$module" -v v="$version/go.mod" '$1 == m && $2 == v { print $3 }' <<<"$published")"
[ -n "$zip_sum" ] && [ -n "$mod_sum" ] || fail "publish-go.sh printed no hashes for $module $version"
files="$(sed -n 's/^go: .* (\([0-9]*\) files.*/\1/p' <<<"$published")"

# the consumer: outside the repository, its own GOPATH and module cache, no workspace
app="$tmp/app"; mkdir -p "$app"; cd "$app"
case "$app" in "$root"/*) fail "consumer $app is inside the repository" ;; esac
export GOPATH="$tmp/gopath" GOMODCACHE="$tmp/gopath/pkg/mod" GOWORK=off GOTOOLCHAIN=local
export GOPROXY="file://$tmp/pub/goproxy,https://proxy.golang.org" GONOSUMDB='github.com/awa-enqueue/*'
export GOFLAGS="-mod=mod -modcacherw"
go mod init example.com/awa-go-consumer 2>/dev/null || fail "go mod init failed"
go get "$module@$version"
cat > main.go <<'EOF'
// Command awa-go-consumer enqueues one unique Awa job (unique by args, Awa's default) in a
// transaction and prints the outcome as JSON.
//
//	awa-go-consumer URL KIND ARGS_JSON
package main

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/awa-enqueue/awa-enqueue/go-example/awaenqueue"
	"github.com/jackc/pgx/v5/pgxpool"
)

type outcome struct {
	Inserted   bool   `json:"inserted"`
	ID         int64  `json:"id,omitempty"`
	State      string `json:"state,omitempty"`
	UniqueKey  string `json:"unique_key,omitempty"`
	Duplicate  bool   `json:"duplicate"`
	ExistingID int64  `json:"existing_id,omitempty"`
	Awa        string `json:"awa"`
	Schema     int32  `json:"schema"`
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: awa-go-consumer URL KIND ARGS_JSON")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "awa-go-consumer:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, url, kind, args string) error {
	b, err := awaenqueue.New(ctx)
	if err != nil {
		return err
	}
	defer b.Close(ctx)
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	status, err := b.CheckSchema(ctx, pool)
	if err != nil {
		return err
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	res, err := b.TryEnqueue(ctx, tx, awaenqueue.Job{
		Kind:   kind,
		Args:   json.RawMessage(args),
		Unique: &awaenqueue.UniqueOpts{ByArgs: true},
	})
	if err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return err
	}

	out := outcome{Duplicate: res.Duplicate, Awa: b.ContractInfo().AwaVersion, Schema: status.SchemaVersion}
	switch {
	case res.Row != nil:
		out.Inserted, out.ID, out.State = true, res.Row.ID, res.Row.State
		out.UniqueKey = hex.EncodeToString(res.Row.UniqueKey)
	case res.Existing != nil:
		out.ExistingID = res.Existing.ID
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
EOF
go mod tidy
[ -z "$(gofmt -l .)" ] || fail "gofmt -l lists main.go"
go vet .

# installed as a package: no replace, from the module cache, hashes as published
grep -q '^replace\|^[[:space:]]*replace' go.mod && fail "go.mod has a replace directive"
[ -z "$(go list -m -f '{{if .Replace}}{{.Replace}}{{end}}' "$module")" ] || fail "$module is replaced"
[ "$(go list -m -f '{{.Version}}' "$module")" = "$version" ] || fail "$module is not at $version"
dir="$(go list -m -f '{{.Dir}}' "$module")"
[ "$dir" = "$GOMODCACHE/$module@$version" ] || fail "$module loaded from $dir, not the module cache"
grep -qxF "$module $version $zip_sum" go.sum || fail "go.sum lacks '$module $version $zip_sum'"
grep -qxF "$module $version/go.mod $mod_sum" go.sum || fail "go.sum lacks the published go.mod hash $mod_sum"
verify="$(go mod verify)"
[ "$verify" = "all modules verified" ] || fail "go mod verify: $verify"
wasm="$dir/awaenqueue/awa_enqueue.wasm"
cmp -s "$wasm" "$root/go-example/awaenqueue/awa_enqueue.wasm" || fail "the installed awa_enqueue.wasm differs from the repository's"

jobs=0 py_refused=0 go_dups=0 completed=0
# scenario BUILD DB: one run of the binary against a fresh queue_storage database
scenario() {
  local bin="$1" name="$2" url kind out a b py
  url="$("$root/scripts/new-awa-db.sh" "$name" queue_storage)"
  kind="go_install_$name"
  # Go first; a second TryEnqueue and Awa's Python producer are duplicates
  out="$("$bin" "$url" "$kind" '{"to":"a@example.com","n":1}')" || fail "$name: Go enqueue failed"
  [ "$(jget "$out" 'j["inserted"]')" = True ] || fail "$name: Go job not inserted: $out"
  [ "$(jget "$out" 'j["awa"]')" = 0.6.9 ] || fail "$name: contract is not Awa 0.6.9: $out"
  a="$(jget "$out" 'j["id"]')"
  out="$("$bin" "$url" "$kind" '{"n":1,"to":"a@example.com"}')" || fail "$name: second Go enqueue failed"
  [ "$(jget "$out" 'j["duplicate"] and j["existing_id"]')" = "$a" ] || fail "$name: Go's second try is not a duplicate of $a: $out"
  py="$(awa_py insert "$url" "{\"kind\":\"$kind\",\"args\":{\"to\":\"a@example.com\",\"n\":1},\"unique_opts\":{\"by_args\":true}}")"
  [ "$(jget "$py" 'j.get("conflict")')" = True ] || fail "$name: Awa's Python producer was not refused for Go job $a: $py"
  py_refused=$((py_refused + 1))
  # Python first; Go's TryEnqueue reports the Python job (other key order and spacing)
  py="$(awa_py insert "$url" "{\"kind\":\"$kind\",\"args\":{\"to\":\"b@example.com\",\"n\":2},\"unique_opts\":{\"by_args\":true}}")"
  [ "$(jget "$py" 'j.get("inserted")')" = True ] || fail "$name: Python insert failed: $py"
  b="$(jget "$py" 'j["id"]')"
  out="$("$bin" "$url" "$kind" '{ "n": 2, "to": "b@example.com" }')" || fail "$name: Go enqueue of the Python job failed"
  [ "$(jget "$out" 'j["duplicate"] and j["existing_id"]')" = "$b" ] || fail "$name: Go did not report Python job $b as the duplicate: $out"
  go_dups=$((go_dups + 1))
  # Awa's Python worker completes both
  out="$(awa_py worker "$url" default "$kind" 2 60 | tail -n 1)" || fail "$name: Awa's Python worker failed: $out"
  [ "$(jget "$out" 'sorted(x["id"] for x in j["seen"])')" = "$(jget "[$a,$b]" 'sorted(j)')" ] || fail "$name: worker ran $out, expected jobs $a and $b"
  local ndone
  for _ in $(seq 50); do
    ndone="$(psql -X -At -d "$url" -c "SELECT count(*) FROM awa.jobs WHERE kind = '$kind' AND state = 'completed' AND id IN ($a, $b)")"
    [ "$ndone" = 2 ] && break; sleep 0.1
  done
  [ "$ndone" = 2 ] || fail "$name: $ndone of jobs $a, $b completed"
  [ "$(psql -X -At -d "$url" -c "SELECT count(*) FROM awa.jobs WHERE kind = '$kind'")" = 2 ] || fail "$name: more than 2 jobs of $kind"
  jobs=$((jobs + 1)); completed=$((completed + 2))
  echo "test-go-install: $name: Go job $a, Python duplicate refused, Python job $b reported by Go, both completed"
}

go build -o "$tmp/consumer-mod" .
dep="$(go version -m "$tmp/consumer-mod" | awk -v m="$module" '$1 == "dep" && $2 == m { print $3, $4 }')"
[ "$dep" = "$version $zip_sum" ] || fail "the binary's build info records '$dep', not '$version $zip_sum'"
scenario "$tmp/consumer-mod" go_install_mod

# vendored: no proxy, an empty module cache; the embedded module must come from vendor/
go mod vendor
[ -f "vendor/$module/awaenqueue/awa_enqueue.wasm" ] || fail "vendor/ lacks awaenqueue/awa_enqueue.wasm"
cmp -s "vendor/$module/awaenqueue/awa_enqueue.wasm" "$wasm" || fail "vendored awa_enqueue.wasm differs"
grep -qxF "# $module $version" vendor/modules.txt || fail "vendor/modules.txt lacks $module $version"
GOFLAGS=-mod=vendor GOPROXY=off GOMODCACHE="$tmp/empty-modcache" go build -o "$tmp/consumer-vendor" .
scenario "$tmp/consumer-vendor" go_install_vendor

echo "test-go-install: $module $version from file:// GOPROXY ($files files, go.sum h1 as published, go mod verify ok, no replace); module and vendored builds: $jobs Go jobs enqueued, $py_refused Python duplicates refused, $go_dups Python jobs reported as Duplicate by Go, $completed jobs completed by Awa's Python worker (queue_storage)"
