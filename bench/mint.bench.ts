/**
 * Mint batch-mint throughput: outputs signed per second when every quote's NUT-20 signature is verified
 * and every signature carries a NUT-12 DLEQ, for batches of 100 one-output share quotes (each quote's
 * signature covers all 100 outputs, as NUT-29 wants).
 *  - crypto only: our libsecp256k1 layer (native addon, then the wasm build) vs cashu-ts 4.8's mint-side
 *    functions on noble, in the same run (the baseline).
 *  - end to end: the devnet mint over HTTP on 127.0.0.1 with SQLite, requests prepared beforehand.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  createBlindSignature,
  createDLEQProof,
  JSONInt,
  pointFromHex,
  signMintQuote as tsSignMintQuote,
  verifyMintQuoteSignature as tsVerifyMintQuoteSignature,
} from '@cashu/cashu-ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, randomBytes } from '@noble/hashes/utils.js';
import {
  availableBackends,
  blindedMessageHex,
  createDleq,
  prepareOutputs,
  secp,
  signMintQuote,
  signQuoteLookup,
  useBackend,
  verifyMintQuoteSignature,
} from '../core/protocol/cashu/index';
import { startMint } from '../devnet/mint/index';
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
    const baseline = measure(legacy, cashuTsMint, 4000);
    results.cashuTsOutputsPerSecond = baseline;
    for (const backend of availableBackends()) {
      useBackend(backend);
      measure(current, fastMint, 300); // warm-up
      const rate = measure(current, fastMint, 3000);
      results[`${backend.name}OutputsPerSecond`] = rate;
      results[`${backend.name}VsCashuTs`] = round(rate / baseline, 2);
    }
    useBackend(original);
    const e2e = await endToEnd(6000);
    results.httpBatchMintOutputsPerSecond = e2e.outputsPerSecond;
    results.httpBatches = e2e.batches;
    results.httpVsCashuTsCrypto = round(e2e.outputsPerSecond / baseline, 2);
    results.backendInUse = original.name;
  } finally {
    useBackend(original);
  }
  return results;
}
