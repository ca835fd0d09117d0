// Preloaded into service processes with `BENCH_CPU_PROF=<dir>` (node refuses `--cpu-prof` in NODE_OPTIONS):
// profiles the whole life of the process and writes `<dir>/<service>-<pid>.cpuprofile` when it exits.
// The inspector session of the main thread answers synchronously, so the 'exit' handler can stop and write.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROF;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  const name = /services\/([^/]+)\//.exec(process.argv[1] ?? '')?.[1] ?? 'node';
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
