/**
 * mDNS browse for AxeOS devices: v2.15 announces `_axeos._sub._http._tcp` with board, ASIC and
 * firmware TXT records. Binding 5353 on the LAN is the nature of mDNS, so this runs only when the
 * user asks for discovery.
 */
import makeMdns from 'multicast-dns';

export const AXEOS_SERVICE = '_axeos._sub._http._tcp.local';

export interface MdnsDevice {
  name: string;
  host: string;
  port: number;
  address?: string;
  txt: Record<string, string>;
}

interface Record_ {
  name: string;
  type: string;
  data: unknown;
}

/** Pure: the devices a response packet's answers and additionals describe. */
export function devicesFromAnswers(records: Record_[]): MdnsDevice[] {
  const instances = records.filter((r) => r.type === 'PTR' && r.name === AXEOS_SERVICE).map((r) => String(r.data));
  const devices: MdnsDevice[] = [];
  for (const instance of instances) {
    const srv = records.find((r) => r.type === 'SRV' && r.name === instance)?.data as { target?: string; port?: number } | undefined;
    if (!srv?.target) continue;
    const a = records.find((r) => r.type === 'A' && r.name === srv.target);
    const txtRecord = records.find((r) => r.type === 'TXT' && r.name === instance);
    const txt: Record<string, string> = {};
    const chunks = Array.isArray(txtRecord?.data) ? txtRecord.data : [];
    for (const chunk of chunks) {
      const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
      const eq = text.indexOf('=');
      if (eq > 0) txt[text.slice(0, eq)] = text.slice(eq + 1);
    }
    devices.push({ name: instance, host: srv.target, port: srv.port ?? 80, address: typeof a?.data === 'string' ? a.data : undefined, txt });
  }
  return devices;
}

/** Asks once and collects answers for `timeoutMs`. */
export async function browseMdns(timeoutMs = 3000, signal?: AbortSignal): Promise<MdnsDevice[]> {
  const mdns = makeMdns();
  const found = new Map<string, MdnsDevice>();
  mdns.on('response', (packet) => {
    for (const device of devicesFromAnswers([...(packet.answers ?? []), ...(packet.additionals ?? [])] as Record_[])) found.set(device.name, device);
  });
  mdns.on('error', () => undefined);
  mdns.query({ questions: [{ name: AXEOS_SERVICE, type: 'PTR' }] });
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  mdns.destroy();
  return [...found.values()];
}
