/**
 * The thin adapter between a TCP socket and an Sv2 message stream, for both roles: runs the Noise NX handshake
 * (lib/protocol/sv2/noise), then seals and opens frames. All protocol logic lives in lib/protocol/sv2; this file
 * owns only sockets, timers and limits. A peer's bad bytes end that session with a typed Sv2Error on 'close';
 * nothing here throws into the event loop.
 */
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { decodeAuthorityPubkey } from '../protocol/sv2/authority';
import { ByteSlab, joinBytes } from '../protocol/sv2/byte-slab';
import { DEFAULT_MAX_PAYLOAD_BYTES, sealedFrameLength } from '../protocol/sv2/cipher';
import { DEFAULT_CLOCK_SKEW_SECONDS, type Sv2Certificate } from '../protocol/sv2/certificate';
import { Sv2Error, Sv2HandshakeError, Sv2TransportError } from '../protocol/sv2/errors';
import { decodeMessage, encodeMessage, type Sv2AnyMessage } from '../protocol/sv2/messages';
import { ACT1_SIZE, ACT2_SIZE, NoiseInitiator, NoiseResponder, type Sv2Session } from '../protocol/sv2/noise';

export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
export const DEFAULT_CERT_VALIDITY_SECONDS = 3600;
export const DEFAULT_MAX_CONNECTIONS = 256;
/** Beyond this many unsent bytes the peer is not reading: drop it rather than grow without bound. */
export const DEFAULT_MAX_WRITE_BUFFER_BYTES = 16 * 1024 * 1024;
const CLOSE_GRACE_MS = 2000;
/** idle time before the kernel's first TCP keepalive probe on a connection to a pool */
export const KEEPALIVE_IDLE_MS = 30_000;

const unixNow = () => Math.floor(Date.now() / 1000);

export interface Sv2ConnectionEvents {
  message: [message: Sv2AnyMessage];
  /** non-fatal problems (a malformed message that was skipped) and, just before 'close', the fatal one */
  error: [error: Sv2Error];
  /** once; `reason` is set when the session ended because of an error rather than a clean close */
  close: [reason: Sv2Error | undefined];
}

export interface Sv2ConnectionLimits {
  maxPayloadBytes?: number;
  maxWriteBufferBytes?: number;
}

/**
 * One established, encrypted Sv2 session. 'error' is only emitted when someone listens, so an unobserved
 * connection can never crash the process; the fatal reason always arrives with 'close'.
 */
export class Sv2Connection extends EventEmitter<Sv2ConnectionEvents> {
  readonly remoteAddress: string;
  private closed = false;
  private readonly maxWriteBufferBytes: number;
  /** frames sent this event-loop turn: one socket write for all of them (many channels share a connection) */
  private unwritten: Uint8Array[] = [];
  private unwrittenBytes = 0;
  /** where frames are sealed: one after the other, so a turn's frames are written as one slice, uncopied */
  private readonly outgoing = new ByteSlab(16 * 1024);

  constructor(
    private readonly socket: net.Socket,
    private readonly session: Sv2Session,
    /** the verified certificate (initiator side only) */
    readonly certificate: Sv2Certificate | undefined,
    limits: Sv2ConnectionLimits,
    leftover: Uint8Array,
  ) {
    super();
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    this.maxWriteBufferBytes = limits.maxWriteBufferBytes ?? DEFAULT_MAX_WRITE_BUFFER_BYTES;
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('end', () => this.streamEnded());
    socket.on('error', (error) => this.fail(new Sv2TransportError('socket-error', error.message)));
    socket.on('close', () => this.finish(undefined));
    // The socket stays paused until the caller has had its turn to subscribe; bytes that arrived behind the
    // handshake are the first frames, so they go first.
    setImmediate(() => {
      if (leftover.length > 0) this.receive(leftover);
      if (!this.closed) socket.resume();
    });
  }

  /** Final Noise handshake hash, identical on both ends. */
  get handshakeHash(): Uint8Array {
    return this.session.handshakeHash;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Encrypts one message and queues it for this turn's write; returns false (and sends nothing) once the
   * connection is closed.
   */
  send(message: Sv2AnyMessage): boolean {
    if (this.closed) return false;
    const encoded = encodeMessage(message);
    const frame = this.outgoing.take(sealedFrameLength(encoded.payload.length));
    this.session.encryptor.sealFrame(encoded, frame);
    if (this.unwritten.length === 0) setImmediate(this.writeQueued);
    this.unwritten.push(frame);
    this.unwrittenBytes += frame.length;
    if (this.socket.writableLength + this.unwrittenBytes > this.maxWriteBufferBytes) {
      this.fail(new Sv2TransportError('backpressure', `peer is not reading: over ${this.maxWriteBufferBytes} bytes unsent`));
      return false;
    }
    return true;
  }

  private readonly writeQueued = (): void => {
    const frames = this.unwritten;
    this.unwritten = [];
    this.unwrittenBytes = 0;
    if (this.closed || frames.length === 0) return;
    this.socket.write(joinBytes(frames));
  };

  /** Flushes what was sent, then closes. */
  close(reason?: string): void {
    if (this.closed) return;
    this.writeQueued();
    this.finish(reason ? new Sv2TransportError('closed', reason) : undefined, false);
    this.socket.end();
    setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
  }

  private receive(chunk: Uint8Array): void {
    if (this.closed) return;
    let frames;
    try {
      frames = this.session.decryptor.push(chunk);
    } catch (error) {
      this.fail(asSv2Error(error));
      return;
    }
    for (const frame of frames) {
      if (this.closed) return;
      let message: Sv2AnyMessage;
      try {
        message = decodeMessage(frame.extensionType, frame.msgType, frame.payload);
      } catch (error) {
        // The frame was authenticated, so the stream is intact: skip the one bad message.
        this.report(asSv2Error(error));
        continue;
      }
      try {
        this.emit('message', message);
      } catch (error) {
        this.fail(new Sv2TransportError('handler-error', `message handler threw: ${(error as Error).message}`));
        return;
      }
    }
  }

  private streamEnded(): void {
    try {
      this.session.decryptor.end();
    } catch (error) {
      this.fail(asSv2Error(error));
    }
  }

  private report(error: Sv2Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private fail(error: Sv2Error): void {
    if (this.closed) return;
    this.report(error);
    this.finish(error);
  }

  private finish(reason: Sv2Error | undefined, destroy = true): void {
    if (this.closed) return;
    this.closed = true;
    if (destroy) this.socket.destroy();
    this.emit('close', reason);
  }
}

function asSv2Error(error: unknown): Sv2Error {
  if (error instanceof Sv2Error) return error;
  return new Sv2TransportError('decrypt-failed', (error as Error)?.message ?? String(error));
}

/**
 * Reads the fixed-size handshake acts off a socket before the session exists. Resolves with the act and whatever
 * followed it; rejects on timeout, early close or socket error with a typed error.
 */
function readAct(socket: net.Socket, size: number, deadline: Promise<never>): Promise<{ act: Uint8Array; leftover: Uint8Array }> {
  return Promise.race([
    deadline,
    new Promise<{ act: Uint8Array; leftover: Uint8Array }>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let length = 0;
      const cleanup = () => {
        socket.off('data', onData);
        socket.off('close', onClose);
        socket.off('error', onError);
      };
      const onData = (chunk: Buffer) => {
        chunks.push(chunk);
        length += chunk.length;
        if (length < size) return;
        cleanup();
        socket.pause();
        const all = Buffer.concat(chunks, length);
        resolve({ act: all.subarray(0, size), leftover: all.subarray(size) });
      };
      const onClose = () => {
        cleanup();
        reject(new Sv2HandshakeError('truncated', `connection closed after ${length} of ${size} handshake bytes`));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new Sv2TransportError('socket-error', error.message));
      };
      socket.on('data', onData);
      socket.on('close', onClose);
      socket.on('error', onError);
      socket.resume();
    }),
  ]);
}

function deadlineAfter(ms: number, what: string): { promise: Promise<never>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Sv2HandshakeError('timeout', `${what} took longer than ${ms} ms`)), ms);
  });
  promise.catch(() => undefined);
  return { promise, cancel: () => clearTimeout(timer) };
}

export interface ConnectSv2Options extends Sv2ConnectionLimits {
  host: string;
  port: number;
  /** the pool's authority key, base58check as pools publish it (or the x-only bytes) */
  authorityPubkey: string | Uint8Array;
  /** for TCP connect plus handshake; default 10 s */
  timeoutMs?: number;
  /** accepted clock difference to the pool's certificate window; default 10 s like SRI */
  clockSkewSeconds?: number;
  /** unix seconds; the system clock by default */
  now?: () => number;
}

/** Connects as the Noise initiator and verifies the pool's certificate against the pinned authority key. */
export async function connectSv2(options: ConnectSv2Options): Promise<Sv2Connection> {
  const authorityPubkey = typeof options.authorityPubkey === 'string' ? decodeAuthorityPubkey(options.authorityPubkey) : options.authorityPubkey;
  const timeoutMs = options.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  const deadline = deadlineAfter(timeoutMs, `connecting to ${options.host}:${options.port}`);
  const socket = new net.Socket();
  socket.setNoDelay(true);
  // a pool host that vanishes (power, network) sends no FIN: the kernel's probes find it while the link is quiet
  socket.setKeepAlive(true, KEEPALIVE_IDLE_MS);
  try {
    await Promise.race([
      deadline.promise,
      new Promise<void>((resolve, reject) => {
        socket.once('error', (error) => reject(new Sv2TransportError('connect-failed', `${options.host}:${options.port}: ${error.message}`)));
        socket.connect({ host: options.host, port: options.port }, () => resolve());
      }),
    ]);
    socket.removeAllListeners('error');
    const initiator = new NoiseInitiator({
      authorityPubkey,
      clockSkewSeconds: options.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
      decryptor: { maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES },
    });
    socket.write(initiator.start());
    const { act, leftover } = await readAct(socket, ACT2_SIZE, deadline.promise);
    const { session, certificate } = initiator.finish(act, (options.now ?? unixNow)());
    return new Sv2Connection(socket, session, certificate, options, leftover);
  } catch (error) {
    socket.destroy();
    throw asSv2Error(error);
  } finally {
    deadline.cancel();
  }
}

export interface Sv2ServerOptions extends Sv2ConnectionLimits {
  /** the authority that signs each connection's certificate */
  authoritySecretKey: Uint8Array;
  /** default 3600 s, like hashpool */
  certValiditySeconds?: number;
  /** called once per session, after a successful handshake */
  onConnection(connection: Sv2Connection): void;
  /** a session that failed before onConnection (bad handshake, limit, timeout); the server keeps running */
  onHandshakeError?(error: Sv2Error, remoteAddress: string): void;
  /** counts sessions in handshake too; default 256 */
  maxConnections?: number;
  handshakeTimeoutMs?: number;
  /** unix seconds; the system clock by default (the certificate is valid from "now") */
  now?: () => number;
}

export interface Sv2Server {
  listen(port: number, host: string): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
  /** open sessions, including those still in the handshake */
  connections(): number;
}

/** Listens as the Noise responder; a fresh static key per connection, as SRI does. */
export function createSv2Server(options: Sv2ServerOptions): Sv2Server {
  const sockets = new Set<net.Socket>();
  const maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const validitySeconds = options.certValiditySeconds ?? DEFAULT_CERT_VALIDITY_SECONDS;
  const now = options.now ?? unixNow;
  const handshakeError = (error: Sv2Error, remote: string) => {
    try {
      options.onHandshakeError?.(error, remote);
    } catch {
      // a throwing observer must not take the server down
    }
  };

  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
    if (sockets.size >= maxConnections) {
      socket.destroy();
      handshakeError(new Sv2TransportError('too-many-connections', `limit of ${maxConnections} sessions reached`), remote);
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined); // reported through the handshake or the connection
    socket.setNoDelay(true);
    void accept(socket, remote);
  });

  async function accept(socket: net.Socket, remote: string): Promise<void> {
    const deadline = deadlineAfter(options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS, `handshake from ${remote}`);
    let connection: Sv2Connection;
    try {
      const { act, leftover } = await readAct(socket, ACT1_SIZE, deadline.promise);
      const responder = new NoiseResponder({
        authoritySecretKey: options.authoritySecretKey,
        decryptor: { maxPayloadBytes: options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES },
      });
      const validFrom = now();
      const { reply, session } = responder.respond(act, { validFrom, notValidAfter: validFrom + validitySeconds });
      socket.write(reply);
      connection = new Sv2Connection(socket, session, undefined, options, leftover);
    } catch (error) {
      socket.destroy();
      handshakeError(asSv2Error(error), remote);
      return;
    } finally {
      deadline.cancel();
    }
    try {
      options.onConnection(connection);
    } catch (error) {
      connection.close(`connection handler threw: ${(error as Error).message}`);
    }
  }

  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as net.AddressInfo;
          resolve({ host: address.address, port: address.port });
        });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
    connections: () => sockets.size,
  };
}
