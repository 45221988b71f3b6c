#!/usr/bin/env bash
# Write DIR/maven/, a Maven repository as Maven Central would serve it: `mvn deploy` of the
# parent POM and the library only (jar, sources jar, javadoc jar, POMs); prints the coordinates.
#   scripts/publish-maven.sh DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:?usage: publish-maven.sh DIR}"
mkdir -p "$dir/maven"; dir="$(cd "$dir" && pwd)"
repo="$dir/maven"
version=0.6.9

if ! command -v mvn >/dev/null || ! command -v javadoc >/dev/null; then
  echo "publish-maven: installing Maven and JDK 17 from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq maven openjdk-17-jdk-headless >&2
fi

log="$(mktemp /tmp/awa-enqueue-publish-maven.XXXXXX.log)"
# -pl: the parent and the library; the conformance runner and the example are not published
if ! (cd "$root/jvm-example" && mvn -B -ntp -Ppublish -pl .,awa-enqueue -DskipTests \
      -DaltDeploymentRepository="local::file://$repo" deploy) >"$log" 2>&1; then
  grep -E '^\[(ERROR|WARNING)\]|error:' "$log" | head -60 >&2
  echo "publish-maven: mvn deploy failed (full log: $log)" >&2
  exit 1
fi
if grep -qE '^\[ERROR\]|: error:' "$log"; then
  grep -E '^\[ERROR\]|: error:' "$log" | head -20 >&2
  echo "publish-maven: errors in the build (full log: $log)" >&2
  exit 1
fi
javadoc_warnings="$(grep -cE ': warning' "$log" || true)"
rm -f "$log"

lib="$repo/dev/awa/enqueue/awa-enqueue/$version"
parent="$repo/dev/awa/enqueue/awa-enqueue-parent/$version"
for f in "$lib/awa-enqueue-$version.jar" "$lib/awa-enqueue-$version-sources.jar" \
         "$lib/awa-enqueue-$version-javadoc.jar" "$lib/awa-enqueue-$version.pom" \
         "$parent/awa-enqueue-parent-$version.pom"; do
  [ -s "$f" ] || { echo "publish-maven: $f is missing" >&2; exit 1; }
done
for a in awa-enqueue-conformance awa-enqueue-example; do
  [ ! -e "$repo/dev/awa/enqueue/$a" ] || { echo "publish-maven: $a must not be published" >&2; exit 1; }
done
manifest="$(unzip -p "$lib/awa-enqueue-$version.jar" META-INF/MANIFEST.MF)"
grep -q '^Automatic-Module-Name: dev.awa.enqueue' <<<"$manifest" \
  || { echo "publish-maven: the jar's manifest has no Automatic-Module-Name" >&2; exit 1; }
! grep -qE '^(Main-Class|Class-Path):' <<<"$manifest" \
  || { echo "publish-maven: the jar's manifest has Main-Class/Class-Path" >&2; exit 1; }
! unzip -l "$lib/awa-enqueue-$version.jar" | grep -qE 'conformance/|Test[A-Za-z]*\.class' \
  || { echo "publish-maven: the jar carries test tooling" >&2; exit 1; }
for tag in '<name>' '<description>' '<url>' '<licenses>' '<scm[ >]' '<developers>'; do
  grep -q "$tag" "$parent/awa-enqueue-parent-$version.pom" \
    || { echo "publish-maven: the parent POM has no $tag" >&2; exit 1; }
done
echo "publish-maven: dev.awa.enqueue:awa-enqueue:$version (jar, sources, javadoc; parent dev.awa.enqueue:awa-enqueue-parent:$version) in file://$repo (javadoc warnings: $javadoc_warnings)"
