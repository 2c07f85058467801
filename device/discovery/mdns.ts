/**
 * mDNS browse for AxeOS devices. ESP-Miner v2.15 (components/connect/connect.c at 5c277131)
 * registers an `_http._tcp` service named "Bitaxe <family> <board> (<MAC tail>)" on port 80, with
 * the subtype `_axeos` and TXT records board, family, asic, asic_count and fw_version. A browse asks
 * for both `_http._tcp.local` and `_axeos._sub._http._tcp.local`; of all the web services a LAN
 * announces (printers, routers), only those under the subtype or with AxeOS's TXT keys are kept.
 * Binding 5353 on the LAN is the nature of mDNS, so this runs only when the user asks for discovery.
 */
import type { Socket } from 'node:dgram';
import makeMdns from 'multicast-dns';

export const HTTP_SERVICE = '_http._tcp.local';
export const AXEOS_SERVICE = '_axeos._sub._http._tcp.local';

export interface MdnsDevice {
  /** the service instance, e.g. "Bitaxe Gamma 601 (1A2B)._http._tcp.local" */
  name: string;
  host: string;
  port: number;
  address?: string;
  txt: Record<string, string>;
  board?: string;
  family?: string;
  asic?: string;
  asicCount?: number;
  firmware?: string;
}

export interface MdnsRecord {
  name: string;
  type: string;
  data: unknown;
}

function txtOf(record: MdnsRecord | undefined): Record<string, string> {
  const txt: Record<string, string> = {};
  const chunks = Array.isArray(record?.data) ? record.data : record?.data !== undefined ? [record.data] : [];
  for (const chunk of chunks) {
    const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
    const eq = text.indexOf('=');
    if (eq > 0) txt[text.slice(0, eq).toLowerCase()] = text.slice(eq + 1);
  }
  return txt;
}

const lower = (name: string) => name.toLowerCase();

/** The instances the records name, and what is still missing to reach them. Pure. */
export function resolveDevices(records: MdnsRecord[]): { devices: MdnsDevice[]; missing: Array<{ name: string; type: 'SRV' | 'TXT' | 'A' }> } {
  const find = (name: string, type: string) => records.find((r) => r.type === type && lower(r.name) === lower(name));
  const axeos = new Set(records.filter((r) => r.type === 'PTR' && lower(r.name) === AXEOS_SERVICE).map((r) => lower(String(r.data))));
  const instances = [...new Set(records.filter((r) => r.type === 'PTR' && (lower(r.name) === HTTP_SERVICE || lower(r.name) === AXEOS_SERVICE)).map((r) => String(r.data)))];
  const devices: MdnsDevice[] = [];
  const missing: Array<{ name: string; type: 'SRV' | 'TXT' | 'A' }> = [];
  for (const name of instances) {
    const srv = find(name, 'SRV')?.data as { target?: string; port?: number } | undefined;
    const txtRecord = find(name, 'TXT');
    if (!srv?.target) missing.push({ name, type: 'SRV' });
    if (!txtRecord) missing.push({ name, type: 'TXT' });
    if (!srv?.target) continue;
    const txt = txtOf(txtRecord);
    // AxeOS: under the _axeos subtype, or carrying its TXT keys (firmware version and board or ASIC)
    if (!axeos.has(lower(name)) && !(txt.fw_version && (txt.board || txt.asic))) continue;
    const a = find(srv.target, 'A');
    if (!a) missing.push({ name: srv.target, type: 'A' });
    const count = Number(txt.asic_count);
    devices.push({
      name,
      host: srv.target,
      port: srv.port ?? 80,
      address: typeof a?.data === 'string' ? a.data : undefined,
      txt,
      ...(txt.board ? { board: txt.board } : {}),
      ...(txt.family ? { family: txt.family } : {}),
      ...(txt.asic ? { asic: txt.asic } : {}),
      ...(Number.isInteger(count) && count > 0 ? { asicCount: count } : {}),
      ...(txt.fw_version ? { firmware: txt.fw_version } : {}),
    });
  }
  return { devices, missing };
}

export interface BrowseOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
  /** a bound socket and a unicast target instead of the mDNS group on 5353 (tests on loopback, which has no multicast here) */
  unicast?: { socket: Socket; target: { address: string; port: number } };
}

/** Asks for AxeOS services, follows up for records the answers left out, and collects for `timeoutMs`. */
export async function browseMdns(options: BrowseOptions = {}): Promise<MdnsDevice[]> {
  const { timeoutMs = 3000, signal, unicast } = options;
  const mdns = makeMdns(unicast ? { socket: unicast.socket, multicast: false, port: 0 } : {});
  const records: MdnsRecord[] = [];
  const target = unicast?.target;
  const ask = (questions: Array<{ name: string; type: 'PTR' | 'SRV' | 'TXT' | 'A' }>) => {
    if (target) mdns.query({ questions }, target);
    else mdns.query({ questions });
  };
  mdns.on('response', (packet) => {
    for (const r of [...(packet.answers ?? []), ...(packet.additionals ?? [])] as MdnsRecord[]) {
      if (!records.some((x) => x.type === r.type && lower(x.name) === lower(r.name) && JSON.stringify(x.data) === JSON.stringify(r.data))) records.push(r);
    }
  });
  mdns.on('error', () => undefined);
  ask([
    { name: HTTP_SERVICE, type: 'PTR' },
    { name: AXEOS_SERVICE, type: 'PTR' },
  ]);
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  // responders that answer the PTR alone get asked for the rest: SRV and TXT, then the A record of the SRV target
  for (let round = 0; round < 4 && !signal?.aborted; round++) {
    await wait(timeoutMs / 4);
    const { missing } = resolveDevices(records);
    if (missing.length > 0 && round < 3) ask(missing);
  }
  mdns.destroy();
  return resolveDevices(records).devices;
}
