/**
 * Mint batch-mint throughput: outputs signed per second when every quote's NUT-20 signature is verified
 * and every signature carries a NUT-12 DLEQ, for batches of 100 one-output share quotes (each quote's
 * signature covers all 100 outputs, as NUT-29 wants).
 *  - crypto only: our libsecp256k1 layer (native addon, then the wasm build) vs cashu-ts 4.8's mint-side
 *    functions on noble, in the same run (the baseline).
 *  - end to end: the devnet mint over HTTP on 127.0.0.1 with SQLite, requests prepared beforehand.
 * Also the wallet's per-share hot path on the same layer (NUT-13 derive, blind, NUT-20 sign, DLEQ verify,
 * unblind) vs the same steps in cashu-ts, since issue 6 builds on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  blindMessage as tsBlindMessage,
  createBlindSignature,
  createDLEQProof,
  deriveSecretAndBlindingFactor,
  JSONInt,
  pointFromHex,
  signMintQuote as tsSignMintQuote,
  unblindSignature as tsUnblindSignature,
  verifyDLEQProof,
  verifyMintQuoteSignature as tsVerifyMintQuoteSignature,
} from '@cashu/cashu-ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import {
  blindedMessageHex,
  createDleq,
  outputSecretDeriver,
  prepareOutputs,
  secp,
  signMintQuote,
  signQuoteLookup,
  unblindHex,
  useBackend,
  verifyBlindSignatureHex,
  verifyMintQuoteSignature,
} from '../lib/protocol/cashu/index';
import { startMint } from '../devnet/mint/index';
import { secpBackends } from '../lib/platform/secp';
import { ratePerSecond, round } from './measure';

const BATCH = 100;

interface Batch {
  quotes: string[];
  outputs: { amount: bigint; id: string; B_: string }[];
  signatures: string[];
}

const lockKey = secp256k1.utils.randomSecretKey();
const lockPub = bytesToHex(secp256k1.getPublicKey(lockKey, true));
const mintKey = secp256k1.utils.randomSecretKey();
const mintPub = secp256k1.getPublicKey(mintKey, true);

function makeBatch(format: 'current' | 'legacy', quotes: string[] = Array.from({ length: BATCH }, () => randomUUID()), keysetId = '01'): Batch {
  const outputs = quotes.map(() => ({ amount: 1n, id: keysetId, B_: blindedMessageHex(bytesToHex(randomBytes(32)), secp256k1.utils.randomSecretKey()) }));
  const signed = prepareOutputs(outputs);
  const signatures = quotes.map((q) => (format === 'current' ? signMintQuote(q, signed, lockKey) : tsSignMintQuote(bytesToHex(lockKey), q, outputs as never)));
  return { quotes, outputs, signatures };
}

/** Runs `mintOne` over fresh batches for about `ms`; outputs per second. */
function measure(batches: Batch[], mintOne: (b: Batch) => void, ms: number): number {
  let outputs = 0;
  const start = performance.now();
  for (let i = 0; performance.now() - start < ms; i++) {
    const b = batches[i % batches.length]!;
    mintOne(b);
    outputs += b.outputs.length;
  }
  return ratePerSecond(outputs, performance.now() - start);
}

function fastMint(b: Batch): void {
  const signed = prepareOutputs(b.outputs);
  b.quotes.forEach((q, i) => {
    if (!verifyMintQuoteSignature(q, signed, lockPub, b.signatures[i]!)) throw new Error('NUT-20 signature rejected');
  });
  for (const o of b.outputs) {
    const B = hexToBytes(o.B_);
    const C_ = secp().multiply(B, mintKey);
    createDleq(B, mintKey, mintPub, C_);
  }
}

function cashuTsMint(b: Batch): void {
  b.quotes.forEach((q, i) => {
    if (!tsVerifyMintQuoteSignature(lockPub, q, b.outputs as never, b.signatures[i]!)) throw new Error('NUT-20 signature rejected');
  });
  for (const o of b.outputs) {
    const B = pointFromHex(o.B_);
    createBlindSignature(B, mintKey, '01');
    createDLEQProof(B, mintKey);
  }
}

interface Share {
  counter: number;
  quote: string;
  C_: string;
  dleq: { e: string; s: string };
}

const walletSeed = randomBytes(64);
const walletKeyset = `01${bytesToHex(randomBytes(32))}`;
const mintPubHex = bytesToHex(mintPub);

/** Mint answers for shares 0..n-1 of the seeded wallet, made beforehand so only wallet work is timed. */
function mintAnswers(n: number): Share[] {
  const derive = outputSecretDeriver(walletSeed, walletKeyset);
  return Array.from({ length: n }, (_, counter) => {
    const { secret, r } = derive(counter);
    const B = hexToBytes(blindedMessageHex(secret, r));
    const C_ = secp().multiply(B, mintKey);
    const dleq = createDleq(B, mintKey, mintPub, C_);
    return { counter, quote: randomUUID(), C_: bytesToHex(C_), dleq: { e: bytesToHex(dleq.e), s: bytesToHex(dleq.s) } };
  });
}

function measureShares(shares: Share[], perShare: (s: Share) => void, ms: number): number {
  let count = 0;
  const start = performance.now();
  while (performance.now() - start < ms) perShare(shares[count++ % shares.length]!);
  return ratePerSecond(count, performance.now() - start);
}

const fastDerive = outputSecretDeriver(walletSeed, walletKeyset);
function fastWalletShare(share: Share): void {
  const { secret, r } = fastDerive(share.counter);
  const B_ = blindedMessageHex(secret, r);
  signMintQuote(share.quote, [{ amount: 1n, B_ }], lockKey);
  if (!verifyBlindSignatureHex({ B_, C_: share.C_, dleq: share.dleq, A: mintPubHex })) throw new Error('DLEQ rejected');
  unblindHex(share.C_, r, mintPubHex);
}

function cashuTsWalletShare(share: Share): void {
  const { secret, blindingFactor } = deriveSecretAndBlindingFactor(walletSeed, walletKeyset, share.counter);
  const blinded = tsBlindMessage(new TextEncoder().encode(bytesToHex(secret)), secp256k1.Point.Fn.fromBytes(blindingFactor));
  const B_ = blinded.B_.toHex(true);
  tsSignMintQuote(bytesToHex(lockKey), share.quote, [{ amount: 1, id: walletKeyset, B_ }] as never);
  const C_ = pointFromHex(share.C_);
  const A = pointFromHex(mintPubHex);
  if (!verifyDLEQProof({ e: hexToBytes(share.dleq.e), s: hexToBytes(share.dleq.s) }, blinded.B_, C_, A)) throw new Error('DLEQ rejected');
  tsUnblindSignature(C_, blinded.r, A);
}

async function endToEnd(ms: number): Promise<{ outputsPerSecond: number; batches: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'axewallet-bench-mint-'));
  const mint = await startMint({ dbPath: join(dir, 'mint.sqlite') });
  try {
    const keysetId = ((await (await fetch(`${mint.url}/v1/keysets`)).json()) as { keysets: { id: string }[] }).keysets[0]!.id;
    const requests: string[] = [];
    const deadline = performance.now() + ms;
    let outputs = 0;
    let elapsed = 0;
    // Prepare (quotes + wallet-side crypto) untimed, post timed, until the time budget is used.
    while (performance.now() < deadline) {
      const ids: string[] = [];
      for (let i = 0; i < BATCH; i++) ids.push((await mint.createShareQuote({ amount: 1n, headerHash: bytesToHex(randomBytes(32)), pubkey: lockPub })).quoteId);
      const batch = makeBatch('current', ids, keysetId);
      const body = JSONInt.stringify({ quotes: batch.quotes, quote_amounts: null, outputs: batch.outputs, signatures: batch.signatures })!;
      const started = performance.now();
      const res = await fetch(`${mint.url}/v1/mint/ehash/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const json = (await res.json()) as { signatures?: unknown[] };
      elapsed += performance.now() - started;
      if (res.status !== 200 || json.signatures?.length !== BATCH) throw new Error(`batch mint failed: ${res.status}`);
      outputs += BATCH;
      requests.push(body);
    }
    // The lookup every sweeper runs: one signature check per pubkey.
    const lookup = await fetch(`${mint.url}/v1/mint/quote/pubkey`, {
      method: 'POST',
      body: JSON.stringify({ pubkeys: [lockPub], pubkey_signatures: [signQuoteLookup(mint.pubkey, lockPub, lockKey)], only_mintable: true }),
    });
    if (lookup.status !== 200) throw new Error('lookup failed');
    return { outputsPerSecond: ratePerSecond(outputs, elapsed), batches: requests.length };
  } finally {
    await mint.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const original = secp();
  const current = Array.from({ length: 4 }, () => makeBatch('current'));
  const legacy = Array.from({ length: 4 }, () => makeBatch('legacy'));
  const results: Record<string, unknown> = { batchSize: BATCH };
  try {
    const baseline = measure(legacy, cashuTsMint, 3000);
    results.cashuTsOutputsPerSecond = baseline;
    for (const backend of secpBackends()) {
      useBackend(backend);
      measure(current, fastMint, 300); // warm-up
      const rate = measure(current, fastMint, 2500);
      results[`${backend.name}OutputsPerSecond`] = rate;
      results[`${backend.name}VsCashuTs`] = round(rate / baseline, 2);
    }
    useBackend(original);
    const shares = mintAnswers(300);
    const walletBaseline = measureShares(shares, cashuTsWalletShare, 2500);
    measureShares(shares, fastWalletShare, 300); // warm-up
    const walletFast = measureShares(shares, fastWalletShare, 2500);
    results.walletCashuTsSharesPerSecond = walletBaseline;
    results[`wallet${original.name === 'native' ? 'Native' : 'Wasm'}SharesPerSecond`] = walletFast;
    results.walletVsCashuTs = round(walletFast / walletBaseline, 2);
    const e2e = await endToEnd(5000);
    results.httpBatchMintOutputsPerSecond = e2e.outputsPerSecond;
    results.httpBatches = e2e.batches;
    results.httpVsCashuTsCrypto = round(e2e.outputsPerSecond / baseline, 2);
    results.backendInUse = original.name;
  } finally {
    useBackend(original);
  }
  return results;
}
