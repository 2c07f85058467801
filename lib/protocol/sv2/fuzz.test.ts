import { describe, expect, it } from 'vitest';
import { CipherState, ENCRYPTED_HEADER_SIZE, Sv2FrameDecryptor, Sv2FrameEncryptor, encryptedPayloadLength } from './cipher';
import { Sv2DecodeError, Sv2TransportError } from './errors';
import { encodeFrameHeader } from './frame';
import { SV2_MESSAGE_TYPES, decodeMessage, encodeMessage, messageWireId, type Sv2AnyMessage } from './messages';
import { sampleMessages } from './sample-messages';
import { liveHeapBytes } from '../../../test/heap';
import { seededRandom } from '../../../test/seeded-random';

/** Seeded, so a failure can be replayed from its seed. */
function rng(seed: number) {
  const random = seededRandom(seed);
  const bytes = (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = random.word() & 0xff;
    return out;
  };
  return { int: random.below, bytes };
}
type Rng = ReturnType<typeof rng>;

function concat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

function mutate(r: Rng, input: Uint8Array): Uint8Array {
  const out = Uint8Array.from(input);
  switch (r.int(6)) {
    case 0: // flip a few bits
      for (let i = r.int(3) + 1; i > 0 && out.length > 0; i--) out[r.int(out.length)]! ^= 1 << r.int(8);
      return out;
    case 1: // cut short
      return out.subarray(0, r.int(out.length + 1));
    case 2: // trailing garbage
      return concat(out, r.bytes(r.int(8) + 1));
    case 3: // a length prefix or count set to an extreme
      if (out.length > 0) out[r.int(out.length)] = [0, 1, 0x20, 0x21, 0x7f, 0xff][r.int(6)]!;
      return out;
    case 4: // splice random bytes in the middle
      return concat(out.subarray(0, r.int(out.length + 1)), r.bytes(r.int(40)), out.subarray(r.int(out.length + 1)));
    default: // nothing to do with the original
      return r.bytes(r.int(200));
  }
}

function hasNaN(message: Sv2AnyMessage): boolean {
  return Object.values(message).some((v) => typeof v === 'number' && Number.isNaN(v));
}

describe('fuzz', () => {
  it('decodes 120,000 random and mutated payloads with only typed errors, and every accepted payload is canonical', () => {
    const r = rng(0x5eed_0001);
    const seeds = sampleMessages().map((m) => encodeMessage(m));
    const wireIds = SV2_MESSAGE_TYPES.map((type) => messageWireId(type));
    let accepted = 0;
    let rejected = 0;
    let nonCanonical = 0;
    for (let i = 0; i < 120_000; i++) {
      const seed = seeds[r.int(seeds.length)]!;
      const wire = r.int(10) === 0 ? wireIds[r.int(wireIds.length)]! : seed;
      const payload = mutate(r, seed.payload);
      let message: Sv2AnyMessage;
      try {
        message = decodeMessage(wire.extensionType, wire.msgType, payload);
      } catch (error) {
        if (!(error instanceof Sv2DecodeError)) throw error;
        rejected++;
        continue;
      }
      accepted++;
      if (!hasNaN(message) && Buffer.compare(encodeMessage(message).payload, payload) !== 0) nonCanonical++;
    }
    expect(nonCanonical).toBe(0);
    expect(accepted).toBeGreaterThan(1000);
    expect(rejected).toBeGreaterThan(50_000);
  });

  it('pushes 100,000 random and mutated encrypted frames through the decrypting stream with bounded memory', () => {
    const r = rng(0x5eed_0002);
    const key = r.bytes(32);
    const maxPayloadBytes = 4096;
    const bound = ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(maxPayloadBytes) + 512;
    const seeds = sampleMessages().map((m) => encodeMessage(m));
    const outcomes: Record<string, number> = {};
    let maxBuffered = 0;
    let retainedAfterFailure = 0;
    const heapBefore = liveHeapBytes();

    // Every iteration starts a fresh stream at nonce 0, so sealed frames can be made once and mutated per iteration.
    const sealedSeeds = seeds.map((seed) => new Sv2FrameEncryptor(new CipherState(key)).encryptFrame(seed));
    const authenticHeaders = Array.from({ length: 1000 }, () => new CipherState(key).encrypt(encodeFrameHeader({ extensionType: r.int(0x10000), msgType: r.int(256), length: r.int(0x1000000) })));
    for (let i = 0; i < 100_000; i++) {
      const decryptor = new Sv2FrameDecryptor(new CipherState(key), { maxPayloadBytes });
      const mode = r.int(4);
      let wire: Uint8Array;
      if (mode === 0) {
        wire = sealedSeeds[r.int(sealedSeeds.length)]!;
      } else if (mode === 1) {
        // an authentic header announcing any length, followed by some bytes
        wire = concat(authenticHeaders[r.int(authenticHeaders.length)]!, r.bytes(r.int(300)));
      } else {
        wire = mutate(r, sealedSeeds[r.int(sealedSeeds.length)]!);
      }
      try {
        let frames = 0;
        for (let at = 0; at < wire.length;) {
          const step = 1 + r.int(64);
          frames += decryptor.push(wire.subarray(at, at + step)).length;
          maxBuffered = Math.max(maxBuffered, decryptor.bufferedBytes);
          at += step;
        }
        decryptor.end();
        outcomes[frames > 0 ? 'intact' : 'empty'] = (outcomes[frames > 0 ? 'intact' : 'empty'] ?? 0) + 1;
      } catch (error) {
        if (!(error instanceof Sv2TransportError)) throw error;
        outcomes[error.code] = (outcomes[error.code] ?? 0) + 1;
        if (decryptor.bufferedBytes !== 0) retainedAfterFailure++;
      }
    }

    const heapGrowth = liveHeapBytes() - heapBefore;
    expect(maxBuffered).toBeLessThanOrEqual(bound);
    expect(retainedAfterFailure).toBe(0);
    expect(heapGrowth).toBeLessThan(32 * 1024 * 1024);
    expect(Object.keys(outcomes).every((k) => ['intact', 'empty', 'decrypt-failed', 'frame-too-large', 'truncated'].includes(k))).toBe(true);
    expect(outcomes.intact).toBeGreaterThan(25_000);
    expect(outcomes['decrypt-failed']).toBeGreaterThan(25_000);
    expect(outcomes['frame-too-large']).toBeGreaterThan(10_000);
    expect(outcomes.truncated).toBeGreaterThan(1000);
  });
});
