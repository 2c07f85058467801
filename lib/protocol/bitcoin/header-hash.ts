/**
 * The proof-of-work hash of an 80-byte block header, and the hash of a merkle tree node, SHA-256 applied twice (FIPS
 * 180-4), written into the caller's 32 bytes with nothing allocated: the message's padded blocks, then the one block of
 * the first digest. The proxy hashes every share a miner submits. node:crypto's one-shot digest, called twice, returns
 * a new Buffer each time; measured side by side on one machine it took 2.5-3x as long as this, warm or with cold caches
 * (as when a thousand miners' sessions run between two shares of one).
 */

const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const INITIAL = Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
/** the padding's first word (a 1 bit) and the message lengths in bits: an 80-byte header, a 32-byte digest */
const PAD = 0x80000000 | 0;
const HEADER_BITS = 80 * 8;
const DIGEST_BITS = 32 * 8;
const NODE_BITS = 64 * 8;

// one thread runs this at a time: the schedule and the state are reused across calls
const schedule = new Int32Array(64);
const state = new Int32Array(8);

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));

// Eight words are copied, and the padding zeroed, in loops: TypedArray set and fill are calls out of compiled code
// (fill into C++), which cost a header hash 5-8% more in time (2026-12-07, Node 20, one process timing both in turns).
function startState(): void {
  for (let i = 0; i < 8; i++) state[i] = INITIAL[i]!;
}

/** One compression of `schedule` (its first 16 words loaded) into `state`. */
function compress(): void {
  const w = schedule;
  for (let i = 16; i < 64; i++) {
    const a = w[i - 15]!;
    const b = w[i - 2]!;
    w[i] = (w[i - 16]! + (rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) + w[i - 7]! + (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10))) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

function word(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
}

/** The last block of a message: its final `words` words are already in the schedule, then padding and `bits`. */
function finalBlock(words: number, bits: number): void {
  schedule[words] = PAD;
  for (let i = words + 1; i < 15; i++) schedule[i] = 0;
  schedule[15] = bits;
  compress();
}

/** sha256(sha256(header)) of an 80-byte header into `out` (32 bytes, the raw order targets are compared in); returns `out`. */
export function headerHash(header: Uint8Array, out: Uint8Array): Uint8Array {
  if (header.length !== 80) throw new RangeError(`a block header is 80 bytes, not ${header.length}`);
  startState();
  for (let i = 0; i < 16; i++) schedule[i] = word(header, i * 4);
  compress();
  for (let i = 0; i < 4; i++) schedule[i] = word(header, 64 + i * 4);
  finalBlock(4, HEADER_BITS);
  return hashAgainInto(out);
}

/**
 * sha256(sha256(left || right)) of a merkle tree node's two 32-byte children, `pair` (64 bytes), into `out`, which may
 * be the first half of `pair`; returns `out`. The proxy hashes a coinbase up a job's merkle branches for each new
 * extranonce2.
 */
export function merkleNodeHash(pair: Uint8Array, out: Uint8Array): Uint8Array {
  if (pair.length !== 64) throw new RangeError(`a merkle node pair is 64 bytes, not ${pair.length}`);
  startState();
  for (let i = 0; i < 16; i++) schedule[i] = word(pair, i * 4);
  compress();
  finalBlock(0, NODE_BITS);
  return hashAgainInto(out);
}

/** The second SHA-256, of the 32-byte digest in `state`, into `out`. */
function hashAgainInto(out: Uint8Array): Uint8Array {
  if (out.length < 32) throw new RangeError('the hash needs 32 bytes');
  for (let i = 0; i < 8; i++) schedule[i] = state[i]!;
  startState();
  finalBlock(8, DIGEST_BITS);
  for (let i = 0; i < 8; i++) {
    const v = state[i]!;
    out[i * 4] = v >>> 24;
    out[i * 4 + 1] = v >>> 16;
    out[i * 4 + 2] = v >>> 8;
    out[i * 4 + 3] = v;
  }
  return out;
}
