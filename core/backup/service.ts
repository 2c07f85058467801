/**
 * The backup service: keeps the relays' NIP-60 copy of the wallet in step with the wallet.
 *
 * Changes are coalesced: the first change after a quiet spell starts a timer of `delaySeconds`; when it
 * fires, one flush publishes the difference between the wallet and what the relays hold, so the backup
 * trails a send by at most the delay. Income alone (minted shares, consolidation swaps) is published at
 * most every `incomeDelaySeconds`: it is recoverable from the seed anyway, and a miner earning every few
 * seconds would otherwise cost one rollover per delay all day (bench/backup.bench.ts measures bytes/day).
 *
 * Several machines may share one seed (a restore on a second machine, a reinstall next to the old one), so
 * nothing is written on an old picture of the relays: a flush that publishes first reads what they hold
 * now (mirror.ts). Then, per mint and unit: new proofs go into a new token event; token events holding a
 * proof the mint says is SPENT (NUT-07, reconcile.ts) are rolled over (their other proofs plus the new
 * ones, with `del`) and deleted with kind 5 (`k` 7375); live proofs this wallet does not know are offered
 * to it and stay backed up; one history event records the net change. The wallet event (17375) and the
 * NUT-27 mint list name every mint any machine ever named (merged, never replaced by a shorter list), are
 * republished only when that set grows, and only after every relay has been read.
 * Quotes the wallet has waited on for a while get a NIP-60 quote event (7374, NIP-40 expiration two weeks
 * out; quote-events.ts); once minted, it is deleted (`k` 7374).
 */
import type { Logger } from '../../lib/log';
import { type BackupKeys, backupKeysFromSeed } from './keys';
import type { EventTemplate, SignedEvent } from './nip60';
import { RelayMirror, mintsKey } from './mirror';
import { type PoolRelayStatus, RelayPool } from './pool';
import type { BackupSource, ProofGroup, RestoreTarget, SpentChecker } from './port';
import { type GroupState, settleUnknown, uniqueBySecret } from './reconcile';
import { checkRelay, plainRelayError, type RelayCheck } from './relay-check';
import { checkSpentAtMint, type FoundBackup, findBackup, type RestoreProgress, type RestoreReport, restoreWallet } from './restore';
import { createSigner, type Signer } from './signing';
import { QuoteEvents } from './quote-events';
import { type Ciphers, ciphersFor, groupKey } from './state';
import { BackupWriter, type FlushReport, sum } from './writer';

export { type FlushReport, PROOFS_PER_TOKEN_EVENT } from './writer';

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
  /** how long income alone (minted shares, consolidation) may wait */
  incomeDelaySeconds: number;
  relays: PoolRelayStatus[];
  /** wallet changes not yet on any relay */
  pendingChanges: number;
  lastBackupAt: string | null;
  /** when the pending changes go out (income waits up to the income delay) */
  nextBackupAt: string | null;
  /** why the next backup is at nextBackupAt: a send or new mint (the short delay), income only, a retry */
  waitingFor: 'change' | 'income' | 'retry' | 'relay' | null;
  lastError: string | null;
  /** what held part of the last backup back without failing it (a mint that could not be asked, a relay not read) */
  warnings: string[];
}

export interface RestoreOptions {
  /** relays to search (default: this backup's relays); those holding the backup are added to them */
  relays?: string[];
  onProgress?: (progress: RestoreProgress) => void;
}

export interface BackupService {
  start(): Promise<void>;
  stop(): Promise<void>;
  status(): BackupStatus;
  setRelays(urls: string[]): Promise<void>;
  /** NIP-11 and a publish/read round trip with one relay, in plain words; does not change the list */
  testRelay(url: string): Promise<RelayCheck>;
  /** flushes now instead of waiting for the delay */
  backupNow(): Promise<FlushReport>;
  setDelaySeconds(seconds: number): void;
  /** reads what the relays hold for a seed, before any wallet exists for it; writes nothing */
  findBackup(seed: Uint8Array, relays: string[]): Promise<FoundBackup>;
  restore(opts?: RestoreOptions): Promise<RestoreReport>;
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
  /** what the relays hold, read again before every flush that publishes */
  private readonly mirror: RelayMirror;
  private readonly writer: BackupWriter;
  private readonly listeners = new Set<(status: BackupStatus) => void>();
  private signer: Signer | null = null;
  private mintListSigner: Signer | null = null;
  private running = false;
  private delayMs: number;
  private timer: NodeJS.Timeout | null = null;
  private timerDueAt = 0;
  private waitingFor: BackupStatus['waitingFor'] = null;
  private unsubscribe: (() => void) | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private pendingChanges = 0;
  private lastBackupAt: string | null = null;
  private lastError: string | null = null;
  private warnings: string[] = [];
  /** secrets the mint confirmed live that the wallet did not take: they stay in the backup */
  private kept = new Set<string>();
  private lastFlushAt = 0;
  /** the mints the last flush put in (or held back from) the wallet event and mint list */
  private mintsConsidered = '';
  private readonly incomeDelayMs: number;
  private quoteEvents: QuoteEvents | null = null;

  constructor(private readonly opts: BackupOptions) {
    this.delayMs = opts.delaySeconds * 1000;
    this.incomeDelayMs = (opts.incomeDelaySeconds ?? DEFAULT_INCOME_DELAY_SECONDS) * 1000;
    this.pool = this.newPool(() => this.notify());
    this.mirror = new RelayMirror(this.pool, () => ({ keys: this.derivedKeys, ciphers: this.derivedCiphers }));
    this.writer = new BackupWriter(this.pool, this.mirror, () => ({ keys: this.derivedKeys, ciphers: this.derivedCiphers, sign: (t) => this.sign(t), signMintList: this.mintListSigner! }));
    void this.pool.setRelays(opts.relays);
  }

  private newPool(onChange?: () => void, signAuth: Signer = (template) => this.sign(template)): RelayPool {
    return new RelayPool({
      logger: this.opts.logger,
      timeoutMs: this.opts.timeoutMs,
      retryInitialMs: this.opts.retryInitialMs,
      signAuth,
      ...(onChange ? { onChange } : {}),
    });
  }

  status(): BackupStatus {
    return {
      running: this.running,
      pubkey: this.derived?.keys.identity.publicKey ?? null,
      delaySeconds: this.delayMs / 1000,
      incomeDelaySeconds: this.incomeDelayMs / 1000,
      // raw socket errors ("getaddrinfo ENOTFOUND") read as what to check
      relays: this.pool.status().map((r) => ({ ...r, lastError: r.lastError === null ? null : plainText(plainRelayError(r.url, r.lastError)) })),
      pendingChanges: this.pendingChanges,
      lastBackupAt: this.lastBackupAt,
      nextBackupAt: this.timer ? new Date(this.timerDueAt).toISOString() : null,
      waitingFor: this.timer ? this.waitingFor : null,
      lastError: this.lastError,
      warnings: [...this.warnings],
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
    const unsubscribeChange = this.opts.source.onChange(() => this.changed());
    const unsubscribeRestored = this.opts.source.onRestored?.(() => this.mergeAfterRestore());
    this.unsubscribe = () => {
      unsubscribeChange();
      unsubscribeRestored?.();
    };
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
    // a new relay is read before anything is written to it, then gets the current backup
    if (urls.some((u) => !before.has(u))) {
      this.mirror.invalidate();
      if (this.running) this.changed('relay');
    }
    this.notify();
  }

  setDelaySeconds(seconds: number): void {
    this.delayMs = seconds * 1000;
    this.notify();
  }

  testRelay(url: string): Promise<RelayCheck> {
    // with the wallet unlocked the round trip is signed by the backup's own key: what the relay will see
    const signer = this.signer ?? undefined;
    return checkRelay(url, { logger: this.opts.logger, timeoutMs: this.opts.timeoutMs ?? 8000, ...(signer ? { sign: signer } : {}) });
  }

  backupNow(): Promise<FlushReport> {
    if (!this.running) return Promise.reject(new Error('the backup is not running'));
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    return this.enqueue(() => this.flush(true));
  }

  async findBackup(seed: Uint8Array, relays: string[]): Promise<FoundBackup> {
    const keys = backupKeysFromSeed(seed, this.opts.identityKey);
    // no wallet yet: a relay asking for NIP-42 AUTH gets it signed by the identity of these words
    return this.withReader(relays, (pool) => findBackup(pool, keys, ciphersFor(keys)), createSigner(keys.identity.secretKey));
  }

  async restore(opts: RestoreOptions = {}): Promise<RestoreReport> {
    const target = this.opts.restoreTarget;
    if (!target) throw new Error('restore needs a wallet to restore into');
    await this.connect();
    const run = (pool: RelayPool) => restoreWallet({ pool, keys: this.derivedKeys, ciphers: this.derivedCiphers, target, checkSpent: this.opts.checkSpent, onProgress: opts.onProgress });
    const report = await this.enqueue(() => (opts.relays ? this.withReader(opts.relays, run) : run(this.pool)));
    // the relays that hold this wallet's backup keep it from now on
    const mine = new Set(this.pool.urls());
    const holding = Object.entries(report.relays)
      .filter(([url, r]) => r.events > 0 && !mine.has(url))
      .map(([url]) => url);
    if (holding.length > 0) await this.setRelays([...this.pool.urls(), ...holding]);
    report.relaysAdded = holding;
    // the wallet changed under us: read the relays again before the next flush
    this.mirror.invalidate();
    if (this.running) this.changed();
    return report;
  }

  /** The wallet restored its words (onto itself, too): the relays' copy is merged in, as backup.restore does. */
  private mergeAfterRestore(): void {
    if (!this.opts.restoreTarget || !this.running) return;
    this.restore().then(
      (report) => this.opts.logger.info('the backup on the relays was merged into the restored wallet', { proofsAdded: report.proofsAdded, quotesAdded: report.quotesAdded }),
      (error: unknown) => this.opts.logger.warn('the backup on the relays could not be merged after the restore; it is merged at the next backup', { error: (error as Error).message }),
    );
  }

  /** A read-only pool of some relays for one task (a restore from relays not in the list yet). */
  private async withReader<T>(relays: string[], task: (pool: RelayPool) => Promise<T>, signAuth?: Signer): Promise<T> {
    const pool = this.newPool(undefined, signAuth);
    await pool.setRelays([...new Set(relays)]);
    pool.start();
    try {
      return await task(pool);
    } finally {
      await pool.stop();
    }
  }

  private changed(why: 'change' | 'relay' = 'change'): void {
    this.pendingChanges++;
    this.schedule(this.delayMs, why);
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
    const startedAt = Date.now();
    if (this.pool.urls().length === 0) {
      // nothing to do until a relay is added (setRelays schedules a flush then)
      this.lastError = 'no backup relay configured';
      this.notify();
      return report;
    }
    try {
      if (this.mirror.readAt === 0) await this.mirror.read();
      let [groups, mints] = await this.walletState();
      if (!force && !this.urgent(this.changedGroups(groups), mints, groups)) {
        const dueAt = this.lastFlushAt + this.incomeDelayMs;
        if (Date.now() < dueAt) {
          this.schedule(dueAt - Date.now(), 'income');
          return report;
        }
      }
      // read before write: what other machines on this seed published since the last read
      if (this.mirror.readAt < startedAt) await this.mirror.read();
      if (await this.dropSpentElsewhere(this.changedGroups(groups))) [groups, mints] = await this.walletState();
      let changed = this.changedGroups(groups);
      const settled = await settleUnknown({
        groups: changed,
        records: (g) => this.mirror.tokensOf(g.mint, g.unit),
        key: (g) => groupKey(g.mint, g.unit),
        checkSpent: this.opts.checkSpent ?? checkSpentAtMint,
        target: this.opts.restoreTarget,
        logger: this.opts.logger,
      });
      if (settled.imported > 0) {
        this.opts.logger.info('live proofs found only in the backup were added to the wallet', { added: settled.imported });
        [groups, mints] = await this.walletState();
        changed = this.changedGroups(groups);
      }
      this.kept = settled.kept;
      const warnings = Object.values(settled.problems);
      const allMints = [...mints, ...groups.map((g) => g.mint), ...this.mirror.mints];
      await this.writer.publishMints(allMints, report, warnings);
      this.mintsConsidered = mintsKey(allMints);
      for (const group of changed) await this.writer.publishGroup(group, settled.spent.get(groupKey(group.mint, group.unit)) ?? null, report);
      if (this.opts.source.pendingQuotes) {
        this.quoteEvents ??= new QuoteEvents(this.pool, this.derivedKeys.identity.publicKey, this.derivedCiphers.identity, this.opts.quoteEventAfterSeconds);
        await this.writer.publishQuotes(this.quoteEvents, await this.opts.source.pendingQuotes(), report);
      }
      const unplaced = report.published.filter((p) => p.accepted.length === 0);
      if (unplaced.length > 0) throw new Error(`no relay accepted ${unplaced.length} event(s): ${Object.values(unplaced[0]!.failed)[0] ?? 'no relays configured'}`);
      // relays that missed events (new, down at the time, or silently dropping) get them again
      await this.pool.audit(this.mirror.live());
      this.pendingChanges = Math.max(0, this.pendingChanges - changesAtStart);
      this.lastFlushAt = Date.now();
      this.lastBackupAt = new Date(this.lastFlushAt).toISOString();
      this.lastError = null;
      this.warnings = warnings;
      for (const warning of warnings) this.opts.logger.warn(warning);
    } catch (error) {
      this.lastError = (error as Error).message;
      this.opts.logger.warn('backup did not complete; retrying after the delay', { error: error as Error });
      this.schedule(Math.max(this.delayMs, 1000), 'retry');
      throw error;
    } finally {
      this.notify();
    }
    return report;
  }

  /**
   * The wallet's proofs no live token event holds are new income, or proofs another machine on this seed
   * spent and rolled out of the backup: the wallet asks the mint about them and drops the spent ones, so
   * both machines show the same balance. A mint that cannot be asked now is asked at the next flush.
   */
  private async dropSpentElsewhere(groups: GroupState[]): Promise<number> {
    const target = this.opts.restoreTarget;
    if (!target?.dropSpent) return 0;
    let dropped = 0;
    for (const group of groups) {
      const held = new Set(this.mirror.tokensOf(group.mint, group.unit).flatMap((t) => t.proofs.map((p) => p.secret)));
      const unbacked = [...group.current.values()].filter((p) => !held.has(p.secret));
      if (unbacked.length === 0) continue;
      try {
        dropped += await target.dropSpent({ mint: group.mint, unit: group.unit, proofs: unbacked });
      } catch (error) {
        this.opts.logger.debug('could not ask the mint whether new proofs were spent elsewhere', { mint: group.mint, error: (error as Error).message });
      }
    }
    return dropped;
  }

  private async walletState(): Promise<[ProofGroup[], string[]]> {
    return Promise.all([this.opts.source.unspentProofs(), this.opts.source.mints()]);
  }

  /**
   * True when the relays' copy overstates the wallet (its balance dropped below what they hold: a send),
   * a mint is new, or there is no backup yet. Income and consolidation only leave the relays behind.
   */
  private urgent(changed: GroupState[], mints: string[], groups: ProofGroup[]): boolean {
    if (this.lastFlushAt === 0) return true;
    // a mint this wallet uses that the last flush did not consider (published, or held back while a relay was not read)
    if (!isSubset(mintsKey([...mints, ...groups.map((g) => g.mint)]), this.mintsConsidered)) return true;
    for (const group of changed) {
      const held = uniqueBySecret(this.mirror.tokensOf(group.mint, group.unit).flatMap((t) => t.proofs));
      // proofs kept for another machine on this seed count as held: they are not a send from here
      const now = sum([...group.current.values()]) + sum(held.filter((p) => this.kept.has(p.secret) && !group.current.has(p.secret)));
      if (now < sum(held)) return true;
    }
    return false;
  }

  /** Flushes in `ms` unless a flush is already due sooner. */
  private schedule(ms: number, why: NonNullable<BackupStatus['waitingFor']>): void {
    if (!this.running) return;
    const dueAt = Date.now() + ms;
    if (this.timer && this.timerDueAt <= dueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.waitingFor = why;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.enqueue(() => this.flush()).catch(() => undefined);
    }, ms);
    this.timer.unref();
    this.notify();
  }

  /** The wallet's groups, plus every group the relays hold that the wallet has nothing in. */
  private changedGroups(groups: ProofGroup[]): GroupState[] {
    const byKey = new Map<string, GroupState>();
    for (const group of groups) {
      const key = groupKey(group.mint, group.unit);
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { mint: group.mint, unit: group.unit, current: new Map() }));
      for (const proof of group.proofs) entry.current.set(proof.secret, proof);
    }
    for (const token of this.mirror.tokens.values()) {
      const key = groupKey(token.mint, token.unit);
      if (!byKey.has(key)) byKey.set(key, { mint: token.mint, unit: token.unit, current: new Map() });
    }
    return [...byKey.values()];
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

function plainText(problem: { message: string; hint: string }): string {
  return `${problem.message} ${problem.hint}`;
}

/** Every mint of `key` is in `of` (both mintsKey strings). */
function isSubset(key: string, of: string): boolean {
  const have = new Set(of.split('\n'));
  return key.split('\n').every((mint) => have.has(mint));
}
