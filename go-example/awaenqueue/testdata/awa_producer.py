"""Awa's own Python producer (awa-pg 0.6.9): insert one unique job, print its id or the conflict."""
import asyncio
import json
import sys

import awa


async def main(url, kind, queue, args_json, unique_json):
    client = awa.AsyncClient(url)
    try:
        job = await client.insert(json.loads(args_json), kind=kind, queue=queue, unique_opts=json.loads(unique_json))
        print(json.dumps({"id": job.id}))
    except awa.UniqueConflict:
        print(json.dumps({"conflict": True}))
    finally:
        close = getattr(client, "close", None)
        if close:
            await close()


asyncio.run(main(*sys.argv[1:6]))
