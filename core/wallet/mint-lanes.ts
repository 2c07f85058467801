/**
 * One lane per mint: the wallet's moves, sweeps and recoveries at one mint run one at a time, and each starts from a
 * live context, the mint loaded and its interrupted operations finished. Two of them choosing the same proofs, or two
 * recoveries resending the same operation, would only earn a refusal from the mint. Other mints are not held up.
 */
import { type MintContext, type WalletEngine, WalletOperationError } from './engine';
import { MintError } from './mint-client';
import { VaultError } from './vault';

export class MintLanes {
  /** the last run in each mint's lane */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(private readonly engine: WalletEngine) {}

  /** Runs `fn` alone among the runs at `mintUrl`, after those queued before it (whether they failed or not). */
  exclusive<T>(mintUrl: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(mintUrl) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(mintUrl, settled);
    void settled.then(() => {
      if (this.tails.get(mintUrl) === settled) this.tails.delete(mintUrl);
    });
    return run;
  }

  /** Runs `fn` alone among the runs at `mintUrl`, with the mint live (see `live`). */
  withLive<T>(mintUrl: string, fn: (ctx: MintContext) => Promise<T>): Promise<T> {
    return this.exclusive(mintUrl, async () => fn(await this.live(mintUrl)));
  }

  /** A loaded mint; finishes its interrupted operations first so a move never races a recovery. */
  async live(url: string): Promise<MintContext> {
    if (!this.engine.unlocked) throw new VaultError('passphrase_required', 'The wallet is locked.');
    try {
      const ctx = this.engine.mints.get(url) ?? (await this.engine.loadMint(url));
      await this.engine.recover(ctx);
      return ctx;
    } catch (error) {
      if (error instanceof MintError) {
        throw new WalletOperationError(error.kind === 'offline' ? 'mint_offline' : 'mint_rejected', error.message);
      }
      throw error;
    }
  }
}
