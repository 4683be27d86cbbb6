import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { SESSION } from './session';

/**
 * Every call must name a live lab session. The adapter resolves it from the
 * `x-lab-session` metadata (or the browser's cookie) and puts it in the
 * context; on the h2c port nothing else checks it, so this is the gate.
 */
export const requireSession: Interceptor = (next) => async (req) => {
  if (!req.contextValues.get(SESSION)) {
    throw new ConnectError(
      'This call names no live lab session. Send the metadata "x-lab-session: <id>" (POST /api/lab/sessions gives you an id; the lesson page shows yours).',
      Code.Unauthenticated,
    );
  }
  return next(req);
};
