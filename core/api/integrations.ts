/**
 * The integrations part of the API contract: /metrics without a token (or not), MQTT with Home Assistant
 * discovery, and webhooks for alerts. Secrets (the MQTT password, each webhook's signing secret and its URL,
 * which for Discord or ntfy is itself a key) are written here but never read back, except a webhook's
 * secret when the user asks for it.
 */
import { z } from 'zod';
import { defineCommand, noInput } from './define';

/** Alert kinds a webhook can ask for (core/alerts). */
export const ALERT_KINDS = [
  'offline',
  'hashrate-drop',
  'overheat',
  'upstream-down',
  'failover',
  'backup-failing',
  'ehash-expiring',
  'pool-change',
  'best-difficulty',
  'no-mint',
  'spent-elsewhere',
  'stratum-port',
  'settings-file',
] as const;
export const alertKindSchema = z.enum(ALERT_KINDS);
/** what a new webhook reports unless told otherwise: everything a miner must act on */
export const DEFAULT_WEBHOOK_EVENTS: Array<(typeof ALERT_KINDS)[number]> = ['offline', 'hashrate-drop', 'overheat', 'upstream-down', 'failover', 'backup-failing', 'ehash-expiring'];

const topicSegment = z.string().regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'letters, digits, "_", "-" and "/" between them');

export const mqttUrlSchema = z
  .string()
  .max(512)
  .regex(/^(mqtts?|wss?):\/\/[^\s/?#]+(\/[^\s]*)?$/, 'a broker address looks like mqtt://192.168.1.5:1883, mqtts://broker.lan:8883 or wss://broker.lan/mqtt');

const mqttFields = {
  enabled: z.boolean(),
  url: z.union([z.literal(''), mqttUrlSchema]),
  username: z.string().max(256),
  /** PEM of the CA that signed the broker's certificate, for a private CA; empty = the system's CAs */
  caCertificate: z.string().max(65536),
  /** false accepts any certificate (a self-signed broker): the connection is encrypted but not authenticated */
  rejectUnauthorized: z.boolean(),
  baseTopic: topicSegment.max(64),
  /** Home Assistant's discovery prefix (its MQTT settings; "homeassistant" unless changed there) */
  discoveryPrefix: topicSegment.max(64),
  homeAssistant: z.boolean(),
  /** how often device and wallet state is published (changes of state go out at once) */
  intervalSeconds: z.number().int().min(5).max(3600),
};

export const mqttSettingsSchema = z.object({
  enabled: mqttFields.enabled.default(false),
  url: mqttFields.url.default(''),
  username: mqttFields.username.default(''),
  caCertificate: mqttFields.caCertificate.default(''),
  rejectUnauthorized: mqttFields.rejectUnauthorized.default(true),
  baseTopic: mqttFields.baseTopic.default('axewallet'),
  discoveryPrefix: mqttFields.discoveryPrefix.default('homeassistant'),
  homeAssistant: mqttFields.homeAssistant.default(true),
  intervalSeconds: mqttFields.intervalSeconds.default(15),
});
export type MqttSettings = z.infer<typeof mqttSettingsSchema>;

export const mqttStatusSchema = z.object({
  state: z.enum(['off', 'connecting', 'connected', 'waiting', 'error']),
  /** what went wrong last, in words; null once connected */
  lastError: z.string().nullable(),
  connectedAt: z.string().nullable(),
  /** when the next attempt to connect is made (backoff) */
  retryAt: z.string().nullable(),
  published: z.number().int().nonnegative(),
});

export const mqttViewSchema = mqttSettingsSchema.extend({ passwordSet: z.boolean(), status: mqttStatusSchema });

export const webhookFormatSchema = z.enum(['json', 'ntfy', 'discord']);
const webhookUrlSchema = z
  .string()
  .max(2048)
  .regex(/^https?:\/\/[^\s]+$/, 'a webhook address starts with http:// or https://');

export const webhookStatusSchema = z.object({
  lastAttemptAt: z.string().nullable(),
  /** the last delivery (after its retries) reached the receiver */
  lastOk: z.boolean().nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  /** deliveries waiting for a retry */
  pending: z.number().int().nonnegative(),
});

export const webhookViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** the address with its path hidden: for Discord and ntfy the path is the key */
  target: z.string(),
  format: webhookFormatSchema,
  events: z.array(alertKindSchema),
  /** also report when a condition is over */
  includeCleared: z.boolean(),
  enabled: z.boolean(),
  status: webhookStatusSchema,
});
export type WebhookView = z.infer<typeof webhookViewSchema>;

const webhookId = z.string().regex(/^[0-9a-f]{12}$/, 'a webhook id is 12 hex digits');
const webhookFields = {
  name: z.string().min(1).max(64),
  url: webhookUrlSchema,
  format: webhookFormatSchema,
  events: z.array(alertKindSchema).max(ALERT_KINDS.length),
  includeCleared: z.boolean(),
  enabled: z.boolean(),
};

export const integrationsSchema = z.object({
  metrics: z.object({ open: z.boolean() }),
  mqtt: mqttViewSchema,
  webhooks: z.array(webhookViewSchema),
});

export const integrationsCommands = {
  'integrations.get': defineCommand({
    name: 'integrations.get',
    method: 'GET',
    path: '/integrations',
    summary: 'Metrics access, MQTT and webhooks, with their live status (secrets are never returned)',
    input: noInput,
    output: integrationsSchema,
  }),
  'integrations.metrics': defineCommand({
    name: 'integrations.metrics',
    method: 'PUT',
    path: '/integrations/metrics',
    summary: 'Serve GET /metrics without the API token (open) or only with it',
    input: z.object({ open: z.boolean() }).strict(),
    output: z.object({ open: z.boolean() }),
  }),
  'integrations.mqtt.update': defineCommand({
    name: 'integrations.mqtt.update',
    method: 'PUT',
    path: '/integrations/mqtt',
    summary: 'Change MQTT settings; only the given fields change. password: a new one, or null to remove it',
    // no defaults in a patch: a field not given stays as it is
    input: z
      .object(mqttFields)
      .partial()
      .extend({ password: z.string().max(1024).nullable().optional() })
      .strict(),
    output: mqttViewSchema,
  }),
  'integrations.mqtt.test': defineCommand({
    name: 'integrations.mqtt.test',
    method: 'POST',
    path: '/integrations/mqtt/test',
    summary: 'Publish a test event to the broker (QoS 1) and wait for it to be acknowledged',
    input: noInput,
    output: z.object({ ok: z.literal(true), topic: z.string() }),
  }),
  'integrations.webhooks.add': defineCommand({
    name: 'integrations.webhooks.add',
    method: 'POST',
    path: '/integrations/webhooks',
    summary: 'Add a webhook; its signing secret is returned this once (it can be shown again on request)',
    input: z
      .object({
        ...webhookFields,
        format: webhookFields.format.default('json'),
        events: webhookFields.events.default(DEFAULT_WEBHOOK_EVENTS),
        includeCleared: webhookFields.includeCleared.default(true),
        enabled: webhookFields.enabled.default(true),
      })
      .strict(),
    output: z.object({ webhook: webhookViewSchema, secret: z.string() }),
  }),
  'integrations.webhooks.update': defineCommand({
    name: 'integrations.webhooks.update',
    method: 'PUT',
    path: '/integrations/webhooks/:id',
    summary: 'Change a webhook; only the given fields change',
    input: z.object({ id: webhookId, ...z.object(webhookFields).partial().shape }).strict(),
    output: z.object({ webhook: webhookViewSchema }),
  }),
  'integrations.webhooks.remove': defineCommand({
    name: 'integrations.webhooks.remove',
    method: 'DELETE',
    path: '/integrations/webhooks/:id',
    summary: 'Remove a webhook (deliveries waiting for a retry are dropped)',
    input: z.object({ id: webhookId }).strict(),
    output: z.object({ removed: z.boolean() }),
  }),
  'integrations.webhooks.test': defineCommand({
    name: 'integrations.webhooks.test',
    method: 'POST',
    path: '/integrations/webhooks/:id/test',
    summary: 'Send a signed test alert now and report what the receiver answered',
    input: z.object({ id: webhookId }).strict(),
    output: z.object({ ok: z.literal(true), status: z.number().int(), attempts: z.number().int() }),
  }),
  'integrations.webhooks.secret': defineCommand({
    name: 'integrations.webhooks.secret',
    method: 'POST',
    path: '/integrations/webhooks/:id/secret',
    summary: "Show a webhook's signing secret (for the receiver that checks X-Axewallet-Signature)",
    input: z.object({ id: webhookId }).strict(),
    output: z.object({ secret: z.string() }),
  }),
};

export const integrationsEvents = [z.object({ type: z.literal('integrations.status'), mqtt: mqttStatusSchema, webhooks: z.array(z.object({ id: z.string(), status: webhookStatusSchema })) })] as const;
