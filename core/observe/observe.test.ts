/**
 * /health and /metrics on a real headless server while the demo network mines: the demo Bitaxe (simulator)
 * added as a device and pointed at Axewallet, its shares through the proxy to the devnet pool, ehash minted into the wallet, the
 * backup on the devnet relay. A Prometheus text parser reads /metrics and finds each series with its labels.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/fixtures';
import { until } from '../../test/until';
import { healthSchema } from '../api/observe';
import { type Engine, startEngine } from '../app';
import { apiTokenForStart } from '../config/home';
import { type RunningServer, startApiServer } from '../server/server';

let home: string;
let engine: Engine;
let server: RunningServer;
let token: string;
let deviceId: string;

const get = (path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${server.port}${path}`, { headers });
const auth = () => ({ authorization: `Bearer ${token}` });

function family(families: ParsedFamily[], name: string): ParsedFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no ${name} in /metrics`);
  return found;
}

function sample(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  const match = family(families, name).metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  if (!match) throw new Error(`no ${name}${JSON.stringify(labels)} in /metrics`);
  return Number(match.value);
}

async function scrape(): Promise<ParsedFamily[]> {
  const reply = await get('/metrics', auth());
  expect(reply.status).toBe(200);
  expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(await reply.text());
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'axw-observe-'));
  // tests bind loopback only, the Stratum port too
  writeFileSync(join(home, 'settings.json'), JSON.stringify({ stratumHost: '127.0.0.1' }));
  engine = await startEngine({ home, mode: 'headless', logToStderr: false, overrides: { stratumPort: 0 } });
  token = apiTokenForStart(home, false);
  server = await startApiServer({ host: engine.host, token, port: 0, version: 'test', logger: engine.logger, observe: engine.observe });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await engine?.stop();
  rmSync(home, { recursive: true, force: true });
});

describe('/health', () => {
  it('answers without a token, says the wallet is absent, and shows nothing that identifies this home', async () => {
    const reply = await until(
      async () => {
        const r = await get('/health');
        return r.status === 200 && r;
      },
      'ready once the demo pool is up',
      30_000,
    );
    const text = await reply.text();
    const health = healthSchema.parse(JSON.parse(text));
    expect(health).toMatchObject({ status: 'degraded', live: true, ready: true, checks: { proxy: { ok: true }, upstream: { state: 'up' }, wallet: { state: 'absent', ok: false } } });
    const status = engine.status();
    for (const secretish of [home, token, String(status.stratum?.port), '127.0.0.1', 'stratum', 'ws://', 'http']) expect(text).not.toContain(secretish);
  });

  it('is in the OpenAPI document with the metrics route', async () => {
    const doc = (await (await get('/api/v1/openapi.json', auth())).json()) as { paths: Record<string, { get?: { security?: unknown[] } }> };
    expect(doc.paths['/health']?.get?.security).toEqual([]);
    expect(doc.paths['/metrics']?.get).toBeDefined();
  });
});

describe('/metrics while the demo network mines', () => {
  beforeAll(async () => {
    await engine.host.invoke('wallet.create', { passphrase: 'a long enough passphrase' });
    const address = await until(() => engine.status().demoDevices?.[0], 'the demo Bitaxe');
    deviceId = (await engine.host.invoke('devices.add', { address })).device.id;
    // the demo Bitaxe mines on the devnet pool directly until it is pointed at Axewallet
    await engine.host.invoke('devices.useProxy', { id: deviceId });
    await until(async () => (await engine.host.invoke('mining.get', {})).shares.accepted > 0, 'a share accepted through the proxy', 60_000, 250);
    await until(async () => (await engine.host.invoke('wallet.get', {})).balances.length > 0, 'ehash in the wallet', 60_000, 250);
    await until(async () => (await engine.host.invoke('backup.get', {})).relays.some((r) => r.lastOkAt), 'a backup on the relay', 30_000, 250);
  }, 90_000);

  it('needs the token unless metrics are opened', async () => {
    const refused = await get('/metrics');
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: { hint: string } }).error.hint).toMatch(/Integrations page/);
    await engine.host.invoke('integrations.metrics', { open: true });
    expect((await get('/metrics')).status).toBe(200);
    await engine.host.invoke('integrations.metrics', { open: false });
    expect((await get('/metrics')).status).toBe(401);
  });

  it('has each series with the right labels, types and base units', async () => {
    const families = await until(async () => {
      const f = await scrape();
      return f.some((x) => x.name === 'axewallet_device_hashrate_hashes_per_second' && x.metrics.length === 3) && f;
    }, 'the device polled');
    const device = { device: deviceId, hostname: 'bitaxe' };
    for (const window of ['1m', '10m', '1h']) expect(sample(families, 'axewallet_device_hashrate_hashes_per_second', { ...device, window })).toBeGreaterThanOrEqual(0);
    // the simulated Gamma reports about 1.1 TH/s (in GH/s); exported in H/s
    expect(sample(families, 'axewallet_device_expected_hashrate_hashes_per_second', device)).toBeGreaterThan(1e11);
    expect(sample(families, 'axewallet_device_temperature_celsius', { ...device, sensor: 'asic' })).toBeGreaterThan(20);
    expect(sample(families, 'axewallet_device_power_watts', device)).toBeGreaterThan(0);
    expect(sample(families, 'axewallet_device_up', device)).toBe(1);
    expect(
      family(families, 'axewallet_device_best_difficulty')
        .metrics.map((m) => m.labels?.scope)
        .sort(),
    ).toEqual(['all_time', 'session']);
    expect(family(families, 'axewallet_device_shares_accepted_total').type).toBe('COUNTER');

    expect(sample(families, 'axewallet_proxy_shares_accepted_total')).toBeGreaterThan(0);
    expect(family(families, 'axewallet_proxy_shares_accepted_total').type).toBe('COUNTER');
    expect(family(families, 'axewallet_proxy_miner_hashrate_hashes_per_second').metrics[0]?.labels?.worker).toBe('demo-bitaxe');
    const upstream = family(families, 'axewallet_upstream_up').metrics[0]!;
    expect(upstream).toMatchObject({ value: '1', labels: { priority: '0' } });
    expect(upstream.labels!.upstream).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(sample(families, 'axewallet_upstream_state', { upstream: upstream.labels!.upstream!, state: 'up' })).toBe(1);
    expect(family(families, 'axewallet_upstream_failovers_total').type).toBe('COUNTER');

    const { mintUrl } = { mintUrl: (await engine.host.invoke('wallet.get', {})).balances[0]!.mint };
    expect(sample(families, 'axewallet_ehash_earned_total', { mint: mintUrl, unit: 'hash' })).toBeGreaterThan(0);
    expect(sample(families, 'axewallet_wallet_balance', { mint: mintUrl, unit: 'hash' })).toBeGreaterThan(0);
    expect(sample(families, 'axewallet_wallet_unlocked')).toBe(1);
    expect(family(families, 'axewallet_wallet_quotes_pending').type).toBe('GAUGE');

    const relay = family(families, 'axewallet_backup_relay_age_seconds').metrics[0]!;
    expect(relay.labels?.relay).toMatch(/^ws:\/\/127\.0\.0\.1:\d+/);
    expect(Number(relay.value)).toBeGreaterThanOrEqual(0);
    expect(sample(families, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(families, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    for (const f of families) {
      expect(f.name, 'Prometheus names are snake_case').toMatch(/^[a-z_][a-z0-9_]*$/);
      if (f.type === 'COUNTER') expect(f.name, 'counters end in _total').toMatch(/_total$/);
      if (f.name.startsWith('axewallet_')) expect(f.name, 'no non-base units').not.toMatch(/_(milliseconds|ms|gigahashes|kilo\w*|percent)(_|$)/);
    }
  });

  it('the Grafana dashboard in docs/ asks only for series /metrics has', async () => {
    const dashboard = JSON.parse(readFileSync(join(repoRoot, 'docs', 'grafana-dashboard.json'), 'utf8')) as { panels: Array<{ targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(10);
    const names = new Set((await scrape()).map((f) => f.name));
    const asked = new Set(exprs.flatMap((e) => e.match(/\b(axewallet|process)_[a-z0-9_]+/g) ?? []));
    expect([...asked].filter((name) => !names.has(name))).toEqual([]);
  });
});
