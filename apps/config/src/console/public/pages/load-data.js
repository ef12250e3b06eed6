import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { Banner, Badge, ErrorBanner } from '../lib/ui.js';

function Changes({ result, deployment }) {
  const rows = [
    ...result.created.map((m) => ({ change: result.dryRun ? 'to create' : 'created', m })),
    ...result.updated.map((m) => ({ change: result.dryRun ? 'to update' : 'updated', m })),
  ];
  if (rows.length + result.skipped.length === 0) return null;
  return html`<div class="table-wrap"><table class="load-data">
    <thead><tr><th>Change</th><th>Kind</th><th>Address</th><th>Name</th><th>CRM id</th><th>Why</th></tr></thead>
    <tbody>
      ${rows.map(({ change, m }) => html`<tr><td><${Badge} kind=${m.changed ? 'info' : 'ok'}>${change}</${Badge}></td>
        <td>${m.kind}</td><td>${m.id ? html`<a href=${`#/mailboxes/${m.id}`}>${m.address}</a>` : m.address}</td><td>${m.name ?? ''}</td>
        <td class="mono">${m.crmId ?? ''}</td><td>${m.changed ? `changes ${m.changed.join(', ')}` : ''}</td></tr>`)}
      ${result.skipped.map((s) => html`<tr><td><${Badge} kind="warn">skipped</${Badge}></td><td></td><td>${s.address}</td><td></td>
        <td class="mono">${s.crmId}</td><td>${s.reason}</td></tr>`)}
    </tbody></table></div>
    ${!result.dryRun && (result.created.length > 0 || result.updated.length > 0)
      && html`<p class="muted">Next: set credentials and <a href=${`#/mailboxes?deploymentId=${deployment.id}`}>test access</a>.</p>`}`;
}

/**
 * Load Data: a mailbox per CRM user and queue the CRM routes through the router. It previews
 * first (the API's dry run asks the CRM and writes nothing); Apply then runs it for real.
 */
export function LoadData({ deployment }) {
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(null);
  const path = `/api/v1/deployments/${deployment.id}/load-data`;

  const run = (dryRun) => async () => {
    setBusy(dryRun ? 'preview' : 'apply');
    setError(null);
    try {
      setResult(await post(dryRun ? `${path}?dryRun=true` : path));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const allowed = can('deployments.load-data');
  const counts = (r) => `${r.updated.length} ${r.dryRun ? 'to update' : 'updated'}, ${r.unchanged} unchanged, ${r.skipped.length} skipped.`;
  const nothingToDo = result?.dryRun && result.created.length + result.updated.length === 0;
  return html`<section class="panel" aria-label="Load Data">
    <div class="page-head" style=${{ marginBottom: '.4rem' }}>
      <h2 style=${{ margin: 0, flex: 1 }}>Load Data</h2>
      <button class="primary" type="button" disabled=${!!busy || !allowed} onClick=${run(true)}>${busy === 'preview' ? 'Asking the CRM…' : 'Load Data'}</button>
    </div>
    <p class="muted" style=${{ margin: 0 }}>Creates or updates a mailbox for every CRM user and queue whose mail goes through the router.
      You see what would change first; nothing is written until you apply it.</p>
    <${ErrorBanner} error=${error} what="Load Data failed" />
    ${result && html`<div style=${{ marginTop: '.8rem' }}>
      ${result.dryRun
        ? html`<${Banner} kind="info">Preview (nothing written yet): <strong>${result.created.length} to create</strong>, ${counts(result)}
            ${nothingToDo ? ' The mailboxes already match the CRM.' : ''}</${Banner}>
          <div class="toolbar">
            <button class="primary" type="button" disabled=${!!busy || !allowed || nothingToDo} onClick=${run(false)}>${busy === 'apply' ? 'Applying…' : 'Apply'}</button>
            <button type="button" disabled=${!!busy} onClick=${() => setResult(null)}>Cancel</button>
            <span class="muted">Apply asks the CRM again, so it does what the CRM says then.</span>
          </div>`
        : html`<${Banner} kind="ok">Load Data done: <strong>${result.created.length} created</strong>, ${counts(result)}</${Banner}>`}
      <${Changes} result=${result} deployment=${deployment} />
    </div>`}
  </section>`;
}
