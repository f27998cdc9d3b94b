// `tfl sim-exchange` as a child process for the crash tests, until the command is registered in
// trader/cli.ts (then `npx tsx trader/main.ts sim-exchange ...` does the same).
import { InputError } from '../../trader/cli/errors';
import { simExchange } from '../../trader/commands/sim-exchange';

try {
  process.exitCode = await simExchange(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
} catch (err) {
  process.stderr.write(`sim-exchange: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof InputError ? 2 : 1;
}
