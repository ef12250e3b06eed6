import { checkReason, odataString } from './dataverse-vocabulary';
import { parseBatchResponse, retryAfterMs } from './web-api.client';

describe('Dataverse Web API helpers', () => {
  it('reads Retry-After as seconds or an HTTP date, else the fallback', () => {
    expect(retryAfterMs('3', 100)).toBe(3000);
    expect(retryAfterMs(null, 100)).toBe(100);
    expect(retryAfterMs('soon', 100)).toBe(100);
    const inTwoSeconds = new Date(Date.now() + 2000).toUTCString();
    expect(retryAfterMs(inTwoSeconds, 100)).toBeGreaterThan(500);
  });

  it('maps CheckIncomingEmail reason codes to the router\'s, unknown ones by the verdict', () => {
    expect(checkReason(0, false)).toEqual({ reason: 'duplicate', reasonText: expect.stringContaining('Duplicate (0)') });
    expect(checkReason(2, true).reason).toBe('correlation-match');
    expect(checkReason(7, false).reason).toBe('invalid-sender');
    expect(checkReason(-1, true)).toEqual({ reason: 'accept-all', reasonText: expect.stringContaining('reason code -1 (Unknown)') });
    expect(checkReason(-1, false).reason).toBe('no-recipient-match');
  });

  it('quotes OData string literals', () => {
    expect(odataString("o'neil@x.test")).toBe("'o''neil@x.test'");
  });

  it('parses a multipart $batch answer, change sets included, one response per request in order', () => {
    const text = [
      '--batchresponse_1', 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '',
      'HTTP/1.1 204 No Content', 'OData-Version: 4.0', '', '',
      '--batchresponse_1', 'Content-Type: multipart/mixed; boundary=changesetresponse_2', '',
      '--changesetresponse_2', 'Content-Type: application/http', '',
      'HTTP/1.1 412 Precondition Failed', 'Content-Type: application/json', '', '{"error":{"code":"0x80060882","message":"changed"}}',
      '--changesetresponse_2--', '',
      '--batchresponse_1--', '',
    ].join('\r\n');
    expect(parseBatchResponse('multipart/mixed; boundary=batchresponse_1', text)).toEqual([
      { status: 204, headers: { 'odata-version': '4.0' }, body: undefined },
      { status: 412, headers: { 'content-type': 'application/json' }, body: { error: { code: '0x80060882', message: 'changed' } } },
    ]);
  });
});
