/** The UR codec against Blockchain Commons' own vectors (vectors/SOURCES.md), then round trips of cashu-sized tokens. */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import vectors from './vectors/bc-ur-test-vectors.json';
import spec from './vectors/bytewords-spec.json';
import { bytewordList, crc32, decodeBytewords, encodeBytewords } from './bytewords';
import { AliasSampler, chooseDegree, chooseFragments, decodePart, encodePart, FountainDecoder, FountainEncoder, fragmentLength, partition, shuffled, xorInto } from './fountain';
import { bytesOf, bytesUr, decodeSinglePart, encodeSinglePart, UrDecoder, UrEncoder } from './ur';
import { Xoshiro256 } from './xoshiro';

const text = (s: string) => new TextEncoder().encode(s);
/** test-utils.cpp's make_message */
const message = (length: number, seed = 'Wolf') => new Xoshiro256(seed).nextData(length);

describe('Bytewords (BCR-2020-012)', () => {
  it('has the spec word list', () => {
    expect(bytewordList).toEqual(spec.words);
  });

  it('encodes and decodes the spec example in all three styles', () => {
    const body = hexToBytes(spec.example.body);
    expect(crc32(body).toString(16).padStart(8, '0')).toBe(spec.example.crc32);
    expect(encodeBytewords(body, 'standard')).toBe(spec.example.standard);
    expect(encodeBytewords(body, 'uri')).toBe(spec.example.uri);
    expect(encodeBytewords(body, 'minimal')).toBe(spec.example.minimal);
    expect(bytesToHex(decodeBytewords(spec.example.minimal.toUpperCase(), 'minimal'))).toBe(spec.example.body);
    expect(encodeBytewords(hexToBytes(spec.brutal.body), 'minimal')).toBe(spec.brutal.minimal);
  });

  it('matches the reference tests and refuses bad checksums and short input', () => {
    for (const { input, hex } of vectors.crc32) expect(crc32(text(input)).toString(16).padStart(8, '0')).toBe(hex);
    const one = Uint8Array.from(vectors.bytewords1.input);
    expect(encodeBytewords(one, 'standard')).toBe(vectors.bytewords1.standard);
    expect(encodeBytewords(one, 'uri')).toBe(vectors.bytewords1.uri);
    expect(encodeBytewords(one, 'minimal')).toBe(vectors.bytewords1.minimal);
    expect(decodeBytewords(vectors.bytewords1.standard, 'standard')).toEqual(one);
    expect(decodeBytewords(vectors.bytewords1.uri, 'uri')).toEqual(one);
    expect(() => decodeBytewords(vectors.bytewords1.badChecksum.standard, 'standard')).toThrow();
    expect(() => decodeBytewords(vectors.bytewords1.badChecksum.uri, 'uri')).toThrow();
    expect(() => decodeBytewords(vectors.bytewords1.badChecksum.minimal, 'minimal')).toThrow();
    expect(() => decodeBytewords('wolf', 'standard')).toThrow();
    expect(() => decodeBytewords('', 'standard')).toThrow();
    const two = Uint8Array.from(vectors.bytewords2.input);
    expect(encodeBytewords(two, 'standard')).toBe(vectors.bytewords2.standard);
    expect(encodeBytewords(two, 'minimal')).toBe(vectors.bytewords2.minimal);
    expect(decodeBytewords(vectors.bytewords2.minimal, 'minimal')).toEqual(two);
  });
});

describe('Xoshiro256** and the samplers', () => {
  it('draws the reference numbers', () => {
    const a = new Xoshiro256('Wolf');
    expect(Array.from({ length: 100 }, () => Number(a.next() % 100n))).toEqual(vectors.rngNextMod100);
    const b = new Xoshiro256(crc32(text('Wolf')));
    expect(Array.from({ length: 100 }, () => Number(b.next() % 100n))).toEqual(vectors.rngFromCrc32NextMod100);
    const c = new Xoshiro256('Wolf');
    expect(Array.from({ length: 100 }, () => c.nextInt(1, 10))).toEqual(vectors.rngNextInt1to10);
  });

  it('samples, shuffles and chooses degrees as the reference does', () => {
    const rng = new Xoshiro256('Wolf');
    const sampler = new AliasSampler(vectors.randomSampler.probs);
    expect(Array.from({ length: 500 }, () => sampler.next(() => rng.nextDouble()))).toEqual(vectors.randomSampler.samples);
    const shuffleRng = new Xoshiro256('Wolf');
    expect(vectors.shuffle.results.map(() => shuffled(vectors.shuffle.values, shuffleRng))).toEqual(vectors.shuffle.results);
    const fragments = partition(message(1024), fragmentLength(1024, 10, 100));
    expect(Array.from({ length: 200 }, (_, i) => chooseDegree(fragments.length, new Xoshiro256(`Wolf-${i + 1}`)))).toEqual(vectors.chooseDegree);
  });

  it('XORs like the reference', () => {
    const rng = new Xoshiro256('Wolf');
    const one = rng.nextData(10);
    const two = rng.nextData(10);
    expect(bytesToHex(one)).toBe(vectors.xor.data1);
    expect(bytesToHex(two)).toBe(vectors.xor.data2);
    xorInto(one, two);
    expect(bytesToHex(one)).toBe(vectors.xor.xored);
  });
});

describe('fountain code (BCR-2020-005)', () => {
  it('sizes and cuts fragments as the reference does', () => {
    for (const v of vectors.findFragmentLength) expect(fragmentLength(v.messageLen, v.min, v.max)).toBe(v.expected);
    const msg = message(vectors.partition.messageLen);
    const fragments = partition(msg, fragmentLength(msg.length, vectors.partition.min, vectors.partition.max));
    expect(fragments.map(bytesToHex)).toEqual(vectors.partition.fragments);
  });

  it('chooses the reference fragments for each part', () => {
    const msg = message(1024);
    const seqLen = partition(msg, fragmentLength(1024, 10, 100)).length;
    const chosen = vectors.chooseFragments.map((_, i) => chooseFragments(i + 1, seqLen, crc32(msg)).sort((a, b) => a - b));
    expect(chosen).toEqual(vectors.chooseFragments);
  });

  it('produces the reference parts, as fields and as CBOR', () => {
    const encoder = new FountainEncoder(message(256), 30);
    const parts = vectors.fountainEncoder.map(() => encoder.nextPart());
    expect(parts.map((p) => `seqNum:${p.seqNum}, seqLen:${p.seqLen}, messageLen:${p.messageLen}, checksum:${p.checksum}, data:${bytesToHex(p.data)}`)).toEqual(vectors.fountainEncoder);
    expect(parts.map((p) => bytesToHex(encodePart(p)))).toEqual(vectors.fountainEncoderCbor);
    expect(decodePart(encodePart(parts[3]!))).toEqual(parts[3]);
  });

  it('is complete after seqLen parts', () => {
    const encoder = new FountainEncoder(message(256), 30);
    let count = 0;
    while (!encoder.complete) {
      encoder.nextPart();
      count++;
    }
    expect(count).toBe(encoder.seqLen);
  });

  it('decodes a 32767-byte message from parts starting at seqNum 100 (mixed parts only)', () => {
    const msg = message(32767);
    const encoder = new FountainEncoder(msg, 1000, 100);
    const decoder = new FountainDecoder();
    while (!decoder.done) decoder.receive(encoder.nextPart());
    expect(decoder.error).toBeUndefined();
    expect(decoder.message).toEqual(msg);
  });
});

describe('UR strings', () => {
  it('encodes the reference single-part UR and reads it back', () => {
    const ur = bytesUr(message(50));
    expect(encodeSinglePart(ur)).toBe(vectors.singlePartUr);
    expect(decodeSinglePart(vectors.singlePartUr)).toEqual(ur);
  });

  it('encodes the reference multi-part URs', () => {
    const encoder = new UrEncoder(bytesUr(message(256)), 30);
    expect(vectors.urEncoder.map(() => encoder.nextPart())).toEqual(vectors.urEncoder);
  });

  it('decodes the reference parts in any order, upper case, with noise in between', () => {
    const decoder = new UrDecoder();
    const parts = [...vectors.urEncoder].reverse();
    for (const part of parts) {
      decoder.receive('cashuBnotaur');
      decoder.receive('ur:bytes/1-3/lpadaxcsencylobemohsgmoyadhdeynteelblrcygldwvarflojtcywyjytpdkfwprylienshnjnpluypmamtkmybsjkspvseesawmrltadlnjk');
      decoder.receive(part.toUpperCase());
      if (decoder.done) break;
    }
    expect(decoder.error).toBeUndefined();
    expect(bytesOf(decoder.result!)).toEqual(message(256));
  });

  it('carries a long cashu token through animated parts, joining mid-stream', () => {
    const token = `cashuB${'o2FteBhodHRwOi8vMTI3LjAuMC4xOjM5MzQ1YXVkaGFzaGF0'.repeat(45)}`;
    const encoder = new UrEncoder(bytesUr(text(token)), 120);
    expect(encoder.singlePart).toBe(false);
    for (let i = 0; i < 7; i++) encoder.nextPart(); // the reader's camera opens late
    const decoder = new UrDecoder();
    let shown = 0;
    while (!decoder.done && shown < 500) {
      decoder.receive(encoder.nextPart());
      shown++;
    }
    expect(new TextDecoder().decode(bytesOf(decoder.result!))).toBe(token);
    expect(shown).toBeLessThan(encoder.seqLen * 3);
  });
});
