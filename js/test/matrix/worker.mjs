// Cloudflare Workers (workerd, via wrangler dev --local): the runtime cannot compile wasm from
// bytes, so the app passes the module wrangler imports for it.
import coreModule from 'awa-enqueue/core.wasm';
import { prepare, useModule } from 'awa-enqueue';
import { main } from './app.mjs';

export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === '/without-module') {
      try {
        prepare({ kind: 'k' });
        return Response.json({ loaded: true });
      } catch (e) {
        return Response.json({ name: e.name, code: e.code, message: e.message });
      }
    }
    useModule(coreModule);
    return Response.json(await main(new URL(request.url).searchParams.get('target'), env.DATABASE_URL));
  },
};
