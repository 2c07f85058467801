/**
 * Every key the backup uses, derived from the wallet's BIP39 seed so the mnemonic alone restores
 * everything:
 * - the nostr identity (NIP-06: m/44'/1237'/0'/0/0) signs and self-encrypts the NIP-60 events;
 * - the NIP-60 wallet `privkey` (the key that unlocks P2PK ecash) is a different key, as NIP-60 requires:
 *   the wallet's own P2PK locking key when it has one, else HMAC-SHA256 of the seed under a domain tag,
 *   unrelated to the nostr key either way;
 * - the NUT-27 mint-list key is SHA256(seed || "cashu-mint-backup") as NUT-27 defines.
 */
import { secp256k1, schnorr } from '@noble/curves/secp256k1.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';

export const NIP06_PATH = "m/44'/1237'/0'/0/0";
const NIP60_WALLET_KEY_TAG = utf8ToBytes('axewallet/nip60-wallet-privkey/v1');
const NUT27_DOMAIN = utf8ToBytes('cashu-mint-backup');

export interface KeyPair {
  secretKey: Uint8Array;
  /** x-only public key, hex (the nostr form) */
  publicKey: string;
}

function pair(secretKey: Uint8Array): KeyPair {
  if (!secp256k1.utils.isValidSecretKey(secretKey)) throw new Error('derived key is outside the curve order');
  return { secretKey, publicKey: bytesToHex(schnorr.getPublicKey(secretKey)) };
}

function checkSeed(seed: Uint8Array): void {
  if (seed.length < 16 || seed.length > 64) throw new Error('a BIP39 seed is 16 to 64 bytes');
}

export function nostrIdentityFromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  const node = HDKey.fromMasterSeed(seed).derive(NIP06_PATH);
  if (!node.privateKey) throw new Error('NIP-06 derivation gave no private key');
  return pair(node.privateKey);
}

export function nip60WalletKeyFromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  return pair(hmac(sha256, NIP60_WALLET_KEY_TAG, seed));
}

export function mintListKeyFromSeed(seed: Uint8Array): KeyPair {
  checkSeed(seed);
  return pair(sha256(concatBytes(seed, NUT27_DOMAIN)));
}

/** The keys one backup needs. `identity` may be the user's own nsec instead of the seed-derived one. */
export interface BackupKeys {
  identity: KeyPair;
  walletKey: KeyPair;
  mintList: KeyPair;
}

export function backupKeysFromSeed(seed: Uint8Array, ownIdentity?: Uint8Array, p2pkKey?: Uint8Array): BackupKeys {
  return {
    identity: ownIdentity ? pair(ownIdentity) : nostrIdentityFromSeed(seed),
    walletKey: p2pkKey ? pair(p2pkKey) : nip60WalletKeyFromSeed(seed),
    mintList: mintListKeyFromSeed(seed),
  };
}
