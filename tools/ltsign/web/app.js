// ltsign serve's verification page: files go to POST /v1/verify, verdicts come back as the
// JSON report of `ltsign verify --json`; nothing is judged here.
"use strict";
(function () {
  const S = window.LTSIGN_STRINGS;
  let lang = localStorage.getItem("ltsign-lang") ||
             ((navigator.language || "en").toLowerCase().startsWith("sv") ? "sv" : "en");
  let chosen = [];        // {file, name, role}
  let lastReport = null;  // {json: text, files: what was sent}
  const $ = (id) => document.getElementById(id);

  function t(key, vars) {
    let s = (S[lang] && S[lang][key]) || S.en[key] || key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(String(v));
    return s;
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.title = t("title") + " – ltsign";
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const b of document.querySelectorAll("[data-lang]"))
      b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
    renderChosen();
    if (lastReport) renderReport(JSON.parse(lastReport.json));
  }

  // A file is a document when another chosen file signs it by name (NAME.p7s, NAME.ers, ...);
  // else signature-like names are what is verified. The role can be changed in the table.
  const SIGNATURE = /\.(p7s|p7m|pkcs7|cms|tst|tsr|ers|asice|asics|sce|scs|xades|pdf|xml)$/i;
  function guessRoles() {
    const names = new Set(chosen.map((c) => c.name));
    for (const c of chosen) {
      if (c.fixed) continue;
      const signed = [...names].some((n) => n !== c.name && n.startsWith(c.name + ".") &&
                                     SIGNATURE.test(n));
      c.role = !signed && SIGNATURE.test(c.name) ? "signature" : "document";
    }
  }

  function add(files) {
    for (const f of files) {
      const name = f.webkitRelativePath || f.relativePath || f.name;
      chosen = chosen.filter((c) => c.name !== name);
      chosen.push({ file: f, name: name, role: "document" });
    }
    guessRoles();
    renderChosen();
  }

  function renderChosen() {
    const body = $("chosen").querySelector("tbody");
    body.replaceChildren();
    $("chosen").hidden = chosen.length === 0;
    $("none-chosen").hidden = chosen.length !== 0;
    chosen.forEach((c, i) => {
      const tr = document.createElement("tr");
      const name = document.createElement("td");
      name.textContent = c.name;
      const roleCell = document.createElement("td");
      const select = document.createElement("select");
      select.setAttribute("aria-label", t("roleOf", { name: c.name }));
      for (const r of ["signature", "document"]) {
        const o = document.createElement("option");
        o.value = r;
        o.textContent = t(r === "signature" ? "roleSignature" : "roleDocument");
        o.selected = c.role === r;
        select.append(o);
      }
      select.addEventListener("change", () => { c.role = select.value; c.fixed = true; });
      roleCell.append(select);
      const rm = document.createElement("td");
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = t("remove");
      b.setAttribute("aria-label", t("removeFile", { name: c.name }));
      b.addEventListener("click", () => { chosen.splice(i, 1); guessRoles(); renderChosen(); $("files").focus(); });
      rm.append(b);
      tr.append(name, roleCell, rm);
      body.append(tr);
    });
  }

  function formData() {
    const fd = new FormData();
    for (const c of chosen) fd.append(c.role, c.file, c.name);
    for (const f of $("trust").files) fd.append("trust", f, f.name);
    return fd;
  }

  async function post(query) {
    const headers = {};
    const token = $("token").value.trim();
    if (token) headers.Authorization = "Bearer " + token;
    return fetch("/v1/verify" + query, { method: "POST", body: formData(), headers: headers });
  }

  function setStatus(text, error) {
    $("status").textContent = text;
    $("status").classList.toggle("error", !!error);
  }

  async function problemText(res) {
    try { return (await res.json()).detail || res.statusText; } catch (e) { return res.statusText; }
  }

  async function verify(event) {
    event.preventDefault();
    if (!chosen.some((c) => c.role === "signature")) { setStatus(t("needSignature"), true); return; }
    setStatus(t("verifying", { n: chosen.length }), false);
    $("verify").disabled = true;
    try {
      const res = await post("");
      if (!res.ok) { setStatus(t("failedRequest", { detail: await problemText(res) }), true); return; }
      const text = await res.text();
      lastReport = { json: text };
      renderReport(JSON.parse(text));
    } catch (e) {
      setStatus(t("unreachable"), true);
    } finally {
      $("verify").disabled = false;
    }
  }

  function verdictClass(indication) {
    return indication === "TOTAL_PASSED" ? "passed" : indication === "TOTAL_FAILED" ? "failed" : "indeterminate";
  }

  function when(iso) {
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString(lang === "sv" ? "sv-SE" : "en-GB", { timeZone: "UTC", dateStyle: "medium", timeStyle: "medium" }) + " UTC";
  }

  // Every time the evidence rests on, in order: the claimed signing time, each time-stamp and
  // evidence record, when the best proof of existence lies, and when renewal is due.
  function timeline(sig) {
    const events = [];
    if (sig.signingTime && sig.type === "signature") events.push([sig.signingTime, t("evSigning")]);
    if (sig.type === "timestamp" && sig.signingTime) events.push([sig.signingTime, t("evTimestamp")]);
    for (const ts of sig.timestamps || []) {
      const label = ts.type === "evidence-record" ? t("evRecord") : ts.type === "archive-timestamp" ? t("evArchive") : t("evTimestamp");
      const at = ts.signingTime || ts.bestSignatureTime;
      if (at) events.push([at, label + " – " + t(verdictClass(ts.indication)) + (ts.signer ? " (" + ts.signer + ")" : "")]);
    }
    if (sig.bestSignatureTime) events.push([sig.bestSignatureTime, t("evBest")]);
    if (sig.renewFrom) events.push([sig.renewFrom, t("evRenewFrom")]);
    if (sig.renewBy) events.push([sig.renewBy, t("evRenewBy")]);
    events.sort((a, b) => a[0].localeCompare(b[0]));
    const ol = document.createElement("ol");
    ol.className = "timeline";
    for (const [at, label] of events) {
      const li = document.createElement("li");
      const time = document.createElement("time");
      time.dateTime = at;
      time.textContent = when(at);
      li.append(time, " — " + label);
      ol.append(li);
    }
    return ol;
  }

  function field(dl, label, value) {
    if (!value) return;
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value;
    dl.append(dt, dd);
  }

  function renderFile(f) {
    const li = document.createElement("li");
    const cls = verdictClass(f.indication);
    li.className = "verdict " + cls;
    li.dataset.path = f.path;
    li.dataset.indication = f.indication;
    const h = document.createElement("h3");
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = t(cls) + (f.subIndication ? " (" + f.subIndication + ")" : "");
    h.append(badge, " ", f.path);
    li.append(h);
    const dl = document.createElement("dl");
    field(dl, t("format"), f.format);
    field(dl, t("document"), f.data);
    if (f.error) field(dl, t("error"), f.error.message);
    li.append(dl);
    for (const sig of f.signatures || []) {
      const part = document.createElement("div");
      const sdl = document.createElement("dl");
      field(sdl, t("kind_" + sig.type) || sig.type, t(verdictClass(sig.indication)) + (sig.subIndication ? " (" + sig.subIndication + ")" : ""));
      field(sdl, t("explanation"), sig.explanation);
      field(sdl, t("signer"), sig.signer);
      field(sdl, t("level"), sig.level);
      part.append(sdl);
      const h4 = document.createElement("h4");
      h4.textContent = t("timeline");
      part.append(h4, timeline(sig));
      li.append(part);
    }
    return li;
  }

  function renderReport(report) {
    const s = report.summary || {};
    $("summary").textContent = t("done", { passed: s.passed || 0, failed: s.failed || 0, indeterminate: s.indeterminate || 0 });
    setStatus($("summary").textContent, false);
    const list = $("verdicts");
    list.replaceChildren(...report.files.map(renderFile));
    $("results").hidden = false;
  }

  function download(text, name, type) {
    const url = URL.createObjectURL(new Blob([text], { type: type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  async function downloadEtsi() {
    // At the shown report's validation time, so that both reports say the same.
    const at = lastReport ? JSON.parse(lastReport.json).validationTime : "";
    const res = await post("?report=etsi" + (at ? "&at=" + encodeURIComponent(at) : ""));
    if (!res.ok) { setStatus(t("failedRequest", { detail: await problemText(res) }), true); return; }
    download(await res.text(), "validation-report.xml", "application/xml");
  }

  // Files and folders dropped: folders are walked, each file keeping its path below the drop.
  async function entries(items) {
    const out = [];
    async function walk(entry, prefix) {
      if (entry.isFile) {
        const file = await new Promise((ok, bad) => entry.file(ok, bad));
        file.relativePath = prefix + file.name;
        out.push(file);
      } else if (entry.isDirectory) {
        const reader = entry.createReader();
        for (;;) {
          const batch = await new Promise((ok, bad) => reader.readEntries(ok, bad));
          if (batch.length === 0) break;
          for (const e of batch) await walk(e, prefix + entry.name + "/");
        }
      }
    }
    for (const e of items) await walk(e, "");
    return out;
  }

  function init() {
    const drop = $("drop");
    drop.addEventListener("click", () => $("files").click());
    drop.addEventListener("keydown", (e) => {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); $("files").click(); }
    });
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", async (e) => {
      e.preventDefault();
      drop.classList.remove("over");
      const items = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
      add(items.length ? await entries(items) : e.dataTransfer.files);
    });
    $("files").addEventListener("change", (e) => add(e.target.files));
    $("folder").addEventListener("change", (e) => add(e.target.files));
    $("form").addEventListener("submit", verify);
    $("clear").addEventListener("click", () => {
      chosen = []; lastReport = null; $("results").hidden = true; setStatus("", false);
      $("form").reset(); renderChosen();
    });
    $("dl-json").addEventListener("click", () => lastReport && download(lastReport.json, "validation-report.json", "application/json"));
    $("dl-etsi").addEventListener("click", downloadEtsi);
    for (const b of document.querySelectorAll("[data-lang]")) {
      b.addEventListener("click", () => { lang = b.dataset.lang; localStorage.setItem("ltsign-lang", lang); applyLanguage(); });
    }
    applyLanguage();
  }

  init();
})();
