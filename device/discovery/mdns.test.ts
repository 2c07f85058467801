/**
 * mDNS discovery against responders of our own that announce what ESP-Miner v2.15 announces
 * (components/connect/connect.c at 5c277131). The loopback interface here has no MULTICAST flag, so
 * a multicast query never reaches a second socket: these tests run on the packet level, real DNS
 * packets encoded and decoded by multicast-dns, sent unicast over 127.0.0.1.
 */
import { type Socket, createSocket } from 'node:dgram';
import makeMdns from 'multicast-dns';
import { afterEach, describe, expect, it } from 'vitest';
import { AXEOS_SERVICE, HTTP_SERVICE, type MdnsRecord, browseMdns, resolveDevices } from './mdns';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function loopbackSocket(): Promise<Socket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket;
}

const GAMMA = 'Bitaxe Gamma 601 (C0FE)._http._tcp.local';
const PRINTER = 'Office printer._http._tcp.local';
const gammaRecords = (): MdnsRecord[] => [
  { name: GAMMA, type: 'SRV', data: { target: 'bitaxe-gamma.local', port: 80, priority: 0, weight: 0 } },
  { name: GAMMA, type: 'TXT', data: ['board=601', 'family=Gamma', 'asic=BM1370', 'asic_count=1', 'fw_version=v2.15.0'].map((t) => Buffer.from(t)) },
  { name: 'bitaxe-gamma.local', type: 'A', data: '127.0.0.61' },
];

/** A LAN of one Bitaxe and one printer. `terse`: PTR answers only, the rest on request, as some stacks do. */
async function responder(terse: boolean): Promise<{ port: number; queries: string[] }> {
  const socket = await loopbackSocket();
  const mdns = makeMdns({ socket, multicast: false, port: 0 });
  cleanups.push(() => mdns.destroy());
  const queries: string[] = [];
  const all: MdnsRecord[] = [
    ...gammaRecords(),
    { name: PRINTER, type: 'SRV', data: { target: 'printer.local', port: 80, priority: 0, weight: 0 } },
    { name: PRINTER, type: 'TXT', data: [Buffer.from('rp=ipp/print')] },
    { name: 'printer.local', type: 'A', data: '127.0.0.62' },
  ];
  mdns.on('query', (query, rinfo) => {
    for (const q of query.questions) {
      queries.push(`${q.type} ${q.name}`);
      const answers: MdnsRecord[] = [];
      if (q.type === 'PTR' && q.name === HTTP_SERVICE) answers.push({ name: HTTP_SERVICE, type: 'PTR', data: GAMMA }, { name: HTTP_SERVICE, type: 'PTR', data: PRINTER });
      else if (q.type === 'PTR' && q.name === AXEOS_SERVICE) answers.push({ name: AXEOS_SERVICE, type: 'PTR', data: GAMMA });
      else answers.push(...all.filter((r) => r.type === q.type && r.name === q.name));
      if (answers.length === 0) continue;
      const extra = q.type === 'PTR' && !terse ? all : [];
      mdns.respond({ answers: answers as never, additionals: extra as never }, rinfo);
    }
  });
  return { port: (socket.address() as { port: number }).port, queries };
}

describe('mDNS discovery of AxeOS v2.15', () => {
  it.each([
    ['answers with every record at once', false],
    ['answers the PTR alone, so the browse asks for SRV, TXT and A', true],
  ])('finds the Bitaxe and its TXT records when the responder %s; the printer is left out', async (_how, terse) => {
    const lan = await responder(terse);
    const socket = await loopbackSocket();
    // the browse window the app uses (3 s): loopback answers come in milliseconds, the window only matters under load
    const devices = await browseMdns({ timeoutMs: 3000, unicast: { socket, target: { address: '127.0.0.1', port: lan.port } } });
    expect(devices).toEqual([
      {
        name: GAMMA,
        host: 'bitaxe-gamma.local',
        port: 80,
        address: '127.0.0.61',
        txt: { board: '601', family: 'Gamma', asic: 'BM1370', asic_count: '1', fw_version: 'v2.15.0' },
        board: '601',
        family: 'Gamma',
        asic: 'BM1370',
        asicCount: 1,
        firmware: 'v2.15.0',
      },
    ]);
    expect(lan.queries).toEqual(expect.arrayContaining([`PTR ${HTTP_SERVICE}`, `PTR ${AXEOS_SERVICE}`]));
    if (terse) expect(lan.queries).toEqual(expect.arrayContaining([`SRV ${GAMMA}`, `TXT ${GAMMA}`]));
  });

  it('keeps an _http._tcp service with AxeOS TXT keys even without the subtype, and says what is missing', () => {
    const { devices, missing } = resolveDevices([{ name: HTTP_SERVICE, type: 'PTR', data: GAMMA }, ...gammaRecords().slice(0, 2)]);
    expect(devices).toMatchObject([{ name: GAMMA, board: '601', firmware: 'v2.15.0', address: undefined }]);
    expect(missing).toEqual([{ name: 'bitaxe-gamma.local', type: 'A' }]);
    expect(resolveDevices([{ name: HTTP_SERVICE, type: 'PTR', data: PRINTER }]).missing).toEqual([
      { name: PRINTER, type: 'SRV' },
      { name: PRINTER, type: 'TXT' },
    ]);
  });
});
