/**
 * The fountain code of BCR-2020-005: a message cut into equal fragments; the first seqLen parts carry them in
 * order, every later part XORs a pseudo-random subset (Luby transform), so a reader can join at any frame and
 * still finish. Encoder and decoder agree on each part's subset through Xoshiro256 seeded with seqNum || checksum.
 */
import { crc32, uint32BE } from './bytewords';
import { CborError, CborReader, encodeArrayHeader, encodeBytes, encodeUnsigned } from './cbor';
import { Xoshiro256 } from './xoshiro';

/** The smallest fragment count whose fragments fit in maxLen (fragments never shorter than minLen unless the message is). */
export function fragmentLength(messageLen: number, minLen: number, maxLen: number): number {
  const maxCount = Math.max(1, Math.floor(messageLen / minLen));
  let length = messageLen;
  for (let count = 1; count <= maxCount; count++) {
    length = Math.ceil(messageLen / count);
    if (length <= maxLen) break;
  }
  return length;
}

/** Equal fragments; the last is padded with zeros. */
export function partition(message: Uint8Array, length: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < message.length; at += length) {
    const fragment = new Uint8Array(length);
    fragment.set(message.subarray(at, at + length));
    out.push(fragment);
  }
  return out;
}

/**
 * Walker-Vose alias sampling of a probability mass function, built in the exact order BCR-2020-005's reference
 * uses (indexes scanned from the last), because the degree each part gets depends on it.
 */
export class AliasSampler {
  private readonly probs: number[];
  private readonly aliases: number[];

  constructor(weights: number[]) {
    const n = weights.length;
    const sum = weights.reduce((a, b) => a + b, 0);
    if (!(sum > 0) || weights.some((w) => w < 0)) throw new RangeError('weights must be non-negative with a positive sum');
    const scaled = weights.map((w) => (w * n) / sum);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = n - 1; i >= 0; i--) (scaled[i]! < 1 ? small : large).push(i);
    this.probs = new Array<number>(n).fill(0);
    this.aliases = new Array<number>(n).fill(0);
    while (small.length > 0 && large.length > 0) {
      const less = small.pop()!;
      const more = large.pop()!;
      this.probs[less] = scaled[less]!;
      this.aliases[less] = more;
      scaled[more] = scaled[more]! + scaled[less]! - 1;
      (scaled[more]! < 1 ? small : large).push(more);
    }
    // what is left is 1 (or, by rounding, just below it)
    for (const i of [...large, ...small]) this.probs[i] = 1;
  }

  next(random: () => number): number {
    const r1 = random();
    const r2 = random();
    const i = Math.floor(this.probs.length * r1);
    return r2 < this.probs[i]! ? i : this.aliases[i]!;
  }
}

/** How many fragments a mixed part XORs: 1..seqLen, weighted 1/k. */
export function chooseDegree(seqLen: number, rng: Xoshiro256): number {
  const sampler = new AliasSampler(Array.from({ length: seqLen }, (_, i) => 1 / (i + 1)));
  return sampler.next(() => rng.nextDouble()) + 1;
}

/** Fisher-Yates as the reference draws it: take a random remaining item, one at a time. */
export function shuffled<T>(items: readonly T[], rng: Xoshiro256): T[] {
  const remaining = [...items];
  const out: T[] = [];
  while (remaining.length > 0) out.push(remaining.splice(rng.nextInt(0, remaining.length - 1), 1)[0]!);
  return out;
}

/** The fragment indexes part `seqNum` carries (the first seqLen parts are the fragments themselves). */
export function chooseFragments(seqNum: number, seqLen: number, checksum: number): number[] {
  if (seqNum <= seqLen) return [seqNum - 1];
  const seed = new Uint8Array(8);
  seed.set(uint32BE(seqNum));
  seed.set(uint32BE(checksum), 4);
  const rng = new Xoshiro256(seed);
  const degree = chooseDegree(seqLen, rng);
  return shuffled(
    Array.from({ length: seqLen }, (_, i) => i),
    rng,
  ).slice(0, degree);
}

export function xorInto(target: Uint8Array, source: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= source[i]!;
}

export interface FountainPart {
  seqNum: number;
  seqLen: number;
  messageLen: number;
  checksum: number;
  data: Uint8Array;
}

export function encodePart(part: FountainPart): Uint8Array {
  const headerItems = [...encodeArrayHeader(5), ...encodeUnsigned(part.seqNum), ...encodeUnsigned(part.seqLen), ...encodeUnsigned(part.messageLen), ...encodeUnsigned(part.checksum)];
  const data = encodeBytes(part.data);
  const out = new Uint8Array(headerItems.length + data.length);
  out.set(headerItems);
  out.set(data, headerItems.length);
  return out;
}

export function decodePart(cbor: Uint8Array): FountainPart {
  const reader = new CborReader(cbor);
  if (reader.arrayHeader() !== 5) throw new CborError('a fountain part is an array of 5 items');
  const part = { seqNum: reader.unsigned(), seqLen: reader.unsigned(), messageLen: reader.unsigned(), checksum: reader.unsigned(), data: reader.bytes_() };
  if (!reader.done) throw new CborError('bytes after the fountain part');
  if (part.seqNum < 1 || part.seqLen < 1 || part.messageLen < 1 || part.data.length < 1) throw new CborError('a fountain part with an empty field');
  return part;
}

export class FountainEncoder {
  readonly seqLen: number;
  readonly checksum: number;
  private readonly fragments: Uint8Array[];
  private seqNum: number;

  constructor(
    private readonly message: Uint8Array,
    maxFragmentLen: number,
    firstSeqNum = 0,
    minFragmentLen = 10,
  ) {
    if (message.length === 0) throw new RangeError('nothing to encode');
    this.checksum = crc32(message);
    this.fragments = partition(message, fragmentLength(message.length, minFragmentLen, maxFragmentLen));
    this.seqLen = this.fragments.length;
    this.seqNum = firstSeqNum;
  }

  /** true once every fragment went out at least once in order */
  get complete(): boolean {
    return this.seqNum >= this.seqLen;
  }

  nextPart(): FountainPart {
    this.seqNum = (this.seqNum + 1) >>> 0;
    const data = new Uint8Array(this.fragments[0]!.length);
    for (const index of chooseFragments(this.seqNum, this.seqLen, this.checksum)) xorInto(data, this.fragments[index]!);
    return { seqNum: this.seqNum, seqLen: this.seqLen, messageLen: this.message.length, checksum: this.checksum, data };
  }
}

interface Mixed {
  indexes: Set<number>;
  data: Uint8Array;
}

/**
 * Reassembles a message from parts in any order, duplicates and foreign parts included: each known fragment is
 * XORed out of the mixed parts that contain it; a mixed part left with one index is a new fragment.
 */
export class FountainDecoder {
  private expected: { seqLen: number; messageLen: number; checksum: number; fragmentLen: number } | undefined;
  private readonly known = new Map<number, Uint8Array>();
  private mixed: Mixed[] = [];
  private result: Uint8Array | undefined;
  private failure: string | undefined;
  /** parts accepted so far (for progress) */
  received = 0;

  get done(): boolean {
    return this.result !== undefined || this.failure !== undefined;
  }

  get message(): Uint8Array | undefined {
    return this.result;
  }

  get error(): string | undefined {
    return this.failure;
  }

  /** fragments recovered / fragments in the message */
  get progress(): number {
    return this.expected ? this.known.size / this.expected.seqLen : 0;
  }

  /** Returns false for a part that does not belong to the message being read (or arrives after the end). */
  receive(part: FountainPart): boolean {
    if (this.done) return false;
    if (!this.expected) {
      this.expected = { seqLen: part.seqLen, messageLen: part.messageLen, checksum: part.checksum, fragmentLen: part.data.length };
    } else if (part.seqLen !== this.expected.seqLen || part.messageLen !== this.expected.messageLen || part.checksum !== this.expected.checksum || part.data.length !== this.expected.fragmentLen) {
      return false;
    }
    this.received++;
    const indexes = chooseFragments(part.seqNum, part.seqLen, part.checksum);
    this.add({ indexes: new Set(indexes), data: Uint8Array.from(part.data) });
    return true;
  }

  private add(first: Mixed): void {
    const queue = [first];
    while (queue.length > 0 && !this.done) {
      const item = queue.shift()!;
      for (const [index, fragment] of this.known) {
        if (item.indexes.has(index) && item.indexes.size > 1) {
          item.indexes.delete(index);
          xorInto(item.data, fragment);
        }
      }
      if (item.indexes.size !== 1) {
        if (item.indexes.size > 1 && !this.mixed.some((m) => sameSet(m.indexes, item.indexes))) this.mixed.push(item);
        continue;
      }
      const [index] = item.indexes as Set<number> & { size: 1 };
      if (this.known.has(index!)) continue;
      this.known.set(index!, item.data);
      if (this.known.size === this.expected!.seqLen) {
        this.finish();
        return;
      }
      // a new fragment: reduce every mixed part that holds it; those left with one index join the queue
      const still: Mixed[] = [];
      for (const m of this.mixed) {
        if (!m.indexes.has(index!)) still.push(m);
        else {
          m.indexes.delete(index!);
          xorInto(m.data, item.data);
          (m.indexes.size === 1 ? queue : still).push(m);
        }
      }
      this.mixed = still;
    }
  }

  private finish(): void {
    const { seqLen, messageLen, checksum, fragmentLen } = this.expected!;
    const joined = new Uint8Array(seqLen * fragmentLen);
    for (let i = 0; i < seqLen; i++) joined.set(this.known.get(i)!, i * fragmentLen);
    const message = joined.slice(0, messageLen);
    if (crc32(message) === checksum) this.result = message;
    else this.failure = 'the reassembled message does not match its checksum';
  }
}

function sameSet(a: Set<number>, b: Set<number>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}
