/**
 * Who may hold a connection on the Stratum port. The port is open to the whole LAN, so no one host may take
 * every slot: each address holds at most `perAddress` connections, the devices Axewallet knows keep a reserve
 * that unknown addresses cannot take, and an address whose connection was dropped for sending mostly invalid
 * shares is refused for a while, twice as long each time it does it again.
 */

export interface AdmissionLimits {
  /** connections in total */
  maxConnections: number;
  /** connections one address may hold (a Bitaxe uses one, and a second one while it probes its primary) */
  perAddress: number;
}

export type Admission = { ok: true; known: boolean } | { ok: false; reason: 'address-limit' | 'unknown-limit' | 'full' | 'backoff' };

/** Slots kept per device Axewallet knows, and at least this many in all. */
const RESERVED_PER_KNOWN = 2;
const MIN_RESERVED = 8;
const BACKOFF_FIRST_MS = 30_000;
const BACKOFF_MAX_MS = 15 * 60_000;
/** an address that behaved this long since its last penalty starts again from the first step */
const BACKOFF_FORGIVE_MS = 60 * 60_000;
const KNOWN_CACHE_MS = 1000;

/** "::ffff:192.168.1.5" and "192.168.1.5" are one host; "[fe80::1]" (a URL's hostname) is "fe80::1". */
export function hostOf(remoteAddress: string | undefined): string {
  return (remoteAddress ?? '?')
    .replace(/^\[|\]$/g, '')
    .replace(/^::ffff:/i, '')
    .toLowerCase();
}

export class ConnectionGate {
  private readonly perHost = new Map<string, number>();
  private total = 0;
  private unknown = 0;
  private readonly penalties = new Map<string, { until: number; strikes: number }>();
  private known: Set<string> = new Set();
  private knownAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly limits: AdmissionLimits,
    /** hosts of the devices Axewallet manages (read at most once a second) */
    private readonly knownAddresses: () => Iterable<string>,
  ) {}

  admit(host: string, now = Date.now()): Admission {
    const penalty = this.penalties.get(host);
    if (penalty && penalty.until > now) return { ok: false, reason: 'backoff' };
    if ((this.perHost.get(host) ?? 0) >= this.limits.perAddress) return { ok: false, reason: 'address-limit' };
    if (this.total >= this.limits.maxConnections) return { ok: false, reason: 'full' };
    const known = this.isKnown(host, now);
    if (!known && this.unknown >= this.limits.maxConnections - this.reserved()) return { ok: false, reason: 'unknown-limit' };
    this.perHost.set(host, (this.perHost.get(host) ?? 0) + 1);
    this.total++;
    if (!known) this.unknown++;
    return { ok: true, known };
  }

  release(host: string, known: boolean): void {
    const left = (this.perHost.get(host) ?? 1) - 1;
    if (left > 0) this.perHost.set(host, left);
    else this.perHost.delete(host);
    this.total--;
    if (!known) this.unknown--;
  }

  /** Refuses `host` for a while; returns for how long (ms). */
  penalize(host: string, now = Date.now()): number {
    const previous = this.penalties.get(host);
    const strikes = previous && now - previous.until < BACKOFF_FORGIVE_MS ? previous.strikes + 1 : 1;
    const ms = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (strikes - 1));
    this.penalties.set(host, { until: now + ms, strikes });
    // bounded: penalties long forgiven are dropped
    if (this.penalties.size > 1024) for (const [h, p] of this.penalties) if (now - p.until > BACKOFF_FORGIVE_MS) this.penalties.delete(h);
    return ms;
  }

  connections(): number {
    return this.total;
  }

  private reserved(): number {
    return Math.min(Math.floor(this.limits.maxConnections / 2), Math.max(MIN_RESERVED, this.known.size * RESERVED_PER_KNOWN));
  }

  private isKnown(host: string, now: number): boolean {
    if (now - this.knownAt > KNOWN_CACHE_MS) {
      this.knownAt = now;
      try {
        this.known = new Set([...this.knownAddresses()].map((a) => hostOf(a)));
      } catch {
        // the device list is not ready: nobody is known for now, the reserve still stands
        this.known = new Set();
      }
    }
    return this.known.has(host);
  }
}
