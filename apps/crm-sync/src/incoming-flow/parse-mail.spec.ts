import { buildMime } from '@mailrouter/testing';
import { parseMail, UnparseableMailError } from './parse-mail';

describe('parseMail', () => {
  it('keeps only the addr-spec of a hostile display name, normalised', async () => {
    const raw = await buildMime({
      from: '"ceo@ours.test" <X@Evil.TEST>', to: ['Ann <ann@ours.test>', 'b@ours.test'], subject: 'Re: hi CRM:00010007',
      text: 'hello', messageId: '<Abc@Host.TEST>', inReplyTo: '<orig@ours.test>', references: ['<r1@x.test>', '<orig@ours.test>'],
      attachments: [{ filename: 'a.txt', content: 'abc', contentType: 'text/plain' }],
    });
    const p = await parseMail(raw);
    expect(p.from).toEqual({ address: 'x@evil.test', name: 'ceo@ours.test' });
    expect(p.to.map((t) => t.address)).toEqual(['ann@ours.test', 'b@ours.test']);
    expect(p.messageId).toBe('<Abc@host.test>');
    expect(p.inReplyTo).toBe('<orig@ours.test>');
    expect(p.references).toEqual(['<r1@x.test>', '<orig@ours.test>']);
    expect(p.attachments).toMatchObject([{ filename: 'a.txt', contentType: 'text/plain', size: 3 }]);
    expect(p.text?.trim()).toBe('hello');
  });

  it('rejects bytes that are not a message', async () => {
    await expect(parseMail(Buffer.from('this is not a mail'))).rejects.toBeInstanceOf(UnparseableMailError);
  });
});
