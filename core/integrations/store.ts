/**
 * integrations.json in the home dir (0600, like the API token): /metrics access, MQTT and webhooks, with
 * their secrets. A damaged file is copied aside and never silently replaced, as settings.json is.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { alertKindSchema, mqttSettingsSchema, webhookFormatSchema } from '../api/integrations';
import { writeFileAtomic } from '../config/home';
import { readJsonFile } from '../config/json-file';

const storedWebhookSchema = z.object({
  id: z.string().regex(/^[0-9a-f]{12}$/),
  name: z.string(),
  url: z.string(),
  format: webhookFormatSchema,
  events: z.array(alertKindSchema),
  includeCleared: z.boolean(),
  enabled: z.boolean(),
  secret: z.string().min(32),
});

const fileSchema = z.object({
  /** names this installation in MQTT topics, Home Assistant ids and webhook bodies */
  instanceId: z.string().regex(/^[0-9a-f]{8}$/),
  metrics: z.object({ open: z.boolean() }).default({ open: false }),
  mqtt: mqttSettingsSchema.extend({ password: z.string().default('') }).default(mqttSettingsSchema.extend({ password: z.string().default('') }).parse({})),
  webhooks: z.array(storedWebhookSchema).default([]),
});

export type IntegrationsFile = z.infer<typeof fileSchema>;
export type StoredMqtt = IntegrationsFile['mqtt'];

export class IntegrationsStore {
  readonly file: string;
  private current: IntegrationsFile;
  /** set when the file could not be read and defaults are in use */
  readonly problem: string | undefined;

  constructor(home: string) {
    this.file = join(home, 'integrations.json');
    const read = readJsonFile(this.file, fileSchema);
    if (read.kind === 'ok') {
      this.current = read.value;
      return;
    }
    this.current = fileSchema.parse({ instanceId: randomBytes(4).toString('hex') });
    if (read.kind === 'damaged')
      this.problem = `Integration settings ${this.file} could not be read (${read.reason}). A copy was kept at ${read.copy}; MQTT and webhooks are off until you set them again.`;
  }

  get(): IntegrationsFile {
    return structuredClone(this.current);
  }

  update(change: (draft: IntegrationsFile) => void): IntegrationsFile {
    const draft = this.get();
    change(draft);
    const next = fileSchema.parse(draft);
    writeFileAtomic(this.file, `${JSON.stringify(next, null, 2)}\n`);
    this.current = next;
    return this.get();
  }
}
