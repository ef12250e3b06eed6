import { Injectable, NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RouterMetrics } from './router-metrics';

/**
 * Answers GET /metrics (Prometheus text format). A middleware, not a controller: it runs
 * before the app's guards, so the scrape needs no API token (like /health). Keep the HTTP
 * port inside the cluster (NetworkPolicy) — the metrics carry mailbox ids, no content.
 */
@Injectable()
export class MetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: RouterMetrics) {}

  async use(_req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await this.metrics.scrape();
    res.statusCode = 200;
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.end(body);
  }
}
