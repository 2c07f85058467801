/**
 * The background sweeper: turns quotes into proofs, mint by mint, without one mint, unit or quote holding up
 * another. Each pass over a mint re-reads its info and keysets when they are due, finishes interrupted operations,
 * checks at the first pass what the mint says of the proofs held (NUT-07), looks quotes up by pubkey on the lookup's
 * schedule, checks quotes by id, mints what is paid, consolidates, warns of ehash near its keyset's final_expiry and
 * checks pending sends. Once an hour a pass drops the spent proofs, issued quotes and minting batches older than a
 * week. A mint that does not answer is backed off (0.5 s doubling to 60 s) and its waiting quotes say so; every other
 * mint goes on. Passes of different mints run side by side; moves at one mint run one at a time.
 */
import type { Logger } from '../../lib/log';
import type { MintContext, WalletEngine } from './engine';
import { MintError } from './mint-client';
import { WalletOperationError } from './core';

const MAX_BACKOFF_MS = 60_000;
/**
 * Spent proofs, issued quotes and minting batches' history rows are kept this long, for shares' trails (share ->
 * quote -> proofs; the share ledger keeps single shares as long) and the history list, then dropped: every share left
 * one of each for good, worth nothing once spent (what the batches minted stays, summed per minute).
 */
export const KEEP_FINISHED_MS = 7 * 86_400_000;
const DROP_FINISHED_EVERY_MS = 3_600_000;
// at most this many of each a pass (~16 ms each for proofs and quotes on the thread the proxy shares), so a wallet
// with a long backlog drops it over many passes instead of stalling one; a Bitaxe makes ~600 of each an hour
const DROP_FINISHED_PER_PASS = 500;
/** ehash in a keyset whose final_expiry is this close raises an alert */
export const EXPIRY_WARNING_SECONDS = 14 * 86_400;

export interface SweeperOptions {
  /** how often quotes are looked up by pubkey and held quotes checked again (default 15 s) */
  lookupIntervalMs?: number;
  /**
   * how often a mint's info and keysets are read again (default 15 s); also after a failed pass, and at once for a
   * quote in a unit without a usable keyset and on a keyset refusal (12001-12003)
   */
  mintRefreshIntervalMs?: number;
  /** how often pending sends are checked (default 30 s) */
  sendCheckIntervalMs?: number;
  /** wait after a quote event so quotes are minted in batches (default 25 ms) */
  batchDelayMs?: number;
  /** unspent proofs per keyset above which the wallet consolidates (default 48) */
  consolidateAbove?: number;
}

export interface SweeperHost {
  /** mints the user configured (the lookup runs only there) */
  configured(): string[];
  /** every mint the wallet knows */
  known(): string[];
  /** runs `fn` alone among the moves at `mintUrl` */
  exclusive<T>(mintUrl: string, fn: () => Promise<T>): Promise<T>;
  /** true while a restore runs (the sweeper waits) */
  restoring(): boolean;
  /** a mint became unreachable (first failure in a row) or answered something unusable */
  problem(mintUrl: string, error: unknown, firstFailure: boolean): void;
}

interface QueuedQuote {
  mintUrl: string;
  quote: { quote: string; amount?: bigint; headerHash?: string; minerId?: string };
}

export interface MintSweepStatus {
  url: string;
  /** unreachable until this time (ms), after `failures` failed passes in a row */
  retryAt?: number;
  failures: number;
  lastError?: string;
  lookup: string | null;
  batchSize?: number;
}

export class Sweeper {
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private pass: Promise<void> | undefined;
  private again = false;
  private readonly lastLookup = new Map<string, number>();
  private readonly lastSendCheck = new Map<string, number>();
  private readonly lastRefresh = new Map<string, number>();
  private readonly backoff = new Map<string, { failures: number; until: number; error: string }>();
  private readonly statesChecked = new Set<string>();
  private readonly expiryAlerted = new Set<string>();
  private queued: QueuedQuote[] = [];
  private finishedDroppedAt = 0;

  constructor(
    private readonly engine: WalletEngine,
    private readonly logger: Logger,
    private readonly opts: SweeperOptions,
    private readonly host: SweeperHost,
  ) {}

  /** A quote the proxy heard of (0xC0), written with the others of its batch at the next pass. */
  queue(mintUrl: string, quote: QueuedQuote['quote']): void {
    this.queued.push({ mintUrl, quote });
    if (this.queued.length >= 1000) this.flush();
    this.kick(this.opts.batchDelayMs ?? 25);
  }

  /**
   * Writes queued events in one transaction; one lost in a crash before that is found again by the lookup.
   * Returns the mints they were for.
   */
  flush(): Set<string> {
    const events = this.queued.splice(0);
    if (events.length === 0) return new Set();
    try {
      this.engine.store.tx(() => {
        for (const e of events) this.engine.quotes.noteEvent(e.mintUrl, e.quote);
      });
    } catch (error) {
      this.logger.warn('quote events not recorded; the pubkey lookup will find them', { error, count: events.length });
    }
    return new Set(events.map((e) => e.mintUrl));
  }

  start(): void {
    this.running = true;
    this.kick();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass?.catch(() => undefined);
  }

  /** Schedules a pass in `delayMs` unless one is due sooner (a pass running now is followed by another). */
  kick(delayMs = 0): void {
    if (!this.running) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    const due = Date.now() + delayMs;
    if (this.timer) {
      if (this.timerDue <= due) return;
      clearTimeout(this.timer);
    }
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sweep();
    }, delayMs);
  }

  /** One pass over every mint (also what the timer runs). Resolves when the pass is over. */
  sweep(): Promise<void> {
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = this.sweepAll().finally(() => {
      this.pass = undefined;
      const again = this.again;
      this.again = false;
      if (this.running) this.kick(again ? 0 : this.nextWakeMs());
    });
    return this.pass;
  }

  /** Back-off state of each mint, for the API. */
  status(): MintSweepStatus[] {
    return this.host.known().map((url) => {
      const b = this.backoff.get(url);
      const ctx = this.engine.mints.get(url);
      const status: MintSweepStatus = { url, failures: b?.failures ?? 0, lookup: this.engine.store.lookupRoute(url).route };
      if (b) {
        status.retryAt = b.until;
        status.lastError = b.error;
      }
      if (ctx) status.batchSize = ctx.batchSize;
      return status;
    });
  }

  private nextWakeMs(): number {
    const now = Date.now();
    let wake = this.opts.lookupIntervalMs ?? 15_000;
    for (const b of this.backoff.values()) wake = Math.min(wake, Math.max(50, b.until - now));
    // a quote whose own back-off ends sooner wakes the sweeper for it
    const next = this.engine.store.nextRetryAt(now);
    if (next !== undefined) wake = Math.min(wake, Math.max(50, next - now));
    return wake;
  }

  private async sweepAll(): Promise<void> {
    const announced = this.flush();
    if (!this.engine.unlocked || this.host.restoring()) return;
    this.dropFinished();
    await Promise.all(
      this.host.known().map(async (url) => {
        const b = this.backoff.get(url);
        if (b && b.until > Date.now()) return;
        try {
          await this.host.exclusive(url, () => this.sweepMint(url, announced.has(url)));
          this.backoff.delete(url);
        } catch (error) {
          this.failed(url, error);
        }
      }),
    );
  }

  private dropFinished(): void {
    const now = Date.now();
    if (now - this.finishedDroppedAt < DROP_FINISHED_EVERY_MS) return;
    this.finishedDroppedAt = now;
    try {
      const proofs = this.engine.store.dropSpentProofs(now - KEEP_FINISHED_MS, DROP_FINISHED_PER_PASS);
      const quotes = this.engine.store.dropIssuedQuotes(now - KEEP_FINISHED_MS, DROP_FINISHED_PER_PASS);
      const batches = this.engine.store.history.dropMintingBefore(now - KEEP_FINISHED_MS, DROP_FINISHED_PER_PASS);
      // a full batch leaves more: the next pass goes on
      if ([proofs, quotes, batches].includes(DROP_FINISHED_PER_PASS)) this.finishedDroppedAt = 0;
      if (proofs + quotes + batches > 0) this.logger.info('spent proofs, issued quotes and minting batches older than a week dropped', { proofs, quotes, batches });
    } catch (error) {
      this.logger.warn('spent proofs, issued quotes and minting batches not dropped; trying again in an hour', { error });
    }
  }

  private failed(url: string, error: unknown): void {
    const previous = this.backoff.get(url)?.failures ?? 0;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** previous);
    const message = (error as Error).message;
    this.backoff.set(url, { failures: previous + 1, until: Date.now() + delay, error: message });
    if (error instanceof MintError && error.kind === 'offline') {
      this.engine.quotes.mintUnreachable(url, `${message}; retrying`);
      this.logger.info('mint unreachable, backing off', { mint: url, retryInMs: delay });
    } else if (!(error instanceof WalletOperationError && error.code === 'bad_signature')) {
      this.logger.warn('sweep failed', { mint: url, error });
    }
    this.host.problem(url, error, previous === 0);
  }

  /**
   * Whether a pass at this mint has anything to do (a mint only learned from a token is left alone otherwise).
   * A quote just announced is work: the store is not asked (three queries, ~0.15 ms of a one-share pass's ~1.5).
   */
  private hasWork(url: string, lookupDue: boolean, announced: boolean): boolean {
    if (announced || !this.statesChecked.has(url) || (lookupDue && this.host.configured().includes(url))) return true;
    const store = this.engine.store;
    return (
      store.operations().some((o) => o.mint_url === url) ||
      store.dueQuotes(url, 'paid', Date.now(), 1).length > 0 ||
      store.dueQuotes(url, 'unpaid', Date.now(), 1).length > 0 ||
      Date.now() - (this.lastSendCheck.get(url) ?? 0) >= (this.opts.sendCheckIntervalMs ?? 30_000)
    );
  }

  private async sweepMint(url: string, announced: boolean): Promise<void> {
    const now = Date.now();
    const lookupDue = now - (this.lastLookup.get(url) ?? 0) >= (this.opts.lookupIntervalMs ?? 15_000);
    if (!this.hasWork(url, lookupDue, announced)) return;
    const ctx = await this.mintContext(url, now);
    await this.engine.recover(ctx);
    if (!this.statesChecked.has(url)) {
      await this.engine.restorer.checkProofStates(ctx);
      this.statesChecked.add(url);
    }
    if (lookupDue && this.host.configured().includes(url)) await this.engine.quotes.lookup(ctx);
    // quotes the mint holds unpaid are asked again on the lookup's schedule, new ones at once
    await this.engine.quotes.check(ctx, lookupDue);
    if (lookupDue) this.lastLookup.set(url, now);
    await this.engine.mintPaid(ctx);
    await this.engine.consolidate(ctx, this.opts.consolidateAbove);
    this.alertExpiry(ctx);
    if (now - (this.lastSendCheck.get(url) ?? 0) >= (this.opts.sendCheckIntervalMs ?? 30_000)) {
      await this.engine.transfers.checkSends(ctx);
      this.lastSendCheck.set(url, now);
    }
  }

  /**
   * The mint as last read, or read again: every 15 s by default, and at once after a failed pass (it may come back
   * changed). hashpool opens a unit and keyset per epoch and may retire or expire them; a quote in a unit without a
   * usable keyset and a mint's refusal of a keyset re-read the keysets where they happen (minting.ts), so the share
   * that arrives with a new epoch is minted in its own pass. Reading them every pass was two of a one-share pass's
   * four requests.
   */
  private async mintContext(url: string, now: number): Promise<MintContext> {
    const known = this.engine.mints.get(url);
    const due = now - (this.lastRefresh.get(url) ?? 0) >= (this.opts.mintRefreshIntervalMs ?? 15_000);
    if (known && !due && !this.backoff.has(url)) return known;
    const ctx = await this.engine.loadMint(url);
    this.lastRefresh.set(url, now);
    return ctx;
  }

  /** ehash in a keyset within two weeks of its final_expiry: an alert naming the date, once per keyset and run. */
  private alertExpiry(ctx: MintContext): void {
    for (const e of expiringEhash(this.engine, ctx)) {
      if (this.expiryAlerted.has(e.keysetId)) continue;
      this.expiryAlerted.add(e.keysetId);
      const date = new Date(e.finalExpiry * 1000).toISOString();
      const message = `${e.amount} ${e.unit} of ehash at ${ctx.url} is in a keyset the mint stops accepting on ${date}. Spend or move it before then; the mint has no newer keyset for this unit to swap it into.`;
      this.engine.core.emit({ type: 'alert', kind: 'keyset-expiry', mintUrl: ctx.url, unit: e.unit, amount: e.amount, message, at: e.finalExpiry });
    }
  }
}

/** Unspent ehash per keyset whose final_expiry is within EXPIRY_WARNING_SECONDS (or past), at one mint or all. */
export function expiringEhash(engine: WalletEngine, only?: MintContext): { mint: string; unit: string; keysetId: string; amount: bigint; finalExpiry: number }[] {
  const out: { mint: string; unit: string; keysetId: string; amount: bigint; finalExpiry: number }[] = [];
  for (const row of engine.store.keysets(only?.url)) {
    if (!row.final_expiry) continue;
    const offset = engine.mints.get(row.mint_url)?.clockOffset ?? 0;
    if (row.final_expiry - (Math.floor(Date.now() / 1000) + offset) > EXPIRY_WARNING_SECONDS) continue;
    const amount = engine.store.proofs({ keysetId: row.id, state: 'unspent' }).reduce((sum, p) => sum + BigInt(p.amount), 0n);
    if (amount > 0n) out.push({ mint: row.mint_url, unit: row.unit, keysetId: row.id, amount, finalExpiry: row.final_expiry });
  }
  return out;
}
