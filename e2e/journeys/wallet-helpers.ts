/** API-side checks the journeys make next to what the UI shows. */
import type { CommandOutput } from '../../core/api/contract';
import type { ServeInstance } from '../harness';
import { expect, waitFor } from '../harness';

export type WalletState = CommandOutput<'wallet.get'>;
export type History = CommandOutput<'wallet.history'>;

export const PASSPHRASE = 'correct horse battery staple';

export async function wallet(serve: ServeInstance): Promise<WalletState> {
  const answer = await serve.api_call<WalletState>('GET', '/wallet');
  expect(answer.status === 200, `GET /wallet answered ${answer.status}`);
  return answer.body;
}

export function balanceAt(state: WalletState, mint?: string, unit?: string): bigint {
  return state.balances.filter((b) => (!mint || b.mint === mint) && (!unit || b.unit === unit)).reduce((sum, b) => sum + BigInt(b.amount), 0n);
}

export async function history(serve: ServeInstance): Promise<History['entries']> {
  const answer = await serve.api_call<History>('GET', '/wallet/history?limit=1000');
  expect(answer.status === 200, `GET /wallet/history answered ${answer.status}`);
  return answer.body.entries;
}

/** Σ in − Σ out of the history, per mint|unit. */
export function historyNet(entries: History['entries']): Map<string, bigint> {
  const net = new Map<string, bigint>();
  for (const e of entries) {
    if (e.kind === 'claimed') continue; // a send's claim moves nothing: the send already counted
    const key = `${e.mint}|${e.unit}`;
    net.set(key, (net.get(key) ?? 0n) + (e.direction === 'in' ? BigInt(e.amount) : -BigInt(e.amount)));
  }
  return net;
}

export function balancesByKey(state: WalletState): Map<string, bigint> {
  return new Map(state.balances.map((b) => [`${b.mint}|${b.unit}`, BigInt(b.amount)]));
}

/** Waits until nothing is waiting to be minted and the balance stops moving. */
export async function settledWallet(serve: ServeInstance, timeoutMs = 60_000): Promise<WalletState> {
  let previous = '';
  return waitFor(
    async () => {
      const state = await wallet(serve);
      const key = JSON.stringify(state.balances);
      const settled = state.pendingQuotes === 0 && key === previous;
      previous = key;
      return settled ? state : undefined;
    },
    'the wallet settles (no quote waiting, balance steady)',
    timeoutMs,
    1500,
  );
}
