/**
 * Uniform Resources (BCR-2020-005): `ur:<type>/<bytewords>` for a message that fits one QR code,
 * `ur:<type>/<seqNum>-<seqLen>/<bytewords>` fountain-coded parts for one that does not. The message is CBOR;
 * the `bytes` type wraps a byte string, which is how cashu wallets pass tokens (the token's UTF-8 text).
 */
import { decodeBytewords, encodeBytewords } from './bytewords';
import { CborReader, encodeBytes } from './cbor';
import { decodePart, encodePart, FountainDecoder, FountainEncoder } from './fountain';

export class UrError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrError';
  }
}

export interface Ur {
  type: string;
  /** the CBOR message */
  cbor: Uint8Array;
}

const TYPE = /^[a-z0-9-]+$/;

/** A `bytes` UR holding these bytes. */
export function bytesUr(bytes: Uint8Array): Ur {
  return { type: 'bytes', cbor: encodeBytes(bytes) };
}

/** The byte string a `bytes` UR holds. */
export function bytesOf(ur: Ur): Uint8Array {
  if (ur.type !== 'bytes') throw new UrError(`expected a ur:bytes, got ur:${ur.type}`);
  const reader = new CborReader(ur.cbor);
  const bytes = reader.bytes_();
  if (!reader.done) throw new UrError('bytes after the byte string');
  return bytes;
}

export function encodeSinglePart(ur: Ur): string {
  return `ur:${ur.type}/${encodeBytewords(ur.cbor, 'minimal')}`;
}

/** Parts of a UR: one part when it fits maxFragmentLen, else as many as asked (the encoder never runs out). */
export class UrEncoder {
  private readonly fountain: FountainEncoder;

  constructor(
    private readonly ur: Ur,
    maxFragmentLen: number,
    firstSeqNum = 0,
    minFragmentLen = 10,
  ) {
    if (!TYPE.test(ur.type)) throw new UrError(`invalid UR type "${ur.type}"`);
    this.fountain = new FountainEncoder(ur.cbor, maxFragmentLen, firstSeqNum, minFragmentLen);
  }

  get singlePart(): boolean {
    return this.fountain.seqLen === 1;
  }

  /** how many parts carry every fragment once */
  get seqLen(): number {
    return this.fountain.seqLen;
  }

  nextPart(): string {
    const part = this.fountain.nextPart();
    if (this.singlePart) return encodeSinglePart(this.ur);
    return `ur:${this.ur.type}/${part.seqNum}-${part.seqLen}/${encodeBytewords(encodePart(part), 'minimal')}`;
  }
}

/** Reads UR parts (any case, any order, repeats and stray single parts tolerated) until the message is whole. */
export class UrDecoder {
  private type: string | undefined;
  private readonly fountain = new FountainDecoder();
  private single: Ur | undefined;
  private problem: string | undefined;

  get done(): boolean {
    return this.single !== undefined || this.fountain.done || this.problem !== undefined;
  }

  get error(): string | undefined {
    return this.problem ?? this.fountain.error;
  }

  /** share of the message's fragments recovered so far, 0..1 */
  get progress(): number {
    return this.single ? 1 : this.fountain.progress;
  }

  get result(): Ur | undefined {
    if (this.single) return this.single;
    const message = this.fountain.message;
    return message && this.type ? { type: this.type, cbor: message } : undefined;
  }

  /** Returns false for text that is not a part of this UR (another UR, a damaged part). */
  receive(text: string): boolean {
    if (this.done) return false;
    const parsed = parseUr(text);
    if (!parsed) return false;
    if (this.type && parsed.type !== this.type) return false;
    try {
      if (parsed.seq === undefined) {
        this.single = { type: parsed.type, cbor: decodeBytewords(parsed.body, 'minimal') };
        return true;
      }
      const part = decodePart(decodeBytewords(parsed.body, 'minimal'));
      if (part.seqNum !== parsed.seq.num || part.seqLen !== parsed.seq.len) return false;
      this.type ??= parsed.type;
      return this.fountain.receive(part);
    } catch {
      return false;
    }
  }
}

function parseUr(text: string): { type: string; seq?: { num: number; len: number }; body: string } | undefined {
  const lower = text.trim().toLowerCase();
  if (!lower.startsWith('ur:')) return undefined;
  const path = lower.slice(3).split('/');
  const [type] = path;
  if (!type || !TYPE.test(type)) return undefined;
  if (path.length === 2) return { type, body: path[1]! };
  if (path.length !== 3) return undefined;
  const seq = /^(\d+)-(\d+)$/.exec(path[1]!);
  if (!seq) return undefined;
  return { type, seq: { num: Number(seq[1]), len: Number(seq[2]) }, body: path[2]! };
}

/** Decodes a complete single-part UR (throws on anything else). */
export function decodeSinglePart(text: string): Ur {
  const parsed = parseUr(text);
  if (!parsed || parsed.seq) throw new UrError('not a single-part UR');
  return { type: parsed.type, cbor: decodeBytewords(parsed.body, 'minimal') };
}
