import { asApiError } from '../api';
import { confirmLeave } from '../leave-guard';
import type { SessionSlice, SliceCreator } from './shape';
import type { Route } from './routes';

export const createSessionSlice =
  (initialRoute: Route): SliceCreator<SessionSlice> =>
  (set, get) => ({
    route: initialRoute,
    connection: 'connecting',
    error: null,
    dismissedAlerts: [],
    dismissAlert(id) {
      set((s) => ({ dismissedAlerts: [...s.dismissedAlerts, id] }));
    },
    navigate(route) {
      if (route !== get().route && !confirmLeave()) return;
      if (window.location.hash !== `#/${route}`) window.location.hash = `#/${route}`;
      set({ route });
    },
    routeChanged(route) {
      set({ route });
    },
    showError(error) {
      set({ error: asApiError(error) });
    },
    clearError() {
      set({ error: null });
    },
    // the app-wide surface says the engine is gone, and clears (only that error) when it is back
    noteConnection(error) {
      const { connection, error: shown } = get();
      const lost = error?.code === 'offline';
      if (lost && connection !== 'offline') set({ connection: 'offline', error });
      if (!lost && connection === 'offline') set({ connection: 'online', error: shown?.code === 'offline' ? null : shown });
    },
  });
