#!/usr/bin/env python3
"""Compare a conformance runner's output with expected results (shared format).

usage: conformance-compare.py EXPECTED.jsonl ACTUAL.jsonl
Lines are matched in order and by id. `ok` results must be equal field by field, `run_at`
compared as an instant; `error` results must agree on `code` and `field` (messages are free).
Exit status 0 when everything matches; otherwise every mismatch is listed.
"""
import json
import sys
from datetime import datetime


def instant(value):
    if value is None:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))


def diff(exp, act):
    if exp.get("id") != act.get("id"):
        return f"id {act.get('id')!r} where {exp.get('id')!r} was expected"
    if "error" in exp:
        if "error" not in act:
            return f"expected error {exp['error']}, got {act}"
        e, a = exp["error"], act["error"]
        if (e.get("code"), e.get("field")) != (a.get("code"), a.get("field")):
            return f"expected error {e.get('code')}/{e.get('field')}, got {a.get('code')}/{a.get('field')}: {a.get('message')}"
        return None
    if "ok" not in act:
        return f"expected ok {exp['ok']}, got {act}"
    e, a = exp["ok"], act["ok"]
    if set(e) != set(a):
        return f"fields differ: expected {sorted(e)}, got {sorted(a)}"
    for k in e:
        same = instant(e[k]) == instant(a[k]) if k == "run_at" else e[k] == a[k]
        if not same:
            return f"{k}: expected {e[k]!r}, got {a[k]!r}"
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        expected = [json.loads(l) for l in f if l.strip()]
    with open(sys.argv[2], encoding="utf-8") as f:
        actual = [json.loads(l) for l in f if l.strip()]
    problems = []
    if len(expected) != len(actual):
        problems.append(f"line count: expected {len(expected)}, got {len(actual)}")
    for i, (e, a) in enumerate(zip(expected, actual)):
        d = diff(e, a)
        if d:
            problems.append(f"line {i + 1} ({e.get('id')}): {d}")
    for p in problems[:50]:
        print(p, file=sys.stderr)
    if len(problems) > 50:
        print(f"... {len(problems) - 50} more", file=sys.stderr)
    print(f"conformance: {len(expected)} cases, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
