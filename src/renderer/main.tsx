import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { ApiProvider } from './api/context';
import { createClient } from './api/client';
import { HotkeysProvider } from './hotkeys/HotkeysProvider';
import { registerStudioLoader } from './features/viewer/loader';
import './styles.css';
import './components/components.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

const client = createClient();
// The image loader: registered once at start, released when the page goes away (and registered
// again if the browser brings the page back from its back/forward cache).
let releaseLoader = registerStudioLoader(client);
window.addEventListener('pagehide', () => releaseLoader());
window.addEventListener('pageshow', (e) => {
  if (e.persisted) releaseLoader = registerStudioLoader(client);
});

createRoot(root).render(
  <StrictMode>
    <ApiProvider client={client}>
      <HotkeysProvider>
        <App />
      </HotkeysProvider>
    </ApiProvider>
  </StrictMode>,
);
