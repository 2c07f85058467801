/**
 * The responder's certificate, SIGNATURE_NOISE_MESSAGE (spec 04 §4.5.1, SRI signature_message.rs):
 * version U16 | valid_from U32 | not_valid_after U32 | BIP340 signature (64), all little-endian, 74 bytes.
 * The authority signs SHA256(version || valid_from || not_valid_after || server static x-only key).
 *
 * Clock-skew policy: accept iff valid_from - skew <= now <= not_valid_after + skew, with skew = 10 s by default
 * (SRI's TIME_LEEWAY). SRI pools stamp valid_from with their own clock, so a client lagging more than `skew`
 * behind the pool rejects it: callers may widen `clockSkewSeconds`, never drop the check.
 */
import { schnorr } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { Sv2Reader, Sv2Writer } from './codec';
import { Sv2HandshakeError } from './errors';

export const CERTIFICATE_SIZE = 74;
export const CERTIFICATE_VERSION = 0;
export const DEFAULT_CLOCK_SKEW_SECONDS = 10;

export interface Sv2Certificate {
  version: number;
  /** unix seconds */
  validFrom: number;
  /** unix seconds */
  notValidAfter: number;
  signature: Uint8Array;
}

export function certificateDigest(version: number, validFrom: number, notValidAfter: number, serverStaticXOnly: Uint8Array): Uint8Array {
  const message = new Sv2Writer(42).u16(version).u32(validFrom).u32(notValidAfter).bytes(serverStaticXOnly).finish();
  return sha256(message);
}

export interface SignCertificateInput {
  version?: number;
  validFrom: number;
  notValidAfter: number;
  serverStaticXOnly: Uint8Array;
  authoritySecretKey: Uint8Array;
  /** BIP340 auxiliary randomness; random when omitted */
  auxRand?: Uint8Array;
}

export function signCertificate(input: SignCertificateInput): Uint8Array {
  const version = input.version ?? CERTIFICATE_VERSION;
  const digest = certificateDigest(version, input.validFrom, input.notValidAfter, input.serverStaticXOnly);
  const signature = schnorr.sign(digest, input.authoritySecretKey, input.auxRand);
  return new Sv2Writer(CERTIFICATE_SIZE).u16(version).u32(input.validFrom).u32(input.notValidAfter).bytes(signature).finish();
}

export function parseCertificate(bytes: Uint8Array): Sv2Certificate {
  if (bytes.length !== CERTIFICATE_SIZE) throw new Sv2HandshakeError('bad-certificate', `certificate must be ${CERTIFICATE_SIZE} bytes`);
  const r = new Sv2Reader(bytes);
  return { version: r.u16(), validFrom: r.u32(), notValidAfter: r.u32(), signature: r.bytesCopy(64, 'signature') };
}

export interface VerifyCertificateInput {
  serverStaticXOnly: Uint8Array;
  /** the pinned authority key, x-only */
  authorityPubkey: Uint8Array;
  /** unix seconds */
  now: number;
  clockSkewSeconds?: number;
}

export function verifyCertificate(bytes: Uint8Array, input: VerifyCertificateInput): Sv2Certificate {
  const skew = input.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  if (!Number.isInteger(skew) || skew < 0) throw new RangeError('clockSkewSeconds must be a non-negative integer');
  const cert = parseCertificate(bytes);
  if (cert.version !== CERTIFICATE_VERSION) throw new Sv2HandshakeError('bad-certificate', `unsupported certificate version ${cert.version}`);
  if (cert.validFrom > cert.notValidAfter) throw new Sv2HandshakeError('bad-certificate', 'certificate validity window is inverted');
  const digest = certificateDigest(cert.version, cert.validFrom, cert.notValidAfter, input.serverStaticXOnly);
  let valid = false;
  try {
    valid = schnorr.verify(cert.signature, digest, input.authorityPubkey);
  } catch {
    valid = false;
  }
  if (!valid) {
    throw new Sv2HandshakeError('wrong-authority', 'certificate is not signed by the pinned authority key (wrong key configured, or a forged certificate)');
  }
  if (input.now < cert.validFrom - skew) {
    throw new Sv2HandshakeError('certificate-not-yet-valid', `certificate valid from ${cert.validFrom}, local clock ${input.now} is more than ${skew}s behind: check the system clock`);
  }
  if (input.now > cert.notValidAfter + skew) {
    throw new Sv2HandshakeError('certificate-expired', `certificate expired at ${cert.notValidAfter}, local clock ${input.now} (allowed skew ${skew}s)`);
  }
  return cert;
}
