/**
 * Address normalisation. Only the addr-spec decides a match: display names never do,
 * so `"ceo@ours.com" <x@evil.test>` is x@evil.test (callers pass the parsed address).
 */
export function normalizeAddress(address: string): string {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  if (at < 1) return trimmed.toLowerCase();
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1).toLowerCase().replace(/\.$/, '');
  // Local parts are case-sensitive by RFC 5321, but every mail system a CRM meets treats
  // them case-insensitively; the original router did the same.
  return `${local.toLowerCase()}@${domain}`;
}

const SIMPLE_ADDRESS = /^[^\s@<>()",;:\\[\]]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

/** True for a plain, routable addr-spec (no quoting, comments or display names). */
export function isPlainAddress(address: string): boolean {
  return address.length <= 254 && SIMPLE_ADDRESS.test(address);
}

export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}
