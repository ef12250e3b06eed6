/**
 * The EWS EMULATOR's folder and inbox-rule operations:
 * GetFolder, FindFolder, CreateFolder, GetInboxRules, UpdateInboxRules
 * (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getinboxrules-operation,
 *  …/updateinboxrules-operation).
 */
import { randomBytes } from 'node:crypto';
import { EwsError, folderXml, openMailbox, RequestContext, resolveFolder, responseMessage, responseMessages } from './soap';
import type { Mailbox, StoredRule } from './store';
import { child, descendants, escapeXml, NS, textAt, XmlElement } from './xml';

function holder(el: XmlElement): XmlElement {
  return { name: 'holder', ns: '', attrs: {}, children: [el], text: '' };
}

export function getFolder(ctx: RequestContext, req: XmlElement): string {
  const ids = child(req, 'FolderIds')?.children ?? [];
  const full = textAt(req, 'FolderShape', 'BaseShape') !== 'IdOnly';
  return responseMessages('GetFolder', ids.map((id) => responseMessage('GetFolder', () => {
    const { mb, folder } = resolveFolder(ctx, holder(id));
    return `<m:Folders>${folderXml(mb, folder, ctx.store, full)}</m:Folders>`;
  })));
}

/** FindFolder (shallow): the restriction understood is IsEqualTo folder:DisplayName. */
export function findFolder(ctx: RequestContext, req: XmlElement): string {
  const isEqualTo = child(child(req, 'Restriction'), 'IsEqualTo');
  const field = child(isEqualTo, 'FieldURI')?.attrs.FieldURI;
  const name = child(child(isEqualTo, 'FieldURIOrConstant'), 'Constant')?.attrs.Value;
  const full = textAt(req, 'FolderShape', 'BaseShape') !== 'IdOnly';
  const parents = child(req, 'ParentFolderIds')?.children ?? [];
  return responseMessages('FindFolder', parents.map((p) => responseMessage('FindFolder', () => {
    if (isEqualTo && field !== 'folder:DisplayName') throw new EwsError('ErrorUnsupportedQueryFilter', `The EWS EMULATOR only restricts FindFolder on folder:DisplayName, not ${field}.`);
    const { mb, folder } = resolveFolder(ctx, holder(p));
    const found = [...mb.folders.values()].filter((f) => f.parentId === folder.id && (!isEqualTo || f.displayName.toLowerCase() === name?.toLowerCase()));
    return `<m:RootFolder IndexedPagingOffset="${found.length}" TotalItemsInView="${found.length}" IncludesLastItemInRange="true">` +
      `<t:Folders>${found.map((f) => folderXml(mb, f, ctx.store, full)).join('')}</t:Folders></m:RootFolder>`;
  })));
}

export function createFolder(ctx: RequestContext, req: XmlElement): string {
  const folders = child(req, 'Folders')?.children ?? [];
  return responseMessages('CreateFolder', folders.map((f) => responseMessage('CreateFolder', () => {
    const { mb, folder: parent } = resolveFolder(ctx, child(req, 'ParentFolderId'));
    const name = textAt(f, 'DisplayName');
    if (!name) throw new EwsError('ErrorInvalidRequest', 'A folder needs a DisplayName.');
    if ([...mb.folders.values()].some((x) => x.parentId === parent.id && x.displayName.toLowerCase() === name.toLowerCase())) {
      throw new EwsError('ErrorFolderExists', 'A folder with the specified name already exists.');
    }
    const created = ctx.store.createFolder(mb.address, parent.id, name);
    return `<m:Folders>${folderXml(mb, created, ctx.store, false)}</m:Folders>`;
  })));
}

function ruleXml(r: StoredRule): string {
  const to = r.forwardAsAttachmentTo
    .map((a) => `<t:Address><t:EmailAddress>${escapeXml(a)}</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>OneOff</t:MailboxType></t:Address>`)
    .join('');
  return `<t:Rule><t:RuleId>${r.ruleId}</t:RuleId><t:DisplayName>${escapeXml(r.displayName)}</t:DisplayName><t:Priority>${r.priority}</t:Priority>` +
    `<t:IsEnabled>${r.isEnabled}</t:IsEnabled><t:IsNotSupported>false</t:IsNotSupported><t:IsInError>false</t:IsInError><t:Conditions/><t:Exceptions/>` +
    `<t:Actions>${to ? `<t:ForwardAsAttachmentToRecipients>${to}</t:ForwardAsAttachmentToRecipients>` : ''}</t:Actions></t:Rule>`;
}

/** GetInboxRules / UpdateInboxRules answer with a bare response element, not ResponseMessages. */
function bareResponse(operation: string, work: () => string): string {
  const open = `<${operation}Response xmlns="${NS.messages}" xmlns:m="${NS.messages}" xmlns:t="${NS.types}"`;
  try {
    return `${open} ResponseClass="Success"><ResponseCode>NoError</ResponseCode>${work()}</${operation}Response>`;
  } catch (err) {
    if (!(err instanceof EwsError)) throw err;
    return `${open} ResponseClass="Error"><MessageText>${escapeXml(err.message)}</MessageText><ResponseCode>${err.code}</ResponseCode><DescriptiveLinkKey>0</DescriptiveLinkKey></${operation}Response>`;
  }
}

function rulesMailbox(ctx: RequestContext, req: XmlElement): Mailbox {
  return openMailbox(ctx, textAt(req, 'MailboxSmtpAddress') || ctx.actingAs);
}

export function getInboxRules(ctx: RequestContext, req: XmlElement): string {
  return bareResponse('GetInboxRules', () => {
    const mb = rulesMailbox(ctx, req);
    return `<OutlookRuleBlobExists>false</OutlookRuleBlobExists><InboxRules>${mb.rules.map(ruleXml).join('')}</InboxRules>`;
  });
}

function ruleFrom(el: XmlElement | undefined, ruleId: string): StoredRule {
  const name = textAt(el, 'DisplayName');
  if (!el || !name) throw new EwsError('ErrorInboxRulesValidationError', 'A rule needs a DisplayName.');
  const actions = child(el, 'Actions');
  const unsupported = actions?.children.filter((a) => a.name !== 'ForwardAsAttachmentToRecipients') ?? [];
  if (unsupported.length) throw new EwsError('ErrorInboxRulesValidationError', `The EWS EMULATOR only runs ForwardAsAttachmentToRecipients, not ${unsupported.map((a) => a.name).join(', ')}.`);
  const forward = child(actions, 'ForwardAsAttachmentToRecipients');
  const to = forward ? descendants(forward, 'EmailAddress').map((e) => e.text.trim().toLowerCase()) : [];
  return { ruleId, displayName: name, priority: Number(textAt(el, 'Priority') ?? '1'), isEnabled: textAt(el, 'IsEnabled') !== 'false', forwardAsAttachmentTo: to };
}

/** UpdateInboxRules: all operations apply, or none (the first failing one is reported). */
export function updateInboxRules(ctx: RequestContext, req: XmlElement): string {
  return bareResponse('UpdateInboxRules', () => {
    const mb = rulesMailbox(ctx, req);
    const rules = mb.rules.map((r) => ({ ...r }));
    for (const op of child(req, 'Operations')?.children ?? []) {
      if (op.name === 'CreateRuleOperation') rules.push(ruleFrom(child(op, 'Rule'), randomBytes(8).toString('base64')));
      else if (op.name === 'SetRuleOperation' || op.name === 'DeleteRuleOperation') {
        const id = op.name === 'SetRuleOperation' ? textAt(op, 'Rule', 'RuleId') : textAt(op, 'RuleId');
        const at = rules.findIndex((r) => r.ruleId === id);
        if (at < 0) throw new EwsError('ErrorRuleNotFound', 'The rule was not found.');
        if (op.name === 'SetRuleOperation') rules[at] = ruleFrom(child(op, 'Rule'), rules[at].ruleId);
        else rules.splice(at, 1);
      } else throw new EwsError('ErrorInvalidRequest', `Unknown rule operation ${op.name}.`);
    }
    mb.rules = rules;
    return '';
  });
}

