/**
 * What the wallet does about every error code a mint can answer: each code of cashubtc/nuts error_codes.md (read at
 * 3ddb1ae7, 2026-07-01) plus CDK's 50000 (an unknown quote, cashubtc/cdk 4c74b262), in one table. A code the
 * table does not know is treated like a refusal of one quote of the request ('culprit'), the safest reading:
 * the request is split until the quote it objects to is found, and every other quote is minted.
 *
 * Transport failures are not in the table: a timeout, a refused connection, a 5xx or a 429 is MintError('offline'),
 * which backs the mint off and leaves every operation for recovery (the same request again, never a new one).
 */

/** How a refusal is handled. */
export type MintErrorClass =
  /** one quote (or its lock) is the problem: split the request to find it; its own reaction (QuoteReaction) applies */
  | 'culprit'
  /** the request is larger than the mint takes: halve it, remember the size */
  | 'batch-size'
  /** a keyset is unknown, inactive or expired: read the keysets again and redo the outputs on the active one */
  | 'keyset'
  /** the outputs were signed before (this seed used elsewhere): NUT-09 scan past the used counters, then again */
  | 'counters'
  /** something is pending at the mint: ask again later */
  | 'later'
  /** swap inputs already spent */
  | 'spent'
  /** swap inputs that do not verify */
  | 'bad-proof'
  /** the request itself was malformed (duplicates): a bug on our side; the quotes are re-read and retried later */
  | 'request'
  /** minting is switched off at the mint: every quote waits */
  | 'disabled'
  /** the mint wants NUT-21/22 authentication, which Axewallet does not do: every quote waits, with that reason */
  | 'auth'
  /** melt and Lightning codes: Axewallet never melts; such an answer to a mint request is a plain refusal */
  | 'melt';

/** What a single quote's refusal means for that quote. */
export type QuoteReaction = 'unpaid' | 'issued' | 'pending' | 'expired' | 'signature' | 'unknown' | 'recheck';

export interface MintErrorRule {
  code: number;
  meaning: string;
  class: MintErrorClass;
  /** for 'culprit': what the refusal of one quote means for it */
  quote?: QuoteReaction;
}

const rules: MintErrorRule[] = [
  { code: 10001, meaning: 'Proof verification failed', class: 'bad-proof' },
  { code: 11001, meaning: 'Proofs already spent', class: 'spent' },
  { code: 11002, meaning: 'Proofs are pending', class: 'later' },
  { code: 11003, meaning: 'Outputs already signed', class: 'counters' },
  { code: 11004, meaning: 'Outputs are pending', class: 'later' },
  // our outputs sum to the quotes' amounts as we know them: the mint knows one quote differently
  { code: 11005, meaning: 'Transaction is not balanced (inputs != outputs)', class: 'culprit', quote: 'recheck' },
  { code: 11006, meaning: 'Amount outside of limit range', class: 'culprit', quote: 'recheck' },
  { code: 11007, meaning: 'Duplicate inputs provided', class: 'request' },
  { code: 11008, meaning: 'Duplicate outputs provided', class: 'request' },
  // one quote moved to another unit (an epoch reorg) while we built outputs for the old one
  { code: 11009, meaning: 'Inputs/Outputs of multiple units', class: 'culprit', quote: 'recheck' },
  { code: 11010, meaning: 'Inputs and outputs not of same unit', class: 'culprit', quote: 'recheck' },
  { code: 11011, meaning: 'Amountless invoice is not supported', class: 'melt' },
  { code: 11012, meaning: 'Amount in request does not equal invoice', class: 'melt' },
  { code: 11013, meaning: 'Unit in request is not supported', class: 'keyset' },
  { code: 11014, meaning: 'Max inputs exceeded', class: 'batch-size' },
  { code: 11015, meaning: 'Max outputs exceeded', class: 'batch-size' },
  { code: 11016, meaning: 'Duplicate quote IDs provided', class: 'request' },
  { code: 11017, meaning: 'Max batch size exceeded', class: 'batch-size' },
  { code: 12001, meaning: 'Keyset is not known', class: 'keyset' },
  { code: 12002, meaning: 'Keyset is inactive, cannot sign messages', class: 'keyset' },
  { code: 12003, meaning: 'Keyset has expired', class: 'keyset' },
  { code: 20001, meaning: 'Quote request is not paid', class: 'culprit', quote: 'unpaid' },
  { code: 20002, meaning: 'Quote has already been issued', class: 'culprit', quote: 'issued' },
  { code: 20003, meaning: 'Minting is disabled', class: 'disabled' },
  { code: 20004, meaning: 'Lightning payment failed', class: 'melt' },
  { code: 20005, meaning: 'Quote is pending', class: 'culprit', quote: 'pending' },
  { code: 20006, meaning: 'Invoice already paid', class: 'melt' },
  { code: 20007, meaning: 'Quote is expired', class: 'culprit', quote: 'expired' },
  { code: 20008, meaning: 'Signature for mint request invalid', class: 'culprit', quote: 'signature' },
  { code: 20009, meaning: 'Pubkey required for mint quote', class: 'culprit', quote: 'signature' },
  { code: 30001, meaning: 'Endpoint requires clear auth', class: 'auth' },
  { code: 30002, meaning: 'Clear authentication failed', class: 'auth' },
  { code: 31001, meaning: 'Endpoint requires blind auth', class: 'auth' },
  { code: 31002, meaning: 'Blind authentication failed', class: 'auth' },
  { code: 31003, meaning: 'Maximum BAT mint amount exceeded', class: 'auth' },
  { code: 31004, meaning: 'BAT mint rate limit exceeded', class: 'auth' },
  // not in error_codes.md: CDK answers an unknown quote id (and a concurrent update) with 50000
  { code: 50000, meaning: 'Unknown quote (CDK)', class: 'culprit', quote: 'unknown' },
];

export const MINT_ERRORS: ReadonlyMap<number, MintErrorRule> = new Map(rules.map((r) => [r.code, r]));

const UNKNOWN_CODE: MintErrorRule = { code: -1, meaning: 'a refusal without a known code', class: 'culprit', quote: 'recheck' };

/** The rule for a code (undefined: the mint gave none or one not in the table). */
export function mintErrorRule(code: number | undefined): MintErrorRule {
  return (code !== undefined && MINT_ERRORS.get(code)) || UNKNOWN_CODE;
}

/** Codes the wallet tells apart by name. */
export const MINT_ERROR = {
  TOKEN_SPENT: 11001,
  OUTPUTS_ALREADY_SIGNED: 11003,
  NUT20_SIGNATURE: 20008,
} as const;
