/**
 * Fresh byte arrays handed out back to back from large ArrayBuffers, for the frames the transport seals and opens.
 * Native ChaCha20-Poly1305 (libsodium through sodium-native) reads its arguments through napi, and a small typed
 * array that V8 keeps inside its own heap must first have its bytes moved to a backing store of their own: a malloc
 * for every frame. Slices of one large ArrayBuffer live outside the heap from the start, and two frames taken one
 * after the other lie side by side, so a turn's frames go to the socket as one slice without being copied.
 * No byte is handed out twice: a slice stays valid while anyone holds it, and a slab is freed with its last slice.
 */
export class ByteSlab {
  private slab: Uint8Array | undefined;
  private used = 0;

  constructor(private readonly slabBytes: number) {}

  /** `length` zeroed bytes no one else has; longer than a slab, an array of its own. */
  take(length: number): Uint8Array {
    if (length > this.slabBytes) return new Uint8Array(new ArrayBuffer(length));
    if (!this.slab || this.used + length > this.slab.length) {
      this.slab = new Uint8Array(new ArrayBuffer(this.slabBytes));
      this.used = 0;
    }
    const bytes = this.slab.subarray(this.used, this.used + length);
    this.used += length;
    return bytes;
  }
}

/** `frames` as one array: a view spanning them when each starts where the one before ends in one buffer, else a copy. */
export function joinBytes(frames: readonly Uint8Array[]): Uint8Array {
  const first = frames[0];
  if (!first || frames.length === 1) return first ?? new Uint8Array(0);
  let total = 0;
  let adjacent = true;
  for (const frame of frames) {
    adjacent &&= frame.buffer === first.buffer && frame.byteOffset === first.byteOffset + total;
    total += frame.length;
  }
  if (adjacent) return new Uint8Array(first.buffer, first.byteOffset, total);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const frame of frames) {
    joined.set(frame, at);
    at += frame.length;
  }
  return joined;
}
