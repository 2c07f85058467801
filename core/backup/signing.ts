/** Signs event templates: BIP340 on libsecp256k1 in wasm (tiny-secp256k1), ~10x noble's pure JS (perf.md). */
import { randomBytes } from 'node:crypto';
import * as secp from 'tiny-secp256k1';
import type { EventTemplate, SignedEvent } from './nip60';
import { eventId } from './verify';

export type Signer = (template: EventTemplate) => SignedEvent;

export function createSigner(secretKey: Uint8Array): Signer {
  const key = Uint8Array.from(secretKey);
  const xOnly = secp.xOnlyPointFromScalar(key);
  const pubkey = Buffer.from(xOnly).toString('hex');
  return (template) => {
    const event = { kind: template.kind, tags: template.tags.map((t) => [...t]), content: template.content, created_at: template.created_at, pubkey };
    const id = eventId(event);
    const sig = secp.signSchnorr(id, key, randomBytes(32));
    return { ...event, id: id.toString('hex'), sig: Buffer.from(sig).toString('hex') };
  };
}
