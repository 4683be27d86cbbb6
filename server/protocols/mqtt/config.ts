/** The broker's limits and backends. Numbers are the lab's choices, not MQTT's (which allows 256 MB packets). */
export interface MqttConfig {
  /** TCP listener for terminal clients; 0 picks a free port. From LabConfig (`MQTT_PORT`, default 1883). */
  port: number;
  host: string;
  /** Redis for persistent sessions, retained messages and pub/sub (`REDIS_URL`); memory when unset. */
  redisUrl: string | undefined;
  /** Largest packet accepted, fixed header included; bigger ones close the connection. */
  maxPacketBytes: number;
  /** Live MQTT connections one session may hold (a CONNECT flood gets "server unavailable"). */
  maxConnectionsPerSession: number;
  /** QoS 2 messages a client may have waiting for PUBREL. */
  maxInflightInbound: number;
  /** Messages a client may send before its CONNECT has been handled. */
  queueLimit: number;
  /** A client that stops reading for this long is disconnected, so it can't stall the broker. */
  drainTimeoutMs: number;
  /** A socket that sends no CONNECT within this long is closed. */
  connectTimeoutMs: number;
  /** Longest "broker down" a student can ask for. */
  maxDownSeconds: number;
}

export function mqttConfig(
  lab: { mqttPort?: number; host: string },
  env: Record<string, string | undefined> = process.env,
): MqttConfig {
  return {
    port: lab.mqttPort ?? 1883,
    host: lab.host,
    redisUrl: env.REDIS_URL || undefined,
    maxPacketBytes: 64 * 1024,
    // The benchmark raises it (1,000 publishers in one session); students get 50.
    maxConnectionsPerSession: Number(env.LAB_MQTT_MAX_CONNECTIONS) || 50,
    maxInflightInbound: 100,
    queueLimit: 42,
    drainTimeoutMs: 10_000,
    connectTimeoutMs: 10_000,
    maxDownSeconds: 120,
  };
}
