#!/usr/bin/env node
// Runs the TypeScript CLI straight from source: tsx (a root devDependency) compiles on the fly.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
