// The EWS EMULATOR's raw SOAP answers (no client library in between): framing, auth challenges,
// SyncFolderItems paging and errors.
import { EMULATOR_BANNER, EwsEmulator, startEwsEmulator } from './emulator';
import { child, descendants, NS, parseXml, textAt } from './xml';

let emu: EwsEmulator;
const BASIC = `Basic ${Buffer.from('anna:pw').toString('base64')}`;

beforeAll(async () => {
  emu = await startEwsEmulator();
  emu.store.addUser({ address: 'anna@contoso.test', username: 'anna', password: 'pw' });
});
afterAll(() => emu.close());

async function post(body: string, authorization = BASIC): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(emu.url, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', Authorization: authorization }, body });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const soap = (op: string) =>
  `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:m="${NS.messages}" xmlns:t="${NS.types}"><soap:Header><t:RequestServerVersion Version="Exchange2013"/></soap:Header><soap:Body>${op}</soap:Body></soap:Envelope>`;
const sync = (state?: string) =>
  soap(`<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id="inbox"/></m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ''}<m:MaxChangesReturned>1</m:MaxChangesReturned></m:SyncFolderItems>`);

it('refuses missing or wrong credentials with 401, NTLM and Basic challenges, and the emulator header', async () => {
  const res = await post(soap('<m:GetFolder/>'), `Basic ${Buffer.from('anna:bad').toString('base64')}`);
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toBe('NTLM, Basic realm="EWS EMULATOR"');
  expect(res.headers.get('x-mailrouter-emulator')).toBe(EMULATOR_BANNER);
});

it('answers malformed XML with an ErrorSchemaValidation SOAP fault', async () => {
  const res = await post('<soap:Envelope>');
  expect(res.status).toBe(500);
  const fault = child(child(parseXml(res.text), 'Body'), 'Fault');
  expect(textAt(fault, 'faultcode')).toBe('a:ErrorSchemaValidation');
  expect(textAt(fault, 'detail', 'ResponseCode')).toBe('ErrorSchemaValidation');
  expect(textAt(fault, 'faultstring')).toMatch(/undeclared namespace prefix "soap"/);
});

it('pages SyncFolderItems by MaxChangesReturned and continues from the returned state', async () => {
  emu.store.deliver('anna@contoso.test', 'Subject: one\r\n\r\n1');
  emu.store.deliver('anna@contoso.test', 'Subject: two\r\n\r\n2');
  const page = async (state?: string) => {
    const msg = descendants(parseXml((await post(sync(state))).text), 'SyncFolderItemsResponseMessage')[0];
    return { msg, state: textAt(msg, 'SyncState')!, last: textAt(msg, 'IncludesLastItemInRange'), ids: descendants(msg, 'ItemId').map((i) => i.attrs.Id) };
  };
  const first = await page();
  expect(first).toMatchObject({ last: 'false' });
  expect(first.ids).toHaveLength(1);
  const second = await page(first.state);
  expect(second).toMatchObject({ last: 'true' });
  expect(second.ids).toHaveLength(1);
  expect(second.ids[0]).not.toBe(first.ids[0]);
  expect((await page(second.state)).ids).toEqual([]);
  const bad = await page('bm90IGEgc3RhdGU=');
  expect(bad.msg.attrs.ResponseClass).toBe('Error');
  expect(textAt(bad.msg, 'ResponseCode')).toBe('ErrorInvalidSyncStateData');
});

it('names an operation it does not implement', async () => {
  const res = await post(soap('<m:ExpandDL/>'));
  expect(res.status).toBe(500);
  expect(res.text).toContain('does not implement ExpandDL');
});
