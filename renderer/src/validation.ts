/** Field checks that name the problem before anything is sent; the engine checks again with the same rules. */
import { parseUpstreamUrl } from '../../core/api/upstream-url';

const RELAY = /^wss?:\/\/\S+$/;

export function upstreamProblem(url: string): string | undefined {
  if (!url.trim()) return 'Enter a pool address.';
  try {
    parseUpstreamUrl(url);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

export function relayProblem(url: string): string | undefined {
  return RELAY.test(url.trim()) ? undefined : 'A relay address starts with ws:// or wss://';
}

/** A mint address is optional; when given, it is an http(s) URL (a mint speaks HTTP). */
export function mintUrlProblem(text: string): string | undefined {
  const value = text.trim();
  if (!value) return undefined;
  try {
    const url = new URL(value);
    if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  } catch {
    // named below
  }
  return 'A mint address starts with https:// (or http:// on your own network), e.g. https://mint.example.';
}

export function portProblem(value: string): string | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 && n <= 65535 && value.trim() !== '' ? undefined : 'A port is a whole number from 0 to 65535 (0 = any free port).';
}

/** An IP, a host name, or http://HOST[:PORT]: what the engine accepts; anything else is named here first. */
export function deviceAddressProblem(text: string): string | undefined {
  const value = text.trim();
  if (!value) return 'Enter the Bitaxe address, e.g. 192.168.1.50.';
  const withScheme = /^https?:\/\//.test(value) ? value : `http://${value}`;
  try {
    const url = new URL(withScheme);
    if (!url.hostname || (url.pathname !== '/' && url.pathname !== '')) return 'Enter only the address, without a path.';
    return undefined;
  } catch {
    return 'Not an address: use the IP or host name shown on the Bitaxe screen, e.g. 192.168.1.50.';
  }
}

export interface ScanTarget {
  hosts?: string[];
  port?: number;
}

/**
 * What the user typed in "where to search": empty = this computer's own networks; otherwise ranges or /24s
 * separated by commas or spaces, with an optional ":PORT" for devices not on port 80.
 */
export function parseScanTarget(text: string): ScanTarget | string {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return {};
  let port: number | undefined;
  const hosts: string[] = [];
  for (const part of parts) {
    const match = /^([0-9./-]+)(?::(\d{1,5}))?$/.exec(part);
    if (!match) return `"${part}" is not an address range: use 192.168.1.0/24 or 192.168.1.10-40.`;
    hosts.push(match[1]!);
    if (match[2]) {
      port = Number(match[2]);
      if (port < 1 || port > 65535) return `Port ${match[2]} is out of range (1-65535).`;
    }
  }
  return port ? { hosts, port } : { hosts };
}
