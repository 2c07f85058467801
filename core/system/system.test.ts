/**
 * The system part of the API on a real engine (devnet pool, mint and relay in-process): a saved settings change
 * reaches the running proxy and backup, flags given for this run win over saved settings, and every change is
 * announced to every page.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { type Devnet, startDevnet } from '../../devnet/index';
import type { MintableQuote, QuoteEvent, QuoteNotice } from '../../lib/protocol/ehash/quote';
import type { Sv2MessageOf } from '../../lib/protocol/sv2/messages';
import type { ChannelEvents } from '../stratum/upstream';
import type { ProxyEvents } from '../stratum/proxy';
import type { WalletService } from '../wallet';
import { settingsDefaults } from '../api/system';
import { type Engine, startEngine } from '../app';
import { SettingsStore } from '../config/settings-store';
import { until } from '../../test/until';
import { UpstreamMints } from './upstream-mints';

const dir = mkdtempSync(join(tmpdir(), 'axw-system-'));
const engines: Engine[] = [];
let devnet: Devnet;
let sv2: string;
let sv1: string;

beforeAll(async () => {
  devnet = await startDevnet({ home: join(dir, 'devnet') });
  const { pool } = devnet;
  sv2 = `stratum2+tcp://${pool.sv2.host}:${pool.sv2.port}/${pool.authorityPubkey}`;
  sv1 = `stratum+tcp://${pool.sv1.host}:${pool.sv1.port}`;
});
afterAll(async () => {
  for (const engine of engines.splice(0)) await engine.stop();
  await devnet.close();
  rmSync(dir, { recursive: true, force: true });
});

async function engine(name: string, overrides: Parameters<typeof startEngine>[0]['overrides']): Promise<Engine> {
  const started = await startEngine({ home: join(dir, name), mode: 'headless', logToStderr: false, overrides: { stratumPort: 0, ...overrides } });
  engines.push(started);
  return started;
}

describe('system API', () => {
  it('a saved change reaches the running proxy and backup, and every page hears of it', async () => {
    mkdirSync(join(dir, 'saved'));
    new SettingsStore(join(dir, 'saved')).update({ upstreams: [{ url: sv2 }], relays: [devnet.relay.url] });
    const e = await engine('saved', {});
    const status = await e.host.invoke('status.get', {});
    expect(status).toMatchObject({ demo: false, mode: 'headless', network: { label: 'Your pool' }, stratum: e.status().stratum });
    const heard: string[][] = [];
    e.host.subscribe((event) => event.type === 'settings' && heard.push(event.settings.upstreams.map((u) => u.url)));

    const saved = await e.host.invoke('settings.update', { upstreams: [{ url: sv2 }, { url: sv1, mintUrl: devnet.mint.url }], backupDelaySeconds: 7 });
    expect(saved.upstreams).toHaveLength(2);
    expect(heard).toEqual([[sv2, sv1]]);
    const mining = await e.host.invoke('mining.get', {});
    expect(mining.upstream.upstreams.map((u) => u.protocol)).toEqual(['sv2', 'sv1']);
    expect((await e.host.invoke('backup.get', {})).delaySeconds).toBe(7);
  });

  it('flags given for this run win: saved upstreams and relays wait for the next start', async () => {
    const e = await engine('flags', { upstreams: [{ url: sv2 }], relays: [devnet.relay.url] });
    await e.host.invoke('settings.update', { upstreams: [{ url: sv2 }, { url: sv1 }], relays: ['ws://127.0.0.1:9'] });
    expect((await e.host.invoke('settings.get', {})).relays).toEqual(['ws://127.0.0.1:9']);
    expect((await e.host.invoke('mining.get', {})).upstream.upstreams).toHaveLength(1);
    const backup = await until(async () => {
      const b = await e.host.invoke('backup.get', {});
      return b.relays.length > 0 && b;
    }, 'the backup relays');
    expect(backup.relays.map((r) => r.url)).toEqual([devnet.relay.url]);
    expect(backup.delaySeconds).toBe(settingsDefaults.backupDelaySeconds);
  });
});

describe('the backup follows the wallet', () => {
  it('runs once a wallet exists and is unlocked, stops when it locks, runs again when it unlocks', async () => {
    const e = await engine('lock', { upstreams: [{ url: sv2 }], relays: [devnet.relay.url] });
    const running = (want: boolean) => until(async () => (await e.host.invoke('backup.get', {})).running === want, `backup running: ${want}`);
    expect((await e.host.invoke('backup.get', {})).running).toBe(false);
    await e.host.invoke('wallet.create', { passphrase: 'a long enough passphrase' });
    await running(true);
    await e.host.invoke('wallet.lock', {});
    await running(false);
    await e.host.invoke('wallet.unlock', { passphrase: 'a long enough passphrase' });
    await running(true);
  });
});

describe('each upstream pays at its own mint', () => {
  it("an upstream's own mint first, else the mintUrl setting; every mint once", () => {
    const mints = new UpstreamMints('http://127.0.0.1:3338');
    mints.set([
      { url: 'stratum+tcp://127.0.0.1:3333' },
      { url: 'stratum+tcp://127.0.0.2:3333', mintUrl: 'http://127.0.0.2:3338' },
      { url: 'stratum+tcp://127.0.0.3:3333', mintUrl: 'http://127.0.0.1:3338' },
    ]);
    expect(mints.mintFor('stratum+tcp://127.0.0.1:3333')).toBe('http://127.0.0.1:3338');
    expect(mints.mintFor('stratum+tcp://127.0.0.2:3333')).toBe('http://127.0.0.2:3338');
    expect(mints.mintFor('stratum+tcp://127.0.0.9:3333')).toBe('http://127.0.0.1:3338');
    expect(mints.all()).toEqual(['http://127.0.0.1:3338', 'http://127.0.0.2:3338']);
    expect(new UpstreamMints(undefined).mintFor('stratum+tcp://127.0.0.1:3333')).toBeUndefined();
  });
});

describe("the quote's journey carries one type", () => {
  it('0xC0 fields -> the channel notice -> the proxy event -> the wallet input are views of QuoteEvent', () => {
    expectTypeOf<Pick<Sv2MessageOf<'MintQuoteNotification'>, 'quoteId' | 'amount'>>().toExtend<QuoteNotice>();
    expectTypeOf<ChannelEvents['quote'][0]>().toEqualTypeOf<QuoteNotice>();
    expectTypeOf<ProxyEvents['quote'][0]>().toEqualTypeOf<QuoteEvent>();
    expectTypeOf<Parameters<WalletService['onQuoteEvent']>[0]>().toEqualTypeOf<MintableQuote>();
    expectTypeOf<QuoteEvent>().toExtend<MintableQuote>();
  });
});
