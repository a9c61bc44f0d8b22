import { Router } from 'express';
import type { Queue } from 'bullmq';
import { listSourceAlerting, type Db } from '@switchboard/db';
import type { RefusedWebhook } from '@switchboard/providers';
import type { RejectionLog } from '@switchboard/queues';
import { dashboardData, QUEUE_STATES } from './dashboard.ts';
import { aggregateRejections } from './rejections.ts';
import { PAGE_HEADERS, escapeHtml, page } from './html.ts';

function countTable(title: string, heading: string, rows: { key: string; count: number }[]): string {
  const body = rows.length === 0 ? '<tr><td colspan="2">none yet</td></tr>' : rows.map((r) => `<tr><td>${escapeHtml(r.key)}</td><td>${r.count}</td></tr>`).join('');
  return `<h2>${escapeHtml(title)}</h2><table><tr><th>${escapeHtml(heading)}</th><th>count</th></tr>${body}</table>`;
}

/** Sources with an expected activity: silent ones first. */
async function sourcesPanel(db: Db): Promise<string> {
  const sources = (await listSourceAlerting(db)).filter((s) => s.enabled).sort((a, b) => (a.state === b.state ? a.sourceId.localeCompare(b.sourceId) : a.state === 'silent' ? -1 : 1));
  const rows = sources.length === 0
    ? '<tr><td colspan="4">no source has an expected activity (PUT /api/sources/:id/alerting)</td></tr>'
    : sources.map((s) => `<tr><td>${escapeHtml(s.sourceId)}</td><td>${s.state === 'silent' ? '<strong>SILENT</strong>' : 'active'}</td><td>${escapeHtml(s.silentSince ?? '')}</td><td>${escapeHtml(s.lastEventAt ?? 'never')}</td></tr>`).join('');
  return `<h2>Source activity</h2><table><tr><th>source</th><th>state</th><th>silent since</th><th>last event</th></tr>${rows}</table>`;
}

/** Refused signatures per route and reason, with what would have verified (see rejections.ts). */
async function rejectionsPanel(log: RejectionLog<RefusedWebhook> | undefined): Promise<string> {
  if (!log) return '';
  let groups;
  try {
    groups = aggregateRejections(await log.list());
  } catch {
    return '<h2>Refused webhooks</h2><p>Redis unavailable.</p>';
  }
  const rows = groups.length === 0
    ? '<tr><td colspan="5">none</td></tr>'
    : groups.map((g) => `<tr><td>${escapeHtml(g.route)}</td><td>${escapeHtml(g.reason)}</td><td>${g.count}</td><td>${escapeHtml(g.lastAt)}</td><td>${escapeHtml(g.verifiedBy.map((v) => `${v.url} (${v.changes.join(', ')})`).join('; ') || g.hint)}</td></tr>`).join('');
  return `<h2>Refused webhooks</h2><table><tr><th>route</th><th>reason</th><th>count</th><th>last</th><th>would verify / hint</th></tr>${rows}</table>`;
}

/** `GET /admin`: a small server-rendered dashboard (no scripts). */
export function dashboardRoutes(deps: { db: Db; queues: Queue[]; rejections?: RejectionLog<RefusedWebhook> }): Router {
  const router = Router();
  router.get('/admin', async (_req, res) => {
    const [data, sources, refused] = await Promise.all([dashboardData(deps.db, deps.queues), sourcesPanel(deps.db), rejectionsPanel(deps.rejections)]);
    const queueRows = data.queues
      .map((q) => `<tr><td>${escapeHtml(q.name)}</td>${QUEUE_STATES.map((s) => `<td>${q.counts[s] ?? 0}</td>`).join('')}</tr>`)
      .join('');
    const html = page(
      'Dashboard',
      `<nav><a href="/admin">Dashboard</a><a href="/admin/queues">Queues (Bull Board)</a><a href="/api/events">Events (JSON)</a><a href="/api/messages">Messages (JSON)</a><a href="/api/calls">Calls (JSON)</a><a href="/api/sources">Sources (JSON)</a></nav>
<form method="post" action="/admin/logout" style="float:right"><button type="submit">Sign out</button></form>
<h1>Switchboard</h1><p>Since ${escapeHtml(data.since.toISOString())} (today, UTC).</p>
${countTable('Events received today', 'provider', data.eventsByProvider)}
${countTable('Messages today by source', 'source', data.messagesBySource)}
${countTable('Messages today by intent', 'intent', data.messagesByIntent)}
${sources}
${refused}
<h2>Queues</h2><table><tr><th>queue</th>${QUEUE_STATES.map((s) => `<th>${s}</th>`).join('')}</tr>${queueRows}</table>`,
    );
    res.status(200).set(PAGE_HEADERS).type('html').send(html);
  });
  return router;
}
