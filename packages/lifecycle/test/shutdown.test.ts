import { createShutdown } from '@switchboard/lifecycle';

const quiet = { info: () => undefined, error: () => undefined };

describe('createShutdown', () => {
  test('steps run once, in order, however many times shutdown is asked for', async () => {
    const calls: string[] = [];
    const shutdown = createShutdown({ timeoutMs: 1000, logger: quiet });
    shutdown.add('workers', () => calls.push('workers'));
    shutdown.add('redis', async () => calls.push('redis'));
    await Promise.all([shutdown.run('SIGTERM'), shutdown.run('SIGINT')]);
    await shutdown.run('again');
    expect(calls).toEqual(['workers', 'redis']);
  });

  test('a step that hangs past the deadline does not stop the later steps', async () => {
    const calls: string[] = [];
    const errors: string[] = [];
    const shutdown = createShutdown({ timeoutMs: 50, logger: { info: () => undefined, error: (_m, meta) => errors.push(String((meta as { step: string }).step)) } });
    shutdown.add('hangs', () => new Promise(() => undefined));
    shutdown.add('prisma', () => calls.push('prisma'));
    await shutdown.run('SIGTERM');
    expect(calls).toEqual(['prisma']);
    expect(errors).toEqual(['hangs']);
  });

  test('a failing step is reported and the rest still run', async () => {
    const calls: string[] = [];
    const shutdown = createShutdown({ timeoutMs: 1000, logger: quiet });
    shutdown.add('boom', () => {
      throw new Error('boom');
    });
    shutdown.add('after', () => calls.push('after'));
    await shutdown.run('test');
    expect(calls).toEqual(['after']);
  });
});
