/**
 * The Stratum V2 messages Axewallet speaks, one table: wire identity (extension type, message type, channel bit) and
 * fields in wire order. Types are derived from the table, so a message's TypeScript shape and its encoding cannot drift.
 * Sources: spec 03/05/08, SRI mining_sv2 + common_messages_sv2 (field lists in research/sv2.md §5), and hashpool's
 * mint-quote subprotocol (0xC0/0xC1 under extension 0 with the channel bit; 0x80-0x82 under extension 3).
 */
import { B0_255, B0_32, B0_64K, BOOL, F32, OPTION, SEQ0_255, SEQ0_64K, STR0_255, Sv2Reader, Sv2Writer, U16, U256, U32, U64, U8, type Sv2Type, type Sv2TypeValue } from './codec';
import { Sv2EncodeError } from './errors';

/** Set in extension_type when the payload starts with a channel_id (spec 03 §3.2, SRI CHANNEL_MSG_MASK). */
export const CHANNEL_MSG_BIT = 0x8000;

export const EXTENSION_CORE = 0x0000;
/** Hashpool's pool<->mint subprotocol discriminant. */
export const EXTENSION_MINT_QUOTE = 0x0003;

export const PROTOCOL_MINING = 0;

/** SetupConnection.flags for the Mining protocol (spec 05 §5.3.1). */
export const SETUP_FLAG_REQUIRES_STANDARD_JOBS = 1 << 0;
export const SETUP_FLAG_REQUIRES_WORK_SELECTION = 1 << 1;
export const SETUP_FLAG_REQUIRES_VERSION_ROLLING = 1 << 2;

/** SetupConnection.Success.flags for the Mining protocol. */
export const SETUP_SUCCESS_FLAG_REQUIRES_FIXED_VERSION = 1 << 0;
export const SETUP_SUCCESS_FLAG_REQUIRES_EXTENDED_CHANNELS = 1 << 1;

interface MessageSpec {
  readonly extensionType: number;
  readonly msgType: number;
  readonly channelBit: boolean;
  readonly fields: Readonly<Record<string, Sv2Type<unknown>>>;
}

function core(msgType: number, channelBit: boolean) {
  return { extensionType: EXTENSION_CORE, msgType, channelBit } as const;
}

const MESSAGES = {
  SetupConnection: {
    ...core(0x00, false),
    fields: {
      protocol: U8,
      minVersion: U16,
      maxVersion: U16,
      flags: U32,
      endpointHost: STR0_255,
      endpointPort: U16,
      vendor: STR0_255,
      hardwareVersion: STR0_255,
      firmware: STR0_255,
      deviceId: STR0_255,
    },
  },
  SetupConnectionSuccess: { ...core(0x01, false), fields: { usedVersion: U16, flags: U32 } },
  SetupConnectionError: { ...core(0x02, false), fields: { flags: U32, errorCode: STR0_255 } },
  ChannelEndpointChanged: { ...core(0x03, true), fields: { channelId: U32 } },
  Reconnect: { ...core(0x04, false), fields: { newHost: STR0_255, newPort: U16 } },
  OpenMiningChannelError: { ...core(0x12, false), fields: { requestId: U32, errorCode: STR0_255 } },
  OpenExtendedMiningChannel: {
    ...core(0x13, false),
    fields: { requestId: U32, userIdentity: STR0_255, nominalHashRate: F32, maxTarget: U256, minExtranonceSize: U16 },
  },
  OpenExtendedMiningChannelSuccess: {
    ...core(0x14, false),
    fields: {
      requestId: U32,
      channelId: U32,
      target: U256,
      extranonceSize: U16,
      extranoncePrefix: B0_32,
      groupChannelId: U32,
    },
  },
  NewMiningJob: {
    ...core(0x15, true),
    fields: { channelId: U32, jobId: U32, minNtime: OPTION(U32), version: U32, merkleRoot: U256 },
  },
  UpdateChannel: { ...core(0x16, true), fields: { channelId: U32, nominalHashRate: F32, maximumTarget: U256 } },
  UpdateChannelError: { ...core(0x17, true), fields: { channelId: U32, errorCode: STR0_255 } },
  CloseChannel: { ...core(0x18, true), fields: { channelId: U32, reasonCode: STR0_255 } },
  SetExtranoncePrefix: { ...core(0x19, true), fields: { channelId: U32, extranoncePrefix: B0_32 } },
  SubmitSharesExtended: {
    ...core(0x1b, true),
    fields: {
      channelId: U32,
      sequenceNumber: U32,
      jobId: U32,
      nonce: U32,
      ntime: U32,
      version: U32,
      extranonce: B0_32,
    },
  },
  SubmitSharesSuccess: {
    ...core(0x1c, true),
    fields: { channelId: U32, lastSequenceNumber: U32, newSubmitsAcceptedCount: U32, newSharesSum: U64 },
  },
  SubmitSharesError: { ...core(0x1d, true), fields: { channelId: U32, sequenceNumber: U32, errorCode: STR0_255 } },
  NewExtendedMiningJob: {
    ...core(0x1f, true),
    fields: {
      channelId: U32,
      jobId: U32,
      /** undefined = future job, activated by a SetNewPrevHash with the same job id */
      minNtime: OPTION(U32),
      version: U32,
      versionRollingAllowed: BOOL,
      merklePath: SEQ0_255(U256),
      coinbaseTxPrefix: B0_64K,
      coinbaseTxSuffix: B0_64K,
    },
  },
  SetNewPrevHash: {
    ...core(0x20, true),
    fields: { channelId: U32, jobId: U32, prevHash: U256, minNtime: U32, nbits: U32 },
  },
  SetTarget: { ...core(0x21, true), fields: { channelId: U32, maximumTarget: U256 } },
  SetGroupChannel: { ...core(0x25, false), fields: { groupChannelId: U32, channelIds: SEQ0_64K(U32) } },
  MintQuoteNotification: {
    ...core(0xc0, true),
    fields: { channelId: U32, quoteId: STR0_255, amount: U64 },
  },
  MintQuoteFailure: {
    ...core(0xc1, true),
    fields: { channelId: U32, quoteId: STR0_255, errorCode: U32, errorMessage: STR0_255 },
  },
  MintQuoteRequest: {
    extensionType: EXTENSION_MINT_QUOTE,
    msgType: 0x80,
    channelBit: true,
    fields: {
      amount: U64,
      unit: STR0_255,
      headerHash: U256,
      description: OPTION(STR0_255),
      /** 33-byte compressed secp256k1 key the quote is locked to (NUT-20) */
      lockingKey: B0_255,
    },
  },
  MintQuoteResponse: {
    extensionType: EXTENSION_MINT_QUOTE,
    msgType: 0x81,
    channelBit: true,
    fields: { quoteId: STR0_255, headerHash: U256 },
  },
  MintQuoteError: {
    extensionType: EXTENSION_MINT_QUOTE,
    msgType: 0x82,
    channelBit: true,
    fields: { errorCode: U32, errorMessage: STR0_255 },
  },
} as const satisfies Record<string, MessageSpec>;

type Messages = typeof MESSAGES;
export type Sv2MessageType = keyof Messages;

type Fields<K extends Sv2MessageType> = { -readonly [F in keyof Messages[K]['fields']]: Sv2TypeValue<Messages[K]['fields'][F]> };

/** Every known message: `type` names it, the other keys are its fields in camelCase. */
export type Sv2Message = { [K in Sv2MessageType]: { type: K } & Fields<K> }[Sv2MessageType];
export type Sv2MessageOf<K extends Sv2MessageType> = Extract<Sv2Message, { type: K }>;

/** A message we do not know, kept raw so a proxy can log or forward it. */
export interface Sv2UnknownMessage {
  type: 'Unknown';
  extensionType: number;
  msgType: number;
  payload: Uint8Array;
}

export type Sv2AnyMessage = Sv2Message | Sv2UnknownMessage;

/** A message as it travels inside a frame: extensionType carries the channel bit. */
export interface Sv2EncodedMessage {
  extensionType: number;
  msgType: number;
  payload: Uint8Array;
}

export const SV2_MESSAGE_TYPES = Object.keys(MESSAGES) as Sv2MessageType[];

function dispatchKey(extensionType: number, msgType: number): number {
  return ((extensionType & ~CHANNEL_MSG_BIT) << 8) | msgType;
}

const byWireId = new Map<number, Sv2MessageType>(SV2_MESSAGE_TYPES.map((name) => [dispatchKey(MESSAGES[name].extensionType, MESSAGES[name].msgType), name]));

function specOf(type: Sv2MessageType): MessageSpec {
  return MESSAGES[type] as MessageSpec;
}

/** Each type's fields in wire order with their error context, and its wire id: built once, not per message (the share path encodes and decodes thousands a second). */
interface Layout {
  fields: ReadonlyArray<{ name: string; wireType: Sv2Type<unknown>; context: string }>;
  extensionType: number;
  msgType: number;
}

const LAYOUTS = new Map<Sv2MessageType, Layout>(
  SV2_MESSAGE_TYPES.map((type) => {
    const spec = specOf(type);
    const fields = Object.entries(spec.fields).map(([name, wireType]) => ({ name, wireType, context: `${type}.${name}` }));
    return [type, { fields, extensionType: spec.channelBit ? spec.extensionType | CHANNEL_MSG_BIT : spec.extensionType, msgType: spec.msgType }];
  }),
);

/** Wire identity of a message type, for routing and logs. */
export function messageWireId(type: Sv2MessageType): { extensionType: number; msgType: number; channelBit: boolean } {
  const { extensionType, msgType, channelBit } = MESSAGES[type];
  return { extensionType: channelBit ? extensionType | CHANNEL_MSG_BIT : extensionType, msgType, channelBit };
}

const SCRATCH = new Sv2Writer(1024);

export function encodeMessage(message: Sv2AnyMessage): Sv2EncodedMessage {
  if (message.type === 'Unknown') {
    return { extensionType: message.extensionType, msgType: message.msgType, payload: message.payload };
  }
  const layout = LAYOUTS.get(message.type);
  if (!layout) throw new Sv2EncodeError('out-of-range', `unknown message type ${String((message as { type: unknown }).type)}`);
  // one writer for every message (encoding is synchronous and never nested): a writer per message cost a buffer, a
  // DataView and an externalized ArrayBuffer for each share sent
  const writer = SCRATCH.reset();
  const values = message as unknown as Record<string, unknown>;
  for (const field of layout.fields) {
    try {
      field.wireType.write(writer, values[field.name]);
    } catch (error) {
      if (error instanceof Sv2EncodeError) throw new Sv2EncodeError(error.code, `${field.context}: ${error.message}`);
      throw error;
    }
  }
  return { extensionType: layout.extensionType, msgType: layout.msgType, payload: writer.finish() };
}

/**
 * Decodes one payload. Dispatches on the extension type without its channel bit (SRI does not validate the bit
 * either). Unknown (extension, type) pairs come back as Sv2UnknownMessage; malformed known ones throw Sv2DecodeError.
 */
export function decodeMessage(extensionType: number, msgType: number, payload: Uint8Array): Sv2AnyMessage {
  const type = byWireId.get(dispatchKey(extensionType, msgType));
  if (type === undefined) return { type: 'Unknown', extensionType, msgType, payload: payload.slice() };
  const reader = new Sv2Reader(payload);
  const message: Record<string, unknown> = { type };
  for (const field of LAYOUTS.get(type)!.fields) {
    reader.context = field.context;
    message[field.name] = field.wireType.read(reader);
  }
  reader.context = '';
  reader.end(type);
  return message as Sv2Message;
}
