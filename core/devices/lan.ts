/**
 * Which address of this machine a Bitaxe should dial: the one on the device's own subnet. A device
 * on loopback (a simulator on 127.0.0.x) dials 127.0.0.1.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

export interface LocalAddress {
  address: string;
  netmask: string;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => ((acc << 8) + Number(part)) >>> 0, 0);
}

export function localIpv4Addresses(interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces()): LocalAddress[] {
  return Object.values(interfaces)
    .flatMap((list) => list ?? [])
    .filter((entry) => entry.family === 'IPv4')
    .map((entry) => ({ address: entry.address, netmask: entry.netmask }));
}

/** undefined when no local address shares a subnet with the device. */
export function lanAddressFor(deviceIp: string, locals: LocalAddress[] = localIpv4Addresses()): string | undefined {
  if (isIP(deviceIp) !== 4) return undefined;
  if (deviceIp.startsWith('127.')) return '127.0.0.1';
  const device = toInt(deviceIp);
  const matches = locals.filter((l) => isIP(l.address) === 4 && !l.address.startsWith('127.') && ((toInt(l.address) ^ device) & toInt(l.netmask)) >>> 0 === 0);
  // the narrowest subnet is the most specific route to the device
  matches.sort((a, b) => toInt(b.netmask) - toInt(a.netmask));
  return matches[0]?.address;
}
