/**
 * The mint client against real HTTP servers on loopback that misbehave the way a hostile or broken mint could:
 * an answer of 100 MB (declared or not), a redirect to another host, an overloaded mint (503, retried for reads).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_RESPONSE_BYTES, MintClient, MintError, proofsFromJson, stringifyWire } from './mint-client';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void, host = '127.0.0.1'): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

const MB = 1024 * 1024;

describe('mint client hardening', () => {
  it('refuses an answer of 100 MB sent without a length, stopping the download early (memory stays bounded)', async () => {
    let sent = 0;
    let finished = false;
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(MB, 0x20);
      const pump = () => {
        while (sent < 100 * MB) {
          sent += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        finished = true;
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    const client = new MintClient(url, 15_000, 4 * MB);
    const error = await client.info().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MintError);
    expect(error).toMatchObject({ kind: 'bad_response', message: expect.stringContaining(`more than ${4 * MB} bytes`) });
    // the client stopped reading: the server could never push the whole 100 MB through
    expect(finished).toBe(false);
    expect(sent).toBeLessThan(100 * MB);
  });

  it('refuses a declared oversize answer before reading it, with the default cap', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(100 * MB) });
      res.write('{"name":"');
      // never finishes: the client must not wait for the body
    });
    await expect(new MintClient(url).info()).rejects.toMatchObject({ kind: 'bad_response', message: expect.stringContaining(`more than ${MAX_RESPONSE_BYTES} bytes`) });
  });

  it('refuses a redirect: nothing is sent to the address it names', async () => {
    let elsewhereHit = 0;
    const elsewhere = await serve((_req, res) => {
      elsewhereHit++;
      res.end('{}');
    }, '127.0.0.2');
    const url = await serve((req, res) => {
      res.writeHead(307, { location: `${elsewhere}${req.url}` });
      res.end();
    });
    const client = new MintClient(url);
    await expect(client.checkState([`02${'11'.repeat(32)}`])).rejects.toMatchObject({ kind: 'bad_response', status: 307, message: expect.stringContaining('redirect') });
    await expect(client.swap([], [])).rejects.toMatchObject({ kind: 'bad_response', message: expect.stringContaining(elsewhere) });
    expect(elsewhereHit).toBe(0);
  });

  it('a 503, a reset connection or a 429 is the mint failing, not refusing: reads are asked again at once (not after a 429), the kind is offline when it persists', async () => {
    let calls = 0;
    const flaky = await serve((_req, res) => {
      calls++;
      res.writeHead(calls === 1 ? 503 : 200, { 'content-type': 'application/json' });
      res.end(calls === 1 ? '{"detail":"busy","code":0}' : '{"keysets":[]}');
    });
    expect(await new MintClient(flaky).keysets()).toEqual([]);
    expect(calls).toBe(2);
    // a connection reset (a keep-alive socket the mint just closed) is asked again too
    let resets = 0;
    const resetting = await serve((req, res) => {
      if (resets++ === 0) {
        req.socket.destroy();
        return;
      }
      res.end('{"keysets":[]}');
    });
    expect(await new MintClient(resetting).keysets()).toEqual([]);
    expect(resets).toBe(2);
    const down = await serve((_req, res) => {
      res.writeHead(429);
      res.end();
    });
    await expect(new MintClient(down).info()).rejects.toMatchObject({ kind: 'offline', status: 429 });
  });

  it('reads the lookup answer as CDK revisions send it: {quotes} or a bare array', async () => {
    const quote = { quote: 'q1', amount: 4, amount_paid: 4, amount_issued: 0, unit: 'hash', pubkey: `02${'22'.repeat(32)}` };
    const bare = await serve((_req, res) => res.end(JSON.stringify([quote])));
    expect(await new MintClient(bare).quotesByPubkey([quote.pubkey], ['00'.repeat(64)])).toMatchObject([{ quote: 'q1', amount: 4n }]);
    const paged = await serve((_req, res) => res.end(JSON.stringify({ quotes: [quote], next_cursor: 'abc' })));
    expect(await new MintClient(paged).quotesByPubkeyForMethod('ehash', { pubkeys: [quote.pubkey], signatures: ['00'.repeat(64)], timestamp: 1 })).toMatchObject({
      quotes: [{ quote: 'q1' }],
      nextCursor: 'abc',
    });
  });
});

describe('amounts on the wire stay bigint in the wallet', () => {
  it('writes bigint amounts as bare JSON numbers, exact past 2^53', () => {
    expect(stringifyWire({ inputs: [{ amount: 8n, id: '00ad268c4d1f5826' }] })).toBe('{"inputs":[{"amount":8,"id":"00ad268c4d1f5826"}]}');
    expect(stringifyWire({ amount: 2n ** 63n })).toBe('{"amount":9223372036854775808}');
  });

  it('reads kept proofs back with bigint amounts, also ones written with number amounts before', () => {
    const proof = { id: '00ad268c4d1f5826', secret: 's', C: '02'.padEnd(66, 'a') };
    expect(
      proofsFromJson(
        stringifyWire([
          { ...proof, amount: 2n ** 63n },
          { ...proof, amount: 4n },
        ]),
      ),
    ).toEqual([
      { ...proof, amount: 2n ** 63n },
      { ...proof, amount: 4n },
    ]);
    expect(proofsFromJson(JSON.stringify([{ ...proof, amount: 4 }]))).toEqual([{ ...proof, amount: 4n }]);
  });
});
