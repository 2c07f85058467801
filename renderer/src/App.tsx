import { useEffect } from 'react';
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

export function App() {
  const route = useApp((s) => s.route);
  const status = useApp((s) => s.status);
  const error = useApp((s) => s.error);
  const clearError = useApp((s) => s.clearError);
  const connection = useApp((s) => s.connection);
  // an alert whose condition is over (clearedAt) stays on the Logs page only
  const alert = useApp((s) => [...s.alerts].reverse().find((a) => a.severity !== 'info' && !a.clearedAt && !s.dismissedAlerts.includes(a.id)));
  const dismissAlert = useApp((s) => s.dismissAlert);
  useTheme();

  useEffect(() => {
    const onHash = () => useApp.setState({ route: routeFromHash(window.location.hash) });
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
        {status?.demo && (
          <span className="demo-badge" title={status.network.label}>
            Demo network
          </span>
        )}
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
      </header>
      <StatusBar />
      {status?.demo && (
        <p className="demo-banner" role="note">
          {status.network.label}: shares and ehash here are test values with no worth. Add your pool in Settings to mine for real.
        </p>
      )}
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
        <h1>{pageTitles[route]}</h1>
        <View />
      </main>
    </div>
  );
}
