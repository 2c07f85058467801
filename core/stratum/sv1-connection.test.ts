import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Sv1Request } from '../../lib/protocol/sv1/codec';
import { until } from '../../test/until';
import { type LineHandler, Sv1Connection } from './sv1-connection';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A connection on the server side of a real loopback socket, and the client's view of what arrives. */
async function connected(handler: LineHandler): Promise<{ connection: Sv1Connection; serverSide: Socket; client: Socket; received: () => string }> {
  let accept!: (socket: Socket) => void;
  const accepted = new Promise<Socket>((resolve) => (accept = resolve));
  const server: Server = createServer(accept);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const client = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port });
  let text = '';
  client.setEncoding('utf8');
  client.on('data', (chunk: string) => (text += chunk));
  cleanups.push(() => client.destroy());
  const serverSide = await accepted;
  const writes = vi.spyOn(serverSide, 'write');
  cleanups.push(() => writes.mockRestore());
  return { connection: new Sv1Connection(serverSide, handler), serverSide, client, received: () => text };
}

function handler(onLine: (request: Sv1Request) => Promise<void> | undefined = () => undefined): LineHandler {
  return { onLine, onInvalidLine: () => undefined, onConnectionClosed: () => undefined };
}

describe('a miner connection', () => {
  it('hands everything written in one turn to the socket in one write', async () => {
    const { connection, serverSide, received } = await connected(handler());
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        for (let id = 1; id <= 10; id++) connection.write(`{"id":${id},"result":true,"error":null}\n`);
        resolve();
      }),
    );
    await until(() => received().split('\n').length === 11, 'ten verdicts');
    expect(serverSide.write).toHaveBeenCalledTimes(1);
  });

  it('holds the replies of a batch while one of its lines waits, and sends them together after it', async () => {
    let authorized!: () => void;
    const { connection, serverSide, client, received } = await connected(
      handler((request) => {
        if (request.method !== 'mining.authorize') {
          connection.write(`{"id":${String(request.id)},"result":true,"error":null}\n`);
          return undefined;
        }
        return new Promise<void>((resolve) => {
          authorized = () => {
            connection.write(`{"id":${String(request.id)},"result":true,"error":null}\n`);
            resolve();
          };
        });
      }),
    );
    client.write('{"id":1,"method":"mining.subscribe","params":[]}\n{"id":2,"method":"mining.authorize","params":["w","x"]}\n{"id":3,"method":"mining.suggest_difficulty","params":[1]}\n');
    await until(() => authorized !== undefined, 'the authorize line');
    // a verdict written meanwhile waits with the subscribe reply
    connection.write('{"id":99,"result":true,"error":null}\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received()).toBe('');
    authorized();
    await until(() => received().split('\n').length === 5, 'all four replies');
    expect(
      received()
        .split('\n')
        .map((line) => (line ? (JSON.parse(line) as { id: number }).id : undefined)),
    ).toEqual([1, 99, 2, 3, undefined]);
    expect(serverSide.write).toHaveBeenCalledTimes(1);
  });

  it('sends what was written before a flushing close, and nothing after it', async () => {
    const { connection, client, received } = await connected(handler());
    const ended = new Promise((resolve) => client.once('end', resolve));
    connection.write('{"id":null,"method":"client.reconnect","params":[]}\n');
    connection.close(true);
    connection.write('{"id":1,"result":true,"error":null}\n');
    await ended;
    expect(received()).toBe('{"id":null,"method":"client.reconnect","params":[]}\n');
  });
});
