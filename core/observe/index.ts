/**
 * What the machines around Axewallet read: /health, /metrics and the figures Axewallet publishes about itself
 * over MQTT, all from the same parts (proxy, devices, wallet, backup) read at the moment they are asked.
 */
import type { Device } from '../api/devices';
import type { MiningSnapshot } from '../api/mining';
import type { Health } from '../api/observe';
import type { ObserveEndpoints } from '../server/observe-routes';
import type { WalletService } from '../wallet';
import { healthOf } from './health';
import { type BackupFigures, createMetrics, type MetricSources } from './metrics';
import { walletFigures } from './wallet-figures';

export interface ObserveParts {
  info: MetricSources['info'];
  startedAt: number;
  /** the Stratum port listens */
  listening: () => boolean;
  proxy: { snapshot(): MiningSnapshot } & Pick<NonNullable<MetricSources['upstream']>, 'on' | 'off'>;
  devices: { list(): Device[] };
  wallet: WalletService;
  backup: { status(): BackupFigures & { running: boolean; nextBackupAt: string | null; relays: Array<BackupFigures['relays'][number] & { lastError: string | null }> } };
  metricsOpen: () => boolean;
}

export interface Observer extends ObserveEndpoints {
  /** Axewallet's own sensors for MQTT: wallet, proxy, pool and backup, nothing secret */
  bridgeState(): Record<string, unknown>;
  close(): void;
}

export function startObserve(parts: ObserveParts): Observer {
  const metrics = createMetrics({
    info: parts.info,
    devices: () => parts.devices.list(),
    mining: () => parts.proxy.snapshot(),
    wallet: () => walletFigures(parts.wallet),
    backup: () => parts.backup.status(),
    upstream: parts.proxy,
  });
  const health = (): Health =>
    healthOf({
      listening: parts.listening(),
      upstreamState: parts.proxy.snapshot().upstream.state,
      wallet: parts.wallet.status(),
      backup: parts.backup.status(),
      uptimeSeconds: (Date.now() - parts.startedAt) / 1000,
    });
  return {
    health,
    metricsOpen: parts.metricsOpen,
    async metrics() {
      return { contentType: metrics.contentType, body: await metrics.render() };
    },
    bridgeState() {
      const mining = parts.proxy.snapshot();
      const wallet = walletFigures(parts.wallet);
      const h = health();
      const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
      return {
        ehash_balance: sum(wallet.balances.map((b) => Number(b.amount))),
        ehash_earned: sum(wallet.earned.map((e) => e.amount)),
        quotes_pending: sum(wallet.pending.map((p) => p.quotes)),
        hashrate: Math.round((mining.hashrate / 1e9) * 100) / 100,
        miners: mining.miners.length,
        shares_accepted: mining.shares.accepted,
        shares_rejected: mining.shares.rejected,
        upstream: mining.upstream.state,
        wallet: h.checks.wallet.state,
        backup_age: h.checks.backup.ageSeconds,
        balances: wallet.balances.map((b) => ({ mint: b.mint, unit: b.unit, amount: Number(b.amount) })),
      };
    },
    close: () => metrics.close(),
  };
}
