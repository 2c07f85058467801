import type { Journey } from '../harness';
import { badInputsBackend, badInputsForms } from './bad-inputs';
import { mineSendReceive, restoreFromNostr } from './mine-send-restore';
import { upstreamOutage } from './outage';
import { smoke } from './smoke';
import { usbSetup } from './usb-setup';

export const journeys: Journey[] = [smoke, badInputsForms, badInputsBackend, mineSendReceive, restoreFromNostr, upstreamOutage, usbSetup];
