import { configFromEnv } from './lab/config';
import { warmUpTickQueue } from './lab/warm-up';

process.env.NEXT_TELEMETRY_DISABLED ??= '1';

/** Process entry: `npm start` / `npm run dev`. */
async function main(): Promise<void> {
  const config = configFromEnv();
  // Before the lab's modules load: see warm-up.ts.
  await warmUpTickQueue();
  const { createLabServer } = await import('./app');
  const lab = await createLabServer(config);
  let port: number;
  try {
    port = await lab.listen();
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      console.error(
        code === 'EADDRINUSE'
          ? `[lab] Port ${config.port} is already in use. Stop whatever is using it, or start the lab on another port: PORT=3001 npm start (PORT=0 picks a free one).`
          : `[lab] Not allowed to listen on port ${config.port}. Pick a port above 1024: PORT=3001 npm start.`,
      );
      await lab.close();
      process.exit(1);
    }
    throw error;
  }
  const mode = config.next ? (config.next.dev ? 'development' : 'production') : 'API only';
  // Tests and scripts read this line to find the port.
  console.log(`[lab] API Patterns Lab (${mode}) listening on http://localhost:${port}`);

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    console.log(`[lab] ${signal}: closing connections and flushing the database…`);
    const force = setTimeout(() => process.exit(1), 5_000);
    force.unref();
    await lab.close();
    console.log('[lab] bye');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error('[lab] failed to start:', error);
  process.exit(1);
});
