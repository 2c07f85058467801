/**
 * The wallet engine: the operation modules around one small core, wired once. The core (core.ts) owns the
 * keys, the write-ahead log and the NUT-13 counter reservation; around it, one module per operation, the way
 * cashu-ts separates them: mints and keysets (mints.ts), the quote queue (quotes.ts), minting (minting.ts),
 * swaps and consolidation (swap.ts), send/receive/reclaim (send.ts), recovery of interrupted operations
 * (recover.ts), NUT-09/NUT-07 restore (restore.ts). The service (service.ts, sweeper.ts) drives it.
 */
import type { Logger } from '../../lib/log';
import { type EngineEvent, type MintContext, type OperationStep, type Secrets, WalletCore } from './core';
import { MintError } from './mint-client';
import { Minter } from './minting';
import { MintDirectory } from './mints';
import { type QuoteBackoff, QuoteBook } from './quotes';
import { Recovery } from './recover';
import { Restorer } from './restore';
import { Transfers } from './send';
import type { WalletStore } from './store';
import { CONSOLIDATE_ABOVE, Swapper } from './swap';

export { CONSOLIDATE_ABOVE } from './swap';

/** how often a batch the mint did not answer is recovered at once, before the mint is backed off */
const IMMEDIATE_RECOVERIES = 2;
export { type EngineEvent, type Keyset, type MintContext, type OperationStep, type Secrets, type WalletErrorKind, WalletOperationError } from './core';

export class WalletEngine {
  readonly core: WalletCore;
  readonly directory: MintDirectory;
  readonly quotes: QuoteBook;
  readonly minter: Minter;
  readonly restorer: Restorer;
  readonly swapper: Swapper;
  readonly transfers: Transfers;
  readonly recovery: Recovery;

  constructor(
    readonly store: WalletStore,
    logger: Logger,
    emit: (event: EngineEvent) => void,
    onStep?: (step: OperationStep) => void,
    backoff: QuoteBackoff = { baseMs: 5_000, maxMs: 3_600_000 },
  ) {
    this.core = new WalletCore(store, logger, emit, onStep);
    this.directory = new MintDirectory(store, logger, this.core.mints);
    this.quotes = new QuoteBook(this.core, this.directory, backoff);
    this.minter = new Minter(this.core, this.directory, this.quotes);
    this.restorer = new Restorer(this.core);
    this.swapper = new Swapper(this.core, this.directory, this.restorer);
    this.transfers = new Transfers(this.core, this.directory, this.swapper);
    this.recovery = new Recovery(this.core, this.directory, this.minter, this.swapper);
  }

  get mints(): Map<string, MintContext> {
    return this.core.mints;
  }

  setSecrets(secrets: Secrets | undefined): void {
    this.core.setSecrets(secrets);
  }

  get unlocked(): boolean {
    return this.core.unlocked;
  }

  /** Loads (or re-reads) a mint's info and keysets. Throws MintError when it is offline. */
  loadMint(url: string): Promise<MintContext> {
    return this.directory.load(url);
  }

  recover(ctx: MintContext): Promise<void> {
    return this.recovery.recover(ctx);
  }

  /**
   * Mints every paid quote whose back-off is over. A batch the mint did not answer (a 503, a broken connection) is
   * finished by recovery right away (NUT-09 first, then the same request), twice at most, before the mint is
   * given up on for this pass.
   */
  async mintPaid(ctx: MintContext): Promise<void> {
    return this.minter.mintDue(ctx, async (run) => {
      for (let retries = 0; ; retries++) {
        try {
          await this.restorer.withCounterRecovery(ctx, run);
          return;
        } catch (error) {
          if (!(error instanceof MintError) || error.kind !== 'offline' || retries >= IMMEDIATE_RECOVERIES) throw error;
        }
        // the operation is in the log: recovery finishes it whether or not the mint served it
        run = () => this.recovery.recover(ctx);
      }
    });
  }

  consolidate(ctx: MintContext, threshold = CONSOLIDATE_ABOVE): Promise<number> {
    return this.swapper.consolidate(ctx, threshold);
  }

  restoreMint(...args: Parameters<Restorer['restoreMint']>): ReturnType<Restorer['restoreMint']> {
    return this.restorer.restoreMint(...args);
  }
}
