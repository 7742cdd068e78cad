// Live pages without a reload (served as /assets/live.js): while the page shows something that
// is still going on (`<body data-poll="ms">`), the page is fetched again every so often and each
// region (`[data-live="name"]`) whose HTML changed is swapped for the new one; the title and
// favicon follow. The focused control keeps its focus when its region is swapped (found again by
// its id, or its link). Polling ends once the page fetched no longer asks for it.

const FOCUS_KEYS = ['id', 'href', 'data-action', 'data-job'];

function twinOf(el, region) {
  for (const key of FOCUS_KEYS) {
    const value = el.getAttribute(key);
    if (value) return region.querySelector(`[${key}="${CSS.escape(value)}"]`);
  }
  return null;
}

function swap(fresh) {
  for (const next of fresh.querySelectorAll('[data-live]')) {
    const name = next.getAttribute('data-live');
    const now = document.querySelector(`[data-live="${CSS.escape(name)}"]`);
    if (!now || now.outerHTML === next.outerHTML) continue;
    const focused = now.contains(document.activeElement) ? document.activeElement : null;
    const imported = document.importNode(next, true);
    now.replaceWith(imported);
    if (focused) twinOf(focused, imported)?.focus({ preventScroll: true });
  }
  document.title = fresh.title;
  const icon = fresh.querySelector('link[rel="icon"]');
  if (icon) document.querySelector('link[rel="icon"]').href = icon.getAttribute('href');
}

async function poll() {
  try {
    const res = await fetch(location.href, { credentials: 'same-origin', cache: 'no-store' });
    if (res.ok) {
      const fresh = new DOMParser().parseFromString(await res.text(), 'text/html');
      swap(fresh);
      if (!fresh.body.dataset.poll) {
        delete document.body.dataset.poll;
        return;
      }
    }
  } catch {
    // The server restarting, a lost connection: try again at the next tick.
  }
  setTimeout(poll, Number(document.body.dataset.poll) || 2000);
}

if (document.body.dataset.poll) setTimeout(poll, Number(document.body.dataset.poll));
