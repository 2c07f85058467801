import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EventTemplate, finalizeEvent, generateSecretKey, getPublicKey, type VerifiedEvent } from 'nostr-tools/pure';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type RunningRelay, startRelay } from './relay';

/** A bare NIP-01 client: just enough to speak to the relay without the code under test elsewhere. */
class RawClient {
  readonly messages: unknown[][] = [];
  private waiters: Array<() => void> = [];
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.messages.push(JSON.parse(String(data)) as unknown[]);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    return new RawClient(ws);
  }

  send(message: unknown[]): void {
    this.ws.send(JSON.stringify(message));
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  async waitFor(match: (m: unknown[]) => boolean): Promise<unknown[]> {
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async publish(event: VerifiedEvent): Promise<[string, string, boolean, string]> {
    this.send(['EVENT', event]);
    return (await this.waitFor((m) => m[0] === 'OK' && m[1] === event.id)) as [string, string, boolean, string];
  }

  async query(filter: Record<string, unknown>): Promise<VerifiedEvent[]> {
    const subId = Math.random().toString(36).slice(2);
    this.send(['REQ', subId, filter]);
    await this.waitFor((m) => m[0] === 'EOSE' && m[1] === subId);
    this.send(['CLOSE', subId]);
    return this.messages.filter((m) => m[0] === 'EVENT' && m[1] === subId).map((m) => m[2] as VerifiedEvent);
  }

  close(): void {
    this.ws.close();
  }
}

const key = generateSecretKey();
const otherKey = generateSecretKey();
let created = Math.floor(Date.now() / 1000) - 10_000;

function sign(template: Partial<EventTemplate>, secret = key): VerifiedEvent {
  return finalizeEvent({ kind: 7375, tags: [], content: 'x', created_at: created++, ...template }, secret);
}

describe('devnet relay', () => {
  const relays: RunningRelay[] = [];
  const clients: RawClient[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const r of relays.splice(0)) await r.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const start = async (opts: Parameters<typeof startRelay>[0] = {}) => {
    const relay = await startRelay(opts);
    relays.push(relay);
    const client = await RawClient.open(relay.url);
    clients.push(client);
    return { relay, client };
  };

  it('serves a NIP-11 information document', async () => {
    const { relay } = await start({ queryLimit: 50 });
    const response = await fetch(relay.url.replace('ws://', 'http://'), { headers: { accept: 'application/nostr+json' } });
    expect(response.headers.get('content-type')).toBe('application/nostr+json');
    const doc = (await response.json()) as { supported_nips: number[]; limitation: { max_limit: number } };
    expect(doc.supported_nips).toEqual(expect.arrayContaining([1, 9, 11]));
    expect(doc.limitation.max_limit).toBe(50);
  });

  it('stores events, answers OK, and caps every query at the deliberate limit', async () => {
    const { client } = await start({ queryLimit: 10 });
    const events = Array.from({ length: 15 }, () => sign({}));
    for (const event of events) expect((await client.publish(event))[2]).toBe(true);
    const page = await client.query({ kinds: [7375], authors: [getPublicKey(key)], limit: 1000 });
    expect(page).toHaveLength(10);
    // newest first, so paging with `until` reaches the rest
    const oldestSeen = Math.min(...page.map((e) => e.created_at));
    const rest = await client.query({ kinds: [7375], authors: [getPublicKey(key)], until: oldestSeen - 1 });
    expect(new Set([...page, ...rest].map((e) => e.id))).toEqual(new Set(events.map((e) => e.id)));
  });

  it('applies a kind 5 deletion, keeps the deletion itself and delivers it to live subscribers', async () => {
    const { relay, client } = await start();
    const token = sign({});
    await client.publish(token);
    const watcher = await RawClient.open(relay.url);
    clients.push(watcher);
    watcher.send(['REQ', 'live', { kinds: [5], '#k': ['7375'] }]);
    await watcher.waitFor((m) => m[0] === 'EOSE');

    const deletion = sign({
      kind: 5,
      tags: [
        ['e', token.id],
        ['k', '7375'],
      ],
      content: '',
    });
    expect((await client.publish(deletion))[2]).toBe(true);

    expect(await client.query({ ids: [token.id] })).toHaveLength(0);
    const stored = await client.query({ kinds: [5], authors: [getPublicKey(key)], '#k': ['7375'] });
    expect(stored.map((e) => e.id)).toEqual([deletion.id]);
    const delivered = await watcher.waitFor((m) => m[0] === 'EVENT' && m[1] === 'live');
    expect((delivered[2] as VerifiedEvent).id).toBe(deletion.id);
  });

  it('refuses an event its author already deleted', async () => {
    const { relay, client } = await start();
    const token = sign({});
    await client.publish(token);
    await client.publish(
      sign({
        kind: 5,
        tags: [
          ['e', token.id],
          ['k', '7375'],
        ],
        content: '',
      }),
    );
    const late = await RawClient.open(relay.url);
    clients.push(late);
    const [, , ok, reason] = await late.publish(token);
    expect(ok).toBe(false);
    expect(reason).toMatch(/^blocked: deleted/);
    expect(await client.query({ ids: [token.id] })).toHaveLength(0);
  });

  it("ignores a deletion of someone else's event", async () => {
    const { client } = await start();
    const token = sign({});
    await client.publish(token);
    await client.publish(
      sign(
        {
          kind: 5,
          tags: [
            ['e', token.id],
            ['k', '7375'],
          ],
          content: '',
        },
        otherKey,
      ),
    );
    expect(await client.query({ ids: [token.id] })).toHaveLength(1);
  });

  it('refuses forged events and survives garbage', async () => {
    const { client } = await start();
    const forged = { ...sign({}), content: 'changed after signing' };
    const [, , ok, reason] = await client.publish(forged as VerifiedEvent);
    expect(ok).toBe(false);
    expect(reason).toMatch(/^invalid/);
    client.sendRaw('{not json');
    client.sendRaw(JSON.stringify(['EVENT', { id: 'short' }]));
    await client.waitFor((m) => m[0] === 'NOTICE');
    const fine = sign({});
    expect((await client.publish(fine))[2]).toBe(true);
  });

  it('test hooks: a dropping relay says OK and keeps nothing; a refusing relay says why', async () => {
    const { relay, client } = await start();
    relay.hooks.dropEvents = true;
    const dropped = sign({});
    expect((await client.publish(dropped))[2]).toBe(true);
    expect(await client.query({ ids: [dropped.id] })).toHaveLength(0);

    relay.hooks.dropEvents = false;
    relay.hooks.refuseEvent = () => 'rate-limited: slow down';
    const refused = sign({});
    expect(await client.publish(refused)).toEqual(['OK', refused.id, false, 'rate-limited: slow down']);
    expect(await client.query({ ids: [refused.id] })).toHaveLength(0);
  });

  it('keeps events in its SQLite file across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'axewallet-relay-'));
    dirs.push(dir);
    const dbPath = join(dir, 'relay.sqlite');
    const first = await start({ dbPath });
    const event = sign({});
    await first.client.publish(event);
    first.client.close();
    await first.relay.close();

    const second = await start({ dbPath });
    expect((await second.client.query({ ids: [event.id] })).map((e) => e.id)).toEqual([event.id]);
  });
});
