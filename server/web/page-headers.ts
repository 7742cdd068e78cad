/**
 * Pages run no inline script and load nothing from elsewhere. A job page's log may hold 256- and
 * true-colour spans, which ansi_up writes as style attributes: only that page admits them
 * (attributes only; never a <style> element, never script).
 */
export function pageHeaders(opts: { styleAttributes?: boolean } = {}) {
  return {
    'cache-control': 'no-store',
    'content-security-policy':
      "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; connect-src 'self'; " +
      `form-action 'self'; base-uri 'none'; frame-ancestors 'none'${opts.styleAttributes ? "; style-src-attr 'unsafe-inline'" : ''}`,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  };
}
/** The headers of every page but a job's. */
export const PAGE_HEADERS = pageHeaders();
