import { useEffect } from 'react';
import { confirmLeave } from './leave-guard';
import { Connecting } from './components/Connecting';
import { ErrorNotice } from './components/ErrorNotice';
import { StatusBar } from './components/StatusBar';
import { BackupPage } from './pages/Backup';
import { DashboardPage } from './pages/Dashboard';
import { DevicesPage } from './pages/Devices';
import { IntegrationsPage } from './pages/Integrations';
import { LogsPage } from './pages/Logs';
import { SettingsPage } from './pages/Settings';
import { SetupPage } from './pages/Setup';
import { WalletPage } from './pages/Wallet';
import { WelcomePage } from './pages/Welcome';
import { type Route, pages, pageTitles, routeFromHash, useApp } from './store';
import { useTheme } from './theme';

const views: Record<Route, () => React.JSX.Element> = {
  dashboard: DashboardPage,
  devices: DevicesPage,
  wallet: WalletPage,
  backup: BackupPage,
  settings: SettingsPage,
  integrations: IntegrationsPage,
  logs: LogsPage,
  welcome: WelcomePage,
  setup: SetupPage,
};

/** What the demo is, and exactly how to leave it: pools saved now are used only by a start without --demo. */
function DemoBanner({ label, savedPools, desktop }: { label: string; savedPools: number; desktop: boolean }) {
  const restart = desktop ? 'quit Axewallet and open it again (without the demo option)' : 'stop Axewallet (Ctrl+C) and start it again without --demo: axewallet serve';
  return (
    <p className="demo-banner" role="note">
      {label}: shares and ehash here are test values with no worth.{' '}
      {savedPools > 0
        ? `Your ${savedPools === 1 ? 'saved pool is' : `${savedPools} saved pools are`} not used while the demo runs. To mine for real, ${restart}.`
        : `To mine for real: add your pool (and its mint) under Settings, then ${restart}. Saved pools apply only after that restart.`}
    </p>
  );
}

export function App() {
  const route = useApp((s) => s.route);
  const status = useApp((s) => s.status);
  const error = useApp((s) => s.error);
  const settings = useApp((s) => s.settings);
  const clearError = useApp((s) => s.clearError);
  const connection = useApp((s) => s.connection);
  // an alert whose condition is over (clearedAt) stays on the Logs page only
  const alert = useApp((s) => [...s.alerts].reverse().find((a) => a.severity !== 'info' && !a.clearedAt && !s.dismissedAlerts.includes(a.id)));
  const dismissAlert = useApp((s) => s.dismissAlert);
  useTheme();

  useEffect(() => {
    const onHash = () => {
      const { route: current } = useApp.getState();
      const next = routeFromHash(window.location.hash);
      // unsaved edits on the page being left: staying puts the address back without another hashchange
      if (next !== current && !confirmLeave()) window.history.replaceState(null, '', `#/${current}`);
      else useApp.getState().routeChanged(next);
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    document.title = `${pageTitles[route]} · Axewallet${status?.demo ? ' (demo network)' : ''}`;
  }, [route, status?.demo]);

  const View = views[route];
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Axewallet</span>
        <nav aria-label="Main">
          <ul>
            {pages.map((page) => (
              <li key={page}>
                <a href={`#/${page}`} aria-current={route === page ? 'page' : undefined}>
                  {pageTitles[page]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {/* after the links: it comes with the engine's status, and before them it moved them under the pointer */}
        {status?.demo && (
          <span className="demo-badge" title={status.network.label}>
            Demo network
          </span>
        )}
      </header>
      <StatusBar />
      {status?.demo && <DemoBanner label={status.network.label} savedPools={settings?.upstreams.length ?? 0} desktop={status.mode !== 'headless'} />}
      {error && (
        <div className="error-surface">
          <ErrorNotice error={error} title={connection === 'offline' ? 'Cannot reach Axewallet' : undefined} />
          <button type="button" onClick={clearError}>
            Dismiss
          </button>
        </div>
      )}
      {alert && (
        <div className="error-surface">
          <div className={`notice ${alert.severity === 'critical' ? 'notice-error' : ''}`} role="alert">
            <strong>{alert.title}</strong>
            <p>{alert.message}</p>
            {alert.hint && <p className="hint">{alert.hint}</p>}
          </div>
          <button type="button" onClick={() => dismissAlert(alert.id)} aria-label={`Dismiss alert: ${alert.title}`}>
            Dismiss
          </button>
        </div>
      )}
      <main id="main" tabIndex={-1}>
        {connection === 'connecting' ? (
          // until the engine first answers, the page waits: the demo banner and the status come with that answer, and
          // content drawn before it would move down under the pointer
          <Connecting desktop={window.axewallet !== undefined} />
        ) : (
          <>
            <h1>{pageTitles[route]}</h1>
            <View />
          </>
        )}
      </main>
    </div>
  );
}
