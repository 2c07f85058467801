/** Where the user can be: the pages of the navigation plus the two routes outside it. */
export const pages = ['dashboard', 'devices', 'wallet', 'backup', 'settings', 'integrations', 'logs'] as const;
export type Page = (typeof pages)[number];
/** first run (create/restore a wallet) and the setup wizard are routes outside the navigation */
export type Route = Page | 'welcome' | 'setup';

export const pageTitles: Record<Route, string> = {
  dashboard: 'Dashboard',
  devices: 'Devices',
  wallet: 'Wallet',
  backup: 'Backup',
  settings: 'Settings',
  integrations: 'Integrations',
  logs: 'Logs',
  welcome: 'Welcome',
  setup: 'Set up a Bitaxe',
};

export function routeFromHash(hash: string): Route {
  const name = hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (name in pageTitles ? name : 'dashboard') as Route;
}
