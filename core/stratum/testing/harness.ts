/**
 * What the stratum tests share: cleanups that run after each test (newest first), a devnet pool, a proxy on a
 * fresh ledger, and a TCP relay in front of a pool that can be frozen (connections stay open, nothing passes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { startPool, type DevnetPool } from '../../../devnet/pool/pool';
import type { createProxy, Proxy } from '../proxy';
import { testProxy } from './test-proxy';

export type Cleanups = Array<() => unknown>;

export async function freezableRelay(target: number, cleanups: Cleanups): Promise<{ port: number; freeze: () => void }> {
  let frozen = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: target });
    sockets.add(client).add(upstream);
    client.on('data', (d) => frozen || upstream.write(d));
    upstream.on('data', (d) => frozen || client.write(d));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((r) => server.close(r));
  });
  return { port: (server.address() as { port: number }).port, freeze: () => (frozen = true) };
}

export function stratumHarness(tag: string) {
  const cleanups: Cleanups = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return {
    cleanups,
    async pool(options: Parameters<typeof startPool>[0] = {}): Promise<DevnetPool> {
      const p = await startPool({ sv1StartDifficulty: 1e-8, ...options });
      cleanups.push(() => p.close());
      return p;
    },
    async proxyTo(urls: string[], extra: Partial<Parameters<typeof createProxy>[0]> = {}): Promise<{ proxy: Proxy; port: number }> {
      const dir = mkdtempSync(join(tmpdir(), `axw-${tag}-`));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const proxy = testProxy(urls, join(dir, 'ledger.sqlite'), extra);
      cleanups.push(() => proxy.stop());
      const { port } = await proxy.start();
      return { proxy, port };
    },
    freezableRelay: (target: number) => freezableRelay(target, cleanups),
  };
}
