/** Stratum V2, pure: data types, messages, framing, Noise NX handshake, transport cipher. No sockets, no timers. */
export * from './errors';
export * from './codec';
export * from './messages';
export * from './frame';
export * from './ellswift';
export * from './authority';
export * from './certificate';
export * from './cipher';
export * from './noise';
export * from './aead';
export * from './byte-slab';
