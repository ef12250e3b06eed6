import { parseArgs, ParseArgsConfig } from 'node:util';
import { ApiClient } from './api-client';
import { UsageError } from './cli-errors';
import type { CliIo } from './cli-io';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandContext {
  io: CliIo;
  /** Created on first use, so that --help and usage errors need no token. */
  api(): ApiClient;
}

export interface Command {
  /** `config export`, `publish`. */
  name: string;
  summary: string;
  /** Full --help text after the usage line. */
  help: string;
  usage: string;
  options: Options;
  allowPositionals: boolean;
  run(args: ParsedArgs, ctx: CommandContext): Promise<number>;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export const HELP_OPTION: Options = { help: { type: 'boolean', short: 'h' } };

export function parseCommandArgs(cmd: Command, argv: string[]): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...cmd.options, ...HELP_OPTION }, allowPositionals: cmd.allowPositionals, strict: true });
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, '')}\nusage: ${cmd.usage}`);
  }
}

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function contextFor(io: CliIo): CommandContext {
  let client: ApiClient | undefined;
  return { io, api: () => (client ??= ApiClient.fromEnv(io.env)) };
}
