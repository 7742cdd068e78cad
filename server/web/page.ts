import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Viewer } from './session.js';
import { type ShownState, STATE_COLOURS, STATE_WORDS } from './states.js';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** A page's parts: its title, the state its favicon shows (default neutral), its body, who looks. */
export interface PageParts {
  title: string;
  state?: ShownState;
  body: Html;
  viewer?: Viewer | undefined;
  /** More of the head: the scripts a page will load, to be fetched at once. */
  head?: Html;
  /**
   * The page shows something still going on: it is fetched again every `poll` ms and its
   * `data-live` regions updated in place (client/live.js) until a fetch no longer asks for it.
   */
  poll?: number | undefined;
}

/** The header's right side: log in, or who is logged in and a log-out form. */
function account(viewer: Viewer | undefined): Html {
  if (!viewer) return html`<a class="account" href="/login">Log in</a>`;
  return html`<form class="account" method="post" action="/logout"><span class="muted">${viewer.name}</span> <input type="hidden" name="_csrf" value="${viewer.csrf}"><button type="submit">Log out</button></form>`;
}

/** The HTML shell every page shares: header, one stylesheet, a favicon in the page's state. */
export function page({ title, state = 'none', body, viewer, head, poll }: PageParts): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Slipway</title>
<link rel="icon" type="image/svg+xml" href="/assets/favicon/${state}.svg">
<link rel="stylesheet" href="/assets/app.css">
${head ?? ''}
</head>
<body${poll ? html` data-poll="${poll}"` : ''}>
<header class="top"><a class="brand" href="/">Slipway</a>${account(viewer)}</header>
<main>${body}</main>
${poll ? html`<script type="module" src="/assets/live.js"></script>` : ''}
</body>
</html>`;
}

/**
 * How often a page is fetched again: every 2 s while a run it shows is going on, else every
 * 10 s (a list shows a new run by itself; a finished run's page passes no poll at all).
 */
export function pollEvery(going: boolean): number {
  return going ? 2000 : 10_000;
}

/** A state as a coloured dot and its word. */
export function stateLabel(state: ShownState): Html {
  return html`<span class="state" data-state="${state}">${STATE_WORDS[state]}</span>`;
}

/** A favicon: a disc in the state's colour. */
export function faviconSvg(state: ShownState): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="${STATE_COLOURS[state]}"/></svg>`;
}
