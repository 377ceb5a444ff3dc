import type { MirrorStatus } from './mirror-status.js';

/**
 * The status page at `GET /`: every mirror with its state, the age of its last success and failure, its last error
 * and next scheduled run, a filter box, and a "sync now" button per mirror that calls the API with the token (asked
 * once, kept in `sessionStorage`). While a mirror is queued or syncing, the page fetches itself again every 2 s and
 * swaps in the new rows. Everything is inline: no build step, no external asset.
 */
export function statusPage(mirrors: readonly MirrorStatus[], now: Date = new Date()): string {
  const rows = mirrors.map((mirror) => row(mirror, now)).join('\n');
  const busy = mirrors.some((mirror) => mirror.state !== 'idle');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>gitmirror: ${mirrors.length} mirror${mirrors.length === 1 ? '' : 's'}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>gitmirror</h1><input id="filter" type="search" placeholder="Filter mirrors" aria-label="Filter mirrors" autocomplete="off"></header>
<table>
<thead><tr><th>Mirror</th><th>State</th><th>Last success</th><th>Last failure</th><th>Next run</th><th></th></tr></thead>
<tbody id="mirrors" data-busy="${busy}">
${rows}
</tbody>
</table>
<p id="message" role="status"></p>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function row(mirror: MirrorStatus, now: Date): string {
  const error = mirror.lastError ? `<div class="error" title="${escape(mirror.lastError.message)}">${escape(mirror.lastError.code)}: ${escape(mirror.lastError.message)}</div>` : '';
  return `<tr data-name="${escape(mirror.name)}" data-search="${escape(`${mirror.name} ${mirror.source} ${mirror.target}`.toLowerCase())}">
<td><strong>${escape(mirror.name)}</strong><div class="urls">${escape(mirror.source)} → ${escape(mirror.target)}</div>${error}</td>
<td><span class="state ${mirror.state}">${mirror.state}</span></td>
<td>${age(mirror.lastSuccess, now)}</td>
<td>${age(mirror.lastFailure, now)}</td>
<td>${mirror.nextScheduled ? `<time datetime="${mirror.nextScheduled}">${escape(mirror.nextScheduled.replace('T', ' ').slice(0, 19))} UTC</time>` : '—'}</td>
<td><button type="button" class="sync" data-name="${escape(mirror.name)}">Sync now</button></td>
</tr>`;
}

/** `3 min ago`, with the exact time as a tooltip; a dash for never. */
function age(iso: string | null, now: Date): string {
  if (!iso) return '—';
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  const text = seconds < 90 ? `${seconds} s ago` : seconds < 5400 ? `${Math.round(seconds / 60)} min ago` : seconds < 129600 ? `${Math.round(seconds / 3600)} h ago` : `${Math.round(seconds / 86400)} d ago`;
  return `<time datetime="${iso}" title="${iso}">${text}</time>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; color: #1b1f24; }
header { display: flex; align-items: center; gap: 1rem; }
h1 { font-size: 1.3rem; margin: 0; }
#filter { flex: 1; max-width: 20rem; padding: .3rem .5rem; font: inherit; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d8dee4; vertical-align: top; }
th { font-weight: 600; color: #57606a; }
.urls { color: #57606a; font-size: .85em; word-break: break-all; }
.error { color: #b42318; font-size: .85em; margin-top: .2rem; }
.state { padding: .1rem .45rem; border-radius: .8rem; font-size: .85em; background: #eaeef2; }
.state.syncing { background: #ddf4ff; color: #0550ae; }
.state.queued { background: #fff8c5; color: #7d4e00; }
button { font: inherit; padding: .2rem .6rem; cursor: pointer; white-space: nowrap; }
tr.hidden { display: none; }
`;

const SCRIPT = `
(() => {
  const tbody = document.getElementById('mirrors');
  const filter = document.getElementById('filter');
  const message = document.getElementById('message');
  const applyFilter = () => {
    const words = filter.value.toLowerCase().trim().split(/\\s+/).filter(Boolean);
    for (const row of tbody.rows) row.classList.toggle('hidden', !words.every((word) => row.dataset.search.includes(word)));
  };
  filter.value = sessionStorage.getItem('gitmirror-filter') || '';
  filter.addEventListener('input', () => { sessionStorage.setItem('gitmirror-filter', filter.value); applyFilter(); });
  applyFilter();

  let timer;
  const refresh = async () => {
    const page = new DOMParser().parseFromString(await (await fetch('/', { cache: 'no-store' })).text(), 'text/html');
    const fresh = page.getElementById('mirrors');
    tbody.innerHTML = fresh.innerHTML;
    tbody.dataset.busy = fresh.dataset.busy;
    applyFilter();
    schedule();
  };
  const schedule = () => {
    clearTimeout(timer);
    if (tbody.dataset.busy === 'true') timer = setTimeout(() => refresh().catch(schedule), 2000);
  };
  schedule();

  tbody.addEventListener('click', async (event) => {
    const button = event.target.closest('button.sync');
    if (!button) return;
    let token = sessionStorage.getItem('gitmirror-token');
    if (!token) {
      token = prompt('API token (MIRROR_GIT_TO_S3_API_TOKEN)');
      if (!token) return;
      sessionStorage.setItem('gitmirror-token', token);
    }
    const name = button.dataset.name;
    const response = await fetch('/api/mirrors/' + encodeURIComponent(name) + '/sync', { method: 'POST', headers: { authorization: 'Bearer ' + token } });
    const body = await response.json().catch(() => ({}));
    if (response.status === 401) sessionStorage.removeItem('gitmirror-token');
    message.textContent = response.ok ? name + ': ' + body.outcome : name + ': ' + ((body.error && body.error.message) || response.statusText);
    tbody.dataset.busy = 'true';
    refresh().catch(schedule);
  });
})();
`;
