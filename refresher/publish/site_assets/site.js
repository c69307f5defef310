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

function filterRows() {
  const table = document.getElementById("models");
  if (!table) return;
  const get = (id) => document.getElementById(id).value;
  const q = document.getElementById("q").value.trim().toLowerCase();
  const [provider, capability, modality, freshness, free, sources] =
    ["f-provider", "f-capability", "f-modality", "f-freshness", "f-free", "f-sources"].map(get);
  let shown = 0;
  for (const row of table.tBodies[0].rows) {
    const d = row.dataset;
    const ok = (!provider || d.providers.split(" ").includes(provider)) && (!modality || d.modalities.split(" ").includes(modality))
      && (!capability || d.capabilities.split(" ").includes(capability))
      && (!freshness || d.freshness === freshness) && (!free || d.free === free) && (!sources || d.sources === sources)
      && (!q || row.textContent.toLowerCase().includes(q) || row.querySelector(".id").textContent === find(q));
    row.hidden = !ok;
    shown += ok ? 1 : 0;
  }
  document.getElementById("count").textContent = `${shown} model${shown === 1 ? "" : "s"}`;
}

async function search() {
  names = names || await load("search.json");
  const query = document.getElementById("q").value;
  const model = find(query);
  const hit = document.getElementById("hit");
  hit.replaceChildren();
  if (model) {
    const link = document.createElement("a");
    link.href = `${root}models/${model}.html`;
    link.textContent = `${query.trim()} → ${model}`;
    link.id = "hit-link";
    hit.appendChild(link);
  } else if (query.trim()) {
    hit.textContent = "no model has this id";
  }
  filterRows();
}

// The price of one request on one offering: gate_consumer's PriceTable.quote at the standard
// tier (same components, same order of additions, so the same floating-point result).
function quote(p, input, cached, output) {
  let rates = p;
  const above = p.tiers.filter((t) => input > t.above);
  if (above.length) rates = Object.assign({}, p, above[above.length - 1]);
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

async function compare() {
  names = names || await load("search.json");
  prices = prices || await load("prices.json");
  const ids = document.getElementById("c-models").value.split(",").map((s) => s.trim()).filter(Boolean).slice(0, 4);
  const [input, cached, output] = ["c-input", "c-cached", "c-output"].map((id) => Number(document.getElementById(id).value) || 0);
  const body = document.querySelector("#c-result tbody");
  body.replaceChildren();
  for (const id of ids) {
    const model = find(id);
    const offerings = model ? prices[model].offerings : [];
    if (!offerings.length) {
      const row = body.insertRow();
      row.insertCell().textContent = id;
      const why = row.insertCell();
      why.colSpan = 2;
      why.textContent = "unknown or unpriced";
      continue;
    }
    for (const p of offerings) {
      const usd = cached > input ? null : quote(p, input, cached, output);
      const row = body.insertRow();
      row.dataset.offering = p.offering;
      row.insertCell().textContent = model;
      row.insertCell().textContent = p.offering;
      const cell = row.insertCell();
      cell.className = "usd";
      cell.textContent = usd === null ? "unpriced" : String(usd);
    }
  }
}

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form")) form.addEventListener("submit", (e) => e.preventDefault());
  const q = document.getElementById("q");
  if (q) {
    q.addEventListener("input", search);
    for (const id of ["f-provider", "f-capability", "f-modality", "f-freshness", "f-free", "f-sources"]) {
      document.getElementById(id).addEventListener("change", filterRows);
    }
  }
  const run = document.getElementById("c-run");
  if (run) {
    const preset = new URLSearchParams(location.search).get("m");
    if (preset) document.getElementById("c-models").value = preset;
    run.addEventListener("click", compare);
  }
});
