export * from './messaging-observer';
export * from './metrics.settings';
export * from './router-metrics';
export * from './consumer-lag.sampler';
export * from './metrics.module';
