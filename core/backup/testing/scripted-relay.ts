/** A hostile relay for tests, in-process: every REQ is answered with the same list of events (anything at all), then EOSE. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export async function startScriptedRelay(served: unknown[]): Promise<{ url: string; close(): Promise<void> }> {
  const http = createServer();
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      const [type, sub] = JSON.parse(String(data)) as [string, string];
      if (type !== 'REQ') return;
      for (const event of served) ws.send(JSON.stringify(['EVENT', sub, event]));
      ws.send(JSON.stringify(['EOSE', sub]));
    }),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => http.close(() => resolve())));
    },
  };
}
