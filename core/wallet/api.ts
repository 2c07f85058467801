/** Binds the wallet service to the API contract (core/api/wallet.ts): handlers, error mapping, events. */
import { getTokenMetadata } from '@cashu/cashu-ts';
import { type AmountJson, ApiError, amountToJson, type ApiErrorCode } from '../api/define';
import type { ApiHost } from '../api/host';
import { type ActivityEntry, earningsSeries, groupActivity, earningsRanges } from './earnings';
import { WalletOperationError } from './engine';
import { Transfers } from './send';
import { createMnemonic } from './keys';
import { MintError } from './mint-client';
import type { QuoteRow } from './store';
import type { Balance, WalletEvent, WalletService } from './service';
import { VaultError } from './vault';

const operationCodes: Record<WalletOperationError['code'], [ApiErrorCode, string]> = {
  wallet_exists: ['conflict', 'This home already has a wallet; unlock it instead.'],
  other_wallet: ['conflict', 'Restoring other words here would mix two wallets: open the wallet that is here, or run Axewallet with another home (--home) for these words.'],
  invalid_input: ['bad_request', 'Check the value and try again.'],
  invalid_token: ['bad_request', 'Ask the sender for the token again; it may have been cut off.'],
  token_spent: ['conflict', 'This ecash was already claimed; nothing was added.'],
  foreign_unit: ['bad_request', 'This token is in a unit the mint does not offer here.'],
  foreign_lock: ['bad_request', 'This token is locked to someone else’s key.'],
  insufficient_funds: ['conflict', 'Send less, or wait for more shares to be minted.'],
  unknown_mint: ['not_found', 'Configure a mint in Settings.'],
  mint_offline: ['unavailable', 'The mint is unreachable; try again later. Nothing was lost.'],
  mint_rejected: ['upstream_error', 'The mint refused the request; the Logs page has its answer.'],
  bad_signature: ['upstream_error', 'The mint answered with invalid signatures; nothing was stored.'],
  not_found: ['not_found', 'Refresh and try again.'],
};

export function toApiError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  if (error instanceof WalletOperationError) {
    const [code, hint] = operationCodes[error.code];
    return error.code === 'other_wallet' ? new ApiError(code, error.message, hint, 'mnemonic') : new ApiError(code, error.message, hint);
  }
  if (error instanceof VaultError) {
    if (error.code === 'wrong_passphrase') return new ApiError('forbidden', error.message, 'Type the passphrase again.', 'passphrase');
    if (error.code === 'passphrase_required') return new ApiError('locked', error.message, 'Unlock the wallet with its passphrase.', 'passphrase');
    if (error.code === 'weak_passphrase') return new ApiError('bad_request', error.message, 'Choose a longer passphrase.', 'passphrase');
    return new ApiError('unavailable', error.message);
  }
  if (error instanceof MintError) return new ApiError(error.kind === 'offline' ? 'unavailable' : 'upstream_error', error.message);
  return error;
}

function quoteJson(q: QuoteRow) {
  return {
    id: q.id,
    mint: q.mint_url,
    unit: q.unit,
    amount: q.amount === null ? null : amountToJson(BigInt(q.amount)),
    headerHash: q.header_hash,
    minerId: q.miner_id,
    state: q.state,
    source: q.source,
    seenAt: q.seen_at,
    issuedAt: q.issued_at,
    reason: q.reason,
    ...(q.retry_at > Date.now() ? { retryAt: q.retry_at } : {}),
  };
}

function balanceJson(b: Balance) {
  const out: { mint: string; unit: string; amount: AmountJson; proofs: number; expectedWork?: AmountJson } = {
    mint: b.mint,
    unit: b.unit,
    amount: amountToJson(b.amount),
    proofs: b.proofs,
  };
  if (b.expectedWork !== undefined) out.expectedWork = amountToJson(b.expectedWork);
  return out;
}

function state(wallet: WalletService) {
  const status = wallet.status();
  const out = {
    ...status,
    balances: wallet.balances().map(balanceJson),
    pendingQuotes: wallet.store.countQuotes(['unpaid', 'paid']),
  };
  return out;
}

function eventJson(event: WalletEvent) {
  switch (event.type) {
    case 'wallet.balance':
      return {
        ...event,
        balances: event.balances.map(balanceJson),
      };
    case 'wallet.proof':
      return { ...event, amount: amountToJson(event.amount) };
    case 'wallet.alert':
      return { ...event, amount: amountToJson(event.amount) };
    case 'wallet.restore': {
      const { amount, ...rest } = event;
      return amount === undefined ? rest : { ...rest, amount: amountToJson(amount) };
    }
    default:
      return event;
  }
}

/** A mint this wallet may contact for a token: configured here, or used before (it holds keysets of ours). */
function isTrusted(wallet: WalletService, mintUrl: string): boolean {
  return wallet.mints().some((m) => m.url === mintUrl);
}

/**
 * Receiving a token means trusting its mint with the value and contacting it. A mint the wallet never used is
 * refused, before any request to it, until the user confirms it (trustMint); the error carries the mint's URL.
 */
function requireTrustedMint(wallet: WalletService, token: string, confirmed: boolean | undefined): void {
  const { mint } = Transfers.tokenMeta(token);
  if (confirmed || isTrusted(wallet, mint)) return;
  throw new ApiError(
    'conflict',
    `This token comes from a mint this wallet has never used: ${mint}. Receiving it means trusting that mint with the amount.`,
    'Check the mint address with the sender; to go ahead, confirm this mint (trustMint: true).',
    'trustMint',
    { reason: 'confirm_mint', mint },
  );
}

/** Amount, unit, mint and memo of a token, read from the token alone (no request to its mint). */
function previewToken(wallet: WalletService, token: string) {
  const { mint, unit } = Transfers.tokenMeta(token);
  const meta = getTokenMetadata(token.trim());
  const proofs = meta.incompleteProofs;
  const out: { mint: string; unit: string; amount: AmountJson; proofs: number; trusted: boolean; locked: boolean; memo?: string } = {
    mint,
    unit,
    amount: amountToJson(meta.amount.toBigInt()),
    proofs: proofs.length,
    trusted: isTrusted(wallet, mint),
    locked: proofs.some((p) => p.secret.startsWith('["P2PK"')),
  };
  if (meta.memo) out.memo = meta.memo;
  return out;
}

function activityJson(entry: ActivityEntry) {
  const { amount, returned, ...rest } = entry;
  return { ...rest, amount: amountToJson(amount), ...(returned === undefined ? {} : { returned: amountToJson(returned) }) };
}

/** Registers every wallet command on the host and forwards wallet events; returns the unsubscribe. */
export function registerWalletApi(host: ApiHost, wallet: WalletService): () => void {
  const guard =
    <I, O>(fn: (input: I) => Promise<O> | O) =>
    async (input: I): Promise<O> => {
      try {
        return await fn(input);
      } catch (error) {
        throw toApiError(error);
      }
    };

  host.handle(
    'wallet.get',
    guard(() => state(wallet)),
  );
  host.handle(
    'wallet.create',
    guard((input) => wallet.create(input.passphrase, input.mnemonic)),
  );
  // words to write down and confirm before wallet.create installs them: nothing exists until then
  host.handle('wallet.newWords', () => ({ mnemonic: createMnemonic() }));
  host.handle(
    'wallet.restore',
    guard((input) => wallet.restore(input.mnemonic, input.passphrase)),
  );
  host.handle(
    'wallet.unlock',
    guard(async (input) => {
      await wallet.unlock(input.passphrase);
      return state(wallet);
    }),
  );
  host.handle(
    'wallet.lock',
    guard(() => {
      wallet.lock();
      return state(wallet);
    }),
  );
  host.handle(
    'wallet.lockingKey',
    guard(async (input) => {
      await wallet.setStaticKey(input.privkey, input.passphrase);
      return state(wallet);
    }),
  );
  host.handle(
    'wallet.history',
    guard((input) => ({
      entries: wallet.history(input.limit, input.before).map((h) => ({
        id: h.id,
        at: h.at,
        kind: h.kind,
        direction: h.direction,
        mint: h.mint_url,
        unit: h.unit,
        amount: amountToJson(BigInt(h.amount)),
        ref: h.ref,
        memo: h.memo,
      })),
    })),
  );
  host.handle(
    'wallet.quotes',
    guard((input) => ({
      quotes: wallet.quotes(input.state, input.limit).map(quoteJson),
    })),
  );
  host.handle(
    'wallet.pending',
    guard((input) => {
      const view = wallet.pending(input.limit);
      return {
        quotes: view.quotes.map(quoteJson),
        immature: view.immature.map((i) => {
          const work = wallet.expectedWork(i.mint, i.unit, i.amount);
          return { mint: i.mint, unit: i.unit, amount: amountToJson(i.amount), quotes: i.quotes, ...(work === undefined ? {} : { expectedWork: amountToJson(work) }) };
        }),
        expiring: view.expiring.map((e) => ({ ...e, amount: amountToJson(e.amount) })),
        mints: view.mints,
      };
    }),
  );
  host.handle(
    'wallet.trace',
    guard((input) => ({
      quotes: wallet.trace(input.headerHash).map((t) => ({
        quote: quoteJson(t.quote),
        proofs: t.proofs.map((p) => ({
          amount: amountToJson(p.amount),
          state: p.state,
        })),
      })),
    })),
  );
  host.handle(
    'wallet.send',
    guard(async (input) => {
      const request: Parameters<WalletService['send']>[0] = {
        amount: BigInt(input.amount),
      };
      if (input.unit) request.unit = input.unit;
      if (input.mint) request.mint = input.mint;
      if (input.memo) request.memo = input.memo;
      const { sendId, token } = await wallet.send(request);
      return { id: sendId, token };
    }),
  );
  host.handle(
    'wallet.receive',
    guard(async (input) => {
      requireTrustedMint(wallet, input.token, input.trustMint);
      const result = await wallet.receive(input.token);
      return {
        mint: result.mint,
        unit: result.unit,
        amount: amountToJson(result.amount),
      };
    }),
  );
  host.handle(
    'wallet.previewToken',
    guard((input) => previewToken(wallet, input.token)),
  );
  host.handle(
    'wallet.earnings',
    guard((input) => {
      const now = Date.now();
      const earnings = earningsSeries(wallet.store.history.mintedSince(now - earningsRanges[input.range].spanMs - earningsRanges[input.range].bucketMs), input.range, now);
      return {
        ...earnings,
        series: earnings.series.map((s) => ({ ...s, total: amountToJson(s.total), buckets: s.buckets.map(amountToJson) })),
      };
    }),
  );
  host.handle(
    'wallet.activity',
    guard((input) => {
      // from the start of the reader's local day, (days - 1) days ago
      const offsetMs = input.utcOffsetMinutes * 60_000;
      const today = Math.floor((Date.now() + offsetMs) / 86_400_000) * 86_400_000 - offsetMs;
      const since = today - (input.days - 1) * 86_400_000;
      return {
        days: groupActivity(wallet.store.history.mintedSince(since), wallet.store.history.besidesMintingSince(since), input.utcOffsetMinutes).map((d) => ({
          day: d.day,
          entries: d.entries.map(activityJson),
        })),
      };
    }),
  );
  host.handle(
    'wallet.sends',
    guard(() => ({
      sends: wallet.pendingSends().map((s) => ({
        id: s.id,
        mint: s.mint_url,
        unit: s.unit,
        amount: amountToJson(BigInt(s.amount)),
        memo: s.memo,
        token: s.token,
        createdAt: s.created_at,
      })),
    })),
  );
  host.handle(
    'wallet.reclaim',
    guard(async (input) => ({
      amount: amountToJson((await wallet.reclaim(input.id)).amount),
    })),
  );
  host.handle(
    'wallet.mints',
    guard(() => ({ mints: wallet.mints() })),
  );

  return wallet.subscribe((event) => {
    try {
      host.emit(eventJson(event) as never);
    } catch {
      // an event outside the contract is a bug here; never let it stop the wallet
    }
  });
}
