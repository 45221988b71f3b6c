#!/usr/bin/env bash
# The JVM library installs like a published artifact: scripts/publish-maven.sh into a temp dir,
# then a fresh Maven project in /tmp (no repository on disk) depends on
# dev.awa.enqueue:awa-enqueue:0.6.9 from that file repository, enqueues a unique job into a
# fresh queue_storage Awa database; Awa's Python producer (awa-pg 0.6.9) is refused as a
# duplicate, and a real Awa Python worker completes the job.
#   scripts/test-jvm-install.sh        (starts its own database when DATABASE_URL is unset)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
version=0.6.9
fail() { echo "test-jvm-install: FAIL: $*" >&2; exit 1; }
for tool in psql python3 unzip; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done

work="$(mktemp -d /tmp/awa-jvm-install.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# 1. publish
"$root/scripts/publish-maven.sh" "$work/pub"
repo="$work/pub/maven"
command -v mvn >/dev/null && command -v javac >/dev/null || fail "mvn/javac are not installed"
published="$(find "$repo" -type f \( -name '*.jar' -o -name '*.pom' \) | wc -l)"
[ "$published" -eq 5 ] || fail "expected 5 published files (3 jars, 2 POMs), got $published: $(find "$repo" -type f)"

# 2. a consumer project outside the repository, with its own local repository: third-party
# artifacts are cached between runs, dev/awa/enqueue is purged so it can only come from $repo
m2="${CARGO_TARGET_DIR:-$root/target}/jvm-install-m2"
rm -rf "$m2/dev/awa"
app="$work/consumer"
mkdir -p "$app/src/main/java/example"
cat >"$app/pom.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>example</groupId>
  <artifactId>awa-consumer</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <repositories>
    <repository>
      <id>awa-local</id>
      <url>file://$repo</url>
      <snapshots><enabled>false</enabled></snapshots>
    </repository>
  </repositories>
  <dependencies>
    <dependency>
      <groupId>dev.awa.enqueue</groupId>
      <artifactId>awa-enqueue</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>org.postgresql</groupId>
      <artifactId>postgresql</artifactId>
      <version>42.7.14</version>
      <scope>runtime</scope>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
      <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version></plugin>
    </plugins>
  </build>
</project>
EOF
cat >"$app/src/main/java/example/Main.java" <<'EOF'
package example;

import dev.awa.enqueue.AwaEnqueue;
import dev.awa.enqueue.Hex;
import dev.awa.enqueue.InsertResult;
import dev.awa.enqueue.Job;
import dev.awa.enqueue.JobRow;
import dev.awa.enqueue.PostgresUrl;
import dev.awa.enqueue.UniqueOpts;
import java.sql.Connection;

/** Main URL INVOICE: enqueue send_invoice on queue billing, unique by args; one JSON line. */
public class Main {
    public static void main(String[] args) throws Exception {
        try (AwaEnqueue awa = AwaEnqueue.create(); Connection conn = PostgresUrl.connect(args[0])) {
            awa.checkSchema(conn);
            conn.setAutoCommit(false);
            InsertResult r = awa.tryEnqueue(conn, Job.builder("send_invoice")
                    .argsJson("{\"invoice\":\"" + args[1] + "\"}").queue("billing")
                    .unique(UniqueOpts.byArgs()).build());
            conn.commit();
            JobRow row = r.duplicate() ? r.existing() : r.row();
            System.out.println("{\"inserted\":" + !r.duplicate() + ",\"id\":" + (row == null ? "null" : row.id())
                    + ",\"state\":" + (row == null ? "null" : "\"" + row.state() + "\"")
                    + ",\"unique_key\":\"" + (row == null ? "" : Hex.encode(row.uniqueKey())) + "\"}");
        }
    }
}
EOF
log="$work/consumer.log"
(cd "$app" && mvn -B -ntp -Dmaven.repo.local="$m2" compile dependency:build-classpath \
   -Dmdep.outputFile="$work/cp.txt") >"$log" 2>&1 || { tail -40 "$log" >&2; fail "the consumer project did not build"; }
cp="$(cat "$work/cp.txt")"
got="$m2/dev/awa/enqueue/awa-enqueue/$version/awa-enqueue-$version.jar"
grep -q "$got" <<<"$cp" || fail "awa-enqueue is not on the consumer's classpath from $m2: $cp"
cmp -s "$got" "$repo/dev/awa/enqueue/awa-enqueue/$version/awa-enqueue-$version.jar" \
  || fail "the consumer's awa-enqueue jar is not the published one"
grep -q "awa-enqueue-$version.jar>awa-local=" "$m2/dev/awa/enqueue/awa-enqueue/$version/_remote.repositories" \
  || fail "awa-enqueue did not come from the file repository"
grep -q "awa-enqueue-parent-$version.pom>awa-local=" "$m2/dev/awa/enqueue/awa-enqueue-parent/$version/_remote.repositories" \
  || fail "the parent POM did not come from the file repository"
grep -q "com/dylibso/chicory/runtime/" <<<"$cp" || fail "Chicory's runtime is not a transitive dependency: $cp"
! grep -q "awa-enqueue-conformance" <<<"$cp" || fail "the conformance runner leaked onto the classpath"
jvm() { java -cp "$app/target/classes:$cp" example.Main "$@"; }
field() { python3 -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print(json.dumps(v) if isinstance(v,(bool,type(None))) else v)' "$1" "$2"; }

# 3. a fresh Awa database in queue_storage mode, Awa's own Python producer and worker
url="$("$root/scripts/new-awa-db.sh" jvm_install queue_storage)"
venv="$("$root/scripts/setup-python.sh")"
py() { "$venv/bin/python" "$root/host-tests/fixtures/awa_py.py" "$@"; }
spec() { echo "{\"kind\":\"send_invoice\",\"queue\":\"billing\",\"args\":{\"invoice\":\"$1\"},\"unique_opts\":{\"by_args\":true}}"; }
sql() { psql -X -At -v ON_ERROR_STOP=1 -d "$url" -c "$1"; }

# JVM first: inserted; Awa's Python producer is refused; the JVM again reports the holder
out="$(jvm "$url" INV-1)"
[ "$(field "$out" inserted)" = true ] || fail "the JVM did not insert INV-1: $out"
a="$(field "$out" id)"
[ "$(sql "SELECT state::text FROM awa.jobs WHERE id = $a")" = available ] || fail "job $a is not available"
[ "$(sql "SELECT encode(unique_key, 'hex') FROM awa.jobs WHERE id = $a")" = "$(field "$out" unique_key)" ] \
  || fail "job $a's stored unique key is not the JVM's"
pyout="$(py insert "$url" "$(spec INV-1)")"
[ "$(field "$pyout" conflict)" = true ] || fail "Awa's Python producer was not refused for INV-1: $pyout"
again="$(jvm "$url" INV-1)"
[ "$(field "$again" inserted)" = false ] && [ "$(field "$again" id)" = "$a" ] \
  || fail "the JVM's second INV-1 is not a duplicate of $a: $again"

# Python first: the JVM's duplicate-safe call reports Python's job
pyout="$(py insert "$url" "$(spec INV-2)")"
[ "$(field "$pyout" inserted)" = true ] || fail "Awa's Python producer did not insert INV-2: $pyout"
b="$(field "$pyout" id)"
out="$(jvm "$url" INV-2)"
[ "$(field "$out" inserted)" = false ] && [ "$(field "$out" id)" = "$b" ] \
  || fail "the JVM did not report Python's job $b for INV-2: $out"

# a real Awa Python worker completes both
wout="$(py worker "$url" billing send_invoice 2 90 | tail -n 1)"
ran="$(python3 -c 'import json,sys; print(" ".join(str(j["id"]) for j in json.loads(sys.argv[1])["seen"]))' "$wout")"
for id in "$a" "$b"; do
  grep -qw "$id" <<<"$ran" || fail "the Awa worker did not run job $id (ran: $ran)"
  [ "$(sql "SELECT state::text FROM awa.jobs WHERE id = $id")" = completed ] || fail "job $id is not completed"
done
done_again="$(jvm "$url" INV-1)"
[ "$(field "$done_again" inserted)" = false ] && [ "$(field "$done_again" state)" = completed ] \
  || fail "a completed INV-1 is not a duplicate: $done_again"
total="$(sql "SELECT count(*) FROM awa.jobs")"
[ "$total" -eq 2 ] || fail "expected 2 jobs in awa.jobs, got $total"

echo "test-jvm-install: ok: $published files published; consumer resolved dev.awa.enqueue:awa-enqueue:$version from the file repository; queue_storage: JVM inserted 1, Python refused 1, JVM duplicates 3 (own, Python's, completed), Awa worker completed 2/2, jobs 2"
