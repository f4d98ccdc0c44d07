// llmecon's page: the scenario editor, the what-if sliders, the results and saved scenarios.
// Plain JavaScript, no build step; every number comes from the JSON API (/api/view draws the
// same document as `llmecon evaluate --format json` plus the report's charts).
"use strict";
(function () {
  const cfg = JSON.parse(document.body.dataset.config || "{}");
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = "llmecon-token";
  let token = sessionStorage.getItem(TOKEN_KEY) || "";

  const state = {
    valid: false,
    options: [],
    base: {},
    sid: cfg.scenarioId || null,
    version: cfg.version || null, // the version shown, and the one a save starts from
    lastView: null,
    viewSeq: 0,
    validateSeq: 0,
  };

  class ApiError extends Error {
    constructor(status, lines) {
      super(lines.join("\n"));
      this.status = status;
      this.lines = lines;
    }
  }

  async function api(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    const r = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (r.ok) return r;
    let lines = [`${r.status} ${r.statusText}`];
    try {
      const data = await r.json();
      if (Array.isArray(data.errors)) lines = data.errors;
    } catch (e) {
      /* not JSON: keep the status line */
    }
    if (r.status === 401) showTokenForm();
    throw new ApiError(r.status, lines);
  }

  function showTokenForm() {
    const form = $("token-form");
    if (form.hidden) {
      form.hidden = false;
      $("token").focus();
    }
  }

  function setStatus(el, kind, text) {
    el.className = "status" + (kind ? " " + kind : "");
    el.textContent = text;
  }

  function debounce(fn, ms) {
    let t = null;
    return (...args) => {
      clearTimeout(t);
      t = setTimeout(() => fn(...args), ms);
    };
  }

  // ------------------------------------------------------------------ sliders

  const sig = (x, n) => Number(Number(x).toPrecision(n));
  const num = new Intl.NumberFormat("en-US", { maximumSignificantDigits: 3 });

  function fmtSlider(key, v) {
    if (key === "gpu_price_factor") return "× " + v.toFixed(2);
    if (key === "api_price_change_per_year" || key === "workload.monthly_growth") {
      return (v >= 0 ? "+" : "−") + Math.abs(v * 100).toFixed(1) + " %";
    }
    return num.format(v);
  }

  const sliders = Array.from(document.querySelectorAll(".slider")).map((el) => {
    const input = el.querySelector("input");
    return {
      el,
      input,
      out: el.querySelector("output"),
      key: el.dataset.key,
      scale: el.dataset.scale,
      unit: el.dataset.unit,
      moved: false,
      value: null,
      lo: 0,
      hi: 1,
    };
  });

  function rangeOf(s, base) {
    const d = s.el.dataset;
    if (d.lo !== undefined) return [Number(d.lo), Number(d.hi)];
    const span = Number(d.span);
    const min = Number(d.min);
    const max = Number(d.max);
    if (!(base > 0)) return [Math.max(min, 1e3), Math.min(max, 1e8)];
    return [Math.max(min, base / span), Math.min(max, base * span)];
  }

  function toValue(s, pos) {
    const f = pos / Number(s.input.max);
    if (s.scale === "log") return s.lo * Math.pow(s.hi / s.lo, f);
    return s.lo + (s.hi - s.lo) * f;
  }

  function toPos(s, v) {
    const max = Number(s.input.max);
    let f;
    if (s.scale === "log") f = Math.log(v / s.lo) / Math.log(s.hi / s.lo);
    else f = (v - s.lo) / (s.hi - s.lo);
    return Math.round(Math.min(1, Math.max(0, f)) * max);
  }

  function showSlider(s) {
    const v = s.moved ? s.value : state.base[s.key];
    s.out.textContent = v === null || v === undefined ? "not used" : fmtSlider(s.key, v) + " " + s.unit;
    s.input.setAttribute("aria-valuetext", s.out.textContent);
    s.el.classList.toggle("moved", s.moved);
  }

  function rebaseSliders(base) {
    state.base = base;
    for (const s of sliders) {
      const b = base[s.key];
      s.input.disabled = b === null || b === undefined;
      [s.lo, s.hi] = rangeOf(s, b);
      if (s.moved) {
        s.input.value = String(toPos(s, s.value));
      } else if (!s.input.disabled) {
        s.input.value = String(toPos(s, b));
      }
      showSlider(s);
    }
  }

  function resetSliders() {
    for (const s of sliders) s.moved = false;
    rebaseSliders(state.base);
  }

  function scenarioBody() {
    const overrides = {};
    let gpu = null;
    for (const s of sliders) {
      if (!s.moved) continue;
      if (s.key === "gpu_price_factor") gpu = s.value;
      else if (s.key === "api_price_change_per_year") {
        for (const o of state.options) {
          if (o.kind === "api" || o.kind === "hosted_open") {
            overrides[`options.${o.name}.price_change_per_year`] = s.value;
          }
        }
      } else overrides[s.key] = s.value;
    }
    const body = { yaml: $("yaml").value, overrides };
    if (gpu !== null) body.gpu_price_factor = gpu;
    return body;
  }

  const viewSoon = debounce(() => view(), 120);
  for (const s of sliders) {
    s.input.addEventListener("input", () => {
      const v = toValue(s, Number(s.input.value));
      // rounded: nearby positions share cached results and read well
      s.value = s.key.startsWith("workload.requests") || s.key.endsWith("_tokens")
        ? Math.max(1, sig(v, 3))
        : sig(v, 3);
      s.moved = true;
      showSlider(s);
      viewSoon();
    });
  }

  // ------------------------------------------------------------------ results

  function fill(list, items) {
    list.replaceChildren(
      ...items.map((t) => {
        const li = document.createElement("li");
        li.textContent = t;
        return li;
      })
    );
  }

  function drawTable(table, recommended) {
    const thead = $("options-table").tHead;
    const tbody = $("options-table").tBodies[0];
    const tr = document.createElement("tr");
    for (const h of table.head) {
      const th = document.createElement("th");
      th.scope = "col";
      th.textContent = h;
      tr.appendChild(th);
    }
    thead.replaceChildren(tr);
    tbody.replaceChildren(
      ...table.rows.map((row) => {
        const r = document.createElement("tr");
        const feasible = row[row.length - 1].startsWith("yes");
        if (row[0] === recommended) r.classList.add("recommended");
        if (!feasible) r.classList.add("infeasible");
        row.forEach((cell, i) => {
          const td = document.createElement(i === 0 ? "th" : "td");
          if (i === 0) td.scope = "row";
          // the recommendation is marked in words, not by colour alone
          td.textContent = i === 0 && cell === recommended ? `★ ${cell} (recommended)` : cell;
          r.appendChild(td);
        });
        return r;
      })
    );
  }

  const PLOT_CONFIG = { displaylogo: false, responsive: true };

  function drawCharts(figures, seq) {
    if (!window.Plotly) return;
    for (const [name, fig] of Object.entries(figures)) {
      const div = $("chart-" + name);
      if (!div) continue;
      window.Plotly.react(div, fig.data, fig.layout, PLOT_CONFIG);
      div.dataset.rev = String(seq);
    }
  }

  async function view() {
    if (!state.valid) return;
    const seq = ++state.viewSeq;
    $("results").setAttribute("aria-busy", "true");
    try {
      const r = await api("POST", "/api/view", scenarioBody());
      const data = await r.json();
      if (seq !== state.viewSeq) return; // a newer slider position is on its way
      state.lastView = data;
      const rec = data.document.recommendation;
      $("headline").textContent = data.headline;
      const recEl = $("recommendation");
      recEl.textContent = rec.option ? `Recommendation: ${rec.option}` : "No feasible option";
      recEl.classList.toggle("bad", !rec.option);
      fill($("reasons"), rec.reasons || []);
      fill($("breakevens"), data.breakevens || []);
      drawTable(data.table, rec.option);
      drawCharts(data.figures, seq);
      document.body.dataset.viewRev = String(seq);
    } catch (err) {
      if (seq !== state.viewSeq) return;
      const lines = err.lines || [String(err)];
      setStatus($("validation"), "bad", lines.join("\n"));
    } finally {
      if (seq === state.viewSeq) $("results").setAttribute("aria-busy", "false");
    }
  }

  // ------------------------------------------------------------------ validation

  async function validate() {
    const seq = ++state.validateSeq;
    try {
      const r = await api("POST", "/api/validate", { yaml: $("yaml").value });
      const v = await r.json();
      if (seq !== state.validateSeq) return false;
      state.valid = v.valid;
      if (!v.valid) {
        setStatus($("validation"), "bad", v.errors.join("\n"));
        return false;
      }
      state.options = v.options;
      setStatus($("validation"), "ok", `Valid: ${v.options.length} options (${v.name})`);
      if (!$("save-name").value) $("save-name").value = v.name;
      rebaseSliders(v.sliders);
      return true;
    } catch (err) {
      if (seq === state.validateSeq) {
        state.valid = false;
        setStatus($("validation"), "bad", (err.lines || [String(err)]).join("\n"));
      }
      return false;
    }
  }

  const editSoon = debounce(async () => {
    if (await validate()) view();
  }, 400);
  $("yaml").addEventListener("input", editSoon);

  async function refresh() {
    if (await validate()) await view();
  }

  // ------------------------------------------------------------------ examples

  let exampleCache = null;
  $("load-example").addEventListener("click", async () => {
    try {
      if (!exampleCache) exampleCache = await (await api("GET", "/api/examples")).json();
      const ex = exampleCache.find((e) => e.name === $("example").value);
      if (!ex) return;
      $("yaml").value = ex.yaml;
      state.sid = null;
      state.version = null;
      $("save-name").value = "";
      history.replaceState(null, "", "/");
      showPermalink();
      fill($("history"), []);
      resetSliders();
      await refresh();
    } catch (err) {
      setStatus($("validation"), "bad", (err.lines || [String(err)]).join("\n"));
    }
  });

  $("reset-sliders").addEventListener("click", () => {
    resetSliders();
    view();
  });

  $("apply-sliders").addEventListener("click", async () => {
    try {
      const r = await api("POST", "/api/apply", scenarioBody());
      $("yaml").value = (await r.json()).yaml;
      for (const s of sliders) s.moved = false;
      await refresh();
    } catch (err) {
      setStatus($("validation"), "bad", (err.lines || [String(err)]).join("\n"));
    }
  });

  // ------------------------------------------------------------------ saved scenarios

  function showPermalink() {
    const line = $("permalink-line");
    if (!state.sid) {
      line.hidden = true;
      return;
    }
    const path = `/s/${encodeURIComponent(state.sid)}?version=${state.version}`;
    const a = $("permalink");
    a.href = path;
    a.textContent = location.origin + path;
    line.hidden = false;
    history.replaceState(null, "", path);
  }

  async function loadList() {
    try {
      const rows = await (await api("GET", "/api/scenarios")).json();
      const list = $("saved-list");
      list.replaceChildren(
        ...rows.map((row) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = `/s/${encodeURIComponent(row.id)}`;
          a.textContent = row.name;
          li.append(a, ` — version ${row.latest_version}, saved ${row.updated_at.slice(0, 16).replace("T", " ")} UTC`);
          if (row.id === state.sid) li.classList.add("current");
          return li;
        })
      );
      if (!rows.length) fill(list, ["(none yet)"]);
    } catch (err) {
      /* the token form or the status line says why */
    }
  }

  async function loadHistory() {
    if (!state.sid) return;
    try {
      const rows = await (await api("GET", `/api/scenarios/${encodeURIComponent(state.sid)}/versions`)).json();
      $("history").replaceChildren(
        ...rows.map((row) => {
          const li = document.createElement("li");
          const a = document.createElement("a");
          a.href = `/s/${encodeURIComponent(state.sid)}?version=${row.version}`;
          a.textContent = `version ${row.version}`;
          li.append(a, `, ${row.created_at.slice(0, 16).replace("T", " ")} UTC`);
          if (row.version === state.version) {
            li.classList.add("current");
            li.append(" (shown)");
          }
          return li;
        })
      );
    } catch (err) {
      /* shown by the status line */
    }
  }

  async function loadSaved() {
    try {
      const q = state.version ? `?version=${state.version}` : "";
      const r = await api("GET", `/api/scenarios/${encodeURIComponent(state.sid)}${q}`);
      const s = await r.json();
      $("yaml").value = s.yaml;
      $("save-name").value = s.name;
      state.version = s.version;
      const old = s.version !== s.latest_version ? ` (the latest is version ${s.latest_version})` : "";
      setStatus($("save-status"), "ok", `Loaded “${s.name}”, version ${s.version}${old}`);
      showPermalink();
      await loadHistory();
      return true;
    } catch (err) {
      setStatus($("save-status"), "bad", (err.lines || [String(err)]).join("\n"));
      return false;
    }
  }

  async function save(asNew) {
    const yaml = $("yaml").value;
    const name = $("save-name").value.trim() || "scenario";
    try {
      let r;
      if (state.sid && !asNew) {
        r = await api("PUT", `/api/scenarios/${encodeURIComponent(state.sid)}`, {
          yaml,
          version: state.version,
          name,
        });
      } else {
        r = await api("POST", "/api/scenarios", { name, yaml });
      }
      const out = await r.json();
      state.sid = out.id;
      state.version = out.version;
      setStatus($("save-status"), "ok", `Saved “${name}” as version ${out.version}`);
      showPermalink();
      await Promise.all([loadList(), loadHistory()]);
    } catch (err) {
      const lines = err.lines || [String(err)];
      const prefix = err.status === 409 ? "Not saved: someone saved a newer version first.\n" : "Not saved:\n";
      setStatus($("save-status"), "bad", prefix + lines.join("\n"));
    }
  }

  $("save").addEventListener("click", () => save(false));
  $("save-new").addEventListener("click", () => save(true));

  // ------------------------------------------------------------------ downloads

  function download(name, type, data) {
    const url = URL.createObjectURL(new Blob([data], { type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  const fileName = () => ($("save-name").value.trim() || "scenario").replace(/[^\w.-]+/g, "_");

  $("download-report").addEventListener("click", async () => {
    try {
      const r = await api("POST", "/api/report", scenarioBody());
      download(fileName() + ".html", "text/html", await r.text());
    } catch (err) {
      setStatus($("validation"), "bad", (err.lines || [String(err)]).join("\n"));
    }
  });

  $("download-json").addEventListener("click", () => {
    if (state.lastView) {
      download(fileName() + ".json", "application/json", JSON.stringify(state.lastView.document, null, 2));
    }
  });

  // ------------------------------------------------------------------ start

  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    token = $("token").value;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token-form").hidden = true;
    start();
  });

  async function start() {
    if (state.sid) await loadSaved();
    showPermalink();
    await Promise.all([refresh(), loadList()]);
  }

  start();
})();
