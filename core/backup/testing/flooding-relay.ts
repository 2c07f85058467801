/**
 * A hostile relay for tests, in its own process so the test measures only its own heap: every REQ is
 * answered with `limit` fresh, well-formed events of the asked kind and author (signatures are junk,
 * as anyone can send), each with `size` bytes of content, until `total` were sent; then EOSE.
 * Usage: node --import tsx flooding-relay.ts TOTAL SIZE. Prints {"port":N} when listening.
 */
import { type WebSocket, WebSocketServer } from 'ws';

const [total, size] = process.argv.slice(2).map(Number) as [number, number];
const content = 'A'.repeat(size);
const sig = '0'.repeat(128);
let sent = 0;

async function drained(ws: WebSocket): Promise<void> {
  while (ws.readyState === ws.OPEN && ws.bufferedAmount > 4 * 1024 * 1024) await new Promise((r) => setTimeout(r, 5));
}

async function answer(ws: WebSocket, sub: string, filter: { authors?: string[]; kinds?: number[]; limit?: number }): Promise<void> {
  const author = filter.authors?.[0] ?? '0'.repeat(64);
  const kind = filter.kinds?.[0] ?? 7375;
  const prefix = `["EVENT",${JSON.stringify(sub)},`;
  for (let i = 0; i < (filter.limit ?? 500) && sent < total && ws.readyState === ws.OPEN; i++, sent++) {
    const id = sent.toString(16).padStart(64, '0');
    ws.send(`${prefix}{"id":"${id}","pubkey":"${author}","created_at":${2_000_000_000 - sent},"kind":${kind},"tags":[],"content":"${content}","sig":"${sig}"}]`);
    if (i % 64 === 0) await drained(ws);
  }
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(['EOSE', sub]));
}

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 });
wss.on('connection', (ws) => {
  ws.on('error', () => undefined);
  ws.on('message', (data) => {
    const [type, sub, filter] = JSON.parse(String(data)) as [string, string, { limit?: number }];
    if (type === 'REQ') void answer(ws, sub, filter);
  });
});
wss.on('listening', () => process.stdout.write(`${JSON.stringify({ port: (wss.address() as { port: number }).port })}\n`));
