/**
 * Bytewords (BCR-2020-012): one four-letter word per byte, a CRC-32 (big-endian) of the body as the last four
 * words. The minimal style keeps the first and last letter of each word: what URs carry.
 */

/** The spec's 256 words in byte order (the October 2020 order: "zaps zero zest zinc zone zoom"). */
const WORDS =
  'ableacidalsoapexaquaarchatomauntawayaxisbackbaldbarnbeltbetabiasbluebodybragbrewbulbbuzzcalmcashcatschefcityclawcodecolacookcost' +
  'cruxcurlcuspcyandarkdatadaysdelidicedietdoordowndrawdropdrumdulldutyeacheasyechoedgeepicevenexamexiteyesfactfairfernfigsfilmfish' +
  'fizzflapflewfluxfoxyfreefrogfuelfundgalagamegeargemsgiftgirlglowgoodgraygrimgurugushgyrohalfhanghardhawkheathelphighhillholyhope' +
  'hornhutsicedideaidleinchinkyintoirisironitemjadejazzjoinjoltjowljudojugsjumpjunkjurykeepkenokeptkeyskickkilnkingkitekiwiknoblamb' +
  'lavalazyleaflegsliarlimplionlistlogoloudloveluaulucklungmainmanymathmazememomenumeowmildmintmissmonknailnavyneednewsnextnoonnote' +
  'numbobeyoboeomitonyxopenovalowlspaidpartpeckplaypluspoempoolposepuffpumapurrquadquizraceramprealredorichroadrockroofrubyruinruns' +
  'rustsafesagascarsetssilkskewslotsoapsolosongstubsurfswantacotasktaxitenttiedtimetinytoiltombtoystriptunatwinuglyundouniturgeuser' +
  'vastveryvetovialvibeviewvisavoidvowswallwandwarmwaspwavewaxywebswhatwhenwhizwolfworkyankyawnyellyogayurtzapszerozestzinczonezoom';

export const bytewordList: readonly string[] = Array.from({ length: 256 }, (_, i) => WORDS.slice(i * 4, i * 4 + 4));

/** first+last letter -> byte (the spec guarantees these pairs are unique) */
const byMinimal = new Map(bytewordList.map((w, i) => [w[0]! + w[3]!, i]));
const byWord = new Map(bytewordList.map((w, i) => [w, i]));

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 (ISO-HDLC, the one zlib computes), as an unsigned integer. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function uint32BE(value: number): Uint8Array {
  return Uint8Array.of(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}

export type BytewordsStyle = 'standard' | 'uri' | 'minimal';

export class BytewordsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BytewordsError';
  }
}

function withChecksum(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  out.set(uint32BE(crc32(body)), body.length);
  return out;
}

export function encodeBytewords(body: Uint8Array, style: BytewordsStyle = 'minimal'): string {
  const words = [...withChecksum(body)].map((b) => bytewordList[b]!);
  if (style === 'minimal') return words.map((w) => w[0]! + w[3]!).join('');
  return words.join(style === 'uri' ? '-' : ' ');
}

/** Decodes any case; throws BytewordsError on an unknown word, a body shorter than one byte or a wrong checksum. */
export function decodeBytewords(text: string, style: BytewordsStyle = 'minimal'): Uint8Array {
  const lower = text.toLowerCase();
  let tokens: string[];
  if (style === 'minimal') {
    if (lower.length % 2 !== 0) throw new BytewordsError('minimal Bytewords come in pairs of letters');
    tokens = lower.match(/.{2}/g) ?? [];
  } else {
    tokens = lower.split(style === 'uri' ? '-' : ' ');
  }
  const bytes = tokens.map((t) => {
    const value = style === 'minimal' ? byMinimal.get(t) : byWord.get(t);
    if (value === undefined) throw new BytewordsError(`"${t}" is not a Byteword`);
    return value;
  });
  if (bytes.length < 5) throw new BytewordsError('too short for a body and its checksum');
  const body = Uint8Array.from(bytes.slice(0, -4));
  const expected = uint32BE(crc32(body));
  if (!bytes.slice(-4).every((b, i) => b === expected[i])) throw new BytewordsError('checksum does not match');
  return body;
}
