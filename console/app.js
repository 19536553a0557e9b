// Channel Sentinel console: plain ES module, no build step. Data from the local server's /api (the same handlers
// the stack deploys), charts with uPlot. The login token stays in this tab's sessionStorage.
const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) node.append(c instanceof Node ? c : String(c));
  return node;
};
const money = (text) =>
  text === null || text === undefined ? '—' : Number(text).toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
const pct = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`);
const ratio = (x) => (x === null || x === undefined ? '—' : Number(x).toFixed(2));
const time = (iso, tz) => (iso ? new Date(iso).toLocaleString('sv-SE', { timeZone: tz, dateStyle: 'short', timeStyle: 'short' }) : '—');

// Where the API is, relative to this page: `api` on the local server, `..` behind the stack's API (/console/).
const API_BASE = document.querySelector('meta[name="sentinel-api"]')?.getAttribute('content') ?? 'api';
let me = null;
let timezone = 'UTC';

async function api(path, options = {}) {
  const token = sessionStorage.getItem('sentinel-token');
  const response = await fetch(`${API_BASE}${path}`, {
    ...options,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) {
    sessionStorage.removeItem('sentinel-token');
    showLogin('That token was not accepted.');
    throw new Error('unauthenticated');
  }
  return { status: response.status, body };
}

function showLogin(message = '') {
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== 'login';
  $('#login-error').textContent = message;
  $('#who').textContent = '';
}

async function signIn() {
  const { status, body } = await api('/me');
  if (status !== 200) return showLogin(body.message ?? 'Sign-in failed.');
  me = body;
  if (!locale) {
    // The configuration's language, until someone picks one here.
    const reviews = await api('/reviews');
    if (reviews.status === 200) {
      locale = reviews.body.locale;
      applyLocale();
    }
  }
  $('#who').replaceChildren(
    `${me.principal} (${me.roles.join(', ')})`,
    el(
      'button',
      {
        type: 'button',
        onclick: () => {
          sessionStorage.removeItem('sentinel-token');
          showLogin();
        },
      },
      'Sign out',
    ),
  );
  await route();
}

const isFinance = () => me?.roles.includes('finance');

function sparkline(values, { color = '#2457c5', width = 120, height = 32 } = {}) {
  const holder = el('div');
  const xs = values.map((_, i) => i);
  const ys = values.map((v) => (v === null || v === undefined ? null : Number(v)));
  // uPlot needs the element in the document to measure; it is drawn at a fixed size.
  requestAnimationFrame(() => {
    new uPlot(
      {
        width,
        height,
        cursor: { show: false },
        legend: { show: false },
        select: { show: false },
        scales: { x: { time: false } },
        axes: [{ show: false }, { show: false }],
        series: [{}, { stroke: color, width: 1.5, points: { show: false } }],
      },
      [xs, ys],
      holder,
    );
  });
  return holder;
}

async function showChannels() {
  const { body } = await api('/overview');
  timezone = body.timezone;
  const section = $('#channels');
  const cards = body.channels.map((c) => {
    const spend = Number(c.today.spend);
    const budget = Number(c.dailyBudget);
    const share = budget > 0 ? spend / budget : 0;
    const roiBelow = c.today.roi !== null && c.today.roi < c.roiFloor;
    const series = (field) => c.series.map((d) => d[field]);
    return el(
      'article',
      { class: 'card', 'data-testid': `channel-${c.id}` },
      el('h3', {}, c.name, ' ', c.firing > 0 ? el('span', { class: 'badge firing' }, `${c.firing} firing`) : ''),
      el('div', { class: 'muted' }, `${c.id} · ${c.kind.replace('_', ' ')} · ${c.currency}`),
      el(
        'div',
        { class: 'kpis' },
        [
          ['GMV today', money(c.today.gmv), 'gmv'],
          ['Orders', c.today.orders, 'orders'],
          ['AOV', money(c.today.aov), 'aov'],
          ['Conversion', pct(c.today.conversion), 'conversion'],
          ['Ad spend', money(c.today.spend), 'spend'],
          ['Refunds', money(c.today.refunds), 'refunds'],
        ].map(([label, value, field]) =>
          el('div', { class: 'kpi' }, el('div', { class: 'label' }, label), el('div', { class: 'value', 'data-field': field }, value)),
        ),
      ),
      el(
        'div',
        { class: 'label muted' },
        `Spend vs daily budget: ${money(c.today.spend)} of `,
        el('span', { 'data-field': 'daily-budget' }, money(c.dailyBudget)),
        ` (${pct(share)})`,
      ),
      el('div', { class: `bar ${share >= 1 ? 'over' : share >= 0.8 ? 'warn' : ''}` }, el('div', { style: `width:${Math.min(100, share * 100).toFixed(1)}%` })),
      el(
        'div',
        {},
        'ROI ',
        el('span', { class: `roi ${roiBelow ? 'below' : ''}`, 'data-field': 'roi' }, ratio(c.today.roi)),
        el('span', { class: 'muted' }, ` vs floor ${ratio(c.roiFloor)}`),
      ),
      el(
        'div',
        { class: 'sparks' },
        [
          ['GMV', 'gmv'],
          ['Orders', 'orders'],
          ['AOV', 'aov'],
          ['Conversion', 'conversion'],
          ['Spend', 'spend'],
          ['ROI', 'roi'],
        ].map(([label, field]) => el('div', { class: 'spark' }, el('div', { class: 'label' }, `${label}, 14 days`), sparkline(series(field)))),
      ),
    );
  });
  section.replaceChildren(el('h2', {}, `Channels — ${body.today} (${body.timezone})`), el('div', { class: 'grid' }, cards));
}

async function acknowledgeAlert(a) {
  const note = window.prompt(`Acknowledge ${a.rule} on ${a.channelId}. Note (what you are doing about it):`, '');
  if (note === null) return;
  const { status, body } = await api(`/alerts/${encodeURIComponent(a.alertId)}/acknowledge`, {
    method: 'POST',
    body: JSON.stringify({ channelId: a.channelId, ...(note.trim() ? { note: note.trim() } : {}) }),
  });
  if (status !== 200) window.alert(body.message ?? `error ${status}`);
  return showAlerts();
}

async function showAlerts() {
  const { body } = await api('/alerts');
  const subject = (a) => [a.storeId, a.sku, a.region, a.period, a.basis].filter(Boolean).join(' · ') || '—';
  const row = (a) =>
    el(
      'tr',
      { class: a.status, 'data-testid': `alert-${a.alertId}`, 'data-status': a.status },
      el('td', {}, el('span', { class: `badge ${a.status === 'firing' ? a.severity : ''}` }, a.status === 'firing' ? a.severity : 'resolved')),
      el('td', {}, el('a', { href: `#alert/${encodeURIComponent(a.alertId)}`, 'data-testid': 'alert-link' }, a.rule)),
      el('td', {}, a.channelId),
      el('td', {}, subject(a)),
      el('td', { 'data-testid': 'impact', title: a.impact ? a.impact.basis : '' }, a.impact ? `${a.impact.amount} ${a.impact.currency}` : '—'),
      el(
        'td',
        {},
        a.summary,
        a.reason ? el('div', { class: 'muted' }, `Resolved: ${a.reason}`) : '',
        a.acknowledged
          ? el(
              'div',
              { class: 'muted', 'data-testid': 'acknowledged' },
              `Acknowledged by ${a.acknowledged.by}${a.acknowledged.note ? `: “${a.acknowledged.note}”` : ''}`,
            )
          : a.status === 'firing'
            ? el('button', { type: 'button', class: 'acknowledge', onclick: () => acknowledgeAlert(a) }, 'Acknowledge')
            : '',
      ),
      el('td', { class: 'evidence' }, JSON.stringify(a.evidence)),
      el('td', {}, time(a.since, timezone), a.resolvedAt ? el('div', { class: 'muted' }, `→ ${time(a.resolvedAt, timezone)}`) : ''),
    );
  const head = el(
    'tr',
    {},
    ['', 'rule', 'channel', 'subject', 'at risk', 'summary', 'evidence', 'since'].map((h) => el('th', {}, h)),
  );
  const all = [...body.firing, ...body.resolved];
  const choice = (name, values) =>
    el(
      'select',
      { name, 'data-testid': `filter-${name}`, onchange: () => apply() },
      el('option', { value: '' }, `any ${name}`),
      [...new Set(values)].sort().map((v) => el('option', { value: v }, v)),
    );
  const filters = el(
    'div',
    { class: 'filters' },
    choice(
      'channel',
      all.map((a) => a.channelId),
    ),
    choice(
      'rule',
      all.map((a) => a.rule),
    ),
    choice(
      'severity',
      all.map((a) => a.severity),
    ),
    choice(
      'state',
      all.map((a) => a.status),
    ),
  );
  const tbody = el('tbody', {});
  const apply = () => {
    const want = Object.fromEntries([...filters.querySelectorAll('select')].map((s) => [s.name, s.value]));
    const keep = (a) =>
      (!want.channel || a.channelId === want.channel) &&
      (!want.rule || a.rule === want.rule) &&
      (!want.severity || a.severity === want.severity) &&
      (!want.state || a.status === want.state);
    tbody.replaceChildren(...body.firing.filter(keep).map(row), ...body.resolved.filter(keep).map(row));
  };
  apply();
  $('#alerts').replaceChildren(
    el('h2', {}, `Alerts — ${body.firing.length} firing`),
    el('p', { class: 'muted' }, 'Firing first, most money at risk first. Open an alert for its chart and history.'),
    filters,
    el('table', { 'data-testid': 'alerts-table' }, el('thead', {}, head), tbody),
  );
}

function proposalCard(p) {
  const before = new Map(p.budgets.map((b) => [b.channelId, b]));
  const rows = p.channels.map((c) => {
    const b = before.get(c.channelId);
    return el(
      'tr',
      { 'data-testid': `reasoning-${c.channelId}` },
      el('td', {}, c.channelId),
      el('td', { class: 'num' }, b ? `${money(b.before)} → ${money(b.after)}` : 'unchanged'),
      el('td', { class: 'num' }, ratio(c.marginalRoi)),
      el('td', { class: 'num' }, ratio(c.marginalRoiAfter)),
      el('td', { class: 'num' }, ratio(c.averageRoi)),
      el(
        'td',
        {},
        c.model === null ? 'none' : c.model === 'log-log' ? `log-log, b=${ratio(c.elasticity)}, R²=${ratio(c.r2)}` : `fallback, b=${ratio(c.elasticity)}`,
      ),
      el('td', { class: 'num' }, `${c.days} days, ${money(c.meanDailySpend)}/day`),
      el('td', {}, c.decision.replace('_', ' '), c.why || c.modelNote ? el('div', { class: 'muted' }, c.why ?? c.modelNote) : ''),
    );
  });
  const outcome = el('div', { 'data-testid': 'outcome' });
  if (p.decision)
    outcome.replaceChildren(
      el(
        'div',
        { class: 'outcome' },
        `${p.decision.outcome} by ${p.decision.by} at ${time(p.decision.at, p.basis.timezone)}`,
        p.decision.reason ? ` — “${p.decision.reason}”` : '',
        p.decision.supersededBy ? ` (superseded by ${p.decision.supersededBy})` : '',
      ),
      p.outcome
        ? el(
            'div',
            { class: `realised ${p.outcome.withinRange ? '' : 'missed'}`, 'data-testid': 'realised' },
            `Reviewed after ${p.outcome.window.days} business days in force: realised ${p.outcome.realised.amount.startsWith('-') ? '' : '+'}${money(p.outcome.realised.amount)} ${p.currency} a day against predicted +${money(p.outcome.predicted.amount)} (${money(p.outcome.predicted.low)} to ${money(p.outcome.predicted.high)}) — ${p.outcome.withinRange ? 'inside' : 'outside'} the range.`,
          )
        : '',
    );
  const reason = el('textarea', { placeholder: 'Reason (required to reject)', 'data-testid': 'reason' });
  const act = async (action) => {
    const { status, body } = await api(`/proposals/${encodeURIComponent(p.proposalId)}/${action}`, {
      method: 'POST',
      body: JSON.stringify(reason.value.trim() ? { reason: reason.value.trim() } : {}),
    });
    if (status === 200) return showProposals(`${p.proposalId} ${body.status}${body.repeated ? ' (it already was)' : ''}.`);
    outcome.replaceChildren(
      el(
        'div',
        { class: 'outcome conflict', role: 'alert' },
        status === 409 ? `Not ${action === 'approve' ? 'approved' : 'rejected'}: ${body.message}` : (body.message ?? `error ${status}`),
      ),
    );
  };
  const review =
    p.status === 'pending' && isFinance()
      ? el(
          'div',
          { class: 'review' },
          reason,
          el('button', { class: 'approve', type: 'button', onclick: () => act('approve') }, 'Approve'),
          el('button', { class: 'reject', type: 'button', onclick: () => act('reject') }, 'Reject'),
        )
      : p.status === 'pending'
        ? el('p', { class: 'muted' }, 'Only the finance role can approve or reject.')
        : '';
  return el(
    'article',
    { class: 'card proposal', 'data-testid': `proposal-${p.proposalId}`, 'data-status': p.status },
    el('h3', {}, p.proposalId, ' ', el('span', { class: `badge ${p.status}` }, p.status)),
    el(
      'div',
      { class: 'muted' },
      `Created ${time(p.createdAt, p.basis.timezone)}, expires ${time(p.expiresAt, p.basis.timezone)} · based on ${p.basis.from} … ${p.basis.to} · budgets ${p.budgetsVersion}`,
    ),
    el('p', { class: 'summary' }, p.summary),
    el(
      'p',
      {},
      'Expected gain: ',
      el('strong', {}, `+${money(p.expectedGain.amount)} ${p.currency} GMV a day`),
      ` (90 % range ${money(p.expectedGain.low)} to ${money(p.expectedGain.high)})`,
    ),
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['channel', 'daily budget', 'marginal ROI', 'after', 'avg ROI', 'model', 'data', 'decision'].map((h) => el('th', {}, h)),
        ),
      ),
      el('tbody', {}, rows),
    ),
    review,
    outcome,
  );
}

async function showProposals(flash = '') {
  const [{ body: list }, { body: budgets }] = await Promise.all([api('/proposals'), api('/budgets')]);
  const pending = list.proposals.filter((p) => p.status === 'pending');
  const others = list.proposals.filter((p) => p.status !== 'pending');
  const budgetRows = budgets.channels.map((c) =>
    el(
      'tr',
      { 'data-testid': `budget-${c.channelId}` },
      el('td', {}, c.channelId),
      el('td', { class: 'num', 'data-field': 'daily' }, `${money(c.daily)} ${c.currency}`),
      el('td', { class: 'num' }, money(c.configured)),
      el('td', {}, c.source),
    ),
  );
  $('#proposals').replaceChildren(
    el('h2', {}, 'Budget proposals'),
    flash ? el('div', { class: 'outcome', 'data-testid': 'flash' }, flash) : '',
    ...(pending.length === 0 ? [el('p', { class: 'muted' }, 'No proposal is waiting for a decision.')] : pending.map(proposalCard)),
    el('h2', {}, `Daily budgets in force (${budgets.version})`),
    el(
      'table',
      { 'data-testid': 'budgets-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['channel', 'daily budget', 'configured', 'source'].map((h) => el('th', {}, h)),
        ),
      ),
      el('tbody', {}, budgetRows),
    ),
    others.length ? el('h2', {}, 'Earlier proposals') : '',
    ...others.map(proposalCard),
  );
}

async function showAlert(alertId) {
  const { status, body } = await api(`/alerts/${encodeURIComponent(alertId)}`);
  const section = $('#alert');
  if (status !== 200) return section.replaceChildren(el('h2', {}, 'Alert'), el('p', { role: 'alert' }, body.message ?? `error ${status}`));
  const a = body.alert;
  const subject = [a.storeId, a.sku, a.region, a.period, a.basis].filter(Boolean).join(' · ');
  const chart = el('div', { class: 'alert-chart', 'data-testid': 'alert-chart' });
  const xs = body.metric.points.map((p) => Date.parse(p.at) / 1000);
  const ys = body.metric.points.map((p) => p.value);
  const marks = body.marks.map((m) => ({ x: Date.parse(m.at) / 1000, label: m.label }));
  requestAnimationFrame(() => {
    new uPlot(
      {
        width: Math.min(900, section.clientWidth || 900),
        height: 260,
        legend: { show: false },
        scales: { x: { time: true } },
        series: [{}, { label: body.metric.label, stroke: '#2457c5', width: 2, spanGaps: true }],
        hooks: {
          // The alert's life on the chart: a line and a label at each moment it was raised, escalated, acknowledged, resolved.
          draw: [
            (u) => {
              const ctx = u.ctx;
              ctx.save();
              for (const [i, m] of marks.entries()) {
                const x = u.valToPos(m.x, 'x', true);
                ctx.strokeStyle = m.label === 'resolved' ? '#2e7d32' : m.label === 'acknowledged' ? '#6a1b9a' : '#c62828';
                ctx.beginPath();
                ctx.moveTo(x, u.bbox.top);
                ctx.lineTo(x, u.bbox.top + u.bbox.height);
                ctx.stroke();
                ctx.fillStyle = ctx.strokeStyle;
                // Marks of one moment stack their labels instead of overprinting them.
                ctx.fillText(m.label, x + 4, u.bbox.top + 12 + i * 14);
              }
              ctx.restore();
            },
          ],
        },
      },
      [xs, ys],
      chart,
    );
  });
  const acknowledge =
    a.status === 'firing' && !a.acknowledged
      ? el('button', { type: 'button', class: 'acknowledge', onclick: async () => (await acknowledgeAlert(a), showAlert(alertId)) }, 'Acknowledge')
      : '';
  section.replaceChildren(
    el('p', {}, el('a', { href: '#alerts' }, '← all alerts')),
    el('h2', { 'data-testid': 'alert-title' }, `${a.rule} on ${a.channelId}${subject ? ` — ${subject}` : ''}`),
    el('p', {}, el('span', { class: `badge ${a.status === 'firing' ? a.severity : ''}` }, a.status === 'firing' ? a.severity : 'resolved'), ' ', a.summary),
    a.impact ? el('p', { 'data-testid': 'alert-impact' }, el('strong', {}, `At risk: ${a.impact.amount} ${a.impact.currency}`), ' — ', a.impact.basis) : '',
    el('h3', {}, body.metric.label, body.metric.currency ? ` (${body.metric.currency})` : ''),
    chart,
    el(
      'ul',
      { class: 'marks', 'data-testid': 'alert-marks' },
      body.marks.map((m) => el('li', {}, `${m.label} ${time(m.at, timezone)}`)),
    ),
    a.acknowledged ? el('p', { class: 'muted' }, `Acknowledged by ${a.acknowledged.by}${a.acknowledged.note ? `: “${a.acknowledged.note}”` : ''}`) : '',
    el('div', { class: 'actions' }, acknowledge, el('a', { href: '#silences', class: 'button' }, 'Silence…')),
    el('h3', {}, 'Evidence'),
    el('pre', { class: 'evidence' }, JSON.stringify(a.evidence, null, 2)),
  );
}

const RULES = ['price_violation', 'unauthorized_region', 'budget_overrun', 'roi_drop', 'feed_stale', 'conversion_mismatch'];

async function showSilences(message = '') {
  const [{ body }, overview] = await Promise.all([api('/silences'), api('/overview')]);
  const channels = overview.body.channels.map((c) => c.id);
  const field = (label, input) => el('label', {}, label, input);
  const rule = el(
    'select',
    { name: 'rule' },
    RULES.map((r) => el('option', { value: r }, r)),
  );
  const channel = el(
    'select',
    { name: 'channelId' },
    channels.map((c) => el('option', { value: c }, c)),
  );
  const subject = el('input', { name: 'subject', placeholder: 'storeId, sku or region (optional)' });
  const hours = el('input', { name: 'hours', type: 'number', min: '1', max: String(90 * 24), value: '4' });
  const comment = el('input', { name: 'comment', placeholder: 'Why (required)', required: true });
  const note = el('p', { class: 'muted', role: 'status' }, message);
  const form = el(
    'form',
    {
      class: 'silence-form',
      'data-testid': 'silence-form',
      onsubmit: async (event) => {
        event.preventDefault();
        const extra = subject.value.trim();
        const key = /^[A-Z]{2}-/.test(extra) ? 'region' : rule.value === 'price_violation' && extra.startsWith('SKU') ? 'sku' : 'storeId';
        const { status, body: created } = await api('/silences', {
          method: 'POST',
          body: JSON.stringify({
            rule: rule.value,
            channelId: channel.value,
            durationMinutes: Math.round(Number(hours.value) * 60),
            comment: comment.value.trim(),
            ...(extra ? { [key]: extra } : {}),
          }),
        });
        return showSilences(
          status === 201 ? `Silenced ${created.rule} on ${created.channelId} until ${time(created.to, timezone)}.` : (created.message ?? `error ${status}`),
        );
      },
    },
    field('Rule', rule),
    field('Channel', channel),
    field('Subject', subject),
    field('Hours', hours),
    field('Comment', comment),
    el('button', { type: 'submit' }, 'Silence'),
  );
  const row = (s) =>
    el(
      'tr',
      { 'data-testid': `silence-${s.id}`, 'data-state': s.state },
      el('td', {}, s.state),
      el('td', {}, s.rule),
      el('td', {}, s.channelId, [s.storeId, s.sku, s.region].filter(Boolean).length ? ` · ${[s.storeId, s.sku, s.region].filter(Boolean).join(' · ')}` : ''),
      el('td', {}, time(s.from, timezone), ' → ', time(s.to, timezone)),
      el('td', {}, s.createdBy, ': ', s.comment),
      el(
        'td',
        {},
        s.state === 'expired'
          ? ''
          : el(
              'button',
              {
                type: 'button',
                class: 'expire',
                onclick: async () => {
                  await api(`/silences/${encodeURIComponent(s.id)}/expire`, { method: 'POST', body: '{}' });
                  return showSilences(`Silence ${s.id} ended.`);
                },
              },
              'End now',
            ),
      ),
    );
  $('#silences').replaceChildren(
    el('h2', {}, 'Silences'),
    el('p', { class: 'muted' }, 'A silence holds notifications back; alerts keep their state. An alert still firing when its silence ends is announced once.'),
    form,
    note,
    el(
      'table',
      { 'data-testid': 'silences-table' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ['state', 'rule', 'subject', 'when', 'by', ''].map((h) => el('th', {}, h)),
        ),
      ),
      el('tbody', {}, body.silences.map(row)),
    ),
  );
}

async function showDataQuality(days = 7) {
  const { status, body } = await api(`/data-quality?days=${days}`);
  if (status !== 200) return $('#data-quality').replaceChildren(el('p', { class: 'error' }, body.message ?? `error ${status}`));
  const picker = el(
    'select',
    { 'aria-label': 'window', onchange: (e) => showDataQuality(Number(e.target.value)) },
    [1, 7, 31].map((d) => el('option', { value: d, selected: d === days }, d === 1 ? 'last day' : `last ${d} days`)),
  );
  const reasons = Object.entries(body.byReason);
  $('#data-quality').replaceChildren(
    el('h2', {}, 'Data quality'),
    el(
      'p',
      { class: 'muted' },
      'What producers sent that did not become a new event: quarantined (with the reason) or a duplicate of one already counted. ',
      picker,
    ),
    el(
      'p',
      { 'data-testid': 'dq-totals' },
      `${body.quarantined} quarantined, ${body.duplicates} duplicates between ${time(body.from, timezone)} and ${time(body.to, timezone)}.`,
    ),
    reasons.length
      ? dataTable(
          'dq-reasons',
          ['reason', 'deliveries'],
          reasons.map(([r, n]) => [r, n]),
        )
      : el('p', { class: 'muted' }, 'Nothing quarantined in this window.'),
    dataTable(
      'dq-channels',
      ['channel', 'quarantined', 'duplicates'],
      Object.entries(body.byChannel).map(([c, v]) => [c, v.quarantined, v.duplicates]),
    ),
    el('h3', {}, 'Recent refusals'),
    dataTable(
      'dq-recent',
      ['arrived', 'reason', 'channel', 'event', 'why', 'payload'],
      body.recent.map((r) => [time(r.at, timezone), r.reason, r.channelId ?? '—', r.eventId ?? '—', r.message, el('code', {}, r.payloadPreview)]),
    ),
  );
}

// ── Reviews (日/周/月度复盘) and the console's language ─────────────────────────────────────────────────────────
// The locale: the one chosen here (kept in this browser), else the configuration's (GET /reviews tells it).
let locale = localStorage.getItem('sentinel-locale') ?? null;
const TEXT = {
  en: {
    nav: { channels: 'Channels', alerts: 'Alerts', silences: 'Silences', proposals: 'Budget proposals', 'data-quality': 'Data quality', reviews: 'Reviews' },
    reviews: 'Reviews',
    reviewsIntro: 'Daily, weekly and monthly reviews, made when each period closes (revised when late data changes its figures).',
    toDate: { week: 'This week to date', month: 'This month to date' },
    period: { day: 'Daily review', week: 'Weekly review', month: 'Monthly review' },
    partial: 'to date',
    revision: 'revision',
    none: 'None.',
    noReviews: 'No review yet: the first is made when a business day closes.',
    print: 'Print / PDF',
    csv: 'CSV',
    channels: 'Channels against the previous period and the plan',
    channel: 'Channel',
    gmv: 'GMV',
    vsPrev: 'vs previous',
    orders: 'Orders',
    aov: 'AOV',
    conversion: 'Conversion',
    refundRate: 'Refund rate',
    spend: 'Ad spend',
    budget: 'Budget',
    used: 'Budget used',
    roi: 'ROI',
    floor: 'ROI floor',
    roiTrend: 'ROI by day',
    movers: 'Biggest movers',
    incidents: 'Rectification log',
    raised: 'Found',
    problem: 'Problem',
    subject: 'Subject',
    impact: 'Impact',
    action: 'Action taken',
    by: 'By',
    resolved: 'Resolved',
    open: 'still open',
    proposals: 'Budget proposals',
    proposal: 'Proposal',
    status: 'Status',
    expected: 'Expected gain / day',
    realised: 'Realised / day',
    beforeAfter: 'before/after',
    stores: 'Store and leader leaderboard',
    rank: 'Rank',
    store: 'Store',
    violations: 'Price violations',
    diverted: 'Diverted orders',
    roiStatus: { above_floor: 'above floor', below_floor: 'below floor', no_floor: 'no floor', no_spend: 'no spend' },
    statuses: { pending: 'pending', approved: 'approved', rejected: 'rejected', expired: 'expired' },
    rules: {
      price_violation: 'Price below the floor',
      unauthorized_region: 'Sold outside the territory',
      budget_overrun: 'Budget overrun',
      roi_drop: 'ROI drop',
      feed_stale: 'Feed stopped',
      conversion_mismatch: 'Inflated partner conversions',
    },
  },
  'zh-CN': {
    nav: { channels: '渠道', alerts: '告警', silences: '静默', proposals: '预算调整', 'data-quality': '数据质量', reviews: '复盘报表' },
    reviews: '复盘报表',
    reviewsIntro: '每日、每周、每月复盘：每个周期结束时生成（迟到数据改变数字时会修订）。',
    toDate: { week: '本周截至目前', month: '本月截至目前' },
    period: { day: '每日复盘', week: '周度复盘', month: '月度复盘' },
    partial: '截至目前',
    revision: '修订',
    none: '无。',
    noReviews: '尚无复盘：第一个营业日结束后生成。',
    print: '打印 / PDF',
    csv: 'CSV',
    channels: '各渠道与上期及计划对比',
    channel: '渠道',
    gmv: 'GMV',
    vsPrev: '环比',
    orders: '订单数',
    aov: '客单价',
    conversion: '转化率',
    refundRate: '退款率',
    spend: '投放花费',
    budget: '预算',
    used: '预算使用率',
    roi: 'ROI',
    floor: 'ROI 底线',
    roiTrend: '每日 ROI',
    movers: '变化最大的渠道',
    incidents: '问题整改记录',
    raised: '发现时间',
    problem: '问题',
    subject: '对象',
    impact: '影响金额',
    action: '整改措施',
    by: '处理人',
    resolved: '解决时间',
    open: '尚未解决',
    proposals: '预算调整建议',
    proposal: '建议',
    status: '状态',
    expected: '预计日增 GMV',
    realised: '实际日增 GMV',
    beforeAfter: '前后直接对比',
    stores: '门店与团长排行榜',
    rank: '排名',
    store: '门店/团长',
    violations: '破价次数（控价）',
    diverted: '窜货订单',
    roiStatus: { above_floor: '高于底线', below_floor: '低于底线', no_floor: '未设底线', no_spend: '无投放' },
    statuses: { pending: '待审批', approved: '已批准', rejected: '已驳回', expired: '已过期' },
    rules: {
      price_violation: '低于控价底价（破价）',
      unauthorized_region: '跨区销售（窜货）',
      budget_overrun: '投放预算超支',
      roi_drop: 'ROI 下滑',
      feed_stale: '数据断流',
      conversion_mismatch: '合作方转化数据虚报',
    },
  },
};
const T = () => TEXT[locale ?? 'en'];
const fmtMoney = (amount, currency, signed = false) =>
  amount === null || amount === undefined
    ? '—'
    : new Intl.NumberFormat(locale, { style: 'currency', currency, ...(signed ? { signDisplay: 'exceptZero' } : {}) }).format(Number(amount));
const fmtPct = (x, signed = false) =>
  x === null || x === undefined
    ? '—'
    : new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1, ...(signed ? { signDisplay: 'exceptZero' } : {}) }).format(x);
const fmtRatio = (x) => (x === null || x === undefined ? '—' : new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(x));
const fmtDay = (day) =>
  new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));
const fmtTime = (iso, tz) =>
  iso ? new Intl.DateTimeFormat(locale === 'en' ? 'sv-SE' : locale, { dateStyle: 'short', timeStyle: 'short', timeZone: tz }).format(new Date(iso)) : '—';
const reviewTitle = (r) =>
  `${T().period[r.period]} ${r.from === r.to ? fmtDay(r.from) : `${fmtDay(r.from)} – ${fmtDay(r.to)}`}${r.complete === false ? ` (${T().partial})` : ''}`;

function applyLocale() {
  document.documentElement.lang = locale;
  $('#locale').value = locale;
  for (const a of document.querySelectorAll('nav a')) a.textContent = T().nav[a.dataset.tab] ?? a.textContent;
}

/** A table: a header row and one row per entry, every cell as given (text or an element). */
function dataTable(testid, head, rows) {
  return el(
    'table',
    { 'data-testid': testid },
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        head.map((h) => el('th', {}, h)),
      ),
    ),
    el(
      'tbody',
      {},
      rows.map((cells) =>
        el(
          'tr',
          {},
          cells.map((c) => el('td', {}, c)),
        ),
      ),
    ),
  );
}

/** A table with its CSV: the cells as shown, text only, one quoted field per cell (RFC 4180). */
function tableWithCsv(testid, name, head, rows) {
  const csv = [head, ...rows.map((r) => r.map((c) => (c instanceof Node ? c.textContent : String(c))))]
    .map((r) => r.map((c) => `"${String(c).replaceAll('"', '""')}"`).join(','))
    .join('\r\n');
  const link = el(
    'a',
    {
      class: 'csv no-print',
      download: `${name}.csv`,
      href: URL.createObjectURL(new Blob(['\ufeff', csv], { type: 'text/csv;charset=utf-8' })),
      'data-testid': `${testid}-csv`,
    },
    T().csv,
  );
  return el('div', { class: 'table-wrap' }, link, dataTable(testid, head, rows));
}

async function showReviews() {
  const { status, body } = await api('/reviews');
  if (status !== 200) return $('#reviews').replaceChildren(el('p', { class: 'error' }, body.message ?? `error ${status}`));
  if (!locale) {
    locale = body.locale;
    applyLocale();
  }
  const today = new Intl.DateTimeFormat('sv-SE', { timeZone: body.timezone }).format(new Date());
  const monday = new Date(`${today}T00:00:00Z`);
  monday.setUTCDate(monday.getUTCDate() - ((monday.getUTCDay() + 6) % 7));
  $('#reviews').replaceChildren(
    el('h2', {}, T().reviews),
    el(
      'p',
      { class: 'muted' },
      T().reviewsIntro,
      ' ',
      el('a', { href: `#review/rev-week-${monday.toISOString().slice(0, 10)}` }, T().toDate.week),
      ' · ',
      el('a', { href: `#review/rev-month-${today.slice(0, 8)}01` }, T().toDate.month),
    ),
    body.reviews.length === 0
      ? el('p', {}, T().noReviews)
      : el(
          'ul',
          { class: 'review-list', 'data-testid': 'review-list' },
          body.reviews.map((r) =>
            el(
              'li',
              {},
              el('a', { href: `#review/${r.reviewId}`, 'data-testid': `review-${r.reviewId}` }, reviewTitle(r)),
              r.revision > 0 ? el('span', { class: 'muted' }, ` (${T().revision} ${r.revision})`) : '',
            ),
          ),
        ),
  );
}

async function showReview(reviewId) {
  const { status, body: r } = await api(`/reviews/${encodeURIComponent(reviewId)}${locale ? `?locale=${encodeURIComponent(locale)}` : ''}`);
  if (status !== 200) return $('#review').replaceChildren(el('p', { class: 'error' }, r.message ?? `error ${status}`));
  if (!locale) {
    locale = r.locale;
    applyLocale();
  }
  const L = T();
  const tz = r.timezone;
  const name = (part) => `${r.reviewId}-${part}`;
  $('#review').replaceChildren(
    el(
      'p',
      { class: 'no-print' },
      el('a', { href: '#reviews' }, `← ${L.reviews}`),
      ' ',
      el('button', { type: 'button', onclick: () => window.print() }, L.print),
    ),
    el('h2', { 'data-testid': 'review-title' }, reviewTitle(r), r.revision > 0 ? el('span', { class: 'muted' }, ` · ${L.revision} ${r.revision}`) : ''),
    el('p', { 'data-testid': 'review-summary' }, r.summary),
    el('h3', {}, L.channels),
    tableWithCsv(
      'review-channels',
      name('channels'),
      [L.channel, L.gmv, L.vsPrev, L.orders, L.aov, L.conversion, L.refundRate, L.spend, L.budget, L.used, L.roi, L.floor, L.roiTrend],
      r.channels.map((c) => [
        c.channelId,
        fmtMoney(c.totals.gmv, c.currency),
        fmtPct(c.change.gmvPct, true),
        c.totals.orders,
        fmtMoney(c.kpis.aov, c.currency),
        fmtPct(c.kpis.conversionRate),
        fmtPct(c.kpis.refundRate),
        fmtMoney(c.totals.spend, c.currency),
        fmtMoney(c.plan.budget, c.currency),
        fmtPct(c.plan.utilisation),
        fmtRatio(c.kpis.roi),
        c.plan.roiFloor === null ? '—' : `${fmtRatio(c.plan.roiFloor)} (${L.roiStatus[c.plan.roiStatus]})`,
        c.roiByDay.length > 1
          ? sparkline(
              c.roiByDay.map((d) => d.roi),
              { width: 100, height: 24 },
            )
          : fmtRatio(c.roiByDay[0]?.roi ?? null),
      ]),
    ),
    el('h3', {}, L.movers),
    r.movers.length === 0
      ? el('p', {}, L.none)
      : tableWithCsv(
          'review-movers',
          name('movers'),
          [L.channel, L.vsPrev, L.gmv],
          r.movers.map((m) => [m.channelId, fmtPct(m.gmvChangePct, true), fmtMoney(m.gmvChange, m.currency, true)]),
        ),
    el('h3', {}, `${L.incidents} (${r.incidentsTotal > r.incidents.length ? `${r.incidents.length}/${r.incidentsTotal}` : r.incidents.length})`),
    r.incidents.length === 0
      ? el('p', {}, L.none)
      : tableWithCsv(
          'review-incidents',
          name('rectification-log'),
          [L.raised, L.problem, L.subject, L.impact, L.action, L.by, L.resolved],
          r.incidents.map((i) => [
            fmtTime(i.raisedAt, tz),
            `${L.rules[i.rule] ?? i.rule} (${i.severity})`,
            [i.channelId, i.storeId, i.sku, i.region, i.period, i.basis].filter(Boolean).join(' · '),
            i.impact ? fmtMoney(i.impact.amount, i.impact.currency) : '—',
            i.note ?? '—',
            i.acknowledgedBy ?? '—',
            i.resolvedAt ? `${fmtTime(i.resolvedAt, tz)}${i.resolveReason ? ` — ${i.resolveReason}` : ''}` : L.open,
          ]),
        ),
    el('h3', {}, `${L.proposals} (${r.proposals.length})`),
    r.proposals.length === 0
      ? el('p', {}, L.none)
      : tableWithCsv(
          'review-proposals',
          name('proposals'),
          [L.proposal, L.status, L.expected, L.realised],
          r.proposals.map((p) => [
            p.proposalId,
            `${L.statuses[p.status]}${p.decidedBy ? ` (${p.decidedBy})` : ''}`,
            `${fmtMoney(p.expectedGain.amount, p.currency, true)} (${fmtMoney(p.expectedGain.low, p.currency, true)} – ${fmtMoney(p.expectedGain.high, p.currency, true)})`,
            // Credited to the move first (against the unmoved channels), the plain before/after beside it.
            !p.realised
              ? '—'
              : p.realised.attributed?.method === 'against_unmoved_channels'
                ? `${fmtMoney(p.realised.attributed.amount, p.currency, true)} (${L.beforeAfter} ${fmtMoney(p.realised.change, p.currency, true)})`
                : `${fmtMoney(p.realised.change, p.currency, true)}${p.realised.attributed ? ` (${L.beforeAfter})` : ''}`,
          ]),
        ),
    el('h3', {}, r.storesTotal > r.stores.length ? `${L.stores} (${r.stores.length}/${r.storesTotal})` : L.stores),
    r.stores.length === 0
      ? el('p', {}, L.none)
      : tableWithCsv(
          'review-stores',
          name('stores'),
          [L.rank, L.store, L.channel, L.gmv, L.orders, L.aov, L.refundRate, L.violations, L.diverted],
          r.stores.map((s) => [
            s.rank,
            s.storeId,
            s.channelId,
            fmtMoney(s.gmv, s.currency),
            s.orders,
            fmtMoney(s.aov, s.currency),
            fmtPct(s.refundRate),
            s.violations,
            s.divertedOrders,
          ]),
        ),
  );
}

// The other pages in Chinese: their fixed labels (headings, column heads, buttons, hints) by exact text, and the few
// headings that carry a figure by pattern. Data — ids, figures, the rules' sentences (already in the configured
// language) — is left as it is.
const ZH_LABELS = {
  Channels: '渠道',
  Alerts: '告警',
  Silences: '静默',
  'Budget proposals': '预算调整建议',
  'Data quality': '数据质量',
  Alert: '告警',
  'Sign out': '退出',
  Acknowledge: '认领',
  Approve: '批准',
  Reject: '驳回',
  Silence: '静默',
  'End now': '立即结束',
  Evidence: '证据',
  'Earlier proposals': '历史建议',
  'Recent refusals': '最近拒收',
  'Firing first, most money at risk first. Open an alert for its chart and history.': '未解决的在前，涉及金额大的在前。点开告警查看图表与历史。',
  'No proposal is waiting for a decision.': '没有待审批的预算调整建议。',
  'Nothing quarantined in this window.': '此时间段内没有被隔离的数据。',
  'Only the finance role can approve or reject.': '只有财务角色可以批准或驳回。',
  'A silence holds notifications back; alerts keep their state. An alert still firing when its silence ends is announced once.':
    '静默只暂停通知，不改变告警状态；静默结束时仍未解决的告警会通知一次。',
  'GMV today': '今日 GMV',
  GMV: 'GMV',
  Orders: '订单数',
  AOV: '客单价',
  Conversion: '转化率',
  Spend: '投放花费',
  ROI: 'ROI',
  Refunds: '退款',
  rule: '规则',
  channel: '渠道',
  subject: '对象',
  'at risk': '涉及金额',
  summary: '摘要',
  evidence: '证据',
  since: '开始时间',
  'daily budget': '日预算',
  'marginal ROI': '边际 ROI',
  after: '调整后',
  'avg ROI': '平均 ROI',
  model: '模型',
  data: '数据天数',
  decision: '决定',
  configured: '配置值',
  source: '来源',
  state: '状态',
  when: '时间',
  by: '操作人',
  reason: '原因',
  deliveries: '条数',
  quarantined: '已隔离',
  duplicates: '重复',
  arrived: '到达时间',
  event: '事件',
  why: '原因',
  payload: '内容',
  'Reason (required to reject)': '原因（驳回时必填）',
  'Why (required)': '原因（必填）',
  Comment: '备注',
  gives: '调出',
  receives: '调入',
  unchanged: '不变',
  'left alone': '不调整',
  ...TEXT['zh-CN'].statuses,
  firing: '未解决',
  resolved: '已解决',
  warning: '警告',
  critical: '严重',
  ...TEXT['zh-CN'].rules,
};
const ZH_PATTERNS = [
  [/^Channels — (.*)$/, '渠道 — $1'],
  [/^Alerts — (\d+) firing$/, '告警 — $1 个未解决'],
  [/^(\d+) firing$/, '$1 个未解决'],
  [/^Daily budgets in force \((.*)\)$/, '当前日预算（$1）'],
  [/^last (\d+) days$/, '最近 $1 天'],
  [/^last day$/, '最近 1 天'],
];
function translatePage(root) {
  if (locale !== 'zh-CN') return;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (!text) continue;
    let zh = ZH_LABELS[text];
    if (zh === undefined) for (const [re, to] of ZH_PATTERNS) if (re.test(text)) zh = text.replace(re, to);
    if (zh !== undefined) node.nodeValue = node.nodeValue.replace(text, zh);
  }
  for (const input of root.querySelectorAll('[placeholder]')) {
    const zh = ZH_LABELS[input.getAttribute('placeholder')];
    if (zh) input.setAttribute('placeholder', zh);
  }
}

// Whatever a page renders (a route, an approval's refresh, a picker) is translated as it lands; the review pages
// speak the locale themselves.
new MutationObserver((records) => {
  if (locale !== 'zh-CN') return;
  for (const r of records) for (const n of r.addedNodes) if (n.nodeType === Node.ELEMENT_NODE && !n.closest('#review, #reviews')) translatePage(n);
}).observe($('main'), { childList: true, subtree: true });

$('#locale').addEventListener('change', (e) => {
  locale = e.target.value;
  localStorage.setItem('sentinel-locale', locale);
  applyLocale();
  route().catch((err) => console.error(err));
});
if (locale) applyLocale();

async function route() {
  if (!me) return;
  const hash = (location.hash || '#channels').slice(1);
  const tab = hash.startsWith('alert/') ? 'alert' : hash.startsWith('review/') ? 'review' : hash;
  for (const s of document.querySelectorAll('main > section')) s.hidden = s.id !== tab;
  for (const a of document.querySelectorAll('nav a'))
    a.classList.toggle('active', a.dataset.tab === tab || (tab === 'alert' && a.dataset.tab === 'alerts') || (tab === 'review' && a.dataset.tab === 'reviews'));
  if (tab === 'alert') await showAlert(decodeURIComponent(hash.slice('alert/'.length)));
  else if (tab === 'alerts') await showAlerts();
  else if (tab === 'silences') await showSilences();
  else if (tab === 'data-quality') await showDataQuality();
  else if (tab === 'reviews') await showReviews();
  else if (tab === 'review') await showReview(decodeURIComponent(hash.slice('review/'.length)));
  else if (tab === 'proposals') await showProposals();
  else await showChannels();
  document.body.dataset.ready = tab;
}

window.addEventListener('hashchange', () => {
  document.body.dataset.ready = '';
  route().catch((e) => console.error(e));
});
$('#login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem('sentinel-token', $('#token').value.trim());
  signIn().catch((e) => console.error(e));
});
if (sessionStorage.getItem('sentinel-token')) signIn().catch(() => showLogin());
else showLogin();
