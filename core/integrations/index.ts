/**
 * Wires the integrations to the engine: the settings file, the MQTT publisher and the webhook dispatcher,
 * fed by the one alert center and the device manager, and their part of the API (core/api/integrations.ts).
 */
import type { AlertCenter } from '../alerts';
import type { Device } from '../api/devices';
import type { ApiHost } from '../api/host';
import type { DeviceManagerEvent } from '../devices';
import type { Logger } from '../../lib/log';
import { MqttPublisher } from '../mqtt/publisher';
import { type RetryPolicy, WebhookDispatcher } from '../webhooks/dispatcher';
import { WebhookOutbox } from '../webhooks/outbox';
import { registerIntegrationsApi } from './api';
import { IntegrationsStore } from './store';

export interface IntegrationsOptions {
  home: string;
  host: ApiHost;
  alerts: AlertCenter;
  version: string;
  logger: Logger;
  devices: { list(): Device[]; subscribe(listener: (event: DeviceManagerEvent) => void): () => void };
  /** wallet, proxy and backup figures for Axewallet's own MQTT sensors */
  bridgeState: () => Record<string, unknown>;
  webhookRetry?: Partial<RetryPolicy>;
  mqttRetryMs?: number;
}

export interface Integrations {
  /** /metrics without the token */
  metricsOpen(): boolean;
  /** set when integrations.json was unreadable */
  problem: string | undefined;
  stop(): Promise<void>;
}

export function startIntegrations(opts: IntegrationsOptions): Integrations {
  const store = new IntegrationsStore(opts.home);
  const { host, logger } = opts;
  const instance = () => store.get().instanceId;
  const webhookLogger = logger.child('webhooks');
  const webhooks = new WebhookDispatcher({
    webhooks: () => store.get().webhooks,
    instance,
    version: opts.version,
    logger: webhookLogger,
    retry: opts.webhookRetry,
    outbox: new WebhookOutbox(opts.home, webhookLogger),
  });
  const mqtt = new MqttPublisher({
    instance: instance(),
    version: opts.version,
    logger: logger.child('mqtt'),
    sources: { devices: () => opts.devices.list(), bridgeState: opts.bridgeState },
    ...(opts.mqttRetryMs ? { retryMs: opts.mqttRetryMs } : {}),
  });

  const stopApi = registerIntegrationsApi(host, { store, mqtt, webhooks, logger });

  const onAlert = (alert: Parameters<WebhookDispatcher['onAlert']>[0]) => {
    webhooks.onAlert(alert);
    mqtt.onAlert(alert);
  };
  opts.alerts.on('alert', onAlert);
  const stopDevices = opts.devices.subscribe((event) => {
    if (event.type === 'device.state') mqtt.onDeviceState(event.device);
    else if (event.type === 'device.removed') mqtt.onDeviceRemoved(event.id);
  });
  const { password, ...mqttSettings } = store.get().mqtt;
  void mqtt.configure(mqttSettings, password);

  return {
    metricsOpen: () => store.get().metrics.open,
    problem: store.problem,
    async stop() {
      opts.alerts.off('alert', onAlert);
      stopDevices();
      webhooks.stop();
      await mqtt.stop();
      stopApi();
    },
  };
}
