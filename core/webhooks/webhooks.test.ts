/**
 * Webhooks with real parts: a local HTTP receiver, a simulated Bitaxe that overheats, a devnet pool that goes
 * away, the alert pipeline and the integrations API. Every call is signed (HMAC-SHA256 of the body with the
 * webhook's secret); a 500 is retried with the same delivery id; the secret and the URL's path never reach the log.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../device/sim/simulator';
import { startPool } from '../../devnet/pool/pool';
import { until } from '../../test/until';
import { AlertCenter, registerAlertsApi, startAlertPipeline } from '../alerts';
import { ApiHost } from '../api/host';
import { testDeviceManager } from '../devices/testing/test-manager';
import { startIntegrations } from '../integrations';
import { createLogger, type LogRecord, silentLogger } from '../../lib/log';
import { testProxy } from '../stratum/testing/test-proxy';
import { requestFor, targetOf } from './payload';
import { signBody, verifySignature } from './sign';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'axw-webhooks-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver on loopback that answers with the statuses it is given, in order (the last one repeats; the list may be changed). */
async function receiver(statuses: number[]): Promise<{ url: string; calls: Received[]; statuses: number[] }> {
  const calls: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statuses[Math.min(calls.length - 1, statuses.length - 1)]!);
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(r)));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, statuses };
}

describe('webhook payloads', () => {
  const alert = {
    id: 'x',
    source: 'device' as const,
    kind: 'overheat',
    severity: 'critical' as const,
    title: 'gamma is overheating',
    message: 'ASIC temperature 76 °C.',
    hint: 'Give it airflow.',
    at: '2026-12-01T00:00:00.000Z',
  };
  const message = { kind: 'alert' as const, alert, sentAt: '2026-12-01T00:00:01.000Z', instance: 'abcd1234' };

  it('ntfy: JSON publishing to the server root with the topic in the body', () => {
    const request = requestFor('ntfy', 'https://ntfy.example/sub/miners-7f3a?auth=tk', message);
    expect(request.url).toBe('https://ntfy.example/sub?auth=tk');
    expect(JSON.parse(request.body)).toEqual({
      topic: 'miners-7f3a',
      title: 'gamma is overheating',
      message: 'ASIC temperature 76 °C.\nGive it airflow.',
      priority: 5,
      tags: ['rotating_light', 'overheat'],
    });
  });

  it('Discord: one embed coloured by severity; the cleared one says resolved', () => {
    const request = requestFor('discord', 'https://discord.example/api/webhooks/1/abc', message);
    const body = JSON.parse(request.body);
    expect(body).toMatchObject({ username: 'Axewallet', embeds: [{ title: 'gamma is overheating', color: 0xdc2626, footer: { text: 'overheat · abcd1234' } }] });
    const cleared = JSON.parse(
      requestFor('discord', 'https://discord.example/api/webhooks/1/abc', { ...message, kind: 'alert.cleared', alert: { ...alert, clearedAt: '2026-12-01T01:00:00.000Z' } }).body,
    );
    expect(cleared.embeds[0].title).toBe('Resolved: gamma is overheating');
  });

  it('signs the exact body and hides the key part of the address', () => {
    const body = JSON.stringify({ a: 1 });
    // the same HMAC as `printf '{"a":1}' | openssl dgst -sha256 -hmac s3cret`
    expect(signBody('s3cret', body)).toBe('sha256=5910e62016ef5034272c926c27071992a465c2335cecf41851bda071577f4f6d');
    expect(verifySignature('s3cret', body, signBody('s3cret', body))).toBe(true);
    expect(verifySignature('s3cret', `${body} `, signBody('s3cret', body))).toBe(false);
    expect(verifySignature('other', body, signBody('s3cret', body))).toBe(false);
    expect(targetOf('https://discord.com/api/webhooks/123/SECRETTOKEN')).toBe('https://discord.com/api/…');
  });
});

describe('webhooks end to end', () => {
  it('a simulated overheat and an upstream outage arrive signed, the first retried after a 500; the test button says what happened', async () => {
    const logs: LogRecord[] = [];
    const logger = createLogger([(r) => logs.push(r)]);
    const pool = await startPool({ sv1StartDifficulty: 1e-8 });
    cleanups.push(() => pool.close());
    const proxy = testProxy([`stratum2+tcp://127.0.0.1:${pool.sv2.port}/${pool.authorityPubkey}`], join(tempDir(), 'ledger.sqlite'), { probeIntervalMs: 200 });
    cleanups.push(() => proxy.stop());
    const sim = await startSimulator({ host: '127.0.0.52', bootMs: 300, restartDelayMs: 50, liveIntervalMs: 100, pool: { host: '127.0.0.1', port: pool.sv1.port, suggestedDifficulty: 0 } });
    cleanups.push(() => sim.stop());
    const devices = testDeviceManager(tempDir(), { streamLogs: false });
    cleanups.push(() => devices.stop());

    const host = new ApiHost();
    const alerts = new AlertCenter();
    registerAlertsApi(host, alerts);
    const pipeline = startAlertPipeline(alerts, { proxy, devices }, { logger });
    cleanups.push(() => pipeline.stop());
    const integrations = startIntegrations({ home: tempDir(), host, alerts, version: 'test', logger, devices, bridgeState: () => ({}), webhookRetry: { baseMs: 200, attempts: 4 } });
    cleanups.push(() => integrations.stop());

    const hook = await receiver([500, 200]);
    const { webhook, secret } = await host.invoke('integrations.webhooks.add', { name: 'home server', url: `${hook.url}/hooks/axewallet-7f3a9c`, format: 'json' });
    expect(webhook).toMatchObject({ target: `${hook.url}/hooks/…`, events: expect.arrayContaining(['overheat', 'upstream-down']) });
    expect(JSON.stringify(await host.invoke('integrations.get', {}))).not.toContain(secret);

    await proxy.start();
    await until(() => proxy.snapshot().upstream.state === 'up', 'the pool is up');
    const device = await devices.add(sim.http);
    devices.start();
    await until(() => devices.get(device.id).hashrate > 0, 'the simulator mines', 20_000);

    // overheat: the fan off by hand, the chip passes 75 °C
    await fetch(`${sim.http}/api/system`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ autofanspeed: false, manualFanSpeed: 0 }) });
    await until(() => hook.calls.length >= 2, 'the overheat alert, retried after the 500', 30_000);
    const [failed, retried] = hook.calls;
    expect(failed!.headers['x-axewallet-delivery']).toBe(retried!.headers['x-axewallet-delivery']);
    expect(retried!.body).toBe(failed!.body);
    for (const call of hook.calls) {
      expect(call.path).toBe('/hooks/axewallet-7f3a9c');
      expect(call.headers['content-type']).toBe('application/json');
      expect(verifySignature(secret, call.body, call.headers['x-axewallet-signature'] as string)).toBe(true);
    }
    const overheat = JSON.parse(retried!.body);
    expect(overheat).toMatchObject({ type: 'alert', alert: { kind: 'overheat', severity: 'critical', subject: device.id } });
    // the receiver records a call before it answers: wait for the dispatcher to read the answer
    const delivered = await until(async () => {
      const status = (await host.invoke('integrations.get', {})).webhooks[0]!.status;
      return status.lastOk && status;
    }, 'the retry delivered');
    expect(delivered).toMatchObject({ lastOk: true, lastStatus: 200, pending: 0 });

    // the pool goes away
    await pool.stop();
    const outage = await until(() => hook.calls.map((c) => JSON.parse(c.body)).find((b) => b.alert.kind === 'upstream-down'), 'the upstream outage', 30_000);
    expect(outage).toMatchObject({ type: 'alert', alert: { source: 'upstream', severity: 'critical', title: 'Pool unreachable' } });
    await pool.start();
    await until(() => hook.calls.map((c) => JSON.parse(c.body)).find((b) => b.type === 'alert.cleared' && b.alert.kind === 'upstream-down'), 'the outage is over', 30_000);

    const test = await host.invoke('integrations.webhooks.test', { id: webhook.id });
    expect(test).toMatchObject({ ok: true, status: 200 });
    expect(JSON.parse(hook.calls.at(-1)!.body).type).toBe('test');

    const text = JSON.stringify(logs);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('axewallet-7f3a9c');
    expect(text).toContain('retrying');
  });

  it('an alert the receiver could not take before a restart arrives after it, with the same delivery id; a damaged outbox is set aside', async () => {
    const home = tempDir();
    const devices = { list: () => [], subscribe: () => () => undefined };
    const logs: LogRecord[] = [];
    const start = (host: ApiHost, alerts: AlertCenter) =>
      startIntegrations({ home, host, alerts, version: 'test', logger: createLogger([(r) => logs.push(r)]), devices, bridgeState: () => ({}), webhookRetry: { baseMs: 50, attempts: 6 } });
    const hook = await receiver([503]);
    const firstHost = new ApiHost();
    const firstAlerts = new AlertCenter();
    const first = start(firstHost, firstAlerts);
    await firstHost.invoke('integrations.webhooks.add', { name: 'home server', url: `${hook.url}/hooks`, format: 'json' });
    // the receiver is down for the rest of this run: the alert waits in the queue
    firstAlerts.raise('device:gamma:overheat', { source: 'device', kind: 'overheat', severity: 'critical', title: 'gamma is overheating', message: 'ASIC temperature 76 °C.' });
    await until(() => hook.calls.length >= 2, 'a first attempt and a retry');
    await first.stop();
    const before = hook.calls.length;
    const waiting = JSON.parse(readFileSync(join(home, 'webhook-outbox.json'), 'utf8')) as { deliveries: Array<{ id: string; attempts: number }> };
    expect(waiting.deliveries).toHaveLength(1);
    expect(waiting.deliveries[0]!.attempts).toBeGreaterThanOrEqual(2);
    expect(statSync(join(home, 'webhook-outbox.json')).mode & 0o777).toBe(0o600);

    // the next start: the receiver is back, and the same delivery arrives, once
    hook.statuses.splice(0, hook.statuses.length, 200);
    const second = start(new ApiHost(), new AlertCenter());
    cleanups.push(() => second.stop());
    await until(() => hook.calls.length > before, 'the delivery after the restart');
    const resent = hook.calls.at(-1)!;
    expect(resent.headers['x-axewallet-delivery']).toBe(waiting.deliveries[0]!.id);
    expect(JSON.parse(resent.body)).toMatchObject({ type: 'alert', alert: { kind: 'overheat', title: 'gamma is overheating' } });
    await until(() => (JSON.parse(readFileSync(join(home, 'webhook-outbox.json'), 'utf8')) as { deliveries: unknown[] }).deliveries.length === 0, 'the outbox emptied');
    await second.stop();

    writeFileSync(join(home, 'webhook-outbox.json'), '{"deliveries": [{"id": "not a delivery"}]}');
    const third = start(new ApiHost(), new AlertCenter());
    cleanups.push(() => third.stop());
    expect(logs.find((r) => r.message.startsWith('webhook outbox unreadable'))).toBeDefined();
    expect(readdirSync(home).some((f) => f.startsWith('webhook-outbox.json.corrupt-'))).toBe(true);
  });

  it('a receiver that keeps refusing: the test button says so with the status; a 4xx is not retried', async () => {
    const host = new ApiHost();
    const alerts = new AlertCenter();
    const devices = { list: () => [], subscribe: () => () => undefined };
    const integrations = startIntegrations({ home: tempDir(), host, alerts, version: 'test', logger: silentLogger, devices, bridgeState: () => ({}), webhookRetry: { baseMs: 50, attempts: 3 } });
    cleanups.push(() => integrations.stop());
    const refusing = await receiver([404]);
    const { webhook } = await host.invoke('integrations.webhooks.add', { name: 'wrong path', url: `${refusing.url}/nope`, format: 'ntfy' });
    await expect(host.invoke('integrations.webhooks.test', { id: webhook.id })).rejects.toMatchObject({ code: 'upstream_error', message: expect.stringContaining('404') });
    expect(refusing.calls).toHaveLength(1);

    const down = await receiver([503]);
    const { webhook: flaky } = await host.invoke('integrations.webhooks.add', { name: 'down', url: `${down.url}/topic`, format: 'ntfy' });
    await expect(host.invoke('integrations.webhooks.test', { id: flaky.id })).rejects.toMatchObject({ message: expect.stringContaining('503') });
    expect(down.calls).toHaveLength(3);
    expect(JSON.parse(down.calls[0]!.body)).toMatchObject({ topic: 'topic', title: 'Test from Axewallet: This is a test' });
  });
});
