import { spawn, type ChildProcess } from 'node:child_process';
import { get } from 'node:http';
import { createInterface } from 'node:readline';
import { startCanvasSim, type CanvasSim, type SimHostileKind } from '@canvas-sync/canvas-sim';
import { REPO_ROOT } from '@canvas-sync/testkit';

/** A hostile user's own Canvas server, in a process of its own, and a silent twin for its ground truth. */
export interface HostileServer {
  url: string;
  users: Array<{ id: number; token: string; kind: SimHostileKind }>;
  /**
   * The same seed and users in this process, never requested: the data the server holds. Only
   * `groundTruth` is meant to be used; its URLs (`html_url` …) name the server, not the twin.
   */
  twin: CanvasSim;
  child: ChildProcess;
  close(): Promise<void>;
}

/**
 * Starts the simulator's CLI with one tiny user per hostile kind, answering at once (5 ms) as an
 * attacker's server would. Its own process, so that compressing the 72 MiB bomb or streaming
 * 128 MiB never blocks the event loop of the normal users' simulator in the test process: on a
 * real deployment the attacker's CPU is not ours.
 */
export async function startHostileServer(kinds: readonly SimHostileKind[]): Promise<HostileServer> {
  const specs = kinds.map((kind) => ({ profile: 'tiny' as const, hostile: kind }));
  const child = spawn(process.execPath, ['packages/canvas-sim/bin/canvas-sim.js', '--port', '0', '--users', JSON.stringify(specs), '--latency-base', '5', '--latency-per-item', '0', '--latency-jitter', '0'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr?.on('data', (d: Buffer) => stderr.push(d.toString('utf8')));
  const first = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(line));
    child.once('exit', (code) => reject(new Error(`canvas-sim exited (${code}): ${stderr.join('')}`)));
  });
  const started = JSON.parse(first) as { port: number; users: Array<{ id: number; token: string }> };
  const twin = await startCanvasSim({ users: specs, latency: { baseMs: 5, perItemMs: 0 } });
  if (JSON.stringify(twin.users.map((u) => u.id)) !== JSON.stringify(started.users.map((u) => u.id))) throw new Error('the twin simulator does not hold the same users');
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${started.port}`;
  // The simulator compresses its bomb on first use (seconds of CPU on a busy machine, before the
  // headers): an attacker has it ready. Fetched once here, compressed bytes only, never decoded.
  const bomber = started.users[kinds.indexOf('gzipBomb')];
  if (bomber) await drain(`${url}/api/v1/courses?per_page=100`, bomber.token);
  // Canvas rows carry absolute URLs of the server that answered: the twin's name its own port.
  const asServed = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll(twin.url, url)) as T;
  const truth = Object.create(twin) as CanvasSim;
  truth.groundTruth = (userId) => asServed(twin.groundTruth(userId));
  truth.groundTruthCourse = (userId, courseId) => asServed(twin.groundTruthCourse(userId, courseId));
  return {
    url,
    users: started.users.map((u, i) => ({ id: u.id, token: u.token, kind: kinds[i]! })),
    twin: truth,
    child,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await twin.close();
    },
  };
}

/** GETs `url` with node:http (which does not decode gzip) and throws the body away. */
function drain(url: string, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' } }, (res) => {
      res.resume();
      res.once('end', () => resolve());
      res.once('error', reject);
    }).once('error', reject);
  });
}
