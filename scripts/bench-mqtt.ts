/**
 * npm run bench:mqtt — messages per second through the lab's embedded broker
 * (aedes with the lab's namespaces and taps) at QoS 0 and QoS 1, with 1,000
 * publishers and one wildcard subscriber, and p99 publish→deliver latency;
 * the same client load against Debian's `mosquitto` as the reference.
 *
 * Each broker runs in its own process; the load runs in this one, over raw
 * TCP sockets with pre-encoded packets (mqtt.js would make the client the
 * bottleneck). Closed loop: publishers send round-robin while fewer than
 * WINDOW messages are on their way to the subscriber, so queues stay bounded
 * and latency means something.
 *
 *   npm run bench:mqtt                   full run
 *   BENCH_MQTT_QUICK=1 npm run bench:mqtt  short run, for checking the script
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqttPacket from 'mqtt-packet';
import { PacketFramer } from '../server/protocols/mqtt/wire';
import { type BenchChild, forkBenchChild, serveParent, startBenchLab } from './bench-lab-child';

const SELF = fileURLToPath(import.meta.url);
const QUICK = process.env.BENCH_MQTT_QUICK === '1';
const PUBLISHERS = 1000;
const MEASURE_MS = QUICK ? 3_000 : 8_000;
const WARMUP_MS = 1_000;
/** Messages allowed between publish and delivery at any time. */
const WINDOW = 1000;
const PAYLOAD_BYTES = 64;

// ---- The lab broker, in its own process: `tsx scripts/bench-mqtt.ts --serve` ----

async function serveLab(): Promise<void> {
  const { server, port } = await startBenchLab();
  const session = server.lab.sessions.create();
  const mqtt = server.lab.listeners.get('mqtt')?.port;
  if (!mqtt) throw new Error('the lab did not start its MQTT listener');
  serveParent({ port, mqtt, session } satisfies BrokerInfo, () => server.close());
}

/** Plain aedes on TCP, no lab: what the namespaces and taps cost. */
async function serveBare(): Promise<void> {
  const { Aedes } = await import('aedes');
  const broker = await Aedes.createBroker();
  const server = net.createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serveParent({ mqtt: (server.address() as AddressInfo).port } satisfies BrokerInfo);
}

/** What a broker process tells this one: its MQTT port, and for the lab a session to publish as. */
interface BrokerInfo {
  mqtt: number;
  port?: number;
  session?: string;
}

// ---- Load ----

interface Conn {
  socket: net.Socket;
  framer: PacketFramer;
  onPacket: (bytes: Buffer) => void;
}

function connect(port: number, clientId: string, username: string | undefined, onPacket: (bytes: Buffer) => void): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const conn: Conn = { socket, framer: new PacketFramer(), onPacket };
    let ready = false;
    socket.on('data', (chunk: Buffer) => {
      for (const p of conn.framer.push(chunk)) {
        if (!ready && p[0] === 0x20) {
          ready = true;
          if (p[3] !== 0) reject(new Error(`${clientId}: CONNACK ${p[3]}`));
          else resolve(conn);
        } else conn.onPacket(p);
      }
    });
    socket.on('error', reject);
    socket.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        keepalive: 0,
        clientId,
        username,
      }),
    );
  });
}

interface RunResult {
  qos: 0 | 1;
  msgsPerSec: number;
  p50: number;
  p99: number;
  delivered: number;
}

async function load(port: number, username: string | undefined, qos: 0 | 1): Promise<RunResult> {
  const latencies: number[] = [];
  let delivered = 0;
  let inFlight = 0;
  let measuring = false;
  let sendOne: (() => void) | undefined;
  const subscriber = await connect(port, `bench-sub-${qos}`, username, (p) => {
    if (p[0] === undefined || p[0] >> 4 !== 3) return; // only PUBLISH
    // PUBLISH: header, remaining length (varint), topic length + topic, [packet id], payload.
    let i = 1;
    while ((p[i] ?? 0) & 0x80) i++;
    i++;
    const topicLength = p.readUInt16BE(i);
    i += 2 + topicLength;
    const pubQos = ((p[0] ?? 0) >> 1) & 3;
    if (pubQos > 0) {
      subscriber.socket.write(Buffer.from([0x40, 0x02, p[i] ?? 0, p[i + 1] ?? 0])); // PUBACK
      i += 2;
    }
    const sentAt = p.readDoubleBE(i);
    inFlight--;
    sendOne?.();
    if (measuring) {
      delivered++;
      latencies.push(performance.now() - sentAt);
    }
  });
  subscriber.socket.write(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'bench/#', qos }] }));
  await new Promise((resolve) => setTimeout(resolve, 200));

  const publishers: Conn[] = [];
  for (let i = 0; i < PUBLISHERS; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, PUBLISHERS - i) }, (_, j) =>
        connect(port, `bench-pub-${qos}-${i + j}`, username, () => undefined),
      ),
    );
    publishers.push(...batch);
  }
  // One pre-encoded PUBLISH per publisher; the send time and packet id are patched in before each write.
  const templates = publishers.map((_, i) =>
    mqttPacket.generate({
      cmd: 'publish',
      topic: `bench/region-${i % 10}/atm-${i}`,
      payload: Buffer.alloc(PAYLOAD_BYTES),
      qos,
      messageId: qos ? 1 : undefined,
      dup: false,
      retain: false,
    }),
  );
  const payloadAt = templates.map((t) => t.length - PAYLOAD_BYTES);
  let next = 0;
  let messageId = 0;
  sendOne = () => {
    const i = next;
    next = (next + 1) % publishers.length;
    const packet = Buffer.from(templates[i] as Buffer);
    if (qos) {
      messageId = (messageId % 65535) + 1;
      packet.writeUInt16BE(messageId, (payloadAt[i] ?? 0) - 2);
    }
    packet.writeDoubleBE(performance.now(), payloadAt[i] ?? 0);
    inFlight++;
    publishers[i]?.socket.write(packet);
  };
  // Fill the window; from then on each delivery releases the next publish.
  while (inFlight < WINDOW) sendOne();
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS));
  measuring = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS));
  measuring = false;
  const elapsed = performance.now() - started;
  sendOne = undefined;
  for (const c of [...publishers, subscriber]) c.socket.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { qos, msgsPerSec: Math.round((delivered / elapsed) * 1000), p50: pct(0.5), p99: pct(0.99), delivered };
}

// ---- Brokers ----

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function startNodeBroker(mode: '--serve' | '--serve-bare'): Promise<BenchChild<BrokerInfo>> {
  return forkBenchChild<BrokerInfo>(SELF, [mode], {
    env: { LAB_MQTT_MAX_CONNECTIONS: String(PUBLISHERS + 10), NODE_ENV: 'production' },
  });
}

async function startMosquitto(): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-mosquitto-'));
  const conf = path.join(dir, 'mosquitto.conf');
  // Same ground rules as the lab: no per-client in-flight or queue cap in the way of the window.
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'max_inflight_messages 0',
      'max_queued_messages 0',
      'persistence false',
      '',
    ].join('\n'),
  );
  const child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return { child, port };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('mosquitto did not start');
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const fmt = (r: RunResult) =>
  `QoS ${r.qos}: ${r.msgsPerSec.toLocaleString('en').padStart(7)} msg/s   p50 ${r.p50.toFixed(1)} ms   p99 ${r.p99.toFixed(1)} ms   (${r.delivered.toLocaleString('en')} delivered)`;

async function main(): Promise<void> {
  console.log(
    `bench:mqtt — ${PUBLISHERS} publishers, 1 subscriber on bench/#, ${PAYLOAD_BYTES} B payloads, window ${WINDOW}, ${MEASURE_MS / 1000} s per run`,
  );
  const results: Record<string, RunResult[]> = { lab: [], aedes: [], mosquitto: [] };

  const lab = await startNodeBroker('--serve');
  for (const qos of [0, 1] as const) results.lab?.push(await load(lab.info.mqtt, lab.info.session, qos));
  await lab.stop();

  const bare = await startNodeBroker('--serve-bare');
  for (const qos of [0, 1] as const) results.aedes?.push(await load(bare.info.mqtt, undefined, qos));
  await bare.stop();

  const mosquitto = await startMosquitto();
  for (const qos of [0, 1] as const) results.mosquitto?.push(await load(mosquitto.port, undefined, qos));
  await stop(mosquitto.child);

  for (const [name, runs] of Object.entries(results)) {
    const title = {
      lab: 'lab broker (aedes + namespaces + taps)',
      aedes: 'plain aedes (no lab)',
      mosquitto: 'mosquitto (Debian)',
    }[name];
    console.log(`\n${title}`);
    for (const r of runs) console.log(`  ${fmt(r)}`);
  }
  console.log('\nlab / mosquitto throughput:');
  for (const qos of [0, 1] as const) {
    const l = results.lab?.[qos];
    const m = results.mosquitto?.[qos];
    if (l && m) console.log(`  QoS ${qos}: ${((l.msgsPerSec / m.msgsPerSec) * 100).toFixed(0)} % (goal: at least 50 %)`);
  }
}

if (process.argv.includes('--serve')) void serveLab();
else if (process.argv.includes('--serve-bare')) void serveBare();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
