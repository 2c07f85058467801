/**
 * Stratum V2 data types (spec 03 §3.1, SRI binary-sv2): little-endian, no padding, explicit length prefixes.
 * Decoders never read past the payload and never allocate more than the payload holds; everything a peer can get
 * wrong is an Sv2DecodeError.
 */
import { Sv2DecodeError, Sv2EncodeError, type Sv2DecodeErrorCode } from './errors';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });
const utf8Encoder = new TextEncoder();

export class Sv2Reader {
  private offset = 0;
  /** made only for the fields plain byte reads cannot give (U64, F32): constructing a DataView is a call into C++ */
  private view: DataView | undefined;
  /** prefixed to error messages ("SetTarget.maximumTarget"), so failures name the field without re-throwing */
  context = '';

  constructor(private readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  private need(n: number, what: string): number {
    if (n > this.remaining) {
      this.fail('truncated', `${what}: needs ${n} bytes, ${this.remaining} left`);
    }
    const at = this.offset;
    this.offset += n;
    return at;
  }

  private dataView(): DataView {
    this.view ??= new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.view;
  }

  u8(what = 'U8'): number {
    return this.bytes[this.need(1, what)]!;
  }

  u16(what = 'U16'): number {
    const at = this.need(2, what);
    return this.bytes[at]! | (this.bytes[at + 1]! << 8);
  }

  u24(what = 'U24'): number {
    const at = this.need(3, what);
    return this.bytes[at]! | (this.bytes[at + 1]! << 8) | (this.bytes[at + 2]! << 16);
  }

  u32(what = 'U32'): number {
    const at = this.need(4, what);
    return (this.bytes[at]! | (this.bytes[at + 1]! << 8) | (this.bytes[at + 2]! << 16) | (this.bytes[at + 3]! << 24)) >>> 0;
  }

  u64(what = 'U64'): bigint {
    return this.dataView().getBigUint64(this.need(8, what), true);
  }

  f32(what = 'F32'): number {
    return this.dataView().getFloat32(this.need(4, what), true);
  }

  /** A copy, so decoded messages never alias a buffer the stream will reuse. */
  bytesCopy(n: number, what: string): Uint8Array {
    const at = this.need(n, what);
    return this.bytes.slice(at, at + n);
  }

  fail(code: Sv2DecodeErrorCode, message: string): never {
    throw new Sv2DecodeError(code, this.context ? `${this.context}: ${message}` : message);
  }

  /** Rejects leftovers: a payload longer than its message is malformed, not extensible. */
  end(what: string): void {
    if (this.remaining !== 0) throw new Sv2DecodeError('trailing-bytes', `${what}: ${this.remaining} unexpected trailing bytes`);
  }
}

export class Sv2Writer {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(initialCapacity = 64) {
    this.buffer = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buffer.buffer);
  }

  private reserve(n: number): number {
    const needed = this.length + n;
    if (needed > this.buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    const at = this.length;
    this.length = needed;
    return at;
  }

  u8(v: number, what = 'U8'): this {
    const checked = checkUint(v, 0xff, what);
    const at = this.reserve(1);
    this.view.setUint8(at, checked);
    return this;
  }

  u16(v: number, what = 'U16'): this {
    const checked = checkUint(v, 0xffff, what);
    const at = this.reserve(2);
    this.view.setUint16(at, checked, true);
    return this;
  }

  u24(v: number, what = 'U24'): this {
    const checked = checkUint(v, 0xffffff, what);
    const at = this.reserve(3);
    this.view.setUint16(at, checked & 0xffff, true);
    this.view.setUint8(at + 2, checked >>> 16);
    return this;
  }

  u32(v: number, what = 'U32'): this {
    const checked = checkUint(v, 0xffffffff, what);
    const at = this.reserve(4);
    this.view.setUint32(at, checked, true);
    return this;
  }

  u64(v: bigint, what = 'U64'): this {
    if (typeof v !== 'bigint' || v < 0n || v > 0xffffffffffffffffn) throw new Sv2EncodeError('out-of-range', `${what} must be a bigint in 0..2^64-1`);
    const at = this.reserve(8);
    this.view.setBigUint64(at, v, true);
    return this;
  }

  f32(v: number, what = 'F32'): this {
    if (typeof v !== 'number') throw new Sv2EncodeError('out-of-range', `${what} must be a number`);
    const at = this.reserve(4);
    this.view.setFloat32(at, v, true);
    return this;
  }

  bytes(v: Uint8Array): this {
    const at = this.reserve(v.length);
    this.buffer.set(v, at);
    return this;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  /**
   * Copies what was written into `out` at `at`, where finish() would make an array of its own: a frame header is
   * written into the frame this way. A few bytes go one by one; `set` would need a view of them, an allocation too.
   */
  copyInto(out: Uint8Array, at = 0): void {
    if (at + this.length > out.length) throw new RangeError(`${this.length} bytes do not fit at ${at} in ${out.length}`);
    if (this.length > 64) out.set(this.buffer.subarray(0, this.length), at);
    else for (let i = 0; i < this.length; i++) out[at + i] = this.buffer[i]!;
  }

  /** Starts over, keeping the buffer: one writer can serve message after message. */
  reset(): this {
    this.length = 0;
    return this;
  }
}

function checkUint(v: number, max: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new Sv2EncodeError('out-of-range', `${what} must be an integer in 0..${max}`);
  return v;
}

/** One wire type: how to write a value and read it back. */
export interface Sv2Type<T> {
  readonly name: string;
  write(w: Sv2Writer, v: T): void;
  read(r: Sv2Reader): T;
}

export type Sv2TypeValue<C> = C extends Sv2Type<infer T> ? T : never;

export const U8: Sv2Type<number> = { name: 'U8', write: (w, v) => w.u8(v), read: (r) => r.u8() };
export const U16: Sv2Type<number> = { name: 'U16', write: (w, v) => w.u16(v), read: (r) => r.u16() };
export const U24: Sv2Type<number> = { name: 'U24', write: (w, v) => w.u24(v), read: (r) => r.u24() };
export const U32: Sv2Type<number> = { name: 'U32', write: (w, v) => w.u32(v), read: (r) => r.u32() };
export const U64: Sv2Type<bigint> = { name: 'U64', write: (w, v) => w.u64(v), read: (r) => r.u64() };
export const F32: Sv2Type<number> = { name: 'F32', write: (w, v) => w.f32(v), read: (r) => r.f32() };

export const BOOL: Sv2Type<boolean> = {
  name: 'BOOL',
  write: (w, v) => {
    if (typeof v !== 'boolean') throw new Sv2EncodeError('out-of-range', 'BOOL must be a boolean');
    w.u8(v ? 1 : 0);
  },
  read: (r) => {
    const byte = r.u8('BOOL');
    if (byte > 1) r.fail('invalid-bool', `BOOL must be 0 or 1, got ${byte}`);
    return byte === 1;
  },
};

function fixedBytes(name: string, size: number): Sv2Type<Uint8Array> {
  return {
    name,
    write: (w, v) => {
      if (!(v instanceof Uint8Array) || v.length !== size) throw new Sv2EncodeError('wrong-length', `${name} must be ${size} bytes`);
      w.bytes(v);
    },
    read: (r) => r.bytesCopy(size, name),
  };
}

/** 32 raw bytes in wire order (a little-endian integer for targets; internal byte order for hashes). */
export const U256 = fixedBytes('U256', 32);
/** x-only BIP340 public key. */
export const PUBKEY = fixedBytes('PUBKEY', 32);
/** BIP340 signature r || s. */
export const SIGNATURE = fixedBytes('SIGNATURE', 64);

type LengthPrefix = 'u8' | 'u16' | 'u24';

function prefixedBytes(name: string, prefix: LengthPrefix, max: number): Sv2Type<Uint8Array> {
  return {
    name,
    write: (w, v) => {
      if (!(v instanceof Uint8Array)) throw new Sv2EncodeError('out-of-range', `${name} must be a Uint8Array`);
      if (v.length > max) throw new Sv2EncodeError('too-long', `${name} holds at most ${max} bytes, got ${v.length}`);
      w[prefix](v.length, `${name} length`).bytes(v);
    },
    read: (r) => {
      const length = r[prefix](`${name} length`);
      if (length > max) r.fail('too-long', `${name} holds at most ${max} bytes, got length ${length}`);
      return r.bytesCopy(length, name);
    },
  };
}

export const B0_32 = prefixedBytes('B0_32', 'u8', 32);
export const B0_255 = prefixedBytes('B0_255', 'u8', 255);
export const B0_64K = prefixedBytes('B0_64K', 'u16', 0xffff);
export const B0_16M = prefixedBytes('B0_16M', 'u24', 0xffffff);

/** UTF-8 text with a u8 byte-length prefix (not NUL-terminated). */
export const STR0_255: Sv2Type<string> = {
  name: 'STR0_255',
  write: (w, v) => {
    if (typeof v !== 'string') throw new Sv2EncodeError('out-of-range', 'STR0_255 must be a string');
    B0_255.write(w, utf8Encoder.encode(v));
  },
  read: (r) => {
    const raw = B0_255.read(r);
    try {
      return utf8Decoder.decode(raw);
    } catch {
      return r.fail('invalid-utf8', 'STR0_255 is not valid UTF-8');
    }
  },
};

function sequence<T>(name: string, prefix: 'u8' | 'u16', max: number, element: Sv2Type<T>): Sv2Type<T[]> {
  return {
    name: `${name}[${element.name}]`,
    write: (w, v) => {
      if (!Array.isArray(v)) throw new Sv2EncodeError('out-of-range', `${name} must be an array`);
      if (v.length > max) throw new Sv2EncodeError('too-long', `${name} holds at most ${max} elements, got ${v.length}`);
      w[prefix](v.length, `${name} count`);
      for (const item of v) element.write(w, item);
    },
    read: (r) => {
      const count = r[prefix](`${name} count`);
      // Every element is at least one byte, so a count beyond the bytes left is truncated input: fail before looping.
      if (count > r.remaining) r.fail('truncated', `${name}: ${count} elements cannot fit in ${r.remaining} bytes`);
      const items: T[] = [];
      for (let i = 0; i < count; i++) items.push(element.read(r));
      return items;
    },
  };
}

export function SEQ0_255<T>(element: Sv2Type<T>): Sv2Type<T[]> {
  return sequence('SEQ0_255', 'u8', 0xff, element);
}

export function SEQ0_64K<T>(element: Sv2Type<T>): Sv2Type<T[]> {
  return sequence('SEQ0_64K', 'u16', 0xffff, element);
}

/** OPTION[T]: a sequence of zero or one element; absent is `undefined`. */
export function OPTION<T>(element: Sv2Type<T>): Sv2Type<T | undefined> {
  return {
    name: `OPTION[${element.name}]`,
    write: (w, v) => {
      if (v === undefined) {
        w.u8(0);
      } else {
        w.u8(1);
        element.write(w, v);
      }
    },
    read: (r) => {
      const count = r.u8('OPTION count');
      if (count > 1) r.fail('invalid-option', `OPTION holds 0 or 1 element, got ${count}`);
      return count === 1 ? element.read(r) : undefined;
    },
  };
}
