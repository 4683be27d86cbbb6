import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { SESSION } from './session';

/**
 * Every call must name a live lab session. The adapter resolves it from the
 * `x-lab-session` metadata (or the browser's cookie); a call without one is
 * served by handlers behind this interceptor, which refuses it in the
 * caller's own protocol (UNAUTHENTICATED).
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
