/**
 * A synthetic Bitcoin chain for the devnet pool: block templates that look like mainnet ones
 * (BIP34 height in the coinbase, halving subsidy plus fees, a P2WPKH payout and a witness commitment,
 * a merkle path over synthetic transactions, realistic nbits/ntime), without a node.
 * Pure: the caller decides when a block is found or a template refreshed.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { sha256d } from '../../lib/protocol/bitcoin/work';

/** BIP320 general-purpose bits a miner may roll (what ESP-Miner and SRI assume). */
export const VERSION_ROLLING_MASK = 0x1fffe000;
/** Late-2025 mainnet compact target: shares never find a block by accident. */
export const DEFAULT_NBITS = 0x17023774;
export const BLOCK_VERSION = 0x20000000;
export const MAX_EXTRANONCE_BYTES = 32;

const POOL_TAG = utf8ToBytes('/axewallet-devnet/');
const HALVING_INTERVAL = 210_000;

export interface BlockTemplate {
  /** the Sv2 job id every channel sees for this template (U32, never reused) */
  id: number;
  /** which prevhash this template builds on; templates of older blocks are stale */
  blockNumber: number;
  height: number;
  /** previous block hash, internal byte order */
  prevHash: Uint8Array;
  version: number;
  nbits: number;
  /** block time of the prevhash: the smallest ntime any template of this block accepts */
  minNtime: number;
  /** this template's own ntime (>= minNtime) */
  ntime: number;
  merklePath: Uint8Array[];
  coinbaseValue: bigint;
  /** serialized outputs (count + outputs), shared by every coinbase of the template */
  outputs: Uint8Array;
}

export interface CoinbaseParts {
  /** everything before the extranonce bytes */
  prefix: Uint8Array;
  /** everything after them */
  suffix: Uint8Array;
}

export interface ChainOptions {
  startHeight?: number;
  nbits?: number;
  /** include a segwit witness commitment output (as a real template has) */
  witnessCommitment?: boolean;
  /** synthetic transactions per block besides the coinbase */
  transactionsPerBlock?: number;
  /** deterministic seed for prevhashes and transactions */
  seed?: string;
}

export class SyntheticChain {
  private readonly nbits: number;
  private readonly witnessCommitment: boolean;
  private readonly transactionsPerBlock: number;
  private readonly seed: Uint8Array;
  private readonly coinbaseCache = new Map<string, CoinbaseParts>();
  private nextTemplateId = 1;
  private blockNumber = 0;
  private height: number;
  private prevHash: Uint8Array;
  private blockTime = 0;
  private refreshes = 0;
  private currentTemplate: BlockTemplate;

  constructor(options: ChainOptions = {}, nowSeconds = Math.floor(Date.now() / 1000)) {
    this.nbits = options.nbits ?? DEFAULT_NBITS;
    this.witnessCommitment = options.witnessCommitment ?? true;
    this.transactionsPerBlock = Math.max(0, options.transactionsPerBlock ?? 300);
    this.seed = sha256(utf8ToBytes(options.seed ?? 'axewallet devnet chain'));
    this.height = (options.startHeight ?? 920_000) - 1;
    this.prevHash = this.blockHashFor(this.height);
    this.currentTemplate = this.advanceBlock(nowSeconds);
  }

  get current(): BlockTemplate {
    return this.currentTemplate;
  }

  /** A new block was found: the next template builds on it; every older template becomes stale. */
  advanceBlock(nowSeconds: number): BlockTemplate {
    this.prevHash = this.blockHashFor(this.height);
    this.height += 1;
    this.blockNumber += 1;
    this.blockTime = Math.max(nowSeconds, this.blockTime + 1);
    this.refreshes = 0;
    this.currentTemplate = this.buildTemplate(this.blockTime);
    return this.currentTemplate;
  }

  /** Same prevhash, newer ntime and more transactions (what a node hands out between blocks). */
  refreshTemplate(nowSeconds: number): BlockTemplate {
    this.refreshes += 1;
    this.currentTemplate = this.buildTemplate(Math.max(nowSeconds, this.currentTemplate.ntime));
    return this.currentTemplate;
  }

  /**
   * Coinbase split around `extranonceLength` bytes (pool prefix + miner part), legacy serialization
   * (no witness), as Sv2 coinbase_tx_prefix/suffix and Sv1 coinb1/coinb2 carry it.
   */
  coinbaseParts(template: BlockTemplate, extranonceLength: number): CoinbaseParts {
    if (!Number.isInteger(extranonceLength) || extranonceLength < 1 || extranonceLength > MAX_EXTRANONCE_BYTES) {
      throw new RangeError(`extranonce length must be 1..${MAX_EXTRANONCE_BYTES}`);
    }
    const key = `${template.id}:${extranonceLength}`;
    const cached = this.coinbaseCache.get(key);
    if (cached) return cached;
    const heightPush = scriptNumPush(template.height);
    const tagPush = concatBytes(Uint8Array.of(POOL_TAG.length), POOL_TAG);
    const scriptSigLength = heightPush.length + 1 + extranonceLength + tagPush.length;
    const prefix = concatBytes(
      u32le(1), // tx version
      Uint8Array.of(1), // one input
      new Uint8Array(32), // null outpoint
      u32le(0xffffffff),
      varInt(scriptSigLength),
      heightPush,
      Uint8Array.of(extranonceLength), // push of the extranonce bytes
    );
    const suffix = concatBytes(tagPush, u32le(0xffffffff), template.outputs, u32le(0));
    const parts = { prefix, suffix };
    if (this.coinbaseCache.size > 256) this.coinbaseCache.clear();
    this.coinbaseCache.set(key, parts);
    return parts;
  }

  private buildTemplate(ntime: number): BlockTemplate {
    const txCount = this.transactionsPerBlock + this.refreshes * 7;
    const txids: Uint8Array[] = [];
    let fees = 0n;
    for (let i = 0; i < txCount; i++) {
      const txid = sha256d(concatBytes(this.seed, u32le(this.height), u32le(i)));
      txids.push(txid);
      fees += 200n + BigInt(((txid[0]! << 8) | txid[1]!) * 30);
    }
    const coinbaseValue = subsidy(this.height) + fees;
    const outputs = this.outputsFor(coinbaseValue, txids);
    const id = this.nextTemplateId;
    this.nextTemplateId = this.nextTemplateId >= 0xffffffff ? 1 : this.nextTemplateId + 1;
    return {
      id,
      blockNumber: this.blockNumber,
      height: this.height,
      prevHash: this.prevHash,
      version: BLOCK_VERSION,
      nbits: this.nbits,
      minNtime: this.blockTime,
      ntime,
      merklePath: coinbaseMerklePath(txids),
      coinbaseValue,
      outputs,
    };
  }

  private outputsFor(value: bigint, txids: Uint8Array[]): Uint8Array {
    const payoutScript = concatBytes(Uint8Array.of(0x00, 0x14), sha256(concatBytes(this.seed, utf8ToBytes('payout'))).slice(0, 20));
    const outputs = [concatBytes(u64le(value), varInt(payoutScript.length), payoutScript)];
    if (this.witnessCommitment) {
      // Synthetic wtxids: the commitment only has to have the real shape.
      const commitment = sha256d(concatBytes(...txids, new Uint8Array(32)));
      const script = concatBytes(Uint8Array.of(0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed), commitment);
      outputs.push(concatBytes(u64le(0n), varInt(script.length), script));
    }
    return concatBytes(varInt(outputs.length), ...outputs);
  }

  /** Block hashes with mainnet-like leading zeros in display order. */
  private blockHashFor(height: number): Uint8Array {
    const hash = sha256d(concatBytes(this.seed, utf8ToBytes('block'), u32le(height)));
    hash.fill(0, 23);
    return hash;
  }
}

/** Merkle path for the coinbase (index 0): the sibling at each level, internal byte order. */
export function coinbaseMerklePath(txids: readonly Uint8Array[]): Uint8Array[] {
  const path: Uint8Array[] = [];
  // level[0] stands for the unknown coinbase branch; only its siblings are needed.
  let level: Array<Uint8Array | null> = [null, ...txids];
  while (level.length > 1) {
    path.push(level[1]!);
    const next: Array<Uint8Array | null> = [null];
    for (let i = 2; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1] ?? left;
      next.push(sha256d(concatBytes(left, right)));
    }
    level = next;
  }
  return path;
}

export function subsidy(height: number): bigint {
  const halvings = Math.floor(height / HALVING_INTERVAL);
  return halvings >= 64 ? 0n : (50n * 100_000_000n) >> BigInt(halvings);
}

/** BIP34: the height as a minimal CScriptNum push. */
export function scriptNumPush(value: number): Uint8Array {
  if (value === 0) return Uint8Array.of(0x00);
  const bytes: number[] = [];
  let v = value;
  while (v > 0) {
    bytes.push(v & 0xff);
    v = Math.floor(v / 256);
  }
  if (bytes[bytes.length - 1]! & 0x80) bytes.push(0);
  return Uint8Array.of(bytes.length, ...bytes);
}

function varInt(n: number): Uint8Array {
  if (n < 0xfd) return Uint8Array.of(n);
  if (n <= 0xffff) return Uint8Array.of(0xfd, n & 0xff, n >> 8);
  return concatBytes(Uint8Array.of(0xfe), u32le(n));
}

function u32le(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, true);
  return out;
}

function u64le(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}
