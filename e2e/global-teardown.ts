import { PID_ENV, stopProcess } from './lab-server';

/** Stops the server started by global-setup.ts with SIGTERM (SIGKILL if it doesn't exit in 10 s). */
export default async function globalTeardown(): Promise<void> {
  const pid = Number(process.env[PID_ENV]);
  if (Number.isInteger(pid) && pid > 0) await stopProcess(pid);
}
