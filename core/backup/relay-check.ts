/**
 * "Test this relay" before it holds a backup: the relay's NIP-11 information document, then a round trip
 * (publish one event, read it back by id) signed by the backup's own key when the wallet is unlocked, so
 * the relay sees exactly who will write to it. Every failure is said in plain words with what to do next;
 * `plainRelayError` turns the socket-level messages ("getaddrinfo ENOTFOUND") into the same words.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../lib/log';
import type { EventTemplate, SignedEvent } from './nip60';
import { RelayConnection } from './relay';
import { createSigner } from './signing';

export interface RelayCheckStep {
  check: 'address' | 'info' | 'connect' | 'write' | 'read';
  ok: boolean;
  detail: string;
}

export interface RelayCheck {
  ok: boolean;
  latencyMs: number;
  /** the relay's own name (NIP-11), when it gives one */
  name?: string;
  /** what failed, in plain words, and what to do about it */
  error?: string;
  hint?: string;
  checks: RelayCheckStep[];
}

/** NIP-78 app data, replaceable and expiring (NIP-40): the test leaves at most one small event behind, for an hour. */
const TEST_KIND = 30078;
const TEST_D = 'axewallet-relay-test';
const INFO_MAX_BYTES = 64 * 1024;

export async function checkRelay(url: string, opts: { logger: Logger; timeoutMs: number; sign?: (template: EventTemplate) => SignedEvent }): Promise<RelayCheck> {
  const started = performance.now();
  const checks: RelayCheckStep[] = [];
  const done = (failure?: { message: string; hint: string }): RelayCheck => ({
    ok: !failure,
    latencyMs: Math.round(performance.now() - started),
    ...(name ? { name } : {}),
    ...(failure ? { error: failure.message, hint: failure.hint } : {}),
    checks,
  });
  let name: string | undefined;

  let address: URL;
  try {
    address = new URL(url);
    if (address.protocol !== 'ws:' && address.protocol !== 'wss:') throw new Error('not a WebSocket address');
  } catch {
    const failure = { message: `"${url}" is not a relay address.`, hint: 'A relay address looks like wss://relay.example.com.' };
    checks.push({ check: 'address', ok: false, detail: failure.message });
    return done(failure);
  }

  const info = await relayInformation(address, opts.timeoutMs);
  if (!info.ok) {
    // many relays serve no NIP-11 document; the round trip below is what decides
    checks.push({ check: 'info', ok: false, detail: `No relay information (NIP-11): ${plainRelayError(url, info.error).message}` });
  } else {
    name = typeof info.doc.name === 'string' ? info.doc.name.slice(0, 100) : undefined;
    const limits = (info.doc.limitation ?? {}) as Record<string, unknown>;
    const notes = [limits.payment_required === true ? 'charges for use' : '', limits.auth_required === true ? 'asks clients to log in (NIP-42)' : ''].filter(Boolean);
    checks.push({ check: 'info', ok: true, detail: `${name ?? 'The relay'} describes itself (NIP-11)${notes.length ? `; it ${notes.join(' and ')}` : ''}.` });
  }

  const sign = opts.sign ?? createSigner(randomBytes(32));
  const connection = new RelayConnection(url, { logger: opts.logger, timeoutMs: opts.timeoutMs, signAuth: sign });
  connection.start();
  try {
    const now = Math.floor(Date.now() / 1000);
    const event = sign({
      kind: TEST_KIND,
      tags: [
        ['d', TEST_D],
        ['expiration', String(now + 3600)],
      ],
      content: 'Axewallet checked that this relay keeps events before backing up to it.',
      created_at: now,
    });
    try {
      await connection.publish(event);
    } catch (error) {
      const failure = plainRelayError(url, (error as Error).message);
      checks.push({ check: /refused/.test((error as Error).message) ? 'write' : 'connect', ok: false, detail: failure.message });
      return done(failure);
    }
    checks.push({ check: 'connect', ok: true, detail: 'Connected.' });
    checks.push({ check: 'write', ok: true, detail: 'Accepted a test event.' });
    let back: unknown[];
    try {
      back = await connection.queryPage({ ids: [event.id], limit: 1 });
    } catch (error) {
      const failure = plainRelayError(url, (error as Error).message);
      checks.push({ check: 'read', ok: false, detail: failure.message });
      return done(failure);
    }
    if (!back.some((e) => (e as { id?: unknown }).id === event.id)) {
      const failure = { message: 'The relay said it stored the test event but does not return it.', hint: 'It would lose your backup: choose another relay.' };
      checks.push({ check: 'read', ok: false, detail: failure.message });
      return done(failure);
    }
    checks.push({ check: 'read', ok: true, detail: 'Returned the test event.' });
    return done();
  } finally {
    await connection.stop();
  }
}

/** NIP-11: GET the relay's http(s) address with Accept: application/nostr+json. */
async function relayInformation(address: URL, timeoutMs: number): Promise<{ ok: true; doc: Record<string, unknown> } | { ok: false; error: string }> {
  const http = new URL(address.href);
  http.protocol = address.protocol === 'wss:' ? 'https:' : 'http:';
  try {
    const response = await fetch(http, { headers: { accept: 'application/nostr+json' }, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return { ok: false, error: `Unexpected server response: ${response.status}` };
    const text = await readCapped(response, INFO_MAX_BYTES);
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, error: 'the information document is not a JSON object' };
    return { ok: true, doc: parsed as Record<string, unknown> };
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, error: cause?.code ?? cause?.message ?? (error as Error).message };
  }
}

async function readCapped(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new Error(`the information document is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A relay problem as the user can act on it. */
export function plainRelayError(url: string, raw: string): { message: string; hint: string } {
  let host = url;
  try {
    host = new URL(url).host;
  } catch {
    // keep the text as given
  }
  const text = raw.startsWith(`${url}: `) ? raw.slice(url.length + 2) : raw;
  const reason = /refused the event: (.*)$/.exec(text)?.[1] ?? /AUTH refused: (.*)$/.exec(text)?.[1];
  if (/ENOTFOUND/.test(text)) return { message: `There is no server named ${host.replace(/:\d+$/, '')}.`, hint: 'Check the spelling of the relay address.' };
  if (/EAI_AGAIN/.test(text)) return { message: `The name ${host.replace(/:\d+$/, '')} could not be looked up right now.`, hint: 'Check this machine’s internet connection, then try again.' };
  if (/ECONNREFUSED/.test(text)) return { message: `Nothing answers at ${host}.`, hint: 'The relay is down or the address (or port) is wrong.' };
  if (/ECONNRESET|socket hang up|connection closed/.test(text))
    return { message: `${host} closed the connection.`, hint: 'The relay may be restarting or refusing this machine; try again later or choose another relay.' };
  if (/Unexpected server response: (\d+)/.test(text)) {
    const code = /Unexpected server response: (\d+)/.exec(text)![1];
    return { message: `${host} answers, but not as a nostr relay (HTTP ${code}).`, hint: 'Check the address: a relay address is usually wss://host with no path.' };
  }
  if (/certificate|CERT_|self.signed|UNABLE_TO_VERIFY/i.test(text))
    return { message: `${host} has no valid security certificate.`, hint: 'Choose another relay, or ask its operator to fix the certificate.' };
  if (/in time|ETIMEDOUT|timed? ?out|aborted/i.test(text))
    return { message: `${host} did not answer in time.`, hint: 'It may be overloaded or unreachable from here; try again later or choose another relay.' };
  if (reason !== undefined) {
    if (/^auth-required:/.test(reason) || /AUTH refused/.test(text))
      return { message: `${host} wants a login (NIP-42) that it did not accept: ${stripPrefix(reason)}`, hint: 'It may be for members only: choose another relay.' };
    if (/^rate-limited:/.test(reason))
      return { message: `${host} is limiting how fast events may be written: ${stripPrefix(reason)}`, hint: 'The backup retries on its own; if it keeps happening, choose another relay.' };
    if (/^(blocked|restricted|pow|payment):/.test(reason))
      return { message: `${host} does not accept events from this wallet: ${stripPrefix(reason)}`, hint: 'It may be for members or paying users only: choose another relay.' };
    return { message: `${host} refused the event${reason ? `: ${stripPrefix(reason)}` : ''}.`, hint: 'Choose another relay.' };
  }
  const missing = /accepted but does not return (\d+) of (\d+)/.exec(text);
  if (missing)
    return {
      message: `${host} said it stored ${missing[1]} of ${missing[2]} backup event(s) but does not return them.`,
      hint: 'They are sent again; if this stays, the relay is losing your backup: add another relay.',
    };
  return { message: `${host}: ${text}`, hint: 'Check the relay address, or choose another relay.' };
}

function stripPrefix(reason: string): string {
  return reason.replace(/^[a-z-]+:\s*/, '') || 'no reason given';
}
