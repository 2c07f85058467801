import { OutputData } from '@cashu/cashu-ts';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { HDKey } from '@scure/bip32';
import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../../test/fixtures';
import { bip39Seed, deterministicOutput, deriveLockingKey, isValidMnemonic, LOCKING_KEY_PATH, p2pkSecret, p2pkWitness, secretKind, splitAmount } from './keys';
import { countValidSigners } from '../../lib/protocol/cashu';

// NUT-13's own test mnemonic
const MNEMONIC = 'half depart obvious quality work element tank gorilla view sugar picture humble';

describe('wallet keys', () => {
  it('derives the locking key on the documented path, the same every time', () => {
    const seed = bip39Seed(MNEMONIC);
    const key = deriveLockingKey(seed);
    const expected = HDKey.fromMasterSeed(seed).derive(LOCKING_KEY_PATH);
    expect(LOCKING_KEY_PATH).toBe("m/129372'/10'/0'/0'");
    expect(key.pubkey).toBe(bytesToHex(expected.publicKey!));
    expect(deriveLockingKey(bip39Seed(`  ${MNEMONIC.toUpperCase()} `)).pubkey).toBe(key.pubkey);
    expect(isValidMnemonic(MNEMONIC)).toBe(true);
    expect(isValidMnemonic(MNEMONIC.replace('half', 'halve'))).toBe(false);
  });

  it('plain outputs are exactly cashu-ts NUT-13 outputs (v1 and v2 keyset ids)', () => {
    const seed = bip39Seed(MNEMONIC);
    for (const id of ['009a1f293253e41e', '015ba18a8adcd02e715a58358eb618da4a4b3791151a4bee5e968bb88406ccf76a']) {
      for (const counter of [0, 1, 7]) {
        const ours = deterministicOutput(seed, id, counter, 8n, 'plain');
        const theirs = OutputData.createSingleDeterministicData(8, seed, counter, id);
        expect(ours.secret).toBe(new TextDecoder().decode(theirs.secret));
        expect(ours.B_).toBe(theirs.blindedMessage.B_);
      }
    }
  });

  it('matches the NUT-13 vectors for secrets and blinding factors (v1 and v2 keysets)', () => {
    type Vector = { keyset_id: string; mnemonic: string; secrets: string[]; r: string[] };
    const vectors = readFixtureJson<{ nut13: { v1: Vector; v2: Vector } }>('cashu', 'vectors.json').nut13;
    for (const v of [vectors.v1, vectors.v2]) {
      const seed = bip39Seed(v.mnemonic);
      v.secrets.forEach((secret, counter) => {
        const out = deterministicOutput(seed, v.keyset_id, counter, 1n, 'plain');
        expect(out.secret).toBe(secret);
        expect(bytesToHex(out.r)).toBe(v.r[counter]);
      });
    }
  });

  it('P2PK outputs use the NUT-13 secret as nonce, so the seed and locking key recreate them', () => {
    const seed = bip39Seed(MNEMONIC);
    const lock = deriveLockingKey(seed);
    const a = deterministicOutput(seed, '009a1f293253e41e', 3, 4n, 'p2pk', lock.pubkey);
    const b = deterministicOutput(seed, '009a1f293253e41e', 3, 4n, 'p2pk', lock.pubkey);
    const plain = deterministicOutput(seed, '009a1f293253e41e', 3, 4n, 'plain');
    expect(a.secret).toBe(p2pkSecret(plain.secret, lock.pubkey));
    expect(a.B_).toBe(b.B_);
    expect(a.B_).not.toBe(plain.B_);
    expect(secretKind(a.secret)).toEqual({ kind: 'p2pk', pubkey: lock.pubkey });
    expect(secretKind(plain.secret)).toEqual({ kind: 'plain' });
    expect(secretKind('["HTLC",{"nonce":"00","data":"aa","tags":[]}]')).toEqual({ kind: 'other', name: 'HTLC' });
    // the witness satisfies the mint-side NUT-11 check
    const witness = JSON.parse(p2pkWitness(a.secret, lock.privkey)) as { signatures: string[] };
    expect(countValidSigners(a.secret, [lock.pubkey], witness.signatures)).toBe(1);
    expect(countValidSigners(a.secret, [deriveLockingKey(hexToBytes('11'.repeat(64))).pubkey], witness.signatures)).toBe(0);
  });

  it('splits amounts into one power of two per set bit', () => {
    expect(splitAmount(13n)).toEqual([8n, 4n, 1n]);
    expect(splitAmount(2n ** 63n)).toEqual([2n ** 63n]);
    expect(splitAmount(0n)).toEqual([]);
  });
});
