/**
 * Noise CipherState and the encrypted Sv2 transport (spec 04 §4.6, SRI codec-sv2): the 6-byte header is sealed alone
 * (22 bytes), then the payload in chunks of at most 65519 plaintext bytes, each under the next nonce of the
 * direction's running counter. AEAD is IETF ChaCha20-Poly1305 with nonce = 4 zero bytes || u64 LE counter.
 */
import { type Aead, currentAead } from './aead';
import { ByteSlab } from './byte-slab';
import { Sv2TransportError } from './errors';
import { FRAME_HEADER_SIZE, MAX_FRAME_PAYLOAD, decodeFrameHeader, type Sv2FrameHeader, writeFrameHeader } from './frame';
import type { Sv2EncodedMessage } from './messages';

export const MAC_SIZE = 16;
export const ENCRYPTED_HEADER_SIZE = FRAME_HEADER_SIZE + MAC_SIZE;
export const MAX_CIPHERTEXT_CHUNK = 65535;
export const MAX_PLAINTEXT_CHUNK = MAX_CIPHERTEXT_CHUNK - MAC_SIZE;
/** Default cap on a received payload. Sv2 allows 16 MiB, but no mining message needs more than ~140 KiB. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

const EMPTY = new Uint8Array(0);
const TWO_32 = 2 ** 32;

/** Ciphertext length of a payload of `length` plaintext bytes (SRI Header::encrypted_len). */
export function encryptedPayloadLength(length: number): number {
  return length + Math.ceil(length / MAX_PLAINTEXT_CHUNK) * MAC_SIZE;
}

/** Bytes on the wire for a frame with a payload of `length` plaintext bytes. */
export function sealedFrameLength(length: number): number {
  return ENCRYPTED_HEADER_SIZE + encryptedPayloadLength(length);
}

/**
 * Where opened payloads (and frames that arrived in pieces) are put: memory outside V8's heap, so native AEAD reads
 * and writes it without first moving it (byte-slab.ts). Shared by every stream in the process: nothing is reused.
 */
const received = new ByteSlab(64 * 1024);

export class CipherState {
  private counter = 0;
  private readonly nonceBytes = new Uint8Array(12);
  private readonly nonceView = new DataView(this.nonceBytes.buffer);

  /** `aead` defaults to the implementation installed when the state is made (see aead.ts). */
  constructor(
    private readonly key: Uint8Array,
    private readonly aead: Aead = currentAead(),
  ) {
    if (key.length !== 32) throw new RangeError('a ChaCha20-Poly1305 key is 32 bytes');
  }

  /** How many AEAD operations this state has done; the next nonce. */
  get nonce(): number {
    return this.counter;
  }

  private nextNonce(): Uint8Array {
    // u64 in theory; 2^53 messages is out of reach, but never wrap silently.
    if (this.counter >= Number.MAX_SAFE_INTEGER) throw new Sv2TransportError('nonce-exhausted', 'nonce counter exhausted: reconnect');
    this.nonceView.setUint32(4, this.counter % TWO_32, true);
    this.nonceView.setUint32(8, Math.floor(this.counter / TWO_32), true);
    return this.nonceBytes;
  }

  encrypt(plaintext: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
    const out = new Uint8Array(plaintext.length + MAC_SIZE);
    this.encryptInto(plaintext, out, ad);
    return out;
  }

  /** Seals into `out` (plaintext.length + 16 bytes); `plaintext` may be `out`'s own first bytes. */
  encryptInto(plaintext: Uint8Array, out: Uint8Array, ad: Uint8Array = EMPTY): void {
    this.aead.seal(this.key, this.nextNonce(), ad, plaintext, out);
    this.counter++;
  }

  decrypt(ciphertext: Uint8Array, ad: Uint8Array = EMPTY): Uint8Array {
    const out = new Uint8Array(Math.max(0, ciphertext.length - MAC_SIZE));
    this.decryptInto(ciphertext, out, ad);
    return out;
  }

  /**
   * Opens into `out` (ciphertext.length - 16 bytes). Throws Sv2TransportError('decrypt-failed') and leaves the
   * counter unchanged on a bad tag.
   */
  decryptInto(ciphertext: Uint8Array, out: Uint8Array, ad: Uint8Array = EMPTY): void {
    if (ciphertext.length < MAC_SIZE || !this.aead.open(this.key, this.nextNonce(), ad, ciphertext, out)) {
      throw new Sv2TransportError('decrypt-failed', 'authentication failed: ciphertext tampered or keys differ');
    }
    this.counter++;
  }
}

/** Seals whole frames for one direction. */
export class Sv2FrameEncryptor {
  constructor(private readonly cipher: CipherState) {}

  encryptFrame(message: Sv2EncodedMessage): Uint8Array {
    const frame = new Uint8Array(sealedFrameLength(message.payload.length));
    this.sealFrame(message, frame);
    return frame;
  }

  /**
   * Seals the frame into `out` (sealedFrameLength(payload length) bytes): header and payload are copied into it and
   * sealed in place, so native AEAD reads and writes nothing but `out`.
   */
  sealFrame(message: Sv2EncodedMessage, out: Uint8Array): void {
    const { payload } = message;
    if (payload.length > MAX_FRAME_PAYLOAD) throw new RangeError(`payload of ${payload.length} bytes exceeds the U24 frame limit`);
    writeFrameHeader({ extensionType: message.extensionType, msgType: message.msgType, length: payload.length }, out);
    const header = out.subarray(0, FRAME_HEADER_SIZE);
    this.cipher.encryptInto(header, out.subarray(0, ENCRYPTED_HEADER_SIZE));
    let at = ENCRYPTED_HEADER_SIZE;
    for (let start = 0; start < payload.length; start += MAX_PLAINTEXT_CHUNK) {
      const length = Math.min(MAX_PLAINTEXT_CHUNK, payload.length - start);
      out.set(length === payload.length ? payload : payload.subarray(start, start + length), at);
      this.cipher.encryptInto(out.subarray(at, at + length), out.subarray(at, at + length + MAC_SIZE));
      at += length + MAC_SIZE;
    }
  }
}

/** Bytes received but not yet consumed, kept as the chunks they arrived in; copied once when a unit is complete. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  /** how much of the first chunk is consumed */
  private offset = 0;
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    // kept as a plain Uint8Array: a subclass's subarray is its own (Node's Buffer reads `.buffer`, a call into C++,
    // and runs a class constructor for each), V8's own is a builtin
    this.chunks.push(chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    this.length += chunk.length;
  }

  take(n: number): Uint8Array {
    if (n === 0) return EMPTY;
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) {
      const out = first.subarray(this.offset, this.offset + n);
      this.consumed(first, n);
      return out;
    }
    const out = received.take(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const used = Math.min(chunk.length - this.offset, n - filled);
      out.set(chunk.subarray(this.offset, this.offset + used), filled);
      filled += used;
      this.consumed(chunk, used);
    }
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.offset = 0;
    this.length = 0;
  }

  private consumed(first: Uint8Array, n: number): void {
    this.length -= n;
    this.offset += n;
    if (this.offset === first.length) {
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

export interface FrameDecryptorOptions {
  /** frames announcing a longer plaintext payload end the stream with 'frame-too-large' */
  maxPayloadBytes?: number;
}

/**
 * Opens the other direction's frames from arbitrary stream chunks. Memory stays bounded: a header announcing more
 * than maxPayloadBytes fails before its body is buffered. The first error is final (the nonce stream is lost).
 */
export class Sv2FrameDecryptor {
  private readonly queue = new ByteQueue();
  /** each frame's header, opened and read before the next (outside V8's heap, as `received`) */
  private readonly header = new Uint8Array(new ArrayBuffer(FRAME_HEADER_SIZE));
  private readonly maxPayloadBytes: number;
  private pending: Sv2FrameHeader | undefined;
  private failure: Sv2TransportError | undefined;

  constructor(
    private readonly cipher: CipherState,
    options: FrameDecryptorOptions = {},
  ) {
    this.maxPayloadBytes = Math.min(options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES, MAX_FRAME_PAYLOAD);
  }

  get bufferedBytes(): number {
    return this.queue.length;
  }

  /** Feeds received bytes; returns every frame they complete, in order. */
  push(chunk: Uint8Array): Sv2EncodedMessage[] {
    if (this.failure) throw this.failure;
    this.queue.push(chunk);
    const frames: Sv2EncodedMessage[] = [];
    try {
      for (;;) {
        if (!this.pending) {
          if (this.queue.length < ENCRYPTED_HEADER_SIZE) break;
          this.cipher.decryptInto(this.queue.take(ENCRYPTED_HEADER_SIZE), this.header);
          const header = decodeFrameHeader(this.header);
          if (header.length > this.maxPayloadBytes) {
            throw new Sv2TransportError('frame-too-large', `peer announced a ${header.length}-byte payload, limit is ${this.maxPayloadBytes}`);
          }
          this.pending = header;
        }
        const needed = encryptedPayloadLength(this.pending.length);
        if (this.queue.length < needed) break;
        const payload = this.openPayload(this.queue.take(needed), this.pending.length);
        frames.push({ extensionType: this.pending.extensionType, msgType: this.pending.msgType, payload });
        this.pending = undefined;
      }
    } catch (error) {
      this.failure = error instanceof Sv2TransportError ? error : new Sv2TransportError('decrypt-failed', `undecodable frame: ${(error as Error).message}`);
      this.queue.clear();
      throw this.failure;
    }
    return frames;
  }

  /** Call when the stream ends: a partly received frame is an error. */
  end(): void {
    if (this.failure) return;
    if (this.pending || this.queue.length > 0) {
      const missing = this.pending ? 'frame payload' : 'frame header';
      this.queue.clear();
      this.failure = new Sv2TransportError('truncated', `stream ended inside a ${missing}`);
      throw this.failure;
    }
  }

  private openPayload(ciphertext: Uint8Array, length: number): Uint8Array {
    if (length === 0) return EMPTY;
    const payload = received.take(length);
    if (ciphertext.length <= MAX_CIPHERTEXT_CHUNK) {
      this.cipher.decryptInto(ciphertext, payload);
      return payload;
    }
    let at = 0;
    for (let start = 0; start < ciphertext.length; start += MAX_CIPHERTEXT_CHUNK) {
      const chunk = ciphertext.subarray(start, start + MAX_CIPHERTEXT_CHUNK);
      this.cipher.decryptInto(chunk, payload.subarray(at, at + chunk.length - MAC_SIZE));
      at += chunk.length - MAC_SIZE;
    }
    return payload;
  }
}
