import { CanvasSyncError, type CanvasSyncClient, type Course, type Term } from '@canvas-sync/client';
import type { Alerts } from '../lib/alerts.js';
import { h, type Dom } from '../lib/dom.js';
import type { Scope } from '../lib/types.js';

/** What the form asks `POST /api/v1/syncs` for. */
export interface StartRequest {
  scope: Scope;
  mode: 'full' | 'incremental';
  dryRun: boolean;
  chunkSize: number;
}

/** Step 2: scope (all / term / course from synced ones), mode, chunk size; start or preview. */
export class SyncFormView {
  private get form() { return this.dom.byId<HTMLFormElement>('sync-form'); }
  private get termPick() { return this.dom.byId('term-pick'); }
  private get coursePick() { return this.dom.byId('course-pick'); }
  private get termSelect() { return this.dom.byId<HTMLSelectElement>('term-select'); }
  private get courseSelect() { return this.dom.byId<HTMLSelectElement>('course-select'); }
  private get note() { return this.dom.byId('scope-note'); }
  private get mode() { return this.dom.byId<HTMLSelectElement>('mode-select'); }
  private get chunk() { return this.dom.byId<HTMLInputElement>('chunk-input'); }
  private readonly termNames = new Map<number, string>();
  private readonly courseNames = new Map<number, string>();

  constructor(
    private readonly dom: Dom,
    private readonly api: CanvasSyncClient,
    private readonly alerts: Alerts,
    private readonly onStarted: (id: string, dryRun: boolean, request?: StartRequest) => void,
  ) {
    for (const radio of this.radios()) radio.addEventListener('change', () => this.showPickers());
    this.termSelect.addEventListener('change', () => void this.loadCourses());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.start(false);
    });
    this.dom.byId('preview-btn').addEventListener('click', () => {
      if (this.form.reportValidity()) void this.start(true);
    });
  }

  termName = (id: number): string => this.termNames.get(id) ?? `#${id}`;
  courseName = (id: number): string => this.courseNames.get(id) ?? `#${id}`;

  /** (Re)reads the synced terms and courses for the pickers. */
  async loadPickers(): Promise<void> {
    const terms = await this.api.listTerms().catch(() => ({ items: [] as Term[] }));
    const previous = this.termSelect.value;
    this.termSelect.replaceChildren(h('option', { value: '' }, 'All terms'), ...terms.items.map((t) => h('option', { value: String(t.id) }, t.name ?? `Term ${t.id}`)));
    for (const t of terms.items) this.termNames.set(t.id, t.name ?? `Term ${t.id}`);
    if ([...this.termSelect.options].some((o) => o.value === previous)) this.termSelect.value = previous;
    await this.loadCourses();
  }

  /** Starts a sync with the same scope and mode as a preview, for real. */
  async startLike(scope: Scope, mode: 'full' | 'incremental'): Promise<void> {
    await this.request({ scope, mode, dryRun: false, chunkSize: this.chunkSize() });
  }

  private async loadCourses(): Promise<void> {
    const termId = this.termSelect.value === '' ? undefined : Number(this.termSelect.value);
    const courses = await this.api.listCourses({ termId }).catch(() => ({ items: [] as Course[] }));
    this.courseSelect.replaceChildren(...courses.items.map((c) => h('option', { value: String(c.id) }, c.name ?? c.courseCode ?? `Course ${c.id}`)));
    for (const c of courses.items) this.courseNames.set(c.id, c.name ?? c.courseCode ?? `Course ${c.id}`);
    const none = this.termSelect.options.length <= 1 && courses.items.length === 0;
    this.note.textContent = none ? 'Terms and courses appear here after the first sync of everything.' : '';
    for (const radio of this.radios()) if (radio.value !== 'all') radio.disabled = none;
    this.showPickers();
  }

  private radios(): HTMLInputElement[] {
    return [...this.form.querySelectorAll<HTMLInputElement>('input[name="scope"]')];
  }

  private scopeType(): string {
    return this.radios().find((r) => r.checked)?.value ?? 'all';
  }

  private showPickers(): void {
    const type = this.scopeType();
    this.termPick.hidden = type === 'all';
    this.coursePick.hidden = type !== 'course';
    this.termSelect.required = type === 'term';
    this.courseSelect.required = type === 'course';
  }

  private scope(): Scope | null {
    const type = this.scopeType();
    if (type === 'term') return this.termSelect.value ? { type: 'term', termId: Number(this.termSelect.value) } : null;
    if (type === 'course') return this.courseSelect.value ? { type: 'course', courseId: Number(this.courseSelect.value) } : null;
    return { type: 'all' };
  }

  private chunkSize(): number {
    return Math.min(50, Math.max(5, Math.round(Number(this.chunk.value) || 10)));
  }

  private async start(dryRun: boolean): Promise<void> {
    const scope = this.scope();
    if (!scope) return this.alerts.error('Pick a term or a course first.');
    await this.request({ scope, mode: this.mode.value === 'full' ? 'full' : 'incremental', dryRun, chunkSize: this.chunkSize() });
  }

  private async request(body: StartRequest): Promise<void> {
    const buttons = [...this.form.querySelectorAll('button')];
    for (const b of buttons) b.disabled = true;
    try {
      const started = await this.api.startSync(body);
      this.alerts.info(body.dryRun ? 'Preview started: nothing is written until you run it for real.' : 'Sync started.');
      this.onStarted(started.id, body.dryRun, body);
    } catch (err) {
      if (err instanceof CanvasSyncError && err.status === 409) {
        const id = (err.body.syncId ?? (err.body.error as { syncId?: string } | undefined)?.syncId) as string | undefined;
        this.alerts.error('A sync is already queued or running; showing it.');
        if (id) this.onStarted(id, false);
      } else if (err instanceof CanvasSyncError && err.status === 412) {
        this.alerts.error('Connect Canvas first (step 1).');
      } else {
        this.alerts.error(`The sync did not start: ${err instanceof Error ? err.message : 'unknown error'}`);
      }
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }
}
