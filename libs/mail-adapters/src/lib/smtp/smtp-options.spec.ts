import { smtpFailure } from './smtp-options';

function nodemailerError(fields: Record<string, unknown>): Error {
  return Object.assign(new Error(String(fields.message ?? 'failed')), fields);
}

describe('smtpFailure: whether the server may have the message after all', () => {
  it('a connection closed or reset with no reply, or silent past the socket timeout: delivery unknown', () => {
    expect(smtpFailure(nodemailerError({ code: 'ECONNECTION', command: 'CONN', message: 'Connection closed unexpectedly' }))).toMatchObject({ class: 'transient', deliveryUnknown: true });
    expect(smtpFailure(nodemailerError({ code: 'ESOCKET', originalCode: 'ECONNRESET' }))).toMatchObject({ deliveryUnknown: true });
    expect(smtpFailure(nodemailerError({ code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' }))).toMatchObject({ deliveryUnknown: true });
  });

  it('a reply, a refused connection or a timeout before the greeting: nothing was delivered', () => {
    for (const err of [
      nodemailerError({ code: 'EMESSAGE', responseCode: 421, response: '421 4.3.2 closing' }),
      nodemailerError({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 no such user' }),
      nodemailerError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }),
      nodemailerError({ code: 'ETIMEDOUT', timeoutType: 'CONNECTION_TIMEOUT' }),
      nodemailerError({ code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' }),
      nodemailerError({ code: 'EAUTH', responseCode: 535 }),
    ]) {
      expect(smtpFailure(err).deliveryUnknown).toBeUndefined();
    }
  });
});
