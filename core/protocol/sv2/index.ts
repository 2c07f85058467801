/** Stratum V2, pure: data types, messages, framing, Noise NX handshake, transport cipher. No sockets, no timers. */
export * from './errors';
export * from './codec';
export * from './messages';
export * from './frame';
