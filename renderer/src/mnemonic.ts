/** Checks recovery words before they leave the page, so a typo is named next to the field (the engine checks again). */
import { validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';

const known = new Set(wordlist);

export function normalizeMnemonic(text: string): string {
  return text.trim().toLowerCase().split(/\s+/).filter(Boolean).join(' ');
}

/** undefined when the words are a valid BIP39 English mnemonic; otherwise what is wrong, naming the word. */
export function mnemonicProblem(text: string): string | undefined {
  const words = normalizeMnemonic(text).split(' ').filter(Boolean);
  if (words.length === 0) return 'Enter your recovery words.';
  const unknownIndex = words.findIndex((w) => !known.has(w));
  if (unknownIndex >= 0) return `Word ${unknownIndex + 1} ("${words[unknownIndex]}") is not a BIP39 recovery word. Check its spelling.`;
  if (![12, 15, 18, 21, 24].includes(words.length)) return `Recovery phrases have 12 or 24 words; this has ${words.length}.`;
  if (!validateMnemonic(words.join(' '), wordlist)) return 'These words do not fit together (their checksum is wrong): one word is probably mistyped or out of order.';
  return undefined;
}

/** A few distinct positions (0-based) for the user to confirm, different each time. */
export function pickConfirmPositions(wordCount: number, count = 3, random: () => number = Math.random): number[] {
  const picked = new Set<number>();
  while (picked.size < Math.min(count, wordCount)) picked.add(Math.floor(random() * wordCount));
  return [...picked].sort((a, b) => a - b);
}
