type Step = { name: string; run: () => Promise<unknown> | unknown };

export type ShutdownLogger = { info(message: string, meta?: object): unknown; error(message: string, meta?: object): unknown };

export type Shutdown = {
  /** Adds a step; steps run in the order they were added (stop taking work first, connections last). */
  add(name: string, run: Step['run']): void;
  /** Runs every step once, each bounded by what is left of the deadline. Idempotent. */
  run(reason: string): Promise<void>;
  /** Runs on SIGTERM/SIGINT, then exits (0, or 1 if a step failed or the deadline passed). */
  onSignals(exit?: (code: number) => void): void;
};

/**
 * Graceful shutdown written once: a list of steps bounded by one deadline. `worker.close()` and
 * `server.close()` have no timeout of their own, so each step races what is left of it.
 */
export function createShutdown(options: { timeoutMs: number; logger: ShutdownLogger }): Shutdown {
  const steps: Step[] = [];
  let running: Promise<void> | undefined;
  let failed = false;

  async function runSteps(reason: string): Promise<void> {
    const deadline = Date.now() + options.timeoutMs;
    options.logger.info('shutting down', { reason });
    for (const step of steps) {
      const left = deadline - Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${options.timeoutMs} ms`)), Math.max(left, 0));
          }),
        ]);
      } catch (err) {
        failed = true;
        options.logger.error('shutdown step failed', { step: step.name, error: (err as Error).message });
      } finally {
        clearTimeout(timer);
      }
    }
    options.logger.info('shut down', { reason, clean: !failed });
  }

  return {
    add(name, run) {
      steps.push({ name, run });
    },
    run(reason) {
      running ??= runSteps(reason);
      return running;
    },
    onSignals(exit = (code) => process.exit(code)) {
      const handler = (signal: NodeJS.Signals) => {
        if (running) {
          options.logger.info('second signal: exiting now', { signal });
          exit(1);
          return;
        }
        void this.run(signal).then(() => exit(failed ? 1 : 0));
      };
      process.on('SIGTERM', handler);
      process.on('SIGINT', handler);
    },
  };
}
