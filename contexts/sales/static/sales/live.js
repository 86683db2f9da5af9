/* The live pages' one script: apply /ws/order-events messages to a rendered page, once each.
 *
 * The page embeds the feed position it was rendered at (data-position on [data-feed]),
 * and the websocket server's port when it is not the page's own (data-websocket-port).
 * The socket connects with ?after=<last position applied>: the server first replays what
 * the page has not seen, then pushes live. A message at or below the last position is
 * ignored, so an update is never applied twice, whatever the server repeats. Each message
 * names the position before it (`previous`); one that does not follow the last position
 * applied means something was missed, and the page resumes from that position at once
 * rather than apply it. When the socket closes, or stays silent past two heartbeats, the
 * page shows "reconnecting" and comes back with backoff from the last position it applied.
 *
 * Every applied position is logged in #applied (hidden), and each order row counts its
 * updates in data-updates: what the page did, for people and tests to read.
 */
(function () {
  "use strict";

  const root = document.querySelector("[data-feed]");
  if (!root) return;
  const indicator = document.getElementById("connection");
  const applied = document.getElementById("applied");
  const silenceMs = 2.5 * 1000 * Number(root.dataset.heartbeat || 20);
  const LOG_LIMIT = 5000; // a board left open for days keeps its recent history only
  const REFUSED = {
    4401: "signed out: reload to sign in",
    4403: "no longer allowed: reload",
    4429: "too many pages open: close some, then reload",
    4400: "the feed refused this page",
  };
  const LABELS = {
    "sales.OrderPlaced": "Order placed",
    "sales.OrderRejected": "Order refused",
    "sales.OrderInvoiced": "Invoiced",
    "sales.OrderPaid": "Paid",
    "sales.OrderShipped": "Shipped",
    "sales.OrderDelivered": "Delivered",
    "sales.OrderCancelled": "Cancelled",
    "invoicing.InvoiceIssued": "Invoice issued",
    "invoicing.PaymentReceived": "Payment received",
    "invoicing.InvoicePaid": "Invoice paid",
    "invoicing.InvoiceOverdue": "Invoice overdue",
    "invoicing.InvoiceVoided": "Invoice voided",
    "invoicing.RefundIssued": "Refund issued",
    "shipping.ShipmentCreated": "Shipment created",
    "shipping.ShipmentDispatched": "Shipment dispatched",
    "shipping.ShipmentDelivered": "Shipment delivered",
    "shipping.ShipmentCancelled": "Shipment cancelled",
  };

  let last = Number(root.dataset.position);
  let attempts = 0;
  let socket = null;
  let silence = null;

  function show(state, text) {
    indicator.dataset.state = state;
    indicator.textContent = text;
    root.dataset.connection = state;
  }

  function when(iso) {
    const date = new Date(iso);
    return isNaN(date) ? iso : date.toISOString().slice(0, 19).replace("T", " ") + " UTC";
  }

  function formatTimes(scope) {
    scope.querySelectorAll("time[datetime]").forEach((time) => {
      time.textContent = when(time.getAttribute("datetime"));
    });
  }

  function label(element) {
    element.textContent = LABELS[element.textContent] || element.textContent;
  }

  function setField(scope, name, value) {
    const element = scope.querySelector(`[data-field="${name}"]`);
    if (!element) return;
    if (element.tagName === "TIME") {
      element.setAttribute("datetime", value);
      element.textContent = when(value);
    } else {
      element.textContent = value;
    }
    if (name === "status") element.dataset.value = value;
  }

  function fill(scope, order) {
    for (const name of ["status", "itemCount", "total", "currency", "placedAt", "updatedAt"]) {
      setField(scope, name, order[name]);
    }
    scope.dataset.status = order.status;
    scope.dataset.updates = String(Number(scope.dataset.updates || 0) + 1);
    scope.classList.remove("changed");
    void scope.offsetWidth; // restart the highlight
    scope.classList.add("changed");
  }

  /* An element with these attributes and, if given, this text: data only ever goes into
   * text and attributes, never into markup (no innerHTML with anything from a message). */
  function element(tag, attributes, text) {
    const made = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) made.setAttribute(name, value);
    if (text !== undefined) made.textContent = text;
    return made;
  }

  function cell(...children) {
    const td = document.createElement("td");
    td.append(...children);
    return td;
  }

  /* An amount's cell as the templates render it, "54.50 EUR": the amount, then its
   * currency, each a field of its own that `fill` sets from the message's order. */
  function amount(name) {
    const td = cell(element("span", { "data-field": name }), " ", element("span", { "data-field": "currency" }));
    td.className = "money";
    return td;
  }

  /* Staff's board names each order's customer (its username, else the start of its id);
   * a customer's own board has no such column, and their feed names nobody. */
  function customerCell(order) {
    const name = order.customerName ? order.customerName : element("code", {}, order.customerId.slice(0, 8));
    const td = cell(name);
    td.dataset.field = "customer";
    td.title = order.customerId;
    return td;
  }

  /* The board: update a row in place, or add the order where its placedAt puts it. */
  function newRow(order) {
    const row = document.createElement("tr");
    row.dataset.orderId = order.orderId;
    row.dataset.placedAt = order.placedAt;
    row.dataset.updates = "0";
    const link = element("a", { href: `/orders/${encodeURIComponent(order.orderId)}` }, order.orderId.slice(0, 8));
    row.append(cell(link));
    if (root.hasAttribute("data-customer-column")) row.append(customerCell(order));
    row.append(
      cell(element("span", { class: "status", "data-field": "status" })),
      element("td", { "data-field": "itemCount" }),
      amount("total"),
      cell(element("time", { "data-field": "placedAt" })),
      cell(element("time", { "data-field": "updatedAt" })),
    );
    return row;
  }

  function applyToBoard(message) {
    const order = message.order;
    const body = root.tBodies[0];
    let row = body.querySelector(`tr[data-order-id="${CSS.escape(order.orderId)}"]`);
    if (!row) {
      body.querySelectorAll("tr.empty").forEach((empty) => empty.remove());
      row = newRow(order);
      const later = [...body.rows].find((other) => other.dataset.placedAt < order.placedAt);
      body.insertBefore(row, later || null);
    }
    fill(row, order);
    const limit = Number(root.dataset.limit || 100);
    while (body.rows.length > limit) body.deleteRow(-1);
  }

  /* One order's page: its summary, and one timeline entry per event. */
  function applyToOrder(message) {
    if (message.orderId !== root.dataset.orderId) return false;
    fill(root, message.order);
    const entry = document.createElement("li");
    entry.dataset.position = String(message.position);
    entry.dataset.type = message.event;
    const time = element("time", { datetime: message.occurredAt }, when(message.occurredAt));
    entry.append(time, " ", element("span", { class: "event" }, LABELS[message.event] || message.event));
    document.getElementById("timeline").appendChild(entry);
    return true;
  }

  const apply = root.dataset.feed === "board" ? applyToBoard : applyToOrder;

  function receive(message) {
    if (message.type !== "order.event" || message.position <= last) return;
    if (message.previous !== last) {
      drop(socket); // a gap: resume after the last position applied, which replays it
      return;
    }
    last = message.position;
    root.dataset.position = String(last);
    if (apply(message) === false) return;
    const logged = document.createElement("li");
    logged.dataset.position = String(message.position);
    logged.dataset.orderId = message.orderId;
    logged.textContent = `${message.position} ${message.event} ${message.orderId}`;
    applied.appendChild(logged);
    if (applied.childElementCount > LOG_LIMIT) applied.firstElementChild.remove();
  }

  function watch() {
    clearTimeout(silence);
    silence = setTimeout(() => drop(socket), silenceMs);
  }

  /* Forget a socket (its late events must not act) and try again after a backoff. */
  function drop(dead, refusal) {
    if (dead !== socket) return;
    clearTimeout(silence);
    dead.onopen = dead.onmessage = dead.onclose = null;
    if (dead.readyState <= WebSocket.OPEN) dead.close();
    socket = null;
    if (refusal) {
      show("closed", refusal);
      return;
    }
    show("reconnecting", "reconnecting…");
    const delay = Math.min(8000, 250 * 2 ** attempts++) * (0.5 + Math.random() / 2);
    setTimeout(connect, delay);
  }

  /* The feed's server: the page's own origin, or the same host on the port the page
   * names (data-websocket-port) when the feed has a server of its own. */
  function feedUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const port = root.dataset.websocketPort;
    const host = port ? `${location.hostname}:${port}` : location.host;
    return `${scheme}//${host}/ws/order-events?after=${last}`;
  }

  function connect() {
    const current = new WebSocket(feedUrl());
    socket = current;
    current.onopen = () => {
      attempts = 0;
      root.dataset.connections = String(Number(root.dataset.connections || 0) + 1);
      show("live", "live");
      watch();
    };
    current.onmessage = (event) => {
      watch();
      receive(JSON.parse(event.data));
    };
    current.onclose = (event) => drop(current, REFUSED[event.code]);
  }

  formatTimes(document);
  document.querySelectorAll("#timeline .event").forEach(label);
  connect();
})();
