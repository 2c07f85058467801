import { bytesToHex } from '@noble/hashes/utils.js';
import { mnemonicToSeedSync } from '@scure/bip39';
import { privateKeyFromSeedWords } from 'nostr-tools/nip06';
import { describe, expect, it } from 'vitest';
import { backupKeysFromSeed, mintListKeyFromSeed, nip60WalletKeyFromSeed, nostrIdentityFromSeed } from './keys';

describe('backup keys', () => {
  it('derives the NIP-06 identity (the NIP-06 example mnemonic)', () => {
    const mnemonic = 'leader monkey parrot ring guide accident before fence cannon height naive bean';
    const identity = nostrIdentityFromSeed(mnemonicToSeedSync(mnemonic));
    expect(bytesToHex(identity.secretKey)).toBe('7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a');
    expect(identity.publicKey).toBe('17162c921dc4d2518f9a101db33695df1afb56ab82f5ff3e5da6eec3ca5cd917');
    expect(bytesToHex(privateKeyFromSeedWords(mnemonic))).toBe(bytesToHex(identity.secretKey));
  });

  it('derives the NUT-27 mint-list key (cashubtc/nuts tests/27-test.md)', () => {
    const seed = mnemonicToSeedSync('half depart obvious quality work element tank gorilla view sugar picture humble');
    const key = mintListKeyFromSeed(seed);
    expect(bytesToHex(key.secretKey)).toBe('e7ca79469a270b36617e4227ff2f068d3bcbb6b072c8584190b0203597c53c0d');
    expect(key.publicKey).toBe('0767277aaed200af7a8843491745272fc1ad2c7bfe340225e6f34f3a9a273aed');
  });

  it('keeps the NIP-60 wallet privkey apart from the nostr identity, deterministically', () => {
    const seed = mnemonicToSeedSync('half depart obvious quality work element tank gorilla view sugar picture humble');
    const keys = backupKeysFromSeed(seed);
    expect(keys.walletKey.publicKey).not.toBe(keys.identity.publicKey);
    expect(keys.walletKey.publicKey).not.toBe(keys.mintList.publicKey);
    expect(bytesToHex(nip60WalletKeyFromSeed(seed).secretKey)).toBe(bytesToHex(keys.walletKey.secretKey));
  });

  it('uses an own nsec as identity when given, other keys still from the seed', () => {
    const seed = new Uint8Array(64).fill(7);
    const own = new Uint8Array(32).fill(3);
    const keys = backupKeysFromSeed(seed, own);
    expect(bytesToHex(keys.identity.secretKey)).toBe(bytesToHex(own));
    expect(keys.mintList.publicKey).toBe(mintListKeyFromSeed(seed).publicKey);
  });

  it("takes the wallet's P2PK key as the NIP-60 privkey when given", () => {
    const seed = new Uint8Array(64).fill(7);
    const p2pk = new Uint8Array(32).fill(5);
    const keys = backupKeysFromSeed(seed, undefined, p2pk);
    expect(bytesToHex(keys.walletKey.secretKey)).toBe(bytesToHex(p2pk));
    expect(keys.identity.publicKey).toBe(nostrIdentityFromSeed(seed).publicKey);
  });

  it('rejects a seed of the wrong size', () => {
    expect(() => nostrIdentityFromSeed(new Uint8Array(8))).toThrow(/seed/);
  });
});
