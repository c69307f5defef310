// fusionAIze metadata: search by any id form, filters, and the cost calculator. No framework.
// Every id and name is written as text (textContent), never as markup: an id comes from the
// address bar, a name from upstream data. The pages' Content-Security-Policy runs this file only.
"use strict";
const root = document.body.dataset.root || "";
const CLIENT_PREFIXES = __CLIENT_PREFIXES__;
let names = null, prices = null;

async function load(file) { return (await fetch(root + file)).json(); }
const normalized = (s) => s.toLowerCase().replace(/[._]/g, "-");

// The readings of an id, as gate_consumer.id_forms reads them (most specific first).
function readings(id) {
  const out = [id];
  let m;
  if ((m = id.match(/^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:\d*:(?:foundation-model|inference-profile)\/(.+)$/))) out.push(m[1]);
  if ((m = id.match(/^(?:projects\/[^/]+\/locations\/[^/]+\/)?publishers\/[^/]+\/models\/([^/]+)$/))) out.push(m[1]);
  if ((m = id.match(/^models\/([^/]+)$/))) out.push(m[1]);
  const slash = id.indexOf("/");
  if (slash > 0 && CLIENT_PREFIXES.includes(id.slice(0, slash))) out.push(id.slice(slash + 1));
  for (const r of out.slice()) {
    const bare = r.replace(/\[[a-z0-9._-]{1,16}\]$/, "").replace(/:(thinking|beta|nitro|floor|online|exacto)$/, "")
                  .replace(/@[a-z0-9._-]+$/, "");
    if (bare !== r) out.push(bare);
  }
  return out;
}

function find(query) {
  const q = query.trim().toLowerCase();
  if (!q || !names) return null;
  for (const r of readings(q)) {
    if (names[r]) return names[r];
  }
  const loose = readings(q).map(normalized);
  for (const [name, model] of Object.entries(names)) {
    if (loose.includes(normalized(name))) return model;
  }
  return null;
}

const FILTERS = ["f-provider", "f-capability", "f-modality", "f-freshness", "f-free", "f-sources"];
const URL_KEYS = { "f-provider": "provider", "f-capability": "capability", "f-modality": "input",
                   "f-freshness": "freshness", "f-free": "price", "f-sources": "sources" };
let sortKey = "", sortDir = "asc";

function filterRows() {
  const table = document.getElementById("models");
  if (!table) return;
  const get = (id) => document.getElementById(id).value;
  const q = document.getElementById("q").value.trim().toLowerCase();
  const [provider, capability, modality, freshness, free, sources] = FILTERS.map(get);
  const found = find(q);
  let shown = 0;
  for (const row of table.tBodies[0].rows) {
    const d = row.dataset;
    const ok = (!provider || d.providers.split(" ").includes(provider)) && (!modality || d.modalities.split(" ").includes(modality))
      && (!capability || d.capabilities.split(" ").includes(capability))
      && (!freshness || d.freshness === freshness) && (!free || d.free === free) && (!sources || d.sources === sources)
      && (!q || row.textContent.toLowerCase().includes(q) || row.querySelector(".id").textContent === found);
    row.hidden = !ok;
    shown += ok ? 1 : 0;
  }
  document.getElementById("count").textContent = `${shown} model${shown === 1 ? "" : "s"}`;
  remember();
}

// Sort by a column: numbers as numbers, text as text; a row without a value goes last either way.
function sortRows(key, dir) {
  const table = document.getElementById("models");
  if (!table || !key) return;
  sortKey = key; sortDir = dir;
  const body = table.tBodies[0];
  const value = (row) => row.querySelector(`td.c-${key}`).dataset.v;
  const numeric = table.querySelector(`td.c-${key}.num`) !== null || key === "freshness";
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const [x, y] = [value(a), value(b)];
    if (x === "" || y === "") return (x === "") - (y === "");
    const order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
    return dir === "asc" ? order : -order;
  });
  body.append(...rows);
  for (const th of table.tHead.rows[0].cells) {
    const button = th.querySelector("button.sort");
    th.setAttribute("aria-sort", button.dataset.sort === key ? (dir === "asc" ? "ascending" : "descending") : "none");
  }
  remember();
}

// The view in the address: filters, search and sort, so a view can be shared.
function remember() {
  if (!document.getElementById("models")) return;
  const params = new URLSearchParams();
  const q = document.getElementById("q").value.trim();
  if (q) params.set("q", q);
  for (const id of FILTERS) { const v = document.getElementById(id).value; if (v) params.set(URL_KEYS[id], v); }
  if (sortKey) { params.set("sort", sortKey); params.set("dir", sortDir); }
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

function restore() {
  const params = new URLSearchParams(location.search);
  for (const id of FILTERS) {
    const v = params.get(URL_KEYS[id]);
    const select = document.getElementById(id);
    if (v && Array.from(select.options).some((o) => o.value === v)) select.value = v;
  }
  const q = params.get("q");
  if (q) document.getElementById("q").value = q;
  const key = params.get("sort");
  if (key && document.querySelector(`button.sort[data-sort="${CSS.escape(key)}"]`)) sortRows(key, params.get("dir") === "desc" ? "desc" : "asc");
  return Boolean(q);
}

// Names that differ from the query only by separators, or by a letter or two: the did-you-mean.
function nearest(query, limit = 3) {
  const bare = (s) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  const q = bare(query);
  if (q.length < 3 || !names) return [];
  const seen = new Set(), out = [];
  const add = (model) => { if (!seen.has(model) && out.length < limit) { seen.add(model); out.push(model); } };
  for (const [name, model] of Object.entries(names)) if (bare(name) === q) add(model);
  if (out.length) return out;
  const scored = [];
  for (const [name, model] of Object.entries(names)) {
    const b = bare(name);
    if (Math.abs(b.length - q.length) > 2 || b[0] !== q[0]) continue;
    const d = distance(q, b, 2);
    if (d <= 2) scored.push([d, name.length, model]);
  }
  scored.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (const [, , model] of scored) add(model);
  return out;
}

// Levenshtein distance, given up past `most`.
function distance(a, b, most) {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, current[j]);
    }
    if (best > most) return most + 1;
    previous = current;
  }
  return previous[b.length];
}

function modelLink(model, text) {
  const link = document.createElement("a");
  link.href = `${root}models/${model}.html`;
  link.textContent = text;
  return link;
}

async function search() {
  names = names || await load("search.json");
  const query = document.getElementById("q").value;
  const model = find(query);
  const hit = document.getElementById("hit");
  hit.replaceChildren();
  if (model) {
    const link = modelLink(model, `${query.trim()} → ${model}`);
    link.id = "hit-link";
    hit.appendChild(link);
  } else if (query.trim()) {
    const close = nearest(query);
    if (close.length) {
      hit.append("no model has this id; did you mean ");
      close.forEach((m, i) => { if (i) hit.append(", "); const a = modelLink(m, m); a.className = "suggestion"; hit.appendChild(a); });
      hit.append("?");
    } else {
      hit.textContent = "no model has this id";
    }
  }
  filterRows();
}

// The price of one request on one offering: gate_consumer's PriceTable.quote (same components,
// same order of additions, so the same floating-point result). A service tier's prices are the
// ones it states, and do not combine with a context tier (null: not priced so).
function quote(p, input, cached, output, tier = "standard", region = "") {
  let rates = p, contextTier = false;
  const thresholds = p.tiers.map((t) => t.above);
  if (tier !== "standard") {
    if (!p[tier] || (thresholds.length && input > thresholds[0])) return null;
    rates = p[tier];
  } else {
    const above = p.tiers.filter((t) => input > t.above);
    if (above.length) { rates = Object.assign({}, p, above[above.length - 1]); contextTier = true; }
  }
  if (region) {  // a multiplier on the prices above, or the region's own (alone: no tier of any kind)
    const spec = (p.regions || {})[region];
    if (!spec) return null;
    if (spec.multiplier === undefined) {
      if (tier !== "standard" || contextTier) return null;
      rates = spec;
    } else {
      const scaled = {};
      for (const k of ["input", "output", "cache_read"]) if (rates[k] !== undefined) scaled[k] = rates[k] * spec.multiplier;
      rates = scaled;
    }
  }
  const uncached = input - cached;
  let total = 0.0;
  if (uncached) { if (rates.input === undefined) return null; total += uncached * rates.input / 1000000.0; }
  if (cached) { if (rates.cache_read === undefined) return null; total += cached * rates.cache_read / 1000000.0; }
  if (output) { if (rates.output === undefined) return null; total += output * rates.output / 1000000.0; }
  // as Quote.total_usd: round(total * 1e12) / 1e12, Python's round (half to even)
  const n = total * 1e12;
  let r = Math.round(n);
  if (r - n === 0.5 && r % 2 !== 0) r -= 1;
  return r / 1e12;
}

// Dollars as a buyer reads them: four significant digits below a dollar, cents above.
function dollars(usd) {
  if (usd === 0) return "$0";
  return usd >= 1 ? `$${usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
                  : `$${Number(usd.toPrecision(4))}`;
}

const WHOSE = { vendor: "the vendor's", cloud: "a cloud's", direct: "a host's", aggregator: "an aggregator's",
                subscription: "a subscription's", local: "local" };

async function compare() {
  names = names || await load("search.json");
  prices = prices || await load("prices.json");
  const ids = document.getElementById("c-models").value.split(",").map((s) => s.trim()).filter(Boolean).slice(0, 4);
  const [input, cached, output] = ["c-input", "c-cached", "c-output"].map((id) => Number(document.getElementById(id).value) || 0);
  const tier = document.getElementById("c-tier").value;
  const region = document.getElementById("c-region").value.trim();
  const table = document.getElementById("c-result");
  for (const old of Array.from(table.tBodies)) old.remove();
  for (const id of ids) {
    const model = find(id);
    const group = table.createTBody();
    group.dataset.model = model || id;
    const head = group.insertRow();
    const title = document.createElement("th");
    title.scope = "rowgroup"; title.colSpan = 5;
    title.textContent = model ? `${prices[model] ? prices[model].name : model} (${model})` : id;
    head.appendChild(title);
    const offerings = model && prices[model] ? prices[model].offerings : [];
    if (!offerings.length) {
      const row = group.insertRow();
      const why = row.insertCell();
      why.colSpan = 5;
      why.textContent = model ? "no priced offering" : "no model has this id";
      continue;
    }
    const list = document.getElementById("c-regions");  // the regions these offerings price in
    for (const name of offerings.flatMap((p) => Object.keys(p.regions || {}))) {
      if (!Array.from(list.options).some((o) => o.value === name)) { const o = document.createElement("option"); o.value = name; list.appendChild(o); }
    }
    const priced = offerings.map((p) => ({ p, usd: cached > input ? null : quote(p, input, cached, output, tier, region) }));
    // the vendor's price first, then every other offering cheapest first, the unpriced last
    priced.sort((a, b) => (b.p.headline - a.p.headline) || ((a.usd === null) - (b.usd === null)) || (a.usd - b.usd)
                          || a.p.offering.localeCompare(b.p.offering));
    for (const { p, usd } of priced) {
      const row = group.insertRow();
      row.dataset.offering = p.offering;
      if (p.headline) row.className = "headline";
      row.insertCell().textContent = p.offering;
      const whose = p.headline ? "the price a user would pay the vendor" : `${WHOSE[p.route] || "another"} price`;
      row.insertCell().textContent = p.provider ? `${p.provider}: ${whose}` : whose;
      const cell = row.insertCell();
      cell.className = "usd num";
      if (usd === null) cell.textContent = region ? `no price in ${region}` : tier === "standard" ? "unpriced" : `no ${tier} price`;
      else { cell.dataset.usd = String(usd); cell.textContent = dollars(usd); }
      const fresh = row.insertCell();
      const badge = document.createElement("span");
      const freshness = /^[a-z]+$/.test(p.freshness || "") ? p.freshness : "untracked";
      badge.className = `badge ${freshness}`;
      badge.textContent = freshness;
      fresh.appendChild(badge);
      const sources = row.insertCell();
      sources.className = "num";
      sources.textContent = Number.isInteger(p.sources) ? String(p.sources) : "—";
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form")) form.addEventListener("submit", (e) => e.preventDefault());
  const q = document.getElementById("q");
  if (q) {
    q.addEventListener("input", search);
    q.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {  // Enter opens the model the id names (or the first suggestion)
        const link = document.querySelector("#hit-link, #hit a.suggestion");
        if (link) location.href = link.href;
      } else if (e.key === "Escape") {
        q.value = "";
        search();
      }
    });
    for (const id of FILTERS) document.getElementById(id).addEventListener("change", filterRows);
    for (const button of document.querySelectorAll("button.sort")) {
      button.addEventListener("click", () => {
        const key = button.dataset.sort;
        sortRows(key, sortKey === key && sortDir === "asc" ? "desc" : "asc");
      });
    }
    document.querySelector("main").addEventListener("click", (e) => {  // a chip filters by itself
      const chip = e.target.closest("button.chip");
      if (!chip) return;
      if (chip.dataset.c) document.getElementById("f-capability").value = chip.dataset.c;
      if (chip.dataset.m) document.getElementById("f-modality").value = chip.dataset.m;
      if (chip.dataset.p) document.getElementById("f-provider").value = chip.dataset.p;
      filterRows();
    });
    if (restore()) search(); else if (location.search) filterRows();
  }
  const run = document.getElementById("c-run");
  if (run) {
    const preset = new URLSearchParams(location.search).get("m");
    if (preset) document.getElementById("c-models").value = preset;
    run.addEventListener("click", compare);
  }
});
