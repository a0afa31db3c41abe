import type { Server } from 'node:http';

/**
 * Wires a benchmark server to the bench that forked it: tells it the port once listening, answers
 * `cpu` with the process's CPU time so far (the bench divides it by the requests served, a figure
 * that moves far less than req/s when other work shares the machine), and exits cleanly on
 * SIGTERM so that `--cpu-prof` writes its profile.
 */
export function serveBench(server: Server): void {
  server.once('listening', () => process.send?.({ port: (server.address() as { port: number }).port }));
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpuUs: process.cpuUsage().user + process.cpuUsage().system });
  });
  process.once('SIGTERM', () => process.exit(0));
}
