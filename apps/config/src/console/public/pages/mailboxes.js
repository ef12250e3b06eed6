import { useEffect, useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { navigate } from '../lib/router.js';
import { Banner, Empty, ErrorBanner, matches, PageHead, Progress, TestResult } from '../lib/ui.js';

/** How often a running Test Access job's progress is read. */
const JOB_POLL_MS = 400;

/** The deployment chooser shared by the mailbox pages. */
export function DeploymentPicker({ deployments, value, onChange }) {
  return html`<label>Deployment<select value=${value} onChange=${(e) => onChange(e.currentTarget.value)}>
    ${deployments.map((d) => html`<option value=${d.id}>${d.name}</option>`)}</select></label>`;
}

export function MailboxesPage({ params }) {
  const base = useLoad(() => Promise.all([get('/api/v1/deployments'), get('/api/v1/profiles')]));
  const [deployments = [], profiles = []] = base.data ?? [];
  const deploymentId = params.deploymentId ?? deployments[0]?.id;
  const deployment = deployments.find((d) => d.id === deploymentId);
  const list = useLoad(() => (deploymentId ? get(`/api/v1/mailboxes?deploymentId=${deploymentId}`) : Promise.resolve([])), [deploymentId]);
  const [mailboxes, setMailboxes] = useState([]);
  useEffect(() => setMailboxes(list.data ?? []), [list.data]);

  const [query, setQuery] = useState('');
  const [kind, setKind] = useState('');
  const [status, setStatus] = useState('');
  const [selected, setSelected] = useState(new Set());
  const [run, setRun] = useState(null);

  const profileName = (id) => profiles.find((p) => p.id === id)?.name ?? 'none';
  const testStatuses = (m) => [m.test.incoming.status, m.test.outgoing.status];
  const shown = mailboxes.filter((m) => (!kind || m.kind === kind) && (matches(m.address, query) || matches(m.name, query))
    && (!status || (status === 'failure' ? testStatuses(m).includes('failure')
      : status === 'not-run' ? testStatuses(m).includes('not-run') : testStatuses(m).every((s) => s === 'success'))));

  // Test Access runs on the server as a job (POST /api/v1/test-access/jobs); the page follows its
  // progress and updates each row as its result arrives. Leaving the page does not stop it.
  const testAccess = async (targets) => {
    const state = { total: targets.length, done: 0, failed: 0, errors: [] };
    setRun({ ...state, running: true });
    try {
      const started = await post('/api/v1/test-access/jobs', { mailboxIds: targets.map((m) => m.id) });
      const applied = new Set();
      for (;;) {
        const job = await get(`/api/v1/test-access/jobs/${started.id}`);
        for (const r of job.results) {
          if (applied.has(r.mailboxId)) continue;
          applied.add(r.mailboxId);
          if (r.error) state.errors.push(`${r.address}: ${r.error}`);
          else setMailboxes((all) => all.map((x) => (x.id === r.mailboxId ? { ...x, test: { incoming: r.incoming, outgoing: r.outgoing } } : x)));
        }
        Object.assign(state, { done: job.done, failed: job.failed });
        if (job.state !== 'running') {
          if (job.state === 'interrupted') state.errors.push('the job was interrupted (its config replica stopped); test the rest again');
          break;
        }
        setRun({ ...state, running: true });
        await new Promise((r) => setTimeout(r, JOB_POLL_MS));
      }
    } catch (err) {
      state.errors.push(err.message);
    }
    setRun({ ...state, running: false });
  };

  const toggle = (id) => setSelected((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });
  const allShownSelected = shown.length > 0 && shown.every((m) => selected.has(m.id));
  const chosen = mailboxes.filter((m) => selected.has(m.id));
  const canTest = can('mailboxes.test-access') && !run?.running;

  if (base.loading && !base.data) return html`<p class="muted">Loading…</p>`;
  return html`
    <${PageHead} title="Mailboxes">
      ${deployment && can('mailboxes.write') && html`<button onClick=${() => navigate('/mailboxes/new', { deploymentId })}>New mailbox</button>`}
    </${PageHead}>
    <${ErrorBanner} error=${base.error ?? list.error} what="Could not load the mailboxes" />
    ${deployments.length === 0 && !base.error
      ? html`<${Empty} title="No deployments yet — mailboxes belong to a deployment"
          action=${can('deployments.write') && html`<button class="primary" onClick=${() => navigate('/deployments/new')}>New deployment</button>`}>
          <p>Create a deployment, then Load Data to create a mailbox for each CRM user and queue.</p></${Empty}>`
      : html`
        <div class="toolbar">
          <${DeploymentPicker} deployments=${deployments} value=${deploymentId} onChange=${(id) => navigate('/mailboxes', { deploymentId: id })} />
          <label class="grow">Search<input type="search" placeholder="address or name" value=${query} onInput=${(e) => setQuery(e.currentTarget.value)} /></label>
          <label>Kind<select value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
            <option value="">all</option><option value="user">user</option><option value="queue">queue</option><option value="forward">forward</option></select></label>
          <label>Test<select value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
            <option value="">any</option><option value="failure">failed</option><option value="not-run">not run</option><option value="success">passed</option></select></label>
          <button disabled=${!canTest || chosen.length === 0} onClick=${() => testAccess(chosen)}>Test selected (${chosen.length})</button>
          <button class="primary" disabled=${!canTest || mailboxes.length === 0} onClick=${() => testAccess(mailboxes)}>Test all (${mailboxes.length})</button>
        </div>
        ${run && html`<${Progress} done=${run.done} total=${run.total} label=${run.running ? 'Testing access' : 'Tested'} />`}
        ${run && !run.running && html`<${Banner} kind=${run.failed ? 'warn' : 'ok'}>Test Access finished: ${run.total - run.failed} passed, ${run.failed} with a failure.
          ${run.errors.length > 0 && html`<ul>${run.errors.map((e) => html`<li>${e}</li>`)}</ul>`}</${Banner}>`}
        ${!list.loading && mailboxes.length === 0
          ? html`<${Empty} title="No mailboxes in this deployment yet — run Load Data"
              action=${html`<button class="primary" onClick=${() => navigate(`/deployments/${deploymentId}`)}>Go to Load Data</button>`}>
              <p>Load Data creates a mailbox for every CRM user and queue routed through the router; forward mailboxes are added by hand.</p></${Empty}>`
          : html`<div class="table-wrap"><table class="mailboxes">
            <thead><tr>
              <th class="pick"><input type="checkbox" aria-label="Select all shown" checked=${allShownSelected}
                onChange=${() => setSelected(allShownSelected ? new Set() : new Set(shown.map((m) => m.id)))} /></th>
              <th>Kind</th><th>Address</th><th>Profiles</th><th>Incoming test</th><th>Outgoing test</th><th></th></tr></thead>
            <tbody>${shown.map((m) => html`<tr data-address=${m.address}>
              <td class="pick"><input type="checkbox" aria-label=${`Select ${m.address}`} checked=${selected.has(m.id)} onChange=${() => toggle(m.id)} /></td>
              <td>${m.kind}${!m.enabled && html`<span class="sub">disabled</span>`}</td>
              <td><a href=${`#/mailboxes/${m.id}`}>${m.address}</a>${m.name && html`<span class="sub">${m.name}</span>`}
                <span class="sub">${m.hasPassword ? `signs in as ${m.username ?? m.address}` : 'no password set'}</span></td>
              <td>in: ${m.incomingProfileId ? profileName(m.incomingProfileId) : html`<span class="muted">default (${profileName(deployment?.incomingProfileId)})</span>`}
                <span class="sub">out: ${m.outgoingProfileId ? profileName(m.outgoingProfileId) : `default (${profileName(deployment?.outgoingProfileId)})`}</span></td>
              <td class="test incoming-test"><${TestResult} result=${m.test.incoming} /></td>
              <td class="test outgoing-test"><${TestResult} result=${m.test.outgoing} /></td>
              <td><button class="link" disabled=${!canTest} onClick=${() => testAccess([m])}>Test</button>
                <span class="sub"><a href=${`#/health?deploymentId=${deploymentId}&mailboxId=${m.id}`}>Status</a></span></td>
            </tr>`)}
            ${shown.length === 0 && html`<tr><td colspan="7" class="muted">No mailbox matches these filters.</td></tr>`}
            </tbody></table></div>`}`}
  `;
}
