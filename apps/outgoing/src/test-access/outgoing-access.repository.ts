import { Injectable } from '@nestjs/common';
import { testOutgoingAccess, type AccessCheck, type ServerConnection } from '@mailrouter/mail-adapters';

/** The network side of test access: connect, EHLO, STARTTLS, AUTH against the real server. */
@Injectable()
export class OutgoingAccessRepository {
  test(conn: ServerConnection): Promise<AccessCheck> {
    return testOutgoingAccess(conn);
  }
}
