/**
 * Stratum V2 transport: Noise handshakes per second (in memory and over loopback TCP) and encrypted frames per
 * second for 100-byte and 64 KiB payloads. Baselines from the same run: one x-only secp256k1 ECDH for the
 * handshake, and the bare ChaCha20-Poly1305 seal+open of the same payload for framing, so `vsRawAead` is the
 * cost of Sv2 framing (header sealed separately, chunking, stream reassembly) over the cipher itself.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { randomBytes } from 'node:crypto';
import { connectSv2, createSv2Server, type Sv2Connection } from '../core/transport/sv2';
import { aead, nobleAead, type Aead } from '../core/protocol/sv2/aead';
import { devAuthorityKeypair } from '../core/protocol/sv2/authority';
import { CipherState, Sv2FrameDecryptor, Sv2FrameEncryptor } from '../core/protocol/sv2/cipher';
import { NoiseInitiator, NoiseResponder } from '../core/protocol/sv2/noise';
import { opsPerSecond, ratePerSecond, round } from './measure';

const authority = devAuthorityKeypair();
const SIZES = { '100B': 100, '64KiB': 64 * 1024 } as const;

function memoryHandshake(): void {
  const now = Math.floor(Date.now() / 1000);
  const initiator = new NoiseInitiator({ authorityPubkey: authority.publicKey });
  const { reply } = new NoiseResponder({ authoritySecretKey: authority.secretKey }).respond(initiator.start(), {
    validFrom: now,
    notValidAfter: now + 3600,
  });
  initiator.finish(reply, now);
}

async function tcpHandshakes(ms: number): Promise<number> {
  const server = createSv2Server({ authoritySecretKey: authority.secretKey, onConnection: (c) => c.on('close', () => undefined) });
  const { port } = await server.listen(0, '127.0.0.1');
  try {
    return await opsPerSecond(async () => {
      const connection = await connectSv2({ host: '127.0.0.1', port, authorityPubkey: authority.publicKeyBase58 });
      connection.close();
    }, ms);
  } finally {
    await server.close();
  }
}

function framesPerSecond(size: number, ms: number): number {
  const key = randomBytes(32);
  const encryptor = new Sv2FrameEncryptor(new CipherState(key));
  const decryptor = new Sv2FrameDecryptor(new CipherState(key), { maxPayloadBytes: size });
  const message = { extensionType: 0, msgType: 0x99, payload: randomBytes(size) };
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    if (decryptor.push(encryptor.encryptFrame(message)).length !== 1) throw new Error('frame lost');
    count++;
  }
  return ratePerSecond(count, performance.now() - start);
}

function rawAeadPerSecond(backend: Aead, size: number, ms: number): number {
  const key = randomBytes(32);
  const nonce = new Uint8Array(12);
  const ad = new Uint8Array(0);
  const payload = randomBytes(size);
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    if (!backend.open(key, nonce, ad, backend.seal(key, nonce, ad, payload))) throw new Error('aead failed');
    count++;
  }
  return ratePerSecond(count, performance.now() - start);
}

/** One-way stream of 64 KiB messages through real sockets, end to end (seal, TCP, reassemble, open, decode). */
async function tcpThroughput(size: number, frames: number): Promise<{ framesPerSecond: number; mbPerSecond: number }> {
  let accepted: (connection: Sv2Connection) => void = () => undefined;
  const serverSide = new Promise<Sv2Connection>((resolve) => (accepted = resolve));
  const server = createSv2Server({ authoritySecretKey: authority.secretKey, maxPayloadBytes: size, onConnection: (c) => accepted(c) });
  const { port } = await server.listen(0, '127.0.0.1');
  try {
    const client = await connectSv2({ host: '127.0.0.1', port, authorityPubkey: authority.publicKeyBase58 });
    const receiver = await serverSide;
    const payload = randomBytes(size);
    // Keep about 4 MiB in flight: enough to fill the pipe, well under the connection's write-buffer limit.
    const window = Math.max(8, Math.floor((4 * 1024 * 1024) / size));
    let sent = 0;
    let received = 0;
    const start = performance.now();
    await new Promise<void>((resolve) => {
      const pump = () => {
        for (; sent < frames && sent - received < window; sent++) client.send({ type: 'Unknown', extensionType: 0, msgType: 0x99, payload });
      };
      receiver.on('message', () => {
        if (++received === frames) resolve();
        else pump();
      });
      pump();
    });
    const ms = performance.now() - start;
    client.close();
    const perSecond = ratePerSecond(frames, ms);
    return { framesPerSecond: perSecond, mbPerSecond: round((perSecond * size) / 1e6, 1) };
  } finally {
    await server.close();
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const ecdhSecret = secp256k1.utils.randomSecretKey();
  const ecdhPeer = secp256k1.getPublicKey(secp256k1.utils.randomSecretKey());
  const ecdhPerSecond = await opsPerSecond(() => secp256k1.getSharedSecret(ecdhSecret, ecdhPeer), 1500);
  const memory = await opsPerSecond(memoryHandshake, 2000);
  const tcp = await tcpHandshakes(2500);

  const frames: Record<string, unknown> = {};
  for (const [label, size] of Object.entries(SIZES)) {
    const framed = framesPerSecond(size, 2000);
    const raw = rawAeadPerSecond(aead, size, 1500);
    const noble = rawAeadPerSecond(nobleAead, size, 1500);
    frames[label] = {
      framesPerSecond: framed,
      mbPerSecond: round((framed * size) / 1e6, 1),
      rawAeadPerSecond: raw,
      vsRawAead: round(framed / raw),
      nobleRawAeadPerSecond: noble,
      note: 'framesPerSecond = seal + reassemble + open of one frame, in memory',
    };
  }
  const tcp64k = await tcpThroughput(SIZES['64KiB'], 3000);
  const tcp100 = await tcpThroughput(SIZES['100B'], 20000);

  return {
    aeadBackend: aead.name,
    handshakes: {
      inMemoryPerSecond: memory,
      loopbackTcpPerSecond: tcp,
      ecdhPerSecond,
      inMemoryVsEcdh: round(memory / ecdhPerSecond),
      note: 'a handshake is 2 EllSwift encodings + 4 ECDH + 1 decode + BIP340 sign and verify',
    },
    frames,
    loopbackTcpStream: { '100B': tcp100, '64KiB': tcp64k },
  };
}
