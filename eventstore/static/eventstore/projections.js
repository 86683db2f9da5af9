/* The projections page: refresh each baker's checkpoint, lag and job every second. */
(function () {
  "use strict";
  const url = document.getElementById("projections").dataset.progressUrl;
  function text(node, value) { if (node) { node.textContent = value; } }
  function describeJob(cell, job) {
    cell.replaceChildren();
    if (!job) { return; }
    const line = document.createElement("div");
    line.textContent = job.kind + ": " + job.state + (job.state === "failed" ? " (" + job.error + ")" : "");
    cell.append(line);
    if (job.state === "queued" || job.state === "running") {
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = job.percent;
      bar.title = job.position + " / " + job.target;
      cell.append(bar, " " + job.percent + "% (" + job.position + " / " + job.target + ")");
    }
    if (job.kind === "verify" && job.state === "done") {
      const list = document.createElement("ul");
      for (const table of job.tables) {
        const item = document.createElement("li");
        item.textContent = table.table + ": " + (table.equal ? "equal" : "DIFFERENT (" + table.only_live + " rows only live, " + table.only_rebuilt + " only rebuilt)");
        item.className = table.equal ? "verify-equal" : "verify-different";
        list.append(item);
      }
      cell.append(list);
    }
  }
  async function refresh() {
    try {
      const response = await fetch(url, {credentials: "same-origin"});
      if (!response.ok) { return; }
      const data = await response.json();
      for (const row of data.projections) {
        const tr = document.querySelector('tr[data-name="' + row.name + '"]');
        if (!tr) { continue; }
        text(document.getElementById("head"), row.head);
        text(tr.querySelector(".checkpoint"), row.checkpoint);
        text(tr.querySelector(".lag"), row.lag);
        text(tr.querySelector(".status"), row.status + (row.failed_position ? " at #" + row.failed_position : ""));
        text(tr.querySelector(".last-run"), row.last_run);
        const cell = tr.querySelector(".job");
        if (cell) { describeJob(cell, row.job); }
        const outlets = document.querySelectorAll('tr[data-outlet-of="' + row.name + '"]');
        (row.outlets || []).forEach(function (outlet, i) {
          if (!outlets[i]) { return; }
          text(outlets[i].querySelector(".lag"), outlet.pending + " pending");
          text(outlets[i].querySelector(".status"), outlet.status);
        });
      }
    } finally {
      window.setTimeout(refresh, 1000);
    }
  }
  refresh();
})();
