"""Awa's own Python side (awa-pg 0.6.9) for the tests and demos of every host.

  awa_py.py worker URL QUEUES KINDS COUNT TIMEOUT_S [STOP_FILE]
        run a real Awa worker (comma-separated queues and kinds) until COUNT jobs ran, the
        timeout passed, or STOP_FILE exists; prints {"seen": [...]}
  awa_py.py insert URL SPEC_JSON
        insert with Awa's Python producer; SPEC is one job or a list of jobs:
        {"kind", "args", "queue", "unique_opts", "ordering_key", "partition": {"logical", "partitions", "key"}}
        (partition: the queue is PartitionedQueue(logical, partitions).queue_for_key(key));
        prints {"inserted": true, "id": N, "queue": Q} or {"inserted": false, "conflict": true}
        (a list for a list)
"""
import asyncio
import json
import os
import sys

import awa


async def worker(url, queue, kind, count, timeout, stop_file=None):
    client = awa.AsyncClient(url)
    seen = []

    async def handle(job):
        seen.append({"id": job.id, "kind": job.kind, "queue": job.queue, "args": job.args})

    queues = queue.split(",")
    for k in kind.split(","):
        client.task(dict, kind=k, queue=queues[0])(handle)
    await client.start([(q, 2) for q in queues], poll_interval_ms=100)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while len(seen) < count and loop.time() < deadline and not (stop_file and os.path.exists(stop_file)):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # let the completion writes land
    finally:
        await client.shutdown(timeout_ms=5000)
    print(json.dumps({"seen": seen}))
    return 0 if len(seen) >= count or stop_file else 1


async def insert_one(client, spec):
    queue = spec.get("queue", "default")
    part = spec.get("partition")
    if part:
        queue = awa.PartitionedQueue(part["logical"], part["partitions"]).queue_for_key(part["key"])
    try:
        job = await client.insert(
            spec["args"], kind=spec["kind"], queue=queue,
            unique_opts=spec.get("unique_opts"), ordering_key=spec.get("ordering_key"),
        )
        return {"inserted": True, "id": job.id, "queue": queue}
    except awa.UniqueConflict as e:
        return {"inserted": False, "conflict": True, "error": str(e)}


async def insert(url, spec):
    client = awa.AsyncClient(url)
    try:
        if isinstance(spec, list):
            out = [await insert_one(client, s) for s in spec]
        else:
            out = await insert_one(client, spec)
        print(json.dumps(out))
    finally:
        close = getattr(client, "close", None)
        if close:
            await close()
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "worker":
        url, queue, kind, count, timeout = sys.argv[2:7]
        stop_file = sys.argv[7] if len(sys.argv) > 7 else None
        return asyncio.run(worker(url, queue, kind, int(count), float(timeout), stop_file))
    if cmd == "insert":
        return asyncio.run(insert(sys.argv[2], json.loads(sys.argv[3])))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
