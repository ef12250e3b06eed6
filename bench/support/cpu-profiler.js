/* eslint-disable @typescript-eslint/no-require-imports -- loaded with node --require before any transpiler, so plain CommonJS */
// Loaded with NODE_OPTIONS="--require …/cpu-profiler.js" (Node 20 refuses --cpu-prof in
// NODE_OPTIONS): profiles the whole process with the inspector and writes a .cpuprofile to
// BENCH_PROFILE_DIR when it exits or is sent SIGTERM (the in-process inspector session answers synchronously).
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  // The benchmark sends SIGWINCH (not a signal NestJS's shutdown hooks catch) when its clock starts: the profile then leaves out start-up
  // (module loading was a fifth of a whole-process profile) and the set-up between runs.
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    session.post('Profiler.start');
  };
  if (process.env.BENCH_PROFILE_FROM_SIGNAL === '1') process.on('SIGWINCH', start);
  else start();
  let written = false;
  const write = () => {
    if (written || !started) return;
    written = true;
    session.post('Profiler.stop', (err, res) => {
      if (err || !res) return;
      const app = (process.argv[process.argv.length - 1].match(/apps\/([^/]+)\//) || [])[1] || 'process';
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${app}-${process.pid}.cpuprofile`), JSON.stringify(res.profile));
    });
  };
  process.on('exit', write);
  // NestJS's shutdown hook re-raises SIGTERM after closing the app, so 'exit' never comes:
  // write at the first SIGTERM, and step aside so that the re-raised signal ends the process.
  const onTerm = () => {
    process.removeListener('SIGTERM', onTerm);
    write();
  };
  process.on('SIGTERM', onTerm);
}
