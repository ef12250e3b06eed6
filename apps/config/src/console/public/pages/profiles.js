import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { navigate } from '../lib/router.js';
import { Empty, ErrorBanner, matches, PageHead, when } from '../lib/ui.js';

export const PROTOCOL_LABEL = { imap: 'IMAP', pop3: 'POP3', smtp: 'SMTP', ews: 'Exchange (EWS)', graph: 'Microsoft 365 (Graph)' };

/** Where a profile connects, as one line. */
export function serverOf(p) {
  if (p.protocol === 'ews') return p.ews?.autodiscover ? `Autodiscover${p.ews.autodiscoverUrl ? ` (${p.ews.autodiscoverUrl})` : ''}` : p.ews?.url ?? '—';
  if (p.protocol === 'graph') return `tenant ${p.graph?.tenantId ?? '?'}`;
  return `${p.host ?? '?'}:${p.port}`;
}

function authOf(p) {
  if (p.protocol === 'graph') return p.graph?.certificate ? 'app certificate' : 'app secret';
  const who = p.credentials === 'profile' ? `profile account${p.username ? ` ${p.username}` : ''}` : "each mailbox's own";
  return p.auth.type === 'none' ? 'no authentication' : `${p.auth.type}, ${who}`;
}

export function ProfilesPage({ params }) {
  const list = useLoad(() => get('/api/v1/profiles'));
  const [query, setQuery] = useState(params.q ?? '');
  const [direction, setDirection] = useState(params.direction ?? '');
  const [protocol, setProtocol] = useState('');
  const profiles = list.data ?? [];
  const shown = profiles.filter((p) => (!direction || p.direction === direction) && (!protocol || p.protocol === protocol)
    && (matches(p.name, query) || matches(serverOf(p), query)));

  return html`
    <${PageHead} title="Profiles">
      ${can('profiles.write') && html`<button class="primary" onClick=${() => navigate('/profiles/new')}>New profile</button>`}
    </${PageHead}>
    <p class="lead">How mailboxes are read (incoming: IMAP, POP3, Exchange, Microsoft 365) and how mail is sent (outgoing: SMTP, Exchange, Microsoft 365).</p>
    <${ErrorBanner} error=${list.error} what="Could not load the profiles" />
    ${!list.loading && !list.error && profiles.length === 0
      ? html`<${Empty} title="No profiles yet — create the incoming profile your mailboxes are read with"
          action=${can('profiles.write') && html`<button class="primary" onClick=${() => navigate('/profiles/new', { direction: 'incoming' })}>New incoming profile</button>
            <button onClick=${() => navigate('/profiles/new', { direction: 'outgoing' })}>New outgoing profile</button>`}>
          <p>Then an outgoing profile for sending, and a deployment that uses both.</p></${Empty}>`
      : html`
        <div class="toolbar">
          <label class="grow">Search<input type="search" placeholder="name or server" value=${query} onInput=${(e) => setQuery(e.currentTarget.value)} /></label>
          <label>Direction<select value=${direction} onChange=${(e) => setDirection(e.currentTarget.value)}>
            <option value="">all</option><option value="incoming">incoming</option><option value="outgoing">outgoing</option></select></label>
          <label>Protocol<select value=${protocol} onChange=${(e) => setProtocol(e.currentTarget.value)}>
            <option value="">all</option>${Object.entries(PROTOCOL_LABEL).map(([v, l]) => html`<option value=${v}>${l}</option>`)}</select></label>
        </div>
        <div class="table-wrap"><table>
          <thead><tr><th>Name</th><th>Direction</th><th>Protocol</th><th>Server</th><th>Security</th><th>Authentication</th><th>Updated</th></tr></thead>
          <tbody>
            ${shown.map((p) => html`<tr>
              <td><a href=${`#/profiles/${p.id}`}>${p.name}</a></td>
              <td>${p.direction}</td>
              <td>${PROTOCOL_LABEL[p.protocol] ?? p.protocol}</td>
              <td class="mono">${serverOf(p)}</td>
              <td>${p.security}${(p.warnings ?? []).map((w) => html`<span class="sub warning" title=${w}>⚠ ${w.split(':')[0]}</span>`)}</td>
              <td>${authOf(p)}</td>
              <td title=${p.updatedAt}>${when(p.updatedAt)}</td>
            </tr>`)}
            ${shown.length === 0 && html`<tr><td colspan="7" class="muted">No profile matches these filters.</td></tr>`}
          </tbody>
        </table></div>`}
  `;
}
