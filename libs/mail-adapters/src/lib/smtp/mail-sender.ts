import type { FailureClass } from '@mailrouter/domain';

/** An address with an optional display name. Names are encoded by the composer, never pasted raw. */
export interface MailAddress {
  address: string;
  name?: string;
}

/** One message to send, already decided (subject with its token, Message-ID, threading). */
export interface OutgoingMessage {
  from: MailAddress;
  to: MailAddress[];
  cc?: MailAddress[];
  bcc?: MailAddress[];
  subject: string;
  text?: string;
  html?: string;
  /** `<id@host>`: the same email always carries the same Message-ID. */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  /** Extra headers (e.g. X-MailRouter-Email-Id). Values are folded/encoded, CR/LF never splits them. */
  headers?: Record<string, string>;
}

export interface SendSuccess {
  ok: true;
  accepted: string[];
  rejected: string[];
  /** The server's reply to the message, e.g. `250 2.0.0 OK queued as …`. */
  response: string;
  messageId: string;
}

export interface SendFailure {
  ok: false;
  /** transient: a later attempt may succeed (4xx, connection trouble); permanent: it will not (5xx, auth refused). */
  class: FailureClass;
  responseCode?: number;
  /** The server's own reply (`550 5.1.1 mailbox unavailable`) or the network error. */
  response: string;
  /**
   * The connection ended while an answer was outstanding, without any reply: the server may
   * have accepted the message before it went away (a drop after the DATA terminator looks
   * exactly like this). Sending again may deliver a second copy.
   */
  deliveryUnknown?: boolean;
}

export type SendOutcome = SendSuccess | SendFailure;

/** Sends mail through one server account. Implementations never throw from `send`: they classify. */
export interface MailSender {
  send(message: OutgoingMessage): Promise<SendOutcome>;
  close(): void;
}
