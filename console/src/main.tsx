/**
 * The web console's entry: mounts the app. Served by the admin server at `/ui`.
 * @module
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './views/app.tsx';
import './styles.css';

const root = document.getElementById('root');
if (root !== null) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
