/**
 * Share validation shared by the pool's Sv2 and Sv1 ports: the same jobs, the same checks,
 * the same reasons. A share is the header a miner built from a template, our extranonce prefix
 * and its own extranonce; it is valid when sha256d(header), read little-endian, meets the target.
 */
import { bytesToHex, concatBytes } from '@noble/hashes/utils.js';
import { hashMeetsTarget, merkleRoot, serializeHeader, sha256d } from '../../lib/protocol/bitcoin/work';
import type { BlockTemplate, SyntheticChain } from './chain';

/** Reject reasons, named as SRI's SubmitShares.Error codes (plus the timestamp check every pool makes). */
export type ShareRejectReason =
  'invalid-channel-id' | 'invalid-job-id' | 'stale-share' | 'bad-extranonce-size' | 'version-rolling-not-allowed' | 'invalid-timestamp' | 'difficulty-too-low' | 'duplicate-share';

export interface ShareSubmission {
  jobId: number;
  /** the pool-assigned extranonce prefix of the channel / connection */
  extranoncePrefix: Uint8Array;
  /** the miner's own extranonce bytes */
  extranonce: Uint8Array;
  /** how many bytes the miner's extranonce must have */
  extranonceSize: number;
  /** full block version as it goes into the header */
  version: number;
  /** version bits the miner may change */
  versionMask: number;
  ntime: number;
  nonce: number;
  target: bigint;
}

export type ShareVerdict = { ok: true; template: BlockTemplate; header: Uint8Array; headerHash: Uint8Array } | { ok: false; reason: ShareRejectReason };

/** How far ahead of the pool's clock a miner's ntime may run (Bitcoin's two-hour rule). */
export const MAX_NTIME_AHEAD_SECONDS = 7200;
const KEPT_TEMPLATES = 64;
const MAX_REMEMBERED_SHARES = 1_000_000;
/** An ASIC rolls nonce and version over one extranonce for many shares: their merkle root is the same. */
const KEPT_MERKLE_ROOTS = 4096;

export class ShareBook {
  private readonly templates = new Map<number, BlockTemplate>();
  private readonly seenThisBlock = new Set<string>();
  private readonly merkleRoots = new Map<string, Uint8Array>();
  private currentBlock = 0;

  constructor(private readonly chain: SyntheticChain) {
    this.remember(chain.current);
  }

  /** Registers a template handed to miners; a template of a newer block makes all older ones stale. */
  remember(template: BlockTemplate): void {
    if (template.blockNumber > this.currentBlock) {
      this.currentBlock = template.blockNumber;
      this.seenThisBlock.clear();
      this.merkleRoots.clear();
    }
    this.templates.set(template.id, template);
    if (this.templates.size > KEPT_TEMPLATES) {
      const oldest = this.templates.keys().next().value;
      if (oldest !== undefined) this.templates.delete(oldest);
    }
  }

  template(id: number): BlockTemplate | undefined {
    return this.templates.get(id);
  }

  validate(share: ShareSubmission, nowSeconds: number): ShareVerdict {
    const template = this.templates.get(share.jobId);
    if (!template) return { ok: false, reason: 'invalid-job-id' };
    if (template.blockNumber < this.currentBlock) return { ok: false, reason: 'stale-share' };
    if (share.extranonce.length !== share.extranonceSize) return { ok: false, reason: 'bad-extranonce-size' };
    if (((share.version ^ template.version) & ~share.versionMask) !== 0) return { ok: false, reason: 'version-rolling-not-allowed' };
    if (share.ntime < template.minNtime || share.ntime > nowSeconds + MAX_NTIME_AHEAD_SECONDS) {
      return { ok: false, reason: 'invalid-timestamp' };
    }
    const header = this.header(template, share);
    const headerHash = sha256d(header);
    if (!hashMeetsTarget(headerHash, share.target)) return { ok: false, reason: 'difficulty-too-low' };
    const key = bytesToHex(headerHash);
    if (this.seenThisBlock.has(key)) return { ok: false, reason: 'duplicate-share' };
    // A flood of valid shares at a trivial target must not grow memory without bound.
    if (this.seenThisBlock.size >= MAX_REMEMBERED_SHARES) this.seenThisBlock.clear();
    this.seenThisBlock.add(key);
    return { ok: true, template, header, headerHash };
  }

  private header(template: BlockTemplate, share: ShareSubmission): Uint8Array {
    return serializeHeader({
      version: share.version,
      prevHash: template.prevHash,
      merkleRoot: this.merkleRootFor(template, share.extranoncePrefix, share.extranonce),
      ntime: share.ntime,
      nbits: template.nbits,
      nonce: share.nonce,
    });
  }

  private merkleRootFor(template: BlockTemplate, extranoncePrefix: Uint8Array, extranonce: Uint8Array): Uint8Array {
    const key = `${template.id}:${bytesToHex(extranoncePrefix)}${bytesToHex(extranonce)}`;
    const cached = this.merkleRoots.get(key);
    if (cached) return cached;
    const { prefix, suffix } = this.chain.coinbaseParts(template, extranoncePrefix.length + extranonce.length);
    const root = merkleRoot(sha256d(concatBytes(prefix, extranoncePrefix, extranonce, suffix)), template.merklePath);
    if (this.merkleRoots.size >= KEPT_MERKLE_ROOTS) this.merkleRoots.delete(this.merkleRoots.keys().next().value as string);
    this.merkleRoots.set(key, root);
    return root;
  }
}
