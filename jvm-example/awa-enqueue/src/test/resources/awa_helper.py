"""Real Awa (awa-pg 0.6.9) worker and producer, driven by the JVM tests.

  worker URL QUEUE KIND COUNT TIMEOUT_S   run a worker until COUNT jobs of KIND completed;
                                          prints one JSON line per job: {"id", "kind", "args"}
  insert URL KIND QUEUE ARGS_JSON UNIQUE_OPTS_JSON
                                          Awa's own producer; prints {"id", "unique_key"} or {"conflict": true}
"""
import asyncio
import json
import sys

import awa


async def worker(url, queue, kind, count, timeout):
    client = awa.AsyncClient(url)
    done = asyncio.Event()
    seen = []

    @client.task(dict, kind=kind, queue=queue)
    async def handle(job):
        seen.append(job.id)
        print(json.dumps({"id": job.id, "kind": job.kind, "args": job.args}), flush=True)
        if len(seen) >= count:
            done.set()

    await client.start([(queue, 2)])
    try:
        await asyncio.wait_for(done.wait(), timeout)
        await asyncio.sleep(0.5)  # let the last completion commit
    finally:
        await client.shutdown()


async def insert(url, kind, queue, args_json, unique_json):
    client = awa.AsyncClient(url)
    unique = json.loads(unique_json)
    try:
        job = await client.insert(json.loads(args_json), kind=kind, queue=queue, unique_opts=unique)
        print(json.dumps({"id": job.id}), flush=True)
    except awa.UniqueConflict:
        print(json.dumps({"conflict": True}), flush=True)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "worker":
        asyncio.run(worker(args[0], args[1], args[2], int(args[3]), float(args[4])))
    elif cmd == "insert":
        asyncio.run(insert(*args))
    else:
        raise SystemExit(f"unknown command {cmd}")


if __name__ == "__main__":
    main()
