/**
 * The mint's keysets: every keyset it ever had (proofs of inactive ones still swap), the one per unit that signs
 * new outputs, rotation within a unit (the old keyset turns inactive: 12002) and NUT-02 final_expiry (after it,
 * proofs and outputs of the keyset are refused: 12003). Keys are re-derived from the seed at start (keys.ts).
 */
import { ErrorCode, mintError } from './errors';
import { deriveKeyset, type KeysetVersion, type MintKeyset } from './keys';
import type { MintStore } from './store';
import type { Json } from './wire';

export class KeysetBook {
  private readonly all = new Map<string, MintKeyset>();
  /** the keyset each unit signs new outputs with */
  private readonly signing = new Map<string, MintKeyset>();

  constructor(
    private readonly store: MintStore,
    private readonly seed: Uint8Array,
    private readonly version: KeysetVersion,
    private readonly now: () => number,
  ) {
    for (const row of store.keysets()) {
      const keyset = this.load(row.unit, row.version as KeysetVersion, row.generation, row.finalExpiry ?? undefined);
      keyset.active = row.active;
      if (row.active) this.signing.set(row.unit, keyset);
    }
  }

  private load(unit: string, version: KeysetVersion, generation: number, finalExpiry?: number): MintKeyset {
    const keyset = deriveKeyset(this.seed, unit, version, { generation, ...(finalExpiry ? { finalExpiry } : {}) });
    this.all.set(keyset.id, keyset);
    return keyset;
  }

  private record(keyset: MintKeyset): void {
    this.store.addKeyset(keyset.id, keyset.unit, keyset.id.startsWith('00') ? 1 : 2, keyset.generation, keyset.finalExpiry ?? null);
  }

  /** The unit's signing keyset, created (generation 0) when the unit is new. */
  ensureUnit(unit: string, finalExpiry?: number): MintKeyset {
    if (!/^[a-z0-9_]{1,200}$/.test(unit)) throw new Error(`invalid unit ${unit}`);
    let keyset = this.signing.get(unit);
    if (!keyset) {
      keyset = this.load(unit, this.version, 0, finalExpiry);
      this.signing.set(unit, keyset);
      this.record(keyset);
    }
    return keyset;
  }

  rotate(unit: string, finalExpiry?: number): MintKeyset {
    const old = this.signing.get(unit);
    if (!old) throw new Error(`unit ${unit} has no keyset`);
    const generation = Math.max(...[...this.all.values()].filter((k) => k.unit === unit).map((k) => k.generation)) + 1;
    const keyset = this.load(unit, this.version, generation, finalExpiry);
    this.record(keyset);
    this.setActive(old.id, false);
    this.signing.set(unit, keyset);
    return keyset;
  }

  setActive(id: string, active: boolean): void {
    const keyset = this.byId(id);
    keyset.active = active;
    this.store.setKeysetActive(id, active);
    if (!active && this.signing.get(keyset.unit) === keyset) this.signing.delete(keyset.unit);
  }

  active(unit: string): MintKeyset | undefined {
    return this.signing.get(unit);
  }

  activeUnits(): string[] {
    return [...this.signing.keys()];
  }

  hasUnit(unit: string): boolean {
    return [...this.all.values()].some((k) => k.unit === unit);
  }

  byId(id: string): MintKeyset {
    const keyset = this.all.get(id);
    if (!keyset) throw mintError(ErrorCode.KEYSET_UNKNOWN, 'keyset is not known');
    return keyset;
  }

  /** The keyset of an input or output; refused once its final_expiry has passed. */
  live(id: string): MintKeyset {
    const keyset = this.byId(id);
    if (keyset.finalExpiry !== undefined && keyset.finalExpiry <= this.now()) throw mintError(ErrorCode.KEYSET_EXPIRED, 'keyset has expired');
    return keyset;
  }

  keysetsJson(): Json {
    return { keysets: [...this.all.values()].map((k) => ({ id: k.id, unit: k.unit, active: k.active, input_fee_ppk: k.inputFeePpk, final_expiry: k.finalExpiry ?? null })) };
  }

  keysJson(id?: string): Json {
    const list = id === undefined ? [...this.all.values()].filter((k) => k.active) : [this.byId(id)];
    return {
      keysets: list.map((k) => ({ id: k.id, unit: k.unit, active: k.active, input_fee_ppk: k.inputFeePpk, final_expiry: k.finalExpiry ?? null, keys: k.keys })),
    };
  }
}
