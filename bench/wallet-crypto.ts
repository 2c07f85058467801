/**
 * The wallet's crypto per share, alone (no SQLite, HTTP or JSON), three ways in one run, each in shares per
 * CPU-second (median of five rounds of `shares` after a warm-up round):
 *  - anchor: perf.md's "native-secp wallet-only" ceiling on the published bindings' single operations
 *    (wallet.bench.ts cryptoAnchor; 1-output NUT-20 messages as perf.md measured it);
 *  - perOutput: the single-item primitives, per quote and per output (deterministicOutput, signMintQuote,
 *    unblindVerifiedHex), with the installed backend;
 *  - batch: the batch primitives per NUT-29 batch of 100 (deterministicOutputs, signMintQuotes,
 *    unblindVerifiedBatchHex), as the wallet engine calls them (core/wallet/minting.ts, core.ts).
 * Both of ours do what the engine does for a batch: NUT-13 P2PK outputs, every quote signing all 100 outputs.
 * The mint's answers are made outside the clock. Rounds of the two paths alternate, so load on a shared machine
 * lands on both alike.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { createDleq, prepareOutputs, secp, signBlindedMessage, signMintQuote, signMintQuotes, unblindVerifiedBatchHex, unblindVerifiedHex } from '../lib/protocol/cashu/index';
import { bip39Seed, createMnemonic, deriveLockingKey, deterministicOutput, deterministicOutputs } from '../core/wallet/keys';
import { round } from './measure';

const BATCH = 100;

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

export interface WalletCryptoFigures {
  backend: string;
  perOutputSharesPerCpuSecond: number;
  batchSharesPerCpuSecond: number;
  batchOverPerOutput: number;
  /** microseconds of CPU per share, by step, on the batch path */
  batchMicrosPerShare: { deriveAndBlind: number; signNut20: number; verifyAndUnblind: number };
  perOutputMicrosPerShare: { deriveAndBlind: number; signNut20: number; verifyAndUnblind: number };
}

export function walletCryptoPerShare(shares = 1000): WalletCryptoFigures {
  const seed = bip39Seed(createMnemonic());
  const lock = deriveLockingKey(seed);
  const mintKey = new Uint8Array(32).fill(7);
  const keysetId = `01${'cd'.repeat(32)}`; // a v2 id, as hashpool's mint uses: NUT-13 by HMAC
  const A = bytesToHex(secp().baseMultiply(mintKey));
  type Steps = { deriveAndBlind: number; signNut20: number; verifyAndUnblind: number };
  const round_ = (from: number, batched: boolean): Steps => {
    const steps: Steps = { deriveAndBlind: 0, signNut20: 0, verifyAndUnblind: 0 };
    for (let start = from; start < from + shares; start += BATCH) {
      const counters = Array.from({ length: BATCH }, (_, i) => start + i);
      // the mint's answers, outside the clock
      const expected = counters.map((c) => deterministicOutput(seed, keysetId, c, 1n, 'p2pk', lock.pubkey));
      const answers = expected.map((o) => {
        const C_ = signBlindedMessage(hexToBytes(o.B_), mintKey);
        const dleq = createDleq(hexToBytes(o.B_), mintKey, undefined, C_);
        return { C_: bytesToHex(C_), dleq: { e: bytesToHex(dleq.e), s: bytesToHex(dleq.s) } };
      });
      const quoteIds = counters.map((c) => `quote-${c}`);

      let t = process.cpuUsage();
      const outputs = batched
        ? deterministicOutputs(
            seed,
            keysetId,
            counters.map((counter) => ({ counter, amount: 1n, form: 'p2pk' as const, lockTo: lock.pubkey })),
          )
        : counters.map((c) => deterministicOutput(seed, keysetId, c, 1n, 'p2pk', lock.pubkey));
      steps.deriveAndBlind += cpuMs(t);

      t = process.cpuUsage();
      const signed = prepareOutputs(outputs.map((o) => ({ amount: o.amount, B_: o.B_ })));
      const signatures = batched ? signMintQuotes(quoteIds, signed, lock.privkey) : quoteIds.map((q) => signMintQuote(q, signed, lock.privkey));
      steps.signNut20 += cpuMs(t);
      if (signatures.length !== BATCH) throw new Error('signatures missing');

      t = process.cpuUsage();
      const sigs = outputs.map((o, i) => ({ B_: o.B_, C_: answers[i]!.C_, dleq: answers[i]!.dleq, A }));
      const Cs = batched
        ? unblindVerifiedBatchHex(
            sigs,
            outputs.map((o) => o.r),
          )
        : sigs.map((sig, i) => unblindVerifiedHex(sig, outputs[i]!.r));
      steps.verifyAndUnblind += cpuMs(t);
      if (Cs.some((C) => C === undefined)) throw new Error('DLEQ rejected');
    }
    return steps;
  };
  const total = (s: Steps) => s.deriveAndBlind + s.signNut20 + s.verifyAndUnblind;
  const ROUNDS = 5;
  round_(0, false); // warm-up
  round_(shares, true);
  const runs: Record<'perOutput' | 'batch', Steps[]> = { perOutput: [], batch: [] };
  for (let k = 0; k < 2 * ROUNDS; k++) runs[k % 2 === 0 ? 'perOutput' : 'batch'].push(round_((k + 2) * shares, k % 2 === 1));
  const median = (list: Steps[]): Steps => [...list].sort((a, b) => total(a) - total(b))[Math.floor(list.length / 2)]!;
  const micros = (s: Steps): Steps => ({
    deriveAndBlind: round((s.deriveAndBlind * 1000) / shares, 1),
    signNut20: round((s.signNut20 * 1000) / shares, 1),
    verifyAndUnblind: round((s.verifyAndUnblind * 1000) / shares, 1),
  });
  const perOutput = median(runs.perOutput);
  const batch = median(runs.batch);
  const rate = (s: Steps) => round((shares * 1000) / total(s), 1);
  return {
    backend: secp().name,
    perOutputSharesPerCpuSecond: rate(perOutput),
    batchSharesPerCpuSecond: rate(batch),
    batchOverPerOutput: round(rate(batch) / rate(perOutput), 2),
    batchMicrosPerShare: micros(batch),
    perOutputMicrosPerShare: micros(perOutput),
  };
}
