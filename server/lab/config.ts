import path from 'node:path';

/** Everything the lab reads from the environment, in one place (documented in README). */
export interface LabConfig {
  /** HTTP port for pages and every lab endpoint; 0 picks a free one. */
  port: number;
  host: string;
  /** Serve pages with Next.js; integration tests run the API alone. */
  next: false | { dev: boolean; dir: string };
  /** SQLite file, or ':memory:'. */
  dbPath: string;
  /** Idle sessions are forgotten after this long. */
  sessionIdleMs: number;
  /** Server events kept per session for lab-channel resume and export. */
  eventLogSize: number;
  /** Largest request body accepted by lab endpoints. */
  maxBodyBytes: number;
  /** Enables /api/lab/test/* hooks used by end-to-end tests. Never on in normal use. */
  testHooks: boolean;
  /** MQTT over TCP for terminal clients (mosquitto_sub, ...); 0 picks a free port. */
  mqttPort: number;
  /** Native gRPC over cleartext HTTP/2 (h2c) for terminal clients and the lab's HTTP/2 client; 0 picks a free port. */
  grpcPort: number;
  /**
   * Record HTTP exchanges and SQL statements on the timeline. Always on in the lab; `npm run
   * bench:rest` turns it off in one of its servers to measure what recording costs, everything
   * else being the same. (The other protocols' taps don't read it.)
   */
  recordHttpAndSql: boolean;
  /**
   * Messages a second one WebSocket or socket.io connection may send before the lab refuses
   * them (a token bucket with a burst of twice this; see RateLimiter). `npm run bench:ws` raises
   * it for its closed-loop rounds, which measure the taps, not the flood control.
   */
  wsMessagesPerSecond: number;
  /**
   * New sessions one client address may create a minute, after a burst of `sessionBurst` (a token
   * bucket; see SessionLimit). 0 = no limit. Page loads without a session cookie count too. The
   * defaults let a class of 40 behind one NAT address open the lab at once, a few tabs each.
   * The benchmarks turn it off; the end-to-end server raises it.
   */
  sessionsPerMinute: number;
  sessionBurst: number;
  /**
   * The lab runs behind one reverse proxy that appends the client's address to X-Forwarded-For:
   * the session limit counts that address instead of the proxy's. Off, the header is ignored
   * (anyone can send one).
   */
  trustProxy: boolean;
}

function intFromEnv(name: string, fallback: number, env: Record<string, string | undefined>, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    const wanted = min === 0 ? 'a non-negative integer' : `an integer of at least ${min}`;
    throw new Error(`${name} must be ${wanted}, got "${raw}"`);
  }
  return value;
}

export function configFromEnv(env: Record<string, string | undefined> = process.env, root = process.cwd()): LabConfig {
  return {
    port: intFromEnv('PORT', 3000, env),
    host: env.HOST ?? '0.0.0.0',
    next: { dev: env.NODE_ENV !== 'production', dir: root },
    dbPath: env.LAB_DB ?? path.join(root, 'data', 'lab.sqlite'),
    sessionIdleMs: intFromEnv('LAB_SESSION_IDLE_MS', 2 * 60 * 60 * 1000, env),
    eventLogSize: intFromEnv('LAB_EVENT_LOG_SIZE', 20_000, env),
    maxBodyBytes: intFromEnv('LAB_MAX_BODY_BYTES', 1024 * 1024, env),
    testHooks: env.LAB_TEST_HOOKS === '1',
    mqttPort: intFromEnv('MQTT_PORT', 1883, env),
    grpcPort: intFromEnv('GRPC_PORT', 50051, env),
    recordHttpAndSql: true,
    // 0 would refuse every message: a lab nobody could use.
    wsMessagesPerSecond: intFromEnv('LAB_WS_MESSAGES_PER_SECOND', 20, env, 1),
    sessionsPerMinute: intFromEnv('LAB_SESSIONS_PER_MINUTE', 60, env),
    sessionBurst: intFromEnv('LAB_SESSIONS_BURST', 120, env, 1),
    trustProxy: env.LAB_TRUST_PROXY === '1',
  };
}
