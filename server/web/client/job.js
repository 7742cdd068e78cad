// The job page's log view (served as /assets/job.js; no build step). The page holds the log's
// outline (line count and step sections, `data-outline`), from which every row is laid out,
// and its last lines (`data-tail`, where it opens); other lines are fetched as they come into
// view (log-lines.js); while the job runs, new lines come over SSE (EventSource resumes with
// Last-Event-ID after a dropped connection; lines at or below the last one held are skipped,
// so none shows twice). Only the rows in view are in the DOM, however long the log.
import { AnsiUp } from '/assets/ansi_up.js';
import { LogLayout } from '/assets/log-layout.js';
import { LineStore } from '/assets/log-lines.js';
import { LogSearch } from '/assets/log-search.js';

const LINE_HEIGHT = 20; // px: .log-row's height in app.css
const OVERSCAN = 40;
/** The tallest scroll area drawn; a longer log scrolls proportionally (browsers cap heights). */
const MAX_SPACE = 8_000_000;
const FINAL = ['success', 'failure', 'skipped', 'cancelled'];

const $ = (id) => document.getElementById(id);
const box = $('log');
const rowsEl = box.querySelector('.log-rows');
const space = box.querySelector('.log-space');
const followButton = $('follow');
const showTimes = $('show-times');
const wrapLines = $('wrap-lines');
const count = $('log-count');
const jobId = box.dataset.job;
const words = JSON.parse(box.dataset.words || '{}');

let following = true;
let programmatic = false;
let highlight = null;
let pendingJump = null;
/** Bumped when rows must be drawn anew though the window is the same. */
let version = 0;
let shownKey = '';
let scheduled = false;
let changed = false;

const layout = new LogLayout();
const store = new LineStore(jobId, () => redraw(true));
const search = new LogSearch(
  jobId,
  { input: $('log-search'), prev: $('search-prev'), next: $('search-next'), status: $('search-status') },
  { show: (n) => jumpTo(n), changed: () => redraw(true) },
);
const ansi = new AnsiUp();
ansi.use_classes = true;

/** What a terminal shows of a line with carriage returns: each part overwrites from column 0. */
function overwrite(text) {
  if (!text.includes('\r')) return text;
  let shown = '';
  for (const part of text.replace(/\r+$/, '').split('\r')) shown = part + shown.slice(part.length);
  return shown;
}

function lineRow(n) {
  const line = store.get(n);
  const row = document.createElement('div');
  row.className = 'log-row';
  if (line?.stream === 'stderr') row.classList.add('stderr');
  if (highlight && n >= highlight[0] && n <= highlight[1]) row.classList.add('hl');
  const marks = search.marks(n);
  if (marks.match) row.classList.add('match');
  if (marks.current) row.classList.add('match-current');
  const ln = document.createElement('a');
  ln.className = 'ln';
  ln.href = `#L${n}`;
  ln.textContent = String(n);
  row.append(ln);
  if (showTimes.checked && line) {
    const time = document.createElement('span');
    time.className = 'ts';
    time.textContent = new Date(line.time).toISOString().slice(11, 23);
    row.append(time);
  }
  const text = document.createElement('span');
  text.className = 'text';
  if (line) text.innerHTML = ansi.ansi_to_html(`${overwrite(line.text)}\u001b[0m`);
  else row.classList.add(line === null ? 'gone' : 'loading');
  // ansi_up escapes the text; the reset keeps one line's colours out of the next one.
  row.append(text);
  return row;
}

function stepRow(step) {
  const row = document.createElement('div');
  row.className = 'log-row step-row';
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.dataset.step = step;
  const open = !layout.collapsed.has(step);
  toggle.setAttribute('aria-expanded', String(open));
  toggle.textContent = `${open ? '▾' : '▸'} ${step}`;
  row.append(toggle);
  return row;
}

/** What an empty log says: that output is awaited, or that the job printed none. */
function emptyRow() {
  const row = document.createElement('div');
  row.className = 'log-row empty';
  row.textContent = FINAL.includes(box.dataset.state) ? 'This job printed nothing.' : 'Waiting for output…';
  return row;
}

/** The scroll area's height, and how many pixels of rows one pixel of scrolling moves. */
function geometry() {
  const real = layout.rows * LINE_HEIGHT;
  if (real <= MAX_SPACE) return { height: real, scale: 1 };
  const view = box.clientHeight;
  return { height: MAX_SPACE, scale: (real - view) / (MAX_SPACE - view) };
}

function render() {
  const { height, scale } = geometry();
  space.style.height = `${height}px`;
  count.textContent = `${layout.lines.toLocaleString('en')} lines`;
  const wrap = wrapLines.checked;
  const top = (box.scrollTop * scale) / LINE_HEIGHT; // rows above the view, fractional
  const visible = Math.ceil(box.clientHeight / LINE_HEIGHT);
  const atBottom = box.scrollTop + box.clientHeight >= height - 1;
  let first;
  let end;
  if (!wrap) {
    first = Math.max(0, Math.floor(top) - OVERSCAN);
    end = Math.min(layout.rows, Math.ceil(top) + visible + OVERSCAN);
  } else if (atBottom) {
    end = layout.rows;
    first = Math.max(0, end - visible - 1);
  } else {
    first = Math.floor(top);
    end = Math.min(layout.rows, first + visible + 1);
  }
  // Rows are rebuilt only when the window or what it shows changed: repeated renders and
  // scrolls within a row keep the elements a click may be landing on.
  const key = `${first}:${end}:${version}:${wrap}:${box.dataset.state}`;
  if (key !== shownKey) {
    shownKey = key;
    const frag = document.createDocumentFragment();
    let lo = Number.POSITIVE_INFINITY;
    let hi = 0;
    for (let r = first; r < end; r++) {
      const row = layout.at(r);
      if (row.n === undefined) frag.append(stepRow(row.section.step));
      else {
        frag.append(lineRow(row.n));
        lo = Math.min(lo, row.n);
        hi = Math.max(hi, row.n);
      }
    }
    if (layout.rows === 0) frag.append(emptyRow());
    rowsEl.replaceChildren(frag);
    store.want(lo, hi);
  }
  let offset;
  if (!wrap) offset = box.scrollTop + (first - top) * LINE_HEIGHT;
  else if (first === 0 && end === layout.rows) offset = 0;
  else if (atBottom) offset = height - rowsEl.offsetHeight;
  else offset = box.scrollTop - (top - first) * LINE_HEIGHT;
  rowsEl.style.transform = `translateY(${offset}px)`;
  // Wrapped rows all drawn: the area is as tall as they are.
  if (wrap && first === 0 && end === layout.rows)
    space.style.height = `${Math.max(height, rowsEl.offsetHeight)}px`;
}

/** Draws at the next frame (at most once a frame); `anew`: what rows show changed. */
function redraw(anew = false) {
  changed ||= anew;
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    if (changed) version++;
    changed = false;
    jumpIfReady();
    if (following) scrollLog(Number.MAX_SAFE_INTEGER);
    render();
  });
}

/** Scrolls the log to `top` (the scroll event this causes is not the user's). */
function scrollLog(top) {
  space.style.height = `${geometry().height}px`;
  const before = box.scrollTop;
  box.scrollTop = top;
  programmatic = box.scrollTop !== before;
}

function stopFollowing() {
  following = false;
  followButton.hidden = false;
}

/** Scrolls line `n` into view (a third down; at the top with wrapped lines). */
function jumpTo(n) {
  const found = layout.sectionOf(n);
  if (!found) return false;
  if (layout.collapsed.has(found.section.step)) layout.toggle(found.section.step, true);
  stopFollowing();
  const above = wrapLines.checked ? 0 : box.clientHeight / 3;
  scrollLog(Math.max(0, (layout.rowOf(n) * LINE_HEIGHT - above) / geometry().scale));
  version++;
  render();
  return true;
}

function jumpIfReady() {
  if (pendingJump !== null && jumpTo(pendingJump)) pendingJump = null;
}

function readHash() {
  const m = /^#L(\d+)(?:-L(\d+))?$/.exec(location.hash);
  highlight = m ? [Number(m[1]), Number(m[2] ?? m[1])].sort((a, b) => a - b) : null;
  pendingJump = highlight ? highlight[0] : null;
  version++;
  jumpIfReady();
  render();
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
  scrollLog(Number.MAX_SAFE_INTEGER);
  render();
});
rowsEl.addEventListener('click', (e) => {
  const toggle = e.target.closest('button[data-step]');
  if (!toggle) return;
  layout.toggle(toggle.dataset.step);
  version++;
  render();
});
for (const control of [showTimes, wrapLines])
  control.addEventListener('change', () => {
    box.classList.toggle('wrap', wrapLines.checked);
    version++;
    render();
  });
window.addEventListener('hashchange', readHash);
window.addEventListener('resize', () => render());

function showState(el, state) {
  const label = el.querySelector('.state');
  label.dataset.state = state;
  label.textContent = words[state] ?? state;
}

function setJobState(state) {
  box.dataset.state = state;
  showState($('job-state'), state);
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

/** Live lines after line `after`, until the job ends. */
function streamFrom(after) {
  const stream = new EventSource(`/api/jobs/${jobId}/log/stream?after=${after}`);
  stream.addEventListener('line', (e) => {
    const line = JSON.parse(e.data);
    if (line.number <= layout.lines) return;
    store.put(line);
    layout.append(line.number, line.step);
    redraw();
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
}

// The outline of the log as it was when the page was made: live lines follow from there.
const outline = JSON.parse(box.dataset.outline);
layout.reset(outline.sections, outline.lines);
for (const line of JSON.parse(box.dataset.tail || '[]')) store.put(line);
if (!FINAL.includes(box.dataset.state)) streamFrom(outline.lines);
scrollLog(Number.MAX_SAFE_INTEGER);
readHash();
