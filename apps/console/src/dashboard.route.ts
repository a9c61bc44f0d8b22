import { Router } from 'express';
import type { Queue } from 'bullmq';
import type { Db } from '@switchboard/db';
import { dashboardData, QUEUE_STATES } from './dashboard.ts';
import { PAGE_HEADERS, escapeHtml, page } from './html.ts';

function countTable(title: string, heading: string, rows: { key: string; count: number }[]): string {
  const body = rows.length === 0 ? '<tr><td colspan="2">none yet</td></tr>' : rows.map((r) => `<tr><td>${escapeHtml(r.key)}</td><td>${r.count}</td></tr>`).join('');
  return `<h2>${escapeHtml(title)}</h2><table><tr><th>${escapeHtml(heading)}</th><th>count</th></tr>${body}</table>`;
}

/** `GET /admin`: a small server-rendered dashboard (no scripts). */
export function dashboardRoutes(deps: { db: Db; queues: Queue[] }): Router {
  const router = Router();
  router.get('/admin', async (_req, res) => {
    const data = await dashboardData(deps.db, deps.queues);
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
<h2>Queues</h2><table><tr><th>queue</th>${QUEUE_STATES.map((s) => `<th>${s}</th>`).join('')}</tr>${queueRows}</table>`,
    );
    res.status(200).set(PAGE_HEADERS).type('html').send(html);
  });
  return router;
}
