// Forms keep their values under the API's own dotted field names ('host', 'ews.url',
// 'graph.certificate.privateKey'), so a 400's `{ field, message }` lands next to its input.
import { useState } from 'preact/hooks';

export function flatten(obj, prefix = '', out = {}) {
  for (const [key, value] of Object.entries(obj ?? {})) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && !Array.isArray(value)) flatten(value, name, out);
    else out[name] = value;
  }
  return out;
}

export function unflatten(flat) {
  const out = {};
  for (const [name, value] of Object.entries(flat)) {
    const keys = name.split('.');
    let node = out;
    keys.slice(0, -1).forEach((k) => (node = node[k] ??= {}));
    node[keys.at(-1)] = value;
  }
  return out;
}

/**
 * The body to send: on create every relevant non-empty value; on edit only what changed.
 * Secrets (`undefined` = keep) go only when set, replaced or cleared.
 */
export function bodyOf(values, initial, keys, { create, secrets = [] }) {
  const flat = {};
  for (const key of keys) {
    const v = values[key];
    if (secrets.includes(key)) {
      if (v !== undefined && v !== '') flat[key] = v;
    } else if (!create && v === '' && typeof initial[key] === 'number') {
      // A number emptied on edit: leave the stored value (numbers are not nullable).
    } else if (create ? v !== undefined && v !== '' && v !== null : !same(v, initial[key])) {
      flat[key] = v === '' ? null : v;
    }
  }
  return unflatten(flat);
}

function same(a, b) {
  return (a ?? '') === (b ?? '');
}

export const toInt = (v) => (v === '' || v === undefined || v === null ? undefined : Number(v));

/**
 * `keepValid(values)` runs inside every change, on the latest values (not a render's copy), so a
 * field that depends on another (protocol on direction) is fixed in the same update — an effect
 * after the render could undo a choice made in between.
 */
export function useForm(initial, keepValid = (v) => v) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  return {
    values,
    errors,
    failure,
    busy,
    set(name, value) {
      setValues((v) => keepValid({ ...v, [name]: value }));
    },
    reset(next) {
      setValues(next);
      setErrors({});
      setFailure(null);
    },
    /** Runs a save; a 400 becomes per-field messages, anything else a banner with the server's words. */
    async submit(save) {
      setBusy(true);
      setErrors({});
      setFailure(null);
      try {
        return await save();
      } catch (err) {
        const fields = {};
        for (const f of err.fields ?? []) fields[f.field] = fields[f.field] ? `${fields[f.field]}; ${f.message}` : f.message;
        setErrors(fields);
        setFailure(err);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
  };
}
