/*
 * VTM review: top page of an emulated bank video-teller review application (the customer
 * queue). ES5 only: this file must run in Internet Explorer 11.
 *
 * Query parameters of index.html:
 *   retention   none (default) | ie11 | window | listener | dom: what a closed review leaves behind
 *   frames      iframe (default) | fragment: how the review is shown
 *   payload_kb  integer, default 300: size of each review's data (review.js: P records x ~1 KB)
 *
 * One transaction (it returns the app to its start state, except what the retention model keeps):
 *   click #next-customer  -> state 'loading'; iframe mode: <iframe id="review-frame"
 *                            src="review.html?..."> in #review-host; fragment mode: XHR GET of
 *                            review-fragment.html, inserted into #review-host, then
 *                            vtmReview.init(...) (review.js, loaded by index.html)
 *   the review reports ready (host.ready)                  -> state 'reviewing'
 *   pick #decision, click #approve in the review (host.done) -> vtm.reviewDone = true,
 *                                                              #close-review enabled
 *   click #close-review   -> the review is removed, the retention model applied,
 *                            vtm.closed and #tx-count incremented, state 'idle'
 *
 * Retention models, applied when a review is closed (cost per transaction, payload P KB):
 *   none      The correct app: every reference is dropped (the iframe element, its window, the
 *             review instance, txData, the review's listener on this document). Flat after GC.
 *   ie11      Emulates IE11 not reclaiming ~25 % of a removed iframe's memory until the top
 *             page unloads. This page keeps a copy of a quarter of the review's records, made
 *             with THIS window's JSON so the copy belongs to the top realm and does not pin the
 *             frame: ~P/4 KB of JS heap per transaction. Fragment mode removes no iframe, so it
 *             keeps nothing: that is the point of the fragment workaround.
 *   window    Keeps the removed frame's contentWindow: the whole removed document, its DOM and
 *             its JS heap (txData, ~P KB) stay alive. Fragment mode keeps the removed fragment
 *             element and the whole txData object (~P KB plus the DOM).
 *   listener  The review registers a 'vtm-refresh' listener on this (the top) document whose
 *             closure uses txData, and never removes it (review.js destroy()). Iframe mode: the
 *             closure pins the child realm (window, document, txData). Fragment mode: it pins
 *             txData and the review's closure (~P KB).
 *   dom       Keeps a detached copy (document.importNode) of the review form and the history
 *             table, never attached: ~13 DOM nodes per record plus the form's ~200 nodes, while
 *             the JS heap stays nearly flat.
 * Whatever a model keeps is pushed onto `retainedStore` and vtm.retained counts it; all of it is
 * freed only when this page unloads.
 *
 * window.vtm (polled by scenarios, e.g. `return window.vtm && window.vtm.ready`):
 *   ready, state ('idle' | 'loading' | 'reviewing'), opened, closed, retained, retention,
 *   frames, payloadKb, reviewDone, customer (queue index or -1), decision, lastError,
 *   refreshErrors (set once a leaked listener threw), next() and close() (the same as clicking
 *   the buttons; return false when not allowed). vtm._host is the API reviews report to
 *   (ready/done); vtm._frameReady(token, instance) is the same as vtm._host.ready.
 */
(function (window, document) {
  'use strict';

  var RETENTION_MODELS = ['none', 'ie11', 'window', 'listener', 'dom'];
  var FRAME_MODES = ['iframe', 'fragment'];
  var DEFAULT_PAYLOAD_KB = 300;
  var QUEUE_LENGTH = 20;

  var FIRST_NAMES = ['Margaret', 'Jonas', 'Aylin', 'Pieter', 'Sofia', 'Declan', 'Ines', 'Tomasz',
    'Hannah', 'Rafael', 'Eleni', 'Marcus', 'Yusuf', 'Clara', 'Mateo', 'Freya', 'Oskar', 'Leila'];
  var LAST_NAMES = ['Holloway', 'Brandt', 'Kaya', 'de Vries', 'Lindqvist', 'Byrne', 'Moreau',
    'Nowak', 'Fischer', 'Oliveira', 'Papadopoulos', 'Whitfield', 'Demir', 'Keller', 'Rossi'];
  var REQUESTS = ['Transfer', 'Cash withdrawal', 'New standing order', 'Address change',
    'Card replacement', 'Loan disbursement'];

  function indexOf(list, value) {
    for (var i = 0; i < list.length; i++) {
      if (list[i] === value) {
        return i;
      }
    }
    return -1;
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

  function choose(value, allowed, fallback) {
    var v = String(value || '').toLowerCase();
    return indexOf(allowed, v) >= 0 ? v : fallback;
  }

  function parsePayloadKb(value) {
    var n = parseInt(value, 10);
    if (isNaN(n) || n < 0) {
      return DEFAULT_PAYLOAD_KB;
    }
    return n;
  }

  function pad(number, width) {
    var text = String(number);
    while (text.length < width) {
      text = '0' + text;
    }
    return text;
  }

  // Park-Miller generator: the same queue in every browser.
  function makeRandom(seed) {
    var state = seed;
    return function () {
      state = (state * 16807) % 2147483647;
      return (state - 1) / 2147483646;
    };
  }

  function makeCustomers(count) {
    var rand = makeRandom(20240611);
    var list = [];
    for (var i = 0; i < count; i++) {
      list.push({
        index: i,
        name: FIRST_NAMES[Math.floor(rand() * FIRST_NAMES.length)] + ' ' +
          LAST_NAMES[Math.floor(rand() * LAST_NAMES.length)],
        account: 'NB-' + pad(Math.floor(rand() * 10000), 4) + '-' + pad(Math.floor(rand() * 1000000), 6),
        amount: (Math.floor(rand() * 950000) / 100 + 50).toFixed(2),
        request: REQUESTS[Math.floor(rand() * REQUESTS.length)]
      });
    }
    return list;
  }

  var params = parseQuery(window.location.search);
  var vtm = {
    ready: false,
    state: 'idle',
    opened: 0,
    closed: 0,
    retained: 0,
    retention: choose(params.retention, RETENTION_MODELS, 'none'),
    frames: choose(params.frames, FRAME_MODES, 'iframe'),
    payloadKb: parsePayloadKb(params.payload_kb),
    reviewDone: false,
    customer: -1,
    decision: null,
    lastError: null
  };
  window.vtm = vtm;

  var customers = makeCustomers(QUEUE_LENGTH);
  var retainedStore = [];   // what the retention model keeps; never cleared (see the header)
  var current = null;       // the open review: { token, customer, iframe, root, instance }
  var nextCustomer = 0;

  var ui = {
    queue: document.getElementById('queue'),
    next: document.getElementById('next-customer'),
    close: document.getElementById('close-review'),
    status: document.getElementById('status'),
    txCount: document.getElementById('tx-count'),
    reviewHost: document.getElementById('review-host'),
    mode: document.getElementById('mode')
  };

  function setStatus(text) {
    ui.status.textContent = text;
  }

  function setState(state) {
    vtm.state = state;
    ui.next.disabled = state !== 'idle';
    ui.close.style.display = state === 'idle' ? 'none' : '';
    ui.close.disabled = !(state === 'reviewing' && vtm.reviewDone);
    document.body.setAttribute('data-state', state);
  }

  function markQueueItem(index, className) {
    var item = document.getElementById('customer-' + index);
    if (item) {
      item.className = className;
    }
  }

  function renderQueue() {
    for (var i = 0; i < customers.length; i++) {
      var c = customers[i];
      var li = document.createElement('li');
      li.id = 'customer-' + i;
      li.className = 'customer';
      li.setAttribute('data-index', String(i));
      var name = document.createElement('span');
      name.className = 'name';
      name.textContent = c.name;
      var account = document.createElement('span');
      account.className = 'account';
      account.textContent = c.account;
      var amount = document.createElement('span');
      amount.className = 'amount';
      amount.textContent = c.amount + ' EUR';
      var request = document.createElement('span');
      request.className = 'request';
      request.textContent = c.request;
      li.appendChild(name);
      li.appendChild(account);
      li.appendChild(amount);
      li.appendChild(request);
      ui.queue.appendChild(li);
    }
  }

  // Announces a queue refresh to open reviews (and to any review a `listener` model leaked).
  // document.createEvent because IE11 has no Event constructor.
  // A leaked listener of a removed frame may throw (IE: "Can't execute code from a freed
  // script"); that is the emulated bug's business, not a reason to stop the queue.
  function dispatchRefresh() {
    var event = document.createEvent('Event');
    event.initEvent('vtm-refresh', false, false);
    try {
      document.dispatchEvent(event);
    } catch (e) {
      vtm.refreshErrors = (vtm.refreshErrors || 0) + 1;
    }
  }

  function fail(message) {
    vtm.lastError = message;
    setStatus('Error: ' + message);
    if (current) {
      markQueueItem(current.customer, 'customer');
    }
    current = null;
    while (ui.reviewHost.firstChild) {
      ui.reviewHost.removeChild(ui.reviewHost.firstChild);
    }
    vtm.reviewDone = false;
    vtm.customer = -1;
    setState('idle');
  }

  // The API a review uses to talk to this page. Handed to review.js directly in fragment mode;
  // in iframe mode review.js finds it as parent.vtm._host. It only holds top-page objects, so a
  // review keeping it does not keep anything of the review alive.
  var host = {
    retention: vtm.retention,
    frames: vtm.frames,
    payloadKb: vtm.payloadKb,
    getCustomer: function (index) {
      var c = customers[index];
      if (!c) {
        return null;
      }
      return { index: c.index, name: c.name, account: c.account, amount: c.amount, request: c.request };
    },
    ready: function (token, instance) {
      if (!current || current.token !== token || vtm.state !== 'loading') {
        return false;
      }
      current.instance = instance;
      setState('reviewing');
      setStatus('Reviewing ' + customers[current.customer].name + ' (transaction ' + token + ')');
      return true;
    },
    done: function (token, decision) {
      if (!current || current.token !== token || vtm.state !== 'reviewing') {
        return false;
      }
      vtm.reviewDone = true;
      vtm.decision = decision;
      setState('reviewing');
      setStatus('Decision for ' + customers[current.customer].name + ': ' + decision + '. Close the review.');
      return true;
    }
  };
  vtm._host = host;
  vtm._frameReady = function (token, instance) {
    return host.ready(token, instance);
  };

  function openIframe(review) {
    var iframe = document.createElement('iframe');
    iframe.id = 'review-frame';
    iframe.className = 'review';
    iframe.setAttribute('frameBorder', '0');
    iframe.src = 'review.html?customer=' + review.customer + '&payload_kb=' + vtm.payloadKb +
      '&tx=' + review.token + '&retention=' + vtm.retention;
    // review.js reports ready while the frame is parsed, so a frame that finishes loading while
    // we are still 'loading' is broken (404, script error): give up instead of hanging.
    iframe.addEventListener('load', function () {
      if (current !== review || vtm.state !== 'loading') {
        return;
      }
      try {
        if (iframe.contentWindow.location.href.indexOf('review.html') < 0) {
          return;   // the initial about:blank, in browsers that report its load
        }
      } catch (e) {
        // not readable: treat as the review document
      }
      fail('review frame loaded but did not report ready');
    }, false);
    review.iframe = iframe;
    ui.reviewHost.appendChild(iframe);
  }

  function openFragment(review) {
    var xhr = new XMLHttpRequest();
    xhr.open('GET', 'review-fragment.html', true);
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) {
        return;
      }
      var status = xhr.status;
      var text = xhr.responseText;
      xhr.onreadystatechange = function () {};
      if (current !== review) {
        return;
      }
      if (status !== 200 || !text) {
        fail('could not load review-fragment.html (HTTP ' + status + ')');
        return;
      }
      ui.reviewHost.innerHTML = text;
      review.root = document.getElementById('review-root');
      try {
        window.vtmReview.init(review.root, review.customer, vtm.payloadKb, host, review.token);
      } catch (e) {
        fail('review failed to start: ' + (e && e.message ? e.message : e));
      }
    };
    xhr.send(null);
  }

  function next() {
    if (vtm.state !== 'idle' || !vtm.ready) {
      return false;
    }
    var index = nextCustomer;
    nextCustomer = (nextCustomer + 1) % customers.length;
    vtm.opened += 1;
    vtm.reviewDone = false;
    vtm.decision = null;
    vtm.customer = index;
    current = { token: vtm.opened, customer: index, iframe: null, root: null, instance: null };
    setState('loading');
    markQueueItem(index, 'customer current');
    setStatus('Loading review of ' + customers[index].name + '...');
    dispatchRefresh();
    if (vtm.frames === 'iframe') {
      openIframe(current);
    } else {
      openFragment(current);
    }
    return true;
  }

  // ie11 model: a top-realm copy of the first quarter of the records. Array.prototype.slice and
  // JSON are this window's, so nothing in the copy points into the frame.
  function copyQuarterOf(txData) {
    var records = txData && txData.records;
    if (!records || !records.length) {
      return null;
    }
    var quarter = Array.prototype.slice.call(records, 0, Math.ceil(records.length / 4));
    return window.JSON.parse(window.JSON.stringify(quarter));
  }

  // dom model: detached top-document copies of the form and the history table.
  function importReviewDom(instance) {
    return {
      form: document.importNode(instance.getForm(), true),
      history: document.importNode(instance.getHistory(), true)
    };
  }

  // Decides what the retention model keeps; called while the review is still in the page.
  function collectRetained(review) {
    var instance = review.instance;
    switch (vtm.retention) {
      case 'ie11':
        return vtm.frames === 'iframe' ? copyQuarterOf(instance.txData) : null;
      case 'window':
        if (vtm.frames === 'iframe') {
          return review.iframe.contentWindow;
        }
        return { root: review.root, txData: instance.txData };
      case 'listener':
        // Nothing held here: the review's own listener on this document keeps it alive.
        return { listener: 'vtm-refresh', token: review.token };
      case 'dom':
        return importReviewDom(instance);
      default:
        return null;
    }
  }

  function close() {
    if (vtm.state !== 'reviewing' || !vtm.reviewDone || !current) {
      return false;
    }
    var review = current;
    var kept = collectRetained(review);
    try {
      review.instance.destroy();
    } catch (e) {
      vtm.lastError = 'review destroy failed: ' + (e && e.message ? e.message : e);
    }
    while (ui.reviewHost.firstChild) {
      ui.reviewHost.removeChild(ui.reviewHost.firstChild);
    }
    markQueueItem(review.customer, 'customer done');
    current = null;
    review = null;
    if (kept) {
      retainedStore.push(kept);
      vtm.retained = retainedStore.length;
    }
    kept = null;
    vtm.closed += 1;
    vtm.reviewDone = false;
    vtm.decision = null;
    vtm.customer = -1;
    ui.txCount.textContent = String(vtm.closed);
    setState('idle');
    setStatus('Ready: ' + vtm.closed + ' transaction(s) done. Review the next customer.');
    return true;
  }

  vtm.next = next;
  vtm.close = close;

  ui.next.addEventListener('click', function () {
    next();
  }, false);
  ui.close.addEventListener('click', function () {
    close();
  }, false);

  renderQueue();
  ui.mode.textContent = 'retention=' + vtm.retention + ', frames=' + vtm.frames +
    ', payload_kb=' + vtm.payloadKb;
  ui.txCount.textContent = '0';
  setState('idle');
  setStatus('Ready. ' + customers.length + ' customers waiting.');
  vtm.ready = true;
}(window, document));
