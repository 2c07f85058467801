import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../sim/simulator';
import { type ScanProgress, expandHosts, localSubnetHosts, scanHosts } from './scan';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

/** Accepts connections and never answers: the worst kind of address for a scanner. */
async function silentHost(host: string, port: number): Promise<void> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(port, host, r));
  cleanups.push(
    () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(r);
      }),
  );
}

describe('subnet scan', () => {
  it('finds three simulators on 127.0.0.2-4 with progress; a silent address times out without stalling the scan', async () => {
    const first = await startSimulator({ host: '127.0.0.2', model: 'gamma' });
    cleanups.push(() => first.stop());
    const port = first.port;
    for (const [host, model, firmware] of [
      ['127.0.0.3', 'supra', 'v2.14'],
      ['127.0.0.4', 'hex', 'v2.9'],
    ] as const) {
      const s = await startSimulator({ host, httpPort: port, model, firmware });
      cleanups.push(() => s.stop());
    }
    await silentHost('127.0.0.5', port);
    const progress: ScanProgress[] = [];
    const result = await scanHosts({ hosts: expandHosts('127.0.0.2-9'), port, concurrency: 4, timeoutMs: 800, onProgress: (p) => progress.push(p) });
    expect(result.cancelled).toBe(false);
    expect(result.scanned).toBe(8);
    expect(result.found.map((d) => `${d.ipv4} ${d.asicModel}`).sort()).toEqual(['127.0.0.2 BM1370', '127.0.0.3 BM1368', '127.0.0.4 BM1366']);
    expect(result.found.every((d) => d.address.endsWith(`:${port}`))).toBe(true);
    expect(progress.map((p) => p.scanned)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress.every((p) => p.total === 8)).toBe(true);
    // The silent host is the last to finish: the others did not wait for it.
    const silentDoneAt = progress.findIndex((p) => p.scanned === 8);
    expect(progress[silentDoneAt - 1]?.found.length).toBe(3);
  });

  it('cancel stops a scan part way', async () => {
    const port = 18_000 + Math.floor(Math.random() * 2000);
    for (let i = 10; i < 14; i++) await silentHost(`127.0.0.${i}`, port);
    const controller = new AbortController();
    const result = await scanHosts({
      hosts: expandHosts('127.0.0.10-13').concat(expandHosts('127.0.0.10-13')),
      port,
      concurrency: 2,
      timeoutMs: 300,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.scanned === 2) controller.abort();
      },
    });
    expect(result.cancelled).toBe(true);
    expect(result.scanned).toBeLessThan(8);
  });

  it('expands ranges and CIDRs, and derives /24s from private interfaces only', () => {
    expect(expandHosts('127.0.0.2-4')).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    expect(expandHosts('192.168.1.77/24')).toHaveLength(254);
    expect(expandHosts('192.168.1.77/24')[0]).toBe('192.168.1.1');
    expect(() => expandHosts('10.0.0.0/8')).toThrow(/at most a \/22/);
    const hosts = localSubnetHosts({
      eth0: [{ address: '192.168.7.20', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: '192.168.7.20/24' }],
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      wan: [{ address: '203.0.113.5', netmask: '255.255.255.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: false, cidr: '203.0.113.5/24' }],
    });
    expect(hosts).toHaveLength(253);
    expect(hosts).not.toContain('192.168.7.20');
    expect(hosts.every((h) => h.startsWith('192.168.7.'))).toBe(true);
  });
});
