#!/usr/bin/env bash
# Build the core module (wasm32-unknown-unknown, zero imports) reproducibly, the component
# derived from it, and the canonical-ABI layout files of the Go and JVM glue (generated from
# wit/ by wit/codegen and checked against the built module).
#   scripts/build-wasm.sh          build; update the committed module copies and layout files;
#                                  write target/awa_enqueue.component.wasm
#   scripts/build-wasm.sh --check  build and fail if a committed copy or layout file differs
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown >&2
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="--remap-path-prefix=$cargo_home=/cargo --remap-path-prefix=$rustup_home=/rustup --remap-path-prefix=$root=/awa-enqueue"
target="${CARGO_TARGET_DIR:-$root/target}"
cargo build -q --locked -p awa-enqueue --profile wasm --target wasm32-unknown-unknown
cargo build -q --locked --release -p wit-codegen
codegen="$target/release/wit-codegen"
built="$target/wasm32-unknown-unknown/wasm/awa_enqueue.wasm"
copies=(wasm/awa_enqueue.wasm go-example/awaenqueue/awa_enqueue.wasm)
layouts=(--go go-example/internal/abi/layout.go --java jvm-example/awa-enqueue/src/main/java/dev/awa/enqueue/Layout.java)
if [ "${1:-}" = "--check" ]; then
  status=0
  for c in "${copies[@]}"; do
    if ! cmp -s "$built" "$c"; then
      echo "build-wasm: $c differs from a fresh build ($(sha256sum "$built" | cut -c1-16) vs $(sha256sum "$c" 2>/dev/null | cut -c1-16)); run scripts/build-wasm.sh and commit" >&2
      status=1
    fi
  done
  "$codegen" layout "$built" "${layouts[@]}" --check || status=1
  [ $status = 0 ] && echo "build-wasm: committed core module matches a fresh build ($(wc -c <"$built") bytes, sha256 $(sha256sum "$built" | cut -c1-16)); layout files are current"
  exit $status
fi
for c in "${copies[@]}"; do mkdir -p "$(dirname "$c")"; cp "$built" "$c"; done
mkdir -p go-example/internal/abi
"$codegen" layout "$built" "${layouts[@]}"
"$codegen" component "$built" "$target/awa_enqueue.component.wasm"
echo "build-wasm: core module $(wc -c <"$built") bytes, sha256 $(sha256sum "$built" | cut -c1-16); layout files written; component $(wc -c <"$target/awa_enqueue.component.wasm") bytes"
