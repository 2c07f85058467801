import { describe, expect, it } from 'vitest';
import { bytesToHex, merkleRoot, sha256d } from '../../lib/protocol/bitcoin/work';
import { coinbaseMerklePath, scriptNumPush, subsidy, SyntheticChain } from './chain';

/** Full merkle root the way a node computes it, to check the path the pool hands out. */
function fullMerkleRoot(txids: Uint8Array[]): Uint8Array {
  let level = txids;
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const right = level[i + 1] ?? level[i]!;
      const pair = new Uint8Array(64);
      pair.set(level[i]!, 0);
      pair.set(right, 32);
      next.push(sha256d(pair));
    }
    level = next;
  }
  return level[0]!;
}

describe('synthetic chain', () => {
  it('merkle path folds the coinbase to the same root as the full tree, for odd and even counts', () => {
    for (const count of [0, 1, 2, 5, 300]) {
      const txids = Array.from({ length: count }, (_, i) => sha256d(Uint8Array.of(i, 7)));
      const coinbase = sha256d(Uint8Array.of(0xcb));
      expect(bytesToHex(merkleRoot(coinbase, coinbaseMerklePath(txids)))).toBe(bytesToHex(fullMerkleRoot([coinbase, ...txids])));
    }
  });

  it('encodes BIP34 heights as minimal script numbers', () => {
    expect(bytesToHex(scriptNumPush(920_000))).toBe('03c0090e');
    expect(bytesToHex(scriptNumPush(128))).toBe('028000');
    expect(bytesToHex(scriptNumPush(1))).toBe('0101');
    expect(subsidy(920_000)).toBe(312_500_000n);
    expect(subsidy(0)).toBe(5_000_000_000n);
  });

  it('builds a parseable coinbase around the extranonce with the height, value and witness commitment', () => {
    const chain = new SyntheticChain({ startHeight: 920_000, transactionsPerBlock: 10 }, 1_760_000_000);
    const template = chain.current;
    const { prefix, suffix } = chain.coinbaseParts(template, 16);
    const tx = new Uint8Array([...prefix, ...new Uint8Array(16).fill(0xee), ...suffix]);
    const view = new DataView(tx.buffer);
    expect(view.getUint32(0, true)).toBe(1);
    expect(tx[4]).toBe(1);
    expect(bytesToHex(tx.slice(5, 37))).toBe('00'.repeat(32));
    const scriptLength = tx[41]!;
    const script = tx.slice(42, 42 + scriptLength);
    expect(bytesToHex(script.slice(0, 4))).toBe('03c0090e');
    expect(script[4]).toBe(16);
    expect(bytesToHex(script.slice(5, 21))).toBe('ee'.repeat(16));
    let at = 42 + scriptLength + 4;
    expect(tx[at]).toBe(2); // payout + witness commitment
    at += 1;
    expect(view.getBigUint64(at, true)).toBe(template.coinbaseValue);
    expect(template.coinbaseValue).toBeGreaterThan(subsidy(920_000));
    at += 8;
    const payoutLength = tx[at]!;
    expect(bytesToHex(tx.slice(at + 1, at + 3))).toBe('0014');
    at += 1 + payoutLength;
    expect(view.getBigUint64(at, true)).toBe(0n);
    expect(bytesToHex(tx.slice(at + 9, at + 15))).toBe('6a24aa21a9ed');
    at += 9 + 38;
    expect(tx.length).toBe(at + 4); // locktime closes the transaction
    expect(template.merklePath.length).toBe(4); // 11 leaves
  });

  it('moves to a new prevhash per block and keeps it across template refreshes', () => {
    const chain = new SyntheticChain({}, 1_760_000_000);
    const first = chain.current;
    const refreshed = chain.refreshTemplate(1_760_000_030);
    expect(refreshed.prevHash).toEqual(first.prevHash);
    expect(refreshed.ntime).toBe(1_760_000_030);
    expect(refreshed.minNtime).toBe(first.minNtime);
    expect(refreshed.id).not.toBe(first.id);
    expect(bytesToHex(refreshed.merklePath[0]!)).toBe(bytesToHex(first.merklePath[0]!));
    const next = chain.advanceBlock(1_760_000_600);
    expect(next.height).toBe(first.height + 1);
    expect(next.blockNumber).toBe(first.blockNumber + 1);
    expect(bytesToHex(next.prevHash)).not.toBe(bytesToHex(first.prevHash));
    // Display order (reversed) starts with zeros like a real block hash.
    expect(bytesToHex(next.prevHash.slice().reverse())).toMatch(/^0{18}/);
    expect(() => chain.coinbaseParts(next, 33)).toThrow(RangeError);
  });
});
