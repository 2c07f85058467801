/** Mint errors as the wire carries them: HTTP 400 with {detail, code}, codes from cashubtc/nuts error_codes.md. */
export const ErrorCode = {
  /** Malformed request (no NUT code covers it). */
  BAD_REQUEST: 10000,
  PROOF_VERIFICATION_FAILED: 10001,
  PROOFS_ALREADY_SPENT: 11001,
  OUTPUTS_ALREADY_SIGNED: 11003,
  TRANSACTION_UNBALANCED: 11005,
  AMOUNT_OUT_OF_RANGE: 11006,
  DUPLICATE_INPUTS: 11007,
  DUPLICATE_OUTPUTS: 11008,
  MULTIPLE_UNITS: 11009,
  UNIT_MISMATCH: 11010,
  UNIT_NOT_SUPPORTED: 11013,
  MAX_INPUTS_EXCEEDED: 11014,
  MAX_OUTPUTS_EXCEEDED: 11015,
  DUPLICATE_QUOTE_IDS: 11016,
  MAX_BATCH_SIZE_EXCEEDED: 11017,
  KEYSET_UNKNOWN: 12001,
  KEYSET_INACTIVE: 12002,
  KEYSET_EXPIRED: 12003,
  /** Unknown quote id: no NUT code exists; CDK (cashubtc/cdk 4c74b262, cdk-common error.rs) answers 50000. */
  UNKNOWN_QUOTE: 50000,
  QUOTE_NOT_PAID: 20001,
  QUOTE_ALREADY_ISSUED: 20002,
  MINTING_DISABLED: 20003,
  QUOTE_EXPIRED: 20007,
  QUOTE_SIGNATURE_INVALID: 20008,
  PUBKEY_REQUIRED: 20009,
} as const;

/** What the mint answers a request it refuses: NUT-00's {detail, code} with an HTTP status (the wallet reads it as core/wallet's MintError). */
export class MintErrorResponse extends Error {
  constructor(
    readonly code: number,
    readonly detail: string,
    readonly status = 400,
  ) {
    super(detail);
    this.name = 'MintErrorResponse';
  }
}

export function mintError(code: number, detail: string): MintErrorResponse {
  return new MintErrorResponse(code, detail);
}
