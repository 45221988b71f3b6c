"""Real Awa worker (awa-pg 0.6.9) for the Go tests: serves one kind on one queue, prints each
job it runs as a JSON line, and shuts down when stdin closes."""
import asyncio
import json
import sys

import awa


async def main(url, kind, queue):
    client = awa.AsyncClient(url)

    @client.task(dict, kind=kind, queue=queue)
    async def handle(job):
        print(json.dumps({"id": job.id, "kind": job.kind, "queue": job.queue, "args": job.args}), flush=True)

    await client.start([(queue, 2)])
    print(json.dumps({"started": True}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await client.shutdown()


asyncio.run(main(*sys.argv[1:4]))
