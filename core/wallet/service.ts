/**
 * The wallet as a service for core/app.ts: seed lifecycle (create, restore, lock, unlock), the sweeper that
 * turns quotes into proofs in the background (sweeper.ts), the operations and reads the API exposes, each mint's
 * moves one at a time (mint-lanes.ts), and the surface core/backup uses (backup-source.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../lib/log';
import { type EngineEvent, type MintContext, type Secrets, WalletEngine, WalletOperationError } from './engine';
import { Transfers } from './send';
import { expiringEhash, Sweeper } from './sweeper';
import { WorkEstimate } from './work';
import { walletBackupSource } from './backup-source';
import { MintLanes } from './mint-lanes';
import type { Balance, MintableQuote, PendingView, WalletBackupSource, WalletEvent, WalletOptions, WalletStatus } from './types';

export type { Balance, MintableQuote, PendingView, WalletBackupSource, WalletEvent, WalletOptions, WalletStatus } from './types';
import { bip39Seed, createMnemonic, deriveLockingKey, isValidMnemonic, type LockingKey, lockingKeyFromPrivkey, normalizeMnemonic } from './keys';
import { MintError, normalizeMintUrl } from './mint-client';
import { type HistoryRow, type QuoteRow, type QuoteState, WalletStore } from './store';
import { chooseVault, type SeedVault, VaultError } from './vault';

export class WalletService {
  readonly store: WalletStore;
  readonly engine: WalletEngine;
  private readonly vault: SeedVault;
  private readonly logger: Logger;
  private readonly mintUrls: string[];
  private readonly listeners = new Set<(event: WalletEvent) => void>();
  private readonly work: WorkEstimate;
  private readonly sweeper: Sweeper;
  private mnemonicSeed: Uint8Array | undefined;
  private running = false;
  /** moves, sweeps and recoveries at one mint run one at a time */
  private readonly lanes: MintLanes;
  private restoreRun: Promise<void> | undefined;

  constructor(private readonly opts: WalletOptions) {
    mkdirSync(opts.home, { recursive: true });
    this.logger = opts.logger.child('wallet');
    this.store = new WalletStore(join(opts.home, 'wallet.sqlite'));
    const chosen = chooseVault(opts.vault, this.store.seed()?.vault);
    this.vault = chosen.vault;
    if (chosen.warning) this.logger.warn(chosen.warning);
    this.mintUrls = opts.mintUrls.map(normalizeMintUrl);
    this.work = new WorkEstimate(this.store);
    this.engine = new WalletEngine(this.store, this.logger, (event) => this.onEngineEvent(event), opts.onStep, {
      baseMs: opts.quoteRetryMs ?? 5_000,
      maxMs: 3_600_000,
    });
    this.lanes = new MintLanes(this.engine);
    this.sweeper = new Sweeper(this.engine, this.logger, opts, {
      configured: () => this.mintUrls,
      known: () => this.knownMints(),
      exclusive: (url, fn) => this.lanes.exclusive(url, fn),
      restoring: () => this.restoreRun !== undefined,
      problem: (url, error, first) => this.mintProblem(url, error, first),
    });
  }

  // ---------------------------------------------------------------- events

  subscribe(listener: (event: WalletEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private publish(event: WalletEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.warn('wallet event listener failed', { error });
      }
    }
  }

  /** The balance sums every unspent proof: computed only when someone listens. */
  private publishBalance(): void {
    if (this.listeners.size > 0) this.publish({ type: 'wallet.balance', balances: this.balances() });
  }

  private onEngineEvent(event: EngineEvent): void {
    if (event.type === 'proofs') {
      for (const q of event.quotes) {
        const out: WalletEvent = {
          type: 'wallet.proof',
          mint: event.mintUrl,
          unit: event.unit,
          quoteId: q.quoteId,
          amount: q.amount,
        };
        if (q.headerHash) out.headerHash = q.headerHash;
        if (q.minerId) out.minerId = q.minerId;
        this.publish(out);
      }
      this.publishBalance();
    } else if (event.type === 'alert') {
      const out: WalletEvent = { type: 'wallet.alert', kind: event.kind, mint: event.mintUrl, unit: event.unit, amount: event.amount, message: event.message };
      if (event.at !== undefined) out.at = event.at;
      this.publish(out);
    } else if (event.type === 'error') {
      this.logger.warn(event.message, {
        kind: event.kind,
        mint: event.mintUrl,
      });
      const out: WalletEvent = {
        type: 'wallet.error',
        kind: event.kind,
        message: event.message,
      };
      if (event.mintUrl) out.mint = event.mintUrl;
      this.publish(out);
    } else {
      this.publishBalance();
    }
  }

  // ---------------------------------------------------------------- seed lifecycle

  status(): WalletStatus {
    const seed = this.store.seed();
    const status: WalletStatus = {
      exists: seed !== undefined,
      locked: !this.engine.unlocked,
      lockingKeyMode: seed?.static_pubkey ? 'static' : 'derived',
      vault: this.vault.kind,
      restoring: this.restoreRun !== undefined,
    };
    const pubkey = this.lockingPubkey();
    if (pubkey) status.lockingPubkey = pubkey;
    return status;
  }

  /** The compressed pubkey quotes must lock to (readable while locked, so the proxy can start). */
  lockingPubkey(): string | undefined {
    const seed = this.store.seed();
    return seed?.static_pubkey ?? seed?.locking_pubkey;
  }

  /**
   * Creates a new wallet; the mnemonic is returned once and never stored in the clear. With `words` (new
   * words the user has written down and confirmed, from createMnemonic) the wallet gets those instead.
   */
  async create(passphrase?: string, words?: string): Promise<{ mnemonic: string; lockingPubkey: string }> {
    if (this.store.seed()) throw new WalletOperationError('wallet_exists', 'A wallet already exists in this home.');
    if (words !== undefined && !isValidMnemonic(words)) throw new WalletOperationError('invalid_input', 'These are not valid recovery words (12 or 24 English words).');
    const mnemonic = words === undefined ? createMnemonic() : normalizeMnemonic(words);
    await this.install(mnemonic, passphrase);
    this.logger.info('wallet created', { lockingPubkey: this.lockingPubkey() });
    return { mnemonic, lockingPubkey: this.lockingPubkey()! };
  }

  /**
   * Restores the wallet of these words. On an empty home it installs them; onto the wallet of the same words it
   * merges (unlocking it with its passphrase when locked): both recover what belongs to the seed, NUT-09 restore
   * on every keyset of every mint, then the pubkey lookup mints quotes never minted. Proofs already held are
   * skipped and counters only move forward, so nothing is lost and nothing counts twice; the backup merges the
   * relays' copy when the restore is done (wallet.restore `done`). Other words are refused: the seed here is never
   * replaced. Progress comes as wallet.restore events; the returned promise resolves once the scan has started.
   */
  async restore(mnemonic: string, passphrase?: string): Promise<{ lockingPubkey: string }> {
    if (!isValidMnemonic(mnemonic)) throw new WalletOperationError('invalid_input', 'This is not a valid BIP39 mnemonic (12 or 24 English words).');
    const words = normalizeMnemonic(mnemonic);
    const here = this.holds(bip39Seed(words));
    if (here === 'other') {
      throw new WalletOperationError('other_wallet', 'This home already has a wallet with different recovery words; nothing was changed.');
    }
    if (here === 'none') await this.install(words, passphrase);
    else if (!this.engine.unlocked) await this.unlock(passphrase);
    this.restoreRun ??= this.runRestore().finally(() => {
      this.restoreRun = undefined;
    });
    return { lockingPubkey: this.lockingPubkey()! };
  }

  /**
   * Whether this home has no wallet, the wallet of this BIP39 seed, or another one. The derived locking pubkey
   * is stored in the clear, so the words are compared without unlocking anything.
   */
  holds(seed: Uint8Array): 'none' | 'same' | 'other' {
    const stored = this.store.seed();
    if (!stored) return 'none';
    return stored.locking_pubkey === deriveLockingKey(seed).pubkey ? 'same' : 'other';
  }

  /** Resolves when a running restore has finished (immediately when none runs). */
  async whenRestored(): Promise<void> {
    await this.restoreRun;
  }

  private async install(mnemonic: string, passphrase?: string): Promise<void> {
    const blob = await this.vault.seal(mnemonic, passphrase);
    const seed = bip39Seed(mnemonic);
    const locking = deriveLockingKey(seed);
    this.store.saveSeed(this.vault.kind, blob, locking.pubkey);
    this.setSecrets(seed, { seed, locking });
    this.publish({ type: 'wallet.status', exists: true, locked: false });
  }

  private setSecrets(mnemonicSeed: Uint8Array | undefined, secrets: Secrets | undefined): void {
    this.mnemonicSeed = mnemonicSeed;
    this.engine.setSecrets(secrets);
  }

  async unlock(passphrase?: string): Promise<void> {
    const row = this.store.seed();
    if (!row) throw new WalletOperationError('not_found', 'There is no wallet yet: create or restore one.');
    const mnemonic = await this.vault.open(row.blob, passphrase);
    const seed = bip39Seed(mnemonic);
    const secrets: Secrets = { seed, locking: deriveLockingKey(seed) };
    if (row.static_blob) secrets.staticKey = lockingKeyFromPrivkey(Buffer.from(await this.vault.open(row.static_blob, passphrase), 'hex'));
    this.setSecrets(seed, secrets);
    this.publish({ type: 'wallet.status', exists: true, locked: false });
    this.sweeper.kick();
  }

  lock(): void {
    this.setSecrets(undefined, undefined);
    this.publish({
      type: 'wallet.status',
      exists: this.store.seed() !== undefined,
      locked: true,
    });
  }

  /** Static-key mode: quotes lock to a hashpool operator's key (hex privkey); undefined returns to the derived key. */
  async setStaticKey(privkeyHex: string | undefined, passphrase?: string): Promise<string> {
    const secrets = this.unlockedSecrets();
    if (privkeyHex === undefined) {
      this.store.setStaticKey(null, null);
      this.engine.setSecrets({ seed: secrets.seed, locking: secrets.locking });
      return secrets.locking.pubkey;
    }
    if (!/^[0-9a-fA-F]{64}$/.test(privkeyHex)) throw new WalletOperationError('invalid_input', 'A static locking key is 64 hex characters.');
    // sealed with the passphrase that opens the seed, proven by opening it: unlock opens both with one passphrase
    await this.vault.open(this.store.seed()!.blob, passphrase);
    const key: LockingKey = lockingKeyFromPrivkey(Buffer.from(privkeyHex, 'hex'));
    this.store.setStaticKey(await this.vault.seal(privkeyHex.toLowerCase(), passphrase), key.pubkey);
    this.engine.setSecrets({ ...secrets, staticKey: key });
    return key.pubkey;
  }

  private unlockedSecrets(): Secrets {
    if (!this.mnemonicSeed) throw new VaultError('passphrase_required', 'The wallet is locked.');
    const seed = this.mnemonicSeed;
    return { seed, locking: deriveLockingKey(seed) };
  }

  // ---------------------------------------------------------------- sweeper

  /**
   * A quote the proxy heard of (0xC0), filed under the mint of the upstream that announced it. Events are
   * written in one transaction per batch, at the next pass; one lost in a crash is found again by the lookup.
   */
  onQuoteEvent(event: MintableQuote): void {
    const mintUrl = event.mintUrl ? normalizeMintUrl(event.mintUrl) : this.mintUrls[0];
    if (!mintUrl) {
      this.logger.warn('quote event without a mint to ask', { quote: event.quoteId });
      return;
    }
    const quote: { quote: string; amount: bigint; headerHash?: string; minerId?: string } = { quote: event.quoteId, amount: event.amount };
    if (event.headerHash) quote.headerHash = event.headerHash;
    if (event.minerId) quote.minerId = event.minerId;
    this.sweeper.queue(mintUrl, quote);
  }

  /**
   * Quotes another machine on this seed waited on (from its NIP-60 quote events): checked at their mints at the
   * next pass and minted when paid. A quote already known is left as it is. Returns how many were new.
   */
  noteBackupQuotes(quotes: { mint: string; quoteId: string }[]): number {
    let fresh = 0;
    this.store.tx(() => {
      for (const q of quotes) if (this.engine.quotes.noteFromBackup(normalizeMintUrl(q.mint), q.quoteId)) fresh++;
    });
    if (fresh > 0) this.sweeper.kick();
    return fresh;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    if (!this.engine.unlocked && this.store.seed() && !this.vault.needsPassphrase) {
      await this.unlock().catch((error: unknown) => this.logger.error('wallet could not be unlocked by the OS keychain', { error }));
    }
    this.sweeper.start();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.sweeper.stop();
    await this.restoreRun?.catch(() => undefined);
  }

  /** Closes the database; the service is unusable afterwards. */
  async close(): Promise<void> {
    await this.stop();
    this.store.close();
  }

  /** One sweeper pass over every mint. Resolves when the pass is over. */
  sweep(): Promise<void> {
    return this.sweeper.sweep();
  }

  private knownMints(): string[] {
    return [...new Set([...this.mintUrls, ...this.store.mints().map((m) => m.url), ...this.store.quoteMints()])];
  }

  /** A mint failed a pass: said once per outage (offline), or each time it answered something unusable. */
  private mintProblem(url: string, error: unknown, firstFailure: boolean): void {
    if (error instanceof MintError && error.kind === 'offline') {
      if (firstFailure) this.publish({ type: 'wallet.error', kind: 'mint_offline', mint: url, message: `Mint ${url} is unreachable; retrying. Nothing is lost meanwhile.` });
      return;
    }
    if (error instanceof WalletOperationError && error.code === 'bad_signature') return;
    const kind = error instanceof MintError ? (error.kind === 'rejected' ? 'mint_rejected' : 'bad_response') : 'internal';
    if (kind !== 'mint_rejected') this.publish({ type: 'wallet.error', kind, mint: url, message: (error as Error).message });
  }

  private async runRestore(): Promise<void> {
    let amount = 0n;
    try {
      for (const url of this.mintUrls) {
        amount += await this.lanes.exclusive(url, async () => {
          const ctx = await this.engine.loadMint(url);
          const result = await this.scanSeed(ctx);
          this.publish({ type: 'wallet.restore', phase: 'minting', mint: url });
          await this.engine.quotes.lookup(ctx);
          await this.engine.quotes.check(ctx, true);
          await this.engine.mintPaid(ctx);
          return result.amount;
        });
      }
      this.publish({ type: 'wallet.restore', phase: 'done', amount });
      this.publishBalance();
    } catch (error) {
      this.logger.error('restore failed', { error });
      this.publish({
        type: 'wallet.restore',
        phase: 'failed',
        message: (error as Error).message,
      });
    }
  }

  /**
   * NUT-09 at a mint this wallet is not configured for (a restore from nostr names every mint the seed used):
   * brings back what the seed minted or kept there since the last backup. Configured mints are scanned by
   * restore() itself; for them this only waits for that. Returns the proofs added.
   */
  async recoverFromSeedAt(mintUrl: string): Promise<number> {
    const url = normalizeMintUrl(mintUrl);
    await this.whenRestored();
    if (this.mintUrls.includes(url)) return 0;
    return this.lanes.withLive(url, async (ctx) => {
      const result = await this.scanSeed(ctx);
      if (result.proofs > 0) this.publishBalance();
      return result.proofs;
    });
  }

  /** NUT-09 over every keyset of a mint, with progress events. */
  private scanSeed(ctx: MintContext): ReturnType<WalletEngine['restoreMint']> {
    return this.engine.restoreMint(
      ctx,
      (p) => this.publish({ type: 'wallet.restore', phase: 'scanning', mint: p.mintUrl, keysetId: p.keysetId, counter: p.counter, found: p.found }),
      this.opts.restoreBatch ?? 200,
    );
  }

  // ---------------------------------------------------------------- reads

  balances(): Balance[] {
    return this.store.balances().map((b) => {
      const balance: Balance = { mint: b.mint_url, unit: b.unit, amount: b.amount, proofs: b.count };
      const work = this.expectedWork(b.mint_url, b.unit, b.amount);
      if (work !== undefined) balance.expectedWork = work;
      return balance;
    });
  }

  /** The hashes an amount of a unit stands for on average, when the unit's quotes say what one unit is worth. */
  expectedWork(mintUrl: string, unit: string, amount: bigint): bigint | undefined {
    return this.work.expectedWork(mintUrl, unit, amount);
  }

  history(limit?: number, beforeId?: number): HistoryRow[] {
    return this.store.history.recent(limit, beforeId);
  }

  quotes(state: QuoteState, limit?: number): QuoteRow[] {
    return this.store.quotesByState(state, undefined, limit);
  }

  /** Quotes not minted yet with the reason each waits, immature ehash, ehash near its keyset's end, mint status. */
  pending(limit = 500): PendingView {
    return {
      quotes: this.store.pendingQuotes(limit),
      immature: this.store.immature().map((i) => ({ mint: i.mint_url, unit: i.unit, amount: i.amount, quotes: i.count })),
      expiring: expiringEhash(this.engine),
      mints: this.sweeper.status(),
    };
  }

  /** share -> quote -> proofs: what a header hash turned into. */
  trace(headerHash: string): { quote: QuoteRow; proofs: { amount: bigint; state: string }[] }[] {
    return this.store.quotesByHeaderHash(headerHash.toLowerCase()).map((quote) => ({
      quote,
      proofs: this.store.proofsOfQuote(quote.mint_url, quote.id),
    }));
  }

  mints(): { url: string; configured: boolean; pubkey?: string; units: string[] }[] {
    return this.knownMints().map((url) => {
      const pubkey = this.store.mints().find((m) => m.url === url)?.pubkey;
      return { url, configured: this.mintUrls.includes(url), ...(pubkey ? { pubkey } : {}), units: [...new Set(this.store.keysets(url).map((k) => k.unit))] };
    });
  }

  pendingSends() {
    return this.store.sends('pending');
  }

  // ---------------------------------------------------------------- moves

  private pickMint(mint?: string): string {
    const url = mint ? normalizeMintUrl(mint) : this.mintUrls[0];
    if (!url) throw new WalletOperationError('unknown_mint', 'No mint configured.');
    return url;
  }

  send(input: { amount: bigint; unit?: string; mint?: string; memo?: string }): Promise<{ sendId: string; token: string }> {
    const url = this.pickMint(input.mint);
    return this.lanes.withLive(url, async (ctx) => {
      const unit = input.unit ?? this.defaultUnit(ctx.url);
      return this.engine.transfers.send(ctx, unit, input.amount, input.memo);
    });
  }

  async receive(token: string): Promise<{ amount: bigint; unit: string; mint: string }> {
    const meta = Transfers.tokenMeta(token);
    return this.lanes.withLive(meta.mint, async (ctx) => {
      const result = await this.engine.transfers.receive(ctx, token);
      return { ...result, mint: ctx.url };
    });
  }

  reclaim(sendId: string): Promise<{ amount: bigint }> {
    const send = this.store.send(sendId);
    if (!send) return Promise.reject(new WalletOperationError('not_found', 'No send with this id.'));
    return this.lanes.withLive(send.mint_url, async (ctx) => ({ amount: await this.engine.transfers.reclaim(ctx, sendId) }));
  }

  async checkSends(): Promise<number> {
    let claimed = 0;
    for (const url of new Set(this.store.sends('pending').map((s) => s.mint_url))) {
      claimed += await this.lanes.withLive(url, (ctx) => this.engine.transfers.checkSends(ctx));
    }
    return claimed;
  }

  private defaultUnit(mintUrl: string): string {
    const held = this.balances().filter((b) => b.mint === mintUrl && b.amount > 0n);
    return held[0]?.unit ?? 'hash';
  }

  // ---------------------------------------------------------------- backup surface

  backupSource(): WalletBackupSource {
    return walletBackupSource({
      store: this.store,
      engine: this.engine,
      lanes: this.lanes,
      logger: this.logger,
      knownMints: () => this.knownMints(),
      subscribe: (listener) => this.subscribe(listener),
      mnemonicSeed: () => this.mnemonicSeed,
      publishBalance: () => this.publishBalance(),
    });
  }
}

export function openWallet(opts: WalletOptions): WalletService {
  return new WalletService(opts);
}
