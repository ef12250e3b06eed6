import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { navigate } from '../lib/router.js';
import { Badge, Banner, Empty, ErrorBanner, PageHead, when } from '../lib/ui.js';
import { DeploymentPicker } from './mailboxes.js';

const STATE_KIND = { ok: 'ok', failing: 'warn', backoff: 'warn', disabled: 'bad' };

/**
 * The router's health in one request (GET /api/v1/health): alerts, every mailbox the running
 * incoming service serves (state, polls, failures, backlog; Enable for a disabled one), and
 * every service's live replicas and consumer lag.
 */
export function HealthPage({ params }) {
  const base = useLoad(() => get('/api/v1/deployments'));
  const deployments = base.data ?? [];
  const deploymentId = params.deploymentId ?? deployments[0]?.id;
  const list = useLoad(() => (deploymentId ? get(`/api/v1/mailboxes?deploymentId=${deploymentId}`) : Promise.resolve([])), [deploymentId]);
  const [tick, setTick] = useState(0);
  const health = useLoad(() => (can('status.read') ? get('/api/v1/health') : Promise.resolve(null)), [tick]);
  const mailboxes = (list.data ?? []).filter((m) => !params.mailboxId || m.id === params.mailboxId);
  const byId = new Map((health.data?.mailboxes ?? []).map((m) => [m.id, m]));
  const refresh = () => setTick((t) => t + 1);

  return html`
    <${PageHead} title="Health">
      <button onClick=${refresh} disabled=${health.loading}>Refresh</button>
    </${PageHead}>
    <p class="lead">Straight from the running services: each mailbox's polls, failures and backlog, the replicas of every service and their consumers' lag.</p>
    <${ErrorBanner} error=${base.error ?? list.error ?? health.error} what="Could not load the health of the router" />
    ${(health.data?.alerts ?? []).map((a) => html`<${Banner} kind=${a.severity === 'critical' ? 'error' : 'warn'}>
      <strong>${ALERT_TITLE[a.kind] ?? a.kind}</strong> ${a.message} <span class="sub" title=${a.since}>since ${when(a.since)}</span></${Banner}>`)}
    ${deployments.length > 0 && html`<div class="toolbar">
      <${DeploymentPicker} deployments=${deployments} value=${deploymentId} onChange=${(id) => navigate('/health', { deploymentId: id })} />
      ${params.mailboxId && html`<button onClick=${() => navigate('/health', { deploymentId })}>Show every mailbox</button>`}
    </div>`}
    ${!list.loading && mailboxes.length === 0
      ? html`<${Empty} title="No mailboxes to watch yet">Create a deployment, Load Data and publish; then their status shows here.</${Empty}>`
      : html`<div class="table-wrap"><table class="health">
          <thead><tr><th>Mailbox</th><th>Served</th><th>State</th><th>Polls</th><th>Failures</th><th>Last error</th><th>Backlog</th><th></th></tr></thead>
          <tbody>${mailboxes.map((m) => html`<${MailboxRow} key=${m.id} mailbox=${m} health=${byId.get(m.id)} loaded=${!!health.data} onChange=${refresh} />`)}</tbody>
        </table></div>`}
    ${health.data && html`<${Services} services=${health.data.services} />`}
  `;
}

const ALERT_TITLE = {
  'mailbox-disabled': 'Mailbox disabled.',
  'profile-failing': 'Profile failing.',
  'incoming-unavailable': 'Incoming service unavailable.',
  'jetstream-unavailable': 'JetStream unavailable.',
};

function MailboxRow({ mailbox: m, health: h, loaded, onChange }) {
  if (!loaded) return html`<tr data-address=${m.address}><td>${m.address}</td><td colspan="7" class="muted">…</td></tr>`;
  if (!h) {
    return html`<tr data-address=${m.address}><td>${m.address}<span class="sub">${m.kind}</span></td>
      <td><${Badge} kind="warn">no</${Badge}><span class="sub">not published or disabled in the configuration</span></td><td colspan="6" class="muted">—</td></tr>`;
  }
  return html`<tr data-address=${m.address} data-state=${h.state}>
    <td>${m.address}<span class="sub">${m.kind}${h.profile ? ` · ${h.profile.name ?? h.profile.id}` : ''}</span></td>
    <td><${Badge} kind="ok">yes</${Badge}><span class="sub">version ${h.configVersion}</span></td>
    <td><${Badge} kind=${STATE_KIND[h.state]}>${h.state}</${Badge}>
      ${h.disabledAt && html`<span class="sub" title=${h.disabledAt}>since ${when(h.disabledAt)}</span>`}</td>
    <td><span title=${h.lastPollAt}>last ${when(h.lastPollAt)}</span>
      <span class="sub" title=${h.nextPollAt}>${h.state === 'disabled' ? 'not polled' : `next ${when(h.nextPollAt)}`}</span>
      <span class="sub" title=${h.lastSuccessAt}>last success ${when(h.lastSuccessAt)}</span></td>
    <td class="num">${h.consecutiveFailures ? html`<${Badge} kind="bad">${h.consecutiveFailures}</${Badge}>` : 0}</td>
    <td>${h.disabledReason ?? h.lastError ?? html`<span class="muted">—</span>`}</td>
    <td class="counts" title="awaiting a verdict / not yet published">${h.backlog.awaitingVerdict} awaiting<span class="sub">${h.backlog.unpublished} unpublished</span></td>
    <td>${h.state === 'disabled' && can('mailboxes.enable') && html`<${EnableButton} mailbox=${m} onChange=${onChange} />`}</td>
  </tr>`;
}

/** Test & Enable: the server tests the mailbox's access first and enables it only when incoming access works. */
function EnableButton({ mailbox, onChange }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  const enable = async () => {
    setBusy(true);
    setResult(null);
    try {
      const r = await post(`/api/v1/mailboxes/${mailbox.id}/enable`);
      setResult({ ok: true, text: `Test passed (${r.test.incoming.message}); ${r.incoming.message}.` });
      onChange();
    } catch (err) {
      setResult({ ok: false, text: err.message });
    } finally {
      setBusy(false);
    }
  };
  return html`<button onClick=${enable} disabled=${busy}>${busy ? 'Testing…' : 'Enable'}</button>
    ${result && html`<span class=${`msg ${result.ok ? 'ok' : 'bad'}`} role="status">${result.text}</span>`}`;
}

function Services({ services }) {
  return html`<h2>Services</h2>
    ${services.length === 0 ? html`<${Empty} title="No service heard from">Every service says it is alive every 10 s; none has in the last 30 s.</${Empty}>`
      : html`<div class="table-wrap"><table class="services">
        <thead><tr><th>Service</th><th>Replicas</th><th>Consumers (stream / durable)</th><th>Pending</th><th>Ack pending</th><th>Redelivered</th></tr></thead>
        <tbody>${services.map((s) => html`<tr data-app=${s.app}>
          <td>${s.app}</td>
          <td>${s.replicas.length === 0 ? html`<${Badge} kind="bad">none</${Badge}>`
            : s.replicas.map((r) => html`<div title=${`started ${r.startedAt}`}>${r.instance}<span class="sub">up since ${when(r.startedAt)} · seen ${when(r.lastSeenAt)}</span></div>`)}</td>
          <td>${s.consumers.map((c) => html`<div>${c.stream} / ${c.durable}</div>`)}</td>
          <td class="num">${s.consumers.map((c) => html`<div>${c.pending}</div>`)}</td>
          <td class="num">${s.consumers.map((c) => html`<div>${c.ackPending}</div>`)}</td>
          <td class="num">${s.consumers.map((c) => html`<div>${c.redelivered}</div>`)}</td>
        </tr>`)}</tbody></table></div>`}`;
}
