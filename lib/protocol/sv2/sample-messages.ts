/**
 * One realistic instance of every known message, keyed by type so the compiler insists on completeness.
 * Used by tests (round trips, loopback exchange, fuzz seeds) and benchmarks.
 */
import type { Sv2Message, Sv2MessageOf, Sv2MessageType } from './messages';

function filled(length: number, start: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
}

const easyTarget = Uint8Array.from({ length: 32 }, (_, i) => (i < 28 ? 0xff : i === 28 ? 0x3f : 0));

const samples: { [K in Sv2MessageType]: Sv2MessageOf<K> } = {
  SetupConnection: {
    type: 'SetupConnection',
    protocol: 0,
    minVersion: 2,
    maxVersion: 2,
    flags: 0b100,
    endpointHost: '127.0.0.1',
    endpointPort: 34254,
    vendor: 'Axewallet',
    hardwareVersion: 'Translator Proxy',
    firmware: '',
    deviceId: '',
  },
  SetupConnectionSuccess: { type: 'SetupConnectionSuccess', usedVersion: 2, flags: 0b100 },
  SetupConnectionError: { type: 'SetupConnectionError', flags: 1, errorCode: 'unsupported-feature-flags' },
  ChannelEndpointChanged: { type: 'ChannelEndpointChanged', channelId: 7 },
  Reconnect: { type: 'Reconnect', newHost: 'pool.example', newPort: 34254 },
  OpenMiningChannelError: { type: 'OpenMiningChannelError', requestId: 3, errorCode: 'max-target-out-of-range' },
  OpenExtendedMiningChannel: {
    type: 'OpenExtendedMiningChannel',
    requestId: 3,
    userIdentity: 'worker1.02a1633cafcc01ebfb6d78e39f687a1f0995c62fc95f51ead10a02ee0be551b5dc',
    nominalHashRate: Math.fround(1.5e12),
    maxTarget: new Uint8Array(32).fill(0xff),
    minExtranonceSize: 8,
  },
  OpenExtendedMiningChannelSuccess: {
    type: 'OpenExtendedMiningChannelSuccess',
    requestId: 3,
    channelId: 7,
    target: easyTarget,
    extranonceSize: 8,
    extranoncePrefix: Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 2]),
    groupChannelId: 0,
  },
  NewMiningJob: {
    type: 'NewMiningJob',
    channelId: 7,
    jobId: 41,
    minNtime: 1746839905,
    version: 0x20000000,
    merkleRoot: filled(32, 0x11),
  },
  UpdateChannel: { type: 'UpdateChannel', channelId: 7, nominalHashRate: Math.fround(5e11), maximumTarget: easyTarget },
  UpdateChannelError: { type: 'UpdateChannelError', channelId: 7, errorCode: 'invalid-channel-id' },
  CloseChannel: { type: 'CloseChannel', channelId: 7, reasonCode: 'miner disconnected' },
  SetExtranoncePrefix: { type: 'SetExtranoncePrefix', channelId: 7, extranoncePrefix: filled(8, 0xa0) },
  SubmitSharesExtended: {
    type: 'SubmitSharesExtended',
    channelId: 7,
    sequenceNumber: 12,
    jobId: 42,
    nonce: 0xdeadbeef,
    ntime: 1746839904,
    version: 0x20002000,
    extranonce: filled(8, 0x01),
  },
  SubmitSharesSuccess: {
    type: 'SubmitSharesSuccess',
    channelId: 7,
    lastSequenceNumber: 12,
    newSubmitsAcceptedCount: 10,
    newSharesSum: 10240n,
  },
  SubmitSharesError: { type: 'SubmitSharesError', channelId: 7, sequenceNumber: 13, errorCode: 'difficulty-too-low' },
  NewExtendedMiningJob: {
    type: 'NewExtendedMiningJob',
    channelId: 7,
    jobId: 42,
    minNtime: undefined,
    version: 0x20000000,
    versionRollingAllowed: true,
    merklePath: [filled(32, 0x03), filled(32, 0x40)],
    coinbaseTxPrefix: filled(42, 0x02),
    coinbaseTxSuffix: filled(60, 0xf0),
  },
  SetNewPrevHash: {
    type: 'SetNewPrevHash',
    channelId: 7,
    jobId: 42,
    prevHash: filled(32, 0x81),
    minNtime: 1746839904,
    nbits: 503543726,
  },
  SetTarget: { type: 'SetTarget', channelId: 7, maximumTarget: easyTarget },
  SetGroupChannel: { type: 'SetGroupChannel', groupChannelId: 1, channelIds: [7, 8, 9] },
  MintQuoteNotification: {
    type: 'MintQuoteNotification',
    channelId: 7,
    quoteId: '5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
    amount: 1024n,
  },
  MintQuoteFailure: {
    type: 'MintQuoteFailure',
    channelId: 7,
    quoteId: '5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f',
    errorCode: 1,
    errorMessage: 'mint unavailable',
  },
  MintQuoteRequest: {
    type: 'MintQuoteRequest',
    amount: 1024n,
    unit: 'HASH',
    headerHash: filled(32, 0x55),
    description: 'share 12',
    lockingKey: Uint8Array.from([0x02, ...filled(32, 0x21)]),
  },
  MintQuoteResponse: { type: 'MintQuoteResponse', quoteId: '5f0c1d2e-3a4b-4c5d-8e9f-0a1b2c3d4e5f', headerHash: filled(32, 0x55) },
  MintQuoteError: { type: 'MintQuoteError', errorCode: 2, errorMessage: 'unit not supported' },
};

export function sampleMessages(): Sv2Message[] {
  return Object.values(samples).map((m) => structuredClone(m));
}
