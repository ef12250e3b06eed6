import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { del, get, patch, post } from '../lib/api.js';
import { currentPrincipal } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { Badge, Banner, Empty, ErrorBanner, PageHead, when } from '../lib/ui.js';

const ROLES = [
  ['viewer', 'viewer — reads everything, changes nothing'],
  ['operator', 'operator — test access, load data, publish, rules, quarantine; no edits'],
  ['admin', 'admin — everything, including users and tokens'],
];

function NewUser({ onCreated }) {
  const [v, setV] = useState({ username: '', role: 'viewer', password: '' });
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setV({ ...v, [k]: e.currentTarget.value });
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/api/v1/users', v);
      setV({ username: '', role: 'viewer', password: '' });
      onCreated();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="card" onSubmit=${submit} aria-label="New user">
    <h2>New user</h2>
    <${ErrorBanner} error=${error} what="Creating the user failed" />
    <label class="field"><span class="label">Username</span><input name="new-username" value=${v.username} onInput=${set('username')} /></label>
    <label class="field"><span class="label">Role</span>
      <select name="new-role" value=${v.role} onChange=${set('role')}>${ROLES.map(([r, label]) => html`<option value=${r}>${label}</option>`)}</select>
    </label>
    <label class="field"><span class="label">Initial password</span>
      <input type="password" name="new-password" autocomplete="new-password" value=${v.password} onInput=${set('password')} />
      <span class="hint">At least 12 characters. Tell the user; they cannot see it here again.</span>
    </label>
    <div class="actions"><button class="primary" type="submit" disabled=${busy}>${busy ? 'Creating…' : 'Create user'}</button></div>
  </form>`;
}

function Tokens({ user }) {
  const list = useLoad(() => get(`/api/v1/users/${user.id}/tokens`), [user.id]);
  const [name, setName] = useState('');
  const [shown, setShown] = useState(null);
  const [error, setError] = useState(null);
  const create = async () => {
    setError(null);
    try {
      setShown(await post(`/api/v1/users/${user.id}/tokens`, { name: name.trim() }));
      setName('');
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const revoke = async (t) => {
    setError(null);
    try {
      await del(`/api/v1/users/${user.id}/tokens/${t.id}`);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="tokens" data-tokens-of=${user.username}>
    <${ErrorBanner} error=${error || list.error} what="API tokens" />
    ${shown && html`<${Banner} kind="info">API token <strong>${shown.name}</strong> (shown once, copy it now):
      <code class="once" data-token>${shown.token}</code></${Banner}>`}
    <ul>${(list.data ?? []).map((t) => html`<li>${t.name} <span class="muted">created ${when(t.createdAt)}, last used ${when(t.lastUsedAt)}${t.expiresAt ? `, expires ${when(t.expiresAt)}` : ''}</span>
      <button type="button" class="danger" onClick=${() => revoke(t)}>Revoke</button></li>`)}</ul>
    <div class="inline">
      <input name=${`token-name-${user.username}`} placeholder="token name, e.g. ci" value=${name} onInput=${(e) => setName(e.currentTarget.value)} />
      <button type="button" disabled=${!name.trim()} onClick=${create}>Create API token</button>
    </div>
  </div>`;
}

/** Users, their role, disabling, and their API tokens (admin only). */
export function UsersPage() {
  const data = useLoad(() => get('/api/v1/users'));
  const [error, setError] = useState(null);
  const [open, setOpen] = useState(null);
  const me = currentPrincipal();
  const change = async (u, body) => {
    setError(null);
    try {
      await patch(`/api/v1/users/${u.id}`, body);
      data.reload();
    } catch (err) {
      setError(err);
    }
  };
  const users = data.data ?? [];
  return html`
    <${PageHead} title="Users" />
    <p class="lead">Who may sign in, and with which role. The API token (ROUTER_API_TOKEN) is always an admin.</p>
    <${ErrorBanner} error=${data.error || error} what="Users" />
    <${NewUser} onCreated=${() => data.reload()} />
    ${!data.loading && users.length === 0
      ? html`<${Empty} title="No users yet — create the first one above" />`
      : html`<div class="table-wrap"><table>
          <thead><tr><th>Username</th><th>Role</th><th>State</th><th>Created</th><th></th></tr></thead>
          <tbody>${users.map((u) => html`<tr data-username=${u.username}>
            <td>${u.username}${u.username === me.name && html` <${Badge}>you</${Badge}>`}</td>
            <td><select aria-label=${`Role of ${u.username}`} value=${u.role} onChange=${(e) => change(u, { role: e.currentTarget.value })}>
              ${ROLES.map(([r]) => html`<option value=${r}>${r}</option>`)}</select></td>
            <td>${u.disabled ? html`<${Badge} kind="bad">disabled</${Badge}>` : html`<${Badge} kind="ok">active</${Badge}>`}</td>
            <td title=${u.createdAt}>${when(u.createdAt)}</td>
            <td>
              <button type="button" onClick=${() => change(u, { disabled: !u.disabled })}>${u.disabled ? 'Enable' : 'Disable'}</button>
              <button type="button" onClick=${() => setOpen(open === u.id ? null : u.id)}>API tokens</button>
              ${open === u.id && html`<${Tokens} user=${u} />`}
            </td>
          </tr>`)}</tbody>
        </table></div>`}
  `;
}
