import { defaultPort, draftProfile, profileProblems } from './profile.rules';

const defaults = { pollIntervalSeconds: 60, maxConnections: 4 };

describe('profile rules', () => {
  it('defaults the port by protocol and security', () => {
    expect([defaultPort('imap', 'none'), defaultPort('imap', 'starttls'), defaultPort('imap', 'tls')]).toEqual([143, 143, 993]);
    expect([defaultPort('pop3', 'starttls'), defaultPort('pop3', 'tls')]).toEqual([110, 995]);
    expect([defaultPort('smtp', 'starttls'), defaultPort('smtp', 'tls'), defaultPort('smtp', 'none')]).toEqual([587, 465, 25]);
  });

  it('fills defaults on create, and the poll interval only for incoming profiles', () => {
    const incoming = draftProfile({ name: 'in', direction: 'incoming', protocol: 'pop3', host: 'h', security: 'tls' }, undefined, defaults);
    expect(incoming).toMatchObject({ port: 995, pollIntervalSeconds: 60, maxConnections: 4, authType: 'basic', credentials: 'mailbox', allowInvalidCertificates: false });
    const outgoing = draftProfile({ name: 'out', direction: 'outgoing', protocol: 'smtp', host: 'h', security: 'starttls' }, undefined, defaults);
    expect(outgoing).toMatchObject({ port: 587, pollIntervalSeconds: null });
  });

  it('moves a default port with the security mode but keeps an explicit one', () => {
    const byDefault = draftProfile({ name: 'a', direction: 'incoming', protocol: 'imap', host: 'h', security: 'none' }, undefined, defaults);
    expect(draftProfile({ security: 'tls' }, byDefault, defaults).port).toBe(993);
    const explicit = { ...byDefault, port: 10143 };
    expect(draftProfile({ security: 'tls' }, explicit, defaults).port).toBe(10143);
  });

  it('keeps the password when absent, clears it on null', () => {
    const current = draftProfile({ name: 'a', direction: 'incoming', protocol: 'imap', host: 'h', password: 'pw' }, undefined, defaults);
    expect(current.hasPassword).toBe(true);
    expect(draftProfile({ host: 'other' }, current, defaults).hasPassword).toBe(true);
    expect(draftProfile({ password: null }, current, defaults).hasPassword).toBe(false);
  });

  it('names the protocol when it does not fit the direction', () => {
    const input = { name: 'a', direction: 'outgoing' as const, protocol: 'imap' as const, host: 'h' };
    expect(profileProblems(draftProfile(input, undefined, defaults), input).map((p) => p.field)).toEqual(['protocol']);
    const smtpIn = { name: 'a', direction: 'incoming' as const, protocol: 'smtp' as const, host: 'h' };
    expect(profileProblems(draftProfile(smtpIn, undefined, defaults), smtpIn).map((p) => p.field)).toEqual(['protocol']);
  });

  it("requires the username and password of a profile whose credentials are the profile's", () => {
    const input = { name: 'a', direction: 'incoming' as const, protocol: 'imap' as const, host: 'h', credentials: 'profile' as const };
    expect(profileProblems(draftProfile(input, undefined, defaults), input).map((p) => p.field)).toEqual(['username', 'password']);
    const none = { ...input, auth: { type: 'none' as const } };
    expect(profileProblems(draftProfile(none, undefined, defaults), none)).toEqual([]);
    const full = { ...input, username: 'u', password: 'p' };
    expect(profileProblems(draftProfile(full, undefined, defaults), full)).toEqual([]);
  });

  it('refuses a poll interval on an outgoing profile', () => {
    const input = { name: 'a', direction: 'outgoing' as const, protocol: 'smtp' as const, host: 'h', pollIntervalSeconds: 5 };
    expect(profileProblems(draftProfile(input, undefined, defaults), input).map((p) => p.field)).toEqual(['pollIntervalSeconds']);
  });
});
