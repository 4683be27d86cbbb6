import { BlockList, isIP } from 'node:net';

/**
 * Which URLs may be registered as webhook endpoints: only the lab's own
 * receivers. A hosted lab that POSTs wherever a student asks is an SSRF hole
 * (server-side request forgery): the request leaves from *inside* the host's
 * network, so it can reach admin ports, cloud metadata (169.254.169.254) and
 * other people's services that the student's own machine never could.
 *
 * The check is by parsing, never by connecting: the URL must name the lab
 * (the origin the request reached it at, or just a path) and a receiver path.
 * Deliveries then go to the lab's own listening port whatever host the URL
 * named, so even a forged Host header can't point the bank elsewhere.
 */

export const RECEIVER_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const RECEIVER_PATH = /^\/api\/webhooks\/receivers\/([^/]+)$/;
const MAX_URL_LENGTH = 2_000;

/** Loopback, private, link-local, carrier-grade NAT, multicast and reserved ranges: where SSRF does its damage. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
// IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are checked against the IPv4 ranges by BlockList itself.
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** True for names and addresses that point inside a network rather than at the public internet. */
export function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const family = isIP(host);
  if (family === 4) return PRIVATE.check(host, 'ipv4');
  if (family === 6) return PRIVATE.check(host, 'ipv6');
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host.endsWith('.local') ||
    host.endsWith('.internal') ||
    !host.includes('.')
  );
}

export type TargetCheck =
  | { ok: true; receiver: string; path: string }
  | { ok: false; reason: 'invalid' | 'private' | 'external' | 'not-a-receiver'; title: string; detail: string };

const SSRF =
  'The lab only delivers to its own receivers: a server that POSTs to any URL it is given can be steered at ' +
  "addresses only it can reach (its own admin ports, a cloud provider's metadata service at 169.254.169.254, " +
  'other machines on its private network). That attack is called server-side request forgery (SSRF). ';

function refuse(reason: Exclude<TargetCheck, { ok: true }>['reason'], title: string, detail: string): TargetCheck {
  return { ok: false, reason, title, detail };
}

/**
 * Checks a URL a student wants to register. `labOrigin` is the origin the
 * request reached the lab at (e.g. http://localhost:3000), or undefined when
 * unknown, in which case only a bare path is accepted.
 */
export function checkTarget(input: unknown, labOrigin: string | undefined): TargetCheck {
  const example = `${labOrigin ?? ''}/api/webhooks/receivers/my-app`;
  if (typeof input !== 'string' || input.trim() === '') {
    return refuse('invalid', 'Missing url', `Send {"url": "${example}"}: the receiver the bank should call.`);
  }
  if (input.length > MAX_URL_LENGTH) {
    return refuse('invalid', 'URL too long', `Endpoint URLs are limited to ${MAX_URL_LENGTH} characters.`);
  }
  let url: URL;
  try {
    url = new URL(input.trim(), labOrigin ?? 'http://lab.invalid');
  } catch {
    return refuse('invalid', 'Not a URL', `"${input}" is not a URL. Try ${example}.`);
  }
  const isPath = input.trim().startsWith('/') && !input.trim().startsWith('//');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse('invalid', 'Not an HTTP URL', `Webhooks are HTTP POSTs; "${url.protocol}" URLs can't receive them.`);
  }
  if (!isPath && url.origin !== labOrigin) {
    if (url.username || url.password || isPrivateHost(url.hostname)) {
      return refuse(
        'private',
        'Private address refused',
        `${SSRF}"${url.hostname}" is a loopback or private-network address${url.username ? ' (and the URL carries credentials)' : ''}, ` +
          `so registering it is refused. Register one of the lab's receivers instead: ${example}.`,
      );
    }
    return refuse(
      'external',
      'External URL refused',
      `${SSRF}"${url.host}" is not this lab, so registering it is refused. ` +
        `Register one of the lab's receivers instead: ${example}.`,
    );
  }
  const name = RECEIVER_PATH.exec(url.pathname)?.[1];
  if (url.search || url.hash || url.username || !name || !RECEIVER_NAME.test(name)) {
    return refuse(
      'not-a-receiver',
      'Not a lab receiver',
      `${url.pathname}${url.search} is not a receiver. Receivers live at /api/webhooks/receivers/<name>, where <name> is ` +
        '1-40 lowercase letters, digits or dashes (no query string). Anything else on the lab (its own API, a path that ' +
        `redirects elsewhere) is refused for the same reason external URLs are: SSRF. Try ${example}.`,
    );
  }
  return { ok: true, receiver: name, path: url.pathname };
}
