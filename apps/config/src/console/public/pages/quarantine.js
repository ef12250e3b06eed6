import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get, post } from '../lib/api.js';
import { can } from '../lib/access.js';
import { useLoad } from '../lib/load.js';
import { navigate } from '../lib/router.js';
import { Banner, Empty, ErrorBanner, PageHead, when } from '../lib/ui.js';

// The built-in CRM's record types a message can be attached to (RECORD_TYPES).
const RECORD_TYPES = ['contact', 'account', 'lead', 'user', 'queue'];

/** Received messages the CRM quarantined: operators re-process, attach or discard them; viewers read. */
export function QuarantinePage({ params }) {
  const boxes = useLoad(() => get('/api/v1/mailboxes'));
  const mailboxId = params.mailboxId ?? '';
  const list = useLoad(() => get(`/api/v1/quarantine${mailboxId ? `?mailboxId=${encodeURIComponent(mailboxId)}` : ''}`), [mailboxId]);
  const [outcomes, setOutcomes] = useState({});
  const address = (id) => (boxes.data ?? []).find((m) => m.id === id)?.address ?? id;
  const done = (receivedId, outcome) => setOutcomes((o) => ({ ...o, [receivedId]: outcome }));
  const messages = list.data?.messages ?? [];

  return html`
    <${PageHead} title="Quarantine"><button onClick=${() => list.reload()}>Refresh</button></${PageHead}>
    <p class="lead">Mail the CRM could not decide about. Fix the cause (e.g. the mailbox's kind), then re-process; or attach it by hand to a CRM record; or discard it (it stays in the trace).</p>
    <${ErrorBanner} error=${boxes.error ?? list.error} what="Could not load the quarantine" />
    <div class="toolbar"><label>Mailbox<select name="mailboxFilter" value=${mailboxId} onChange=${(e) => navigate('/quarantine', e.currentTarget.value ? { mailboxId: e.currentTarget.value } : undefined)}>
      <option value="">all mailboxes</option>
      ${(boxes.data ?? []).map((m) => html`<option value=${m.id}>${m.address}</option>`)}</select></label></div>
    ${Object.entries(outcomes).map(([id, o]) => html`<${Banner} kind=${o.ok ? 'ok' : 'error'}><span data-outcome=${id}>${o.text}</span></${Banner}>`)}
    ${!list.loading && messages.length === 0
      ? html`<${Empty} title="Nothing in quarantine"><p>Every received message was tracked or ignored with a reason (see Trace).</p></${Empty}>`
      : html`<div class="table-wrap"><table class="quarantine"><thead><tr><th>When</th><th>Mailbox</th><th>Message</th><th>Reason</th><th>Actions</th></tr></thead>
        <tbody>${messages.map((m) => html`<${Row} key=${m.receivedId} m=${m} address=${address(m.mailboxId)} onDone=${(o) => { done(m.receivedId, o); if (o.ok) list.reload(); }} />`)}</tbody></table></div>`}`;
}

function Row({ m, address, onDone }) {
  const [busy, setBusy] = useState(false);
  const [attaching, setAttaching] = useState(false);
  const writable = can('quarantine.write');
  const act = async (what, body) => {
    setBusy(true);
    try {
      const r = await post(`/api/v1/quarantine/${encodeURIComponent(m.receivedId)}/${what}`, body);
      onDone({ ok: true, text: r.message });
    } catch (err) {
      onDone({ ok: false, text: `${what} failed: ${err.message}` });
    } finally {
      setBusy(false);
    }
  };
  const discard = () => {
    if (confirm(`Discard “${m.subject ?? m.receivedId}”? It leaves the quarantine and stays in the trace; nothing is tracked.`)) void act('discard');
  };
  return html`<tr data-received-id=${m.receivedId}>
    <td>${when(m.quarantinedAt)}</td><td>${address}</td>
    <td><strong>${m.subject ?? '(no subject)'}</strong><br /><small class="muted">${m.messageId ?? 'no Message-ID'}</small></td>
    <td><code>${m.reason ?? '?'}</code><br /><small>${m.reasonText ?? ''}</small></td>
    <td><div style=${{ display: 'flex', flexDirection: 'column', gap: '6px', minWidth: '8rem' }}>
      <button disabled=${!writable || busy || !m.reprocessable} title=${m.reprocessable ? '' : 'never fetched: nothing to publish again'} onClick=${() => act('reprocess')}>Re-process</button>
      <button disabled=${!writable || busy || !m.reprocessable} onClick=${() => setAttaching(!attaching)}>Attach to…</button>
      <button class="danger" disabled=${!writable || busy} onClick=${discard}>Discard</button>
      ${attaching && html`<${AttachForm} busy=${busy} onAttach=${(body) => act('attach', body)} />`}
    </div></td></tr>`;
}

/** No config route searches the CRM's records yet: the operator pastes the record's id (from the CRM). */
function AttachForm({ busy, onAttach }) {
  const [type, setType] = useState('contact');
  const [id, setId] = useState('');
  const [ownerId, setOwnerId] = useState('');
  const submit = (e) => {
    e.preventDefault();
    void onAttach({ regarding: { type, id: id.trim() }, ...(ownerId.trim() ? { ownerId: ownerId.trim() } : {}) });
  };
  return html`<form class="attach" onSubmit=${submit}>
    <label>Record type<select name="regardingType" value=${type} onChange=${(e) => setType(e.currentTarget.value)}>
      ${RECORD_TYPES.map((t) => html`<option value=${t}>${t}</option>`)}</select></label>
    <label>Record id<input name="regardingId" value=${id} placeholder="paste the CRM record's id" onInput=${(e) => setId(e.currentTarget.value)} /></label>
    <label>Owner id (optional)<input name="ownerId" value=${ownerId} placeholder="the mailbox's owner" onInput=${(e) => setOwnerId(e.currentTarget.value)} /></label>
    <small class="muted">The console cannot search the CRM's records yet: copy the id from the CRM (built-in: /crm/v1/contacts…).</small>
    <button class="primary" type="submit" disabled=${busy || !id.trim()}>Attach</button></form>`;
}

/** "Backfill from date" on a mailbox: its messages since then, read ones too, taken once. */
export function BackfillPanel({ mailboxId }) {
  const [since, setSince] = useState(new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10));
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState(null);
  const run = async (e) => {
    e.preventDefault();
    setBusy(true);
    setOutcome(null);
    try {
      const r = await post(`/api/v1/mailboxes/${encodeURIComponent(mailboxId)}/backfill`, { since });
      const counts = r.status === 'done' ? `${r.found} found, ${r.fresh} new` : 'queued for the next poll';
      setOutcome({ ok: true, text: `Backfill since ${since}: ${counts}. ${r.message}` });
    } catch (err) {
      setOutcome({ ok: false, text: `Backfill failed: ${err.message}` });
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="panel narrow backfill" onSubmit=${run}>
    <h3>Backfill from date</h3>
    <p class="muted">Takes this mailbox's messages received since the date, also those already read in another client; messages the router has seen are not taken twice.</p>
    <div class="toolbar"><label>Since<input type="date" name="backfillSince" value=${since} onInput=${(e) => setSince(e.currentTarget.value)} /></label>
      <button class="primary" type="submit" disabled=${busy || !since || !can('mailboxes.backfill')}>${busy ? 'Backfilling…' : 'Backfill'}</button></div>
    ${outcome && html`<${Banner} kind=${outcome.ok ? 'ok' : 'error'}><span data-backfill-outcome>${outcome.text}</span></${Banner}>`}
  </form>`;
}
