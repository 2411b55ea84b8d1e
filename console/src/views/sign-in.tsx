/**
 * Sign-in: the user pastes a bearer token; `whoami` checks it and says who it is. The token is
 * kept only in React state (memory): never in a URL, localStorage, sessionStorage or a cookie.
 * @module
 */
import { useState, type FormEvent } from 'react';
import { createApi, errorText, type Api } from '../api/client.ts';
import type { WhoAmI } from '../api/types.ts';

/** A signed-in session: the API client (holding the token) and who it is. */
export interface Session {
  readonly api: Api;
  readonly who: WhoAmI;
}

/** The sign-in form. */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>(notice);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Paste a token first.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const api = createApi(value);
      const who = await api.get<WhoAmI>('/api/v1/console/whoami');
      setToken('');
      onSignedIn({ api, who });
    } catch (err) {
      setError(`Sign-in failed: ${errorText(err)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <h1>Lintas console</h1>
      <form onSubmit={(e) => void submit(e)} aria-describedby="sign-in-help">
        <p id="sign-in-help">
          Paste an admin API token (for <code>lintas up</code>: <code>viewerToken</code>, <code>token</code> or <code>approverToken</code> in <code>.lintas/up.json</code>). It stays in this tab&apos;s memory only.
        </p>
        <label htmlFor="token">Token</label>
        <input id="token" name="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} required />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error !== undefined && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
