import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { navigate } from '../lib/router.js';
import { Badge, Banner, Empty, ErrorBanner, PageHead } from '../lib/ui.js';
import { DeploymentPicker } from './mailboxes.js';

const CHANGE_KIND = { created: 'ok', updated: 'info', unchanged: '', removed: 'info', absent: '', failed: 'bad' };

function summaryText(summary) {
  return Object.entries(summary).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ') || 'nothing to do';
}

/** Deploy (or remove) the forward rule on user mailboxes, sending their mail to a forward mailbox. */
export function RulesPage({ params }) {
  const base = useLoad(() => get('/api/v1/deployments'));
  const deployments = base.data ?? [];
  const deploymentId = params.deploymentId ?? deployments[0]?.id;
  const list = useLoad(() => (deploymentId ? get(`/api/v1/mailboxes?deploymentId=${deploymentId}`) : Promise.resolve([])), [deploymentId]);
  const mailboxes = list.data ?? [];
  const forwards = mailboxes.filter((m) => m.kind === 'forward');
  const users = mailboxes.filter((m) => m.kind === 'user');
  const [forwardId, setForwardId] = useState('');
  const [action, setAction] = useState('deploy');
  const [all, setAll] = useState(false);
  const [selected, setSelected] = useState(new Set());
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const forwardMailboxId = forwardId || forwards[0]?.id;

  const run = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await post('/api/v1/mailboxes/rules/deploy', { forwardMailboxId, action, ...(all ? { all: true } : { mailboxIds: [...selected] }) }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const toggle = (id) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });

  return html`
    <${PageHead} title="Forward rules" />
    <p class="lead">Instead of reading every user's mailbox, the router can read one forward mailbox: a server-side rule on each user mailbox forwards its mail there.</p>
    <${ErrorBanner} error=${base.error ?? list.error} what="Could not load the mailboxes" />
    ${deployments.length > 0 && html`<div class="toolbar">
      <${DeploymentPicker} deployments=${deployments} value=${deploymentId} onChange=${(id) => navigate('/rules', { deploymentId: id })} /></div>`}
    ${!list.loading && forwards.length === 0
      ? html`<${Empty} title="No forward mailbox in this deployment — create one first"
          action=${html`<button class="primary" onClick=${() => navigate('/mailboxes/new', { deploymentId })}>New mailbox</button>`}>
          <p>Add a mailbox of kind “forward mailbox”; then choose the user mailboxes whose mail it should receive.</p></${Empty}>`
      : html`<div class="panel">
        <div class="toolbar">
          <label>Forward mailbox<select value=${forwardMailboxId} onChange=${(e) => setForwardId(e.currentTarget.value)}>
            ${forwards.map((m) => html`<option value=${m.id}>${m.address}</option>`)}</select></label>
          <label>Action<select value=${action} onChange=${(e) => setAction(e.currentTarget.value)}>
            <option value="deploy">deploy the rule</option><option value="remove">remove the rule</option></select></label>
          <label class="check"><input type="checkbox" checked=${all} onChange=${(e) => setAll(e.currentTarget.checked)} />every enabled user mailbox</label>
          <button class="primary" disabled=${busy || !can('mailboxes.rules') || (!all && selected.size === 0)} onClick=${run}>
            ${busy ? 'Working…' : action === 'deploy' ? `Deploy rules (${all ? 'all' : selected.size})` : `Remove rules (${all ? 'all' : selected.size})`}</button>
        </div>
        ${!all && html`<div class="table-wrap"><table><thead><tr><th class="pick"></th><th>User mailbox</th><th>Name</th></tr></thead>
          <tbody>${users.map((m) => html`<tr><td class="pick"><input type="checkbox" aria-label=${`Select ${m.address}`} checked=${selected.has(m.id)} onChange=${() => toggle(m.id)} /></td>
            <td>${m.address}</td><td>${m.name ?? ''}</td></tr>`)}
          ${users.length === 0 && html`<tr><td colspan="3" class="muted">No user mailboxes: run Load Data on the deployment.</td></tr>`}</tbody></table></div>`}
      </div>`}
    <${ErrorBanner} error=${error} what="Rule deployment failed" />
    ${result && html`<${Banner} kind=${result.summary.failed ? 'warn' : 'ok'}>${`To ${result.forwardMailbox?.address ?? 'the forward mailbox'}: ${summaryText(result.summary)}.`}</${Banner}>
      <div class="table-wrap"><table class="rule-results"><thead><tr><th>Mailbox</th><th>Change</th><th>Via</th><th>Message</th></tr></thead>
        <tbody>${result.results.map((r) => html`<tr><td>${r.address}</td><td><${Badge} kind=${CHANGE_KIND[r.change]}>${r.change}</${Badge}></td>
          <td>${r.via ?? ''}</td><td>${r.message}</td></tr>`)}</tbody></table></div>`}
  `;
}
