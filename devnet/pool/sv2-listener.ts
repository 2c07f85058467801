/**
 * The pool's Sv2 port: the library's Noise responder (lib/transport) feeding one Sv2PoolSession
 * per connection. A client that breaks the protocol loses its own connection, nobody else's.
 */
import type { Logger } from '../../lib/log';
import { authorityKeypair, devAuthorityKeypair } from '../../lib/protocol/sv2/authority';
import { createSv2Server, type Sv2Connection } from '../../lib/transport/sv2';
import type { PoolContext, PoolSession } from './context';
import { Sv2PoolSession } from './sv2-session';

export interface Sv2Listener {
  port: number;
  /** base58check, what clients pin */
  authorityPubkey: string;
  reconnectAll(newHost: string, newPort: number): void;
  close(): Promise<void>;
}

export interface Sv2ListenerOptions {
  host: string;
  /** 0 = a free port */
  port: number;
  maxConnections: number;
  /** default: hashpool's published dev authority */
  authoritySecretKey: Uint8Array | undefined;
  /** the pool's set of live sessions (both ports), for job broadcasts and ticks */
  sessions: Set<PoolSession>;
}

export async function startSv2Listener(ctx: PoolContext, options: Sv2ListenerOptions): Promise<Sv2Listener> {
  const authority = options.authoritySecretKey ? authorityKeypair(options.authoritySecretKey) : devAuthorityKeypair();
  const mine = new Set<Sv2PoolSession>();
  const logger: Logger = ctx.logger.child('sv2');
  const server = createSv2Server({
    authoritySecretKey: authority.secretKey,
    maxConnections: options.maxConnections,
    // Jobs and shares are small; a client sending megabytes is misbehaving.
    maxPayloadBytes: 64 * 1024,
    onHandshakeError: (error, remote) => logger.debug('sv2 handshake failed', { remote, code: error.code }),
    onConnection: (connection: Sv2Connection) => {
      const session = new Sv2PoolSession(ctx, {
        send: (message) => void connection.send(message),
        close: () => connection.close(),
      });
      mine.add(session);
      options.sessions.add(session);
      connection.on('message', (message) => session.handle(message));
      connection.on('error', (error) => logger.debug('sv2 client sent a bad message', { remote: connection.remoteAddress, code: error.code }));
      connection.on('close', (reason) => {
        mine.delete(session);
        options.sessions.delete(session);
        session.destroy();
        if (reason) logger.info('sv2 client dropped', { remote: connection.remoteAddress, code: reason.code });
      });
    },
  });
  const address = await server.listen(options.port, options.host);
  return {
    port: address.port,
    authorityPubkey: authority.publicKeyBase58,
    reconnectAll: (newHost, newPort) => {
      for (const session of mine) session.reconnect(newHost, newPort);
    },
    close: () => server.close(),
  };
}
