import { create } from 'zustand';
import { createEngineSlice } from './engine';
import { createLiveSlice } from './live';
import type { Route } from './routes';
import { createSessionSlice } from './session';
import type { AppState } from './shape';
import { createStreamSlice } from './stream';

/** The one app store, its slices side by side; each store has its own event batch. */
export function createAppStore(initialRoute: Route) {
  return create<AppState>()((...a) => ({
    ...createSessionSlice(initialRoute)(...a),
    ...createEngineSlice(...a),
    ...createStreamSlice(...a),
    ...createLiveSlice(...a),
  }));
}
