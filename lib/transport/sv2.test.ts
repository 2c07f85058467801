import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { devAuthorityKeypair, encodeAuthorityPubkey } from '../protocol/sv2/authority';
import { ENCRYPTED_HEADER_SIZE } from '../protocol/sv2/cipher';
import { ellswiftEncode, randomSecretKey, xOnlyPublicKey } from '../protocol/sv2/ellswift';
import { Sv2DecodeError, Sv2Error, Sv2HandshakeError, Sv2TransportError } from '../protocol/sv2/errors';
import { encodeMessage, type Sv2AnyMessage } from '../protocol/sv2/messages';
import { ACT2_SIZE, NoiseInitiator, NoiseResponder, type CertificateValidity, type Sv2Session } from '../protocol/sv2/noise';
import { sampleMessages } from '../protocol/sv2/sample-messages';
import { connectSv2, createSv2Server, Sv2Connection, type Sv2Server, type Sv2ServerOptions } from './sv2';

const authority = devAuthorityKeypair();
const NOW = 1_800_000_000;
const cleanups: (() => unknown)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Started {
  server: Sv2Server;
  port: number;
  sessions: Sv2Connection[];
  handshakeErrors: Sv2Error[];
  nextSession(): Promise<Sv2Connection>;
}

async function startServer(extra: Partial<Sv2ServerOptions> = {}): Promise<Started> {
  const sessions: Sv2Connection[] = [];
  const handshakeErrors: Sv2Error[] = [];
  const waiters: ((c: Sv2Connection) => void)[] = [];
  const server = createSv2Server({
    authoritySecretKey: authority.secretKey,
    now: () => NOW,
    onConnection: (connection) => {
      sessions.push(connection);
      waiters.shift()?.(connection);
    },
    onHandshakeError: (error) => handshakeErrors.push(error),
    ...extra,
  });
  const { port } = await server.listen(0, '127.0.0.1');
  cleanups.push(() => server.close());
  return {
    server,
    port,
    sessions,
    handshakeErrors,
    nextSession: () => new Promise((resolve) => waiters.push(resolve)),
  };
}

async function connect(port: number, extra: Partial<Parameters<typeof connectSv2>[0]> = {}): Promise<Sv2Connection> {
  const connection = await connectSv2({ host: '127.0.0.1', port, authorityPubkey: authority.publicKeyBase58, now: () => NOW, timeoutMs: 5000, ...extra });
  cleanups.push(() => connection.close());
  return connection;
}

function collect(connection: Sv2Connection, count: number): Promise<Sv2AnyMessage[]> {
  const received: Sv2AnyMessage[] = [];
  return new Promise((resolve) => {
    connection.on('message', (message) => {
      received.push(message);
      if (received.length === count) resolve(received);
    });
  });
}

/** Not events.once: that one rejects on 'error', which a failing session emits just before 'close'. */
function closeReason(connection: Sv2Connection): Promise<Sv2Error | undefined> {
  return new Promise((resolve) => connection.once('close', resolve));
}

/** A plain TCP server for hand-written peers; every socket is destroyed at cleanup so close() cannot hang. */
async function listenRaw(handler: (socket: net.Socket) => void): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    handler(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(
    () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(resolve);
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

async function rejection(promise: Promise<unknown>): Promise<Sv2Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Sv2Error);
    return error as Sv2Error;
  }
  throw new Error('expected a rejection');
}

/** A hand-driven initiator over a raw socket, to send bytes a well-behaved client never would. */
async function rawClient(port: number): Promise<{ socket: net.Socket; session: Sv2Session }> {
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  await once(socket, 'connect');
  const initiator = new NoiseInitiator({ authorityPubkey: authority.publicKey });
  socket.write(initiator.start());
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < ACT2_SIZE) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    chunks.push(chunk);
    length += chunk.length;
  }
  const { session } = initiator.finish(Buffer.concat(chunks).subarray(0, ACT2_SIZE), NOW);
  return { socket, session };
}

/** A hand-driven responder that presents whatever certificate window/version the test wants. */
function rawServer(validity: CertificateValidity): Promise<number> {
  return listenRaw((socket) => {
    socket.once('data', (act1: Buffer) => {
      const { reply } = new NoiseResponder({ authoritySecretKey: authority.secretKey }).respond(act1.subarray(0, 64), validity);
      socket.write(reply);
    });
  });
}

describe('Sv2 over loopback TCP', () => {
  it('handshakes and exchanges every message type in both directions', async () => {
    const pool = await startServer();
    const serverSide = pool.nextSession();
    const client = await connect(pool.port);
    const server = await serverSide;
    expect(client.certificate).toMatchObject({ version: 0, validFrom: NOW, notValidAfter: NOW + 3600 });
    expect(client.handshakeHash).toEqual(server.handshakeHash);
    expect(server.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(pool.server.connections()).toBe(1);

    const samples = sampleMessages();
    const atServer = collect(server, samples.length);
    const atClient = collect(client, samples.length);
    for (const message of samples) {
      expect(client.send(message)).toBe(true);
      server.send(message);
    }
    expect(await atServer).toEqual(samples);
    expect(await atClient).toEqual(samples);

    const closed = closeReason(server);
    client.close();
    expect(await closed).toBeUndefined();
    expect(client.send(samples[0]!)).toBe(false);
  });

  it('delivers a turn of frames that runs past the memory frames are sealed in, a frame longer than it among them', async () => {
    const pool = await startServer();
    const serverSide = pool.nextSession();
    const client = await connect(pool.port);
    const server = await serverSide;
    // 74 bytes a frame on the wire: 600 of them fill more than three of the connection's 16 KiB runs
    const targets: Sv2AnyMessage[] = Array.from({ length: 600 }, (_, i) => ({ type: 'SetTarget', channelId: i, maximumTarget: new Uint8Array(32).fill(i % 256) }));
    const long: Sv2AnyMessage = { type: 'Unknown', extensionType: 0x8042, msgType: 0x99, payload: Uint8Array.from({ length: 40_000 }, (_, i) => i % 251) };
    const sent = [...targets.slice(0, 300), long, ...targets.slice(300)];
    const received = collect(server, sent.length);
    for (const message of sent) expect(client.send(message)).toBe(true);
    expect(await received).toEqual(sent);
  });

  it('passes unknown message types through and skips a malformed known one without dropping the session', async () => {
    const pool = await startServer();
    const serverSide = pool.nextSession();
    const client = await connect(pool.port);
    const server = await serverSide;
    const errors: Sv2Error[] = [];
    client.on('error', (error) => errors.push(error));
    const received = collect(client, 2);
    server.send({ type: 'Unknown', extensionType: 0x8042, msgType: 0x99, payload: Uint8Array.of(1, 2) });
    server.send({ type: 'Unknown', extensionType: 0x8000, msgType: 0x21, payload: Uint8Array.of(1) }); // a SetTarget cut short
    server.send({ type: 'SetTarget', channelId: 9, maximumTarget: new Uint8Array(32) });
    const [unknown, setTarget] = await received;
    expect(unknown).toEqual({ type: 'Unknown', extensionType: 0x8042, msgType: 0x99, payload: Uint8Array.of(1, 2) });
    expect(setTarget).toMatchObject({ type: 'SetTarget', channelId: 9 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(Sv2DecodeError);
    expect(client.isClosed).toBe(false);
  });

  it('closes a session whose message handler throws, and keeps the server running', async () => {
    const pool = await startServer();
    const serverSide = pool.nextSession();
    const client = await connect(pool.port);
    const server = await serverSide;
    server.on('message', () => {
      throw new Error('handler bug');
    });
    const closed = closeReason(server);
    client.send(sampleMessages()[0]!);
    expect((await closed)?.code).toBe('handler-error');

    const throwing = await startServer({
      onConnection: () => {
        throw new Error('setup bug');
      },
    });
    const dropped = await connect(throwing.port);
    expect((await closeReason(dropped)) ?? 'clean').toBe('clean');
    const again = pool.nextSession();
    await connect(pool.port);
    expect((await again).isClosed).toBe(false);
  });

  it('drops a peer that stops reading once the write buffer limit is passed', async () => {
    const pool = await startServer({ maxWriteBufferBytes: 256 * 1024 });
    const serverSide = pool.nextSession();
    const stalled = await rawClient(pool.port);
    stalled.socket.pause();
    const server = await serverSide;
    const closed = closeReason(server);
    const big = { type: 'Unknown', extensionType: 0, msgType: 0x99, payload: new Uint8Array(512 * 1024) } as const;
    let sends = 0;
    while (server.send(big) && sends < 400) sends++;
    expect((await closed)?.code).toBe('backpressure');
    expect(sends).toBeLessThan(400);
  });

  it('refuses a pool whose certificate is signed by another authority', async () => {
    const pool = await startServer();
    const other = encodeAuthorityPubkey(xOnlyPublicKey(randomSecretKey()));
    const error = await rejection(connect(pool.port, { authorityPubkey: other }));
    expect(error).toBeInstanceOf(Sv2HandshakeError);
    expect(error.code).toBe('wrong-authority');
  });

  it('refuses a bad certificate (unknown version)', async () => {
    const port = await rawServer({ validFrom: NOW, notValidAfter: NOW + 3600, version: 1 });
    expect((await rejection(connect(port))).code).toBe('bad-certificate');
  });

  it('applies the clock-skew policy to the certificate window', async () => {
    const pool = await startServer({ certValiditySeconds: 60 });
    expect((await rejection(connect(pool.port, { now: () => NOW + 71 }))).code).toBe('certificate-expired');
    expect((await rejection(connect(pool.port, { now: () => NOW - 11 }))).code).toBe('certificate-not-yet-valid');
    expect((await connect(pool.port, { now: () => NOW - 10 })).certificate?.validFrom).toBe(NOW);
    expect((await connect(pool.port, { now: () => NOW - 30, clockSkewSeconds: 30 })).certificate?.validFrom).toBe(NOW);
  });

  it('ends only the offending session on tampered, oversized and truncated frames', async () => {
    const pool = await startServer({ maxPayloadBytes: 1000 });
    const healthySide = pool.nextSession();
    const healthy = await connect(pool.port);
    const healthyServer = await healthySide;
    const message = encodeMessage(sampleMessages()[0]!);

    const tamperedSide = pool.nextSession();
    const tampered = await rawClient(pool.port);
    const tamperedClosed = closeReason(await tamperedSide);
    const frame = tampered.session.encryptor.encryptFrame(message);
    frame[ENCRYPTED_HEADER_SIZE + 3] = frame[ENCRYPTED_HEADER_SIZE + 3]! ^ 0x01;
    tampered.socket.write(frame);
    const tamperedReason = await tamperedClosed;
    expect(tamperedReason).toBeInstanceOf(Sv2TransportError);
    expect(tamperedReason?.code).toBe('decrypt-failed');

    const oversizedSide = pool.nextSession();
    const oversized = await rawClient(pool.port);
    const oversizedClosed = closeReason(await oversizedSide);
    oversized.socket.write(oversized.session.encryptor.encryptFrame({ extensionType: 0, msgType: 0x99, payload: new Uint8Array(1001) }));
    expect((await oversizedClosed)?.code).toBe('frame-too-large');

    const truncatedSide = pool.nextSession();
    const truncated = await rawClient(pool.port);
    const truncatedClosed = closeReason(await truncatedSide);
    truncated.socket.end(truncated.session.encryptor.encryptFrame(message).subarray(0, 30));
    expect((await truncatedClosed)?.code).toBe('truncated');

    // the server and the healthy session carry on
    const echoed = collect(healthy, 1);
    healthyServer.send({ type: 'SetTarget', channelId: 1, maximumTarget: new Uint8Array(32).fill(7) });
    expect((await echoed)[0]).toMatchObject({ type: 'SetTarget', channelId: 1 });
    expect(healthy.isClosed).toBe(false);
    const again = pool.nextSession();
    await connect(pool.port);
    expect((await again).isClosed).toBe(false);
  });

  it('ends a client session when the pool sends a frame over the client limit', async () => {
    const pool = await startServer();
    const serverSide = pool.nextSession();
    const client = await connect(pool.port, { maxPayloadBytes: 100 });
    const closed = closeReason(client);
    (await serverSide).send({ type: 'Unknown', extensionType: 0, msgType: 0x99, payload: new Uint8Array(101) });
    expect((await closed)?.code).toBe('frame-too-large');
  });

  it('reports broken handshakes, slow handshakes and the connection limit without stopping', async () => {
    const pool = await startServer({ handshakeTimeoutMs: 300, maxConnections: 2 });
    const early = net.connect(pool.port, '127.0.0.1');
    cleanups.push(() => early.destroy());
    await once(early, 'connect');
    early.end(Uint8Array.of(1, 2, 3));
    const silent = net.connect(pool.port, '127.0.0.1');
    cleanups.push(() => silent.destroy());
    await once(silent, 'connect');
    await once(silent, 'close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pool.handshakeErrors.map((e) => e.code).sort()).toEqual(['timeout', 'truncated']);

    const first = pool.nextSession();
    await connect(pool.port);
    await first;
    const second = pool.nextSession();
    await connect(pool.port);
    await second;
    const third = net.connect(pool.port, '127.0.0.1');
    cleanups.push(() => third.destroy());
    await once(third, 'close');
    expect(pool.handshakeErrors.map((e) => e.code)).toContain('too-many-connections');
    expect(pool.server.connections()).toBe(2);
  });

  it('fails fast with typed errors when nothing listens or the pool never answers', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    expect((await rejection(connect(closedPort))).code).toBe('connect-failed');

    const mute = await listenRaw(() => undefined);
    expect((await rejection(connect(mute, { timeoutMs: 200 }))).code).toBe('timeout');

    const hangsUp = await listenRaw((socket) => socket.once('data', () => socket.end(ellswiftEncode(randomSecretKey()))));
    expect((await rejection(connect(hangsUp))).code).toBe('truncated');
  });
});
