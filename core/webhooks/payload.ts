/**
 * What a webhook receives for an alert: our own JSON (signed), or the shapes ntfy and Discord read. Pure.
 * ntfy: JSON publishing (POST to the server root with the topic in the body, docs.ntfy.sh/publish "Publish as
 * JSON"), so titles with "°C" need no header encoding. Discord: an execute-webhook body with one embed.
 */
import type { WebhookView } from '../api/integrations';
import { z } from 'zod';
import { alertSchema } from '../api/system';

/** What a webhook is sent, whatever its format; also the shape the outbox keeps across restarts (outbox.ts). */
export const alertMessageSchema = z.object({
  kind: z.enum(['alert', 'alert.cleared', 'test']),
  alert: alertSchema,
  /** ISO time the message was made */
  sentAt: z.string(),
  /** which Axewallet sent it (several homes may share one receiver) */
  instance: z.string(),
});

export type AlertMessage = z.infer<typeof alertMessageSchema>;
export type DeliveryKind = AlertMessage['kind'];

export interface OutgoingRequest {
  url: string;
  body: string;
  contentType: string;
}

const SEVERITY_COLOR = { info: 0x3b82f6, warning: 0xf59e0b, critical: 0xdc2626 } as const;
const NTFY_PRIORITY = { info: 3, warning: 4, critical: 5 } as const;
const NTFY_TAGS = { info: 'information_source', warning: 'warning', critical: 'rotating_light' } as const;

function headline(message: AlertMessage): string {
  if (message.kind === 'test') return `Test from Axewallet: ${message.alert.title}`;
  return message.kind === 'alert.cleared' ? `Resolved: ${message.alert.title}` : message.alert.title;
}

function text(message: AlertMessage): string {
  const { alert } = message;
  if (message.kind === 'alert.cleared') return `Over since ${alert.clearedAt}. It started at ${alert.at}: ${alert.message}`;
  return alert.hint ? `${alert.message}\n${alert.hint}` : alert.message;
}

export function requestFor(format: WebhookView['format'], url: string, message: AlertMessage): OutgoingRequest {
  const { alert } = message;
  switch (format) {
    case 'ntfy': {
      // https://ntfy.sh/mytopic?auth=... -> POST https://ntfy.sh/?auth=... {"topic":"mytopic",...}
      const target = new URL(url);
      const segments = target.pathname.split('/').filter(Boolean);
      const topic = segments.pop() ?? 'axewallet';
      target.pathname = `/${segments.join('/')}`;
      const body = {
        topic,
        title: headline(message),
        message: text(message),
        priority: message.kind === 'alert.cleared' ? 3 : NTFY_PRIORITY[alert.severity],
        tags: [message.kind === 'alert.cleared' ? 'white_check_mark' : NTFY_TAGS[alert.severity], alert.kind],
      };
      return { url: target.toString(), body: JSON.stringify(body), contentType: 'application/json' };
    }
    case 'discord': {
      const body = {
        username: 'Axewallet',
        embeds: [
          {
            title: headline(message).slice(0, 256),
            description: text(message).slice(0, 4000),
            color: message.kind === 'alert.cleared' ? 0x16a34a : SEVERITY_COLOR[alert.severity],
            timestamp: message.kind === 'alert.cleared' ? alert.clearedAt : alert.at,
            footer: { text: `${alert.kind} · ${message.instance}` },
          },
        ],
      };
      return { url, body: JSON.stringify(body), contentType: 'application/json' };
    }
    case 'json':
      return { url, body: JSON.stringify({ type: message.kind, alert, sentAt: message.sentAt, instance: message.instance }), contentType: 'application/json' };
  }
}

/** https://discord.com/api/webhooks/123/SECRET -> https://discord.com/api/… : enough to recognise, nothing to reuse */
export function targetOf(url: string): string {
  try {
    const u = new URL(url);
    const first = u.pathname.split('/').filter(Boolean)[0];
    return `${u.protocol}//${u.host}/${first ? `${first.slice(0, 12)}/…` : ''}`;
  } catch {
    return '(invalid address)';
  }
}
