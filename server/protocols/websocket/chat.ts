import { type WebSocket, WebSocketServer } from 'ws';
import { parseJson } from '../../http/body';
import { HttpError, sendJson } from '../../http/errors';
import { refuseUpgrade, type SessionContext, type UpgradeContext } from '../../http/router';
import type { Lab } from '../../lab';
import { acceptWebSocket, connectionIdFrom, type TrackedSocket } from '../../lab/websocket';
import { MAX_FRAME_BYTES } from './limits';
import { Outages, outageMs } from './outages';
import {
  type ClientMessage,
  isRole,
  parseClientMessage,
  RateLimiter,
  RecentIds,
  type Role,
  type ServerMessage,
} from './protocol';

/** The balance lookup is slow on purpose, so chat lines visibly overtake it while it runs. */
export const BALANCE_DELAY_MS = 1_500;
/** Messages held per session and role while nobody of that role is connected. */
export const HELD_LIMIT = 100;
/** Server pings every live socket this often and terminates those that didn't answer the last one. */
export const HEARTBEAT_MS = 25_000;

interface Member {
  socket: TrackedSocket;
  as: Role;
}

/**
 * WebSocket /api/ws/chat?as=customer|agent — the support chat over raw `ws`.
 * Everyone in one session is in one chat (so a student can be both the
 * customer and the agent, in two panes); sessions never see each other.
 */
export function createRawChat(lab: Lab) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const outages = new Outages();
  const rooms = new Map<string, Set<Member>>();
  /** Slow answers still on their way: cleared at shutdown, so none fires after the database closes. */
  const pendingAnswers = new Set<ReturnType<typeof setTimeout>>();
  const seen = new Map<string, RecentIds>();
  /**
   * Store and forward: a message for a role with nobody of that role online
   * (the agent's page is reconnecting, say) waits here, and goes out when
   * one connects. Without it, a message could be acked yet reach no one.
   */
  const held = new Map<string, Map<Role, ServerMessage[]>>();
  lab.sessions.onExpire((id) => {
    seen.delete(id);
    held.delete(id);
    outages.end(id, 'chat');
  });

  const alive = new WeakSet<WebSocket>();
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  function send(member: Member, message: ServerMessage): void {
    const { ws } = member.socket;
    if (ws.readyState !== ws.OPEN) return;
    const text = JSON.stringify(message);
    ws.send(text);
    member.socket.recordMessage('out', Buffer.from(text), false);
  }

  async function push(member: Member, message: ServerMessage): Promise<void> {
    await lab.faults.delay(member.socket.sessionId);
    send(member, message);
  }

  function others(member: Member): Member[] {
    return [...(rooms.get(member.socket.sessionId) ?? [])].filter((m) => m !== member);
  }

  function balance(sessionId: string, account: string): Record<string, unknown> | null {
    const row = lab
      .sessionDb(sessionId)
      .get<{ id: string; owner: string; balance_cents: number; currency: string }>(
        'SELECT id, owner, balance_cents, currency FROM accounts WHERE session_id = :session AND id = ?',
        account,
      );
    return row ? { account: row.id, owner: row.owner, balance: row.balance_cents / 100, currency: row.currency } : null;
  }

  function hold(sessionId: string, role: Role, line: ServerMessage): void {
    let byRole = held.get(sessionId);
    if (!byRole) {
      byRole = new Map();
      held.set(sessionId, byRole);
    }
    const queue = byRole.get(role) ?? [];
    queue.push(line);
    byRole.set(role, queue.slice(-HELD_LIMIT));
  }

  /** Hands a newly connected member what was held for its role. */
  function release(member: Member): void {
    const byRole = held.get(member.socket.sessionId);
    const queue = byRole?.get(member.as);
    if (!byRole || !queue) return;
    byRole.delete(member.as);
    for (const line of queue) void push(member, line);
  }

  function handle(member: Member, message: ClientMessage): void {
    const { sessionId } = member.socket;
    switch (message.type) {
      case 'message': {
        let ids = seen.get(sessionId);
        if (!ids) {
          ids = new RecentIds();
          seen.set(sessionId, ids);
        }
        const fresh = ids.add(message.id);
        void push(member, { type: 'ack', id: message.id, duplicate: !fresh });
        // A re-sent message (its ack was lost in a drop) is acknowledged again but delivered only once.
        if (!fresh) return;
        const line: ServerMessage = { type: 'message', id: message.id, from: member.as, text: message.text };
        const recipients = others(member);
        for (const m of recipients) void push(m, line);
        const to: Role = member.as === 'customer' ? 'agent' : 'customer';
        if (!recipients.some((m) => m.as === to)) hold(sessionId, to, line);
        return;
      }
      case 'typing':
        for (const m of others(member)) void push(m, { type: 'typing', from: member.as, typing: message.typing });
        return;
      case 'delivered':
        for (const m of others(member)) void push(m, { type: 'delivered', id: message.id, by: member.as });
        return;
      case 'request': {
        const timer = setTimeout(() => {
          pendingAnswers.delete(timer);
          const result = balance(sessionId, message.params.account);
          send(
            member,
            result
              ? { type: 'response', id: message.id, result }
              : {
                  type: 'response',
                  id: message.id,
                  error: { code: 'not-found', message: `No account "${message.params.account}".` },
                },
          );
        }, BALANCE_DELAY_MS);
        pendingAnswers.add(timer);
        return;
      }
      default: {
        const unreachable: never = message;
        throw new Error(`unhandled message ${JSON.stringify(unreachable)}`);
      }
    }
  }

  function accept(ctx: UpgradeContext): void {
    const left = outages.remaining(ctx.sessionId, 'chat');
    if (left > 0) {
      const refusal = outages.refusal('The chat server', left);
      // On the timeline too: the browser only learns "1006", the server knows it said 503.
      lab.record(ctx.sessionId, {
        origin: 'server',
        protocol: 'websocket',
        kind: 'response',
        dir: 'out',
        conn: connectionIdFrom(ctx.url, 'websocket'),
        summary: `503 ${refusal.title}: upgrade refused, ${Math.ceil(left / 1000)} s of the outage left`,
        detail: { status: 503, statusText: refusal.title, url: ctx.url.pathname },
      });
      refuseUpgrade(ctx.socket, refusal);
      return;
    }
    const as = ctx.url.searchParams.get('as') ?? 'customer';
    if (!isRole(as)) {
      refuseUpgrade(ctx.socket, new HttpError(400, 'Unknown role', '"as" must be customer or agent, e.g. ?as=agent.'));
      return;
    }
    acceptWebSocket(
      ctx,
      wss,
      'websocket',
      (socket) => {
        const member: Member = { socket, as };
        const limiter = new RateLimiter(lab.config.wsMessagesPerSecond);
        let room = rooms.get(socket.sessionId);
        if (!room) {
          room = new Set();
          rooms.set(socket.sessionId, room);
        }
        room.add(member);
        alive.add(socket.ws);
        socket.ws.on('pong', () => alive.add(socket.ws));
        socket.ws.on('close', () => {
          room.delete(member);
          if (room.size === 0 && rooms.get(socket.sessionId) === room) rooms.delete(socket.sessionId);
        });
        send(member, { type: 'welcome', conn: socket.connId, as });
        release(member);
        socket.ws.on('message', (data, isBinary) => {
          const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
          socket.recordMessage('in', bytes, isBinary);
          if (!limiter.take()) {
            if (limiter.shouldWarn()) {
              send(member, {
                type: 'error',
                code: 'rate-limited',
                message: `Too many messages: this chat allows ${limiter.ratePerSecond} a second (bursts of ${limiter.burst}). Messages over the limit are dropped.`,
              });
            }
            return;
          }
          const parsed = isBinary
            ? ({ ok: false, code: 'bad-message', message: 'This chat speaks JSON text messages, not binary ones.' } as const)
            : parseClientMessage(bytes.toString('utf8'));
          if (!parsed.ok) send(member, { type: 'error', code: parsed.code, message: parsed.message });
          else handle(member, parsed.message);
        });
      },
      { capture: true, dropTarget: 'ws' },
    );
  }

  /** POST /api/ws/outage {"seconds":N} — drops the session's chat sockets and refuses its reconnects for N seconds. */
  function outage(ctx: SessionContext): void {
    const ms = outageMs(parseJson(ctx.req.headers['content-type'], ctx.body));
    outages.start(ctx.sessionId, 'chat', ms);
    const dropped = ctx.lab.connections.drop(ctx.sessionId, 'ws');
    ctx.lab.record(ctx.sessionId, {
      origin: 'server',
      protocol: 'lab',
      kind: 'fault',
      summary: `Chat server down for ${ms / 1000} s (for your session): dropped ${dropped.length}, refusing reconnects with 503`,
      detail: { fields: { action: 'outage', target: 'ws', ms, dropped: dropped.length } },
    });
    sendJson(ctx.res, 200, { dropped: dropped.length, downForMs: ms });
  }

  function close(): void {
    clearInterval(heartbeat);
    for (const timer of pendingAnswers) clearTimeout(timer);
    for (const client of wss.clients) client.close(1001, 'lab shutting down');
    wss.close();
  }

  return { accept, outage, close };
}
