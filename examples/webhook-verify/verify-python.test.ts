import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { signatureHeader } from '../../services/writer/src/webhooks/webhook-signature.js';
import { sampleBody, webhookDocBlocks } from './docs-blocks.js';

/**
 * Runs the Python blocks of docs/webhooks.md with the machine's `python3`, so the snippet a Flask
 * host app copies is the one that was checked. No python3 is a failure, not a skip: CI has it.
 */
const SECRET = 'a-webhook-secret-of-32-characters!!';
const [verifyBlock, flaskBlock] = webhookDocBlocks('python');

function python(script: string, input: unknown): unknown {
  const run = spawnSync('python3', ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', timeout: 20_000, env: { ...process.env, CANVAS_SYNC_WEBHOOK_SECRET: SECRET } });
  if (run.error) throw new Error(`python3 is needed to test the Python verification snippet of docs/webhooks.md (${run.error.message}); install python3`);
  if (run.status !== 0) throw new Error(`python3 failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

describe('the documented Python verifier', () => {
  it('docs/webhooks.md has the verifier and the Flask route', () => {
    expect(verifyBlock).toContain('def verify_canvas_sync_signature(');
    expect(flaskBlock).toContain('@app.post(');
  });

  it('accepts what the dispatcher signs and refuses a bad signature or an old timestamp', () => {
    const now = Math.floor(Date.now() / 1000);
    const body = sampleBody();
    const good = signatureHeader(SECRET, body, now);
    const cases = [
      { name: 'good', header: good, body, expect: true },
      { name: 'other secret', header: signatureHeader('another-secret-of-32-characters!!!!', body, now), body, expect: false },
      { name: 'changed body', header: good, body: body.replace('completed', 'failed'), expect: false },
      { name: 'old', header: signatureHeader(SECRET, body, now - 360), body, expect: false },
      { name: 'future', header: signatureHeader(SECRET, body, now + 360), body, expect: false },
      { name: 'missing', header: null, body, expect: false },
      { name: 'malformed', header: 'v1=abc', body, expect: false },
    ];
    const script = `${verifyBlock}
import base64, json, sys
cases = json.load(sys.stdin)
print(json.dumps([verify_canvas_sync_signature("${SECRET}", c["header"], base64.b64decode(c["body"])) for c in cases]))
`;
    const results = python(script, cases.map((c) => ({ header: c.header, body: Buffer.from(c.body, 'utf8').toString('base64') })));
    expect(Object.fromEntries(cases.map((c, i) => [c.name, (results as boolean[])[i]]))).toEqual(Object.fromEntries(cases.map((c) => [c.name, c.expect])));
  });

  it('the Flask route answers 204 to a good delivery (and to its retry), 400 to a forged or old one', () => {
    const now = Math.floor(Date.now() / 1000);
    const body = sampleBody('evt-flask');
    const posts = [
      { header: signatureHeader(SECRET, body, now), body },
      { header: signatureHeader(SECRET, body, now), body },
      { header: signatureHeader('another-secret-of-32-characters!!!!', body, now), body },
      { header: signatureHeader(SECRET, body, now - 600), body },
    ];
    // Flask is what the snippet is for; without it the route is still compiled (a syntax error fails).
    const script = `import base64, json, sys
try:
    import flask  # noqa: F401
except ImportError:
    compile(${JSON.stringify(flaskBlock)}, "flask_block", "exec")
    print(json.dumps("flask-missing"))
    sys.exit(0)
exec(compile(${JSON.stringify(`${verifyBlock}\n${flaskBlock}`)}, "docs_webhooks", "exec"))
client = app.test_client()
statuses = []
for p in json.load(sys.stdin):
    r = client.post("/canvas-sync/webhook", data=base64.b64decode(p["body"]), headers={"Canvas-Sync-Signature": p["header"], "Content-Type": "application/json"})
    statuses.append(r.status_code)
print(json.dumps({"statuses": statuses, "seen": sorted(seen_event_ids)}))
`;
    const result = python(script, posts.map((p) => ({ header: p.header, body: Buffer.from(p.body, 'utf8').toString('base64') })));
    if (result === 'flask-missing') {
      console.warn('Flask is not installed for python3: the Flask route was only compiled (pip install flask to run it)');
      return;
    }
    expect(result).toEqual({ statuses: [204, 204, 400, 400], seen: ['evt-flask'] });
  });
});
