/**
 * The webhook deliveries not yet made, kept in webhook-outbox.json in the home (0600) so a restart, a crash or
 * an update does not drop an alert whose receiver was down: the next start sends them with the same delivery
 * id (receivers can tell a retry from a new alert) and the attempts already spent. A damaged file is copied
 * aside, as settings.json is, and the outbox starts empty.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../config/home';
import { readJsonFile } from '../config/json-file';
import type { Logger } from '../../lib/log';
import { alertMessageSchema } from './payload';

const deliverySchema = z.object({
  id: z.string().regex(/^[0-9a-f]{16}$/),
  webhookId: z.string(),
  attempts: z.number().int().min(0),
  message: alertMessageSchema,
});

const fileSchema = z.object({ deliveries: z.array(deliverySchema) });

/** One alert on its way to one webhook; `id` is sent as x-axewallet-delivery, the same on every attempt. */
export type Delivery = z.infer<typeof deliverySchema>;

export class WebhookOutbox {
  readonly file: string;

  constructor(
    home: string,
    private readonly logger: Logger,
  ) {
    this.file = join(home, 'webhook-outbox.json');
  }

  /** What the last run left unsent, oldest first. */
  load(): Delivery[] {
    const read = readJsonFile(this.file, fileSchema);
    if (read.kind === 'ok') return read.value.deliveries;
    if (read.kind === 'damaged') this.logger.warn('webhook outbox unreadable: alerts not yet delivered before the restart are lost', { file: this.file, copy: read.copy, reason: read.reason });
    return [];
  }

  save(deliveries: readonly Delivery[]): void {
    try {
      writeFileAtomic(this.file, `${JSON.stringify({ deliveries })}\n`);
    } catch (error) {
      // the deliveries are still queued in memory; only a restart before the next good save would lose them
      this.logger.warn('webhook outbox could not be saved', { file: this.file, error: (error as Error).message });
    }
  }
}
