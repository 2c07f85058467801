/**
 * What the relays hold, as this machine last read it: live token events, the newest wallet event (17375)
 * and NUT-27 mint list (30078), every mint any of them ever named, and the ids known deleted.
 *
 * Other machines on the same seed publish to the same relays, so the picture is read again before every
 * flush that publishes (read before write). The first read takes the kind-5 deletions too; later ones skip
 * them (they only grow) and rely on the ids already known, `del` in rolled-over events and the relays
 * applying deletions themselves.
 */
import type { SignedEvent } from './nip60';
import type { RelayPool } from './pool';
import { type Ciphers, loadBackup, newer, type TokenRecord } from './state';
import type { BackupKeys } from './keys';

export class RelayMirror {
  /** live token events by id */
  tokens = new Map<string, TokenRecord>();
  /** the newest wallet event and mint list on any relay (or the ones this machine just published) */
  wallet: { event: SignedEvent; mints: string } | null = null;
  mintList: { event: SignedEvent; mints: string } | null = null;
  /** every mint any wallet event, mint list or token event ever named */
  readonly mints = new Set<string>();
  /** false while some relay could not be read: what it holds is unknown, so replaceable events wait */
  complete = false;
  /** when the last read finished (ms); 0 = never */
  readAt = 0;
  private readonly deleted = new Set<string>();
  private readDeletions = false;

  constructor(
    private readonly pool: RelayPool,
    private readonly keys: () => { keys: BackupKeys; ciphers: Ciphers },
  ) {}

  /** Relays changed or a restore ran: the next read starts from scratch, deletions included. */
  invalidate(): void {
    this.readAt = 0;
    this.readDeletions = false;
  }

  /** Reads every relay; throws when none answered (then nothing may be published on the old picture). */
  async read(): Promise<void> {
    const { keys, ciphers } = this.keys();
    const loaded = await loadBackup(this.pool, keys, ciphers, { deletions: !this.readDeletions, deleted: this.deleted });
    const relays = this.pool.urls();
    const failed = Object.keys(loaded.failedRelays);
    if (relays.length > 0 && failed.length === relays.length) throw new Error(`no relay answered: ${Object.values(loaded.failedRelays)[0]}`);
    for (const id of loaded.deleted) this.deleted.add(id);
    this.tokens = loaded.tokens;
    for (const mint of loaded.mints) this.mints.add(mint);
    if (loaded.wallet && (!this.wallet || newer(loaded.wallet.event, this.wallet.event))) this.wallet = { event: loaded.wallet.event, mints: mintsKey(loaded.wallet.content.mints) };
    if (loaded.mintList && (!this.mintList || newer(loaded.mintList.event, this.mintList.event))) this.mintList = { event: loaded.mintList.event, mints: mintsKey(loaded.mintList.mints) };
    this.complete = failed.length === 0;
    this.readDeletions = true;
    this.readAt = Date.now();
  }

  tokensOf(mint: string, unit: string): TokenRecord[] {
    return [...this.tokens.values()].filter((t) => t.mint === mint && t.unit === unit);
  }

  /** A token event this machine published. */
  addToken(record: TokenRecord): void {
    this.tokens.set(record.event.id, record);
    this.mints.add(record.mint);
  }

  /** Token events this machine deleted. */
  deleteTokens(ids: string[]): void {
    for (const id of ids) {
      this.deleted.add(id);
      this.tokens.delete(id);
    }
  }

  setWallet(event: SignedEvent, mints: string[]): void {
    this.wallet = { event, mints: mintsKey(mints) };
  }

  setMintList(event: SignedEvent, mints: string[]): void {
    this.mintList = { event, mints: mintsKey(mints) };
  }

  /** Events the relays should hold now, for the read-back audit. */
  live(): SignedEvent[] {
    const live = [...this.tokens.values()].map((t) => t.event);
    if (this.wallet) live.push(this.wallet.event);
    if (this.mintList) live.push(this.mintList.event);
    return live;
  }
}

/** One canonical string per set of mints, to compare sets. */
export function mintsKey(mints: Iterable<string>): string {
  return [...new Set(mints)].sort().join('\n');
}
