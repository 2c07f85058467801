/**
 * `GET /metrics`: the Prometheus text format, built with prom-client from what the engine already knows,
 * read at scrape time (nothing is counted twice). Names follow Prometheus conventions: an `axewallet_`
 * prefix, base units in the name (seconds, celsius, watts, hashes per second, joules per hash), `_total`
 * for counters. Device hashrates arrive from AxeOS in GH/s and are exported in H/s.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Device } from '../api/devices';
import type { MiningSnapshot } from '../api/mining';
import { upstreamName } from '../alerts';

export interface WalletFigures {
  unlocked: boolean;
  balances: Array<{ mint: string; unit: string; amount: bigint }>;
  /** everything minted from the pool's quotes, per mint and unit */
  earned: Array<{ mint: string; unit: string; amount: number }>;
  /** quotes not minted yet: unpaid (immature: the pool has not paid them yet) and paid (waiting for the sweeper) */
  pending: Array<{ mint: string; unit: string; state: 'unpaid' | 'paid'; quotes: number; amount: number }>;
}

export interface BackupFigures {
  relays: Array<{ url: string; connected: boolean; lastOkAt: string | null; outbox: number }>;
  pendingChanges: number;
  lastBackupAt: string | null;
}

export interface MetricSources {
  info: { version: string; mode: string; demo: boolean };
  devices: () => Device[];
  mining: () => MiningSnapshot;
  wallet: () => WalletFigures;
  backup: () => BackupFigures;
  /** the proxy's upstream events, to count failovers as they happen */
  upstream?: {
    on(event: 'upstream', listener: (e: { onPrimary: boolean; state: string }) => void): unknown;
    off(event: 'upstream', listener: (e: { onPrimary: boolean; state: string }) => void): unknown;
  };
}

export interface Metrics {
  readonly contentType: string;
  render(): Promise<string>;
  close(): void;
}

const GH = 1e9;

/** Each source read once per scrape: a dozen collectors share one snapshot instead of asking a dozen times. */
function oncePerScrape(sources: MetricSources): { sources: MetricSources; reset(): void } {
  const cache = new Map<string, unknown>();
  const memo =
    <T>(key: string, read: () => T) =>
    (): T => {
      if (!cache.has(key)) cache.set(key, read());
      return cache.get(key) as T;
    };
  return {
    sources: { ...sources, devices: memo('devices', sources.devices), mining: memo('mining', sources.mining), wallet: memo('wallet', sources.wallet), backup: memo('backup', sources.backup) },
    reset: () => cache.clear(),
  };
}

export function createMetrics(given: MetricSources): Metrics {
  const { sources, reset } = oncePerScrape(given);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const seconds = (iso: string | null) => (iso ? Date.parse(iso) / 1000 : null);

  new Gauge({
    name: 'axewallet_info',
    help: 'Axewallet build and mode (always 1)',
    labelNames: ['version', 'mode', 'network'],
    registers: [registry],
    collect() {
      this.set({ version: sources.info.version, mode: sources.info.mode, network: sources.info.demo ? 'demo' : 'pool' }, 1);
    },
  });

  // ------------------------------------------------------------ devices (AxeOS)
  const deviceLabels = ['device', 'hostname'] as const;
  const labelsOf = (d: Device) => ({ device: d.id, hostname: d.hostname || d.mac });
  const perDevice = <L extends string>(name: string, help: string, extra: readonly L[], fill: (gauge: Gauge<L | (typeof deviceLabels)[number]>, d: Device) => void) =>
    new Gauge<L | (typeof deviceLabels)[number]>({
      name,
      help,
      labelNames: [...deviceLabels, ...extra],
      registers: [registry],
      collect() {
        this.reset();
        for (const device of sources.devices()) fill(this, device);
      },
    });
  perDevice('axewallet_device_up', 'The device answered its last poll (1) or not (0)', [], (g, d) => g.set(labelsOf(d), d.status === 'online' ? 1 : 0));
  perDevice('axewallet_device_hashrate_hashes_per_second', 'Hashrate the device reports, averaged over a window', ['window'] as const, (g, d) => {
    if (d.status !== 'online') return;
    g.set({ ...labelsOf(d), window: '1m' }, d.hashrate1m * GH);
    g.set({ ...labelsOf(d), window: '10m' }, d.hashrate10m * GH);
    g.set({ ...labelsOf(d), window: '1h' }, d.hashrate1h * GH);
  });
  perDevice(
    'axewallet_device_expected_hashrate_hashes_per_second',
    'Hashrate the device should reach at its frequency',
    [],
    (g, d) => d.status === 'online' && g.set(labelsOf(d), d.expectedHashrate * GH),
  );
  perDevice('axewallet_device_temperature_celsius', 'ASIC and voltage regulator temperature', ['sensor'] as const, (g, d) => {
    if (d.status !== 'online') return;
    g.set({ ...labelsOf(d), sensor: 'asic' }, d.temperature);
    if (d.vrTemperature > 0) g.set({ ...labelsOf(d), sensor: 'vr' }, d.vrTemperature);
  });
  perDevice('axewallet_device_power_watts', 'Power the device draws', [], (g, d) => d.status === 'online' && g.set(labelsOf(d), d.power));
  perDevice('axewallet_device_efficiency_joules_per_hash', 'Energy per hash (power / 1 min hashrate); x 1e12 for J/TH', [], (g, d) => {
    if (d.status === 'online' && d.hashrate1m > 0 && d.power > 0) g.set(labelsOf(d), d.power / (d.hashrate1m * GH));
  });
  perDevice('axewallet_device_fan_rpm', 'Fan speed', [], (g, d) => d.status === 'online' && g.set(labelsOf(d), d.fanRpm));
  perDevice('axewallet_device_best_difficulty', 'Best share difficulty, ever and since the last boot', ['scope'] as const, (g, d) => {
    g.set({ ...labelsOf(d), scope: 'all_time' }, d.bestDiff);
    if (d.status === 'online') g.set({ ...labelsOf(d), scope: 'session' }, d.bestSessionDiff);
  });
  perDevice('axewallet_device_uptime_seconds', 'Time since the device booted', [], (g, d) => d.status === 'online' && g.set(labelsOf(d), d.uptimeSeconds));
  perDevice('axewallet_device_mining_via_axewallet', 'The device mines through this Axewallet (1) or elsewhere (0)', [], (g, d) => g.set(labelsOf(d), d.viaAxewallet ? 1 : 0));
  // the device's own counters restart at 0 on reboot, which Prometheus counters allow
  new Counter({
    name: 'axewallet_device_shares_accepted_total',
    help: 'Shares the device counts as accepted since it booted',
    labelNames: deviceLabels,
    registers: [registry],
    collect() {
      this.reset();
      for (const d of sources.devices()) if (d.status === 'online') this.inc(labelsOf(d), d.sharesAccepted);
    },
  });
  new Counter({
    name: 'axewallet_device_shares_rejected_total',
    help: "Shares the device counts as rejected since it booted, by the pool's reason",
    labelNames: [...deviceLabels, 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const d of sources.devices()) {
        if (d.status !== 'online') continue;
        for (const r of d.rejectReasons) this.inc({ ...labelsOf(d), reason: r.message }, r.count);
        const named = d.rejectReasons.reduce((sum, r) => sum + r.count, 0);
        if (d.sharesRejected > named) this.inc({ ...labelsOf(d), reason: 'unknown' }, d.sharesRejected - named);
      }
    },
  });

  // ------------------------------------------------------------ proxy and upstreams
  new Counter({
    name: 'axewallet_proxy_shares_accepted_total',
    help: 'Shares the upstream accepted through the proxy (share ledger)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.mining().shares.accepted);
    },
  });
  new Counter({
    name: 'axewallet_proxy_shares_rejected_total',
    help: 'Shares the upstream rejected through the proxy, by its reason (share ledger)',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, count] of Object.entries(sources.mining().shares.rejectReasons)) this.inc({ reason }, count);
    },
  });
  new Gauge({
    name: 'axewallet_proxy_shares_awaiting',
    help: 'Shares forwarded and waiting for the upstream verdict',
    registers: [registry],
    collect() {
      this.set(sources.mining().shares.awaiting);
    },
  });
  new Gauge({
    name: 'axewallet_proxy_miner_hashrate_hashes_per_second',
    help: "Hashrate the proxy measures from each connected miner's accepted work (10 min)",
    labelNames: ['worker', 'miner'],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of sources.mining().miners) this.set({ worker: m.worker, miner: m.id }, m.hashrate);
    },
  });
  new Gauge({
    name: 'axewallet_proxy_miners',
    help: 'Miners connected to the Stratum port',
    registers: [registry],
    collect() {
      this.set(sources.mining().miners.length);
    },
  });
  new Gauge({
    name: 'axewallet_upstream_up',
    help: 'Each configured upstream pool is up (1) or not (0)',
    labelNames: ['upstream', 'priority'],
    registers: [registry],
    collect() {
      this.reset();
      sources.mining().upstream.upstreams.forEach((u, i) => this.set({ upstream: upstreamName(u.url), priority: String(i) }, u.state === 'up' ? 1 : 0));
    },
  });
  new Gauge({
    name: 'axewallet_upstream_state',
    help: 'State of each configured upstream pool (1 for its current state)',
    labelNames: ['upstream', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const u of sources.mining().upstream.upstreams) this.set({ upstream: upstreamName(u.url), state: u.state }, 1);
    },
  });
  new Gauge({
    name: 'axewallet_upstream_active',
    help: 'The upstream carrying the miners now (1)',
    labelNames: ['upstream'],
    registers: [registry],
    collect() {
      this.reset();
      const { url } = sources.mining().upstream;
      if (url) this.set({ upstream: upstreamName(url) }, 1);
    },
  });
  new Gauge({
    name: 'axewallet_upstream_latency_seconds',
    help: 'Last measured round trip to the upstream in use',
    labelNames: ['upstream'],
    registers: [registry],
    collect() {
      this.reset();
      const { url, latencyMs } = sources.mining().upstream;
      if (url && latencyMs !== null) this.set({ upstream: upstreamName(url) }, latencyMs / 1000);
    },
  });
  new Counter({
    name: 'axewallet_upstream_switches_total',
    help: 'Times the proxy moved its miners to an upstream (start, failover, return to the primary)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(sources.mining().upstream.switches);
    },
  });
  const failovers = new Counter({ name: 'axewallet_upstream_failovers_total', help: 'Times the miners moved to a backup pool because the one in use failed', registers: [registry] });
  let onPrimary = true;
  const onUpstream = (e: { onPrimary: boolean; state: string }) => {
    if (e.state !== 'up') return;
    if (onPrimary && !e.onPrimary) failovers.inc();
    onPrimary = e.onPrimary;
  };
  sources.upstream?.on('upstream', onUpstream);

  // ------------------------------------------------------------ wallet
  new Gauge({
    name: 'axewallet_wallet_unlocked',
    help: 'The wallet is unlocked and collecting ehash (1) or not (0)',
    registers: [registry],
    collect() {
      this.set(sources.wallet().unlocked ? 1 : 0);
    },
  });
  new Gauge({
    name: 'axewallet_wallet_balance',
    help: 'ehash held, in the unit of the mint (label unit)',
    labelNames: ['mint', 'unit'],
    registers: [registry],
    collect() {
      this.reset();
      for (const b of sources.wallet().balances) this.set({ mint: b.mint, unit: b.unit }, Number(b.amount));
    },
  });
  new Counter({
    name: 'axewallet_ehash_earned_total',
    help: "ehash minted from the pool's quotes, in the unit of the mint (label unit)",
    labelNames: ['mint', 'unit'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of sources.wallet().earned) this.inc({ mint: e.mint, unit: e.unit }, e.amount);
    },
  });
  new Gauge({
    name: 'axewallet_wallet_quotes_pending',
    help: 'Quotes not minted yet: state unpaid (immature, the pool has not paid them) or paid (waiting to be minted)',
    labelNames: ['mint', 'unit', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of sources.wallet().pending) this.set({ mint: p.mint, unit: p.unit, state: p.state }, p.quotes);
    },
  });
  new Gauge({
    name: 'axewallet_wallet_quotes_pending_amount',
    help: 'ehash the pending quotes stand for, in the unit of the mint',
    labelNames: ['mint', 'unit', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const p of sources.wallet().pending) this.set({ mint: p.mint, unit: p.unit, state: p.state }, p.amount);
    },
  });

  // ------------------------------------------------------------ backup
  new Gauge({
    name: 'axewallet_backup_relay_age_seconds',
    help: 'Time since each relay last accepted a backup event',
    labelNames: ['relay'],
    registers: [registry],
    collect() {
      this.reset();
      const now = Date.now() / 1000;
      for (const r of sources.backup().relays) {
        const at = seconds(r.lastOkAt);
        if (at !== null) this.set({ relay: r.url }, Math.max(0, now - at));
      }
    },
  });
  new Gauge({
    name: 'axewallet_backup_relay_connected',
    help: 'Each backup relay is connected (1) or not (0)',
    labelNames: ['relay'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of sources.backup().relays) this.set({ relay: r.url }, r.connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'axewallet_backup_relay_outbox_events',
    help: 'Backup events each relay has not accepted yet',
    labelNames: ['relay'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of sources.backup().relays) this.set({ relay: r.url }, r.outbox);
    },
  });
  new Gauge({
    name: 'axewallet_backup_pending_changes',
    help: 'Wallet changes not yet on any relay',
    registers: [registry],
    collect() {
      this.set(sources.backup().pendingChanges);
    },
  });
  new Gauge({
    name: 'axewallet_backup_last_success_timestamp_seconds',
    help: 'When a relay last accepted the backup (Unix time)',
    registers: [registry],
    collect() {
      this.reset();
      const at = seconds(sources.backup().lastBackupAt);
      if (at !== null) this.set(at);
    },
  });

  return {
    contentType: registry.contentType,
    async render() {
      reset();
      try {
        return await registry.metrics();
      } finally {
        reset();
      }
    },
    close() {
      sources.upstream?.off('upstream', onUpstream);
      registry.clear();
    },
  };
}
