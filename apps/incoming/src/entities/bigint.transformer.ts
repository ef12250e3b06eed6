import type { ValueTransformer } from 'typeorm';

/** UIDVALIDITY and UIDs are unsigned 32-bit: stored as bigint, read back as numbers. */
export const bigintNumber: ValueTransformer = {
  to: (v: number | null | undefined) => v,
  from: (v: string | null) => (v === null || v === undefined ? null : Number(v)),
};
