/**
 * The devnet nostr relay: @nostr-relay/core with its SQLite repository on a real WebSocket (ws).
 * NIP-01 (events, subscriptions, OK/EOSE/CLOSED/NOTICE), NIP-09 (deletions, stored and delivered: the
 * library applies a kind 5 but neither keeps nor broadcasts it, so a second device would never learn
 * of it), NIP-11 (relay information document over plain HTTP).
 *
 * Test hooks let a test turn this relay into a bad one: silently drop events (answers OK true and
 * stores nothing) or refuse writes with a NIP-01 machine-readable prefix ("blocked:", "rate-limited:");
 * `requireAuth` makes it demand NIP-42 authentication before accepting events.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Event as NostrEvent, Filter } from '@nostr-relay/common';
import { NostrRelay } from '@nostr-relay/core';
import { EventRepositorySqlite } from '@nostr-relay/event-repository-sqlite';
import { Validator } from '@nostr-relay/validator';
import { WebSocketServer, type WebSocket } from 'ws';
import { type Logger, silentLogger } from '../../lib/log';

export const DEFAULT_QUERY_LIMIT = 500;
const DELETION_KIND = 5;
const MAX_MESSAGE_BYTES = 512 * 1024;

export interface RelayHooks {
  /** accept every EVENT with OK true but store and broadcast nothing */
  dropEvents: boolean;
  /** when it returns a message, the EVENT is refused with OK false and that message */
  refuseEvent?: (event: { id: string; kind: number }) => string | undefined;
}

export interface RelayOptions {
  /** SQLite file; ':memory:' (the default) keeps nothing across restarts */
  dbPath?: string;
  host?: string;
  /** 0 = a free port */
  port?: number;
  /** most events one filter returns, whatever `limit` the client asks for; clients page with `until` */
  queryLimit?: number;
  /** NIP-42: send an AUTH challenge on connect and refuse EVENTs ("auth-required:") until the client authenticates */
  requireAuth?: boolean;
  logger?: Logger;
}

export interface RunningRelay {
  url: string;
  /** the NIP-11 document's limit, mirrored here for tests */
  queryLimit: number;
  hooks: RelayHooks;
  /** Stores events straight into the database, unverified and unannounced: seeds benchmarks and tests fast. */
  insertUnchecked(events: NostrEvent[]): Promise<void>;
  close(): Promise<void>;
}

/** Keeps deletion requests as events of their own after applying them (NIP-09: relays SHOULD keep publishing them). */
class DeletionKeepingRepository extends EventRepositorySqlite {
  constructor(
    filename: string,
    private readonly queryLimit: number,
  ) {
    super(filename, { defaultLimit: queryLimit });
  }

  override async deleteByDeletionRequest(event: NostrEvent): Promise<void> {
    await super.deleteByDeletionRequest(event);
    await this.upsert(event);
  }

  override async find(filter: Filter): Promise<NostrEvent[]> {
    return super.find({ ...filter, limit: Math.min(filter.limit ?? this.queryLimit, this.queryLimit) });
  }
}

function relayInformation(queryLimit: number, requireAuth: boolean) {
  return {
    name: 'axewallet devnet relay',
    description: 'Local relay for the Axewallet demo network and tests',
    supported_nips: [1, 9, 11],
    software: 'axewallet-devnet (@nostr-relay/core)',
    version: '0.1.0',
    limitation: { max_message_length: MAX_MESSAGE_BYTES, max_limit: queryLimit, default_limit: queryLimit, auth_required: requireAuth, payment_required: false },
  };
}

export async function startRelay(opts: RelayOptions = {}): Promise<RunningRelay> {
  const logger = opts.logger ?? silentLogger;
  const queryLimit = opts.queryLimit ?? DEFAULT_QUERY_LIMIT;
  const repository = new DeletionKeepingRepository(opts.dbPath ?? ':memory:', queryLimit);
  await repository.init();
  // No result caches: a test that publishes and immediately queries must see the new state.
  const host = opts.host ?? '127.0.0.1';
  const relay = new NostrRelay(repository, {
    filterResultCacheTtl: 0,
    eventHandlingResultCacheTtl: 0,
    logger: quietLibraryLogger(),
    // the library enables NIP-42 when it knows its own hostname (checked against the AUTH event's relay tag)
    ...(opts.requireAuth ? { hostname: host } : {}),
  });
  const validator = new Validator();
  const hooks: RelayHooks = { dropEvents: false };
  const info = JSON.stringify(relayInformation(queryLimit, opts.requireAuth ?? false));

  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    if ((req.headers.accept ?? '').includes('application/nostr+json')) {
      res.writeHead(200, { 'content-type': 'application/nostr+json', 'access-control-allow-origin': '*' });
      res.end(info);
      return;
    }
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('this is a nostr relay: connect with a WebSocket\n');
  });
  const wss = new WebSocketServer({ server: http, maxPayload: MAX_MESSAGE_BYTES });

  const sendJson = (ws: WebSocket, message: unknown[]) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };

  const handle = async (ws: WebSocket, data: Buffer) => {
    let message;
    try {
      message = await validator.validateIncomingMessage(data);
    } catch (error) {
      sendJson(ws, ['NOTICE', `invalid: ${(error as Error).message}`]);
      return;
    }
    if (message[0] === 'EVENT') {
      const event = message[1];
      const refusal = hooks.refuseEvent?.(event);
      if (refusal) return sendJson(ws, ['OK', event.id, false, refusal]);
      if (opts.requireAuth && !relay.isAuthorized(ws)) return sendJson(ws, ['OK', event.id, false, 'auth-required: authenticate first (NIP-42)']);
      if (hooks.dropEvents) return sendJson(ws, ['OK', event.id, true, '']);
      // NIP-09: an event its author already deleted does not come back (a late copy from another relay)
      if (event.kind !== DELETION_KIND && (await repository.find({ kinds: [DELETION_KIND], authors: [event.pubkey], '#e': [event.id], limit: 1 })).length > 0) {
        return sendJson(ws, ['OK', event.id, false, 'blocked: deleted by its author (NIP-09)']);
      }
      const result = await relay.handleMessage(ws, message);
      // the library answers OK itself; it does not tell subscribers about a deletion, so this relay does
      if (event.kind === DELETION_KIND && result && 'success' in result && result.success) await relay.broadcast(event);
      return;
    }
    await relay.handleMessage(ws, message);
  };

  wss.on('connection', (ws, req) => {
    relay.handleConnection(ws, req.socket.remoteAddress);
    // one message at a time per connection, so OKs come back in the order the events were sent
    let queue = Promise.resolve();
    ws.on('message', (data: Buffer) => {
      queue = queue
        .then(() => handle(ws, data))
        .catch((error: unknown) => {
          logger.warn('relay message failed', { error: error as Error });
          sendJson(ws, ['NOTICE', 'error: could not handle the message']);
        });
    });
    ws.on('close', () => relay.handleDisconnect(ws));
    ws.on('error', () => ws.terminate());
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = http.address() as AddressInfo;
  const url = `ws://${address.address}:${address.port}`;
  logger.info('devnet relay listening', { url, queryLimit });

  let closed = false;
  return {
    url,
    queryLimit,
    hooks,
    async insertUnchecked(events) {
      for (const event of events) await repository.upsert(event);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await relay.destroy();
      await repository.destroy();
    },
  };
}

/** The library logs every handled error to the console; the devnet reports through its own logger instead. */
function quietLibraryLogger() {
  const noop = () => undefined;
  return { setLogLevel: noop, debug: noop, info: noop, warn: noop, error: noop };
}
