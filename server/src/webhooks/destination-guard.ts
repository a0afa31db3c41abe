import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

// Separate lists per family: one BlockList holding both matched IPv6 addresses against IPv4 rules.
const PRIVATE_V4 = new BlockList();
const PRIVATE_V6 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE_V4.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96]] as const) {
  PRIVATE_V6.addSubnet(net, bits, 'ipv6');
}

/** True when an address is loopback, private, link-local, CGNAT, multicast or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE_V4.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    return mapped ? PRIVATE_V4.check(mapped, 'ipv4') : PRIVATE_V6.check(address, 'ipv6');
  }
  return true;
}

/**
 * Why a destination may not receive webhooks, or undefined when it may. Every address the host
 * resolves to must be public unless the operator allows private ranges (WEBHOOK_ALLOW_PRIVATE).
 */
export async function destinationProblem(url: string, allowPrivate: boolean): Promise<string | undefined> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be http or https';
  if (u.username || u.password) return 'must not carry credentials';
  if (allowPrivate) return undefined;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    return `host ${host} does not resolve`;
  }
  const bad = addresses.find(isPrivateAddress);
  return bad ? `resolves to ${bad}, a private or loopback address (set WEBHOOK_ALLOW_PRIVATE=true to allow)` : undefined;
}
