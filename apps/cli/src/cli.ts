import { configApplyCommand, configExportCommand } from './commands/config.command';
import { importLegacyCommand } from './commands/import-legacy.command';
import { rulesCommand, statusCommand, testAccessCommand } from './commands/mailbox.commands';
import { publishCommand, traceCommand } from './commands/publish-trace.commands';
import { secretsRotateCommand, secretsStatusCommand } from './commands/secrets.commands';
import { EXIT, exitCodeOf } from './support/cli-errors';
import { CliIo, println } from './support/cli-io';
import { Command, contextFor, flag, parseCommandArgs } from './support/command';

/** Every command; the first words of the name are what the user types. */
export const COMMANDS: Command[] = [
  configExportCommand, configApplyCommand, importLegacyCommand, testAccessCommand, publishCommand, statusCommand, traceCommand,
  rulesCommand('deploy'), rulesCommand('remove'), secretsRotateCommand, secretsStatusCommand,
];

const GLOBAL_HELP = () =>
  [
    'mailrouter — the MailRouter configuration API from the command line',
    '',
    'usage: mailrouter <command> [options]   (mailrouter <command> --help for its options)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(22)} ${c.summary}`),
    '',
    'Environment: MAILROUTER_URL (default http://127.0.0.1:3000), MAILROUTER_TOKEN or ROUTER_API_TOKEN.',
    'Exit codes: 0 ok, 1 the operation reported failures, 2 usage or validation error,',
    '            3 cannot reach the API or the token was refused.',
  ].join('\n');

/** Runs one command line; returns the exit code (never calls process.exit, so tests can run it in-process). */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (!argv.length || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    println(argv.length ? io.stdout : io.stderr, GLOBAL_HELP());
    return argv.length ? EXIT.ok : EXIT.usage;
  }
  const cmd = [...COMMANDS].sort((a, b) => b.name.length - a.name.length).find((c) => c.name.split(' ').every((w, i) => argv[i] === w));
  if (!cmd) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${argv[0]} `));
    if (group.length && (argv.length === 1 || argv[1] === '--help' || argv[1] === '-h')) {
      println(io.stdout, group.map((c) => `usage: ${c.usage}\n  ${c.summary}`).join('\n'));
      return argv.length === 1 ? EXIT.usage : EXIT.ok;
    }
    println(io.stderr, `mailrouter: unknown command "${argv.slice(0, group.length ? 2 : 1).join(' ')}"\n\n${GLOBAL_HELP()}`);
    return EXIT.usage;
  }
  try {
    const args = parseCommandArgs(cmd, argv.slice(cmd.name.split(' ').length));
    if (flag(args, 'help')) {
      println(io.stdout, `usage: ${cmd.usage}\n\n${cmd.help}`);
      return EXIT.ok;
    }
    return await cmd.run(args, contextFor(io));
  } catch (err) {
    const code = exitCodeOf(err);
    println(io.stderr, `mailrouter ${cmd.name}: ${code === EXIT.failed && !(err as { exitCode?: number }).exitCode ? (err as Error).stack : (err as Error).message}`);
    return code;
  }
}
