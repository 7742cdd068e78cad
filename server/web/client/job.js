// The job page's log view (served as /assets/job.js; no build step). Lines come from the API's
// SSE stream (every line so far, then live; EventSource resumes with Last-Event-ID after a
// dropped connection and lines at or below the last one held are skipped, so none shows twice).
// Only the rows in view are in the DOM: the log can be long without the page growing.
import { AnsiUp } from '/assets/ansi_up.js';

const LINE_HEIGHT = 20; // px: .log-row's height in app.css
const OVERSCAN = 40;
const FINAL = ['success', 'failure', 'skipped', 'cancelled'];

const box = document.getElementById('log');
const rowsEl = box.querySelector('.log-rows');
const space = box.querySelector('.log-space');
const followButton = document.getElementById('follow');
const showTimes = document.getElementById('show-times');
const count = document.getElementById('log-count');
const jobId = box.dataset.job;
const words = JSON.parse(box.dataset.words || '{}');

const lines = [];
let last = 0;
const collapsed = new Set();
let rows = [];
let following = true;
let programmatic = false;
let highlight = null;
let pendingJump = null;
/** Bumped when rows must be drawn anew though the window is the same (highlight, times, sections). */
let version = 0;
let shownKey = '';
const ansi = new AnsiUp();
ansi.use_classes = true;

/** What a terminal shows of a line with carriage returns: each part overwrites from column 0. */
function overwrite(text) {
  if (!text.includes('\r')) return text;
  let shown = '';
  for (const part of text.replace(/\r+$/, '').split('\r')) shown = part + shown.slice(part.length);
  return shown;
}

function addRows(from) {
  let step = from > 0 ? lines[from - 1].step : undefined;
  for (let i = from; i < lines.length; i++) {
    if (lines[i].step !== step) {
      step = lines[i].step;
      rows.push({ step });
    }
    if (!collapsed.has(step)) rows.push({ i });
  }
}

function rebuild() {
  rows = [];
  addRows(0);
}

function lineRow(line) {
  const row = document.createElement('div');
  row.className = 'log-row';
  if (line.stream === 'stderr') row.classList.add('stderr');
  if (highlight && line.number >= highlight[0] && line.number <= highlight[1]) row.classList.add('hl');
  const ln = document.createElement('a');
  ln.className = 'ln';
  ln.href = `#L${line.number}`;
  ln.textContent = String(line.number);
  row.append(ln);
  if (showTimes.checked) {
    const time = document.createElement('span');
    time.className = 'ts';
    time.textContent = new Date(line.time).toISOString().slice(11, 23);
    row.append(time);
  }
  const text = document.createElement('span');
  text.className = 'text';
  // ansi_up escapes the text; the reset keeps one line's colours out of the next one.
  text.innerHTML = ansi.ansi_to_html(`${overwrite(line.text)}\u001b[0m`);
  row.append(text);
  return row;
}

function stepRow(step) {
  const row = document.createElement('div');
  row.className = 'log-row step-row';
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.dataset.step = step;
  toggle.setAttribute('aria-expanded', String(!collapsed.has(step)));
  toggle.textContent = `${collapsed.has(step) ? '▸' : '▾'} ${step}`;
  row.append(toggle);
  return row;
}

function render() {
  space.style.height = `${rows.length * LINE_HEIGHT}px`;
  count.textContent = `${lines.length} lines`;
  const first = Math.max(0, Math.floor(box.scrollTop / LINE_HEIGHT) - OVERSCAN);
  const end = Math.min(rows.length, Math.ceil((box.scrollTop + box.clientHeight) / LINE_HEIGHT) + OVERSCAN);
  // Rows are rebuilt only when the window (to the row) or what it shows changed: repeated
  // renders and scrolls within a row keep the elements a click may be landing on.
  const key = `${first}:${end}:${rows.length}:${version}`;
  if (key === shownKey) return;
  shownKey = key;
  rowsEl.style.transform = `translateY(${first * LINE_HEIGHT}px)`;
  const frag = document.createDocumentFragment();
  for (let r = first; r < end; r++) {
    const row = rows[r];
    frag.append(row.i === undefined ? stepRow(row.step) : lineRow(lines[row.i]));
  }
  rowsEl.replaceChildren(frag);
}

/** Scrolls the log to `top` (the scroll event this causes is not the user's). */
function scrollLog(top) {
  space.style.height = `${rows.length * LINE_HEIGHT}px`;
  const before = box.scrollTop;
  box.scrollTop = top;
  programmatic = box.scrollTop !== before;
}

function scrollToRow(r) {
  scrollLog(Math.max(0, r * LINE_HEIGHT - box.clientHeight / 3));
}

function jumpIfReady() {
  if (!pendingJump) return;
  const r = rows.findIndex((row) => row.i !== undefined && lines[row.i].number === pendingJump);
  if (r < 0) return;
  pendingJump = null;
  following = false;
  followButton.hidden = false;
  scrollToRow(r);
}

function readHash() {
  const m = /^#L(\d+)(?:-L(\d+))?$/.exec(location.hash);
  highlight = m ? [Number(m[1]), Number(m[2] ?? m[1])].sort((a, b) => a - b) : null;
  pendingJump = highlight ? highlight[0] : null;
  version++;
  jumpIfReady();
  render();
}

let scheduled = false;
let added = 0;
function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    addRows(added);
    added = lines.length;
    jumpIfReady();
    if (following) scrollLog(rows.length * LINE_HEIGHT);
    render();
  });
}

box.addEventListener('scroll', () => {
  if (programmatic) programmatic = false;
  else {
    const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 2 * LINE_HEIGHT;
    following = atEnd;
    followButton.hidden = atEnd;
  }
  render();
});
followButton.addEventListener('click', () => {
  following = true;
  followButton.hidden = true;
  scrollLog(rows.length * LINE_HEIGHT);
  render();
});
rowsEl.addEventListener('click', (e) => {
  const toggle = e.target.closest('button[data-step]');
  if (!toggle) return;
  const step = toggle.dataset.step;
  if (collapsed.has(step)) collapsed.delete(step);
  else collapsed.add(step);
  rebuild();
  version++;
  render();
});
showTimes.addEventListener('change', () => {
  version++;
  render();
});
window.addEventListener('hashchange', readHash);

function showState(el, state) {
  const label = el.querySelector('.state');
  label.dataset.state = state;
  label.textContent = words[state] ?? state;
}

function setJobState(state) {
  box.dataset.state = state;
  showState(document.getElementById('job-state'), state);
  document.querySelector('link[rel="icon"]').href = `/assets/favicon/${state}.svg`;
}

async function refreshSteps() {
  const res = await fetch(`/api/jobs/${jobId}`, { credentials: 'same-origin' });
  if (!res.ok) return;
  const job = await res.json();
  for (const s of job.steps) {
    const li = document.querySelector(`li[data-step="${CSS.escape(s.name)}"]`);
    if (!li) continue;
    showState(li, s.status);
    const ms = s.result?.durationMs;
    li.querySelector('.duration').textContent =
      ms === undefined ? '' : ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
  }
  setJobState(job.state);
}

const stream = new EventSource(`/api/jobs/${jobId}/log/stream`);
stream.addEventListener('line', (e) => {
  const line = JSON.parse(e.data);
  if (line.number <= last) return;
  last = line.number;
  lines.push(line);
  schedule();
});
stream.addEventListener('end', (e) => {
  stream.close();
  setJobState(JSON.parse(e.data).state);
  void refreshSteps();
});
const poll = setInterval(() => {
  if (FINAL.includes(box.dataset.state)) clearInterval(poll);
  else void refreshSteps();
}, 1000);
readHash();
