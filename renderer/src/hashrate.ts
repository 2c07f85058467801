/**
 * Two figures for one thing, explained: the hashrate a Bitaxe reports (what its chips should do) and the one
 * Axewallet measures from the shares the pool accepted (what earns ehash).
 */
import type { DeviceView, MinerView } from './shapes';

/** a new connection's measured rate is built from under this much work: it reads low and climbs */
export const WARM_UP_MS = 2 * 60_000;

export interface HashrateComparison {
  measured: number;
  /** H/s the devices report (AxeOS GH/s converted), for the devices mining through Axewallet */
  reported: number;
  /** the two disagree by more than half */
  differ: boolean;
  /** why they differ, in a sentence (only when they do) */
  explanation?: string;
}

export function compareHashrates(measured: number, devices: readonly Pick<DeviceView, 'hashrate' | 'viaAxewallet'>[], demo: boolean): HashrateComparison {
  const reported = devices.filter((d) => d.viaAxewallet).reduce((sum, d) => sum + d.hashrate * 1e9, 0);
  const differ = reported > 0 && measured >= 0 && (measured < reported / 2 || measured > reported * 2);
  if (!differ) return { measured, reported, differ };
  const explanation = demo
    ? "The demo's simulated Bitaxe reports a real Gamma's figures, but it hashes on this computer's processor: Axewallet's figure is measured from the shares the pool accepted, and that is what earns ehash."
    : 'The device reports what its chips should do; Axewallet measures the work in the shares the pool accepted over the last 10 minutes. They differ while a device (re)connects, when many shares are rejected, or when shares are rare at a high pool difficulty.';
  return { measured, reported, differ, explanation };
}

/** Miners whose measured rate is still warming up after a (re)connect, with seconds since they connected. */
export function warmingUp(miners: readonly Pick<MinerView, 'worker' | 'connectedAt'>[], now = Date.now()): { worker: string; seconds: number }[] {
  return miners.map((m) => ({ worker: m.worker, seconds: Math.round((now - Date.parse(m.connectedAt)) / 1000) })).filter((m) => m.seconds >= 0 && m.seconds * 1000 < WARM_UP_MS);
}

/** Devices mining through Axewallet that are not connected right now: restarting, or gone. */
export function reconnecting(devices: readonly Pick<DeviceView, 'hostname' | 'address' | 'viaAxewallet' | 'status'>[], miners: readonly Pick<MinerView, 'address'>[]): DeviceView['hostname'][] {
  const connected = new Set(miners.map((m) => m.address.replace(/:\d+$/, '')));
  return devices.filter((d) => d.viaAxewallet && !connected.has(new URL(/^[a-z]+:\/\//.test(d.address) ? d.address : `http://${d.address}`).hostname)).map((d) => d.hostname || d.address);
}

/**
 * The rate to compare amounts with: the hour's average of the per-minute measurements (steady across a reconnect),
 * or the current measurement when there is no history yet.
 */
export function typicalHashrate(mining: { hashrate: number; hashrateHistory: readonly { at: string; hashrate: number }[] } | undefined, now = Date.now()): number {
  if (!mining) return 0;
  const hour = mining.hashrateHistory.filter((p) => p.hashrate > 0 && now - Date.parse(p.at) <= 3_600_000);
  if (hour.length === 0) return mining.hashrate;
  return Math.max(mining.hashrate, hour.reduce((sum, p) => sum + p.hashrate, 0) / hour.length);
}
