import { hexToBytes, bytesToHex } from '@noble/hashes/utils.js';
import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../../../test/fixtures';
import { B0_32, B0_64K, B0_16M, BOOL, OPTION, SEQ0_255, SEQ0_64K, STR0_255, Sv2Reader, Sv2Writer, U24, U256, U32, U64 } from './codec';
import { Sv2DecodeError, Sv2EncodeError } from './errors';
import { decodeFrame, decodeFrameHeader, encodeFrame, encodeFrameHeader, writeFrameHeader } from './frame';
import { CHANNEL_MSG_BIT, SV2_MESSAGE_TYPES, decodeMessage, encodeMessage, messageWireId, type Sv2Message } from './messages';
import { sampleMessages } from './sample-messages';

interface SriVectors {
  framing: {
    header_from_bytes: { bytes_hex: string; extension_type: number; msg_type: number; msg_length: number };
    size_hint: { header_hex: string; expected_payload_len: number };
  };
  frames: { name: string; frame_hex: string; fields: Record<string, unknown> }[];
}

const sri = readFixtureJson<SriVectors>('sv2', 'sri_vectors.json');

function decodeOk(bytes: Uint8Array, read: (r: Sv2Reader) => unknown): unknown {
  const reader = new Sv2Reader(bytes);
  const value = read(reader);
  reader.end('value');
  return value;
}

function decodeErrorCode(bytes: Uint8Array, read: (r: Sv2Reader) => unknown): string {
  try {
    decodeOk(bytes, read);
  } catch (error) {
    expect(error).toBeInstanceOf(Sv2DecodeError);
    return (error as Sv2DecodeError).code;
  }
  throw new Error('expected a decode error');
}

describe('SRI byte vectors', () => {
  it('decodes the framing-sv2 header vectors', () => {
    const v = sri.framing.header_from_bytes;
    expect(decodeFrameHeader(hexToBytes(v.bytes_hex))).toEqual({ extensionType: v.extension_type, msgType: v.msg_type, length: v.msg_length });
    expect(bytesToHex(encodeFrameHeader({ extensionType: v.extension_type, msgType: v.msg_type, length: v.msg_length }))).toBe(v.bytes_hex);
    // written into a frame: the same six bytes, and nothing after them touched
    const frame = new Uint8Array(10).fill(0xee);
    writeFrameHeader({ extensionType: v.extension_type, msgType: v.msg_type, length: v.msg_length }, frame);
    expect(bytesToHex(frame)).toBe(`${v.bytes_hex}eeeeeeee`);
    expect(() => writeFrameHeader({ extensionType: 0x10000, msgType: 0, length: 0 }, frame)).toThrow(Sv2EncodeError);
    expect(() => writeFrameHeader({ extensionType: 0, msgType: 0, length: 0 }, new Uint8Array(5))).toThrow(RangeError);
    const hint = decodeFrameHeader(hexToBytes(sri.framing.size_hint.header_hex));
    expect(hint.length).toBe(sri.framing.size_hint.expected_payload_len);
    expect(hint.extensionType & CHANNEL_MSG_BIT).toBe(CHANNEL_MSG_BIT);
  });

  it('reproduces new_mining_job_serialization exactly', () => {
    const vector = sri.frames.find((f) => f.name.startsWith('NewMiningJob'))!;
    const message: Sv2Message = {
      type: 'NewMiningJob',
      channelId: 0x04030201,
      jobId: 0x08070605,
      minNtime: 0x0c0b0a09,
      version: 0x100f0e0d,
      merkleRoot: hexToBytes('1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30'),
    };
    const frame = encodeFrame(encodeMessage(message));
    expect(bytesToHex(frame)).toBe(vector.frame_hex);
    const decoded = decodeFrame(frame);
    expect(decodeMessage(decoded.extensionType, decoded.msgType, decoded.payload)).toEqual(message);
  });

  it('reproduces push_solution_serialization exactly with the data-type codec', () => {
    const vector = sri.frames.find((f) => f.name.startsWith('PushSolution'))!;
    const writer = new Sv2Writer();
    B0_32.write(writer, hexToBytes('01020304'));
    U256.write(writer, hexToBytes('05060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2021222324'));
    for (const value of [0x11223344, 0x55667788, 0x99aabbcc, 0xddeeff00]) U32.write(writer, value);
    const frame = encodeFrame({ extensionType: 0, msgType: 0x60, payload: writer.finish() });
    expect(bytesToHex(frame)).toBe(vector.frame_hex);
  });

  it('frames hashpool MintQuoteNotification like research/sv2.md §5.3', () => {
    const frame = encodeFrame(encodeMessage({ type: 'MintQuoteNotification', channelId: 7, quoteId: 'q-abc', amount: 1234n }));
    expect(bytesToHex(frame)).toBe('0080c0120000' + '07000000' + '05712d616263' + 'd204000000000000');
  });

  it("encodes the translator's SetupConnection like research/sv2.md §3.3", () => {
    const { extensionType, msgType, payload } = encodeMessage({
      type: 'SetupConnection',
      protocol: 0,
      minVersion: 2,
      maxVersion: 2,
      flags: 0b100,
      endpointHost: '127.0.0.1',
      endpointPort: 34254,
      vendor: 'SRI',
      hardwareVersion: 'Translator Proxy',
      firmware: '',
      deviceId: '',
    });
    expect([extensionType, msgType, payload.length]).toEqual([0, 0, 44]);
    expect(bytesToHex(payload)).toBe('00' + '0200' + '0200' + '04000000' + '09' + '3132372e302e302e31' + 'ce85' + '03' + '535249' + '10' + '5472616e736c61746f722050726f7879' + '00' + '00');
  });

  it('puts mint-quote pool<->mint messages under extension 0x8003', () => {
    expect(messageWireId('MintQuoteRequest')).toEqual({ extensionType: 0x8003, msgType: 0x80, channelBit: true });
    expect(messageWireId('MintQuoteError').extensionType).toBe(0x8003);
    expect(messageWireId('SetupConnection').extensionType).toBe(0);
    expect(messageWireId('SubmitSharesExtended')).toEqual({ extensionType: 0x8000, msgType: 0x1b, channelBit: true });
  });
});

describe('messages', () => {
  it('has one sample per known type and round-trips each', () => {
    const samples = sampleMessages();
    expect(samples.map((m) => m.type).sort()).toEqual([...SV2_MESSAGE_TYPES].sort());
    for (const message of samples) {
      const encoded = encodeMessage(message);
      expect(decodeMessage(encoded.extensionType, encoded.msgType, encoded.payload)).toEqual(message);
      // dispatch ignores the channel bit, like SRI
      expect(decodeMessage(encoded.extensionType ^ CHANNEL_MSG_BIT, encoded.msgType, encoded.payload)).toEqual(message);
    }
  });

  it('gives every encoded message and frame header bytes of its own, though one writer serves them all', () => {
    const samples = sampleMessages();
    const first = samples.map((m) => encodeMessage(m));
    const copies = first.map((e) => bytesToHex(e.payload));
    // a longer message and one that throws half-way must leave the earlier payloads as they were
    const long = encodeMessage({ ...samples.find((m) => m.type === 'SetupConnection')!, endpointHost: 'h'.repeat(255) } as Sv2Message);
    expect(() => encodeMessage({ ...samples.find((m) => m.type === 'SetupConnection')!, endpointHost: 'h'.repeat(256) } as Sv2Message)).toThrow(Sv2EncodeError);
    expect(first.map((e) => bytesToHex(e.payload))).toEqual(copies);
    expect(decodeMessage(long.extensionType, long.msgType, long.payload)).toMatchObject({ endpointHost: 'h'.repeat(255) });
    const headers = [encodeFrameHeader({ extensionType: 0, msgType: 1, length: 2 }), encodeFrameHeader({ extensionType: 3, msgType: 4, length: 5 })];
    expect(headers.map((h) => bytesToHex(h))).toEqual(['000001020000', '030004050000']);
  });

  it('encodes OpenExtendedMiningChannel.Success with group_channel_id last', () => {
    const { payload } = encodeMessage({
      type: 'OpenExtendedMiningChannelSuccess',
      requestId: 1,
      channelId: 2,
      target: new Uint8Array(32).fill(0xff),
      extranonceSize: 8,
      extranoncePrefix: Uint8Array.from([9, 9]),
      groupChannelId: 0x0a0b0c0d,
    });
    expect(payload.length).toBe(4 + 4 + 32 + 2 + 1 + 2 + 4);
    expect(bytesToHex(payload.subarray(-4))).toBe('0d0c0b0a');
  });

  it('encodes a future NewExtendedMiningJob with an empty OPTION', () => {
    const { payload } = encodeMessage({
      type: 'NewExtendedMiningJob',
      channelId: 1,
      jobId: 2,
      minNtime: undefined,
      version: 0x20000000,
      versionRollingAllowed: true,
      merklePath: [],
      coinbaseTxPrefix: Uint8Array.from([1, 2]),
      coinbaseTxSuffix: new Uint8Array(0),
    });
    expect(bytesToHex(payload)).toBe('01000000' + '02000000' + '00' + '00000020' + '01' + '00' + '02000102' + '0000');
  });

  it('returns unknown types raw and re-encodes them unchanged', () => {
    const unknown = decodeMessage(0x8005, 0x99, Uint8Array.from([1, 2, 3]));
    expect(unknown).toEqual({ type: 'Unknown', extensionType: 0x8005, msgType: 0x99, payload: Uint8Array.from([1, 2, 3]) });
    expect(encodeMessage(unknown)).toEqual({ extensionType: 0x8005, msgType: 0x99, payload: Uint8Array.from([1, 2, 3]) });
  });

  it('rejects truncated and trailing payloads with typed errors naming the field', () => {
    const { extensionType, msgType, payload } = encodeMessage({ type: 'SetTarget', channelId: 1, maximumTarget: new Uint8Array(32) });
    expect(() => decodeMessage(extensionType, msgType, payload.subarray(0, 35))).toThrow(/SetTarget.maximumTarget/);
    expect(() => decodeMessage(extensionType, msgType, Uint8Array.from([...payload, 0]))).toThrow(Sv2DecodeError);
    try {
      decodeMessage(extensionType, msgType, Uint8Array.from([...payload, 0]));
    } catch (error) {
      expect((error as Sv2DecodeError).code).toBe('trailing-bytes');
    }
  });

  it('refuses to encode values that do not fit their wire type', () => {
    const base = sampleMessages().find((m) => m.type === 'SubmitSharesExtended')!;
    expect(() => encodeMessage({ ...base, nonce: 2 ** 32 } as Sv2Message)).toThrow(Sv2EncodeError);
    expect(() => encodeMessage({ ...base, extranonce: new Uint8Array(33) } as Sv2Message)).toThrow(/extranonce/);
    expect(() => encodeMessage({ type: 'MintQuoteNotification', channelId: 1, quoteId: 'x'.repeat(256), amount: 1n })).toThrow(Sv2EncodeError);
    expect(() => encodeMessage({ type: 'MintQuoteNotification', channelId: 1, quoteId: 'x', amount: -1n })).toThrow(Sv2EncodeError);
    expect(() => encodeMessage({ type: 'SetTarget', channelId: 1, maximumTarget: new Uint8Array(31) })).toThrow(Sv2EncodeError);
  });
});

describe('data types', () => {
  it('writes little-endian integers with exact widths', () => {
    expect(bytesToHex(new Sv2Writer().u16(0x0102).u24(0x030405).u32(0x06070809).u64(0x0a0b0c0d0e0f1011n).finish())).toBe('0201' + '050403' + '09080706' + '11100f0e0d0c0b0a');
    expect(bytesToHex(new Sv2Writer().f32(1).finish())).toBe('0000803f');
    // growing from a 1-byte buffer must keep every earlier write
    expect(
      bytesToHex(
        new Sv2Writer(1)
          .u8(1)
          .u16(0x0302)
          .u32(0x07060504)
          .u64(0x0f0e0d0c0b0a0908n)
          .bytes(Uint8Array.from([16]))
          .finish(),
      ),
    ).toBe('0102030405060708090a0b0c0d0e0f10');
  });

  it('copies what it wrote into a given array at an offset, a few bytes or many, as finish() gives them', () => {
    for (const size of [0, 6, 64, 65, 40_000]) {
      const writer = new Sv2Writer(8).bytes(Uint8Array.from({ length: size }, (_, i) => (i * 7 + 1) & 0xff));
      const out = new Uint8Array(size + 5).fill(0xee);
      writer.copyInto(out, 3);
      expect(bytesToHex(out)).toBe(`eeeeee${bytesToHex(writer.finish())}eeee`);
      expect(() => writer.copyInto(new Uint8Array(size + 5), 6)).toThrow(RangeError);
    }
  });

  it('uses U16 and U24 length prefixes for B0_64K and B0_16M', () => {
    const w = new Sv2Writer();
    B0_64K.write(w, Uint8Array.from([0xaa]));
    B0_16M.write(w, Uint8Array.from([0xbb]));
    expect(bytesToHex(w.finish())).toBe('0100aa' + '010000bb');
  });

  it('rejects truncated, overlong and non-canonical input', () => {
    expect(decodeErrorCode(Uint8Array.from([1, 2]), (r) => U24.read(r))).toBe('truncated');
    expect(decodeErrorCode(Uint8Array.from([1, 2, 3, 4, 5, 6, 7]), (r) => U64.read(r))).toBe('truncated');
    expect(decodeErrorCode(Uint8Array.from([33, ...new Uint8Array(33)]), (r) => B0_32.read(r))).toBe('too-long');
    expect(decodeErrorCode(Uint8Array.from([5, 1, 2]), (r) => B0_32.read(r))).toBe('truncated');
    expect(decodeErrorCode(Uint8Array.from([0xff, 0xff, 0]), (r) => B0_64K.read(r))).toBe('truncated');
    expect(decodeErrorCode(Uint8Array.from([2]), (r) => BOOL.read(r))).toBe('invalid-bool');
    expect(decodeErrorCode(Uint8Array.from([2, 0, 0, 0, 0, 0, 0, 0, 0]), (r) => OPTION(U32).read(r))).toBe('invalid-option');
    expect(decodeErrorCode(Uint8Array.from([2, 0xc3, 0x28]), (r) => STR0_255.read(r))).toBe('invalid-utf8');
    expect(decodeErrorCode(Uint8Array.from([1, 0, 0]), (r) => BOOL.read(r))).toBe('trailing-bytes');
  });

  it('fails a huge sequence count before allocating for it', () => {
    expect(decodeErrorCode(Uint8Array.from([0xff, 0xff, 1, 2]), (r) => SEQ0_64K(U256).read(r))).toBe('truncated');
    expect(decodeErrorCode(Uint8Array.from([200, ...new Uint8Array(64)]), (r) => SEQ0_255(U256).read(r))).toBe('truncated');
  });

  it('round-trips sequences and options', () => {
    const w = new Sv2Writer();
    SEQ0_64K(U32).write(w, [1, 2]);
    OPTION(STR0_255).write(w, 'é');
    OPTION(STR0_255).write(w, undefined);
    const bytes = w.finish();
    expect(bytesToHex(bytes)).toBe('0200' + '01000000' + '02000000' + '01' + '02c3a9' + '00');
    const r = new Sv2Reader(bytes);
    expect([SEQ0_64K(U32).read(r), OPTION(STR0_255).read(r), OPTION(STR0_255).read(r)]).toEqual([[1, 2], 'é', undefined]);
  });

  it('returns copies that do not alias the input buffer', () => {
    const input = Uint8Array.from([2, 7, 8]);
    const value = decodeOk(input, (r) => B0_32.read(r)) as Uint8Array;
    input[1] = 0;
    expect([...value]).toEqual([7, 8]);
  });
});
