import { serverMessage, withTimeout } from './mailbox-session';
import { unstuff } from './pop3-session';

describe('POP3 byte-stuffing', () => {
  it('removes the extra dot of stuffed lines only, and restores the last line\'s CRLF', () => {
    const wire = Buffer.from('Subject: x\r\n\r\n..\r\n...two\r\nnot.stuffed\r\n..leading');
    expect(unstuff(wire).toString()).toBe('Subject: x\r\n\r\n.\r\n..two\r\nnot.stuffed\r\n.leading\r\n');
  });
  it('keeps a message that already ends with CRLF as it is', () => {
    expect(unstuff(Buffer.from('a\r\nb\r\n')).toString()).toBe('a\r\nb\r\n');
  });
});

describe('withTimeout', () => {
  it('rejects with what timed out and drops the connection', async () => {
    let dropped = false;
    await expect(withTimeout('IMAP FETCH', 20, new Promise(() => undefined), () => (dropped = true))).rejects.toThrow('IMAP FETCH timed out after 20 ms');
    expect(dropped).toBe(true);
  });
  it('passes a result through', async () => {
    await expect(withTimeout('x', 1000, Promise.resolve(7), () => undefined)).resolves.toBe(7);
  });
});

describe('serverMessage', () => {
  it('prefers the server\'s response text over the library\'s message', () => {
    expect(serverMessage(Object.assign(new Error('Command failed'), { responseText: 'Authentication failed.' }))).toBe('Authentication failed.');
    expect(serverMessage(new Error('connect ECONNREFUSED 127.0.0.1:1'))).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });
});
