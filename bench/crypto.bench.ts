/**
 * The crypto floor (issue #19), each against a baseline measured in the same run, CPU time:
 *  - wallet: its crypto per share on the batch primitives and on today's per-output calls, against perf.md's
 *    crypto-only anchor (the published bindings' single operations); `npm run bench -- wallet` projects the whole
 *    wallet side from the same figures;
 *  - mint: NUT-20 signatures of a NUT-29 batch of 100 checked together (BIP340 batch verification) against one by one;
 *  - nostr restore: BIP340 batch verification of 5,000 signatures by one author against one by one, on the
 *    installed backend and on libsecp256k1 in wasm (the worker-thread path);
 *  - the wallet's floor (bench/wallet-floor.ts): the single operations each share cannot do without, every crypto step
 *    on the batch primitives, the store's calls and the wire's JSON, against the budget a share has at 3x the anchor.
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { secpBackends } from '../lib/platform/secp';
import { prepareOutputs, secp, signMintQuotes, useBackend, verifyMintQuoteSignature, verifyMintQuoteSignatures, verifySchnorrBatch, type SchnorrItem } from '../lib/protocol/cashu/index';
import { round } from './measure';
import { cryptoAnchor } from './wallet.bench';
import { walletCryptoPerShare } from './wallet-crypto';
import { cpuMicrosPer, walletFloor } from './wallet-floor';

function mintNut20(): Record<string, unknown> {
  const privkey = schnorr.utils.randomSecretKey();
  const pubkey = Buffer.from(Uint8Array.from([2, ...schnorr.getPublicKey(privkey)])).toString('hex');
  // prepared once per request, as the devnet mint does
  const outputs = prepareOutputs(Array.from({ length: 100 }, (_, i) => ({ amount: 1n, B_: `02${i.toString(16).padStart(64, '0')}` })));
  const quoteIds = Array.from({ length: 100 }, () => crypto.randomUUID());
  const signatures = signMintQuotes(quoteIds, outputs, privkey);
  const quotes = quoteIds.map((quoteId, i) => ({ quoteId, pubkey, signature: signatures[i]! }));
  if (!verifyMintQuoteSignatures(quotes, outputs).every(Boolean)) throw new Error('NUT-20 batch rejected');
  const batch = cpuMicrosPer(100, () => verifyMintQuoteSignatures(quotes, outputs));
  const single = cpuMicrosPer(100, () => quotes.forEach((q) => verifyMintQuoteSignature(q.quoteId, outputs, q.pubkey, q.signature)));
  return { batchOf: 100, batchMicrosPerSignature: batch, oneByOneMicrosPerSignature: single, speedup: round(single / batch, 2) };
}

function nostrSignatures(count: number): Record<string, unknown> {
  const secret = schnorr.utils.randomSecretKey();
  const xonly = schnorr.getPublicKey(secret);
  const items: SchnorrItem[] = Array.from({ length: count }, () => {
    const digest = crypto.getRandomValues(new Uint8Array(32));
    return { digest, xonly, signature: secp().signSchnorr(digest, secret, crypto.getRandomValues(new Uint8Array(32))) };
  });
  const out: Record<string, unknown> = { signatures: count };
  const installed = secp();
  try {
    for (const backend of secpBackends().filter((b) => b.name === installed.name || b.name === 'wasm')) {
      useBackend(backend);
      const oneByOne = cpuMicrosPer(count, () => items.forEach((i) => backend.verifySchnorr(i.digest, i.xonly, i.signature)), 1);
      const entry: Record<string, number> = { oneByOneMicrosPerSignature: oneByOne };
      if (backend.multiScalar) {
        const batch = cpuMicrosPer(count, () => {
          if (!verifySchnorrBatch(items)) throw new Error('batch rejected');
        });
        entry.batchMicrosPerSignature = batch;
        entry.batchSpeedup = round(oneByOne / batch, 2);
      }
      out[backend.name] = entry;
    }
  } finally {
    useBackend(installed);
  }
  return out;
}

export async function run(): Promise<Record<string, unknown>> {
  const anchor = cryptoAnchor(1000);
  const wallet = walletCryptoPerShare(1000);
  const floor = walletFloor();
  return {
    secpBackend: secp().name,
    wallet: {
      anchorCryptoOnlyNativeBindingsSharesPerCpuSecond: anchor,
      ...wallet,
      batchVsAnchor: anchor ? round(wallet.batchSharesPerCpuSecond / anchor, 2) : null,
      perOutputVsAnchor: anchor ? round(wallet.perOutputSharesPerCpuSecond / anchor, 2) : null,
      // what a share may cost in all (crypto, SQLite, HTTP, JSON) for the wallet side to reach 3x the anchor
      budgetAt3xAnchorMicrosPerShare: anchor ? round(1e6 / (3 * anchor), 1) : null,
      // the parts a share cannot do without, each alone (bench/wallet-floor.ts)
      floor,
    },
    mintNut20: mintNut20(),
    nostrRestoreSignatures: nostrSignatures(5000),
  };
}
