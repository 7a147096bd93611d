// The explorer page: each slider move asks the server for the view at the new state and
// swaps in its pictures and numbers. One request at a time; moves made meanwhile are
// coalesced into the next request. window.explorer records each update's latency (from the
// first input it answers to the redrawn page) for the browser test.
"use strict";
(() => {
  const ids = ["v_rest", "stim", "noise", "seed"];
  const input = Object.fromEntries(ids.map((id) => [id, document.getElementById(id)]));
  const digits = { v_rest: 1, stim: 2, noise: 2 };
  const stats = { version: 0, updates: [], serverMs: [] };
  window.explorer = stats;
  let inflight = false, pending = false, inputAt = null;

  function query() {
    const q = new URLSearchParams();
    for (const id of ids) {
      if (input[id] && !input[id].disabled) q.set(id, input[id].value);
    }
    return q.toString();
  }

  function fmt(x, d) { return Number(x).toFixed(d); }

  function render(v) {
    document.getElementById("fig_posterior").innerHTML = v.svg.posterior;
    document.getElementById("fig_observed").innerHTML = v.svg.observed;
    document.getElementById("fig_predictive").innerHTML = v.svg.predictive;
    const rows = [0, 1].map((j) => `<tr><th>${v.names[j]}</th><td class="truth">${fmt(v.truth[j], 2)}</td>` +
      `<td class="mean">${fmt(v.mean[j], 3)}</td><td class="std">${fmt(v.std[j], 3)}</td>` +
      `<td class="interval">[${fmt(v.q05[j], 3)}, ${fmt(v.q95[j], 3)}]</td></tr>`);
    document.querySelector("#numbers tbody").innerHTML = rows.join("");
    const check = document.getElementById("model_check");
    check.textContent = v.check;
    check.className = v.misspecification && v.misspecification.verdict === "outside" ? "warning" : "";
    document.getElementById("server_ms").textContent = fmt(1000 * v.seconds, 0);
    stats.serverMs.push(1000 * v.seconds);
  }

  async function update() {
    if (inflight) { pending = true; return; }
    inflight = true;
    const q = query();
    const since = inputAt ?? performance.now();
    inputAt = null;
    const error = document.getElementById("error");
    try {
      const r = await fetch("/api/view?" + q);
      if (r.ok) {
        render(await r.json());
        error.textContent = "";
        history.replaceState(null, "", "/?" + q);
        document.getElementById("permalink").href = "/?" + q;
      } else {
        error.textContent = await r.text();
      }
    } catch (e) {
      error.textContent = "the explorer server did not answer: " + e;
    }
    await new Promise((done) => requestAnimationFrame(() => done()));
    stats.updates.push(performance.now() - since);
    stats.version += 1;
    document.body.dataset.version = String(stats.version);
    document.getElementById("update_ms").textContent = fmt(stats.updates.at(-1), 0);
    inflight = false;
    if (pending) { pending = false; update(); }
  }

  for (const id of ids) {
    const el = input[id];
    if (!el) continue;
    el.addEventListener("input", () => {
      const out = document.getElementById(id + "_out");
      if (out) out.textContent = fmt(el.value, digits[id]);
      if (inputAt === null) inputAt = performance.now();
      update();
    });
  }
})();
