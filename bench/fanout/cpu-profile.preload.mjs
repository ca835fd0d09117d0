import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

/**
 * `--import` this into a process (NODE_OPTIONS refuses `--cpu-prof`) to get a V8 CPU profile of
 * it, written to `$CPU_PROFILE_DIR/<pid>.cpuprofile` when it exits (open it in Chrome DevTools or
 * speedscope). The in-thread inspector session answers synchronously, so the exit handler can stop it.
 */
const dir = process.env.CPU_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  session.post('Profiler.start');
  process.on('exit', () => {
    session.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
