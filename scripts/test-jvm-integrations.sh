#!/usr/bin/env bash
# The JVM framework examples of jvm-example/integrations/ (Spring Boot, jOOQ, Kotlin), each a
# standalone Maven project depending on dev.awa.enqueue:awa-enqueue:0.6.9 from the file repository
# of scripts/publish-maven.sh, built outside the repository with a local Maven repository of its
# own, and run against fresh Awa databases in both storage modes: the stored awa.jobs rows are the
# ones the library prepared, rolled-back jobs are absent, and Awa's Python worker completes them.
#   scripts/test-jvm-integrations.sh [spring|jooq|kotlin ...]   (default: all three)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -n "${DATABASE_URL:-}" ] || exec "$root/scripts/with-db.sh" "$0" "$@"
version=0.6.9
fail() { echo "test-jvm-integrations: FAIL: $*" >&2; exit 1; }
for tool in psql python3 unzip; do command -v "$tool" >/dev/null || fail "$tool is not installed"; done
examples=("$@"); [ ${#examples[@]} -gt 0 ] || examples=(spring jooq kotlin)
main_class() { case "$1" in spring) echo example.spring.Application ;; jooq) echo example.jooq.Main ;;
  kotlin) echo example.kotlin.MainKt ;; *) fail "unknown example $1" ;; esac; }
queue_of() { case "$1" in spring) echo spring_receipts ;; jooq) echo jooq_billing ;; kotlin) echo kotlin_welcome ;; esac; }
jobs_of() { case "$1" in spring) echo 2 ;; jooq) echo 4 ;; kotlin) echo 5 ;; esac; }
kinds_of() { case "$1" in spring) echo send_receipt ;; jooq) echo send_invoice,invoice_reminder ;;
  kotlin) echo send_welcome_email,welcome_digest ;; esac; }
for n in "${examples[@]}"; do main_class "$n" >/dev/null; done

# the code blocks of docs/jvm.md's "Frameworks" section are excerpts of the examples: each starts
# with a comment naming its file, and its lines must appear there in a row (indentation aside)
python3 - "$root" <<'EOF' || fail "docs/jvm.md's Frameworks section is out of sync with the examples"
import re, sys
root = sys.argv[1]
doc = open(f"{root}/docs/jvm.md").read().split("\n## Frameworks: Spring, jOOQ, Kotlin\n", 1)
if len(doc) != 2:
    sys.exit("no Frameworks section in docs/jvm.md")
blocks = re.findall(r"```(?:java|kotlin)\n// (\S+)\n(.*?)\n```", doc[1].split("\n## ", 1)[0], re.S)
if len(blocks) < 5:
    sys.exit(f"expected 5 code blocks in the Frameworks section, got {len(blocks)}")
def at(src, k, lines):
    pad = src[k][:len(src[k]) - len(src[k].lstrip())]
    return k + len(lines) <= len(src) and all(
        src[k + i].rstrip() == (pad + l).rstrip() if l.strip() else not src[k + i].strip()
        for i, l in enumerate(lines))
for path, code in blocks:
    src = open(f"{root}/{path}").read().split("\n")
    lines = code.split("\n")
    if not any(at(src, k, lines) for k in range(len(src))):
        sys.exit(f"a code block is not in {path}: {lines[0].strip()}")
EOF

work="$(mktemp -d /tmp/awa-jvm-integrations.XXXXXX)"
trap 'rm -rf "$work"' EXIT
t0=$SECONDS
"$root/scripts/publish-maven.sh" "$work/pub"
repo="$work/pub/maven"
command -v mvn >/dev/null && command -v java >/dev/null || fail "mvn/java are not installed"
# third-party artifacts are cached between runs; dev/awa/enqueue can only come from $repo
m2="${CARGO_TARGET_DIR:-$root/target}/jvm-integrations-m2"
rm -rf "$m2/dev/awa"
venv="$("$root/scripts/setup-python.sh")"
jdbc_url() { python3 -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); q = {"user": p.username or "postgres"}
if p.password: q["password"] = u.unquote(p.password)
print(f"jdbc:postgresql://{p.hostname}:{p.port or 5432}{p.path}?" + u.urlencode(q))' "$1"; }

# compares each stored awa.jobs row with what the library prepared; prints "jobs absent"
check_rows() {
  python3 - "$1" "$2" <<'EOF'
import json, subprocess, sys
out, url = json.loads(sys.argv[1]), sys.argv[2]
rows = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c",
    "SELECT coalesce(json_agg(json_build_object('id', id, 'kind', kind, 'queue', queue, 'args', args, "
    "'metadata', metadata, 'state', state::text, 'priority', priority, 'max_attempts', max_attempts, "
    "'tags', tags, 'unique_key', encode(unique_key, 'hex'), 'unique_states', unique_states::text)), '[]') "
    "FROM awa.jobs"], check=True, capture_output=True, text=True).stdout
stored = {r["id"]: r for r in json.loads(rows)}
expected = {e["id"]: e for e in out["expected"]}
if set(stored) != set(expected):
    sys.exit(f"stored jobs {sorted(stored)} are not the committed ones {sorted(expected)}")
for i, e in expected.items():
    s = stored[i]
    for f in ("args", "metadata"):
        e[f] = json.loads(e[f])
    for f in e:
        if s[f] != e[f]:
            sys.exit(f"job {i}: stored {f} {s[f]!r}, the library prepared {e[f]!r}")
for i in out["absent"]:
    if i in stored:
        sys.exit(f"rolled-back job {i} is stored")
print(len(stored), len(out["absent"]))
EOF
}

summary=()
for name in "${examples[@]}"; do
  tb=$SECONDS
  app="$work/$name"
  cp -r "$root/jvm-example/integrations/$name" "$app"
  rm -rf "$app/target"
  log="$work/$name.log"
  (cd "$app" && mvn -B -ntp -Dmaven.repo.local="$m2" -Dawa.repo="file://$repo" compile dependency:build-classpath \
     -Dmdep.outputFile="$app/cp.txt") >"$log" 2>&1 || { tail -40 "$log" >&2; fail "$name: the example did not build"; }
  cp="$(cat "$app/cp.txt")"
  got="$m2/dev/awa/enqueue/awa-enqueue/$version/awa-enqueue-$version.jar"
  grep -q "$got" <<<"$cp" || fail "$name: awa-enqueue is not on the classpath from $m2"
  cmp -s "$got" "$repo/dev/awa/enqueue/awa-enqueue/$version/awa-enqueue-$version.jar" \
    || fail "$name: the awa-enqueue jar is not the published one"
  grep -q "awa-enqueue-$version.jar>awa-local=" "$m2/dev/awa/enqueue/awa-enqueue/$version/_remote.repositories" \
    || fail "$name: awa-enqueue did not come from the file repository"
  build_s=$((SECONDS - tb))
  line="$name (build ${build_s}s):"
  for mode in canonical queue_storage; do
    tr=$SECONDS
    url="$("$root/scripts/new-awa-db.sh" "jvm_int_${name}_$mode" "$mode")"
    out="$(java -Dorg.jooq.no-logo=true -Dorg.jooq.no-tips=true -cp "$app/target/classes:$cp" \
      "$(main_class "$name")" "$([ "$name" = spring ] && echo --spring.datasource.url=)$(jdbc_url "$url")" 2>"$work/$name-$mode.err")" \
      || { cat "$work/$name-$mode.err" >&2; echo "$out" >&2; fail "$name/$mode: the example failed"; }
    result="$(sed -n 's/^RESULT //p' <<<"$out" | tail -n 1)"
    [ -n "$result" ] || { echo "$out" >&2; fail "$name/$mode: no RESULT line"; }
    read -r stored absent < <(check_rows "$result" "$url") || fail "$name/$mode: stored rows"
    [ "${stored:-0}" -eq "$(jobs_of "$name")" ] || fail "$name/$mode: expected $(jobs_of "$name") committed jobs, got ${stored:-none}"
    wout="$("$venv/bin/python" "$root/host-tests/fixtures/awa_py.py" worker "$url" "$(queue_of "$name")" \
      "$(kinds_of "$name")" "$stored" 120 | tail -n 1)"
    ran="$(python3 -c 'import json,sys; print(len({j["id"] for j in json.loads(sys.argv[1])["seen"]}))' "$wout")"
    done_n="$(psql -X -At -d "$url" -c "SELECT count(*) FROM awa.jobs WHERE state = 'completed'")"
    [ "$ran" -eq "$stored" ] && [ "$done_n" -eq "$stored" ] \
      || fail "$name/$mode: the Awa worker ran $ran, completed $done_n of $stored jobs"
    facts="$(python3 -c 'import json,sys; o=json.loads(sys.argv[1])
print(", ".join(k.replace("_", " ") + " " + str(o[k]) for k in ("committed","batch","rolled_back","duplicates","business_rows") if k in o))' "$result")"
    line="$line $mode: $facts, stored rows = prepared $stored/$stored, absent $absent/$absent, worker completed $done_n/$stored ($((SECONDS - tr))s);"
  done
  summary+=("${line%;}")
done
for l in "${summary[@]}"; do echo "test-jvm-integrations: ok: $l"; done
echo "test-jvm-integrations: ${#summary[@]} examples x 2 storage modes passed ($((SECONDS - t0))s)"
