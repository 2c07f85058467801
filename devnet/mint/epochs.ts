/**
 * Mining epochs as hashpool's mint models them (vnprc/hashpool agent/epoch-mechanics, docs/EPOCH_DESIGN.md and
 * roles/mint/src/lib/epoch): an epoch is the time between two block rewards reaching the mint; each has its own
 * unit `hash_<pool pubkey hex>_<height>` (suffix `_1`, `_2`, ... when the name is taken: a second epoch at the same
 * height) and its own keyset. A reward opens the next epoch provisionally: new quotes are stamped with its unit
 * at once but created UNPAID, and paid in bulk once the boundary block has D confirmations (final). If the
 * boundary is orphaned first, the epoch dissolves: its quotes (never paid, never minted) are re-stamped to the
 * previous epoch's unit and paid, and the previous epoch is current again. Genesis and manual epochs open final.
 * Records persist in the mint's meta table (hashpool: epochs.json).
 */
import type { MintStore } from './store';

export interface EpochRecord {
  unit: string;
  poolPubkey: string;
  height: number;
  state: 'provisional' | 'final' | 'dissolved';
  /** confirmations of the boundary block seen so far */
  confirmations: number;
  keysetId: string;
}

/** What the epoch book needs from the mint. */
export interface EpochHost {
  unitExists(unit: string): boolean;
  /** creates the unit's keyset and makes it the unit of new quotes */
  openUnit(unit: string, finalExpiry?: number): { keysetId: string };
  /** makes an existing unit the unit of new quotes again */
  resumeUnit(unit: string): void;
  /** pays every UNPAID quote of the unit; returns how many */
  payUnit(unit: string): number;
  deactivateKeyset(keysetId: string): void;
  signaturesOfKeyset(keysetId: string): number;
  now(): number;
}

/** hashpool's epoch/naming.rs: `hash_<pool>_<height>`, `_<suffix>` from the first collision on. */
export function epochUnitName(poolPubkey: string, height: number, suffix: number): string {
  return suffix === 0 ? `hash_${poolPubkey}_${height}` : `hash_${poolPubkey}_${height}_${suffix}`;
}

const META_KEY = 'epochs';
/** hashpool retries this many names before giving up on a height */
const MAX_NAME_ATTEMPTS = 32;

export class EpochBook {
  private records: EpochRecord[];

  constructor(
    private readonly store: MintStore,
    private readonly host: EpochHost,
  ) {
    this.records = JSON.parse(store.getMeta(META_KEY) ?? '[]') as EpochRecord[];
  }

  /** The epoch new quotes belong to (the last one not dissolved). */
  current(): EpochRecord | undefined {
    return this.records.findLast((r) => r.state !== 'dissolved');
  }

  all(): readonly EpochRecord[] {
    return this.records;
  }

  /** True while the current epoch's boundary is unconfirmed: new quotes are created unpaid. */
  holdsQuotes(): boolean {
    return this.current()?.state === 'provisional';
  }

  /** A reward at `height` (or the manual lever): closes the current epoch and opens the next. */
  open(poolPubkey: string, height: number, options: { provisional?: boolean; finalExpiry?: number } = {}): EpochRecord {
    if (!/^[0-9a-f]{2,66}$/.test(poolPubkey)) throw new Error('invalid pool pubkey');
    if (!Number.isSafeInteger(height) || height < 0) throw new Error('invalid height');
    if (this.current()?.state === 'provisional') throw new Error('the current epoch is still provisional: confirm or reorg it first');
    let suffix = this.records.filter((r) => r.height === height && r.poolPubkey === poolPubkey).length;
    for (let attempt = 0; ; attempt++) {
      if (attempt >= MAX_NAME_ATTEMPTS) throw new Error(`no usable unit name for height ${height}`);
      const unit = epochUnitName(poolPubkey, height, suffix);
      if (this.records.some((r) => r.unit === unit) || this.host.unitExists(unit)) {
        suffix++;
        continue;
      }
      const { keysetId } = this.host.openUnit(unit, options.finalExpiry);
      const record: EpochRecord = { unit, poolPubkey, height, state: options.provisional ? 'provisional' : 'final', confirmations: 0, keysetId };
      this.records.push(record);
      this.save();
      return record;
    }
  }

  /** `blocks` more confirmations of the current boundary; at `required` the epoch is final and its quotes are paid. */
  confirm(blocks: number, required: number): { epoch?: EpochRecord; paid: number } {
    const current = this.current();
    if (!current || current.state !== 'provisional') return { paid: 0 };
    current.confirmations += blocks;
    let paid = 0;
    if (current.confirmations >= required) {
      current.state = 'final';
      paid = this.host.payUnit(current.unit);
    }
    this.save();
    return { epoch: current, paid };
  }

  /** The boundary block of the provisional epoch was orphaned: dissolve it back into the previous epoch. */
  reorg(restamp: (from: string, to: string) => number): { dissolved: EpochRecord; restamped: number; current: string } {
    const dissolved = this.current();
    if (!dissolved || dissolved.state !== 'provisional') throw new Error('only a provisional epoch can be reorged away');
    // a provisional epoch has signed nothing; anything else would be hashpool's "critical invariant violation"
    if (this.host.signaturesOfKeyset(dissolved.keysetId) > 0) throw new Error(`epoch ${dissolved.unit} issued ecash; refusing to dissolve it`);
    dissolved.state = 'dissolved';
    const previous = this.current();
    if (!previous) throw new Error('no epoch to return to');
    const restamped = restamp(dissolved.unit, previous.unit);
    this.host.deactivateKeyset(dissolved.keysetId);
    this.host.resumeUnit(previous.unit);
    this.save();
    return { dissolved, restamped, current: previous.unit };
  }

  private save(): void {
    this.store.setMeta(META_KEY, JSON.stringify(this.records));
  }
}
