import { portFree, randomPort } from '@canvas-sync/testkit/servers';

/**
 * The port for a service: the variable's value when set (it must be free), else the default when
 * free, else any free one (said aloud, since the printed URLs change).
 */
export async function choosePort(env: NodeJS.ProcessEnv, variable: string, fallback: number): Promise<number> {
  const set = env[variable];
  if (set) {
    const port = Number(set);
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new Error(`${variable}=${set} is not a port`);
    if (!(await portFree(port))) throw new Error(`${variable}=${port} is already in use; free it or choose another`);
    return port;
  }
  if (await portFree(fallback)) return fallback;
  const port = await randomPort();
  console.log(`[start] port ${fallback} is in use; using ${port} instead (set ${variable} to choose)`);
  return port;
}
