/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A minimal server-rendered page: no scripts, so the strict CSP below costs nothing. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Switchboard</title>
<style>body{font:15px/1.4 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .6rem;text-align:left}
th{background:#f4f4f4}.error{color:#b00}input,button{font:inherit;padding:.3rem .5rem}nav a{margin-right:1rem}</style>
</head><body>${body}</body></html>`;
}

/** Headers for the console's own pages: no framing, no inline scripts, no referrer leaks. */
export const PAGE_HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
} as const;

/**
 * The dashboard's pages: the same policy plus scripts from the console itself (htmx, uPlot and
 * admin.js, served from node_modules under /admin/assets). Still no inline script and no eval:
 * chart data travels in `<script type="application/json">` blocks, which are never executed.
 */
export const ADMIN_PAGE_HEADERS = {
  ...PAGE_HEADERS,
  // same-origin, not no-referrer: under no-referrer Chrome sends `Origin: null` with the pages'
  // own form posts (Replay, Retry, Sign out), which the cross-site check rightly refuses. Other
  // sites still get no referrer.
  'referrer-policy': 'same-origin',
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
} as const;
