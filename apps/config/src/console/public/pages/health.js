import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get, runPool } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { navigate } from '../lib/router.js';
import { Badge, Empty, ErrorBanner, PageHead, Progress, when } from '../lib/ui.js';
import { DeploymentPicker } from './mailboxes.js';

/** Per mailbox, what the running incoming service knows: polls, failures, last error, message counts. */
export function HealthPage({ params }) {
  const base = useLoad(() => get('/api/v1/deployments'));
  const deployments = base.data ?? [];
  const deploymentId = params.deploymentId ?? deployments[0]?.id;
  const list = useLoad(() => (deploymentId ? get(`/api/v1/mailboxes?deploymentId=${deploymentId}`) : Promise.resolve([])), [deploymentId]);
  const mailboxes = (list.data ?? []).filter((m) => !params.mailboxId || m.id === params.mailboxId);
  const [status, setStatus] = useState({});
  const [progress, setProgress] = useState(null);

  const refresh = async () => {
    const found = {};
    setProgress({ done: 0, total: mailboxes.length });
    let done = 0;
    await runPool(mailboxes, 4, (m) => get(`/api/v1/mailboxes/${m.id}/status`), (m, result) => {
      found[m.id] = result.ok ? result.value.incoming : { error: result.error.message };
      setStatus({ ...found });
      setProgress({ done: ++done, total: mailboxes.length });
    });
  };
  useEffect(() => {
    if (list.data && can('status.read')) refresh();
  }, [list.data, params.mailboxId]);

  return html`
    <${PageHead} title="Health">
      <button onClick=${refresh} disabled=${!mailboxes.length}>Refresh</button>
    </${PageHead}>
    <p class="lead">Straight from the running incoming service: whether it serves each mailbox, its polls, failures and the last error.</p>
    <${ErrorBanner} error=${base.error ?? list.error} what="Could not load the mailboxes" />
    ${deployments.length > 0 && html`<div class="toolbar">
      <${DeploymentPicker} deployments=${deployments} value=${deploymentId} onChange=${(id) => navigate('/health', { deploymentId: id })} />
      ${params.mailboxId && html`<button onClick=${() => navigate('/health', { deploymentId })}>Show every mailbox</button>`}
    </div>`}
    ${progress && progress.done < progress.total && html`<${Progress} done=${progress.done} total=${progress.total} label="Asking the incoming service" />`}
    ${!list.loading && mailboxes.length === 0
      ? html`<${Empty} title="No mailboxes to watch yet">Create a deployment, Load Data and publish; then their status shows here.</${Empty}>`
      : html`<div class="table-wrap"><table class="health">
          <thead><tr><th>Mailbox</th><th>Served</th><th>Last poll</th><th>Next poll</th><th>Last success</th><th>Failures</th><th>Last error</th><th>Messages</th></tr></thead>
          <tbody>${mailboxes.map((m) => {
            const s = status[m.id];
            if (!s) return html`<tr data-address=${m.address}><td>${m.address}</td><td colspan="7" class="muted">…</td></tr>`;
            if (s.error) return html`<tr data-address=${m.address}><td>${m.address}</td><td colspan="7"><${Badge} kind="bad">unknown</${Badge}> ${s.error}</td></tr>`;
            return html`<tr data-address=${m.address}>
              <td>${m.address}<span class="sub">${m.kind}</span></td>
              <td>${s.active ? html`<${Badge} kind="ok">yes</${Badge}><span class="sub">version ${s.configVersion ?? '?'}</span>` : html`<${Badge} kind="warn">no</${Badge}><span class="sub">not published or disabled</span>`}</td>
              <td title=${s.lastPollAt}>${when(s.lastPollAt)}</td>
              <td title=${s.nextPollAt}>${when(s.nextPollAt)}</td>
              <td title=${s.lastSuccessAt}>${when(s.lastSuccessAt)}</td>
              <td class="num">${s.consecutiveFailures ? html`<${Badge} kind="bad">${s.consecutiveFailures}</${Badge}>` : 0}</td>
              <td>${s.lastError ?? html`<span class="muted">—</span>`}</td>
              <td class="counts">${s.messages.seen} seen<span class="sub">${s.messages.tracked} tracked · ${s.messages.ignored} ignored</span>
                <span class="sub">${s.messages.quarantined} quarantined · ${s.messages.awaitingVerdict} awaiting a verdict</span></td>
            </tr>`;
          })}</tbody></table></div>`}
  `;
}
