import { applyTrackingToken, formatTrackingToken, TrackingTokenSettings } from '@mailrouter/domain';
import { findMangledTrackingToken } from './token-matching';

const PREFIXES = ['CRM:', 'T', 'Case#', '[Ticket]', 'x.y*z+?', 'ABCDEFGHIJKLMNOPQRST'];
const BASES = [0, 7, 42, 9999];
const DIGITS = [1, 3, 9];

const SETTINGS: TrackingTokenSettings[] = PREFIXES.flatMap((prefix) => BASES.flatMap((baseNumber) =>
  DIGITS.flatMap((userNumberDigits) => DIGITS.map((counterDigits) => ({ prefix, baseNumber, userNumberDigits, counterDigits })))));

const REPLIES = [
  (s: string) => `RE: ${s}`,
  (s: string) => `FW: RE: ${s}`,
  (s: string) => `AW: ${s}`,
  (s: string) => `SV: Re[2]: ${s}`,
  (s: string) => `Fwd: [EXT] ${s} (2 attachments)`,
];

describe('tracking tokens: round trips over the settings range', () => {
  it.each(SETTINGS.map((s) => [`${s.prefix} base ${s.baseNumber} user ${s.userNumberDigits} counter ${s.counterDigits}`, s] as const))(
    '%s: formatted, put in a subject, replied to → found again', (_name, settings) => {
      for (const [user, counter] of [[1, 1], [12, 345], [987654321, 123456789]]) {
        const token = formatTrackingToken(settings, user, counter);
        const subject = applyTrackingToken('Offer 2024 for 40 licences', token);
        for (const reply of REPLIES) {
          expect(findMangledTrackingToken(settings, reply(subject))).toBe(token);
          expect(findMangledTrackingToken(settings, reply('Offer 2024 for 40 licences'))).toBeUndefined();
        }
      }
    });
});

describe('tracking tokens mangled by mail clients and forwards', () => {
  const s: TrackingTokenSettings = { prefix: 'CRM:', baseNumber: 0, userNumberDigits: 3, counterDigits: 4 };
  const token = formatTrackingToken(s, 12, 345); // CRM:00120345

  it.each([
    ['lower case', `re: offer crm:00120345`],
    ['space after the prefix', `RE: Offer CRM: 00120345`],
    ['space inside the prefix', `RE: Offer CRM :00120345`],
    ['in brackets', `RE: [CRM:00120345] Offer`],
    ['at the start', `CRM:00120345 Offer`],
    ['glued to RE:', `RE:CRM:00120345 Offer`],
    ['digits split by a re-wrap', `FW: Offer CRM:0012 0345`],
    ['folded over two lines', `FW: Offer CRM:\r\n 00120345`],
  ])('%s: %s', (_name, subject) => {
    expect(findMangledTrackingToken(s, subject)).toBe(token);
  });

  it('does not take a longer number or a token of other dimensions', () => {
    expect(findMangledTrackingToken(s, 'RE: CRM:001203456')).toBeUndefined();
    expect(findMangledTrackingToken(s, 'RE: CRM:0012034')).toBeUndefined();
    expect(findMangledTrackingToken(s, 'RE: CRN:00120345')).toBeUndefined();
  });
});
