// Composition root of the trader: the only place (with the commands it dispatches to) that
// reads process state. Everything below receives typed arguments.
import { runCli } from './cli';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd() });
process.exitCode = code;
