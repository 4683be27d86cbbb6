/**
 * The REST lesson: resources on the session's bank, served by two stateless
 * instances behind a per-session round-robin, with HTTP caching,
 * conditional requests and Idempotency-Key on POST.
 */
import { TRACE_HEADER } from '../../../lib/lab-info';
import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import type { SessionContext } from '../../http/router';
import type { Lab } from '../../lab';
import { type InstanceName, isInstanceName, RoundRobin } from './balancer';
import { deployedVersion, deployVersion } from './bank';
import { createInstance, type RestInstance, type RestOperation } from './handler';
import { createRestTables, forgetRestSession } from './schema';

/** Every REST response names the instance that served it. */
export const INSTANCE_HEADER = 'x-lab-instance';
/** The fault target that destroys a session's in-flight REST requests. */
export const REST_DROP_TARGET = 'rest';

export function createRest(lab: Lab) {
  createRestTables(lab.db);
  // Two objects from the same factory: nothing but the name on the response tells them apart.
  const instances: Record<InstanceName, RestInstance> = { A: createInstance(), B: createInstance() };
  const balancer = new RoundRobin();
  lab.sessions.onExpire((id) => {
    balancer.forget(id);
    forgetRestSession(lab.db, id);
  });

  /**
   * A route handler that hands the request to the next instance up. While it
   * is in flight the request is a `rest` drop target, so the fault bar can
   * destroy its socket (the client sees a network error, not an HTTP answer).
   */
  const dispatch =
    (operation: RestOperation) =>
    async (ctx: SessionContext): Promise<void> => {
      const name = balancer.pick(ctx.sessionId);
      if (!name) {
        throw new HttpError(
          503,
          'No instance running',
          'Both REST instances are stopped for your session, so the load balancer has nowhere to send requests. ' +
            'Start one again: PUT /api/rest/instances/A with {"running":true}.',
          {},
          { 'retry-after': '5' },
        );
      }
      ctx.res.setHeader(INSTANCE_HEADER, name);
      const trace = ctx.req.headers[TRACE_HEADER];
      const id = typeof trace === 'string' ? trace : `rest-${ctx.req.socket.remotePort ?? 'request'}`;
      const untrack = ctx.lab.connections.track(ctx.sessionId, {
        id,
        protocol: REST_DROP_TARGET,
        // A method, not an arrow: under tsx every named arrow made per request also costs a defineProperty (keepNames).
        drop() {
          ctx.req.socket.destroy();
        },
      });
      ctx.res.once('close', () => {
        untrack();
        if (!ctx.res.writableFinished) {
          ctx.lab.record(ctx.sessionId, {
            origin: 'server',
            protocol: 'rest',
            kind: 'error',
            stream: typeof trace === 'string' ? trace : undefined,
            summary: `${ctx.req.method} ${ctx.url.pathname}: the connection was destroyed before the response was complete (instance ${name})`,
            detail: { method: ctx.req.method, url: ctx.url.pathname, fields: { instance: name } },
          });
        }
      });
      await instances[name][operation](ctx);
    };

  return {
    getAccount: dispatch('getAccount'),
    putAccount: dispatch('putAccount'),
    patchAccount: dispatch('patchAccount'),
    deleteAccount: dispatch('deleteAccount'),
    listTransactions: dispatch('listTransactions'),
    postTransaction: dispatch('postTransaction'),
    getTransaction: dispatch('getTransaction'),
    getMerchant: dispatch('getMerchant'),
    deleteCard: dispatch('deleteCard'),

    /** GET /api/rest/instances — which instances are up for this session. */
    listInstances(ctx: SessionContext): void {
      sendJson(ctx.res, 200, { instances: balancer.status(ctx.sessionId) });
    },

    /** PUT /api/rest/instances/{name} {"running": bool} — stop or start an instance, for this session only. */
    setInstance(ctx: SessionContext): void {
      const name = ctx.params.name;
      if (!isInstanceName(name)) {
        throw new HttpError(404, 'No such instance', `There are two instances, A and B; "${name}" is neither.`);
      }
      const body = parseJson(ctx.req.headers['content-type'], ctx.body) as { running?: unknown } | null;
      if (typeof body !== 'object' || body === null || typeof body.running !== 'boolean') {
        throw new HttpError(
          422,
          'Invalid field',
          'Send {"running": false} to stop the instance or {"running": true} to start it.',
        );
      }
      balancer.setRunning(ctx.sessionId, name, body.running);
      ctx.lab.record(ctx.sessionId, {
        origin: 'server',
        protocol: 'rest',
        kind: 'fault',
        summary: body.running
          ? `Instance ${name} started: the load balancer sends it requests again`
          : `Instance ${name} stopped (for your session): the load balancer routes around it`,
        detail: { fields: { instance: name, running: body.running } },
      });
      sendJson(ctx.res, 200, { instances: balancer.status(ctx.sessionId) });
    },

    /** GET /api/rest/deployment — which API version this session runs. */
    getDeployment(ctx: SessionContext): void {
      sendJson(ctx.res, 200, { version: deployedVersion(ctx.lab.sessionDb(ctx.sessionId)) });
    },

    /** PUT /api/rest/deployment {"version": 1|2} — v2 renames the account's `owner` to `holderName`. */
    setDeployment(ctx: SessionContext): void {
      const body = parseJson(ctx.req.headers['content-type'], ctx.body) as { version?: unknown } | null;
      const version = typeof body === 'object' && body !== null ? body.version : undefined;
      if (version !== 1 && version !== 2) {
        throw new HttpError(422, 'Invalid field', 'Send {"version": 2} to deploy v2, or {"version": 1} to roll back.');
      }
      deployVersion(ctx.lab.sessionDb(ctx.sessionId), version);
      ctx.lab.record(ctx.sessionId, {
        origin: 'server',
        protocol: 'rest',
        kind: 'note',
        summary:
          version === 2
            ? 'Deployed API v2: accounts now call "owner" "holderName" (no client was told)'
            : 'Rolled back to API v1: accounts have "owner" again',
        detail: { fields: { version } },
      });
      sendJson(ctx.res, 200, { version });
    },
  };
}

export type RestApi = ReturnType<typeof createRest>;
