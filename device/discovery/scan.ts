/**
 * Finding Bitaxes by asking every address of the local /24 networks for /api/system/info, with
 * bounded concurrency, progress and cancel. A dead address costs one timeout of one worker, never
 * the scan.
 */
import { networkInterfaces } from 'node:os';
import { AxeosClient, AxeosError, isPrivateIpv4 } from '../axeos/client';

export interface FoundDevice {
  /** http://HOST[:PORT] */
  address: string;
  mac: string;
  hostname: string;
  asicModel: string;
  firmware: string;
  ipv4: string;
}

export interface ScanProgress {
  scanned: number;
  total: number;
  found: FoundDevice[];
  /** addresses that answered but refused us (401): a device we cannot manage from here */
  refused: string[];
}

export interface ScanOptions {
  hosts: string[];
  port?: number;
  concurrency?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ScanProgress) => void;
}

export interface ScanResult extends ScanProgress {
  cancelled: boolean;
}

/** Every host address of the /24 around each private IPv4 interface, this machine's own excluded. */
export function localSubnetHosts(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): string[] {
  const own = new Set<string>();
  const prefixes = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const entry of list ?? []) {
      if (entry.family !== 'IPv4' || entry.internal || !isPrivateIpv4(entry.address)) continue;
      own.add(entry.address);
      prefixes.add(entry.address.split('.').slice(0, 3).join('.'));
    }
  }
  const hosts: string[] = [];
  for (const prefix of prefixes) for (let i = 1; i <= 254; i++) if (!own.has(`${prefix}.${i}`)) hosts.push(`${prefix}.${i}`);
  return hosts;
}

/** "192.168.1.0/24" or "127.0.0.2-4" -> addresses (at most a /22 to keep scans sane). */
export function expandHosts(spec: string): string[] {
  const range = /^(\d+\.\d+\.\d+)\.(\d+)-(\d+)$/.exec(spec);
  if (range) {
    const [, prefix, from, to] = range;
    const out: string[] = [];
    for (let i = Number(from); i <= Math.min(Number(to), 255); i++) out.push(`${prefix}.${i}`);
    return out;
  }
  const cidr = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(spec);
  if (cidr) {
    const bits = Number(cidr[5]);
    if (bits < 22 || bits > 32) throw new RangeError(`${spec}: scan at most a /22 at a time`);
    const base = cidr.slice(1, 5).reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
    const size = 2 ** (32 - bits);
    const start = (base & ~(size - 1)) >>> 0;
    const out: string[] = [];
    for (let i = size > 2 ? 1 : 0; i < (size > 2 ? size - 1 : size); i++) {
      const v = (start + i) >>> 0;
      out.push([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.'));
    }
    return out;
  }
  return [spec];
}

export async function scanHosts(opts: ScanOptions): Promise<ScanResult> {
  const total = opts.hosts.length;
  const found: FoundDevice[] = [];
  const refused: string[] = [];
  let scanned = 0;
  let next = 0;
  const report = () => opts.onProgress?.({ scanned, total, found: [...found], refused: [...refused] });
  const worker = async () => {
    while (!opts.signal?.aborted) {
      const index = next++;
      const host = opts.hosts[index];
      if (host === undefined) return;
      const address = opts.port && opts.port !== 80 ? `${host}:${opts.port}` : host;
      try {
        const client = new AxeosClient(address, { timeoutMs: opts.timeoutMs ?? 1500, maxBodyBytes: 256 * 1024 });
        const { info } = await client.info();
        found.push({ address: client.baseUrl, mac: info.mac, hostname: info.hostname, asicModel: info.asicModel, firmware: info.firmware.raw, ipv4: info.ipv4 || host });
      } catch (error) {
        if (error instanceof AxeosError && error.kind === 'unauthorized') refused.push(address);
      }
      scanned++;
      if (!opts.signal?.aborted) report();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 32, total)) }, worker));
  return { scanned, total, found, refused, cancelled: opts.signal?.aborted ?? false };
}
