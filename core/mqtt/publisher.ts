/**
 * Publishes device and wallet state to the user's MQTT broker, with Home Assistant discovery, and every alert as
 * an event. One connection at a time; when it drops, the next attempt waits 1 s, 2 s, 4 s ... up to a minute
 * (with jitter), and starts over after a success. A last will marks Axewallet offline. Nothing secret is
 * published: no API token, seed, keys, proofs, pool users or passwords.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Device } from '../api/devices';
import { type MqttSettings, mqttSettingsSchema } from '../api/integrations';
import type { Alert } from '../api/system';
import type { Logger } from '../../lib/log';
import { bridgeDiscovery, type DiscoveryContext, deviceDiscovery, deviceState, type DiscoverableDevice, type MqttTopics, topicsFor } from './discovery';

/** before settings arrive: the settings schema's default */
const DEFAULT_INTERVAL_SECONDS = mqttSettingsSchema.parse({}).intervalSeconds;

export type MqttStatus = { state: 'off' | 'connecting' | 'connected' | 'waiting' | 'error'; lastError: string | null; connectedAt: string | null; retryAt: string | null; published: number };

export interface MqttSources {
  devices: () => Device[];
  /** wallet, proxy and backup figures for Axewallet's own sensors */
  bridgeState: () => Record<string, unknown>;
}

export interface MqttPublisherOptions {
  instance: string;
  version: string;
  logger: Logger;
  sources: MqttSources;
  /** first retry delay (default 1 s), doubling up to maxRetryMs (default 60 s) */
  retryMs?: number;
  maxRetryMs?: number;
  connectTimeoutMs?: number;
}

export interface MqttPublisherEvents {
  status: [status: MqttStatus];
}

export class MqttError extends Error {}

/** "mqtt://user:pw@host" never reaches a log: the host is enough to recognise the broker. */
function brokerName(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the broker';
  }
}

function describeError(error: Error & { code?: string | number }, url: string): string {
  const code = error.code;
  if (code === 'ECONNREFUSED') return `${brokerName(url)} refused the connection: is the broker running and is the port right?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${brokerName(url)} could not be found: check the address.`;
  if (code === 4 || code === 134) return 'The broker refused the user name or password.';
  if (code === 5 || code === 135) return 'The broker says this user is not authorized.';
  if (/certificate|self[- ]signed|unable to verify/i.test(error.message)) return `TLS: ${error.message}. Give the broker's CA certificate, or allow unverified certificates for a self-signed broker.`;
  return error.message;
}

export class MqttPublisher extends EventEmitter<MqttPublisherEvents> {
  private settings: MqttSettings | undefined;
  private password = '';
  private client: MqttClient | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private stateTimer: NodeJS.Timeout | undefined;
  private readonly lastDevicePublish = new Map<string, { at: number; status: string }>();
  private readonly announced = new Map<string, DiscoverableDevice>();
  private current: MqttStatus = { state: 'off', lastError: null, connectedAt: null, retryAt: null, published: 0 };
  private stopped = false;

  constructor(private readonly opts: MqttPublisherOptions) {
    super();
  }

  status(): MqttStatus {
    return { ...this.current };
  }

  /** Applies new settings: the old connection goes (its discovery removed when the topics change) and a new one starts. */
  async configure(settings: MqttSettings, password: string): Promise<void> {
    const old = this.settings;
    const topicsChanged = old && (old.baseTopic !== settings.baseTopic || old.discoveryPrefix !== settings.discoveryPrefix || (old.homeAssistant && !settings.homeAssistant));
    if (this.client?.connected && topicsChanged && old.homeAssistant) await this.publishDiscovery(true).catch(() => undefined);
    await this.disconnect();
    this.settings = settings;
    this.password = password;
    this.attempt = 0;
    if (!settings.enabled || !settings.url) {
      this.setStatus({ state: 'off', lastError: null, connectedAt: null, retryAt: null });
      return;
    }
    this.open();
  }

  // ------------------------------------------------------------------ events from the engine

  onDeviceState(device: Device): void {
    const interval = (this.settings?.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * 1000;
    const last = this.lastDevicePublish.get(device.id);
    // a change of status goes out at once; numbers at most once per interval
    if (last && last.status === device.status && Date.now() - last.at < interval) return;
    void this.publishDevice(device);
  }

  onDeviceRemoved(id: string): void {
    const known = this.announced.get(id);
    this.announced.delete(id);
    this.lastDevicePublish.delete(id);
    if (!known || !this.client?.connected || !this.settings) return;
    const t = this.topics().device(id);
    const messages = this.settings.homeAssistant ? deviceDiscovery(this.context(), known, true) : [];
    for (const m of [...messages, { topic: t.state, payload: '' }, { topic: t.availability, payload: '' }]) void this.publish(m.topic, m.payload, true);
  }

  onAlert(alert: Alert): void {
    if (!this.client?.connected) return;
    const event = JSON.stringify({
      event_type: alert.clearedAt ? `${alert.kind}-cleared` : alert.kind,
      title: alert.title,
      message: alert.message,
      severity: alert.severity,
      source: alert.source,
      ...(alert.subject ? { device: alert.subject } : {}),
      at: alert.clearedAt ?? alert.at,
    });
    void this.publish(this.topics().events, event, false);
    if (alert.subject) void this.publish(this.topics().device(alert.subject).events, event, false);
  }

  /** Publishes a test event with QoS 1 and waits for the broker's acknowledgement. */
  async test(): Promise<{ topic: string }> {
    if (!this.settings?.enabled || !this.settings.url) throw new MqttError('MQTT is off: enter a broker address, turn it on and save first.');
    const deadline = Date.now() + (this.opts.connectTimeoutMs ?? 10_000);
    while (!this.client?.connected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const client = this.client;
    if (!client?.connected) throw new MqttError(`Not connected to ${brokerName(this.settings.url)}: ${this.current.lastError ?? 'no answer yet'}`);
    const topic = this.topics().events;
    await client.publishAsync(
      topic,
      JSON.stringify({ event_type: 'test', title: 'This is a test', message: 'Axewallet reaches this broker; alerts arrive on this topic.', at: new Date().toISOString() }),
      { qos: 1, retain: false },
    );
    this.setStatus({ published: this.current.published + 1 });
    return { topic };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.disconnect();
  }

  // ------------------------------------------------------------------ connection

  private topics(): MqttTopics {
    return topicsFor(this.settings!.baseTopic, this.opts.instance);
  }

  private context(): DiscoveryContext {
    return { prefix: this.settings!.discoveryPrefix, topics: this.topics(), instance: this.opts.instance, version: this.opts.version };
  }

  private open(): void {
    const settings = this.settings;
    if (!settings || this.stopped) return;
    const topics = this.topics();
    const options: IClientOptions = {
      clientId: `axewallet-${this.opts.instance}-${randomBytes(3).toString('hex')}`,
      reconnectPeriod: 0,
      connectTimeout: this.opts.connectTimeoutMs ?? 10_000,
      clean: true,
      will: { topic: topics.status, payload: Buffer.from('offline'), retain: true, qos: 1 },
      rejectUnauthorized: settings.rejectUnauthorized,
      ...(settings.username ? { username: settings.username } : {}),
      ...(this.password ? { password: this.password } : {}),
      ...(settings.caCertificate ? { ca: settings.caCertificate } : {}),
    };
    this.setStatus({ state: 'connecting', retryAt: null });
    const client = connect(settings.url, options);
    this.client = client;
    let failure: string | undefined;
    client.on('connect', () => {
      if (this.client !== client) return;
      this.attempt = 0;
      this.opts.logger.info('connected to the MQTT broker', { broker: brokerName(settings.url) });
      this.setStatus({ state: 'connected', lastError: null, connectedAt: new Date().toISOString(), retryAt: null });
      void this.announce(client, topics);
    });
    client.on('error', (error) => {
      failure = describeError(error as Error & { code?: string | number }, settings.url);
    });
    client.on('message', (topic, payload) => {
      // Home Assistant's birth message: it (re)started and forgot non-retained state, so tell it again
      if (topic === `${settings.discoveryPrefix}/status` && payload.toString() === 'online') void this.announce(client, topics);
    });
    client.on('close', () => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      this.scheduleRetry(failure ?? (this.current.state === 'connected' ? 'the broker closed the connection' : 'no connection'));
    });
  }

  private scheduleRetry(reason: string): void {
    if (this.stopped || !this.settings?.enabled) return;
    const base = this.opts.retryMs ?? 1000;
    const max = this.opts.maxRetryMs ?? 60_000;
    const delay = Math.min(max, base * 2 ** this.attempt) * (0.8 + Math.random() * 0.4);
    this.attempt += 1;
    const retryAt = new Date(Date.now() + delay).toISOString();
    this.opts.logger.warn('MQTT connection lost; retrying', { broker: brokerName(this.settings.url), reason, retryInSeconds: Math.round(delay / 1000) });
    this.setStatus({ state: 'waiting', lastError: reason, retryAt });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.open();
    }, delay);
    this.retryTimer.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.stateTimer) clearInterval(this.stateTimer);
    this.retryTimer = this.stateTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.removeAllListeners();
    client.on('error', () => undefined);
    if (client.connected && this.settings) {
      // a clean goodbye: the last will only fires on an unclean one
      await client.publishAsync(this.topics().status, 'offline', { qos: 1, retain: true }).catch(() => undefined);
    }
    await client.endAsync(true).catch(() => undefined);
  }

  /** On every (re)connect: online, discovery, every device and the wallet, then state on the interval. */
  private async announce(client: MqttClient, topics: MqttTopics): Promise<void> {
    try {
      await client.publishAsync(topics.status, 'online', { qos: 1, retain: true });
      if (this.settings!.homeAssistant) {
        await client.subscribeAsync(`${this.settings!.discoveryPrefix}/status`, { qos: 0 });
        await this.publishDiscovery(false);
      }
      this.lastDevicePublish.clear();
      for (const device of this.opts.sources.devices()) await this.publishDevice(device);
      await this.publishBridge();
    } catch (error) {
      this.opts.logger.warn('MQTT announce failed', { error: (error as Error).message });
    }
    if (this.stateTimer) clearInterval(this.stateTimer);
    this.stateTimer = setInterval(() => void this.publishBridge(), (this.settings?.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * 1000);
    this.stateTimer.unref();
  }

  private async publishDiscovery(remove: boolean): Promise<void> {
    const ctx = this.context();
    const messages = [...bridgeDiscovery(ctx, remove)];
    for (const device of this.opts.sources.devices()) {
      messages.push(...deviceDiscovery(ctx, device, remove));
      if (!remove) this.announced.set(device.id, device);
    }
    for (const m of messages) await this.publish(m.topic, m.payload, true);
  }

  private async publishDevice(device: Device): Promise<void> {
    if (!this.client?.connected || !this.settings) return;
    this.lastDevicePublish.set(device.id, { at: Date.now(), status: device.status });
    const t = this.topics().device(device.id);
    if (this.settings.homeAssistant && !this.announced.has(device.id)) {
      this.announced.set(device.id, device);
      for (const m of deviceDiscovery(this.context(), device)) await this.publish(m.topic, m.payload, true);
    }
    await this.publish(t.availability, device.status === 'online' ? 'online' : 'offline', true);
    await this.publish(t.state, JSON.stringify(deviceState(device)), true);
  }

  private async publishBridge(): Promise<void> {
    if (!this.client?.connected) return;
    await this.publish(this.topics().state, JSON.stringify(this.opts.sources.bridgeState()), true);
  }

  private async publish(topic: string, payload: string, retain: boolean): Promise<void> {
    const client = this.client;
    if (!client?.connected) return;
    try {
      await client.publishAsync(topic, payload, { qos: 0, retain });
      this.current.published += 1;
    } catch (error) {
      this.opts.logger.warn('MQTT publish failed', { topic, error: (error as Error).message });
    }
  }

  private setStatus(change: Partial<MqttStatus>): void {
    this.current = { ...this.current, ...change };
    this.emit('status', this.status());
  }
}
