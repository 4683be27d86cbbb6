import { describe, expect, it } from 'vitest';
import { configFromEnv } from '../../server/lab/config';

describe('configFromEnv', () => {
  it('has working defaults: port 3000, dev mode, data/lab.sqlite, 2 h sessions, 1 MiB bodies, no test hooks', () => {
    const config = configFromEnv({}, '/srv/lab');
    expect(config).toEqual({
      port: 3000,
      host: '0.0.0.0',
      next: { dev: true, dir: '/srv/lab' },
      dbPath: '/srv/lab/data/lab.sqlite',
      sessionIdleMs: 2 * 60 * 60 * 1000,
      eventLogSize: 20_000,
      maxBodyBytes: 1024 * 1024,
      testHooks: false,
      mqttPort: 1883,
      grpcPort: 50051,
      recordHttpAndSql: true,
      wsMessagesPerSecond: 20,
      sessionsPerMinute: 60,
      sessionBurst: 120,
      trustProxy: false,
    });
  });

  it('reads every setting from the environment', () => {
    const config = configFromEnv(
      {
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ENV: 'production',
        LAB_DB: ':memory:',
        LAB_SESSION_IDLE_MS: '1000',
        LAB_EVENT_LOG_SIZE: '50',
        LAB_MAX_BODY_BYTES: '2048',
        LAB_TEST_HOOKS: '1',
        MQTT_PORT: '1884',
        GRPC_PORT: '50052',
        LAB_WS_MESSAGES_PER_SECOND: '5',
        LAB_SESSIONS_PER_MINUTE: '0',
        LAB_SESSIONS_BURST: '3',
        LAB_TRUST_PROXY: '1',
      },
      '/srv/lab',
    );
    expect(config).toEqual({
      port: 0,
      host: '127.0.0.1',
      next: { dev: false, dir: '/srv/lab' },
      dbPath: ':memory:',
      sessionIdleMs: 1000,
      eventLogSize: 50,
      maxBodyBytes: 2048,
      testHooks: true,
      mqttPort: 1884,
      grpcPort: 50052,
      recordHttpAndSql: true,
      wsMessagesPerSecond: 5,
      sessionsPerMinute: 0,
      sessionBurst: 3,
      trustProxy: true,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(configFromEnv({ PORT: '' }).port).toBe(3000);
  });

  it('test hooks need exactly LAB_TEST_HOOKS=1', () => {
    expect(configFromEnv({ LAB_TEST_HOOKS: 'true' }).testHooks).toBe(false);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '-1'],
    ['LAB_EVENT_LOG_SIZE', '1.5'],
    ['LAB_SESSION_IDLE_MS', '10m'],
  ])('refuses %s=%s with a message naming the variable and the value', (name, value) => {
    expect(() => configFromEnv({ [name]: value })).toThrow(`${name} must be a non-negative integer, got "${value}"`);
  });

  it('refuses a session burst of 0, which would refuse every new session (LAB_SESSIONS_PER_MINUTE=0 turns the limit off)', () => {
    expect(() => configFromEnv({ LAB_SESSIONS_BURST: '0' })).toThrow(
      'LAB_SESSIONS_BURST must be an integer of at least 1, got "0"',
    );
  });

  it('refuses a flood limit of 0 messages a second, which would refuse every message', () => {
    expect(() => configFromEnv({ LAB_WS_MESSAGES_PER_SECOND: '0' })).toThrow(
      'LAB_WS_MESSAGES_PER_SECOND must be an integer of at least 1, got "0"',
    );
  });
});
