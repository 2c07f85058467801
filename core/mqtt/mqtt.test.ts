/**
 * MQTT against a real broker (Debian's mosquitto on a loopback port): a subscriber reads what Home Assistant
 * would read (discovery configs, state, availability, alert events), the publisher survives the broker going
 * away and coming back, refuses wrong credentials in plain words, and speaks TLS to a broker with its own CA.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator } from '../../device/sim/simulator';
import { until } from '../../test/until';
import { AlertCenter } from '../alerts';
import { ApiHost } from '../api/host';
import { testDeviceManager } from '../devices/testing/test-manager';
import { startIntegrations } from '../integrations';
import { silentLogger } from '../../lib/log';
import { EVENT_TYPES } from './discovery';
import { type Mosquitto, startMosquitto } from './testing/mosquitto';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'axw-mqtt-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function broker(opts: Parameters<typeof startMosquitto>[0] = {}): Promise<Mosquitto> {
  const b = await startMosquitto(opts);
  cleanups.push(() => b.close());
  return b;
}

/** What Home Assistant would see: every message on its discovery prefix and on Axewallet's topics, retained ones included. */
async function homeAssistant(url: string, auth: { username: string; password: string }): Promise<{ client: MqttClient; seen: Map<string, { payload: string; retain: boolean }[]> }> {
  const client = connect(url, { ...auth, reconnectPeriod: 200 });
  cleanups.push(() => client.endAsync(true));
  const seen = new Map<string, { payload: string; retain: boolean }[]>();
  client.on('message', (topic, payload, packet) => {
    const list = seen.get(topic) ?? [];
    list.push({ payload: payload.toString(), retain: packet.retain });
    seen.set(topic, list);
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(['homeassistant/#', 'axewallet/#']);
  return { client, seen };
}

const latest = (seen: Map<string, { payload: string }[]>, topic: string) => seen.get(topic)?.at(-1)?.payload;

function engineParts(home: string) {
  const host = new ApiHost();
  const alerts = new AlertCenter();
  return { host, alerts, home };
}

describe('MQTT with Home Assistant discovery', () => {
  it('each Bitaxe appears as a device with sensors, Axewallet as one with its own, alerts as events; nothing secret is published', async () => {
    const mosquitto = await broker({ users: { axewallet: 'broker-pass-9c1', homeassistant: 'ha-pass' } });
    const ha = await homeAssistant(mosquitto.url, { username: 'homeassistant', password: 'ha-pass' });
    const sim = await startSimulator({ host: '127.0.0.53', bootMs: 300, liveIntervalMs: 100, pool: { host: '127.0.0.1', port: 9, user: 'bc1qsecretpooluser.gamma' } });
    cleanups.push(() => sim.stop());
    const devices = testDeviceManager(tempDir(), { streamLogs: false });
    cleanups.push(() => devices.stop());
    const device = await devices.add(sim.http);
    devices.start();

    const { host, alerts, home } = engineParts(tempDir());
    const bridge = {
      ehash_balance: 4096,
      ehash_earned: 8192,
      quotes_pending: 2,
      hashrate: 1.1,
      miners: 1,
      shares_accepted: 10,
      shares_rejected: 0,
      upstream: 'up',
      wallet: 'unlocked',
      backup_age: 12,
    };
    const integrations = startIntegrations({ home, host, alerts, version: 'test', logger: silentLogger, devices, bridgeState: () => bridge, mqttRetryMs: 100 });
    cleanups.push(() => integrations.stop());
    const view = await host.invoke('integrations.mqtt.update', { enabled: true, url: mosquitto.url, username: 'axewallet', password: 'broker-pass-9c1', intervalSeconds: 5 });
    expect(view).toMatchObject({ passwordSet: true, username: 'axewallet' });
    expect(JSON.stringify(view)).not.toContain('broker-pass-9c1');
    await until(async () => (await host.invoke('integrations.get', {})).mqtt.status.state === 'connected', 'connected');

    const instance = /^axewallet\/([0-9a-f]{8})\/status$/.exec(
      [...(await until(() => [...ha.seen.keys()].some((t) => t.endsWith('/status')) && ha.seen.keys(), 'status topic'))].find((t) => /^axewallet\/[0-9a-f]{8}\/status$/.test(t))!,
    )![1]!;
    const root = `axewallet/${instance}`;
    expect(latest(ha.seen, `${root}/status`)).toBe('online');

    // the Bitaxe as Home Assistant discovers it
    const node = `bitaxe_${device.id}`;
    const temperature = JSON.parse(await until(() => latest(ha.seen, `homeassistant/sensor/${node}/temperature/config`), 'temperature sensor config'));
    expect(temperature).toMatchObject({
      unique_id: `${node}_temperature`,
      state_topic: `${root}/devices/${device.id}/state`,
      unit_of_measurement: '°C',
      device_class: 'temperature',
      state_class: 'measurement',
      availability_mode: 'all',
      availability: [{ topic: `${root}/status` }, { topic: `${root}/devices/${device.id}/availability` }],
      device: { identifiers: [node], connections: [['mac', device.mac.toLowerCase()]], name: 'bitaxe', via_device: `axewallet_${instance}` },
      origin: { name: 'Axewallet' },
    });
    for (const key of ['hashrate_1m', 'hashrate_10m', 'hashrate_1h', 'power', 'efficiency', 'best_difficulty', 'shares_accepted', 'shares_rejected', 'uptime']) {
      const config = JSON.parse(await until(() => latest(ha.seen, `homeassistant/sensor/${node}/${key}/config`), `${key} config`));
      expect(config.value_template).toBe(`{{ value_json.${key} }}`);
    }
    expect(JSON.parse(await until(() => latest(ha.seen, `homeassistant/binary_sensor/${node}/online/config`), 'online config'))).toMatchObject({ device_class: 'connectivity', payload_on: 'online' });
    const eventConfig = JSON.parse(await until(() => latest(ha.seen, `homeassistant/event/${node}/alert/config`), 'alert event config'));
    expect(eventConfig).toMatchObject({ state_topic: `${root}/devices/${device.id}/events`, event_types: EVENT_TYPES });

    const state = JSON.parse(await until(() => latest(ha.seen, `${root}/devices/${device.id}/state`), 'device state'));
    expect(state).toMatchObject({ status: 'online', via_axewallet: false });
    expect(typeof state.temperature).toBe('number');
    expect(typeof state.hashrate_1m).toBe('number');
    expect(await until(() => latest(ha.seen, `${root}/devices/${device.id}/availability`), 'availability')).toBe('online');

    // Axewallet itself
    const balance = JSON.parse(await until(() => latest(ha.seen, `homeassistant/sensor/axewallet_${instance}/ehash_balance/config`), 'bridge sensor'));
    expect(balance).toMatchObject({ state_topic: `${root}/state`, value_template: '{{ value_json.ehash_balance }}' });
    expect(JSON.parse(await until(() => latest(ha.seen, `${root}/state`), 'bridge state'))).toEqual(bridge);

    // alerts as events (not retained: an event happens once), on Axewallet and on the device it is about
    alerts.note({ source: 'device', subject: device.id, kind: 'overheat', severity: 'critical', title: 'bitaxe is overheating', message: 'ASIC temperature 76 °C.' });
    const event = JSON.parse(await until(() => latest(ha.seen, `${root}/devices/${device.id}/events`), 'device alert event'));
    expect(event).toMatchObject({ event_type: 'overheat', severity: 'critical', device: device.id });
    expect(ha.seen.get(`${root}/events`)!.at(-1)!.retain).toBe(false);
    expect(await host.invoke('integrations.mqtt.test', {})).toEqual({ ok: true, topic: `${root}/events` });
    await until(() => ha.seen.get(`${root}/events`)?.some((m) => JSON.parse(m.payload).event_type === 'test'), 'the test event');

    // a Home Assistant that connects later reads every config and state from the broker's retained messages
    const late = await homeAssistant(mosquitto.url, { username: 'homeassistant', password: 'ha-pass' });
    const retained = await until(() => late.seen.get(`homeassistant/sensor/${node}/temperature/config`)?.[0], 'retained discovery');
    expect(retained).toMatchObject({ retain: true });
    expect(JSON.parse(retained.payload)).toEqual(temperature);
    expect(await until(() => late.seen.get(`${root}/devices/${device.id}/state`)?.[0]?.retain, 'retained state')).toBe(true);
    expect(late.seen.get(`${root}/status`)?.[0]).toEqual({ payload: 'online', retain: true });

    // Home Assistant restarts (birth message): discovery is sent again
    const before = ha.seen.get(`homeassistant/sensor/${node}/temperature/config`)!.length;
    await ha.client.publishAsync('homeassistant/status', 'online');
    await until(() => ha.seen.get(`homeassistant/sensor/${node}/temperature/config`)!.length > before, 'discovery again after the birth message');

    const everything = JSON.stringify([...ha.seen.entries()]);
    for (const secret of ['broker-pass-9c1', 'bc1qsecretpooluser', 'stratumPassword', 'password', 'mnemonic', 'proofs']) expect(everything).not.toContain(secret);

    // a forgotten device disappears from Home Assistant (empty retained configs)
    devices.remove(device.id);
    await until(() => latest(ha.seen, `homeassistant/sensor/${node}/temperature/config`) === '', 'discovery removed');
  });

  it('reconnects with backoff when the broker goes away, and says plainly when credentials are wrong', async () => {
    const mosquitto = await broker({ users: { axewallet: 'right' } });
    const { host, alerts, home } = engineParts(tempDir());
    const devices = { list: () => [], subscribe: () => () => undefined };
    const integrations = startIntegrations({ home, host, alerts, version: 'test', logger: silentLogger, devices, bridgeState: () => ({}), mqttRetryMs: 100 });
    cleanups.push(() => integrations.stop());
    const status = async () => (await host.invoke('integrations.get', {})).mqtt.status;

    await host.invoke('integrations.mqtt.update', { enabled: true, url: mosquitto.url, username: 'axewallet', password: 'wrong' });
    const refused = await until(async () => {
      const s = await status();
      return s.lastError && s;
    }, 'a refusal');
    expect(refused.lastError).toMatch(/not authorized|user name or password/);
    expect(refused.state).toBe('waiting');
    await expect(host.invoke('integrations.mqtt.test', {})).rejects.toMatchObject({ code: 'upstream_error', message: expect.stringMatching(/not authorized|user name or password/) });

    await host.invoke('integrations.mqtt.update', { password: 'right' });
    await until(async () => (await status()).state === 'connected', 'connected with the right password');

    await mosquitto.stop();
    const waiting = await until(async () => {
      const s = await status();
      return s.state === 'waiting' && s;
    }, 'waiting after the broker left');
    expect(Date.parse(waiting.retryAt!)).toBeGreaterThan(Date.now() - 1000);
    // while the broker is away the delay grows (1x, 2x, 4x ... the first retry)
    const retries = new Set<string>();
    await until(
      async () => {
        const s = await status();
        if (s.retryAt) retries.add(s.retryAt);
        return retries.size >= 3;
      },
      'several retries',
      15_000,
      20,
    );
    await mosquitto.start();
    await until(async () => (await status()).state === 'connected', 'connected again', 20_000);
    expect((await status()).lastError).toBeNull();
  });

  it('speaks TLS to a broker with its own CA, and names the certificate problem without it', async () => {
    const mosquitto = await broker({ tls: true });
    const { host, alerts, home } = engineParts(tempDir());
    const devices = { list: () => [], subscribe: () => () => undefined };
    const integrations = startIntegrations({ home, host, alerts, version: 'test', logger: silentLogger, devices, bridgeState: () => ({}), mqttRetryMs: 100 });
    cleanups.push(() => integrations.stop());
    const status = async () => (await host.invoke('integrations.get', {})).mqtt.status;

    await host.invoke('integrations.mqtt.update', { enabled: true, url: mosquitto.tls!.url });
    const refused = await until(async () => (await status()).lastError, 'a certificate error');
    expect(refused).toMatch(/TLS: .*CA certificate/);

    await host.invoke('integrations.mqtt.update', { caCertificate: mosquitto.tls!.caPem });
    await until(async () => (await status()).state === 'connected', 'connected over TLS');
    expect(await host.invoke('integrations.mqtt.test', {})).toMatchObject({ ok: true });
  });
});
