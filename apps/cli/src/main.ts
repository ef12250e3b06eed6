// The `mailrouter` command (see docs/cli.md). Run through tools/register.js like the services.
import { runCli } from './cli';
import { processIo } from './support/cli-io';

runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`mailrouter: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
