/** Signs event templates with libsecp256k1 (nostr-wasm): about 6x noble's pure JS (perf.md). */
import type { EventTemplate, SignedEvent } from './nip60';
import { nostrWasm } from './verify';

export type Signer = (template: EventTemplate) => SignedEvent;

export async function createSigner(secretKey: Uint8Array): Promise<Signer> {
  const nostr = await nostrWasm();
  const key = Uint8Array.from(secretKey);
  return (template) => {
    const event = { ...template, tags: template.tags.map((t) => [...t]), pubkey: '', id: '', sig: '' };
    nostr.finalizeEvent(event, key);
    return event;
  };
}
