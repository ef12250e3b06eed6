import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get } from '../lib/api.js';
import { useLoad } from '../lib/load.js';
import { Empty, ErrorBanner, PageHead, when } from '../lib/ui.js';

/** The audit log (admin and operator): every change made through the API, newest first, secrets shown as ***. */
export function AuditPage() {
  const [limit, setLimit] = useState(100);
  const data = useLoad(() => get(`/api/v1/audit?limit=${limit}`), [limit]);
  const events = data.data ?? [];
  return html`
    <${PageHead} title="Audit log">
      <button onClick=${() => data.reload()}>Refresh</button>
    </${PageHead}>
    <p class="lead">Every change made through the API or this console: who (and with which role), what, when, and the request with its secrets masked.</p>
    <${ErrorBanner} error=${data.error} what="Could not load the audit log" />
    ${!data.loading && !data.error && events.length === 0
      ? html`<${Empty} title="No changes recorded yet" />`
      : html`<div class="table-wrap"><table class="audit">
          <thead><tr><th>When</th><th>Who</th><th>Request</th><th>Status</th><th>Target</th><th>Body</th></tr></thead>
          <tbody>${events.map((e) => html`<tr data-audit-id=${e.id}>
            <td title=${e.at}>${when(e.at)}</td>
            <td>${e.principal.name}<span class="sub">${e.principal.role}</span></td>
            <td><code>${e.method} ${e.path}</code></td>
            <td class="num">${e.status}</td>
            <td>${e.targetId ? html`<code>${e.targetId}</code>` : html`<span class="muted">—</span>`}</td>
            <td>${e.body ? html`<code class="body">${JSON.stringify(e.body)}</code>` : html`<span class="muted">—</span>`}</td>
          </tr>`)}</tbody>
        </table></div>`}
    ${events.length >= limit && html`<div class="actions"><button onClick=${() => setLimit(limit + 100)}>Show more</button></div>`}
  `;
}
