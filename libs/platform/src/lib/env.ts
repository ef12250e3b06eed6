import { z, ZodObject, ZodRawShape } from 'zod';

/**
 * Environment validation, one schema per concern, composed per app. A bad or missing
 * variable stops the app at boot with a message naming it.
 */
export class EnvError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid environment:\n  ${problems.join('\n  ')}\nSee .env.example for every variable and its default.`);
    this.name = 'EnvError';
  }
}

export function parseEnv<T extends ZodRawShape>(
  schema: ZodObject<T>,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<ZodObject<T>> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new EnvError(result.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`));
}

const intFromEnv = (def: number) => z.coerce.number().int().positive().default(def);

export const databaseEnv = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/mailrouter'),
  DATABASE_POOL_SIZE: intFromEnv(10),
});

export const natsEnv = z.object({
  NATS_URL: z.string().default('nats://127.0.0.1:4222'),
  /** Prefix of every subject, stream and bucket: lets several routers (or test runs) share a NATS. */
  NATS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'letters, digits, _ and - only, at most 32')
    .default('mr'),
  /** Replicas of every stream and bucket: 3 on a clustered JetStream (see docs/deploy.md). */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
});

export const secretsEnv = z.object({
  /** 32 bytes, base64 or hex: the AES-256-GCM key that seals every stored secret. */
  ROUTER_SECRET_KEY: z.string().min(1, 'is required (32 bytes as base64 or 64 hex digits)'),
  /** The id values sealed under ROUTER_SECRET_KEY carry; default: derived from the key (see secrets.ts). */
  ROUTER_SECRET_KEY_ID: z.string().optional(),
  /** Decrypt-only older keys, comma-separated `id:key` or bare keys: kept until a rotation re-sealed their values. */
  ROUTER_SECRET_KEYS_PREVIOUS: z.string().optional(),
});

export const apiEnv = z.object({
  ROUTER_API_TOKEN: z.string().min(16, 'must be at least 16 characters'),
});

export function portEnv(name: string, def: number) {
  return z.object({ [name]: z.coerce.number().int().min(0).max(65535).default(def) });
}

/** An optional URL; empty (as in .env.example) is the same as unset. */
const optionalUrl = z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional());

export const logEnv = z.object({
  LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
  /** json: one JSON object per line with the correlation and trace ids (the Kubernetes manifests set it); text: NestJS's console format. */
  LOG_FORMAT: z.enum(['json', 'text']).default('text'),
  /** OpenTelemetry: where spans go (OTLP/HTTP, e.g. http://otel-collector:4318); unset: not exported. Read by the exporter itself. */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalUrl,
  OTEL_SERVICE_NAME: z.string().optional(),
});

export { intFromEnv };
