import { INTENT_LABELS } from '@switchboard/intent';
import { MESSAGE_SOURCES } from '@switchboard/events';
import { CAMPAIGN_MESSAGE_STATUSES, type CampaignMessageStatus } from '@switchboard/domain';
import type { CampaignView } from './campaigns.ts';
import type { EndpointHealth, QueueHealth, Traffic } from './dashboard.ts';
import type { SourceAlertingView } from '@switchboard/db';
import type { EventDetail } from './events.ts';
import { escapeHtml as h } from './html.ts';
import type { MessageView } from './messages.ts';
import type { RejectionGroup } from './rejections.ts';
import type { ContactTimeline } from './timeline.ts';

/** The dashboard's HTML, as pure functions of the data: the routes fetch, these render. */

const NAV = [
  ['/admin#traffic', 'Traffic'],
  ['/admin#pipeline', 'Pipeline'],
  ['/admin#messages', 'Messages'],
  ['/admin#campaigns', 'Campaigns'],
  ['/admin#endpoints', 'Webhooks'],
  ['/admin/queues', 'Bull Board'],
] as const;

/** A whole dashboard page: header with navigation and sign-out, then `body`. */
export function adminPage(title: string, body: string, opts: { charts?: boolean; search?: string } = {}): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"allowEval":false,"includeIndicatorStyles":false,"historyCacheSize":0}'>
<title>${h(title)} · Switchboard</title>
<link rel="stylesheet" href="/admin/assets/admin.css">${opts.charts ? '\n<link rel="stylesheet" href="/admin/assets/uPlot.min.css">' : ''}
<script src="/admin/assets/htmx.min.js" defer></script>${opts.charts ? '\n<script src="/admin/assets/uPlot.iife.min.js" defer></script>\n<script src="/admin/assets/admin.js" defer></script>' : ''}
</head><body>
<header><h1><a href="/admin">Switchboard</a></h1>
<nav aria-label="Dashboard sections">${NAV.map(([href, label]) => `<a href="${href}">${label}</a>`).join('')}</nav>
${contactSearch(opts.search ?? '')}
<form method="post" action="/admin/logout"><button type="submit">Sign out</button></form></header>
<main>${body}</main></body></html>`;
}

/** A time an operator reads at a glance: "14:03:27" today (UTC), "Nov 28 14:03" before; the full ISO time as a tooltip. */
function time(iso: string | null, now = new Date()): string {
  if (!iso) return '<span class="muted">—</span>';
  const sameDay = iso.slice(0, 10) === now.toISOString().slice(0, 10);
  const d = new Date(iso);
  const text = sameDay ? iso.slice(11, 19) : `${d.toLocaleString('en', { month: 'short', timeZone: 'UTC' })} ${d.getUTCDate()} ${iso.slice(11, 16)}`;
  return `<time datetime="${h(iso)}" title="${h(iso)}">${h(text)}</time>`;
}

/** "42 s", "3 min", "5 h 2 min": an age an operator reads at a glance. */
export function age(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const hours = Math.floor(m / 60);
  return hours < 48 ? `${hours} h ${m % 60} min` : `${Math.floor(hours / 24)} d`;
}

const pct = (x: number) => `${(x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0)} %`;
const jsonBlock = (id: string, data: unknown) => `<script type="application/json" id="${id}">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;

const REASONS = ['signature', 'validation', 'rate_limit', 'other'] as const;
const REASON_LABELS: Record<(typeof REASONS)[number], string> = { signature: 'signature', validation: 'validation', rate_limit: 'rate limit', other: 'other' };

export function trafficPanel(t: Traffic): string {
  const providers = [...new Set([...t.series.map((s) => s.provider), ...t.rejections.map((r) => r.provider)])].sort();
  const rejected = (p: string, reason: string) => t.rejections.filter((r) => r.provider === p && r.reason === reason).reduce((a, r) => a + r.count, 0);
  const rows = providers
    .map((p) => {
      const total = t.series.find((s) => s.provider === p)?.total ?? 0;
      const cells = REASONS.map((r) => {
        const n = rejected(p, r);
        return `<td class="num">${n > 0 ? `<span class="badge bad">${n}</span>` : '0'}</td>`;
      }).join('');
      return `<tr><th scope="row">${h(p)}</th><td class="num">${total}</td>${cells}</tr>`;
    })
    .join('');
  return `<section class="card wide" id="traffic" aria-labelledby="traffic-h"><h2 id="traffic-h">Traffic, last 24 h <span class="muted" style="font-size:.85rem;font-weight:400">(times in UTC, updated every 30 s)</span></h2>
<div class="grid"><div><div id="traffic-chart" class="chart" role="img" aria-label="Events per minute per provider over the last 24 hours; the table gives the totals">${t.series.length === 0 ? '<p class="muted">No events in the last 24 h.</p>' : ''}</div></div>
<div class="scroll"><table class="figures"><caption class="sr-only">Events accepted and requests rejected per provider, last 24 h</caption>
<thead><tr><th scope="col" rowspan="2">provider</th><th scope="col" rowspan="2" class="num">events</th><th scope="colgroup" colspan="4" class="num">rejected</th></tr>
<tr>${REASONS.map((r) => `<th scope="col" class="num">${REASON_LABELS[r]}</th>`).join('')}</tr></thead>
<tbody>${rows || '<tr><td colspan="6" class="muted">No traffic in the last 24 h.</td></tr>'}</tbody></table></div></div>
${jsonBlock('traffic-data', { minutes: t.minutes, series: t.series.map((s) => ({ provider: s.provider, perMinute: s.perMinute })) })}</section>`;
}

export function pipelinePanel(queues: QueueHealth[]): string {
  const rows = queues
    .map((q) => {
      const waiting = (q.counts.waiting ?? 0) + (q.counts.prioritized ?? 0);
      const failed = q.counts.failed ?? 0;
      const old = q.oldestWaitingMs;
      return `<tr><th scope="row"><a href="/admin/queues/queue/${encodeURIComponent(q.name)}">${h(q.name)}</a></th>
<td class="num">${waiting}</td><td class="num">${q.counts.active ?? 0}</td><td class="num">${q.counts.delayed ?? 0}</td>
<td class="num">${old === null ? '—' : `<span class="badge ${old > 60_000 ? 'warn' : 'ok'}">${age(old)}</span>`}</td>
<td class="num">${failed > 0 ? `<a class="badge bad" href="/admin/queues/queue/${encodeURIComponent(q.name)}?status=failed">${failed}</a>` : '0'}</td></tr>`;
    })
    .join('');
  const failed = queues.flatMap((q) => q.failed.map((f) => ({ ...f, queue: q.name })));
  const failedRows = failed
    .map((f) => `<tr><td><a href="/admin/queues/queue/${encodeURIComponent(f.queue)}/${encodeURIComponent(f.id)}">${h(f.queue)} / ${h(f.id)}</a></td><td>${h(f.name)}</td><td>${h(f.reason.slice(0, 200))}</td><td>${time(f.at)}</td></tr>`)
    .join('');
  return `<section class="card" id="pipeline" aria-labelledby="pipeline-h"><h2 id="pipeline-h">Pipeline</h2>
<div class="scroll"><table><thead><tr><th scope="col">queue</th><th scope="col" class="num">waiting</th><th scope="col" class="num">active</th><th scope="col" class="num">delayed</th><th scope="col" class="num">oldest waiting</th><th scope="col" class="num">failed</th></tr></thead>
<tbody>${rows}</tbody></table></div>
<h3>Latest failed jobs</h3>
${failed.length === 0 ? '<p class="muted">No failed jobs.</p>' : `<div class="scroll"><table><thead><tr><th scope="col">job</th><th scope="col">name</th><th scope="col">reason</th><th scope="col">failed at</th></tr></thead><tbody>${failedRows}</tbody></table></div>`}
<p><a href="/admin/queues">Open Bull Board</a></p></section>`;
}

export type MessageFilters = { intent?: string | undefined; source?: string | undefined; sender?: string | undefined };

function filterQuery(f: MessageFilters): string {
  const q = new URLSearchParams();
  if (f.intent) q.set('intent', f.intent);
  if (f.source) q.set('source', f.source);
  if (f.sender) q.set('sender', f.sender);
  return q.toString();
}

function confidenceBadge(c: number): string {
  return `<span class="badge ${c >= 0.8 ? 'ok' : c >= 0.5 ? 'warn' : 'bad'}">${Math.round(c * 100)} %</span>`;
}

export function messageRows(messages: MessageView[]): string {
  if (messages.length === 0) return '<tr><td colspan="5" class="muted">No messages match.</td></tr>';
  return messages
    .map(
      (m) => `<tr><td>${time(m.receivedAt)}</td>
<td><a href="/admin/contacts/${encodeURIComponent(m.sender.replace(/^whatsapp:/, ''))}">${h(m.sender)}</a></td>
<td class="full"><a href="/admin/events/${m.eventId}">${h(m.content.length > 140 ? `${m.content.slice(0, 140)}…` : m.content)}</a></td>
<td>${m.intent ? `${h(m.intent.label)} ${confidenceBadge(m.intent.confidence)}` : '<span class="muted">pending</span>'}</td><td><span class="badge">${h(m.source)}</span></td></tr>`,
    )
    .join('');
}

export function messagesPanel(messages: MessageView[], f: MessageFilters): string {
  const option = (value: string, selected: string | undefined) => `<option value="${h(value)}"${value === selected ? ' selected' : ''}>${h(value)}</option>`;
  const q = filterQuery(f);
  return `<section class="card wide" id="messages" aria-labelledby="messages-h"><h2 id="messages-h">Latest messages <span class="muted" style="font-size:.85rem;font-weight:400">(refreshes every 5 s)</span></h2>
<form class="inline" id="message-filters" method="get" action="/admin#messages" hx-get="/admin/fragments/messages" hx-target="#message-rows" hx-trigger="change, submit">
<label>Intent <select name="intent"><option value="">any</option>${INTENT_LABELS.map((l) => option(l, f.intent)).join('')}</select></label>
<label>Source <select name="source"><option value="">any</option>${MESSAGE_SOURCES.map((s) => option(s, f.source)).join('')}</select></label>
<label>Contact (phone or email) <input type="search" name="sender" value="${h(f.sender ?? '')}" placeholder="+33612345678" autocomplete="off"></label>
<button type="submit">Filter</button></form>
<div class="scroll"><table class="stack"><thead><tr><th scope="col">received</th><th scope="col">from</th><th scope="col">message</th><th scope="col">intent</th><th scope="col">source</th></tr></thead>
<tbody id="message-rows" aria-live="polite" hx-get="/admin/fragments/messages${q ? `?${h(q)}` : ''}" hx-include="#message-filters" hx-trigger="every 5s" hx-swap="innerHTML">${messageRows(messages)}</tbody></table></div></section>`;
}

/** The header's search box: every page can jump to a contact. */
function contactSearch(value: string): string {
  return `<form class="search" method="get" action="/admin/contacts" role="search">
<label for="contact-q" class="sr-only">Find a contact (phone or email)</label><input id="contact-q" type="search" name="q" value="${h(value)}" required placeholder="Find a contact: phone or email">
<button type="submit">Search</button></form>`;
}

export function campaignsPanel(campaigns: CampaignView[]): string {
  const rows = campaigns
    .map(
      (c) => `<tr><th scope="row"><a href="/admin/campaigns/${c.id}">${h(c.name)}</a></th><td><span class="badge">${h(c.status)}</span></td><td class="num">${c.total}</td>
<td class="num">${c.counts.delivered + c.counts.read}</td><td class="num">${pct(c.deliveryRate)}</td><td class="num"><span class="badge ${c.failureRate > c.settings.alertFailureRate ? 'bad' : 'ok'}">${pct(c.failureRate)}</span></td></tr>`,
    )
    .join('');
  return `<section class="card" id="campaigns" aria-labelledby="campaigns-h"><h2 id="campaigns-h">Campaigns</h2>
${campaigns.length === 0 ? '<p class="muted">No campaigns yet.</p>' : `<div class="scroll"><table><thead><tr><th scope="col">campaign</th><th scope="col">status</th><th scope="col" class="num">recipients</th><th scope="col" class="num">delivered</th><th scope="col" class="num">delivery</th><th scope="col" class="num">failures</th></tr></thead><tbody>${rows}</tbody></table></div>`}</section>`;
}

export function endpointsPanel(endpoints: EndpointHealth[]): string {
  const rows = endpoints
    .map((e) => {
      const state = !e.enabled ? `<span class="badge bad">disabled${e.disabledReason ? ` (${h(e.disabledReason)})` : ''}</span>` : e.failingSince ? '<span class="badge warn">failing</span>' : '<span class="badge ok">enabled</span>';
      const rate = e.successRate === null ? '—' : `<span class="badge ${e.successRate >= 0.99 ? 'ok' : e.successRate >= 0.9 ? 'warn' : 'bad'}">${pct(e.successRate)}</span>`;
      const last = e.lastFailure
        ? `${time(e.lastFailure.at)}<br>${e.lastFailure.responseStatus !== null ? `HTTP ${e.lastFailure.responseStatus}` : h(e.lastFailure.error ?? 'no response')}${e.lastFailure.responseBody ? `<br><code>${h(e.lastFailure.responseBody.slice(0, 120))}</code>` : ''}`
        : '<span class="muted">none</span>';
      return `<tr><th scope="row" class="full-first">${h(e.url)}${e.description ? `<br><span class="muted">${h(e.description)}</span>` : ''}</th><td>${state}</td>
<td class="num">${rate}<br><span class="muted">${e.delivered} ok · ${e.failed} failed · ${e.pending} pending</span></td><td>${last}</td>
<td><form method="post" action="/admin/endpoints/${encodeURIComponent(e.id)}/retry"><button type="submit" class="secondary" aria-label="Retry failed deliveries to ${h(e.url)}">Retry</button></form></td></tr>`;
    })
    .join('');
  return `<section class="card wide" id="endpoints" aria-labelledby="endpoints-h"><h2 id="endpoints-h">Outbound webhooks, last 24 h</h2>
${endpoints.length === 0 ? '<p class="muted">No endpoints configured.</p>' : `<div class="scroll"><table class="stack"><thead><tr><th scope="col">endpoint</th><th scope="col">state</th><th scope="col" class="num">success</th><th scope="col">last failure (7 days)</th><th scope="col"><span class="sr-only">actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>
<p class="muted">Retry re-enables the endpoint and resends its deliveries that failed in the last 24 h.</p>`}</section>`;
}

export function notice(text: string | undefined): string {
  return text ? `<p class="notice" role="status">${h(text)}</p>` : '';
}

export function contactPage(t: ContactTimeline): string {
  const c = t.contact;
  const rows = t.entries
    .map(
      (e) => `<tr><td>${time(e.at)}</td><td><span class="badge">${e.kind}</span></td><td>${e.eventId ? `<a href="/admin/events/${e.eventId}">${h(e.summary)}</a>` : h(e.summary)}</td><td>${e.detail ? h(e.detail) : ''}</td></tr>`,
    )
    .join('');
  return `<section class="card" aria-labelledby="contact-h"><h2 id="contact-h">Contact ${h(c.address)}</h2>
<dl class="facts"><dt>consent</dt><dd>${c.optedOut ? `<span class="badge bad">opted out</span> since ${time(c.optedOutAt)}` : '<span class="badge ok">may be contacted</span>'}</dd>
<dt>lead status</dt><dd>${h(c.leadStatus)}</dd><dt>last message</dt><dd>${time(c.lastMessageAt)}</dd></dl>
<h3>Timeline</h3>
<div class="scroll"><table><thead><tr><th scope="col">when</th><th scope="col">what</th><th scope="col">details</th><th scope="col">intent / status</th></tr></thead>
<tbody>${rows || '<tr><td colspan="4" class="muted">Nothing yet.</td></tr>'}</tbody></table></div></section>`;
}

export function searchResults(q: string, results: { address: string; lastMessageAt: string | null }[]): string {
  const rows = results.map((r) => `<tr><td><a href="/admin/contacts/${encodeURIComponent(r.address)}">${h(r.address)}</a></td><td>${time(r.lastMessageAt)}</td></tr>`).join('');
  return `<section class="card"><h2>Contacts matching “${h(q)}”</h2>
${results.length === 0 ? '<p>No contact matches.</p>' : `<table><thead><tr><th scope="col">contact</th><th scope="col">last message</th></tr></thead><tbody>${rows}</tbody></table>`}</section>`;
}

export function eventPage(e: EventDetail, outcome: string[], replayed: boolean): string {
  return `${notice(replayed ? 'Replay queued: the event runs through the pipeline again.' : undefined)}
<section class="card" aria-labelledby="event-h"><h2 id="event-h">Event ${h(e.id)}</h2>
<dl class="facts"><dt>provider</dt><dd>${h(e.provider)}</dd><dt>route</dt><dd>${h(e.route)}</dd><dt>received</dt><dd>${time(e.receivedAt)}</dd>
<dt>stored</dt><dd>${time(e.storedAt)}</dd><dt>from IP</dt><dd>${h(e.remoteIp ?? '—')}</dd><dt>dedup key</dt><dd><code>${h(e.dedupKey)}</code></dd>
<dt>replays</dt><dd><strong id="replay-count">${e.replayCount}</strong>${e.lastReplayAt ? ` · last ${time(e.lastReplayAt)}` : ''}</dd></dl>
<form method="post" action="/admin/events/${e.id}/replay"><p><button type="submit">Replay this event</button></p></form>
<h3>What it became</h3>${outcome.length === 0 ? '<p class="muted">Nothing stored from it yet.</p>' : `<ul>${outcome.map((o) => `<li>${h(o)}</li>`).join('')}</ul>`}
<h3>Headers</h3><pre>${h(JSON.stringify(e.headers, null, 2))}</pre>
<h3>Body as received (${h(e.contentType ?? 'no content type')}, ${h(e.bodyEncoding)})</h3><pre>${h(e.body)}</pre></section>`;
}

/** The bar's class of each campaign message status (keyed by the one list: a new status is a type error here). */
const FUNNEL_CLASS: Record<CampaignMessageStatus, string> = {
  queued: '', sending: '', sent: '', delivered: '', read: '', failed: 'bad', undelivered: 'bad', skipped: 'muted', canceled: 'muted',
};
const FUNNEL = CAMPAIGN_MESSAGE_STATUSES.map((status) => [status, FUNNEL_CLASS[status]] as const);

export function campaignPage(c: CampaignView, failures: { hours: number[]; failureRate: number[]; settled: number[] }): string {
  // The funnel is cumulative: a read message was sent and delivered too.
  const reached: Record<string, number> = {
    ...c.counts,
    sent: c.counts.sent + c.counts.delivered + c.counts.read,
    delivered: c.counts.delivered + c.counts.read,
  };
  const max = Math.max(1, c.total);
  const bars = FUNNEL.map(([key, cls]) => {
    const n = reached[key] ?? 0;
    return `<span>${key}</span><div class="bar ${cls}" style="width:${((n / max) * 100).toFixed(1)}%" aria-hidden="true"></div><span class="num">${n}</span>`;
  }).join('');
  return `<section class="card" aria-labelledby="campaign-h"><h2 id="campaign-h">Campaign “${h(c.name)}” <span class="badge">${h(c.status)}</span></h2>
<div class="kpis"><div>recipients<b>${c.total}</b></div><div>delivery rate<b>${pct(c.deliveryRate)}</b></div><div>failure rate<b>${pct(c.failureRate)}</b></div><div>channel<b>${h(c.channel)}</b></div></div>
<h3>Delivery funnel</h3><div class="bars">${bars}</div>
<h3>Failure rate over time (per hour)</h3>
<div id="campaign-failures-chart" class="chart" role="img" aria-label="Failed or undelivered share of the messages settled each hour">${failures.hours.length === 0 ? '<p class="muted">No settled messages yet.</p>' : ''}</div>
${jsonBlock('campaign-failures', failures)}
<p><a href="/api/campaigns/${c.id}/messages">Messages (JSON)</a></p></section>`;
}

/** Sources with an expected activity (silence alerts): silent ones first. */
export function sourcesPanel(sources: SourceAlertingView[]): string {
  const watched = sources.filter((s) => s.enabled).sort((a, b) => (a.state === b.state ? a.sourceId.localeCompare(b.sourceId) : a.state === 'silent' ? -1 : 1));
  const rows =
    watched.length === 0
      ? '<tr><td colspan="4" class="muted">No source has an expected activity yet (<code>PUT /api/sources/:id/alerting</code>).</td></tr>'
      : watched
          .map((s) => `<tr><th scope="row">${h(s.sourceId)}</th><td>${s.state === 'silent' ? '<span class="badge bad">silent</span>' : '<span class="badge ok">active</span>'}</td><td>${h(s.silentSince ?? '—')}</td><td>${h(s.lastEventAt ?? 'never')}</td></tr>`)
          .join('');
  return `<section class="card" id="sources" aria-labelledby="sources-h"><h2 id="sources-h">Source activity</h2>
<div class="scroll"><table><thead><tr><th scope="col">source</th><th scope="col">state</th><th scope="col">silent since</th><th scope="col">last event</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

/** Refused signatures per route and reason, with the URL variants that would have verified (see rejections.ts). */
export function refusalsPanel(groups: RejectionGroup[] | undefined): string {
  const rows =
    groups === undefined
      ? '<tr><td colspan="4" class="muted">Redis unavailable.</td></tr>'
      : groups.length === 0
        ? '<tr><td colspan="4" class="muted">No refused signature recently.</td></tr>'
        : groups
            .map((g) => `<tr><th scope="row">${h(g.route)}</th><td>${h(g.reason)}</td><td class="num">${g.count}</td><td>${h(g.verifiedBy.map((v) => `${v.url} (${v.changes.join(', ')})`).join('; ') || g.hint)}</td></tr>`)
            .join('');
  return `<section class="card wide" id="refusals" aria-labelledby="refusals-h"><h2 id="refusals-h">Refused webhooks: why</h2>
<div class="scroll"><table><thead><tr><th scope="col">route</th><th scope="col">reason</th><th scope="col">count</th><th scope="col">would verify / hint</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}
