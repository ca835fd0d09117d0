import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = new URL('.', import.meta.url).pathname;

async function sources(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sources(path)));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

describe('the published package', () => {
  it('imports only its own files: no server code, no Node built-ins, no dependencies (browsers bundle it small)', async () => {
    const foreign: string[] = [];
    for (const file of await sources(SRC)) {
      const text = await readFile(file, 'utf8');
      for (const match of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/g)) {
        if (!match[1]!.startsWith('./') && !match[1]!.startsWith('../')) foreign.push(`${file.slice(SRC.length)}: ${match[1]}`);
      }
      for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) foreign.push(`${file.slice(SRC.length)}: import(${match[1]})`);
    }
    expect(foreign).toEqual([]);
  });
});
