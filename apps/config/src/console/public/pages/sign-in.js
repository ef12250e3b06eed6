import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { session } from '../lib/api.js';
import { signInWith, signInWithPassword } from '../lib/access.js';
import { Banner } from '../lib/ui.js';

/**
 * Sign in with a username and password (a session), or with an API token instead (a user's API
 * token or ROUTER_API_TOKEN). One form, one button: a filled token field wins. Whatever is used
 * stays in this tab's sessionStorage only.
 */
export function SignIn({ notice, onSignedIn }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [token, setToken] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const withToken = token.trim() !== '';
  const ready = withToken || (username.trim() !== '' && password !== '');

  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (withToken) {
        await signInWith(token.trim());
        session.signIn(token.trim());
      } else {
        await signInWithPassword(username.trim(), password);
      }
      onSignedIn();
    } catch (err) {
      if (err.status === 401 && withToken) {
        setError('That token was refused (401 Unauthorized). Use an API token an admin gave you, or ROUTER_API_TOKEN (npm start prints it; it is in .run/demo.env).');
      } else if (err.status === 401) {
        setError(`Sign-in refused (401): ${err.message}.`);
      } else {
        setError(err.message);
      }
    } finally {
      setBusy(false);
    }
  };

  return html`<form class="signin" onSubmit=${submit}>
    <h1>MailRouter console</h1>
    <p class="muted">Sign in with your username and password. Your session is kept in this browser tab only (sessionStorage).</p>
    ${notice && !error && html`<${Banner} kind="info">${notice}</${Banner}>`}
    ${error && html`<${Banner} kind="error">${error}</${Banner}>`}
    <label class="field"><span class="label">Username</span>
      <input name="username" autocomplete="username" value=${username} disabled=${withToken}
        onInput=${(e) => setUsername(e.currentTarget.value)} />
    </label>
    <label class="field"><span class="label">Password</span>
      <input type="password" name="password" autocomplete="current-password" value=${password} disabled=${withToken}
        onInput=${(e) => setPassword(e.currentTarget.value)} />
    </label>
    <p class="muted">Or use an API token instead (a user's API token, or ROUTER_API_TOKEN):</p>
    <label class="field"><span class="label">API token</span>
      <input type="password" name="token" autocomplete="off" value=${token}
        onInput=${(e) => setToken(e.currentTarget.value)} />
    </label>
    <div class="actions"><button class="primary" type="submit" disabled=${busy || !ready}>${busy ? 'Signing in…' : 'Sign in'}</button></div>
  </form>`;
}
