/**
 * Seed encryption at rest. The desktop shell hands over Electron safeStorage (OS keychain); headless
 * mode uses a passphrase stretched with scrypt. Either way only ciphertext touches the disk.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

export interface SeedVault {
  readonly kind: 'passphrase' | 'safe-storage';
  /** false when this vault needs a passphrase before it can open or seal */
  readonly needsPassphrase: boolean;
  seal(plaintext: string, passphrase?: string): Promise<Uint8Array>;
  /** Throws VaultError('wrong_passphrase') when the passphrase (or OS key) does not open the blob. */
  open(blob: Uint8Array, passphrase?: string): Promise<string>;
}

/**
 * The part of Electron's safeStorage the vault needs (getSelectedStorageBackend exists on Linux only). Encryption may
 * answer later: the desktop app's engine runs in its own process and asks the main process, where safeStorage lives.
 */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer | Promise<Buffer>;
  decryptString(encrypted: Buffer): string | Promise<string>;
  getSelectedStorageBackend?(): string;
}

export class VaultError extends Error {
  constructor(
    readonly code: 'wrong_passphrase' | 'passphrase_required' | 'weak_passphrase' | 'unavailable' | 'corrupt',
    message: string,
  ) {
    super(message);
    this.name = 'VaultError';
  }
}

const MIN_PASSPHRASE = 8;
/** scrypt cost: N=2^15, r=8 (~32 MiB, ~100 ms): slow for guessing, fine for an unlock. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

function deriveKey(passphrase: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, 32, { ...params, maxmem: SCRYPT.maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

interface PassphraseBlob {
  v: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  nonce: string;
  data: string;
}

export function passphraseVault(): SeedVault {
  return {
    kind: 'passphrase',
    needsPassphrase: true,
    async seal(plaintext, passphrase) {
      if (passphrase === undefined) throw new VaultError('passphrase_required', 'A passphrase is required to encrypt the wallet seed.');
      if (passphrase.length < MIN_PASSPHRASE) throw new VaultError('weak_passphrase', `The passphrase needs at least ${MIN_PASSPHRASE} characters.`);
      const salt = randomBytes(16);
      const nonce = randomBytes(12);
      const key = await deriveKey(passphrase, salt, SCRYPT);
      const cipher = createCipheriv('chacha20-poly1305', key, nonce, {
        authTagLength: 16,
      });
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      const blob: PassphraseBlob = {
        v: 1,
        kdf: 'scrypt',
        N: SCRYPT.N,
        r: SCRYPT.r,
        p: SCRYPT.p,
        salt: salt.toString('base64'),
        nonce: nonce.toString('base64'),
        data: data.toString('base64'),
      };
      return Buffer.from(JSON.stringify(blob), 'utf8');
    },
    async open(bytes, passphrase) {
      if (passphrase === undefined) throw new VaultError('passphrase_required', 'The wallet is locked: unlock it with its passphrase.');
      let blob: PassphraseBlob;
      try {
        blob = JSON.parse(Buffer.from(bytes).toString('utf8')) as PassphraseBlob;
      } catch {
        throw new VaultError('corrupt', 'The stored seed is not readable.');
      }
      if (blob.v !== 1 || blob.kdf !== 'scrypt') throw new VaultError('corrupt', 'The stored seed uses an unknown format.');
      const key = await deriveKey(passphrase, Buffer.from(blob.salt, 'base64'), blob);
      const data = Buffer.from(blob.data, 'base64');
      try {
        const decipher = createDecipheriv('chacha20-poly1305', key, Buffer.from(blob.nonce, 'base64'), { authTagLength: 16 });
        decipher.setAuthTag(data.subarray(data.length - 16));
        return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
      } catch {
        throw new VaultError('wrong_passphrase', 'Wrong passphrase.');
      }
    },
  };
}

export function safeStorageVault(safeStorage: SafeStorageLike): SeedVault {
  const available = () => {
    if (!safeStorage.isEncryptionAvailable()) throw new VaultError('unavailable', 'The operating system keychain is not available to encrypt the wallet seed.');
  };
  return {
    kind: 'safe-storage',
    needsPassphrase: false,
    async seal(plaintext) {
      available();
      return safeStorage.encryptString(plaintext);
    },
    async open(blob) {
      available();
      try {
        return await safeStorage.decryptString(Buffer.from(blob));
      } catch {
        throw new VaultError('wrong_passphrase', 'The operating system keychain could not decrypt the wallet seed.');
      }
    },
  };
}

/**
 * Linux backends that protect nothing: with no keyring running, Chromium's "basic_text" encrypts with a
 * password compiled into every build while isEncryptionAvailable() still says true; "unknown" is not
 * known to be any better.
 */
const UNTRUSTED_LINUX_BACKENDS = new Set(['basic_text', 'unknown']);

/** Why the OS keychain cannot guard the seed here, or undefined when it can. */
export function keychainWeakness(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): string | undefined {
  if (!safeStorage.isEncryptionAvailable()) return 'The operating system keychain is not available.';
  if (platform !== 'linux') return undefined;
  const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
  if (UNTRUSTED_LINUX_BACKENDS.has(backend)) return `No keyring (GNOME Keyring or KWallet) is running, and Electron's "${backend}" storage would keep the seed under a publicly known key.`;
  return undefined;
}

/**
 * The vault of this run: the OS keychain only where it really protects the seed, otherwise a passphrase.
 * A seed an older Axewallet already sealed with a weak keychain opens with nothing else, so that wallet
 * keeps it, with a warning to say so.
 */
export function chooseVault(choice: 'passphrase' | SafeStorageLike, sealedWith: string | undefined, platform: NodeJS.Platform = process.platform): { vault: SeedVault; warning?: string } {
  if (choice === 'passphrase') return { vault: passphraseVault() };
  const weakness = keychainWeakness(choice, platform);
  if (!weakness) return { vault: safeStorageVault(choice) };
  if (sealedWith === 'safe-storage') {
    return {
      vault: safeStorageVault(choice),
      warning: `${weakness} This wallet's seed was stored that way before; to protect it with a passphrase, write down the recovery words, move the home aside and restore.`,
    };
  }
  return { vault: passphraseVault() };
}
