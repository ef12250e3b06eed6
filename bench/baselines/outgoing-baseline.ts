import nodemailer from 'nodemailer';
import { ownCpuMs } from '../support/proc';

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
}

/** The outgoing baseline: nodemailer with a pool of 10 connections sending the same messages straight to the sink. */
export async function sendPooled(port: number, mails: OutgoingMail[]): Promise<{ messages: number; seconds: number; cpuMs: number }> {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 10, maxMessages: Infinity,
  });
  const t0 = performance.now();
  const cpu0 = ownCpuMs();
  try {
    await Promise.all(mails.map((m) => transport.sendMail(m)));
  } finally {
    transport.close();
  }
  return { messages: mails.length, seconds: (performance.now() - t0) / 1000, cpuMs: ownCpuMs() - cpu0 };
}
