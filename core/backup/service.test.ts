/**
 * The backup service against real devnet relays over real WebSockets. The wallet side is the port
 * (an in-memory wallet here); backup.integration.test.ts runs the same flows with the real wallet and mint.
 */
import { randomBytes } from 'node:crypto';
import * as nip44 from 'nostr-tools/nip44';
import { finalizeEvent, generateSecretKey } from 'nostr-tools/pure';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, startRelay } from '../../devnet/relay/relay';
import { silentLogger } from '../../lib/log';
import { backupKeysFromSeed } from './keys';
import { KIND_DELETION, KIND_HISTORY, KIND_TOKEN, parseTokenContent } from './nip60';
import { type BackupService, createBackup } from './service';
import { MemoryWallet, MINT, proof, rawQuery } from './testing/memory-wallet';
import { startScriptedRelay } from './testing/scripted-relay';

describe('nostr backup service', () => {
  const relays: RunningRelay[] = [];
  const services: BackupService[] = [];
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
    for (const r of relays.splice(0)) await r.close();
    for (const c of closers.splice(0)) await c();
  });
  const relay = async (opts: Parameters<typeof startRelay>[0] = {}) => {
    const r = await startRelay(opts);
    relays.push(r);
    return r;
  };
  const service = (wallet: MemoryWallet, urls: string[], extra: Partial<Parameters<typeof createBackup>[0]> = {}) => {
    const s = createBackup({
      source: wallet,
      restoreTarget: wallet,
      relays: urls,
      delaySeconds: 3600,
      logger: silentLogger,
      timeoutMs: 2000,
      retryInitialMs: 50,
      checkSpent: wallet.checkSpent,
      ...extra,
    });
    services.push(s);
    return s;
  };

  it('backs up, and a fresh wallet restores the same proofs from the seed alone; twice changes nothing', async () => {
    const r = await relay();
    const seed = randomBytes(64);
    const wallet = new MemoryWallet(seed);
    wallet.add([proof(1n), proof(2n), proof(4n), proof(2n ** 63n)]);
    const backup = service(wallet, [r.url]);
    await backup.start();
    const report = await backup.backupNow();
    expect(report.published.map((p) => p.kind).sort()).toEqual([KIND_HISTORY, KIND_TOKEN, 17375, 30078].sort());
    expect(backup.status().pendingChanges).toBe(0);
    expect(backup.status().relays[0]?.lastOkAt).not.toBeNull();

    const fresh = new MemoryWallet(seed);
    const restorer = service(fresh, [r.url]);
    const stages: string[] = [];
    const result = await restorer.restore({ onProgress: (p) => stages.push(p.stage) });
    expect(new Set(fresh.all().map((p) => p.secret))).toEqual(new Set(wallet.all().map((p) => p.secret)));
    expect(fresh.balance()).toBe(wallet.balance());
    expect(fresh.mints()).toEqual([MINT]);
    expect(result.proofsAdded).toBe(4);
    expect(result.amountAdded).toEqual({ hash: (2n ** 63n + 7n).toString() });
    expect(stages).toEqual(expect.arrayContaining(['relays', 'checkstate', 'import', 'recover', 'done']));
    expect(fresh.recoverCalls).toBe(1);

    const again = await restorer.restore();
    expect(again.proofsAdded).toBe(0);
    expect(fresh.all()).toHaveLength(4);
  });

  it('spending rolls the token event over with del, deletes the old one with kind 5 (k 7375), and restores without the spent proofs', async () => {
    const r = await relay();
    const seed = randomBytes(64);
    const wallet = new MemoryWallet(seed);
    const proofs = [proof(1n), proof(2n), proof(4n), proof(8n)];
    wallet.add(proofs);
    const backup = service(wallet, [r.url]);
    await backup.start();
    await backup.backupNow();
    const pubkey = backupKeysFromSeed(seed).identity.publicKey;
    const [first] = await rawQuery(r.url, { kinds: [KIND_TOKEN], authors: [pubkey] });

    // spend 2 + 8, receive 3 change proofs
    wallet.remove(new Set([proofs[1]!.secret, proofs[3]!.secret]));
    const change = [proof(1n), proof(2n), proof(4n)];
    wallet.add(change);
    const report = await backup.backupNow();
    expect(report.published.map((p) => p.kind)).toEqual([KIND_TOKEN, KIND_DELETION, KIND_HISTORY]);

    const tokens = await rawQuery(r.url, { kinds: [KIND_TOKEN], authors: [pubkey] });
    expect(tokens).toHaveLength(1);
    expect(tokens[0]!.id).not.toBe(first!.id);
    const keys = backupKeysFromSeed(seed);
    const content = parseTokenContent(nip44.decrypt(tokens[0]!.content, nip44.getConversationKey(keys.identity.secretKey, keys.identity.publicKey)));
    expect(content.del).toEqual([first!.id]);
    expect(new Set(content.proofs.map((p) => p.secret))).toEqual(new Set(wallet.all().map((p) => p.secret)));
    const deletions = await rawQuery(r.url, { kinds: [KIND_DELETION], authors: [pubkey], '#k': ['7375'] });
    expect(deletions).toHaveLength(1);
    expect(deletions[0]!.tags).toEqual([
      ['e', first!.id],
      ['k', '7375'],
    ]);

    const elsewhere = new MemoryWallet(seed);
    await service(elsewhere, [r.url]).restore();
    expect(new Set(elsewhere.all().map((p) => p.secret))).toEqual(new Set(wallet.all().map((p) => p.secret)));
    expect(elsewhere.balance()).toBe(1n + 4n + 1n + 2n + 4n);
  });

  it('restore drops proofs the mint reports spent', async () => {
    const r = await relay();
    const seed = randomBytes(64);
    const wallet = new MemoryWallet(seed);
    const proofs = [proof(1n), proof(2n), proof(4n)];
    wallet.add(proofs);
    const backup = service(wallet, [r.url]);
    await backup.start();
    await backup.backupNow();
    const spent = new Set([proofs[0]!.secret]);
    const fresh = new MemoryWallet(seed);
    const result = await service(fresh, [r.url], { checkSpent: async (_m, ps) => ps.map((p) => spent.has(p.secret)) }).restore();
    expect(result.proofsSpent).toBe(1);
    expect(fresh.balance()).toBe(6n);
  });

  it('two relays, one refusing writes and one dropping them: the good one holds everything and status names the bad ones', async () => {
    const good = await relay();
    const refusing = await relay();
    const dropping = await relay();
    refusing.hooks.refuseEvent = () => 'blocked: this relay is read-only';
    dropping.hooks.dropEvents = true;
    const seed = randomBytes(64);
    const wallet = new MemoryWallet(seed);
    wallet.add([proof(1n), proof(16n)]);
    const backup = service(wallet, [good.url, refusing.url, dropping.url]);
    await backup.start();
    await backup.backupNow();

    const status = backup.status();
    const byUrl = Object.fromEntries(status.relays.map((s) => [s.url, s]));
    expect(byUrl[good.url]!.lastError).toBeNull();
    // in plain words, with the relay's own reason
    expect(byUrl[refusing.url]!.lastError).toMatch(/does not accept events from this wallet: this relay is read-only/);
    expect(byUrl[dropping.url]!.lastError).toMatch(/does not return/);
    expect(status.lastBackupAt).not.toBeNull();
    expect(status.pendingChanges).toBe(0);

    const fresh = new MemoryWallet(seed);
    await service(fresh, [good.url]).restore();
    expect(fresh.balance()).toBe(17n);
  });

  it('authenticates with NIP-42 when the relay demands it', async () => {
    const r = await relay({ requireAuth: true });
    const wallet = new MemoryWallet(randomBytes(64));
    wallet.add([proof(32n)]);
    const backup = service(wallet, [r.url]);
    await backup.start();
    const report = await backup.backupNow();
    expect(report.published.every((p) => p.accepted.includes(r.url))).toBe(true);
  });

  it('coalesces changes: many wallet changes inside the delay make one token event', async () => {
    const r = await relay();
    const seed = randomBytes(64);
    const wallet = new MemoryWallet(seed);
    const backup = service(wallet, [r.url], { delaySeconds: 1 });
    await backup.start();
    let statusAfterChanges = 0;
    for (let i = 0; i < 10; i++) wallet.add([proof(1n)]);
    statusAfterChanges = backup.status().pendingChanges;
    expect(statusAfterChanges).toBeGreaterThanOrEqual(10);
    const pubkey = backupKeysFromSeed(seed).identity.publicKey;
    await new Promise<void>((resolve) => {
      const off = backup.onStatus((s) => {
        if (s.lastBackupAt) {
          off();
          resolve();
        }
      });
    });
    const tokens = await rawQuery(r.url, { kinds: [KIND_TOKEN], authors: [pubkey] });
    expect(tokens).toHaveLength(1);
    expect(backup.status().pendingChanges).toBe(0);
  });

  it('a restarted service continues the same chain: it deletes token events an earlier run made', async () => {
    const r = await relay();
    const seed = randomBytes(64);
    const wallet = new MemoryWallet(seed);
    const proofs = [proof(1n), proof(2n)];
    wallet.add(proofs);
    const first = service(wallet, [r.url]);
    await first.start();
    await first.backupNow();
    await first.stop();

    wallet.remove(new Set([proofs[0]!.secret]));
    const second = service(wallet, [r.url]);
    await second.start();
    await second.backupNow();
    const pubkey = backupKeysFromSeed(seed).identity.publicKey;
    expect(await rawQuery(r.url, { kinds: [KIND_TOKEN], authors: [pubkey] })).toHaveLength(1);
    expect(await rawQuery(r.url, { kinds: [KIND_DELETION], authors: [pubkey] })).toHaveLength(1);
  });

  it('ignores forged, foreign and duplicate events a hostile relay serves', async () => {
    const seed = randomBytes(64);
    const keys = backupKeysFromSeed(seed);
    const conversation = nip44.getConversationKey(keys.identity.secretKey, keys.identity.publicKey);
    const genuine = finalizeEvent(
      { kind: KIND_TOKEN, tags: [], created_at: 1000, content: nip44.encrypt(JSON.stringify({ mint: MINT, unit: 'hash', proofs: [{ ...proof(4n), amount: 4 }] }), conversation) },
      keys.identity.secretKey,
    );
    const forged = { ...genuine, content: nip44.encrypt(JSON.stringify({ mint: MINT, unit: 'hash', proofs: [{ ...proof(999n), amount: 999 }] }), conversation) };
    const stranger = finalizeEvent({ ...genuine, content: forged.content }, generateSecretKey());
    const claimed = { ...stranger, pubkey: keys.identity.publicKey };
    const served = [genuine, genuine, forged, stranger, claimed, { garbage: true }];

    // a hostile relay: answers every REQ with the list above, then EOSE
    const relay = await startScriptedRelay(served);
    closers.push(() => relay.close());
    const url = relay.url;

    const fresh = new MemoryWallet(seed);
    const result = await service(fresh, [url]).restore();
    expect(fresh.balance()).toBe(4n);
    // the stranger's event and the garbage are dropped as they arrive (relay.ts); the claimed one fails its signature
    expect(result.rejected).toBeGreaterThanOrEqual(1);
  });
});

describe('income batching', () => {
  const relays: RunningRelay[] = [];
  const services: BackupService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
    for (const r of relays.splice(0)) await r.close();
  });

  it('holds changes that do not lower the balance for the income delay, but publishes a spend (with the held income) after the short delay', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const seed = randomBytes(64);
    const wallet = new MemoryWallet(seed);
    const first = [proof(8n), proof(2n)];
    wallet.add(first);
    const backup = createBackup({
      source: wallet,
      restoreTarget: wallet,
      relays: [relay.url],
      delaySeconds: 1,
      incomeDelaySeconds: 3600,
      logger: silentLogger,
      timeoutMs: 2000,
      checkSpent: wallet.checkSpent,
    });
    services.push(backup);
    await backup.start();
    await backup.backupNow();
    const pubkey = backupKeysFromSeed(seed).identity.publicKey;

    const income = proof(1n);
    wallet.add([income]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rawQuery(relay.url, { kinds: [KIND_TOKEN], authors: [pubkey] })).toHaveLength(1);
    expect(backup.status().pendingChanges).toBeGreaterThan(0);
    expect(Date.parse(backup.status().nextBackupAt!)).toBeGreaterThan(Date.now() + 60_000);

    const backedUpBefore = backup.status().lastBackupAt;
    wallet.remove(new Set([first[0]!.secret]));
    await new Promise<void>((resolve) => {
      const off = backup.onStatus((s) => {
        if (s.lastBackupAt !== backedUpBefore && s.pendingChanges === 0) {
          off();
          resolve();
        }
      });
    });
    const keys = backupKeysFromSeed(seed);
    const tokens = await rawQuery(relay.url, { kinds: [KIND_TOKEN], authors: [pubkey] });
    const held = tokens.flatMap((t) => parseTokenContent(nip44.decrypt(t.content, nip44.getConversationKey(keys.identity.secretKey, keys.identity.publicKey))).proofs.map((p) => p.secret));
    expect(new Set(held)).toEqual(new Set([first[1]!.secret, income.secret]));
  });
});

describe('without relays', () => {
  it('waits quietly for a relay, then backs up what is pending', async () => {
    const relay = await startRelay();
    const wallet = new MemoryWallet(randomBytes(64));
    wallet.add([proof(2n)]);
    const backup = createBackup({ source: wallet, restoreTarget: wallet, relays: [], delaySeconds: 3600, logger: silentLogger, timeoutMs: 2000, checkSpent: wallet.checkSpent });
    try {
      await backup.start();
      expect((await backup.backupNow()).published).toEqual([]);
      expect(backup.status().lastError).toBe('no backup relay configured');
      expect(backup.status().pendingChanges).toBeGreaterThan(0);
      await backup.setRelays([relay.url]);
      const report = await backup.backupNow();
      expect(report.published.some((p) => p.kind === KIND_TOKEN && p.accepted.includes(relay.url))).toBe(true);
      expect(backup.status().lastError).toBeNull();
      expect(backup.status().pendingChanges).toBe(0);
    } finally {
      await backup.stop();
      await relay.close();
    }
  });
});

describe('never deleting live ecash', () => {
  it('a fresh install of the same seed that has not restored yet keeps the backup and takes the proofs', async () => {
    const relay = await startRelay();
    const seed = randomBytes(64);
    const first = new MemoryWallet(seed);
    first.add([proof(1n), proof(4n)]);
    const backups: BackupService[] = [];
    const make = (wallet: MemoryWallet) => {
      const b = createBackup({ source: wallet, restoreTarget: wallet, relays: [relay.url], delaySeconds: 3600, logger: silentLogger, timeoutMs: 2000, checkSpent: wallet.checkSpent });
      backups.push(b);
      return b;
    };
    try {
      const a = make(first);
      await a.start();
      await a.backupNow();
      await a.stop();

      const fresh = new MemoryWallet(seed, first.spent);
      fresh.add([proof(16n)]);
      const b = make(fresh);
      await b.start();
      const report = await b.backupNow();
      expect(report.published.some((p) => p.kind === KIND_DELETION)).toBe(false);
      expect(fresh.balance()).toBe(21n);
      const pubkey = backupKeysFromSeed(seed).identity.publicKey;
      const keys = backupKeysFromSeed(seed);
      const held = (await rawQuery(relay.url, { kinds: [KIND_TOKEN], authors: [pubkey] })).flatMap((t) =>
        parseTokenContent(nip44.decrypt(t.content, nip44.getConversationKey(keys.identity.secretKey, keys.identity.publicKey))).proofs.map((p) => p.secret),
      );
      expect(new Set(held)).toEqual(new Set(fresh.all().map((p) => p.secret)));
    } finally {
      for (const b of backups) await b.stop();
      await relay.close();
    }
  });
});

describe('several machines on one seed', () => {
  const relays: RunningRelay[] = [];
  const services: BackupService[] = [];
  afterEach(async () => {
    for (const s of services.splice(0)) await s.stop();
    for (const r of relays.splice(0)) await r.close();
  });
  const make = (wallet: MemoryWallet, urls: string[], checkSpent = wallet.checkSpent) => {
    const b = createBackup({ source: wallet, restoreTarget: wallet, relays: urls, delaySeconds: 3600, logger: silentLogger, timeoutMs: 2000, retryInitialMs: 50, checkSpent });
    services.push(b);
    return b;
  };
  const decryptMints = async (url: string, seed: Uint8Array) => {
    const keys = backupKeysFromSeed(seed);
    const [wallet] = await rawQuery(url, { kinds: [17375], authors: [keys.identity.publicKey] });
    const [list] = await rawQuery(url, { kinds: [30078], authors: [keys.mintList.publicKey] });
    const walletTags = JSON.parse(nip44.decrypt(wallet!.content, nip44.getConversationKey(keys.identity.secretKey, keys.identity.publicKey))) as string[][];
    const listed = JSON.parse(nip44.decrypt(list!.content, nip44.getConversationKey(keys.mintList.secretKey, keys.mintList.publicKey))) as { mints: string[] };
    return {
      wallet: walletTags
        .filter((t) => t[0] === 'mint')
        .map((t) => t[1])
        .sort(),
      mintList: [...listed.mints].sort(),
    };
  };

  it('merges the wallet event and the NUT-27 mint list: a machine knowing fewer mints never shortens them', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const seed = randomBytes(64);
    const first = new MemoryWallet(seed);
    first.add([proof(1n)], 'http://127.0.0.1:3338');
    const second = new MemoryWallet(seed, first.spent);
    second.add([proof(2n)], 'http://127.0.0.1:3339');
    const a = make(first, [relay.url]);
    await a.start();
    await a.backupNow();
    const b = make(second, [relay.url]);
    await b.start();
    await b.backupNow();
    const both = ['http://127.0.0.1:3338', 'http://127.0.0.1:3339'];
    expect(await decryptMints(relay.url, seed)).toEqual({ wallet: both, mintList: both });
    // the first machine backs up again: it reads first, and has nothing shorter to say
    first.add([proof(4n)], 'http://127.0.0.1:3338');
    const report = await a.backupNow();
    expect(report.published.map((p) => p.kind)).not.toContain(17375);
    expect(await decryptMints(relay.url, seed)).toEqual({ wallet: both, mintList: both });
    // and it took the proofs the second machine backed up: the same wallet on both
    expect(first.balance()).toBe(7n);
    expect(a.status().relays[0]!.lastError).toBeNull();
  });

  it('holds the replaceable events back while a relay cannot be read, and says so', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const gone = await startRelay();
    await gone.close();
    const wallet = new MemoryWallet(randomBytes(64));
    wallet.add([proof(8n)]);
    const backup = make(wallet, [relay.url, gone.url]);
    await backup.start();
    const report = await backup.backupNow();
    expect(report.published.map((p) => p.kind)).toContain(KIND_TOKEN);
    expect(report.published.map((p) => p.kind)).not.toContain(17375);
    expect(report.published.map((p) => p.kind)).not.toContain(30078);
    expect(backup.status().warnings.join(' ')).toMatch(/mint list waits until every relay has answered/);
    // the unreachable relay reads as what to check, not as a socket error
    expect(backup.status().relays.find((r) => r.url === gone.url)!.lastError).toMatch(/^Nothing answers at 127\.0\.0\.1:\d+\. The relay is down/);
  });

  it('income still waits for the income delay while a held-back mint list waits for an unreadable relay', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const gone = await startRelay();
    await gone.close();
    const seed = randomBytes(64);
    const wallet = new MemoryWallet(seed);
    wallet.add([proof(8n)]);
    const backup = createBackup({
      source: wallet,
      restoreTarget: wallet,
      relays: [relay.url, gone.url],
      delaySeconds: 1,
      incomeDelaySeconds: 3600,
      logger: silentLogger,
      timeoutMs: 2000,
      checkSpent: wallet.checkSpent,
    });
    services.push(backup);
    await backup.start();
    await backup.backupNow();
    wallet.add([proof(1n)]);
    const pubkey = backupKeysFromSeed(seed).identity.publicKey;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rawQuery(relay.url, { kinds: [KIND_TOKEN], authors: [pubkey] })).toHaveLength(1);
    expect(backup.status().waitingFor).toBe('income');
  });

  it('a mint that cannot be asked about spent proofs leaves its token events alone; the other mints are backed up', async () => {
    const relay = await startRelay();
    relays.push(relay);
    const seed = randomBytes(64);
    const wallet = new MemoryWallet(seed);
    const down = 'http://127.0.0.1:9';
    const kept = [proof(1n), proof(2n)];
    wallet.add(kept, down);
    wallet.add([proof(4n)]);
    const backup = make(wallet, [relay.url], async (mint, proofs) => {
      if (mint === down) throw new Error('connect ECONNREFUSED 127.0.0.1:9');
      return wallet.checkSpent(mint, proofs);
    });
    await backup.start();
    await backup.backupNow();
    wallet.remove(new Set([kept[0]!.secret]));
    wallet.add([proof(16n)]);
    const report = await backup.backupNow();
    expect(report.published.map((p) => p.kind)).not.toContain(KIND_DELETION);
    expect(backup.status().lastError).toBeNull();
    expect(backup.status().warnings.join(' ')).toMatch(/cannot ask http:\/\/127\.0\.0\.1:9/);
    const restored = new MemoryWallet(seed);
    await make(restored, [relay.url]).restore();
    // the down mint's proofs all stay backed up (one may be spent: its mint will say so at the next chance)
    expect(restored.balance()).toBe(1n + 2n + 4n + 16n);
  });
});
