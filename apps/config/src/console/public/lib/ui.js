// Small shared components: fields with their validation message, tables, badges, empty states.
import { html } from './html.js';

let ids = 0;
const idFor = (name) => `f-${name.replace(/[^a-z0-9]+/gi, '-')}-${++ids}`;

function FieldError({ form, name }) {
  const message = form.errors[name];
  return message ? html`<p class="field-error" role="alert" data-field=${name}>${message}</p>` : null;
}

function Wrap({ form, name, label, hint, children }) {
  return html`<label class=${`field${form.errors[name] ? ' invalid' : ''}`}>
    <span class="label">${label}</span>
    ${children}
    ${hint && html`<span class="hint">${hint}</span>`}
    <${FieldError} form=${form} name=${name} />
  </label>`;
}

export function TextField({ form, name, label, hint, type = 'text', placeholder, required, disabled }) {
  return html`<${Wrap} form=${form} name=${name} label=${label} hint=${hint}>
    <input type=${type} name=${name} value=${form.values[name] ?? ''} placeholder=${placeholder} required=${required}
      disabled=${disabled} aria-invalid=${form.errors[name] ? 'true' : undefined}
      onInput=${(e) => form.set(name, e.currentTarget.value)} />
  </${Wrap}>`;
}

export function NumberField({ form, name, label, hint, placeholder, min, max }) {
  return html`<${Wrap} form=${form} name=${name} label=${label} hint=${hint}>
    <input type="number" name=${name} value=${form.values[name] ?? ''} placeholder=${placeholder} min=${min} max=${max}
      aria-invalid=${form.errors[name] ? 'true' : undefined}
      onInput=${(e) => form.set(name, e.currentTarget.value === '' ? '' : Number(e.currentTarget.value))} />
  </${Wrap}>`;
}

/** options: [value, label][] */
export function SelectField({ form, name, label, hint, options, disabled }) {
  return html`<${Wrap} form=${form} name=${name} label=${label} hint=${hint}>
    <select name=${name} value=${form.values[name] ?? ''} disabled=${disabled} aria-invalid=${form.errors[name] ? 'true' : undefined}
      onChange=${(e) => form.set(name, e.currentTarget.value)}>
      ${options.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
    </select>
  </${Wrap}>`;
}

export function CheckField({ form, name, label, hint }) {
  return html`<div class="field">
    <label class="check"><input type="checkbox" name=${name} checked=${!!form.values[name]}
      onChange=${(e) => form.set(name, e.currentTarget.checked)} />${label}</label>
    ${hint && html`<span class="hint">${hint}</span>`}
    <${FieldError} form=${form} name=${name} />
  </div>`;
}

/**
 * A write-only secret: never shown, only whether one is stored. The form value is
 * undefined (keep), a string (set / replace) or null (clear).
 */
export function SecretField({ form, name, label, hint, has, multiline, placeholder }) {
  const value = form.values[name];
  const mode = value === null ? 'clear' : value === undefined ? 'keep' : 'replace';
  const id = idFor(name);
  const input = multiline
    ? html`<textarea id=${id} name=${name} value=${value ?? ''} placeholder=${placeholder} spellcheck="false"
        onInput=${(e) => form.set(name, e.currentTarget.value || undefined)}></textarea>`
    : html`<input id=${id} type="password" name=${name} autocomplete="new-password" value=${value ?? ''}
        placeholder=${has ? 'type a new value to replace it' : placeholder ?? 'not set'}
        onInput=${(e) => form.set(name, e.currentTarget.value || undefined)} />`;
  return html`<div class=${`field${form.errors[name] ? ' invalid' : ''}`}>
    <label class="label" for=${id}>${label}</label>
    <div class="secret">
      <span class=${`badge ${has ? 'ok' : ''}`}>${has ? 'set' : 'not set'}</span>
      ${has && html`<select aria-label=${`${label}: keep, replace or clear`} value=${mode}
        onChange=${(e) => form.set(name, e.currentTarget.value === 'clear' ? null : e.currentTarget.value === 'keep' ? undefined : '')}>
        <option value="keep">keep</option><option value="replace">replace</option><option value="clear">clear</option>
      </select>`}
      ${mode !== 'clear' && input}
    </div>
    ${hint && html`<span class="hint">${hint}</span>`}
    <${FieldError} form=${form} name=${name} />
  </div>`;
}

export function FormFailure({ form, what }) {
  const err = form.failure;
  if (!err) return null;
  const fields = err.fields ?? [];
  return html`<div class="banner error" role="alert">
    <strong>${what} failed${err.status ? ` (${err.status})` : ''}.</strong>
    ${fields.length ? html` Fix the fields marked below:` : html` ${err.message}`}
    ${fields.length > 0 && html`<ul>${fields.map((f) => html`<li><code>${f.field}</code>: ${f.message}</li>`)}</ul>`}
  </div>`;
}

export function Banner({ kind = 'info', children }) {
  return html`<div class=${`banner ${kind}`} role=${kind === 'error' ? 'alert' : 'status'}>${children}</div>`;
}

export function ErrorBanner({ error, what }) {
  if (!error) return null;
  return html`<${Banner} kind="error">${what ? html`<strong>${what}: </strong>` : ''}${error.message}</${Banner}>`;
}

export function Empty({ title, children, action }) {
  return html`<div class="empty"><strong>${title}</strong>${children}${action && html`<div class="actions">${action}</div>`}</div>`;
}

export function Badge({ kind, children }) {
  return html`<span class=${`badge ${kind ?? ''}`}>${children}</span>`;
}

const TEST_KIND = { success: 'ok', failure: 'bad', 'not-run': '' };
export function TestResult({ result }) {
  if (!result) return html`<span class="muted">—</span>`;
  return html`<${Badge} kind=${TEST_KIND[result.status]}>${result.status}</${Badge}>
    ${result.message && html`<span class="msg">${result.message}</span>`}
    ${result.testedAt && html`<span class="msg" title=${result.testedAt}>tested ${when(result.testedAt)}</span>`}`;
}

export function Progress({ done, total, label }) {
  const pct = total ? Math.round((done / total) * 100) : 0;
  return html`<div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=${total} aria-valuenow=${done}
    aria-label=${label}>
    <div class="bar"><div class="fill" style=${{ width: `${pct}%` }}></div></div>
    <span>${label}: <strong>${done} of ${total}</strong></span>
  </div>`;
}

export function PageHead({ title, children }) {
  return html`<div class="page-head"><h1>${title}</h1>${children}</div>`;
}

/** "3 min ago" for recent times, the local date and time otherwise. */
export function when(iso) {
  if (!iso) return '—';
  const t = new Date(iso);
  const s = Math.round((Date.now() - t.getTime()) / 1000);
  if (s >= -5 && s < 60) return 'just now';
  if (s > 0 && s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 0 && s > -3600) return `in ${Math.max(1, Math.round(-s / 60))} min`;
  return t.toLocaleString();
}

export function matches(text, query) {
  return !query || (text ?? '').toLowerCase().includes(query.trim().toLowerCase());
}
