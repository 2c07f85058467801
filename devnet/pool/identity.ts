/**
 * The channel's locking key travels in user_identity as `<worker>.<33-byte compressed pubkey hex>`
 * (Axewallet's convention, see hashpool.md). Anything else mines to the pool's configured key.
 */
import { secp256k1 } from '@noble/curves/secp256k1.js';

export interface MinerIdentity {
  worker: string;
  /** compressed pubkey hex the channel's quotes are locked to, when the identity carried one */
  lockingKey: string | null;
}

const COMPRESSED_HEX = /^0[23][0-9a-fA-F]{64}$/;

export function parseUserIdentity(userIdentity: string): MinerIdentity {
  const dot = userIdentity.lastIndexOf('.');
  const candidate = dot >= 0 ? userIdentity.slice(dot + 1) : '';
  if (COMPRESSED_HEX.test(candidate) && isOnCurve(candidate)) {
    return { worker: userIdentity.slice(0, dot), lockingKey: candidate.toLowerCase() };
  }
  return { worker: userIdentity, lockingKey: null };
}

function isOnCurve(hex: string): boolean {
  try {
    secp256k1.Point.fromHex(hex);
    return true;
  } catch {
    return false;
  }
}
