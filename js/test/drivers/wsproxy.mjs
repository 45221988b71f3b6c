// A minimal stand-in for Neon's wsproxy (test only): each WebSocket on /v1?address=host:port
// is relayed byte for byte to that TCP address (the Postgres wire protocol, no TLS).
import net from 'node:net';
import { WebSocketServer } from 'ws';

export async function startWsProxy() {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  let connections = 0;
  wss.on('connection', (ws, req) => {
    connections++;
    const [host, port] = new URL(req.url, 'http://x').searchParams.get('address').split(':');
    const tcp = net.connect(Number(port), host);
    ws.on('message', (data) => tcp.write(data));
    tcp.on('data', (data) => ws.send(data));
    ws.on('close', () => tcp.end());
    tcp.on('close', () => ws.close());
    tcp.on('error', () => ws.terminate());
    ws.on('error', () => tcp.destroy());
  });
  await new Promise((res) => wss.on('listening', res));
  return { port: wss.address().port, connections: () => connections, close: () => new Promise((res) => { for (const c of wss.clients) c.terminate(); wss.close(res); }) };
}
