"""Awa's own Python side (awa-pg 0.6.9) for the tests and demos of every host.

  awa_py.py worker URL QUEUES KINDS COUNT TIMEOUT_S  run a real Awa worker (comma-separated queues and
                                                     kinds) until COUNT jobs ran
  awa_py.py insert URL SPEC_JSON                    insert with Awa's Python producer
Prints one JSON object on stdout.
"""
import asyncio
import json
import sys

import awa


async def worker(url, queue, kind, count, timeout):
    client = awa.AsyncClient(url)
    seen = []
    done = asyncio.Event()

    async def handle(job):
        seen.append({"id": job.id, "kind": job.kind, "queue": job.queue, "args": job.args})
        if len(seen) >= count:
            done.set()

    queues = queue.split(",")
    for k in kind.split(","):
        client.task(dict, kind=k, queue=queues[0])(handle)
    await client.start([(q, 2) for q in queues], poll_interval_ms=100)
    try:
        await asyncio.wait_for(done.wait(), timeout)
        await asyncio.sleep(0.5)  # let the completion writes land
    except asyncio.TimeoutError:
        pass
    finally:
        await client.shutdown(timeout_ms=5000)
    print(json.dumps({"seen": seen}))
    return 0 if len(seen) >= count else 1


async def insert(url, spec):
    client = awa.AsyncClient(url)
    try:
        job = await client.insert(
            spec["args"], kind=spec["kind"], queue=spec.get("queue", "default"),
            unique_opts=spec.get("unique_opts"),
        )
        print(json.dumps({"inserted": True, "id": job.id}))
    except awa.UniqueConflict as e:
        print(json.dumps({"inserted": False, "conflict": True, "error": str(e)}))
    finally:
        close = getattr(client, "close", None)
        if close:
            await close()
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "worker":
        url, queue, kind, count, timeout = sys.argv[2:7]
        return asyncio.run(worker(url, queue, kind, int(count), float(timeout)))
    if cmd == "insert":
        return asyncio.run(insert(sys.argv[2], json.loads(sys.argv[3])))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
