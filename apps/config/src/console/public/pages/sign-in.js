import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { session } from '../lib/api.js';
import { signInWith } from '../lib/access.js';
import { Banner } from '../lib/ui.js';

/** Sign in with the API token (ROUTER_API_TOKEN); it stays in this tab's sessionStorage only. */
export function SignIn({ notice, onSignedIn }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signInWith(token.trim());
      session.signIn(token.trim());
      onSignedIn();
    } catch (err) {
      setError(err.status === 401
        ? 'That token was refused (401 Unauthorized). Use the value of ROUTER_API_TOKEN the config service runs with (npm start prints it; it is in .run/demo.env).'
        : err.message);
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="signin" onSubmit=${submit}>
    <h1>MailRouter console</h1>
    <p class="muted">Sign in with the configuration API token. It is kept in this browser tab only (sessionStorage).</p>
    ${notice && !error && html`<${Banner} kind="info">${notice}</${Banner}>`}
    ${error && html`<${Banner} kind="error">${error}</${Banner}>`}
    <label class="field"><span class="label">API token</span>
      <input type="password" name="token" autocomplete="current-password" value=${token} required
        onInput=${(e) => setToken(e.currentTarget.value)} />
    </label>
    <div class="actions"><button class="primary" type="submit" disabled=${busy || !token.trim()}>${busy ? 'Signing in…' : 'Sign in'}</button></div>
  </form>`;
}
