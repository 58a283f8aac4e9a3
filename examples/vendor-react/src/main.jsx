// Entry point: read where Latchkey is, then mount the app inside the vendor's provider.
//
// clerk-js comes from the npm package, bundled by Vite, and is handed to <ClerkProvider> as
// its `Clerk` prop: with it @clerk/react neither injects a <script> from the vendor's CDN
// nor loads the vendor's UI bundle (this app draws its own screens).
import { Clerk } from '@clerk/clerk-js';
import { ClerkProvider } from '@clerk/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import { App } from './App.jsx';
import { loadConfig } from './config.js';

const root = createRoot(document.getElementById('root'));

loadConfig().then(
  ({ publishableKey, proxyUrl }) => {
    root.render(
      <StrictMode>
        <ClerkProvider Clerk={Clerk} publishableKey={publishableKey} proxyUrl={proxyUrl}>
          <App proxyUrl={proxyUrl} />
        </ClerkProvider>
      </StrictMode>,
    );
  },
  (error) => {
    root.render(
      <p role="alert">
        Configuration unavailable: {String(error?.message ?? error)}
      </p>,
    );
  },
);
