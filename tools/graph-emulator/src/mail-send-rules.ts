/**
 * sendMail with a MIME body and the Inbox's messageRules, as the Graph EMULATOR serves them.
 * Docs: https://learn.microsoft.com/graph/api/user-sendmail (MIME: Content-Type text/plain, base64),
 * https://learn.microsoft.com/graph/outlook-send-mime-message ,
 * https://learn.microsoft.com/graph/api/resources/messagerule , …/api/mailfolder-post-messagerules ,
 * …/api/messagerule-update , …/api/messagerule-delete .
 */
import { randomBytes } from 'node:crypto';
import { ApiResponse, graphError, itemNotFound } from './graph-json';
import type { ApiRequest } from './mail-api';
import { summarise } from './mime';
import type { GraphStore, Mailbox, MessageRule } from './store';

const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}\s*$/;

export function handleSendMail(store: GraphStore, mbx: Mailbox, req: ApiRequest): ApiResponse {
  const type = String(req.headers['content-type'] ?? '');
  if (!type.toLowerCase().startsWith('text/plain')) {
    // The JSON form exists in Graph; this emulator only takes the MIME form MailRouter uses.
    return graphError(400, 'ErrorInvalidRequest', `The emulator accepts sendMail only as MIME (Content-Type: text/plain, base64); got '${type}'.`);
  }
  const text = req.body.toString('ascii').trim();
  if (!text || !BASE64.test(text)) return graphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
  const mime = Buffer.from(text, 'base64');
  const s = summarise(mime);
  const recipients = [...s.toRecipients, ...s.ccRecipients, ...s.bccRecipients].map((r) => r.emailAddress.address);
  const invalid = recipients.find((a) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(a));
  if (!recipients.length || invalid !== undefined) {
    return graphError(400, 'ErrorInvalidRecipients', `At least one recipient is not valid., Recipient '${invalid ?? ''}' is not resolved. All recipients must be resolved before a message can be submitted.`);
  }
  const from = s.from?.emailAddress.address.toLowerCase() ?? mbx.address;
  const sender = s.sender?.emailAddress.address.toLowerCase();
  if (!mayUseFrom(store, mbx.address, from, sender)) {
    return graphError(403, 'ErrorSendAsDenied', 'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account., Cannot submit message.');
  }
  store.sent.push({ mailbox: mbx.address, from, ...(sender ? { sender } : {}), recipients, mime, at: new Date().toISOString() });
  store.put(mbx.address, mime, 'sentitems', true);
  // Recipients hosted by this emulator receive it (without the Bcc header, as transport does).
  const delivered = stripHeader(mime, 'bcc');
  for (const address of new Set(recipients.map((a) => a.toLowerCase()))) if (store.mailbox(address)) store.deliver(address, delivered);
  return { status: 202 };
}

/**
 * From = the mailbox itself; or From = someone who granted this mailbox send-as; or on behalf:
 * Sender = this mailbox and From granted it send-on-behalf.
 */
function mayUseFrom(store: GraphStore, mailbox: string, from: string, sender: string | undefined): boolean {
  if (from === mailbox && (!sender || sender === mailbox)) return true;
  if (sender === mailbox && store.hasGrant(mailbox, from, 'send-on-behalf')) return true;
  return store.hasGrant(mailbox, from, 'send-as') && (!sender || sender === from);
}

function stripHeader(mime: Buffer, name: string): Buffer {
  const text = mime.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return mime;
  const head = text.slice(0, end).replace(new RegExp(`^${name}:.*(?:\\r?\\n[ \\t].*)*\\r?\\n?`, 'gim'), '');
  return Buffer.from(head + text.slice(end), 'latin1');
}

function ruleJson(r: MessageRule): MessageRule & { isReadOnly: boolean; hasError: boolean } {
  return { ...r, isReadOnly: false, hasError: false };
}

type RuleBody = Partial<Pick<MessageRule, 'displayName' | 'sequence' | 'isEnabled' | 'actions' | 'conditions'>>;

function parseRule(req: ApiRequest): RuleBody | ApiResponse {
  let body: RuleBody;
  try {
    body = JSON.parse(req.body.toString('utf8') || '{}') as RuleBody;
  } catch {
    return graphError(400, 'ErrorInvalidRequest', 'The request body is not valid JSON.');
  }
  for (const r of body.actions?.forwardAsAttachmentTo ?? []) {
    if (typeof r?.emailAddress?.address !== 'string' || !r.emailAddress.address.includes('@')) {
      return graphError(400, 'ErrorInvalidRecipients', 'forwardAsAttachmentTo has a recipient without a valid emailAddress.address.');
    }
  }
  return body;
}

export function handleMessageRules(store: GraphStore, mbx: Mailbox, rest: string[], req: ApiRequest): ApiResponse {
  const rules = store.rules(mbx.address);
  if (rest.length === 0 && req.method === 'GET') return { status: 200, json: { value: rules.map(ruleJson) } };
  if (rest.length === 0 && req.method === 'POST') {
    const body = parseRule(req);
    if ('status' in body) return body;
    if (!body.displayName || !body.actions) return graphError(400, 'ErrorInvalidRequest', 'A message rule needs a displayName and actions.');
    const rule: MessageRule = {
      id: `AQAAA${randomBytes(12).toString('base64url')}=`, displayName: body.displayName, sequence: body.sequence ?? rules.length + 1,
      isEnabled: body.isEnabled ?? true, actions: body.actions, ...(body.conditions ? { conditions: body.conditions } : {}),
    };
    rules.push(rule);
    return { status: 201, json: ruleJson(rule) };
  }
  const index = rest.length === 1 ? rules.findIndex((r) => r.id === rest[0]) : -1;
  if (index < 0) return itemNotFound();
  if (req.method === 'GET') return { status: 200, json: ruleJson(rules[index]) };
  if (req.method === 'DELETE') {
    rules.splice(index, 1);
    return { status: 204 };
  }
  if (req.method === 'PATCH') {
    const body = parseRule(req);
    if ('status' in body) return body;
    rules[index] = { ...rules[index], ...body, id: rules[index].id };
    return { status: 200, json: ruleJson(rules[index]) };
  }
  return graphError(405, 'ErrorInvalidRequest', `${req.method} is not supported on a message rule.`);
}
