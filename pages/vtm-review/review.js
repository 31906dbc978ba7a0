/*
 * VTM review: the logic of one customer review, shared by both frame modes.
 * ES5 only: this file must run in Internet Explorer 11.
 *
 *   iframe mode   review.html loads this file and calls vtmReview.bootFrame(), which reads
 *                 ?customer=N&payload_kb=K&tx=T and reports to the top page through
 *                 parent.vtm._host (see app.js).
 *   fragment mode index.html loads this file once; app.js inserts review-fragment.html into
 *                 #review-host and calls vtmReview.init(root, customer, payloadKb, host, token).
 *
 * The element IDs are the same in both modes; every lookup goes through the review's root
 * element, so the code does not care which document it lives in.
 *
 * Per-transaction data, payload P = payload_kb (the harness relies on these figures):
 *   txData.records: P records of ~1 KB of JS heap each (V8 with pointer compression; IE11 is
 *   in the same range):
 *     memo      MEMO_CHARS (520) random one-byte chars, a flat string   ~ 532 B
 *     samples   SAMPLES_PER_RECORD (48) doubles, a packed double array  ~ 400 B
 *     the record object, its id/date/payee strings, amount (a double)   ~ 100 B
 *   => P x ~1 KB, allocated for real and reachable from the review instance (and, in iframe
 *   mode, from the frame's global `vtmReviewInstance`) while the review is open.
 *   #history: one <tr> per record (capped at MAX_HISTORY_ROWS), 6 cells with a text node each,
 *   so 13 DOM nodes per record.
 */
(function (window) {
  'use strict';

  var DEFAULT_PAYLOAD_KB = 300;
  var MEMO_CHARS = 520;
  var SAMPLES_PER_RECORD = 48;
  var MAX_HISTORY_ROWS = 5000;
  var MEMO_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .';
  var DECISION_LABELS = { approve: 'Approved', reject: 'Rejected', escalate: 'Escalated' };

  var FIRST_NAMES = ['Margaret', 'Jonas', 'Aylin', 'Pieter', 'Sofia', 'Declan', 'Ines', 'Tomasz',
    'Hannah', 'Rafael', 'Eleni', 'Marcus', 'Yusuf', 'Clara', 'Mateo', 'Freya'];
  var LAST_NAMES = ['Holloway', 'Brandt', 'Kaya', 'de Vries', 'Lindqvist', 'Byrne', 'Moreau',
    'Nowak', 'Fischer', 'Oliveira', 'Papadopoulos', 'Whitfield', 'Demir', 'Keller', 'Rossi'];
  var STREETS = ['Lantern Quay', 'Mill Lane', 'Harbour Road', 'Chapel Street', 'Orchard Close',
    'Station Approach', 'Kingsway', 'Weavers Row'];
  var CITIES = ['Port Alverne', 'Velmore', 'Eastbridge', 'Kilcarra', 'Dunmere', 'Hollins'];
  var PAYEES = ['Alverne Energy', 'City of Velmore', 'Brightline Telecom', 'Harbour Insurance',
    'Kestrel Motors', 'Dunmere Dental', 'Northbridge Card Services', 'Greenleaf Grocers',
    'Eastbridge Lettings', 'Tax Office 0412'];
  var CHANNELS = ['Branch', 'Online', 'Card', 'Standing order', 'Direct debit', 'Video teller'];
  var STATUSES = ['Booked', 'Booked', 'Booked', 'Pending', 'Returned'];
  var OCCUPATIONS = ['Nurse', 'Electrician', 'Teacher', 'Software engineer', 'Retired',
    'Shop owner', 'Accountant', 'Chef'];
  var EMPLOYERS = ['Alverne General Hospital', 'Self-employed', 'Velmore School Board',
    'Kestrel Motors', 'Harbour Logistics', 'n/a'];

  // Park-Miller generator: 16807 * (2^31 - 1) < 2^53, so every engine computes the same stream.
  function makeRandom(seed) {
    var state = Math.floor(Math.abs(seed)) % 2147483647;
    if (state <= 0) {
      state += 2147483646;
    }
    return function () {
      state = (state * 16807) % 2147483647;
      return (state - 1) / 2147483646;
    };
  }

  function pickFrom(list, rand) {
    return list[Math.floor(rand() * list.length)];
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) {
      text = '0' + text;
    }
    return text;
  }

  function digits(count, rand) {
    var out = '';
    for (var i = 0; i < count; i++) {
      out += Math.floor(rand() * 10);
    }
    return out;
  }

  function parseQuery(search) {
    var out = {};
    var text = search || '';
    if (text.charAt(0) === '?') {
      text = text.substring(1);
    }
    var parts = text.split('&');
    for (var i = 0; i < parts.length; i++) {
      if (!parts[i]) {
        continue;
      }
      var eq = parts[i].indexOf('=');
      var key = eq < 0 ? parts[i] : parts[i].substring(0, eq);
      var value = eq < 0 ? '' : parts[i].substring(eq + 1);
      try {
        out[decodeURIComponent(key.replace(/\+/g, ' '))] = decodeURIComponent(value.replace(/\+/g, ' '));
      } catch (e) {
        out[key] = value;
      }
    }
    return out;
  }

  function parsePayloadKb(value) {
    var n = parseInt(value, 10);
    if (isNaN(n) || n < 0) {
      return DEFAULT_PAYLOAD_KB;
    }
    return n;
  }

  function setText(element, text) {
    if (element) {
      element.textContent = text;
    }
  }

  // Builds payloadKb records of ~1 KB each (see the header for the breakdown).
  function buildTxData(customer, payloadKb, rand) {
    var records = [];
    var chars = [];
    var day = Date.UTC(2023, 0, 1);
    for (var i = 0; i < payloadKb; i++) {
      for (var c = 0; c < MEMO_CHARS; c++) {
        chars[c] = MEMO_ALPHABET.charAt(Math.floor(rand() * MEMO_ALPHABET.length));
      }
      // Preallocated so the backing store holds exactly SAMPLES_PER_RECORD doubles (push would
      // over-allocate by up to 60 %).
      var samples = new Array(SAMPLES_PER_RECORD);
      for (var s = 0; s < SAMPLES_PER_RECORD; s++) {
        samples[s] = rand() * 1000 + 0.5;
      }
      day += Math.floor(rand() * 3) * 86400000;
      var date = new Date(day);
      records.push({
        id: 'TX' + pad(customer.index, 2) + '-' + pad(i, 6),
        date: date.getUTCFullYear() + '-' + pad(date.getUTCMonth() + 1, 2) + '-' + pad(date.getUTCDate(), 2),
        payee: pickFrom(PAYEES, rand),
        channel: pickFrom(CHANNELS, rand),
        status: pickFrom(STATUSES, rand),
        amount: Math.round((rand() * 2000 - 1200) * 100) / 100,
        memo: chars.join(''),
        samples: samples
      });
    }
    return {
      customer: customer.name,
      account: customer.account,
      payloadKb: payloadKb,
      records: records
    };
  }

  function fillHistory(root, records) {
    var doc = root.ownerDocument;
    var body = findIn(root, 'history-body');
    var fragment = doc.createDocumentFragment();
    var rows = Math.min(records.length, MAX_HISTORY_ROWS);
    for (var i = 0; i < rows; i++) {
      var r = records[i];
      var cells = [r.date, r.id, r.payee, r.channel, r.amount.toFixed(2), r.status];
      var tr = doc.createElement('tr');
      for (var c = 0; c < cells.length; c++) {
        var td = doc.createElement('td');
        td.appendChild(doc.createTextNode(cells[c]));
        tr.appendChild(td);
      }
      if (r.amount < 0) {
        tr.className = 'debit';
      }
      fragment.appendChild(tr);
    }
    body.appendChild(fragment);
    return rows;
  }

  // One fake video frame, drawn once: the teller's camera is not really connected.
  function drawVideoFrame(canvas, customer) {
    if (!canvas || !canvas.getContext) {
      return;
    }
    var ctx = canvas.getContext('2d');
    var w = canvas.width;
    var h = canvas.height;
    ctx.fillStyle = '#1b2633';
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = '#2c3e50';
    ctx.fillRect(0, h * 0.7, w, h * 0.3);
    ctx.fillStyle = '#c99576';
    ctx.beginPath();
    ctx.arc(w / 2, h * 0.42, h * 0.16, 0, Math.PI * 2, false);
    ctx.fill();
    ctx.fillStyle = '#34495e';
    ctx.fillRect(w / 2 - h * 0.25, h * 0.6, h * 0.5, h * 0.4);
    ctx.strokeStyle = '#f4c542';
    ctx.lineWidth = 2;
    ctx.strokeRect(8, 8, w - 16, h - 16);
    ctx.fillStyle = '#e74c3c';
    ctx.beginPath();
    ctx.arc(22, 24, 5, 0, Math.PI * 2, false);
    ctx.fill();
    ctx.fillStyle = '#ffffff';
    ctx.font = '12px Arial, sans-serif';
    ctx.fillText('CAM 1  LIVE', 32, 28);
    ctx.fillText(customer.name, 16, h - 20);
  }

  function findIn(root, id) {
    return root.querySelector('#' + id);
  }

  function fillForm(root, customer, rand) {
    var values = {
      'customer-name': customer.name,
      'account': customer.account,
      'amount': customer.amount,
      'date-of-birth': pad(1 + Math.floor(rand() * 28), 2) + '.' + pad(1 + Math.floor(rand() * 12), 2) + '.' + (1940 + Math.floor(rand() * 60)),
      'nationality': 'Estravian',
      'occupation': pickFrom(OCCUPATIONS, rand),
      'employer': pickFrom(EMPLOYERS, rand),
      'annual-income': String(18000 + Math.floor(rand() * 90) * 1000),
      'address-line1': (1 + Math.floor(rand() * 120)) + ' ' + pickFrom(STREETS, rand),
      'address-line2': rand() < 0.4 ? 'Flat ' + (1 + Math.floor(rand() * 9)) + 'B' : '',
      'city': pickFrom(CITIES, rand),
      'postcode': digits(5, rand),
      'country': 'Estravia',
      'phone': '+37 ' + digits(3, rand) + ' ' + digits(6, rand),
      'mobile': '+37 7' + digits(2, rand) + ' ' + digits(7, rand),
      'email': customer.name.toLowerCase().replace(/[^a-z0-9]+/g, '.').replace(/^\.+|\.+$/g, '') + '@mail.example',
      'id-number': 'ES' + digits(7, rand) + 'C',
      'id-expiry': pad(1 + Math.floor(rand() * 28), 2) + '.' + pad(1 + Math.floor(rand() * 12), 2) + '.' + (2025 + Math.floor(rand() * 8)),
      'branch': '0412 Port Alverne Harbour',
      'beneficiary-name': pickFrom(FIRST_NAMES, rand) + ' ' + pickFrom(LAST_NAMES, rand),
      'beneficiary-account': 'ES' + digits(2, rand) + ' ' + digits(4, rand) + ' ' + digits(4, rand) + ' ' + digits(4, rand),
      'purpose': pickFrom(['Rent', 'Car purchase', 'Family support', 'Invoice 2023-' + digits(4, rand), 'Tuition fees'], rand),
      'risk-score': String(Math.floor(rand() * 100)),
      'teller-id': 'T0412-' + pad(1 + Math.floor(rand() * 40), 2)
    };
    for (var id in values) {
      if (values.hasOwnProperty(id)) {
        var input = findIn(root, id);
        if (input) {
          input.value = values[id];
        }
      }
    }
  }

  // The target of the review's 'vtm-refresh' listener: the top document. In iframe mode that is
  // the parent's document; in fragment mode the review already runs in the top document.
  function refreshTargetFor(root) {
    try {
      if (window.parent && window.parent !== window && window.parent.document) {
        return window.parent.document;
      }
    } catch (e) {
      // a cross-origin parent: keep the listener local
    }
    return root.ownerDocument;
  }

  /*
   * Starts a review inside `root` (the #review-root element).
   *   customer   queue index (the host supplies name/account/amount)
   *   payloadKb  size of txData in KB
   *   host       the top page's API (app.js `host`), or null when review.html is opened alone
   *   token      transaction number given by the host, echoed back so late reports are ignored
   * Returns the review instance; also reports it with host.ready(token, instance).
   */
  function init(root, customer, payloadKb, host, token) {
    var info = host && host.getCustomer ? host.getCustomer(customer) : null;
    if (!info) {
      info = { index: customer, name: 'Customer ' + customer, account: 'NB-0000-' + pad(customer, 4), amount: '0.00' };
    }
    var rand = makeRandom(1 + customer * 7919 + (token || 0) * 104729);
    var txData = buildTxData(info, payloadKb, rand);
    var retention = host && host.retention ? host.retention : 'none';
    var refreshTarget = refreshTargetFor(root);

    var instance = {
      token: token,
      customer: customer,
      payloadKb: payloadKb,
      root: root,
      txData: txData,
      historyRows: 0,
      decision: null,
      refreshTotal: 0,
      getForm: function () { return findIn(root, 'review-form'); },
      getHistory: function () { return findIn(root, 'history'); },
      destroy: destroy
    };

    // Recomputes the balance shown by the review when the top page announces a queue refresh.
    function onRefresh() {
      var total = 0;
      var records = txData.records;
      for (var i = 0; i < records.length; i++) {
        total += records[i].amount;
      }
      instance.refreshTotal = total;
    }

    function onSubmit(event) {
      if (event && event.preventDefault) {
        event.preventDefault();
      }
      return false;
    }

    function onApprove(event) {
      if (event && event.preventDefault) {
        event.preventDefault();
      }
      var select = findIn(root, 'decision');
      var decision = select.value || 'approve';
      var banner = findIn(root, 'result-banner');
      instance.decision = decision;
      instance.note = findIn(root, 'note').value;
      instance.idVerified = findIn(root, 'id-verified').checked;
      setText(banner, DECISION_LABELS[decision] || 'Decided');
      banner.className = 'result-banner result-' + decision;
      banner.style.display = 'block';
      findIn(root, 'approve').disabled = true;
      if (host && host.done) {
        host.done(token, decision);
      }
    }

    // Called by the host just before the review is removed. A correct review unregisters its
    // listener on the top document; the `listener` retention model emulates the classic bug of
    // forgetting to, so the closure (txData, and in iframe mode the whole child realm) survives.
    function destroy() {
      findIn(root, 'approve').removeEventListener('click', onApprove, false);
      findIn(root, 'review-form').removeEventListener('submit', onSubmit, false);
      if (retention !== 'listener') {
        refreshTarget.removeEventListener('vtm-refresh', onRefresh, false);
      }
      if (api.current === instance) {
        api.current = null;
      }
    }

    fillForm(root, info, rand);
    instance.historyRows = fillHistory(root, txData.records);
    drawVideoFrame(findIn(root, 'video-canvas'), info);
    setText(findIn(root, 'review-title'), 'Transaction review: ' + info.name);
    setText(findIn(root, 'review-meta'), 'Account ' + info.account + ' / ' + txData.records.length +
      ' history records / transaction ' + token);
    findIn(root, 'approve').addEventListener('click', onApprove, false);
    findIn(root, 'review-form').addEventListener('submit', onSubmit, false);
    refreshTarget.addEventListener('vtm-refresh', onRefresh, false);

    api.current = instance;
    if (host && host.ready) {
      host.ready(token, instance);
    }
    return instance;
  }

  // iframe mode entry point, called by review.html once its markup is parsed.
  function bootFrame() {
    var query = parseQuery(window.location.search);
    var host = null;
    try {
      if (window.parent && window.parent !== window && window.parent.vtm) {
        host = window.parent.vtm._host || null;
      }
    } catch (e) {
      host = null;
    }
    var root = window.document.getElementById('review-root');
    var customer = parseInt(query.customer, 10) || 0;
    var token = parseInt(query.tx, 10) || 0;
    var instance = init(root, customer, parsePayloadKb(query.payload_kb), host, token);
    // Keeps the review reachable from the frame's global scope while the frame lives.
    window.vtmReviewInstance = instance;
    return instance;
  }

  var api = {
    init: init,
    bootFrame: bootFrame,
    parseQuery: parseQuery,
    current: null,
    MEMO_CHARS: MEMO_CHARS,
    SAMPLES_PER_RECORD: SAMPLES_PER_RECORD,
    MAX_HISTORY_ROWS: MAX_HISTORY_ROWS
  };
  window.vtmReview = api;
}(window));
