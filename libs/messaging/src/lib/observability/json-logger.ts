import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { logContext } from './tracing';

/**
 * LOG_FORMAT=json: one JSON object per line (time, level, service, context, message, pid, and
 * while a message is handled its correlationId, traceId and spanId), for a log collector; an
 * operator follows one mail through the four services with its receivedId or emailId:
 * `kubectl logs … | jq 'select(.correlationId == "<id>")'`. LOG_FORMAT=text: NestJS's console format.
 */
export class MailRouterLogger extends ConsoleLogger {
  constructor(private readonly service: string, format: 'json' | 'text', logLevels: LogLevel[]) {
    super(service, format === 'json' ? { json: true, colors: false, compact: true, logLevels } : { logLevels });
  }

  protected override getJsonLogObject(message: unknown, options: { context: string; logLevel: LogLevel; writeStreamType?: 'stdout' | 'stderr'; errorStack?: unknown }) {
    const base = super.getJsonLogObject(message, options);
    return { time: new Date(base.timestamp).toISOString(), service: this.service, ...base, ...logContext() };
  }
}
