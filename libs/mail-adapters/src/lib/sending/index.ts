import type { AccessCheck, ServerConnection } from '../endpoint';
import { EwsMailSender } from '../ews/ews-sender';
import { testEwsAccess } from '../ews/ews-access';
import { GraphMailSender } from '../graph/graph-sender';
import { testGraphAccess } from '../graph/graph-access';
import { testOutgoingAccess } from '../smtp/smtp-access';
import { SmtpSender } from '../smtp/smtp-sender';
import { IdleTrackingSender, type PooledSender } from '../smtp/smtp-sender-pool';

/** The outgoing protocol's sender: SMTP (a pooled transport), EWS (CreateItem MIME) or Graph (sendMail MIME). */
export function createMailSender(conn: ServerConnection): PooledSender {
  switch (conn.protocol) {
    case 'smtp':
      return new IdleTrackingSender(new SmtpSender(conn));
    case 'ews':
      return new IdleTrackingSender(new EwsMailSender(conn));
    case 'graph':
      return new IdleTrackingSender(new GraphMailSender(conn));
    default:
      throw new Error(`${conn.protocol} is not an outgoing protocol (smtp, ews or graph)`);
  }
}

/** Test access for sending, for real: SMTP EHLO/AUTH, EWS GetFolder, Graph token + folder. */
export function testSendingAccess(conn: ServerConnection): Promise<AccessCheck> {
  switch (conn.protocol) {
    case 'ews':
      return testEwsAccess(conn, 'outgoing');
    case 'graph':
      return testGraphAccess(conn, 'outgoing');
    case 'smtp':
      return testOutgoingAccess(conn);
    default:
      return Promise.resolve({ status: 'failure', message: `${conn.protocol} is not an outgoing protocol (smtp, ews or graph)` });
  }
}
