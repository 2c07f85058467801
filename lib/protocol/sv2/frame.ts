/**
 * Sv2 frame header (spec 03 §3.2, SRI framing-sv2): extension_type U16 (bit 0x8000 = channel message), msg_type U8,
 * msg_length U24 (plaintext payload length), all little-endian. On an encrypted connection the header is sealed on
 * its own (see cipher.ts); plaintext frames exist for tests and the SRI byte vectors.
 */
import { Sv2Reader, Sv2Writer } from './codec';
import type { Sv2EncodedMessage } from './messages';

export const FRAME_HEADER_SIZE = 6;
export const MAX_FRAME_PAYLOAD = 0xffffff;

export interface Sv2FrameHeader {
  extensionType: number;
  msgType: number;
  /** plaintext payload length */
  length: number;
}

/** reused for every frame (synchronous, never nested), as encodeMessage's writer is */
const HEADER_WRITER = new Sv2Writer(FRAME_HEADER_SIZE);

function headerWriter(header: Sv2FrameHeader): Sv2Writer {
  return HEADER_WRITER.reset().u16(header.extensionType, 'extension_type').u8(header.msgType, 'msg_type').u24(header.length, 'msg_length');
}

export function encodeFrameHeader(header: Sv2FrameHeader): Uint8Array {
  return headerWriter(header).finish();
}

/** The header written into the first FRAME_HEADER_SIZE bytes of `out` (a frame being sealed). */
export function writeFrameHeader(header: Sv2FrameHeader, out: Uint8Array): void {
  headerWriter(header).copyInto(out);
}

export function decodeFrameHeader(bytes: Uint8Array): Sv2FrameHeader {
  const reader = new Sv2Reader(bytes);
  const header = { extensionType: reader.u16('extension_type'), msgType: reader.u8('msg_type'), length: reader.u24('msg_length') };
  reader.end('frame header');
  return header;
}

/** Plaintext frame: header || payload. */
export function encodeFrame(message: Sv2EncodedMessage): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_SIZE + message.payload.length);
  writeFrameHeader({ extensionType: message.extensionType, msgType: message.msgType, length: message.payload.length }, frame);
  frame.set(message.payload, FRAME_HEADER_SIZE);
  return frame;
}

/** Exactly one plaintext frame; the payload length must match the header. */
export function decodeFrame(bytes: Uint8Array): Sv2EncodedMessage {
  const reader = new Sv2Reader(bytes);
  const extensionType = reader.u16('extension_type');
  const msgType = reader.u8('msg_type');
  const length = reader.u24('msg_length');
  const payload = reader.bytesCopy(length, 'frame payload');
  reader.end('frame');
  return { extensionType, msgType, payload };
}
