import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { get } from '../lib/api.js';
import { navigate } from '../lib/router.js';
import { Badge, Banner, Empty, ErrorBanner, PageHead } from '../lib/ui.js';

const FILTERS = ['messageId', 'address', 'subject', 'direction', 'since', 'until'];
const OUTCOME_KIND = { tracked: 'ok', ignored: 'warn', quarantined: 'bad' };

/** datetime-local (the browser's time zone) → ISO for the API. */
const iso = (local) => (local ? new Date(local).toISOString() : undefined);

export function TracePage({ params }) {
  const [filters, setFilters] = useState(Object.fromEntries(FILTERS.map((f) => [f, params[f] ?? ''])));
  const [answer, setAnswer] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const set = (k) => (e) => setFilters({ ...filters, [k]: e.currentTarget.value });

  const search = async (e) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    const query = { ...filters, since: iso(filters.since), until: iso(filters.until) };
    const qs = new URLSearchParams(Object.entries(query).filter(([, v]) => v)).toString();
    try {
      setAnswer(await get(`/api/v1/trace${qs ? `?${qs}` : ''}`));
    } catch (err) {
      setError(err);
      setAnswer(null);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <${PageHead} title="Trace" />
    <p class="lead">Why was this mail (not) tracked, or (not) sent? Search by Message-ID, address, subject or time.</p>
    <form class="panel" onSubmit=${search}>
      <div class="grid3">
        <label class="field"><span class="label">Message-ID</span><input name="messageId" value=${filters.messageId} onInput=${set('messageId')} placeholder="<id@example.com>" /></label>
        <label class="field"><span class="label">Address</span><input name="address" value=${filters.address} onInput=${set('address')} placeholder="sender or any party" /></label>
        <label class="field"><span class="label">Subject contains</span><input name="subject" value=${filters.subject} onInput=${set('subject')} /></label>
        <label class="field"><span class="label">Direction</span><select name="direction" value=${filters.direction} onChange=${set('direction')}>
          <option value="">both</option><option value="incoming">incoming</option><option value="outgoing">outgoing</option></select></label>
        <label class="field"><span class="label">Since</span><input type="datetime-local" name="since" value=${filters.since} onInput=${set('since')} /></label>
        <label class="field"><span class="label">Until</span><input type="datetime-local" name="until" value=${filters.until} onInput=${set('until')} /></label>
      </div>
      <div class="actions"><button class="primary" type="submit" disabled=${busy}>${busy ? 'Searching…' : 'Search'}</button>
        <button type="button" onClick=${() => { setFilters(Object.fromEntries(FILTERS.map((f) => [f, '']))); navigate('/trace'); }}>Clear</button></div>
    </form>
    <${ErrorBanner} error=${error} what="Trace failed" />
    ${answer?.partial && html`<${Banner} kind="warn">Partial answer: ${answer.missing.join(', ')} did not answer.
      ${answer.problems.map((p) => html`<div>${p.service}: ${p.message}</div>`)}</${Banner}>`}
    ${answer && answer.items.length === 0 && html`<${Empty} title="Nothing found">No received or sent mail matches. Mail shows up here once the router has read it from a published mailbox.</${Empty}>`}
    ${answer?.items.map((item) => (item.direction === 'incoming' ? html`<${Incoming} item=${item} />` : html`<${Outgoing} item=${item} />`))}
  `;
}

function Head({ item, children }) {
  return html`<header>
    <${Badge} kind="info">${item.direction}</${Badge}>
    <strong>${item.subject || html`<span class="muted">(no subject)</span>`}</strong>
    ${children}
  </header>
  <div class="muted mono">${item.messageId ?? 'no Message-ID'}</div>
  <div>${item.from ?? '?'} → ${(item.to ?? []).join(', ') || '?'}</div>`;
}

function Incoming({ item }) {
  const v = item.verdict;
  const stage = item.stage;
  return html`<article class="trace-item" data-message-id=${item.messageId}>
    <${Head} item=${item}><${Badge} kind=${v ? OUTCOME_KIND[v.outcome] : ''}>${stage}</${Badge}></${Head}>
    <div class="path">
      <div class="step ok"><h4>Received</h4><p>${item.receivedAt ? new Date(item.receivedAt).toLocaleString() : '—'}</p>
        <p>by ${item.mailbox?.address ?? '?'}${item.mailbox?.kind ? ` (${item.mailbox.kind})` : ''}</p></div>
      <div class=${`step ${v ? (v.outcome === 'tracked' ? 'ok' : v.outcome === 'quarantined' ? 'bad' : 'warn') : ''}`}><h4>Verdict</h4>
        ${v ? html`<p class="verdict"><strong>${v.outcome}</strong> — <code>${v.reason}</code></p><p>${v.reasonText}</p>
          ${v.correlation && html`<p class="muted">correlation: ${v.correlation.rule}</p>`}`
          : html`<p class="muted">awaiting the CRM's verdict</p>`}</div>
      <div class=${`step ${item.activityId ? 'ok' : ''}`}><h4>Activity</h4>
        ${item.activityId ? html`<p class="mono">${item.activityId}</p>
          ${(item.parties ?? []).map((p) => html`<p>${p.role}: ${p.address}${p.recordType ? html` → <em>${p.recordType}</em>` : ''}</p>`)}`
          : html`<p class="muted">none</p>`}</div>
      <div class=${`step ${item.server?.state === 'settled' ? 'ok' : ''}`}><h4>On the mail server</h4>
        ${item.server ? html`<p>${item.server.state}${item.server.tooLarge ? ' (too large)' : ''}</p>
          ${item.server.settledAt && html`<p class="muted">${new Date(item.server.settledAt).toLocaleString()}</p>`}` : html`<p class="muted">unknown</p>`}</div>
    </div>
  </article>`;
}

function Outgoing({ item }) {
  const kind = item.status === 'sent' ? 'ok' : item.status === 'failed' ? 'bad' : 'warn';
  return html`<article class="trace-item" data-message-id=${item.messageId}>
    <${Head} item=${item}><${Badge} kind=${kind}>${item.status}</${Badge}></${Head}>
    <div class="path">
      <div class="step ok"><h4>Pending send</h4><p>${item.createdAt ? new Date(item.createdAt).toLocaleString() : '—'}</p></div>
      <div class=${`step ${kind}`}><h4>${item.status === 'sent' ? 'Sent' : item.status === 'failed' ? 'Failed' : 'Sending'}</h4>
        <p>${item.deliveryAttempts ?? 0} attempt${item.deliveryAttempts === 1 ? '' : 's'}</p>
        ${item.sentAt && html`<p>${new Date(item.sentAt).toLocaleString()}</p>`}
        ${item.failureReason && html`<p class="failure">${item.failureReason}</p>`}</div>
    </div>
  </article>`;
}
