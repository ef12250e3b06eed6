import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { Banner, Badge, ErrorBanner } from '../lib/ui.js';

/**
 * Load Data: a mailbox per CRM user and queue the CRM routes through the router. The API has
 * no dry run, so this cannot preview; it says so and shows what was done.
 */
export function LoadData({ deployment }) {
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await post(`/api/v1/deployments/${deployment.id}/load-data`));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const rows = result ? [
    ...result.created.map((m) => ({ change: 'created', m })),
    ...result.updated.map((m) => ({ change: 'updated', m })),
  ] : [];
  return html`<section class="panel" aria-label="Load Data">
    <div class="page-head" style=${{ marginBottom: '.4rem' }}>
      <h2 style=${{ margin: 0, flex: 1 }}>Load Data</h2>
      <button class="primary" type="button" disabled=${busy || !can('deployments.load-data')} onClick=${run}>${busy ? 'Loading from the CRM…' : 'Load Data'}</button>
    </div>
    <p class="muted" style=${{ margin: 0 }}>Creates or updates a mailbox for every CRM user and queue whose mail goes through the router.
      There is no preview: the API applies the changes at once, and the result is shown here.</p>
    <${ErrorBanner} error=${error} what="Load Data failed" />
    ${result && html`<div style=${{ marginTop: '.8rem' }}>
      <${Banner} kind="ok">Load Data done: <strong>${result.created.length} created</strong>, ${`${result.updated.length} updated, ${result.unchanged} unchanged, ${result.skipped.length} skipped.`}
        ${(result.created.length > 0 || result.updated.length > 0) && html` Next: set credentials and <a href=${`#/mailboxes?deploymentId=${deployment.id}`}>test access</a>.`}</${Banner}>
      ${rows.length + result.skipped.length > 0 && html`<div class="table-wrap"><table>
        <thead><tr><th>Change</th><th>Kind</th><th>Address</th><th>Name</th><th>CRM id</th><th>Why</th></tr></thead>
        <tbody>
          ${rows.map(({ change, m }) => html`<tr><td><${Badge} kind=${change === 'created' ? 'ok' : 'info'}>${change}</${Badge}></td>
            <td>${m.kind}</td><td><a href=${`#/mailboxes/${m.id}`}>${m.address}</a></td><td>${m.name ?? ''}</td><td class="mono">${m.crmId ?? ''}</td><td></td></tr>`)}
          ${result.skipped.map((s) => html`<tr><td><${Badge} kind="warn">skipped</${Badge}></td><td></td><td>${s.address}</td><td></td>
            <td class="mono">${s.crmId}</td><td>${s.reason}</td></tr>`)}
        </tbody></table></div>`}
    </div>`}
  </section>`;
}
