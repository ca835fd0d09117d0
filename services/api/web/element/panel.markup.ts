/**
 * The panel's markup, stamped into each element's shadow root. Static (no data): every value the api
 * sends is written as text by the views (lib/dom.ts `h`), never as HTML.
 */
export const PANEL_MARKUP = `
<div class="panel" part="panel">
<p id="panel-status" class="status-text" role="status"></p>
<div class="alerts">
  <div id="alerts-polite" aria-live="polite" role="status"></div>
  <div id="alerts-urgent" aria-live="assertive" role="alert"></div>
</div>

<div id="app" hidden>
  <section id="connection" class="card" aria-labelledby="connection-h">
    <h2 id="connection-h">1. Connect Canvas</h2>
    <p id="conn-status" class="status-text" aria-live="polite"></p>
    <form id="conn-form" novalidate>
      <label for="conn-url">Canvas URL</label>
      <input id="conn-url" type="url" required placeholder="https://school.instructure.com" autocomplete="url" aria-describedby="conn-url-hint" />
      <p id="conn-url-hint" class="hint" aria-live="polite"></p>
      <div class="actions" id="conn-oauth-actions" hidden>
        <button type="submit" id="conn-oauth">Connect with Canvas</button>
        <button type="button" id="conn-token-toggle" class="secondary" aria-expanded="false" aria-controls="conn-token-part" hidden>Use a personal access token instead</button>
      </div>
      <div id="conn-token-part" hidden>
        <label for="conn-token">Access token <span class="hint">(Canvas → Account → Settings → New access token)</span></label>
        <input id="conn-token" type="password" autocomplete="off" spellcheck="false" placeholder="Leave empty to keep the saved token" />
        <div class="actions">
          <button type="submit" id="conn-save">Save and test</button>
        </div>
      </div>
    </form>
    <div class="actions" id="conn-manage" hidden>
      <button type="button" id="conn-reconnect" hidden>Reconnect Canvas</button>
      <button type="button" id="conn-test" class="secondary">Test connection</button>
      <button type="button" id="conn-disconnect" class="danger">Disconnect</button>
    </div>
  </section>

  <section id="new-sync" class="card" aria-labelledby="new-sync-h">
    <h2 id="new-sync-h">2. Choose what to sync</h2>
    <form id="sync-form">
      <fieldset>
        <legend>Scope</legend>
        <label class="inline"><input type="radio" name="scope" value="all" checked /> Everything</label>
        <label class="inline"><input type="radio" name="scope" value="term" /> One term</label>
        <label class="inline"><input type="radio" name="scope" value="course" /> One course</label>
        <div id="term-pick" hidden>
          <label for="term-select">Term</label>
          <select id="term-select"></select>
        </div>
        <div id="course-pick" hidden>
          <label for="course-select">Course</label>
          <select id="course-select"></select>
        </div>
        <p id="scope-note" class="hint"></p>
      </fieldset>
      <div class="row">
        <div>
          <label for="mode-select">Mode</label>
          <select id="mode-select">
            <option value="incremental">Incremental (changes only)</option>
            <option value="full">Full (also finds deletions)</option>
          </select>
        </div>
        <div>
          <label for="chunk-input">Chunk size <span class="hint">(5–50)</span></label>
          <input id="chunk-input" type="number" min="5" max="50" step="1" value="10" required />
        </div>
      </div>
      <div class="actions">
        <button type="submit" id="start-btn">Start sync</button>
        <button type="button" id="preview-btn" class="secondary">Preview (dry run)</button>
      </div>
    </form>
  </section>

  <section id="schedule" class="card" aria-labelledby="schedule-h"></section>

  <section id="current" class="card" hidden aria-labelledby="current-h">
    <h2 id="current-h">Current sync</h2>
    <p id="live-mode" class="live-mode"></p>
    <p class="status-line"><span id="cur-status" class="badge"></span> <span id="cur-kind"></span> <span id="cur-phase"></span></p>
    <div id="cur-bar" class="bar" role="progressbar" aria-label="Sync progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow="0">
      <div id="cur-fill" class="fill"></div>
    </div>
    <dl class="facts">
      <div><dt>Done</dt><dd id="cur-percent">0 %</dd></div>
      <div><dt>Units</dt><dd id="cur-units">–</dd></div>
      <div><dt>Elapsed</dt><dd id="cur-elapsed">–</dd></div>
      <div><dt>Time left</dt><dd id="cur-eta">–</dd></div>
    </dl>
    <div class="table-wrap"><table id="cur-counts" aria-label="Records so far"></table></div>
    <p id="cur-message" class="status-text" role="status" aria-live="polite"></p>
    <p id="cur-error" class="error" hidden></p>
    <div class="actions">
      <button type="button" id="cancel-btn" class="danger" hidden>Cancel sync</button>
      <button type="button" id="cur-reconnect" hidden>Reconnect Canvas</button>
      <button type="button" id="retry-btn" hidden>Retry (resume)</button>
    </div>
    <section id="diff" hidden aria-labelledby="diff-h">
      <h3 id="diff-h">Preview: what this sync would change</h3>
      <div id="diff-body"></div>
      <button type="button" id="apply-btn">Run this sync for real</button>
    </section>
  </section>

  <section id="history" class="card" aria-labelledby="history-h">
    <h2 id="history-h">History</h2>
    <div class="table-wrap">
      <table id="history-table">
        <thead>
          <tr><th scope="col">Started</th><th scope="col">Scope</th><th scope="col">Mode</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Records</th><th scope="col">Errors</th><th scope="col"><span class="sr-only">Actions</span></th></tr>
        </thead>
        <tbody id="history-body"></tbody>
      </table>
    </div>
    <p id="history-empty" class="hint" hidden>No syncs yet.</p>
    <button type="button" id="more-btn" class="secondary" hidden>Load more</button>
  </section>

  <section id="data" class="card" aria-labelledby="data-h">
    <h2 id="data-h">Your synced data</h2>
    <p class="hint">Disconnecting keeps what was synced. Deleting erases the courses, assignments, grades and sync history stored here for you; nothing changes in Canvas.</p>
    <div class="actions">
      <button type="button" id="data-delete" class="danger" aria-expanded="false" aria-controls="data-confirm">Delete my synced data</button>
    </div>
    <div id="data-confirm" class="confirm" role="group" aria-labelledby="data-confirm-text" hidden>
      <p id="data-confirm-text"><strong>Delete everything synced for you?</strong> This cannot be undone; you can sync again later.</p>
      <div class="actions">
        <button type="button" id="data-confirm-yes" class="danger">Yes, delete my synced data</button>
        <button type="button" id="data-confirm-no" class="secondary">Keep my data</button>
      </div>
    </div>
    <p id="data-status" class="status-text" aria-live="polite"></p>
  </section>
</div>
</div>
`;
