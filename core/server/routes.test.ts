/**
 * Every route of the contract through HTTP, against a real engine on the demo network (devnet pool, mint and
 * relay in-process, a simulated Bitaxe on 127.0.0.2). Each row calls the route the way a script would and
 * checks that the answer came from that command: a 200 whose body fits the command's output schema, or the
 * command's own refusal (its error code and words). A command without a row fails the test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type RunningRelay } from '../../devnet/relay/relay';
import { API_PREFIX, type CommandName, commands } from '../api/contract';
import { type Engine, startEngine } from '../app';
import { apiTokenForStart } from '../config/home';
import { type RunningServer, startApiServer } from './server';

const PASSPHRASE = 'routes test passphrase';

interface Row {
  name: CommandName;
  /** values for the path's :params; the rest is the query (GET) or the JSON body */
  input?: (state: State) => Record<string, unknown>;
  /** a refusal that only this command's handler gives */
  refusal?: { status: number; code: string; message: RegExp };
  /** extra checks on a 200 body */
  check?: (body: never, state: State) => void;
}

interface State {
  deviceId?: string;
  deviceAddress?: string;
  relay?: string;
  demoRelay?: string;
  scanId?: string;
  mnemonic?: string;
  lockingPubkey?: string;
  groupId?: string;
  actionId?: string;
  webhookUrl?: string;
  webhookId?: string;
}

/** In the order they run: the wallet exists before its commands, the device before its commands. */
const rows: Row[] = [
  { name: 'status.get', check: (body: { mode: string; demo: boolean }) => expect(body).toMatchObject({ mode: 'headless', demo: true }) },
  { name: 'settings.get' },
  { name: 'settings.update', input: () => ({ theme: 'dark' }), check: (body: { theme: string }) => expect(body.theme).toBe('dark') },
  { name: 'logs.recent', input: () => ({ limit: 5 }) },
  { name: 'alerts.recent' },
  { name: 'mining.get' },
  { name: 'mining.shares', input: () => ({ limit: 5 }) },
  { name: 'mining.history', input: () => ({ span: 'hour', days: 1 }), check: (body: { buckets: unknown[] }) => expect(Array.isArray(body.buckets)).toBe(true) },
  { name: 'wallet.get', check: (body: { exists: boolean }) => expect(body.exists).toBe(false) },
  { name: 'wallet.newWords', check: (body: { mnemonic: string }, state) => void (state.mnemonic = body.mnemonic) },
  {
    name: 'wallet.create',
    input: (s) => ({ passphrase: PASSPHRASE, mnemonic: s.mnemonic }),
    check: (body: { mnemonic: string; lockingPubkey: string }, state) => {
      expect(body.mnemonic).toBe(state.mnemonic);
      state.lockingPubkey = body.lockingPubkey;
    },
  },
  // the same words onto the wallet here merge into it (the wallet stays the same one)
  { name: 'wallet.restore', input: (s) => ({ mnemonic: s.mnemonic, passphrase: PASSPHRASE }), check: (body: { lockingPubkey: string }, state) => expect(body.lockingPubkey).toBe(state.lockingPubkey) },
  { name: 'wallet.lock', check: (body: { locked: boolean }) => expect(body.locked).toBe(true) },
  { name: 'wallet.unlock', input: () => ({ passphrase: PASSPHRASE }), check: (body: { locked: boolean }) => expect(body.locked).toBe(false) },
  { name: 'wallet.lockingKey', input: () => ({ passphrase: PASSPHRASE }), check: (body: { lockingKeyMode: string }) => expect(body.lockingKeyMode).toBe('derived') },
  { name: 'wallet.history', input: () => ({ limit: 10 }) },
  { name: 'wallet.quotes', input: () => ({ state: 'issued' }) },
  { name: 'wallet.pending', input: () => ({ limit: 10 }) },
  { name: 'wallet.trace', input: () => ({ headerHash: 'ab'.repeat(32) }), check: (body: { quotes: unknown[] }) => expect(body.quotes).toEqual([]) },
  { name: 'wallet.send', input: () => ({ amount: '1000000' }), refusal: { status: 409, code: 'conflict', message: /./ } },
  { name: 'wallet.receive', input: () => ({ token: 'cashuBnot-a-token' }), refusal: { status: 400, code: 'bad_request', message: /token/i } },
  { name: 'wallet.sends', check: (body: { sends: unknown[] }) => expect(body.sends).toEqual([]) },
  { name: 'wallet.reclaim', input: () => ({ id: 'no-such-send' }), refusal: { status: 404, code: 'not_found', message: /send/i } },
  { name: 'wallet.previewToken', input: () => ({ token: 'cashuBnot-a-token' }), refusal: { status: 400, code: 'bad_request', message: /token/i } },
  { name: 'wallet.earnings', input: () => ({ range: '1h' }), check: (body: { series: unknown[]; bucketMs: number }) => expect(body.bucketMs).toBeGreaterThan(0) },
  { name: 'wallet.activity', input: () => ({ days: 2 }), check: (body: { days: unknown[] }) => expect(Array.isArray(body.days)).toBe(true) },
  { name: 'wallet.mints', check: (body: { mints: Array<{ configured: boolean }> }) => expect(body.mints.some((m) => m.configured)).toBe(true) },
  { name: 'devices.usb', check: (body: { ports: unknown[] }) => expect(Array.isArray(body.ports)).toBe(true) },
  { name: 'devices.usbSetup', input: () => ({ path: '/dev/not-a-bitaxe', wifi: { ssid: 'HomeNet', password: 'pw' } }), refusal: { status: 404, code: 'not_found', message: /No Bitaxe on USB at/ } },
  { name: 'devices.usbRestore', input: () => ({ path: '/dev/not-a-bitaxe' }), refusal: { status: 404, code: 'not_found', message: /No Bitaxe on USB at/ } },
  { name: 'devices.usbBackups', check: (body: { backups: unknown[] }) => expect(body.backups).toEqual([]) },
  {
    name: 'devices.add',
    input: (s) => ({ address: s.deviceAddress }),
    check: (body: { device: { id: string } }, state) => void (state.deviceId = body.device.id),
  },
  { name: 'devices.list', check: (body: { devices: Array<{ id: string }> }, state) => expect(body.devices.map((d) => d.id)).toContain(state.deviceId) },
  { name: 'devices.get', input: (s) => ({ id: s.deviceId }), check: (body: { device: { id: string } }, state) => expect(body.device.id).toBe(state.deviceId) },
  { name: 'devices.history', input: (s) => ({ id: s.deviceId, range: '1h' }) },
  { name: 'devices.logs', input: (s) => ({ id: s.deviceId, limit: 10 }) },
  { name: 'devices.identify', input: (s) => ({ id: s.deviceId }) },
  { name: 'devices.pause', input: (s) => ({ id: s.deviceId }) },
  { name: 'devices.resume', input: (s) => ({ id: s.deviceId }) },
  { name: 'devices.useProxy', input: (s) => ({ id: s.deviceId }) },
  { name: 'devices.undoProxy', input: (s) => ({ id: s.deviceId }) },
  { name: 'devices.setPools', input: (s) => ({ id: s.deviceId, primary: { url: '127.0.0.1', port: 3333, user: 'routes-test' } }) },
  { name: 'devices.restart', input: (s) => ({ id: s.deviceId }) },
  { name: 'devices.discover', input: () => ({ hosts: ['127.0.0.2'] }), check: (body: { scanId: string }, state) => void (state.scanId = body.scanId) },
  { name: 'devices.cancelDiscover', input: (s) => ({ scanId: s.scanId }) },
  {
    name: 'devices.groups.save',
    input: (s) => ({ name: 'Shelf', devices: [s.deviceId] }),
    check: (body: { group: { id: string; devices: string[] } }, state) => {
      expect(body.group.devices).toEqual([state.deviceId]);
      state.groupId = body.group.id;
    },
  },
  { name: 'devices.groups.list', check: (body: { groups: Array<{ id: string }> }, state) => expect(body.groups.map((g) => g.id)).toContain(state.groupId) },
  {
    name: 'devices.fleet.apply',
    input: (s) => ({ targets: { groups: [s.groupId] }, action: { kind: 'pool', primary: { url: '127.0.0.1', port: 3334, user: 'fleet-routes' } } }),
    check: (body: { actionId: string; results: Array<{ ok: boolean }> }, state) => {
      expect(body.results).toEqual([expect.objectContaining({ ok: true })]);
      state.actionId = body.actionId;
    },
  },
  {
    name: 'devices.fleet.undo',
    input: (s) => ({ actionId: s.actionId }),
    check: (body: { kind: string; results: Array<{ ok: boolean }> }) => expect(body).toMatchObject({ kind: 'undo', results: [{ ok: true }] }),
  },
  { name: 'devices.groups.remove', input: (s) => ({ id: s.groupId }), check: (body: { removed: boolean }) => expect(body.removed).toBe(true) },
  { name: 'integrations.get', check: (body: { metrics: { open: boolean }; webhooks: unknown[] }) => expect(body).toMatchObject({ metrics: { open: false }, webhooks: [] }) },
  { name: 'integrations.metrics', input: () => ({ open: true }), check: (body: { open: boolean }) => expect(body.open).toBe(true) },
  { name: 'integrations.mqtt.update', input: () => ({ enabled: true, url: '' }), refusal: { status: 400, code: 'bad_request', message: /broker address/ } },
  { name: 'integrations.mqtt.test', refusal: { status: 502, code: 'upstream_error', message: /./ } },
  {
    name: 'integrations.webhooks.add',
    input: (s) => ({ name: 'routes', url: s.webhookUrl }),
    check: (body: { webhook: { id: string }; secret: string }, state) => {
      expect(body.secret).toMatch(/^[0-9a-f]{64}$/);
      state.webhookId = body.webhook.id;
    },
  },
  { name: 'integrations.webhooks.update', input: (s) => ({ id: s.webhookId, name: 'renamed' }), check: (body: { webhook: { name: string } }) => expect(body.webhook.name).toBe('renamed') },
  { name: 'integrations.webhooks.test', input: (s) => ({ id: s.webhookId }), check: (body: { ok: boolean; status: number }) => expect(body).toMatchObject({ ok: true, status: 204 }) },
  { name: 'integrations.webhooks.secret', input: (s) => ({ id: s.webhookId }), check: (body: { secret: string }) => expect(body.secret).toMatch(/^[0-9a-f]{64}$/) },
  { name: 'integrations.webhooks.remove', input: (s) => ({ id: s.webhookId }), check: (body: { removed: boolean }) => expect(body.removed).toBe(true) },
  { name: 'devices.remove', input: (s) => ({ id: s.deviceId }), check: (body: { removed: boolean }) => expect(body.removed).toBe(true) },
  { name: 'backup.get', check: (body: { running: boolean }) => expect(body.running).toBe(true) },
  { name: 'backup.testRelay', input: (s) => ({ url: s.relay }), check: (body: { ok: boolean }) => expect(body.ok).toBe(true) },
  { name: 'backup.relays.add', input: (s) => ({ url: s.relay }), check: (body: { relays: Array<{ url: string }> }, state) => expect(body.relays.map((r) => r.url)).toContain(state.relay) },
  { name: 'backup.relays.remove', input: (s) => ({ url: s.relay }), check: (body: { relays: Array<{ url: string }> }, state) => expect(body.relays.map((r) => r.url)).not.toContain(state.relay) },
  { name: 'backup.now' },
  { name: 'backup.restore', input: () => ({}) },
];

describe('every API route through HTTP', () => {
  let home: string;
  let engine: Engine;
  let server: RunningServer;
  let token: string;
  let relay: RunningRelay;
  let receiver: Server;
  const state: State = {};

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'axw-routes-'));
    engine = await startEngine({ home, mode: 'headless', logToStderr: false, overrides: { stratumPort: 0 } });
    token = apiTokenForStart(home, false);
    server = await startApiServer({ host: engine.host, token, port: 0, version: 'test', logger: engine.logger });
    relay = await startRelay();
    state.relay = relay.url;
    // a webhook receiver that accepts every delivery
    receiver = createServer((req, res) => req.resume().on('end', () => res.writeHead(204).end()));
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    state.webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    state.deviceAddress = engine.status().demoDevices?.[0];
  });

  afterAll(async () => {
    await server?.close();
    await engine?.stop();
    await relay?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    rmSync(home, { recursive: true, force: true });
  });

  it('has a row for every command of the contract', () => {
    const missing = Object.keys(commands).filter((name) => !rows.some((r) => r.name === name));
    expect(missing, 'add a row for each new command: every route is tested through HTTP').toEqual([]);
  });

  it('answers every route from its own command', async () => {
    expect(state.deviceAddress, 'the demo network runs a simulated Bitaxe').toBeTruthy();
    for (const row of rows) {
      const def = commands[row.name];
      const input = { ...row.input?.(state) };
      const path = def.path.replace(/:([A-Za-z]+)/g, (_m, param: string) => {
        const value = String(input[param]);
        delete input[param];
        return encodeURIComponent(value);
      });
      const query = def.method === 'GET' && Object.keys(input).length > 0 ? `?${new URLSearchParams(Object.entries(input).map(([k, v]) => [k, String(v)]))}` : '';
      const response = await fetch(`http://127.0.0.1:${server.port}${API_PREFIX}${path}${query}`, {
        method: def.method,
        headers: { authorization: `Bearer ${token}`, ...(def.method === 'GET' ? {} : { 'content-type': 'application/json' }) },
        ...(def.method === 'GET' ? {} : { body: JSON.stringify(input) }),
      });
      const body = (await response.json()) as { error?: { code: string; message: string } };
      const where = `${def.method} ${path} (${row.name})`;
      if (row.refusal) {
        expect({ where, status: response.status, code: body.error?.code }).toEqual({ where, status: row.refusal.status, code: row.refusal.code });
        expect(body.error?.message, where).toMatch(row.refusal.message);
        continue;
      }
      expect({ where, status: response.status, error: body.error }).toEqual({ where, status: 200, error: undefined });
      const parsed = def.output.safeParse(body);
      expect(parsed.success, `${where} answers in its own output shape`).toBe(true);
      row.check?.(body as never, state);
    }
  });
});
