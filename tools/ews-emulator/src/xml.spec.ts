// The EWS EMULATOR's SOAP reading: namespaces by URI (not by prefix), entities, CDATA, and errors that name the problem.
import { child, descendants, NS, parseXml, textAt, XmlParseError } from './xml';

describe('parseXml', () => {
  it('resolves prefixes to namespace URIs, whatever the prefixes are', () => {
    const doc = parseXml(`<?xml version="1.0"?><env:Envelope xmlns:env="${NS.soap}" xmlns:msg="${NS.messages}" xmlns:typ="${NS.types}">` +
      '<env:Header><typ:ExchangeImpersonation><typ:ConnectingSID><typ:SmtpAddress>a@b.test</typ:SmtpAddress></typ:ConnectingSID></typ:ExchangeImpersonation></env:Header>' +
      '<env:Body><msg:GetItem><msg:ItemIds><typ:ItemId Id="AA=" ChangeKey="CK"/><typ:ItemId Id="BB="/></msg:ItemIds></msg:GetItem></env:Body></env:Envelope>');
    expect(doc).toMatchObject({ name: 'Envelope', ns: NS.soap });
    const op = child(doc, 'Body')!.children[0];
    expect(op).toMatchObject({ name: 'GetItem', ns: NS.messages });
    expect(descendants(op, 'ItemId').map((e) => [e.ns, e.attrs.Id])).toEqual([[NS.types, 'AA='], [NS.types, 'BB=']]);
    expect(textAt(child(doc, 'Header'), 'ExchangeImpersonation', 'ConnectingSID', 'SmtpAddress')).toBe('a@b.test');
  });

  it('a default namespace applies to unprefixed children; attributes lose their prefix', () => {
    const doc = parseXml(`<a:Root xmlns:a="urn:a"><Inner xmlns="urn:b" x:attr="1" xmlns:x="urn:x"><Leaf/></Inner></a:Root>`);
    expect(doc.children[0]).toMatchObject({ name: 'Inner', ns: 'urn:b', attrs: { attr: '1' } });
    expect(doc.children[0].children[0]).toMatchObject({ name: 'Leaf', ns: 'urn:b' });
  });

  it('decodes entities and keeps CDATA as is', () => {
    const doc = parseXml('<r a="&quot;q&quot; &amp; &#65;&#x42;">&lt;tag&gt; &amp; <![CDATA[<raw>&amp;]]></r>');
    expect(doc.attrs.a).toBe('"q" & AB');
    expect(doc.text).toBe('<tag> & <raw>&amp;');
  });

  it.each([
    ['<a><b></a>', /unexpected <\/a>.*open element is <b>/],
    ['<a>', /unclosed element <a>/],
    ['<p:a/>', /undeclared namespace prefix "p"/],
    ['<a/><b/>', /more than one root element/],
    ['just text', /no root element/],
    ['<a <b>', /malformed XML at offset 0/],
  ])('%j fails naming the problem', (doc, message) => {
    expect(() => parseXml(doc)).toThrow(XmlParseError);
    expect(() => parseXml(doc)).toThrow(message);
  });
});
