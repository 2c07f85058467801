/**
 * What a share costs the wallet side (and the mint beside it) at the least on this machine, part by part, each part
 * alone on the fastest primitive here (µs of CPU a share, median of three rounds), to set beside what it costs in use:
 *  - singleOperations: the operations no share can do without, one at a time: R2 = s·B_ - e·C_ of its NUT-12 check
 *    (two variable points: a proof (e, s) hashes its own R1 and R2, so no batch check spares it), reading the mint's
 *    C_ (a decompression), hash_to_curve and blinding as one addBase, its NUT-20 signature (BIP340) and that
 *    signature's message hash (a quote id and a NUT-29 batch's 100 outputs, ~6.7 KB);
 *  - crypto: every crypto step a share takes, on the batch primitives the engine calls for a NUT-29 batch of 100:
 *    NUT-13 derivation, hash_to_curve and blinding, the NUT-20 signature and its message hash, and the whole NUT-12
 *    check and unblinding (R1 and C = C_ - r·A besides R2, the points read, hash_e, one inversion);
 *  - store: the wallet's own store calls a share makes, on a file, as a pass of 1,000 makes them: the quote noted
 *    (one transaction for the pass) and checked, the write-ahead record of each batch of 100 (fsync'd), its proofs,
 *    the quotes issued, the batch's history and the record removed;
 *  - wire: the batch request's JSON out, the check's and the batch's answers in, parsed and checked as the mint
 *    client does;
 *  - mintSingleOperations: what the mint must do for the same share, one operation at a time: its blind signature
 *    C_ = k·B_ and the NUT-12 proof's R2 = r·B_ (constant time: k is its key, r a secret nonce), R1 = r·G, hash_e,
 *    and the share's NUT-20 signature checked in a batch of 100 (issue 19's wallet-and-mint target counts both).
 * Sockets and the kernel's side of HTTP are left out, and so are the pass's own steps around these.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { z } from 'zod';
import { bip39Seed, createMnemonic, deriveLockingKey, deterministicOutputs, p2pkSecret } from '../core/wallet/keys';
import { blindSignatureSchema, parseWire, quoteSchema, stringifyWire } from '../core/wallet/mint-client';
import { WalletStore } from '../core/wallet/store';
import { tempDir } from '../core/wallet/testing/kit';
import { sha256 } from '../lib/protocol/cashu/hash';
import { blindMessages, createDleq, outputSecretDeriver, prepareOutputs, secp, signBlindedMessage, signMintQuotes, verifyMintQuoteSignatures } from '../lib/protocol/cashu/index';
import { schnorr } from '@noble/curves/secp256k1.js';
import { median, medianCpuMs, round } from './measure';

const BATCH = 100;
const PASS = 1000;

/** µs of CPU per item of `fn`'s `count` items, the median of `rounds` after a warm-up call. */
export function cpuMicrosPer(count: number, fn: () => void, rounds = 3): number {
  return round((medianCpuMs(fn, rounds) * 1000) / count, 1);
}

const sum = (parts: Record<string, number>) =>
  round(
    Object.values(parts).reduce((a, b) => a + b, 0),
    1,
  );

function singleOperations(): Record<string, number> {
  const backend = secp();
  const scalar = (fill: number) => new Uint8Array(32).fill(fill);
  const P = backend.baseMultiply(scalar(3));
  const Q = backend.baseMultiply(scalar(5));
  const terms = [[P, scalar(9)] as const, [Q, scalar(11)] as const];
  const digests = Array.from({ length: BATCH }, (_, i) => scalar(i + 1));
  const message = new Uint8Array(6700).fill(0x61);
  const parts = {
    twoPointMultiplication: cpuMicrosPer(5000, () => {
      for (let i = 0; i < 5000; i++) backend.combine(terms);
    }),
    decompression: cpuMicrosPer(5000, () => {
      for (let i = 0; i < 5000; i++) backend.uncompressed(P);
    }),
    hashToCurveAndBlinding: cpuMicrosPer(5000, () => {
      for (let i = 0; i < 5000; i++) backend.addBase(P, scalar(13));
    }),
    nut20Signature: cpuMicrosPer(1000, () => {
      for (let i = 0; i < 10; i++) backend.signSchnorrMany(digests, scalar(17), digests);
    }),
    nut20MessageHash: cpuMicrosPer(5000, () => {
      for (let i = 0; i < 5000; i++) sha256(message);
    }),
  };
  return { ...parts, microsPerShare: sum(parts) };
}

function mintSingleOperations(): Record<string, number> {
  const backend = secp();
  const scalar = (fill: number) => new Uint8Array(32).fill(fill);
  const B_ = backend.baseMultiply(scalar(3));
  const hashEInput = new Uint8Array(4 * 130).fill(0x61);
  const key = schnorr.utils.randomSecretKey();
  const pubkey = bytesToHex(Uint8Array.from([2, ...schnorr.getPublicKey(key)]));
  const outputs = prepareOutputs(Array.from({ length: BATCH }, (_, i) => ({ amount: 1n, B_: `02${i.toString(16).padStart(64, '0')}` })));
  const quoteIds = Array.from({ length: BATCH }, () => randomUUID());
  const signatures = signMintQuotes(quoteIds, outputs, key);
  const quotes = quoteIds.map((quoteId, i) => ({ quoteId, pubkey, signature: signatures[i]! }));
  const parts = {
    twoConstantTimeMultiplications: cpuMicrosPer(5000, () => {
      for (let i = 0; i < 5000; i++) {
        backend.multiply(B_, scalar(9));
        backend.multiply(B_, scalar(11), true);
      }
    }),
    baseMultiplication: cpuMicrosPer(5000, () => {
      for (let i = 0; i < 5000; i++) backend.baseMultiply(scalar(13));
    }),
    hashE: cpuMicrosPer(5000, () => {
      for (let i = 0; i < 5000; i++) sha256(hashEInput);
    }),
    nut20BatchCheck: cpuMicrosPer(BATCH * 10, () => {
      for (let i = 0; i < 10; i++) if (!verifyMintQuoteSignatures(quotes, outputs).every(Boolean)) throw new Error('NUT-20 batch refused');
    }),
  };
  return { ...parts, microsPerShare: sum(parts) };
}

/** A batch of 100 P2PK outputs and the mint's answers to them, as the engine meets them. */
function batchFixture() {
  const seed = bip39Seed(createMnemonic());
  const lock = deriveLockingKey(seed);
  const keysetId = `01${'cd'.repeat(32)}`;
  const mintKey = new Uint8Array(32).fill(7);
  const A = secp().baseMultiply(mintKey);
  const outputs = deterministicOutputs(
    seed,
    keysetId,
    Array.from({ length: BATCH }, (_, counter) => ({ counter, amount: 1n, form: 'p2pk' as const, lockTo: lock.pubkey })),
  );
  const answers = outputs.map((o) => {
    const B_ = hexToBytes(o.B_);
    const C_ = signBlindedMessage(B_, mintKey);
    return { id: keysetId, amount: 1, C_: bytesToHex(C_), dleq: { ...createDleq(B_, mintKey, undefined, C_) }, B_ };
  });
  return { seed, lock, keysetId, A, outputs, answers };
}

function crypto(): Record<string, number> {
  const { seed, lock, keysetId, A, outputs, answers } = batchFixture();
  const derive = outputSecretDeriver(seed, keysetId);
  const secrets = outputs.map((o) => new TextEncoder().encode(o.secret));
  const rs = outputs.map((o) => o.r);
  const quoteIds = outputs.map(() => randomUUID());
  const signed = prepareOutputs(outputs.map((o) => ({ amount: o.amount, B_: o.B_ })));
  const items = answers.map((a, i) => ({ A, B_: a.B_, C_: hexToBytes(a.C_), e: a.dleq.e, s: a.dleq.s, r: rs[i]! }));
  const rounds = 20;
  const parts = {
    nut13Derivation: cpuMicrosPer(BATCH * rounds, () => {
      for (let k = 0; k < rounds; k++) for (let i = 0; i < BATCH; i++) derive(k * BATCH + i);
    }),
    hashToCurveAndBlinding: cpuMicrosPer(BATCH * rounds, () => {
      for (let k = 0; k < rounds; k++) blindMessages(secrets, rs);
    }),
    nut20SignatureAndHash: cpuMicrosPer(BATCH * rounds, () => {
      for (let k = 0; k < rounds; k++) signMintQuotes(quoteIds, signed, lock.privkey);
    }),
    checkAndUnblinding: cpuMicrosPer(BATCH * rounds, () => {
      for (let k = 0; k < rounds; k++) if (secp().verifyDleqUnblind(items).includes(undefined)) throw new Error('a proof failed');
    }),
  };
  return { ...parts, microsPerShare: sum(parts) };
}

function store(): Record<string, number> {
  const dir = tempDir('wallet-floor-');
  const wallet = new WalletStore(join(dir.path, 'wallet.sqlite'));
  const mintUrl = 'http://127.0.0.1:1';
  const keysetId = `01${'ab'.repeat(32)}`;
  const pubkey = `02${'cd'.repeat(32)}`;
  // random keys, as a miner's are (sequential ones would fill the indexes' last pages only), made outside the clock
  const shares = () =>
    Array.from({ length: PASS }, () => {
      const [quoteId, headerHash, y, nonce, c, e, s, r] = [randomUUID(), hex64(), hex64(), hex64(), hex64(), hex64(), hex64(), hex64()];
      return { quoteId, headerHash, y: `02${y}`, secret: p2pkSecret(nonce, pubkey), c: `03${c}`, dleq: JSON.stringify({ e, s, r }) };
    });
  const pass = (made: ReturnType<typeof shares>) => {
    wallet.tx(() => {
      for (const share of made) wallet.noteQuote({ mintUrl, id: share.quoteId, amount: 1n, headerHash: share.headerHash, source: 'event' });
    });
    for (let at = 0; at < PASS; at += BATCH) {
      const batch = made.slice(at, at + BATCH);
      const ids = batch.map((share) => share.quoteId);
      wallet.tx(() => {
        for (const id of ids) wallet.noteQuote({ mintUrl, id, unit: 'hash', amount: 1n, pubkey, source: 'check', state: 'paid', authoritative: true });
      });
      const opId = randomUUID();
      wallet.tx(() => {
        const start = wallet.reserveCounters(keysetId, BATCH);
        const outputs = ids.map((quoteId, i) => ({ amount: '1', counter: start + i, form: 'p2pk', role: 'keep', quoteId, lockTo: pubkey }));
        wallet.insertOperation({
          id: opId,
          kind: 'mint',
          purpose: 'sweep',
          mint_url: mintUrl,
          keyset_id: keysetId,
          outputs: JSON.stringify(outputs),
          quote_ids: JSON.stringify(ids),
          input_ys: '[]',
          send_id: null,
          extra: null,
        });
      }, true);
      wallet.tx(() => {
        for (const share of batch) {
          wallet.insertProof({
            y: share.y,
            mint_url: mintUrl,
            keyset_id: keysetId,
            unit: 'hash',
            amount: '1',
            secret: share.secret,
            c: share.c,
            dleq: share.dleq,
            state: 'unspent',
            origin: 'quote',
            quote_id: share.quoteId,
            send_id: null,
          });
        }
        wallet.markQuotesIssued(mintUrl, ids);
        wallet.history.minted({ mint_url: mintUrl, unit: 'hash', amount: BigInt(BATCH), quotes: BATCH });
        wallet.deleteOperation(opId);
      });
    }
  };
  try {
    wallet.upsertMint(mintUrl, undefined, {});
    wallet.upsertKeyset({ id: keysetId, mint_url: mintUrl, unit: 'hash', active: 1, input_fee_ppk: 0, keys: '{}', final_expiry: null });
    pass(shares());
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const made = shares();
      const start = process.cpuUsage();
      pass(made);
      const used = process.cpuUsage(start);
      runs.push((used.user + used.system) / PASS);
    }
    return { microsPerShare: round(median(runs), 1) };
  } finally {
    wallet.close();
    dir.remove();
  }
}

function wire(): Record<string, number> {
  const { keysetId, outputs, answers } = batchFixture();
  const quoteIds = outputs.map(() => randomUUID());
  const request = { quotes: quoteIds, quote_amounts: null, outputs: outputs.map((o) => ({ amount: o.amount, id: keysetId, B_: o.B_ })), signatures: quoteIds.map(() => hex64()) };
  const batchAnswer = JSON.stringify({ signatures: answers.map((a) => ({ id: a.id, amount: a.amount, C_: a.C_, dleq: { e: bytesToHex(a.dleq.e), s: bytesToHex(a.dleq.s) } })) });
  const checkAnswer = JSON.stringify(
    quoteIds.map((quote) => ({ quote, request: hex64(), method: 'ehash', amount: 1, amount_paid: 1, amount_issued: 0, state: 'PAID', unit: 'hash', pubkey: `02${hex64()}`, expiry: null })),
  );
  const signatures = z.object({ signatures: z.array(blindSignatureSchema) });
  const quotes = z.array(quoteSchema);
  const rounds = 20;
  return {
    microsPerShare: cpuMicrosPer(BATCH * rounds, () => {
      for (let k = 0; k < rounds; k++) {
        stringifyWire(request);
        if (!quotes.safeParse(parseWire(checkAnswer)).success || !signatures.safeParse(parseWire(batchAnswer)).success) throw new Error('answer refused');
      }
    }),
  };
}

function hex64(): string {
  return randomBytes(32).toString('hex');
}

export interface WalletFloor {
  singleOperations: Record<string, number>;
  crypto: Record<string, number>;
  store: Record<string, number>;
  wire: Record<string, number>;
  /** crypto, store and wire: what a share costs with nothing around them */
  partsMicrosPerShare: number;
  mintSingleOperations: Record<string, number>;
  /** the parts and the mint's single operations: a share's floor with the mint on the same core */
  withMintMicrosPerShare: number;
}

export function walletFloor(): WalletFloor {
  const parts = { crypto: crypto(), store: store(), wire: wire() };
  const partsMicrosPerShare = round(parts.crypto.microsPerShare! + parts.store.microsPerShare! + parts.wire.microsPerShare!, 1);
  const mint = mintSingleOperations();
  return { singleOperations: singleOperations(), ...parts, partsMicrosPerShare, mintSingleOperations: mint, withMintMicrosPerShare: round(partsMicrosPerShare + mint.microsPerShare!, 1) };
}
