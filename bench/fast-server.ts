/**
 * The Node fallback of the benches' fast loopback server, used when nginx is not installed: answers
 * every request with 200 {"ok":true}, keep-alive, in its own process (so it does not share the
 * generator's event loop). Prints one JSON line {"port": n} once it listens on 127.0.0.1.
 *
 *   node dist/bench/fast-server.js [--port N]
 */
import { createServer } from 'node:http';

const portArg = process.argv.indexOf('--port');
const port = portArg >= 0 ? Number(process.argv[portArg + 1]) : 0;
const body = Buffer.from('{"ok":true}');

const server = createServer((req, res) => {
  // Read (and discard) any request body so the connection can be reused.
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;
server.requestTimeout = 0;
server.listen({ host: '127.0.0.1', port, backlog: 4096 }, () => {
  const address = server.address();
  process.stdout.write(JSON.stringify({ port: typeof address === 'object' && address ? address.port : port }) + '\n');
});

const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
