// The real `paperboy serve` for the browser tests: started on a free loopback port over a
// database, stopped with SIGTERM (SIGKILL after 20 s). Shared by site.test.mjs and xss.test.mjs.
import { spawn } from 'node:child_process';

// Resolves to { child, url } once the server says where it listens (`listen`: a free port by
// default).
export function startServer(binary, db, extraArgs = [], listen = '127.0.0.1:0') {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', '--db', db, '--listen', listen,
      '--access-log', 'off', ...extraArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    const timer = setTimeout(() => reject(new Error(`paperboy serve did not start:\n${log}`)),
      60_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      log += chunk;
      const m = log.match(/serving .* at (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`paperboy serve exited (${code}):\n${log}`));
    });
  });
}

export function stopServer(server) {
  if (!server || server.child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => server.child.kill('SIGKILL'), 20_000);
    server.child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    server.child.kill('SIGTERM');
  });
}
