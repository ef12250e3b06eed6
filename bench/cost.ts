import type { CostSample } from './incoming.bench';
import { record } from './support/results';
import type { BenchSizes } from './support/scale';
import { round } from './support/stats';

/**
 * 5. Cost per message: CPU ms of each service process (/proc/<pid>/stat, before/after each
 * throughput run) per received and per sent message, against the baseline script's own CPU
 * per message in the same run. PostgreSQL, NATS and Dovecot are counted on neither side.
 */
export function costPerMessage(samples: CostSample[], sizes: BenchSizes): void {
  for (const s of samples) {
    const perService: Record<string, number> = {};
    let total = 0;
    for (const [app, ms] of Object.entries(s.cpuMsByService)) {
      perService[`${app}MsPerMsg`] = round(ms / s.messages, 3);
      total += ms;
    }
    const routerPerMsg = total / s.messages;
    const basePerMsg = s.baselineCpuMs / s.baselineMessages;
    record({
      name: `cost-per-message-${s.flow}-${s.label}`,
      what: `CPU milliseconds per ${s.flow} message (${s.label}), by service`,
      figures: { messages: s.messages, ...perService, totalMsPerMsg: round(routerPerMsg, 3) },
      baseline: { msPerMsg: round(basePerMsg, 3), kind: s.flow === 'received' ? 'the incoming baseline process' : 'the nodemailer pool baseline process' },
      ratio: { value: round(routerPerMsg / basePerMsg, 2), meaning: 'router CPU ms per message (all services) ÷ baseline CPU ms per message' },
      notes: ['every service is counted over the whole run, including its idle work meanwhile (poll ticks, claim loop, health checks)'],
    }, sizes);
  }
}
