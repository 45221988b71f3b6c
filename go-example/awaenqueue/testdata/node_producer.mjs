// The Node package (js/) as a producer: insert one unique job, print its id or the conflict.
//   node node_producer.mjs REPO_ROOT URL KIND QUEUE ARGS_JSON
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [root, url, kind, queue, argsJson] = process.argv.slice(2);
const require = createRequire(path.join(root, 'js', 'package.json'));
const pg = require('pg');
const awa = await import(pathToFileURL(path.join(root, 'js', 'index.js')).href);
const client = new pg.Client({ connectionString: url });
await client.connect();
try {
  const r = await awa.tryEnqueue(client, { kind, queue, argsJson, unique: { byArgs: true } });
  console.log(JSON.stringify(r.duplicate ? { conflict: true } : { id: String(r.row.id) }));
} finally {
  await client.end();
}
