import { Injectable } from '@nestjs/common';
import { testSendingAccess, type AccessCheck, type ServerConnection } from '@mailrouter/mail-adapters';

/** The network side of test access, for real: SMTP (EHLO, STARTTLS, AUTH), EWS (GetFolder), Graph (token + folder). */
@Injectable()
export class OutgoingAccessRepository {
  test(conn: ServerConnection): Promise<AccessCheck> {
    return testSendingAccess(conn);
  }
}
