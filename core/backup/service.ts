/**
 * The backup service: keeps the relays' NIP-60 copy of the wallet in step with the wallet.
 *
 * Changes are coalesced: the first change after a quiet spell starts a timer of `delaySeconds`; when it
 * fires, one flush publishes the difference between the wallet and what the relays hold, so the backup
 * trails a send by at most the delay. Income alone (minted shares, consolidation swaps) is published at
 * most every `incomeDelaySeconds`: it is recoverable from the seed anyway, and a miner earning every few
 * seconds would otherwise cost one rollover per delay all day (bench/backup.bench.ts measures bytes/day).
 *
 * A flush, per mint and unit: new proofs go into a new token event; token events holding any proof the
 * wallet no longer has are rolled over (their remaining proofs plus the new ones, with `del`) and then
 * deleted with kind 5 (`k` 7375); one history event records the net change. The wallet event (17375)
 * and the NUT-27 mint list are republished only when the mints change. Quotes the wallet has waited on for a
 * while get a NIP-60 quote event (7374, NIP-40 expiration two weeks out); once minted, it is deleted (`k` 7374).
 */
import type { Logger } from '../log';
import { type BackupKeys, backupKeysFromSeed } from './keys';
import {
  buildHistoryEvent,
  buildMintListEvent,
  buildTokenDeletion,
  buildTokenEvent,
  buildWalletEvent,
  type EventTemplate,
  type Proof,
  type SignedEvent,
} from './nip60';
import { type PoolRelayStatus, RelayPool } from './pool';
import type { BackupSource, ProofGroup, RestoreTarget, SpentChecker } from './port';
import { type RestoreProgress, type RestoreReport, restoreWallet } from './restore';
import { createSigner, type Signer } from './signing';
import { QuoteEvents } from './quote-events';
import { type Ciphers, ciphersFor, groupKey, loadBackup, type TokenRecord } from './state';

/** Proofs per token event: keeps each event well under relays' usual 64-100 KB content limits. */
export const PROOFS_PER_TOKEN_EVENT = 100;
/** Income-only changes are published at most this often (see flush()); bench/backup.bench.ts sizes it. */
export const DEFAULT_INCOME_DELAY_SECONDS = 4 * 3600;

export interface BackupOptions {
  source: BackupSource;
  relays: string[];
  /** the most the backup trails a send or a new mint */
  delaySeconds: number;
  /** the most it trails income only (minted shares, consolidation); default DEFAULT_INCOME_DELAY_SECONDS */
  incomeDelaySeconds?: number;
  logger: Logger;
  /** the user's own nostr secret key instead of the one derived from the mnemonic */
  identityKey?: Uint8Array;
  /** where restored proofs go (the wallet); needed for restore() */
  restoreTarget?: RestoreTarget;
  /** NUT-07 state check; defaults to asking the mint over HTTP */
  checkSpent?: SpentChecker;
  /** persists the relay list after relays are added or removed */
  onRelaysChanged?: (relays: string[]) => void | Promise<void>;
  /** how long a quote waits before it gets a 7374 event (default quote-events.ts QUOTE_EVENT_AFTER_SECONDS) */
  quoteEventAfterSeconds?: number;
  /** relay timeouts and first retry delay (tests shorten them) */
  timeoutMs?: number;
  retryInitialMs?: number;
}

export interface BackupStatus {
  running: boolean;
  /** the nostr public key (hex) the backup is published under; null until started */
  pubkey: string | null;
  delaySeconds: number;
  relays: PoolRelayStatus[];
  /** wallet changes not yet on any relay */
  pendingChanges: number;
  lastBackupAt: string | null;
  /** when the pending changes go out (income waits up to the income delay) */
  nextBackupAt: string | null;
  lastError: string | null;
}

export interface FlushReport {
  /** events made in this flush and how each fared */
  published: Array<{ id: string; kind: number; bytes: number; accepted: string[]; failed: Record<string, string> }>;
}

export interface BackupService {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): BackupStatus;
  setRelays(urls: string[]): Promise<void>;
  /** connects to one relay and asks it for one event; does not change the list */
  testRelay(url: string): Promise<{ ok: boolean; latencyMs: number; error?: string }>;
  /** flushes now instead of waiting for the delay */
  backupNow(): Promise<FlushReport>;
  setDelaySeconds(seconds: number): void;
  restore(onProgress?: (progress: RestoreProgress) => void): Promise<RestoreReport>;
  /** called whenever status() may have changed */
  onStatus(listener: (status: BackupStatus) => void): () => void;
}

export function createBackup(opts: BackupOptions): BackupService {
  return new NostrBackup(opts);
}

class NostrBackup implements BackupService {
  /** derived from the seed on first use, so the service can exist while the wallet is still locked */
  private derived: { keys: BackupKeys; ciphers: Ciphers } | null = null;
  private readonly pool: RelayPool;
  private readonly listeners = new Set<(status: BackupStatus) => void>();
  private signer: Signer | null = null;
  private mintListSigner: Signer | null = null;
  private running = false;
  private synced = false;
  private delayMs: number;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = 0;
  private unsubscribe: (() => void) | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingChanges = 0;
  private lastBackupAt: string | null = null;
  private lastError: string | null = null;
  /** what the relays hold: live token events, and the mints of the last wallet and mint-list events */
  private tokens = new Map<string, TokenRecord>();
  private walletMints: string | null = null;
  private mintListMints: string | null = null;
  private walletEvent: SignedEvent | null = null;
  private mintListEvent: SignedEvent | null = null;
  private lastCreatedAt = 0;
  private lastFlushAt = 0;
  private readonly incomeDelayMs: number;
  private quoteEvents: QuoteEvents | null = null;

  constructor(private readonly opts: BackupOptions) {
    this.delayMs = opts.delaySeconds * 1000;
    this.incomeDelayMs = (opts.incomeDelaySeconds ?? DEFAULT_INCOME_DELAY_SECONDS) * 1000;
    this.pool = new RelayPool({
      logger: opts.logger,
      timeoutMs: opts.timeoutMs,
      retryInitialMs: opts.retryInitialMs,
      signAuth: (template) => this.sign(template),
      onChange: () => this.notify(),
    });
    void this.pool.setRelays(opts.relays);
  }

  status(): BackupStatus {
    return {
      running: this.running,
      pubkey: this.derived?.keys.identity.publicKey ?? null,
      delaySeconds: this.delayMs / 1000,
      relays: this.pool.status(),
      pendingChanges: this.pendingChanges,
      lastBackupAt: this.lastBackupAt,
      nextBackupAt: this.timer ? new Date(this.timerDueAt).toISOString() : null,
      lastError: this.lastError,
    };
  }

  onStatus(listener: (status: BackupStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.connect();
    this.running = true;
    this.unsubscribe = this.opts.source.onChange(() => this.changed());
    // whatever changed while the service was down is one pending change
    this.changed();
    this.notify();
  }

  /** Signers and relay connections; restore needs them without the backup loop running. */
  private async connect(): Promise<void> {
    if (!this.derived) {
      const keys = backupKeysFromSeed(this.opts.source.seed(), this.opts.identityKey, this.opts.source.p2pkKey?.());
      this.derived = { keys, ciphers: ciphersFor(keys) };
    }
    this.signer ??= createSigner(this.derivedKeys.identity.secretKey);
    this.mintListSigner ??= createSigner(this.derivedKeys.mintList.secretKey);
    this.pool.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.unsubscribe = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.queue.catch(() => undefined);
    await this.pool.stop();
    this.notify();
  }

  async setRelays(urls: string[]): Promise<void> {
    const before = new Set(this.pool.urls());
    await this.pool.setRelays(urls);
    if (urls.length !== before.size || urls.some((u) => !before.has(u))) await this.opts.onRelaysChanged?.(urls);
    // a new relay gets the current backup, not only what changes from now on
    if (this.running && urls.some((u) => !before.has(u))) {
      this.synced = false;
      this.changed();
    }
    this.notify();
  }

  setDelaySeconds(seconds: number): void {
    this.delayMs = seconds * 1000;
    this.notify();
  }

  async testRelay(url: string): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
    const started = performance.now();
    try {
      // any harmless question will do; it proves the relay speaks NIP-01
      await this.pool.probe(url, { kinds: [17375], limit: 1 });
      return { ok: true, latencyMs: Math.round(performance.now() - started) };
    } catch (error) {
      return { ok: false, latencyMs: Math.round(performance.now() - started), error: (error as Error).message };
    }
  }

  backupNow(): Promise<FlushReport> {
    if (!this.running) return Promise.reject(new Error('the backup is not running'));
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.enqueue(() => this.flush(true));
  }

  async restore(onProgress?: (progress: RestoreProgress) => void): Promise<RestoreReport> {
    const target = this.opts.restoreTarget;
    if (!target) throw new Error('restore needs a wallet to restore into');
    await this.connect();
    const report = await this.enqueue(() =>
      restoreWallet({ pool: this.pool, keys: this.derivedKeys, ciphers: this.derivedCiphers, target, checkSpent: this.opts.checkSpent, onProgress }),
    );
    // the wallet changed under us: reread the relays before the next flush
    this.synced = false;
    if (this.running) this.changed();
    return report;
  }

  private changed(): void {
    this.pendingChanges++;
    this.schedule(this.delayMs);
    this.notify();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * One flush. Unless `force`d, a flush whose only news is income (proofs added, or swapped without
   * value leaving: minted shares and consolidations) waits until `incomeDelaySeconds` after the last
   * flush: minted ehash is recoverable from the seed (NUT-09 + quote lookup) anyway, and a miner's
   * income would otherwise cost one rollover per delay all day. Sends and new mints go out after `delay`.
   */
  private async flush(force = false): Promise<FlushReport> {
    const report: FlushReport = { published: [] };
    const changesAtStart = this.pendingChanges;
    if (this.pool.urls().length === 0) {
      // nothing to do until a relay is added (setRelays schedules a flush then)
      this.lastError = 'no backup relay configured';
      this.notify();
      return report;
    }
    try {
      if (!this.synced) await this.sync();
      let [groups, mints] = await Promise.all([this.opts.source.unspentProofs(), this.opts.source.mints()]);
      let changed = this.changedGroups(groups);
      if (!force && !this.urgent(changed, mints, groups)) {
        const dueAt = this.lastFlushAt + this.incomeDelayMs;
        if (Date.now() < dueAt) {
          this.schedule(dueAt - Date.now());
          return report;
        }
      }
      if (await this.rescueUnknown(changed)) {
        [groups, mints] = await Promise.all([this.opts.source.unspentProofs(), this.opts.source.mints()]);
        changed = this.changedGroups(groups);
      }
      await this.publishMints(mints, groups, report);
      for (const group of changed) await this.publishGroup(group.mint, group.unit, group.current, report);
      if (this.opts.source.pendingQuotes) {
        this.quoteEvents ??= new QuoteEvents(this.pool, this.derivedKeys.identity.publicKey, this.derivedCiphers.identity, this.opts.quoteEventAfterSeconds);
        await this.quoteEvents.publish(await this.opts.source.pendingQuotes(), (template) => this.sign(template), () => this.nextCreatedAt(), (event) => this.send(event, report));
      }
      const unplaced = report.published.filter((p) => p.accepted.length === 0);
      if (unplaced.length > 0) throw new Error(`no relay accepted ${unplaced.length} event(s): ${Object.values(unplaced[0]!.failed)[0] ?? 'no relays configured'}`);
      // relays that missed events (new, down at the time, or silently dropping) get them again
      await this.pool.audit(this.liveEvents());
      this.pendingChanges = Math.max(0, this.pendingChanges - changesAtStart);
      this.lastFlushAt = Date.now();
      this.lastBackupAt = new Date(this.lastFlushAt).toISOString();
      this.lastError = null;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.opts.logger.warn('backup did not complete; retrying after the delay', { error: error as Error });
      this.schedule(Math.max(this.delayMs, 1000));
      throw error;
    } finally {
      this.notify();
    }
    return report;
  }

  /**
   * Proofs the relays hold and the wallet does not are about to be deleted from the backup as spent.
   * They go through the wallet's import first, which keeps those the mint says are unspent and the
   * wallet does not know (a fresh install whose NUT-09 restore has not reached them, a mint found only
   * on nostr): the backup never deletes the last copy of live ecash. True when anything was added.
   */
  private async rescueUnknown(groups: Array<{ mint: string; unit: string; current: Map<string, Proof> }>): Promise<boolean> {
    const target = this.opts.restoreTarget;
    if (!target) return false;
    let added = 0;
    for (const group of groups) {
      const gone = [...this.tokens.values()]
        .filter((t) => t.mint === group.mint && t.unit === group.unit)
        .flatMap((t) => t.proofs)
        .filter((p) => !group.current.has(p.secret));
      if (gone.length === 0) continue;
      try {
        added += await target.importProofs({ mint: group.mint, unit: group.unit, proofs: uniqueBySecret(gone) });
      } catch (error) {
        throw new Error(`cannot confirm with ${group.mint} that ${gone.length} proof(s) are spent, so their backup stays: ${(error as Error).message}`);
      }
    }
    if (added > 0) this.opts.logger.info('proofs found only in the backup were added to the wallet', { added });
    return added > 0;
  }

  /**
   * True when the relays' copy overstates the wallet (its balance dropped below what they hold: a send),
   * a mint is new, or there is no backup yet. Income and consolidation only leave the relays behind.
   */
  private urgent(changed: Array<{ mint: string; unit: string; current: Map<string, Proof> }>, mints: string[], groups: ProofGroup[]): boolean {
    if (this.lastFlushAt === 0) return true;
    if (mintsKey([...mints, ...groups.map((g) => g.mint)]) !== this.walletMints) return true;
    for (const group of changed) {
      const held = [...this.tokens.values()].filter((t) => t.mint === group.mint && t.unit === group.unit).flatMap((t) => t.proofs);
      const backedUp = sum(uniqueBySecret(held));
      const now = sum([...group.current.values()]);
      if (now < backedUp) return true;
    }
    return false;
  }

  /** Flushes in `ms` unless a flush is already due sooner. */
  private schedule(ms: number): void {
    if (!this.running) return;
    const dueAt = Date.now() + ms;
    if (this.timer && this.timerDueAt <= dueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.enqueue(() => this.flush()).catch(() => undefined);
    }, ms);
    this.timer.unref();
  }

  /** Reads what the relays hold, so a restart or a new machine continues the same event chain. */
  private async sync(): Promise<void> {
    const loaded = await loadBackup(this.pool, this.derivedKeys, this.derivedCiphers);
    if (this.pool.urls().length > 0 && Object.keys(loaded.failedRelays).length === this.pool.urls().length) {
      throw new Error(`no relay answered: ${Object.values(loaded.failedRelays)[0]}`);
    }
    this.tokens = loaded.tokens;
    this.walletMints = loaded.wallet ? mintsKey(loaded.wallet.content.mints) : null;
    this.mintListMints = loaded.mintList ? mintsKey(loaded.mintList.mints) : null;
    this.walletEvent = loaded.wallet?.event ?? null;
    this.mintListEvent = loaded.mintList?.event ?? null;
    this.synced = true;
  }

  private async publishMints(mints: string[], groups: ProofGroup[], report: FlushReport): Promise<void> {
    const all = [...new Set([...mints, ...groups.map((g) => g.mint)])];
    if (all.length === 0) return;
    const key = mintsKey(all);
    if (key !== this.walletMints) {
      const event = this.sign(buildWalletEvent({ privkey: bytesHex(this.derivedKeys.walletKey.secretKey), mints: all }, this.derivedCiphers.identity, this.nextCreatedAt(true)));
      if (await this.send(event, report)) {
        this.walletMints = key;
        this.walletEvent = event;
      }
    }
    if (key !== this.mintListMints) {
      const createdAt = this.nextCreatedAt(true);
      const template = buildMintListEvent({ mints: all, timestamp: createdAt }, this.derivedCiphers.mintList, createdAt);
      const event = this.mintListSigner!(template);
      if (await this.send(event, report)) {
        this.mintListMints = key;
        this.mintListEvent = event;
      }
    }
  }

  private changedGroups(groups: ProofGroup[]): Array<{ mint: string; unit: string; current: Map<string, Proof> }> {
    const byKey = new Map<string, { mint: string; unit: string; current: Map<string, Proof> }>();
    for (const group of groups) {
      const key = groupKey(group.mint, group.unit);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { mint: group.mint, unit: group.unit, current: new Map() }));
      for (const proof of group.proofs) entry.current.set(proof.secret, proof);
    }
    for (const token of this.tokens.values()) {
      const key = groupKey(token.mint, token.unit);
      if (!byKey.has(key)) byKey.set(key, { mint: token.mint, unit: token.unit, current: new Map() });
    }
    return [...byKey.values()];
  }

  private async publishGroup(mint: string, unit: string, current: Map<string, Proof>, report: FlushReport): Promise<void> {
    const records = [...this.tokens.values()].filter((t) => t.mint === mint && t.unit === unit);
    const backedUp = new Set(records.flatMap((r) => r.proofs.map((p) => p.secret)));
    const spentRecords = records.filter((r) => r.proofs.some((p) => !current.has(p.secret)));
    const added = [...current.values()].filter((p) => !backedUp.has(p.secret));
    if (spentRecords.length === 0 && added.length === 0) return;

    const carried = spentRecords.flatMap((r) => r.proofs.filter((p) => current.has(p.secret)));
    const gone = spentRecords.flatMap((r) => r.proofs.filter((p) => !current.has(p.secret)));
    const destroyed = spentRecords.map((r) => r.event.id);
    const created: string[] = [];
    const fresh = uniqueBySecret([...carried, ...added]);
    for (let i = 0; i < fresh.length; i += PROOFS_PER_TOKEN_EVENT) {
      const proofs = fresh.slice(i, i + PROOFS_PER_TOKEN_EVENT);
      const event = this.sign(buildTokenEvent({ mint, unit, proofs, del: i === 0 ? destroyed : [] }, this.derivedCiphers.identity, this.nextCreatedAt()));
      if (!(await this.send(event, report))) throw new Error('no relay accepted the new token event');
      this.tokens.set(event.id, { event, mint, unit, proofs });
      created.push(event.id);
    }
    if (destroyed.length > 0) {
      const deletion = this.sign(buildTokenDeletion(destroyed, this.nextCreatedAt()));
      for (const id of destroyed) this.tokens.delete(id);
      await this.send(deletion, report);
    }
    const net = sum(added) - sum(uniqueBySecret(gone));
    if (net !== 0n) {
      const history = buildHistoryEvent({ direction: net > 0n ? 'in' : 'out', amount: net > 0n ? net : -net, unit, created, destroyed }, this.derivedCiphers.identity, this.nextCreatedAt());
      await this.send(this.sign(history), report);
    }
  }

  private liveEvents(): SignedEvent[] {
    const live = [...this.tokens.values()].map((t) => t.event);
    if (this.walletEvent) live.push(this.walletEvent);
    if (this.mintListEvent) live.push(this.mintListEvent);
    return live;
  }

  /** Publishes to every relay; true when at least one accepted it (the others retry on their own). */
  private async send(event: SignedEvent, report: FlushReport): Promise<boolean> {
    const result = await this.pool.publish(event);
    report.published.push({ id: event.id, kind: event.kind, bytes: JSON.stringify(event).length, accepted: result.accepted, failed: result.failed });
    return result.accepted.length > 0;
  }

  private get derivedKeys(): BackupKeys {
    if (!this.derived) throw new Error('the backup is not started');
    return this.derived.keys;
  }

  private get derivedCiphers(): Ciphers {
    if (!this.derived) throw new Error('the backup is not started');
    return this.derived.ciphers;
  }

  private sign(template: EventTemplate): SignedEvent {
    if (!this.signer) throw new Error('the backup is not started');
    return this.signer(template);
  }

  /**
   * Never earlier than the previous event. Replaceable events (wallet, mint list) get a strictly later
   * second: of two versions in the same second, relays keep the one with the lower id, not the newer.
   */
  private nextCreatedAt(replaceable = false): number {
    this.lastCreatedAt = Math.max(Math.floor(Date.now() / 1000), this.lastCreatedAt + (replaceable ? 1 : 0));
    return this.lastCreatedAt;
  }

  private notify(): void {
    const status = this.status();
    for (const listener of this.listeners) {
      try {
        listener(status);
      } catch {
        // a closed subscriber must not break the backup
      }
    }
  }
}

function mintsKey(mints: string[]): string {
  return [...new Set(mints)].sort().join('\n');
}

function uniqueBySecret(proofs: Proof[]): Proof[] {
  const seen = new Map<string, Proof>();
  for (const proof of proofs) if (!seen.has(proof.secret)) seen.set(proof.secret, proof);
  return [...seen.values()];
}

function sum(proofs: Proof[]): bigint {
  return proofs.reduce((total, p) => total + p.amount, 0n);
}

function bytesHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
