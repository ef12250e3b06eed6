import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ParsedMail } from 'mailparser';
import { classifyAutomaticMail, MailInspection, ParsedEmail } from '@mailrouter/domain';
import { errorMessage } from '@mailrouter/platform';
import { CRM_SETTINGS, CrmSettings } from '../settings';
import { authenticateMessage, cachingResolver, DnsResolve, parseBounce, sanitizeEmailHtml, systemResolve } from './inspection';
import { withoutNul } from './parse-mail';

/** Names (with record type) whose DNS answers are kept at once. */
const DNS_CACHE_ENTRIES = 10_000;

/**
 * What the router finds out about a received message before the CRM decides: SPF/DKIM/DMARC
 * of the From domain, whether it is an automatic message (auto-reply, bounce, bulk), the
 * outgoing email a bounce reports on; and the HTML body, sanitised before it is stored.
 */
@Injectable()
export class MailInspector {
  private readonly log = new Logger(MailInspector.name);

  /** DKIM / DMARC look-ups, cached for DNS_CACHE_SECONDS. */
  private readonly resolver: DnsResolve;

  constructor(@Inject(CRM_SETTINGS) private readonly settings: CrmSettings) {
    this.resolver = cachingResolver(systemResolve, { ttlMs: settings.dnsCacheSeconds * 1000, maxEntries: DNS_CACHE_ENTRIES });
  }

  async inspect(raw: Uint8Array, parsed: ParsedMail, email: ParsedEmail): Promise<{ email: ParsedEmail; inspection: MailInspection }> {
    const inspection: MailInspection = {};
    const contentType = (parsed.headers.get('content-type') as { value?: string } | string | undefined);
    const automatic = classifyAutomaticMail(parsed.headers as Map<string, unknown>, typeof contentType === 'string' ? contentType : (contentType?.value ?? ''));
    // Header words are quoted in the trail (PostgreSQL text): no NUL.
    inspection.automatic = { ...automatic, reason: withoutNul(automatic.reason) };
    const bounce = parseBounce(parsed);
    if (bounce) {
      inspection.bounce = {
        ...bounce, diagnostic: withoutNul(bounce.diagnostic), status: withoutNul(bounce.status), action: withoutNul(bounce.action),
        originalMessageId: withoutNul(bounce.originalMessageId), emailId: withoutNul(bounce.emailId),
      };
    }
    try {
      // A view of the raw message, not a copy of it (up to MAX_PARSE_BYTES).
      const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
      inspection.authentication = await authenticateMessage(bytes, { trustedAuthservIds: this.settings.trustedAuthservIds, resolver: this.resolver });
    } catch (err) {
      // Not decisive on its own: the trail shows that authentication could not be checked.
      this.log.warn(`could not authenticate a received message: ${errorMessage(err)}`);
    }
    const html = email.html === undefined ? undefined : sanitizeEmailHtml(email.html);
    return { email: { ...email, html }, inspection };
  }
}
