/**
 * Reads a NIP-60 wallet back from relays, the way NIP-60's "Flow" describes: wallet and token events
 * by author, kind-5 deletions filtered by `#k 7375`, plus the NUT-27 mint list under its own key.
 * Every event is verified (signature, author, kind) before it is decrypted; deletions and `del` fields
 * are applied; what remains is the set of live token events.
 */
import type { BackupKeys } from './keys';
import {
  deletedEventIds,
  isMintListEvent,
  KIND_DELETION,
  KIND_MINT_LIST,
  KIND_TOKEN,
  KIND_WALLET,
  MINT_LIST_D,
  parseMintListContent,
  parseTokenContent,
  parseWalletContent,
  type Proof,
  type SelfCipher,
  selfCipher,
  type SignedEvent,
  type WalletContent,
} from './nip60';
import type { RelayPool } from './pool';
import { verifyEvents } from './verify';

export interface TokenRecord {
  event: SignedEvent;
  mint: string;
  unit: string;
  proofs: Proof[];
}

export interface LoadedBackup {
  /** the newest wallet event (17375) any relay holds */
  wallet: { event: SignedEvent; content: WalletContent } | null;
  /** the newest NUT-27 mint list any relay holds */
  mintList: { event: SignedEvent; mints: string[] } | null;
  /**
   * Every mint named anywhere: each version of the wallet event and of the mint list (relays may hold
   * different ones, written by different machines on this seed) and the token events. Merged, never the
   * newest alone: a machine that knew fewer mints must not make the others forget one.
   */
  mints: string[];
  /** live token events by id (deleted and superseded ones removed) */
  tokens: Map<string, TokenRecord>;
  /** token event ids deleted (kind 5) or superseded (`del`) */
  deleted: Set<string>;
  /** relay url -> how many of these events it returned */
  perRelay: Record<string, number>;
  /** events dropped: bad signature, wrong author or kind, undecryptable or malformed content */
  rejected: number;
  /** relay url -> why it could not answer */
  failedRelays: Record<string, string>;
  /** events fetched (after deduplication across relays) */
  fetched: number;
}

export interface LoadOptions {
  onProgress?: (stage: 'fetch' | 'verify' | 'decrypt', done: number, total: number) => void;
  /**
   * Also read the kind-5 deletions (default true). They only grow; relays apply them, and `del` in the
   * rolled-over events covers relays that do not, so a service that read them once skips them after.
   */
  deletions?: boolean;
  /** ids already known deleted: a relay that ignores deletions does not bring these back */
  deleted?: Iterable<string>;
}

export interface Ciphers {
  identity: SelfCipher;
  mintList: SelfCipher;
}

export function ciphersFor(keys: BackupKeys): Ciphers {
  return {
    identity: selfCipher(keys.identity.secretKey, keys.identity.publicKey),
    mintList: selfCipher(keys.mintList.secretKey, keys.mintList.publicKey),
  };
}

export async function loadBackup(pool: RelayPool, keys: BackupKeys, ciphers: Ciphers, opts: LoadOptions = {}): Promise<LoadedBackup> {
  const me = keys.identity.publicKey;
  // history (7376) is informational (NIP-60: "completely optional") and nothing restores from it
  const kinds = [KIND_WALLET, KIND_TOKEN];
  const none = { events: [] as unknown[], counts: {} as Record<string, number>, failed: {} as Record<string, string> };
  const [main, deletions, mintLists] = await Promise.all([
    pool.queryAll({ kinds, authors: [me] }),
    opts.deletions === false ? none : pool.queryAll({ kinds: [KIND_DELETION], authors: [me], '#k': [String(KIND_TOKEN)] }),
    pool.queryAll({ kinds: [KIND_MINT_LIST], authors: [keys.mintList.publicKey], '#d': [MINT_LIST_D] }),
  ]);
  const failedRelays = { ...mintLists.failed, ...deletions.failed, ...main.failed };
  const perRelay: Record<string, number> = {};
  for (const answer of [main, deletions, mintLists]) for (const [url, n] of Object.entries(answer.counts)) perRelay[url] = (perRelay[url] ?? 0) + n;
  const total = main.events.length + deletions.events.length + mintLists.events.length;
  opts.onProgress?.('fetch', total, total);

  const mine = await verifyEvents([...main.events, ...deletions.events], { authors: new Set([me]), kinds: new Set([...kinds, KIND_DELETION]) });
  const backupKeyed = await verifyEvents(mintLists.events, { authors: new Set([keys.mintList.publicKey]), kinds: new Set([KIND_MINT_LIST]) });
  opts.onProgress?.('verify', total, total);
  let rejected = mine.rejected + backupKeyed.rejected;

  const deleted = new Set<string>(opts.deleted);
  for (const event of mine.events) if (event.kind === KIND_DELETION) for (const id of deletedEventIds(event)) deleted.add(id);

  const mints = new Set<string>();
  let wallet: LoadedBackup['wallet'] = null;
  const tokens = new Map<string, TokenRecord>();
  let decrypted = 0;
  for (const event of mine.events) {
    if (event.kind === KIND_DELETION || deleted.has(event.id)) continue;
    try {
      const plaintext = ciphers.identity.decrypt(event.content);
      if (event.kind === KIND_WALLET) {
        const content = parseWalletContent(plaintext);
        for (const mint of content.mints) mints.add(mint);
        if (!wallet || newer(event, wallet.event)) wallet = { event, content };
      } else if (event.kind === KIND_TOKEN) {
        const content = parseTokenContent(plaintext);
        tokens.set(event.id, { event, mint: content.mint, unit: content.unit, proofs: content.proofs });
        // `del` names the events this one replaced: a rollover whose kind 5 was lost still supersedes them
        for (const id of content.del) deleted.add(id);
      }
    } catch {
      rejected++;
    }
    if (++decrypted % 1000 === 0) opts.onProgress?.('decrypt', decrypted, mine.events.length);
  }
  for (const id of deleted) tokens.delete(id);
  for (const token of tokens.values()) mints.add(token.mint);

  let mintList: LoadedBackup['mintList'] = null;
  for (const event of backupKeyed.events) {
    if (!isMintListEvent(event)) continue;
    try {
      const listed = parseMintListContent(ciphers.mintList.decrypt(event.content)).mints;
      for (const mint of listed) mints.add(mint);
      if (!mintList || newer(event, mintList.event)) mintList = { event, mints: listed };
    } catch {
      rejected++;
    }
  }
  return { wallet, mintList, mints: [...mints], tokens, deleted, perRelay, rejected, failedRelays, fetched: total };
}

/** NIP-01's order for replaceable events: the later created_at, and of two in one second the lower id. */
export function newer(a: SignedEvent, b: SignedEvent): boolean {
  return a.created_at > b.created_at || (a.created_at === b.created_at && a.id < b.id);
}

/** Unspent-looking proofs per mint and unit, each secret once, from the live token events. */
export function proofsByGroup(tokens: Iterable<TokenRecord>): Map<string, { mint: string; unit: string; proofs: Map<string, Proof> }> {
  const groups = new Map<string, { mint: string; unit: string; proofs: Map<string, Proof> }>();
  for (const token of tokens) {
    const key = groupKey(token.mint, token.unit);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { mint: token.mint, unit: token.unit, proofs: new Map() }));
    for (const proof of token.proofs) if (!group.proofs.has(proof.secret)) group.proofs.set(proof.secret, proof);
  }
  return groups;
}

export function groupKey(mint: string, unit: string): string {
  return `${mint}\n${unit}`;
}
