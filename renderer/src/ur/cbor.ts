/** The few CBOR (RFC 8949) items URs need: unsigned integers, byte strings and an array header, encoded minimally. */

export class CborError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CborError';
  }
}

function head(major: number, value: number): number[] {
  const m = major << 5;
  if (value < 24) return [m | value];
  if (value < 0x100) return [m | 24, value];
  if (value < 0x10000) return [m | 25, value >> 8, value & 0xff];
  if (value <= 0xffffffff) return [m | 26, value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  throw new CborError('values above 2^32 - 1 are not used by URs');
}

export function encodeUnsigned(value: number): number[] {
  return head(0, value);
}

export function encodeBytes(bytes: Uint8Array): Uint8Array {
  const h = head(2, bytes.length);
  const out = new Uint8Array(h.length + bytes.length);
  out.set(h);
  out.set(bytes, h.length);
  return out;
}

export function encodeArrayHeader(length: number): number[] {
  return head(4, length);
}

/** Reads CBOR items one after another from a buffer. */
export class CborReader {
  private offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.offset >= this.bytes.length;
  }

  private byte(): number {
    const b = this.bytes[this.offset++];
    if (b === undefined) throw new CborError('CBOR ends early');
    return b;
  }

  private head(expectedMajor: number): number {
    const first = this.byte();
    if (first >> 5 !== expectedMajor) throw new CborError(`expected CBOR major type ${expectedMajor}, got ${first >> 5}`);
    const info = first & 0x1f;
    if (info < 24) return info;
    const size = { 24: 1, 25: 2, 26: 4 }[info];
    if (size === undefined) throw new CborError('CBOR length beyond 32 bits or indefinite');
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.byte();
    return value;
  }

  unsigned(): number {
    return this.head(0);
  }

  bytes_(): Uint8Array {
    const length = this.head(2);
    if (this.offset + length > this.bytes.length) throw new CborError('CBOR byte string ends early');
    const out = this.bytes.slice(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  arrayHeader(): number {
    return this.head(4);
  }
}
