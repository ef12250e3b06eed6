import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, Repository } from 'typeorm';
import type { TraceRequestV1 } from '@mailrouter/contracts';
import { RawMailStore } from '@mailrouter/messaging';
import { ReceivedMessageEntity } from '../entities/received-message.entity';

/** How much of a stored message is read to find its headers. */
const HEADER_BYTES = 64 * 1024;

/** Reads what incoming knows of received messages (and their stored raw headers) for the trace API. */
@Injectable()
export class IncomingTraceRepository {
  constructor(
    @InjectRepository(ReceivedMessageEntity) private readonly repo: Repository<ReceivedMessageEntity>,
    private readonly raws: RawMailStore,
  ) {}

  /**
   * Messages in the request's mailbox and time window (newest first); with `awaitingOnly`,
   * only those still waiting for the CRM's verdict (their raw message is still stored).
   */
  async find(q: TraceRequestV1, opts: { awaitingOnly: boolean; limit: number }): Promise<ReceivedMessageEntity[]> {
    const qb = this.repo.createQueryBuilder('m');
    if (q.mailboxId) qb.andWhere('m.mailbox_id = :mailboxId', { mailboxId: q.mailboxId });
    if (q.since) qb.andWhere('m.received_at >= :since', { since: q.since });
    if (q.until) qb.andWhere('m.received_at <= :until', { until: q.until });
    if (opts.awaitingOnly) qb.andWhere(new Brackets((w) => w.where('m.state = :state', { state: 'published' }).andWhere('m.raw_key IS NOT NULL')));
    return qb.orderBy('m.received_at', 'DESC').take(opts.limit).getMany();
  }

  async byIds(receivedIds: string[]): Promise<ReceivedMessageEntity[]> {
    if (receivedIds.length === 0) return [];
    return this.repo.createQueryBuilder('m').where('m.received_id IN (:...ids)', { ids: receivedIds }).getMany();
  }

  /** The header block of a stored message, or null when the store no longer holds it. */
  async headerBlock(rawKey: string): Promise<Buffer | null> {
    const raw = await this.raws.get(rawKey).catch(() => null);
    if (!raw) return null;
    const bytes = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.byteLength, HEADER_BYTES));
    const crlf = bytes.indexOf('\r\n\r\n');
    const lf = bytes.indexOf('\n\n');
    const end = [crlf, lf].filter((i) => i >= 0).sort((a, b) => a - b)[0];
    return end === undefined ? bytes : bytes.subarray(0, end);
  }
}
