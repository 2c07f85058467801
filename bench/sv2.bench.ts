/**
 * Stratum V2 transport: Noise handshakes per second (in memory and over loopback TCP) and encrypted frames per
 * second for 100-byte and 64 KiB payloads. Baselines from the same run: one x-only secp256k1 ECDH for the
 * handshake, and the bare ChaCha20-Poly1305 seal+open of the same payload for framing, so `vsRawAead` is the
 * cost of Sv2 framing (header sealed separately, chunking, stream reassembly) over the cipher itself.
 * `aeadPerFrame`: each ChaCha20-Poly1305 implementation per whole frame (seal and open of header and payload)
 * at the sizes of the two messages every share and every job cost, against node:crypto (the old default).
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { randomBytes } from 'node:crypto';
import { connectSv2, createSv2Server, type Sv2Connection } from '../lib/transport/sv2';
import { aeadImplementations } from '../lib/platform/aead';
import { type Aead, currentAead, nobleAead } from '../lib/protocol/sv2/aead';
import { devAuthorityKeypair } from '../lib/protocol/sv2/authority';
import { CipherState, Sv2FrameDecryptor, Sv2FrameEncryptor } from '../lib/protocol/sv2/cipher';
import { encodeMessage, type Sv2MessageOf } from '../lib/protocol/sv2/messages';
import { NoiseInitiator, NoiseResponder } from '../lib/protocol/sv2/noise';
import { sampleMessages } from '../lib/protocol/sv2/sample-messages';
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

function framesPerSecond(size: number, ms: number, aead: Aead = currentAead(), payload: Uint8Array = randomBytes(size)): number {
  const key = randomBytes(32);
  const encryptor = new Sv2FrameEncryptor(new CipherState(key, aead));
  const decryptor = new Sv2FrameDecryptor(new CipherState(key, aead), { maxPayloadBytes: size });
  const message = { extensionType: 0, msgType: 0x99, payload };
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
  const sealed = new Uint8Array(size + 16);
  const opened = new Uint8Array(size);
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    backend.seal(key, nonce, ad, payload, sealed);
    if (!backend.open(key, nonce, ad, sealed, opened)) throw new Error('aead failed');
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

/** The payloads a share and a job put on the wire: SubmitSharesExtended (8-byte extranonce) and a mainnet-sized job (12-hash merkle path, ~250-byte coinbase parts). */
function perShareMessages(): Record<string, Uint8Array> {
  const messages = sampleMessages();
  const job = messages.find((m): m is Sv2MessageOf<'NewExtendedMiningJob'> => m.type === 'NewExtendedMiningJob')!;
  const share = messages.find((m) => m.type === 'SubmitSharesExtended')!;
  return {
    SubmitSharesExtended: encodeMessage(share).payload,
    NewExtendedMiningJob: encodeMessage({
      ...job,
      merklePath: Array.from({ length: 12 }, (_, i) => new Uint8Array(32).fill(i)),
      coinbaseTxPrefix: new Uint8Array(90).fill(2),
      coinbaseTxSuffix: new Uint8Array(160).fill(0xf0),
    }).payload,
  };
}

/** Seal and open of one whole frame per implementation, with node:crypto (the implementation before libsodium) as the baseline. */
function aeadPerFrame(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, payload] of Object.entries(perShareMessages())) {
    const rates: Record<string, number> = {};
    for (const aead of aeadImplementations()) {
      framesPerSecond(payload.length, 200, aead, payload); // warm-up
      rates[aead.name] = framesPerSecond(payload.length, 1500, aead, payload);
    }
    const baseline = rates['node:crypto'];
    out[name] = {
      payloadBytes: payload.length,
      framesPerSecond: rates,
      microsecondsPerFrame: Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, round(1e6 / v, 2)])),
      vsNodeCrypto: baseline ? Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, round(v / baseline, 2)])) : null,
    };
  }
  return { ...out, note: 'one frame = header and payload sealed, then opened again (two AEAD operations each way)' };
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
    const raw = rawAeadPerSecond(currentAead(), size, 1500);
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
    aeadBackend: currentAead().name,
    aeadPerFrame: aeadPerFrame(),
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
