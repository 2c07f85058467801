/**
 * "Another NIP-60 wallet reading our relay sees the same proofs and mints": a reader built only from
 * the spec texts and nostr-tools (its pool, its default signature check, its NIP-44), none of this
 * module's parsers, follows NIP-60's Flow and NUT-27's restore flow against what the service published.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import * as nip44 from 'nostr-tools/nip44';
import { privateKeyFromSeedWords } from 'nostr-tools/nip06';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import { getPublicKey, verifyEvent } from 'nostr-tools/pure';
import { generateMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import { silentLogger } from '../../lib/log';
import { type BackupService, createBackup } from './service';
import { MemoryWallet, MINT, proof } from './testing/memory-wallet';

useWebSocketImplementation(WebSocket);

interface Nip60Proof {
  id: string;
  amount: number;
  secret: string;
  C: string;
}

describe('NIP-60 interop: a spec-only reader sees what the wallet holds', () => {
  let relay: RunningRelay | undefined;
  let backup: BackupService | undefined;
  const pool = new SimplePool();
  afterEach(async () => {
    pool.destroy();
    await backup?.stop();
    await relay?.close();
  });

  it('after a rollover: same proofs, same mints, old token deleted; NUT-27 mint list under its own key', async () => {
    relay = await startRelay();
    const mnemonic = generateMnemonic(wordlist);
    const seed = mnemonicToSeedSync(mnemonic);
    const wallet = new MemoryWallet(seed);
    const spent = proof(8n);
    wallet.add([proof(1n), proof(2n), spent]);
    backup = createBackup({ source: wallet, restoreTarget: wallet, relays: [relay.url], delaySeconds: 3600, logger: silentLogger, checkSpent: wallet.checkSpent });
    await backup.start();
    await backup.backupNow();
    wallet.remove(new Set([spent.secret]));
    wallet.add([proof(4n), proof(4n)]);
    await backup.backupNow();

    // NIP-06: the nostr key from the mnemonic, as any NIP-06 client derives it
    const sk = privateKeyFromSeedWords(mnemonic);
    const pk = getPublicKey(sk);
    const key = nip44.getConversationKey(sk, pk);
    const url = relay.url;
    const opts = { maxWait: 3000 };
    const all = [...(await pool.querySync([url], { kinds: [17375, 7375], authors: [pk] }, opts)), ...(await pool.querySync([url], { kinds: [5], authors: [pk], '#k': ['7375'] }, opts))];
    expect(all.every((e) => verifyEvent(e))).toBe(true);

    const deleted = new Set(all.filter((e) => e.kind === 5).flatMap((e) => e.tags.filter((t) => t[0] === 'e').map((t) => t[1])));
    const tokens = all
      .filter((e) => e.kind === 7375 && !deleted.has(e.id))
      .map((e) => JSON.parse(nip44.decrypt(e.content, key)) as { mint: string; unit?: string; proofs: Nip60Proof[]; del?: string[] });
    for (const t of tokens) for (const id of t.del ?? []) expect(deleted.has(id)).toBe(true);
    const seen = tokens.flatMap((t) => t.proofs);
    expect(new Set(seen.map((p) => p.secret))).toEqual(new Set(wallet.all().map((p) => p.secret)));
    expect(seen.reduce((s, p) => s + p.amount, 0)).toBe(Number(wallet.balance()));
    expect(new Set(tokens.map((t) => `${t.mint} ${t.unit}`))).toEqual(new Set([`${MINT} hash`]));

    const walletEvent = all.find((e) => e.kind === 17375)!;
    const walletTags = JSON.parse(nip44.decrypt(walletEvent.content, key)) as string[][];
    expect(walletTags.filter((t) => t[0] === 'mint').map((t) => t[1])).toEqual([MINT]);
    const privkey = walletTags.find((t) => t[0] === 'privkey')![1]!;
    expect(privkey).toMatch(/^[0-9a-f]{64}$/);
    expect(getPublicKey(Buffer.from(privkey, 'hex'))).not.toBe(pk);

    // NUT-27: key = SHA256(seed || "cashu-mint-backup"), kind 30078, d = mint-list
    const backupKey = sha256(concatBytes(seed, utf8ToBytes('cashu-mint-backup')));
    const backupPub = getPublicKey(backupKey);
    const [mintList] = await pool.querySync([url], { kinds: [30078], authors: [backupPub], '#d': ['mint-list'] }, opts);
    expect(mintList && verifyEvent(mintList)).toBe(true);
    const content = JSON.parse(nip44.decrypt(mintList!.content, nip44.getConversationKey(backupKey, backupPub))) as { mints: string[]; timestamp: number };
    expect(content.mints).toEqual([MINT]);
    expect(typeof content.timestamp).toBe('number');
  });
});
