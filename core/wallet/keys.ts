/**
 * Everything the wallet derives from its seed: the BIP39 mnemonic and seed, the P2PK locking key,
 * NUT-13 deterministic outputs (plain and P2PK-locked) and NUT-11 witnesses. Pure functions; no I/O.
 * (NUT-20 and quote-lookup signatures come from lib/protocol/cashu.)
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';
import { generateMnemonic, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { blindMessages, isValidScalar, type OutputSecret, outputSecretDeriver, parseWellKnownSecret, schnorrSign, secp } from '../../lib/protocol/cashu';

/** m / cashu purpose (NUT-13's 129372') / 10' = Axewallet P2PK locking keys / account 0' / key 0'. */
export const LOCKING_KEY_PATH = "m/129372'/10'/0'/0'";

export function createMnemonic(): string {
  return generateMnemonic(wordlist, 128);
}

export function normalizeMnemonic(mnemonic: string): string {
  return mnemonic.trim().toLowerCase().split(/\s+/).join(' ');
}

export function isValidMnemonic(mnemonic: string): boolean {
  return validateMnemonic(normalizeMnemonic(mnemonic), wordlist);
}

/** The 64-byte BIP39 seed (no BIP39 passphrase) that NUT-13 and NUT-27 derive from. */
export function bip39Seed(mnemonic: string): Uint8Array {
  return mnemonicToSeedSync(normalizeMnemonic(mnemonic));
}

export interface LockingKey {
  privkey: Uint8Array;
  /** 33-byte compressed, hex: what the proxy announces in user_identity and quotes lock to */
  pubkey: string;
}

export function deriveLockingKey(seed: Uint8Array): LockingKey {
  const node = HDKey.fromMasterSeed(seed).derive(LOCKING_KEY_PATH);
  if (!node.privateKey) throw new Error('locking key derivation failed');
  return lockingKeyFromPrivkey(node.privateKey);
}

export function lockingKeyFromPrivkey(privkey: Uint8Array): LockingKey {
  if (!isValidScalar(privkey)) throw new Error('not a valid secp256k1 private key');
  return {
    privkey: Uint8Array.from(privkey),
    pubkey: bytesToHex(secp().baseMultiply(privkey)),
  };
}

/** How an output's secret is formed: plain NUT-13 hex, or NUT-10 P2PK with the NUT-13 secret as nonce. */
export type OutputForm = 'plain' | 'p2pk';

/** The exact secret string of a P2PK output; the same inputs always give the same string (restore depends on it). */
export function p2pkSecret(nonceHex: string, pubkey: string): string {
  return `["P2PK",{"nonce":"${nonceHex}","data":"${pubkey}","tags":[]}]`;
}

export interface BlindedOutput {
  amount: bigint;
  keysetId: string;
  counter: number;
  form: OutputForm;
  secret: string;
  /** blinding factor r */
  r: Uint8Array;
  /** hash_to_curve(secret), the proof's Y */
  Y: Uint8Array;
  /** B_ = Y + r·G, compressed hex */
  B_: string;
}

const derivers = new WeakMap<Uint8Array, Map<string, (counter: number) => OutputSecret>>();

/** NUT-13 secret and r for `counter`; the per-keyset deriver (BIP32 node for v1 ids) is kept per seed. */
function nut13(seed: Uint8Array, keysetId: string, counter: number): OutputSecret {
  let bySeed = derivers.get(seed);
  if (!bySeed) derivers.set(seed, (bySeed = new Map()));
  let derive = bySeed.get(keysetId);
  if (!derive) bySeed.set(keysetId, (derive = outputSecretDeriver(seed, keysetId)));
  return derive(counter);
}

/** One NUT-13 output to derive: its counter, amount and form (`lockTo` is required for the P2PK form). */
export interface OutputRequest {
  counter: number;
  amount: bigint;
  form: OutputForm;
  lockTo?: string;
}

/** NUT-13 outputs of `keysetId`, blinded together (one backend call for a whole batch where the backend has one). */
export function deterministicOutputs(seed: Uint8Array, keysetId: string, requests: readonly OutputRequest[]): BlindedOutput[] {
  const derived = requests.map(({ counter, form, lockTo }) => {
    const { secret: nonceHex, r } = nut13(seed, keysetId, counter);
    if (form !== 'p2pk') return { secret: nonceHex, r };
    if (!lockTo) throw new Error('a P2PK output needs a locking pubkey');
    return { secret: p2pkSecret(nonceHex, lockTo), r };
  });
  const blinded = blindMessages(
    derived.map((d) => utf8ToBytes(d.secret)),
    derived.map((d) => d.r),
  );
  return requests.map(({ counter, amount, form }, i) => ({ amount, keysetId, counter, form, secret: derived[i]!.secret, r: derived[i]!.r, Y: blinded[i]!.Y, B_: bytesToHex(blinded[i]!.B_) }));
}

/** NUT-13 output `counter` of `keysetId`, blinded. `lockTo` is required for the P2PK form. */
export function deterministicOutput(seed: Uint8Array, keysetId: string, counter: number, amount: bigint, form: OutputForm, lockTo?: string): BlindedOutput {
  return deterministicOutputs(seed, keysetId, [lockTo === undefined ? { counter, amount, form } : { counter, amount, form, lockTo }])[0]!;
}

/** Splits an amount into powers of two, largest first (one proof per set bit). */
export function splitAmount(amount: bigint): bigint[] {
  const parts: bigint[] = [];
  for (let bit = 63n; bit >= 0n; bit--) {
    const value = 1n << bit;
    if (amount & value) parts.push(value);
  }
  return parts;
}

export function signDigest(digest: Uint8Array, privkey: Uint8Array): string {
  return bytesToHex(schnorrSign(digest, privkey));
}

/** NUT-11 witness for a P2PK proof: a Schnorr signature over SHA256(secret). */
export function p2pkWitness(secret: string, privkey: Uint8Array): string {
  return JSON.stringify({
    signatures: [signDigest(sha256(utf8ToBytes(secret)), privkey)],
  });
}

export type SecretKind = { kind: 'plain' } | { kind: 'p2pk'; pubkey: string } | { kind: 'other'; name: string };

/** What spending a proof with this secret requires: nothing, a P2PK signature, or a condition this wallet cannot meet. */
export function secretKind(secret: string): SecretKind {
  let parsed: ReturnType<typeof parseWellKnownSecret>;
  try {
    parsed = parseWellKnownSecret(secret);
  } catch {
    return { kind: 'other', name: 'malformed' };
  }
  if (!parsed) return { kind: 'plain' };
  if (parsed.kind === 'P2PK' && parsed.tags.length === 0) return { kind: 'p2pk', pubkey: parsed.data.toLowerCase() };
  return { kind: 'other', name: parsed.kind };
}

export { bytesToHex, hexToBytes };
