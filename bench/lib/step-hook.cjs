'use strict';
// node --require bench/lib/step-hook.cjs bin/qci …: appends to $STEP_LOG a timestamped line (ms since
// the process began) for each of qci's bundles loaded, file opened, process spawned and exited, socket
// opened, and qci's exit. bench/pull-steps.mjs turns them into the steps of a pull.
const { performance } = require('node:perf_hooks');
const fs = require('node:fs');
const lines = [];
const log = (s) => lines.push(`${performance.now().toFixed(1)} ${s}`);
log('hook start');
const Module = require('node:module');
const load = Module._load;
Module._load = function timedLoad(request, ...rest) {
  const start = performance.now();
  const result = load.call(this, request, ...rest);
  const ms = performance.now() - start;
  if (/dist\/|bin\/qci$/.test(request) || ms > 1)
    log(`load ${request} ${ms.toFixed(1)}ms`);
  return result;
};
const { ChildProcess } = require('node:child_process');
const spawn = ChildProcess.prototype.spawn;
ChildProcess.prototype.spawn = function timedSpawn(options, ...rest) {
  log(`spawn ${options.file} ${(options.args || []).slice(1, 3).join(' ')}`);
  const result = spawn.call(this, options, ...rest);
  log(`spawned ${this.pid}`);
  this.on('exit', (code) => log(`child exit ${code}`));
  return result;
};
const net = require('node:net');
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function timedConnect(...args) {
  log('connect');
  return connect.apply(this, args);
};
for (const name of ['readFileSync', 'statSync', 'openSync']) {
  const f = fs[name];
  fs[name] = function timed(p, ...rest) {
    log(`${name} ${p}`);
    return f.call(this, p, ...rest);
  };
}
const open = fs.promises.open;
fs.promises.open = function timedOpen(p, ...rest) {
  log(`open ${p}`);
  return open.call(this, p, ...rest);
};
const reallyExit = process.reallyExit;
process.reallyExit = function logged(code) {
  log(`exit ${code}`);
  fs.appendFileSync(process.env.STEP_LOG, `${lines.join('\n')}\n--- run\n`);
  return reallyExit.call(this, code);
};
