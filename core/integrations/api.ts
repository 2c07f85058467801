/**
 * Binds the integrations to the API contract (core/api/integrations.ts): /metrics access, MQTT settings and test,
 * webhooks (add, change, remove, test, show secret), and their status forwarded as `integrations.status`.
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../api/define';
import type { ApiHost } from '../api/host';
import type { WebhookView } from '../api/integrations';
import type { Logger } from '../../lib/log';
import { MqttError, type MqttPublisher } from '../mqtt/publisher';
import type { StoredWebhook, WebhookDispatcher } from '../webhooks/dispatcher';
import { targetOf } from '../webhooks/payload';
import type { IntegrationsStore } from './store';

export interface IntegrationsApiOptions {
  store: IntegrationsStore;
  mqtt: MqttPublisher;
  webhooks: WebhookDispatcher;
  logger: Logger;
}

/** Registers the integrations commands and forwards their status; returns the unsubscribe. */
export function registerIntegrationsApi(host: ApiHost, { store, mqtt, webhooks, logger }: IntegrationsApiOptions): () => void {
  const view = (hook: StoredWebhook): WebhookView => ({
    id: hook.id,
    name: hook.name,
    target: targetOf(hook.url),
    format: hook.format,
    events: hook.events,
    includeCleared: hook.includeCleared,
    enabled: hook.enabled,
    status: webhooks.status(hook.id),
  });
  const mqttView = () => {
    const { password, ...settings } = store.get().mqtt;
    return { ...settings, passwordSet: password.length > 0, status: mqtt.status() };
  };
  const publishStatus = () => host.emit({ type: 'integrations.status', mqtt: mqtt.status(), webhooks: store.get().webhooks.map((h) => ({ id: h.id, status: webhooks.status(h.id) })) });
  const hook = (id: string): StoredWebhook => {
    const found = store.get().webhooks.find((h) => h.id === id);
    if (!found) throw new ApiError('not_found', `No webhook with id ${id}.`, 'Reload the Integrations page.');
    return found;
  };

  host.handle('integrations.get', () => ({ metrics: store.get().metrics, mqtt: mqttView(), webhooks: store.get().webhooks.map(view) }));
  host.handle('integrations.metrics', ({ open }) => {
    store.update((d) => void (d.metrics.open = open));
    logger.info(open ? '/metrics is served without the API token' : '/metrics needs the API token');
    return store.get().metrics;
  });
  host.handle('integrations.mqtt.update', async ({ password, ...patch }) => {
    const next = store.update((d) => {
      Object.assign(d.mqtt, patch);
      if (password !== undefined) d.mqtt.password = password ?? '';
    });
    if (next.mqtt.enabled && !next.mqtt.url) throw new ApiError('bad_request', 'MQTT needs a broker address to be turned on.', 'Enter the address, like mqtt://192.168.1.5:1883.', 'url');
    logger.info('MQTT settings saved', { fields: Object.keys(patch).concat(password !== undefined ? ['password'] : []) });
    const { password: secret, ...settings } = next.mqtt;
    await mqtt.configure(settings, secret);
    return mqttView();
  });
  host.handle('integrations.mqtt.test', async () => {
    try {
      return { ok: true as const, ...(await mqtt.test()) };
    } catch (error) {
      if (error instanceof MqttError) throw new ApiError('upstream_error', error.message, 'Check the broker address, user and password, then save and try again.');
      throw error;
    }
  });
  host.handle('integrations.webhooks.add', (input) => {
    const stored: StoredWebhook = { id: randomBytes(6).toString('hex'), secret: randomBytes(32).toString('hex'), ...input };
    store.update((d) => void d.webhooks.push(stored));
    logger.info('webhook added', { webhook: stored.name, target: targetOf(stored.url), format: stored.format });
    return { webhook: view(stored), secret: stored.secret };
  });
  host.handle('integrations.webhooks.update', ({ id, ...patch }) => {
    hook(id);
    store.update((d) => {
      const target = d.webhooks.find((h) => h.id === id)!;
      Object.assign(target, patch);
    });
    return { webhook: view(hook(id)) };
  });
  host.handle('integrations.webhooks.remove', ({ id }) => {
    const before = store.get().webhooks.length;
    store.update((d) => void (d.webhooks = d.webhooks.filter((h) => h.id !== id)));
    webhooks.forget(id);
    return { removed: store.get().webhooks.length < before };
  });
  host.handle('integrations.webhooks.test', async ({ id }) => {
    const target = hook(id);
    const outcome = await webhooks.test(id);
    if (!outcome.ok)
      throw new ApiError('upstream_error', `The test did not arrive: ${outcome.error}.`, `Check the address of "${target.name}" and that the receiver accepts POST requests with a JSON body.`);
    return { ok: true as const, status: outcome.status, attempts: outcome.attempts };
  });
  host.handle('integrations.webhooks.secret', ({ id }) => {
    logger.info('webhook secret shown', { webhook: hook(id).name });
    return { secret: hook(id).secret };
  });

  mqtt.on('status', publishStatus);
  webhooks.on('status', publishStatus);
  return () => {
    mqtt.off('status', publishStatus);
    webhooks.off('status', publishStatus);
  };
}
