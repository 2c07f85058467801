/** The devnet mint's test hooks: how a test makes it behave like a particular real mint, or misbehave. */
import type { Nut20Format } from '../../lib/protocol/cashu/index';
import type { LookupRoute } from './lookup';

export interface MintHooks {
  /** New quotes stay UNPAID (amount_paid 0) until confirmQuotes(): hashpool's unconfirmed epoch boundary. */
  holdQuotesUnpaid?: boolean;
  /** The next N blind signatures use a wrong key (their DLEQ matches that key, so it fails against the keyset's). */
  wrongSignatures?: number;
  /** The next N DLEQ proofs are corrupted while C_ stays correct. */
  wrongDleqs?: number;
  /** 'refuse': every request gets 503; 'drop': every connection is destroyed unanswered. */
  offline?: false | 'refuse' | 'drop';
  /** NUT-20 formats accepted (default both); ['legacy'] acts like a mint from before the current message. */
  nut20Formats?: Nut20Format[];
  /** For the pool: delay before the 0xC0 notification of each paid quote. */
  notificationDelayMs?: number;
  /** For the pool: drop the 0xC0 notifications of the next N quotes. */
  dropNotifications?: number;
  /** NUT-29 batch limit enforced (default MAX_BATCH_SIZE) */
  maxBatchSize?: number;
  /** false: the limit is not advertised in /v1/info (clients must handle 11017) */
  advertiseBatchSize?: boolean;
  /** which quote lookup routes answer (default both; [] = hashpool master, which has none) */
  lookupRoutes?: LookupRoute[];
  /** quotes per page of the #341 lookup (default 100) */
  lookupPageSize?: number;
  /** refuse to mint paid quotes past their expiry (20007), as a mint enforcing expiry would */
  enforceExpiry?: boolean;
  /** every Nth HTTP request is answered 503 (a mint behind a flaky proxy) */
  failEvery?: number;
  /** scripted refusals: requests whose path matches answer {detail, code} with `status` (default 400), `times` times (default always) */
  refuse?: { path: string | RegExp; code: number; status?: number; times?: number }[];
  /** seconds added to the mint's clock (expiry of keysets, lookup timestamps, /v1/info time) */
  clockOffsetSeconds?: number;
  /** confirmations a provisional epoch needs (default EPOCH_CONFIRMATIONS) */
  epochConfirmations?: number;
}
