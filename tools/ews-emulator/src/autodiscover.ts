/**
 * The EWS EMULATOR's SOAP Autodiscover: GetUserSettings at /autodiscover/autodiscover.svc, which
 * ews-javascript-api's AutodiscoverService calls
 * (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getusersettings-operation-soap).
 */
import type { EwsStore } from './store';
import { child, childrenNamed, descendants, escapeXml, NS, XmlElement } from './xml';

const ACTION = 'http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettingsResponse';

function userResponse(store: EwsStore, address: string, settings: string[], ewsUrl: string): string {
  if (!store.mailbox(address)) {
    return `<UserResponse><ErrorCode>InvalidUser</ErrorCode><ErrorMessage>Invalid user: '${escapeXml(address)}'</ErrorMessage>` +
      '<RedirectTarget i:nil="true"/><UserSettingErrors/><UserSettings/></UserResponse>';
  }
  const known: Record<string, string> = { InternalEwsUrl: ewsUrl, ExternalEwsUrl: ewsUrl, UserDisplayName: address, UserDN: `/o=Emulator/ou=Exchange/cn=Recipients/cn=${address}` };
  const values = settings.filter((s) => known[s] !== undefined)
    .map((s) => `<UserSetting i:type="StringSetting"><Name>${s}</Name><Value>${escapeXml(known[s])}</Value></UserSetting>`);
  const errors = settings.filter((s) => known[s] === undefined)
    .map((s) => `<UserSettingError><ErrorCode>SettingIsNotAvailable</ErrorCode><ErrorMessage>User setting '${s}' is not available.</ErrorMessage><SettingName>${s}</SettingName></UserSettingError>`);
  return '<UserResponse><ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage><RedirectTarget i:nil="true"/>' +
    `<UserSettingErrors>${errors.join('')}</UserSettingErrors><UserSettings>${values.join('')}</UserSettings></UserResponse>`;
}

export function getUserSettings(store: EwsStore, envelope: XmlElement, ewsUrl: string): string {
  const request = child(child(child(envelope, 'Body'), 'GetUserSettingsRequestMessage'), 'Request');
  const users = descendants(child(request, 'Users') ?? envelope, 'Mailbox').map((m) => m.text.trim());
  const settings = childrenNamed(child(request, 'RequestedSettings'), 'Setting').map((s) => s.text.trim());
  const responses = users.map((u) => userResponse(store, u, settings, ewsUrl)).join('');
  return `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${NS.soap}" xmlns:a="${NS.addressing}"><s:Header>` +
    `<a:Action s:mustUnderstand="1">${ACTION}</a:Action><h:ServerVersionInfo xmlns:h="${NS.autodiscover}" xmlns:i="${NS.xsi}">` +
    '<h:MajorVersion>15</h:MajorVersion><h:MinorVersion>1</h:MinorVersion><h:MajorBuildNumber>2507</h:MajorBuildNumber>' +
    '<h:MinorBuildNumber>6</h:MinorBuildNumber><h:Version>Exchange2015</h:Version></h:ServerVersionInfo></s:Header>' +
    `<s:Body><GetUserSettingsResponseMessage xmlns="${NS.autodiscover}"><Response xmlns:i="${NS.xsi}">` +
    `<ErrorCode>NoError</ErrorCode><ErrorMessage/><UserResponses>${responses}</UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>`;
}
