/**
 * Typed errors for everything Stratum V2. Every failure caused by a peer ends up as an Sv2Error with a stable
 * `code`, so callers can branch on it and log it without ever printing key material.
 */
export type Sv2DecodeErrorCode = 'truncated' | 'trailing-bytes' | 'too-long' | 'invalid-bool' | 'invalid-option' | 'invalid-utf8';

export type Sv2EncodeErrorCode = 'out-of-range' | 'too-long' | 'wrong-length';

export type Sv2HandshakeErrorCode =
  'bad-certificate' | 'wrong-authority' | 'certificate-expired' | 'certificate-not-yet-valid' | 'decrypt-failed' | 'invalid-key' | 'truncated' | 'timeout' | 'wrong-state';

export type Sv2TransportErrorCode =
  'decrypt-failed' | 'frame-too-large' | 'truncated' | 'nonce-exhausted' | 'connect-failed' | 'too-many-connections' | 'socket-error' | 'backpressure' | 'handler-error' | 'closed';

export class Sv2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'Sv2Error';
  }
}

/** Malformed message payload or frame header. The frame is rejected; the session may continue. */
export class Sv2DecodeError extends Sv2Error {
  constructor(
    override readonly code: Sv2DecodeErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'Sv2DecodeError';
  }
}

/** A value our own code tried to send does not fit its wire type: a programming error, never a peer's. */
export class Sv2EncodeError extends Sv2Error {
  constructor(
    override readonly code: Sv2EncodeErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'Sv2EncodeError';
  }
}

/** The Noise handshake failed; the session must be dropped. */
export class Sv2HandshakeError extends Sv2Error {
  constructor(
    override readonly code: Sv2HandshakeErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'Sv2HandshakeError';
  }
}

/** The encrypted stream after the handshake broke; the session must be dropped. */
export class Sv2TransportError extends Sv2Error {
  constructor(
    override readonly code: Sv2TransportErrorCode,
    message: string,
  ) {
    super(code, message);
    this.name = 'Sv2TransportError';
  }
}
