import type { Row } from './odata-filter';
import { FilterSyntaxError, parseFilter } from './odata-filter';
import { ENTITY_SETS, EmulatorStore, isEntitySet } from './store';
import { checkIncoming, deliverIncoming, DeliverParams, IncomingParams } from './tracking';

export const API_PATH = '/api/data/v9.2/';

export interface ApiRequest {
  method: string;
  /** Path and query after /api/data/v9.2/, e.g. `emails(…)?$select=subject`. */
  resource: string;
  headers: Record<string, string | undefined>;
  body: string;
  baseUrl: string;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export function odataError(status: number, code: string, message: string): ApiResponse {
  return { status, body: { error: { code, message } } };
}

class BadJson extends Error {}

function parseJson(body: string): Row {
  try {
    return body ? (JSON.parse(body) as Row) : {};
  } catch {
    throw new BadJson('The request body is not valid JSON.');
  }
}

/** `name` → value of the OData function parameter aliases (`@p='x'`, `@q={json}`, `@r=3`). */
function aliases(query: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, raw] of query) {
    if (!key.startsWith('@')) continue;
    if (raw.startsWith("'")) out[key] = raw.slice(1, -1).replace(/''/g, "'");
    else if (raw.startsWith('{') || raw.startsWith('[')) out[key] = JSON.parse(raw);
    else if (raw === 'null') out[key] = null;
    else out[key] = raw === 'true' ? true : raw === 'false' ? false : Number(raw);
  }
  return out;
}

function functionParams(inner: string, query: URLSearchParams): Record<string, unknown> {
  const a = aliases(query);
  const out: Record<string, unknown> = {};
  for (const pair of inner.split(',').filter(Boolean)) {
    const [name, value] = pair.split('=').map((s) => s.trim());
    out[name] = value.startsWith('@') ? a[value] : value.startsWith("'") ? value.slice(1, -1).replace(/''/g, "'") : value;
  }
  return out;
}

/** The Dataverse Web API subset the MailRouter connector uses. */
export class WebApi {
  constructor(private readonly store: EmulatorStore) {}

  handle(req: ApiRequest): ApiResponse {
    try {
      return this.route(req);
    } catch (err) {
      if (err instanceof BadJson) return odataError(400, '0x80040203', err.message);
      throw err;
    }
  }

  private route(req: ApiRequest): ApiResponse {
    const [path, qs = ''] = req.resource.split('?');
    const query = new URLSearchParams(qs);
    const fn = path.match(/^CheckIncomingEmail\((.*)\)$/);
    if (fn && req.method === 'GET') return this.checkIncoming(functionParams(fn[1], query), req.baseUrl);
    if (path === 'DeliverIncomingEmail' && req.method === 'POST') return this.deliverIncoming(req);
    const m = path.match(/^([a-z]+)(?:\(([0-9a-fA-F-]+)\))?$/);
    if (!m || !isEntitySet(m[1])) return odataError(404, '0x8006088a', `Resource not found for the segment '${path}'.`);
    const set = m[1];
    const id = m[2];
    if (req.method === 'GET') return id ? this.retrieve(set, id, query, req) : this.retrieveMultiple(set, query, req);
    if (req.method === 'POST' && !id) return this.create(set, req);
    if (req.method === 'PATCH' && id) return this.update(set, id, req);
    return odataError(405, '0x80060888', `${req.method} is not supported on ${path}.`);
  }

  private project(set: string, row: Row, query: URLSearchParams, req: ApiRequest): Row {
    const select = query.get('$select')?.split(',').map((s) => s.trim());
    const idAttr = ENTITY_SETS[set as keyof typeof ENTITY_SETS].id;
    const annotate = /odata\.include-annotations/.test(req.headers.prefer ?? '');
    const out: Row = { '@odata.etag': this.store.etag(row) };
    for (const [key, value] of Object.entries(row)) {
      if (key === 'email_activity_parties' || key.startsWith('__')) continue;
      if (select && !select.includes(key) && key !== idAttr) continue;
      out[key] = value;
    }
    if (annotate && '_regardingobjectid_value' in out && row.regardingobjecttypecode) {
      out['_regardingobjectid_value@Microsoft.Dynamics.CRM.lookuplogicalname'] = row.regardingobjecttypecode;
    }
    if (/email_activity_parties/.test(query.get('$expand') ?? '') && Array.isArray(row.email_activity_parties)) {
      out.email_activity_parties = (row.email_activity_parties as Row[]).map((p) => ({
        ...p,
        ...(annotate && p.partyobjecttypecode ? { '_partyid_value@Microsoft.Dynamics.CRM.lookuplogicalname': p.partyobjecttypecode } : {}),
      }));
    }
    return out;
  }

  private retrieveMultiple(set: keyof typeof ENTITY_SETS, query: URLSearchParams, req: ApiRequest): ApiResponse {
    let rows = this.store.list(set);
    const filter = query.get('$filter');
    if (filter) {
      try {
        const f = parseFilter(filter);
        rows = rows.filter((r) => f(r));
      } catch (err) {
        if (err instanceof FilterSyntaxError) return odataError(400, '0x80060888', err.message);
        throw err;
      }
    }
    if (query.get('$orderby')?.startsWith('createdon')) rows = [...rows].sort((a, b) => String(a.createdon).localeCompare(String(b.createdon)));
    const top = Number(query.get('$top') ?? 5000);
    return {
      status: 200,
      body: { '@odata.context': `${req.baseUrl}${API_PATH}$metadata#${set}`, value: rows.slice(0, top).map((r) => this.project(set, r, query, req)) },
    };
  }

  private retrieve(set: keyof typeof ENTITY_SETS, id: string, query: URLSearchParams, req: ApiRequest): ApiResponse {
    const row = this.store.get(set, id);
    if (!row) return odataError(404, '0x80040217', `${ENTITY_SETS[set].logicalName} With Id = ${id} Does Not Exist`);
    return { status: 200, body: { '@odata.context': `${req.baseUrl}${API_PATH}$metadata#${set}/$entity`, ...this.project(set, row, query, req) } };
  }

  private create(set: keyof typeof ENTITY_SETS, req: ApiRequest): ApiResponse {
    const data = parseJson(req.body);
    const row: Row = {};
    for (const [key, value] of Object.entries(data)) {
      const bind = key.match(/^(\w+?)(?:_\w+)?@odata\.bind$/);
      if (bind && typeof value === 'string') row[`_${bind[1]}_value`] = value.match(/\(([^)]+)\)/)?.[1] ?? null;
      else row[key] = value;
    }
    const created = this.store.create(set, row);
    const idAttr = ENTITY_SETS[set].id;
    return { status: 204, headers: { 'OData-EntityId': `${req.baseUrl}${API_PATH}${set}(${created[idAttr]})` } };
  }

  private update(set: keyof typeof ENTITY_SETS, id: string, req: ApiRequest): ApiResponse {
    const row = this.store.get(set, id);
    if (!row) return odataError(404, '0x80040217', `${ENTITY_SETS[set].logicalName} With Id = ${id} Does Not Exist`);
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== '*' && ifMatch !== this.store.etag(row)) {
      return odataError(412, '0x80060882', 'The version of the existing record doesn\'t match the RowVersion property provided.');
    }
    const data = parseJson(req.body);
    this.store.update(set, id, data);
    return { status: 204 };
  }

  private checkIncoming(params: Record<string, unknown>, baseUrl: string): ApiResponse {
    const decision = checkIncoming(this.store, params as IncomingParams);
    return {
      status: 200,
      body: {
        '@odata.context': `${baseUrl}${API_PATH}$metadata#Microsoft.Dynamics.CRM.CheckIncomingEmailResponse`,
        ShouldDeliver: decision.ShouldDeliver, ReasonCode: decision.ReasonCode,
      },
    };
  }

  private deliverIncoming(req: ApiRequest): ApiResponse {
    const data = parseJson(req.body);
    for (const required of ['MessageId', 'From', 'To', 'Cc', 'Bcc', 'SubmittedBy', 'Importance', 'Body', 'Attachments']) {
      if (!(required in data)) return odataError(400, '0x80040203', `Required parameter ${required} is missing.`);
    }
    const { email, error } = deliverIncoming(this.store, data as DeliverParams);
    if (!email) return odataError(400, '0x80040203', error ?? 'not delivered');
    return {
      status: 200,
      body: { '@odata.context': `${req.baseUrl}${API_PATH}$metadata#Microsoft.Dynamics.CRM.DeliverIncomingEmailResponse`, EmailId: email.activityid },
    };
  }
}
