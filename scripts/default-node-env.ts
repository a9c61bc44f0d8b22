// `npm start` (the README's quick start) runs through this: NODE_ENV=development when neither the
// environment nor `.env` sets it (node loads `.env` first, with --env-file-if-exists, and never
// overrides a variable already set), then the command given. Everything else, systemd units and
// containers included, runs the `start:*` scripts directly, where an unset NODE_ENV gets
// production's rules (see docs/decisions.md).
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: node scripts/default-node-env.ts <command> [args…]\n');
  process.exit(2);
}
if (!process.env.NODE_ENV) {
  process.env.NODE_ENV = 'development';
  process.stderr.write('NODE_ENV is unset: running with NODE_ENV=development (set NODE_ENV=production for a deployment)\n');
}
const child = spawn(command, args, { stdio: 'inherit', env: process.env });
// A terminal's Ctrl-C reaches the whole process group, the child included: only wait for it.
process.on('SIGINT', () => {});
for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal));
child.on('error', (err) => {
  process.stderr.write(`${command}: ${err.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
