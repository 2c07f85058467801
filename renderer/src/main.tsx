import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { asApiError, connectBridge, setBridge } from './api';
import { App } from './App';
import { startLivePolling, useApp } from './store';
import { ErrorNotice } from './components/ErrorNotice';

const root = createRoot(document.getElementById('root')!);

try {
  const bridge = connectBridge();
  setBridge(bridge);
  bridge.subscribe((event) => useApp.getState().receive(event));
  void useApp.getState().load();
  startLivePolling();
  root.render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
} catch (error) {
  root.render(
    <main id="main" className="app">
      <h1>Axewallet</h1>
      <ErrorNotice error={asApiError(error)} title="Cannot connect" />
    </main>,
  );
}
