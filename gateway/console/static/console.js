/* Strata console: confirmations, the copy button, the overview's charts (uPlot) and the
   playground's streamed chat. No inline scripts anywhere (the pages' CSP forbids them). */
"use strict";

(function () {
  const base = document.body.dataset.base || "";

  function csrfToken() {
    const field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  }

  // Forms that destroy something ask first.
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // "Copy" next to a secret shown once.
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const source = document.querySelector(button.dataset.copy);
    const status = button.parentElement.querySelector("[data-copied]");
    const text = source ? source.textContent.trim() : "";
    const done = function () { if (status) status.textContent = "Copied."; };
    const selected = function () {
      selectText(source);
      if (status) status.textContent = "Selected: press Ctrl+C (⌘C) to copy.";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, selected);
    } else {
      selected();
    }
  });

  function selectText(node) {
    if (!node) return;
    const range = document.createRange();
    range.selectNodeContents(node);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // ---- overview charts ----------------------------------------------------------------------
  const CHARTS = {
    requests: [["Requests", "#2f5bd3", "requests"], ["Errors", "#b42318", "errors"]],
    tokens: [["Tokens", "#1c7c43", "tokens"]],
    cost: [["Cost (USD)", "#7a4cc2", "cost"]],
    latency: [["p50 (ms)", "#2f5bd3", "p50", true], ["p95 (ms)", "#d9822b", "p95", true]],
  };

  // Times in UTC, as every other date in the console: ticks aligned to UTC hours and days, the
  // legend's time written out with "UTC".
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function utcDay(date) { return two(date.getUTCMonth() + 1) + "-" + two(date.getUTCDate()); }
  function utcTime(date) { return two(date.getUTCHours()) + ":" + two(date.getUTCMinutes()); }
  function utcTicks(u, splits, axisIdx, space, increment) {
    return splits.map(function (t) {
      const date = new Date(t * 1000);
      return increment >= 86400 ? utcDay(date) : utcTime(date);
    });
  }
  function utcMoment(u, t) {
    if (t == null) return "–";
    const date = new Date(t * 1000);
    return date.getUTCFullYear() + "-" + utcDay(date) + " " + utcTime(date) + " UTC";
  }

  function drawCharts() {
    const source = document.getElementById("overview-series");
    if (!source || typeof uPlot === "undefined") return;
    const series = JSON.parse(source.textContent);
    window.strataCharts = {};
    document.querySelectorAll("[data-chart]").forEach(function (target) {
      const lines = CHARTS[target.dataset.chart];
      const data = [series.t].concat(lines.map(function (line) { return series[line[2]]; }));
      const options = {
        width: Math.max(target.clientWidth, 240),
        height: 220,
        scales: { x: { time: true } },
        tzDate: function (t) { return uPlot.tzDate(new Date(t * 1000), "Etc/UTC"); },
        series: [{ label: "Time (UTC)", value: utcMoment }].concat(lines.map(function (line) {
          // Latency has no value where no request was: join the points rather than drop to zero.
          return { label: line[0], stroke: line[1], width: 2, fill: line[3] ? undefined : line[1] + "18", spanGaps: !!line[3] };
        })),
        axes: [{ values: utcTicks }, { size: 60 }],
        legend: { show: true },
      };
      target.textContent = "";
      const chart = new uPlot(options, data, target);
      window.strataCharts[target.dataset.chart] = chart;
      new ResizeObserver(function () {
        chart.setSize({ width: Math.max(target.clientWidth, 240), height: 220 });
      }).observe(target);
    });
  }

  // ---- playground -----------------------------------------------------------------------------
  function playground() {
    const form = document.getElementById("playground");
    if (!form) return;
    const chat = document.getElementById("pg-chat");
    const message = document.getElementById("pg-message");
    const send = document.getElementById("pg-send");
    const errorBox = document.getElementById("pg-error");
    const stats = document.getElementById("pg-stats");
    let history = [];

    function bubble(role, text) {
      const node = document.createElement("div");
      node.className = "msg " + role;
      node.textContent = text;
      chat.appendChild(node);
      return node;
    }

    function showError(text) {
      errorBox.textContent = text;
      errorBox.hidden = false;
    }

    function showStats(facts) {
      stats.textContent = "";
      const items = [
        ["Model", facts.model], ["Deployment", facts.deployment],
        ["Tokens in", facts.prompt_tokens], ["Tokens out", facts.completion_tokens],
        ["Cost", "$" + Number(facts.cost_usd || 0).toFixed(6)], ["Latency", facts.latency_ms + " ms"],
        ["First token", facts.ttft_ms == null ? "–" : facts.ttft_ms + " ms"],
        ["Guardrail", facts.guardrail || "none applied"],
      ];
      items.forEach(function (item) {
        const span = document.createElement("span");
        span.dataset.stat = item[0].toLowerCase().replace(/ /g, "-");
        span.append(item[0] + ": ");
        const strong = document.createElement("strong");
        strong.textContent = item[1] == null ? "–" : String(item[1]);
        span.appendChild(strong);
        stats.appendChild(span);
      });
    }

    // A message the gateway refused (or never got) was not sent: it leaves the conversation, on
    // screen and in what the next send carries, and goes back into the box to be changed or resent.
    function unsend(question, answer, text) {
      answer.remove();
      question.remove();
      history.pop();
      message.value = message.value.trim() ? text + "\n" + message.value : text;
    }

    async function converse(event) {
      event.preventDefault();
      const text = message.value.trim();
      if (!text) { showError("Type a message first."); return; }
      errorBox.hidden = true;
      stats.textContent = "";
      history.push({ role: "user", content: text });
      const question = bubble("user", text);
      message.value = "";
      const answer = bubble("assistant", "");
      answer.setAttribute("aria-busy", "true");
      send.disabled = true;
      const system = document.getElementById("pg-system").value.trim();
      const max = document.getElementById("pg-max").value;
      const guardrail = document.getElementById("pg-guardrail").value.trim();
      const body = {
        model: document.getElementById("pg-model").value,
        messages: (system ? [{ role: "system", content: system }] : []).concat(history),
      };
      if (max) body.max_tokens = Number(max);
      if (guardrail) body.guardrail = guardrail;
      try {
        const response = await fetch(form.dataset.endpoint, {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": csrfToken() },
          body: JSON.stringify(body),
          credentials: "same-origin",
        });
        if (response.status === 401 || response.redirected) { window.location = base + "/sign-in"; return; }
        if (!response.ok) {
          let reason = "The gateway refused the request (HTTP " + response.status + ").";
          try { reason = (await response.json()).error || reason; } catch (ignored) { /* not JSON */ }
          unsend(question, answer, text);
          showError(reason + " The message was not sent; it is back in the box.");
          return;
        }
        const outcome = await readEvents(response, answer);
        const failed = outcome.failed;
        if (failed && !answer.textContent) {  // refused before any answer: as a refusal above
          unsend(question, answer, text);
          showError(failed + " The message was not sent; it is back in the box.");
          return;
        }
        if (outcome.facts && outcome.facts.blocked) {
          // A blocked turn stays on screen, marked, but leaves what the next send carries: with
          // it, the guardrail would see the blocked prompt again and block every later message.
          history.pop();
          question.classList.add("blocked");
          answer.classList.add("blocked");
          const note = document.createElement("p");
          note.className = "msg-note";
          note.textContent = "Blocked by the guardrail: this turn is left out of the conversation sent with your next message.";
          chat.appendChild(note);
          return;
        }
        history.push({ role: "assistant", content: answer.textContent });
      } catch (failure) {
        unsend(question, answer, text);
        showError("The connection to the gateway failed: " + failure.message + ". The message is back in the box.");
      } finally {
        answer.removeAttribute("aria-busy");
        send.disabled = false;
        message.focus();
      }
    }

    async function readEvents(response, answer) {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      let failed = null;  // the error event's sentence, if the stream ended with one
      let facts = null;  // the done event's facts
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = (raw.match(/^event: (.*)$/m) || [])[1];
          const data = JSON.parse((raw.match(/^data: (.*)$/m) || [, "{}"])[1]);
          if (name === "delta") answer.textContent += data.text;
          else if (name === "done") { facts = data; showStats(data); }
          else if (name === "error") { failed = data.message; showError(data.message); }
        }
      }
      return { failed: failed, facts: facts };
    }

    form.addEventListener("submit", converse);
    message.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) form.requestSubmit();
    });
    document.getElementById("pg-clear").addEventListener("click", function () {
      history = [];
      chat.textContent = "";
      stats.textContent = "";
      errorBox.hidden = true;
    });
  }

  function start() {
    drawCharts();
    playground();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
