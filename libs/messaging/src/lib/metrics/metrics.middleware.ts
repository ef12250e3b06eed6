import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { METRICS_SETTINGS, MetricsSettings } from './metrics.settings';
import { RouterMetrics } from './router-metrics';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Answers GET /metrics (Prometheus text format). A middleware, not a controller: it runs
 * before the app's guards, so the scrape does not need the API token. With METRICS_TOKEN set
 * it needs that token instead (a scrape-only credential); without it /metrics is open like
 * /health — keep the HTTP port inside the cluster (NetworkPolicy): the metrics carry mailbox
 * ids, no content.
 */
@Injectable()
export class MetricsMiddleware implements NestMiddleware {
  private readonly expected?: Buffer;

  constructor(private readonly metrics: RouterMetrics, @Inject(METRICS_SETTINGS) settings: MetricsSettings) {
    if (settings.token) this.expected = digest(settings.token);
  }

  async use(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.expected) {
      const presented = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
      if (!presented || !timingSafeEqual(digest(presented), this.expected)) {
        res.statusCode = 401;
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        res.end(JSON.stringify({ statusCode: 401, error: 'Unauthorized', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' }));
        return;
      }
    }
    const body = await this.metrics.scrape();
    res.statusCode = 200;
    res.setHeader('Content-Type', this.metrics.registry.contentType);
    res.end(body);
  }
}
