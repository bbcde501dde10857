// drivebus inventory dashboard: libraries (drives, slots, wait queue), reservations and volume search, kept current by
// the server-sent change stream. Plain JS on purpose: no build step, served by the inventory-service itself.
(() => {
  'use strict';
  const params = new URLSearchParams(location.search);
  // ?library=a,b shows only those libraries
  const only = (params.get('library') || '').split(',').map(s => s.trim()).filter(Boolean);
  const shown = id => only.length === 0 || only.includes(id);
  const inventories = new Map();
  const $ = sel => document.querySelector(sel);

  const esc = v => String(v ?? '').replace(/[&<>"']/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'}[c]));
  const owner = o => o ? `<b>${esc(o.key)}</b>@${esc(o.site)}` : '';
  const ago = t => {
    if (!t) return '';
    const s = Math.round((Date.now() - Date.parse(t)) / 1000);
    return s < 60 ? `${s}s ago` : s < 3600 ? `${Math.floor(s / 60)}m ago` : s < 86400 ? `${Math.floor(s / 3600)}h ago` : new Date(t).toLocaleString();
  };
  const left = t => {
    if (!t) return '';
    let s = Math.round((Date.parse(t) - Date.now()) / 1000);
    if (s <= 0) return 'lapsed';
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    return h > 48 ? `${Math.floor(h / 24)}d` : h > 0 ? `${h}h ${m}m` : `${m}m ${String(s).padStart(2, '0')}s`;
  };

  async function fetchJson(url) {
    const r = await fetch(url, {headers: {Accept: 'application/json'}});
    if (!r.ok) {
      const p = await r.json().catch(() => ({}));
      const e = new Error(p.detail || `${r.status} ${r.statusText}`);
      e.status = r.status;
      throw e;
    }
    return r;
  }
  const getJson = async url => (await fetchJson(url)).json();
  // lists are paged: follow Link rel="next" to the end
  async function getAll(url) {
    const items = [];
    for (let next = url; next;) {
      const r = await fetchJson(next);
      items.push(...await r.json());
      next = (/<([^>]+)>\s*;\s*rel="next"/.exec(r.headers.get('Link') || '') || [])[1];
    }
    return items;
  }

  function libraryCard(id) {
    let card = document.querySelector(`.library[data-library="${CSS.escape(id)}"]`);
    if (!card) {
      card = document.createElement('section');
      card.className = 'library';
      card.dataset.library = id;
      const list = $('#libraries');
      list.querySelector('.empty')?.remove();
      // keep libraries in name order
      const next = [...list.children].find(c => c.dataset.library > id);
      list.insertBefore(card, next || null);
    }
    return card;
  }

  function render(inv) {
    const card = libraryCard(inv.library);
    const drives = inv.drives.map(d => {
      const r = d.reservation;
      return `<tr data-drive="${esc(d.id)}">
        <td><b>${esc(d.id)}</b><br><span class="muted">${esc(d.devicePath)}</span></td>
        <td><span class="state ${esc(d.state)}">${esc(d.state)}</span>${d.error ? `<br><span class="muted">${esc(d.error)}</span>` : ''}</td>
        <td class="volume">${d.label ? `<b>${esc(d.label)}</b>` : '<span class="muted">—</span>'}${d.sourceSlot != null ? `<br><span class="muted">from slot ${d.sourceSlot}</span>` : ''}</td>
        <td class="holder">${r ? `${owner(r.owner)}${r.job ? `<br><span class="muted">job ${esc(r.job)}</span>` : ''}` : '<span class="muted">free</span>'}</td>
        <td>${r ? `<span class="state ${esc(r.state)}">${esc(r.state)}</span>` : ''}</td>
        <td class="lease" data-expires="${esc(r?.leaseExpiresAt || '')}"></td>
        <td>${r?.token ?? d.highestToken}</td>
      </tr>`;
    }).join('');
    // an empty slot whose volume is out in a drive says where it is
    const outIn = new Map(inv.drives.filter(d => d.label && d.sourceSlot != null).map(d => [d.sourceSlot, d]));
    const slots = inv.slots.map(s => {
      const out = s.state === 'EMPTY' ? outIn.get(s.slot) : null;
      const label = s.label ? esc(s.label) : out ? `<span class="muted" title="${esc(out.label)} is in drive ${esc(out.id)}">in ${esc(out.id)}</span>`
          : `<span class="muted">${esc(s.state.toLowerCase())}</span>`;
      const tip = [s.barcode, s.labelSource === 'operator' ? 'label recorded by an operator' : ''].filter(Boolean).join(' · ');
      return `<div class="slot ${esc(s.state)}${s.reserved ? ' reserved' : ''}${s.current ? ' current' : ''}${s.labelSource === 'operator' ? ' recorded' : ''}" data-slot="${s.slot}" title="${esc(tip)}">
        <span class="n">${s.slot}${s.importExport ? ' · i/e' : ''}${s.current ? ' · current' : ''}</span>
        <span class="label">${label}</span>
        ${s.reserved ? `<span class="holder">${owner(s.holder)}</span>` : ''}
      </div>`;
    }).join('');
    const queue = (inv.queue || []).map(w => `<li data-request="${esc(w.requestId)}">#${w.position} ${owner(w.owner)} <span class="muted">waiting since ${esc(ago(w.queuedAt))}</span></li>`).join('');
    card.innerHTML = `<h2>${esc(inv.library)}</h2>
      <div class="meta">${esc(inv.vendor || inv.driver || '')} on ${esc(inv.host || '?')}${inv.numSlots != null ? ` · ${inv.numSlots} slots, current ${inv.currentSlot}` : ''} · status #${inv.statusSequence} ${esc(ago(inv.lastStatusAt))}${inv.agentOnline ? '' : ' · <strong class="offline">agent offline: drives not granted</strong>'}</div>
      <h3>Drives</h3>
      <table class="drives"><thead><tr><th>drive</th><th>state</th><th>volume</th><th>holder</th><th>reservation</th><th>lease left</th><th>token</th></tr></thead>
      <tbody>${drives || '<tr><td colspan="7" class="muted">no drives</td></tr>'}</tbody></table>
      <h3>Waiting <span class="muted">(${(inv.queue || []).length})</span></h3>
      <ul class="queue">${queue || '<li class="muted">nobody waits</li>'}</ul>
      <h3>Slots</h3>
      <div class="slots">${slots || '<span class="muted">no slots</span>'}</div>`;
    tick();
  }

  function tick() {
    document.querySelectorAll('.lease[data-expires]').forEach(td => {
      const t = td.dataset.expires;
      td.textContent = t ? left(t) : '';
      td.classList.toggle('soon', !!t && Date.parse(t) - Date.now() < 60000);
    });
  }

  async function loadLibrary(id) {
    try {
      const inv = await getJson(`/api/libraries/${encodeURIComponent(id)}/inventory`);
      inventories.set(id, inv);
      render(inv);
    } catch (e) {
      if (e.status === 404) removeLibrary(id); else console.warn('inventory of', id, e);
    }
  }

  function removeLibrary(id) {
    inventories.delete(id);
    document.querySelector(`.library[data-library="${CSS.escape(id)}"]`)?.remove();
  }

  async function loadAll() {
    try {
      const libs = (await getAll('/api/libraries?limit=1000')).filter(l => shown(l.library));
      if (libs.length === 0) $('#libraries').innerHTML = '<p class="empty">No library has reported yet.</p>';
      await Promise.all(libs.map(l => loadLibrary(l.library)));
    } catch (e) {
      $('#libraries').innerHTML = `<p class="empty">Cannot load libraries: ${esc(e.message)}</p>`;
    }
    loadReservations();
  }

  async function loadReservations() {
    const q = only.length === 1 ? `&library=${encodeURIComponent(only[0])}` : '';
    try {
      const rs = (await getJson(`/api/reservations?limit=25${q}`)).filter(r => shown(r.library));
      $('#reservations tbody').innerHTML = rs.map(r => `<tr data-reservation="${esc(r.id)}">
          <td title="${esc(r.id)}">${esc(r.id.length > 14 ? r.id.slice(0, 14) + '…' : r.id)}<br><span class="muted">${esc(r.library)}</span></td>
          <td class="holder">${owner(r.owner)}</td><td>${esc(r.label)}<br><span class="muted">${esc(r.drive)}</span></td>
          <td><span class="state ${esc(r.state)}">${esc(r.state)}</span>${r.endReason ? `<br><span class="muted">${esc(r.endReason)}</span>` : ''}</td>
          <td class="muted">${esc(ago(r.createdAt))}</td></tr>`).join('') || '<tr><td colspan="5" class="muted">none yet</td></tr>';
    } catch (e) {
      $('#reservations tbody').innerHTML = `<tr><td colspan="5" class="muted">${esc(e.message)}</td></tr>`;
    }
  }

  // changes arrive one per applied record; reload each touched library at most every 250 ms
  const dirty = new Set();
  let reservationsDirty = false, timer = null;
  function schedule() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      const libs = [...dirty]; dirty.clear();
      libs.forEach(id => loadLibrary(id).then(() => flash(id)));
      if (reservationsDirty) { reservationsDirty = false; loadReservations(); }
    }, 250);
  }
  function flash(id) {
    const c = document.querySelector(`.library[data-library="${CSS.escape(id)}"]`);
    if (c) { c.classList.add('flash'); setTimeout(() => c.classList.remove('flash'), 600); }
  }

  function connect() {
    const live = $('#live');
    const url = only.length === 1 ? `/api/events?library=${encodeURIComponent(only[0])}` : '/api/events';
    const es = new EventSource(url);
    window.drivebusLive = 'connecting';
    es.addEventListener('hello', () => {
      live.className = 'live open'; live.textContent = 'live'; window.drivebusLive = 'open';
      loadAll(); // whatever changed while we were away
    });
    es.addEventListener('change', ev => {
      const c = JSON.parse(ev.data);
      window.drivebusChanges = (window.drivebusChanges || 0) + 1;
      if (!shown(c.library)) return;
      if (c.what.includes('removed')) { removeLibrary(c.library); return; }
      dirty.add(c.library);
      if (c.what.includes('reservation')) reservationsDirty = true;
      schedule();
    });
    es.onerror = () => {
      // EventSource reconnects by itself; 'hello' reloads everything when it is back
      live.className = 'live connecting'; live.textContent = 'reconnecting…'; window.drivebusLive = 'connecting';
    };
  }

  $('#search').addEventListener('submit', async ev => {
    ev.preventDefault();
    const label = $('#search-label').value.trim();
    const out = $('#search-result');
    if (!label) { out.hidden = true; return; }
    out.hidden = false;
    try {
      const v = await getJson(`/api/volumes/${encodeURIComponent(label)}`);
      const at = v.locations.map(l => `<li>${l.where === 'drive'
          ? `in drive <b>${esc(l.drive)}</b> of <b>${esc(l.library)}</b> (${esc(l.devicePath)}, from slot ${l.slot ?? '?'})`
          : `in slot <b>${l.slot}</b> of <b>${esc(l.library)}</b>`} <span class="muted">${esc(l.barcode || '')}</span></li>`).join('');
      const held = v.reservations.map(r => `<li>held by ${owner(r.owner)} — ${esc(r.state)} on ${esc(r.drive)}, lease ${esc(left(r.leaseExpiresAt))}</li>`).join('');
      const history = await getJson(`/api/volumes/${encodeURIComponent(label)}/history?limit=5`).catch(() => []);
      const story = history.map(h => `<li class="muted">${esc(ago(h.occurredAt))}: ${esc(h.type)} in ${esc(h.library)}${h.drive ? ` on ${esc(h.drive)}` : ''}</li>`).join('');
      out.innerHTML = `<b>${esc(v.label)}</b><ul>${at || '<li class="muted">not in any slot or drive</li>'}${held}</ul>`
          + (story ? `<div class="history">latest events<ul>${story}</ul></div>` : '');
    } catch (e) {
      out.innerHTML = `<b>${esc(label)}</b>: <span class="muted">${esc(e.message)}</span>`;
    }
  });

  setInterval(tick, 1000);
  loadAll();
  connect();
})();
