/**
 * The wallet figures /metrics exports, read with two aggregate queries over the wallet's own tables
 * (earned = what the mint issued for the pool's quotes, as the history records it; pending = quotes not
 * issued yet). Amounts become floats here: Prometheus samples are float64.
 */
import type { WalletService } from '../wallet';
import type { WalletFigures } from './metrics';

export function walletFigures(wallet: WalletService): WalletFigures {
  const { exists, locked } = wallet.status();
  const db = wallet.store.db;
  const earned = db.prepare("SELECT mint_url AS mint, unit, TOTAL(CAST(amount AS REAL)) AS amount FROM history WHERE kind = 'mint' GROUP BY mint_url, unit").all() as WalletFigures['earned'];
  const pending = db
    .prepare(
      "SELECT mint_url AS mint, COALESCE(unit, '') AS unit, state, COUNT(*) AS quotes, TOTAL(CAST(amount AS REAL)) AS amount FROM quotes WHERE state IN ('unpaid', 'paid') GROUP BY mint_url, unit, state",
    )
    .all() as WalletFigures['pending'];
  return {
    unlocked: exists && !locked,
    balances: wallet.balances().map((b) => ({ mint: b.mint, unit: b.unit, amount: b.amount })),
    earned,
    pending,
  };
}
