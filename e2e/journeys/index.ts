import type { Journey } from '../harness';
import { badInputsBackend, badInputsForms } from './bad-inputs';
import { oneRelayList, twoHomesRestore, usbLookup, wordsConfirmed } from './first-week';
import { fleet } from './fleet';
import { integrations } from './integrations';
import { mineSendReceive, restoreFromNostr } from './mine-send-restore';
import { localNeighbour } from './local-neighbour';
import { upstreamOutage } from './outage';
import { settingsSaved } from './settings';
import { smoke } from './smoke';
import { usbSetup } from './usb-setup';
import { devicesAndWizard, earnedChart, walletSendReceive } from './wallet-ui';

export const journeys: Journey[] = [
  smoke,
  localNeighbour,
  badInputsForms,
  badInputsBackend,
  mineSendReceive,
  restoreFromNostr,
  upstreamOutage,
  walletSendReceive,
  earnedChart,
  devicesAndWizard,
  usbSetup,
  wordsConfirmed,
  oneRelayList,
  usbLookup,
  twoHomesRestore,
  integrations,
  fleet,
  settingsSaved,
];
