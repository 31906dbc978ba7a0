#!/usr/bin/env node
// Drives pages/vtm-review in headless Chromium through chromedriver (W3C WebDriver over HTTP,
// CDP through chromedriver's goog/cdp/execute) and measures what each retention model keeps
// per transaction after a forced GC. A test tool, not part of the pages: it may use modern
// JavaScript (node >= 18 for the global fetch).
//
//   node tests/pages/drive_vtm.js [--iterations 30] [--warmup 3] [--payload-kb 300] [--steps script|webdriver]
//        [--retention none,ie11,window,listener,dom] [--frames iframe,fragment] [--check]
//        [--chromium /usr/bin/chromium] [--chromedriver /usr/bin/chromedriver] [--json FILE]
//
// It serves pages/ itself on 127.0.0.1 (random port), starts chromedriver on a random port,
// and stops both before exiting. Warm-up transactions go through the UI with WebDriver as a
// person would: #next-customer, switch into #review-frame (iframe mode), type into #note, pick
// #decision, tick #id-verified, click #approve, check #result-banner, back to the top page,
// #close-review. Measured transactions do the same with in-page scripts by default (see
// transactionByScript for why).
// With --check it exits 1 when a model's per-transaction cost is outside the range the page
// documents (see EXPECTATIONS).
'use strict';

const fs = require('fs');
const http = require('http');
const net = require('net');
const path = require('path');
const { spawn } = require('child_process');

const PAGES_DIR = path.resolve(__dirname, '..', '..', 'pages');
const ELEMENT_KEY = 'element-6066-11e4-a52e-4f735466cecf';
const DECISIONS = ['approve', 'reject', 'escalate'];
const BANNERS = { approve: 'Approved', reject: 'Rejected', escalate: 'Escalated' };

// Expected cost of one transaction after GC, per retention model and frame mode, as
// `perKb * payload_kb + fixed` for the low and the high end of a range (heap in KB, DOM nodes).
// From the cost model documented in pages/vtm-review/app.js and review.js:
//   - a record is ~1 KB of JS heap and one history row of 13 DOM nodes; the form and the rest
//     of the review are ~500 nodes;
//   - a whole removed frame (window, listener in iframe mode) also keeps its document, realm and
//     code: ~215 KB and ~1100 nodes on top of the payload (measured with payload_kb 10 and 300);
//   - a fixed few KB per transaction that do not scale with the payload: V8 code and caches,
//     bounded performance-timeline buffers, and the ~100 B result object chromedriver keeps for
//     every script it executes (heap snapshot diffs show them; the page itself keeps nothing).
// Wide on purpose: a test asserts a range, not an exact figure.
const range = (loPerKb, loFixed, hiPerKb, hiFixed) => ({ lo: [loPerKb, loFixed], hi: [hiPerKb, hiFixed] });
const FLAT_HEAP = range(-0.05, -10, 0.05, 10);
const FLAT_NODES = range(0, -20, 0, 20);
const WHOLE_FRAME = { heapKb: range(1.0, 100, 1.5, 400), nodes: range(12, 600, 15, 2000) };
const FRAGMENT_AND_DATA = { heapKb: range(0.8, 0, 1.5, 50), nodes: range(12, 300, 15, 1200) };
const DETACHED_COPY = { heapKb: FLAT_HEAP, nodes: range(12, 300, 15, 800) };
const EXPECTATIONS = {
  'none/iframe': { heapKb: FLAT_HEAP, nodes: FLAT_NODES },
  'none/fragment': { heapKb: FLAT_HEAP, nodes: FLAT_NODES },
  'ie11/iframe': { heapKb: range(0.2, 0, 0.35, 10), nodes: FLAT_NODES },
  'ie11/fragment': { heapKb: FLAT_HEAP, nodes: FLAT_NODES },   // no iframe, no IE11 iframe leak
  'window/iframe': WHOLE_FRAME,
  'window/fragment': FRAGMENT_AND_DATA,
  'listener/iframe': WHOLE_FRAME,
  'listener/fragment': FRAGMENT_AND_DATA,
  'dom/iframe': DETACHED_COPY,
  'dom/fragment': DETACHED_COPY,
};

function parseArgs(argv) {
  const options = {
    iterations: 30, warmup: 3, payloadKb: 300,
    retention: ['none', 'ie11', 'window', 'listener', 'dom'], frames: ['iframe', 'fragment'],
    steps: 'script', check: false, chromium: '/usr/bin/chromium', chromedriver: '/usr/bin/chromedriver', json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--iterations': options.iterations = parseInt(value(), 10); break;
      case '--warmup': options.warmup = parseInt(value(), 10); break;
      case '--payload-kb': options.payloadKb = parseInt(value(), 10); break;
      case '--retention': options.retention = value().split(','); break;
      case '--frames': options.frames = value().split(','); break;
      case '--check': options.check = true; break;
      case '--steps': options.steps = value(); break;
      case '--chromium': options.chromium = value(); break;
      case '--chromedriver': options.chromedriver = value(); break;
      case '--json': options.json = value(); break;
      default: throw new Error(`unknown argument ${arg}`);
    }
  }
  return options;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png',
};

// A static file server for pages/ on loopback, no caching (each review must really load).
function servePages(port) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const file = path.normalize(path.join(PAGES_DIR, decodeURIComponent(url.pathname)));
    if (!file.startsWith(PAGES_DIR) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] || 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

class WebDriver {
  constructor(base) {
    this.base = base;
    this.session = null;
  }

  async call(method, route, body) {
    const url = this.session ? `${this.base}/session/${this.session}${route}` : `${this.base}${route}`;
    const res = await fetch(url, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) {
      const v = json.value || {};
      throw new Error(`WebDriver ${method} ${route}: ${v.error}: ${v.message}`);
    }
    return json.value;
  }

  async start(chromium) {
    const value = await this.call('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'chrome',
          'goog:chromeOptions': {
            binary: chromium,
            args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
              '--disable-background-networking', '--disable-component-update', '--disable-sync',
              '--disable-dev-shm-usage', '--window-size=1400,1000'],
          },
        },
      },
    });
    this.session = value.sessionId;
  }

  async quit() {
    if (this.session) {
      await this.call('DELETE', '');
      this.session = null;
    }
  }

  navigate(url) { return this.call('POST', '/url', { url }); }
  script(source, args = []) { return this.call('POST', '/execute/sync', { script: source, args }); }
  async find(css) {
    const value = await this.call('POST', '/element', { using: 'css selector', value: css });
    return value[ELEMENT_KEY];
  }
  click(id) { return this.call('POST', `/element/${id}/click`, {}); }
  clear(id) { return this.call('POST', `/element/${id}/clear`, {}); }
  type(id, text) { return this.call('POST', `/element/${id}/value`, { text }); }
  text(id) { return this.call('GET', `/element/${id}/text`); }
  displayed(id) { return this.call('GET', `/element/${id}/displayed`); }
  enterFrame(id) { return this.call('POST', '/frame', { id: { [ELEMENT_KEY]: id } }); }
  leaveFrame() { return this.call('POST', '/frame/parent', {}); }
  cdp(cmd, params = {}) { return this.call('POST', '/goog/cdp/execute', { cmd, params }); }

  async waitFor(source, what, timeoutMs = 15000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await this.script(source)) return;
      if (Date.now() > deadline) {
        const state = await this.script('return JSON.stringify(window.vtm && { state: vtm.state, reviewDone: vtm.reviewDone, lastError: vtm.lastError });');
        throw new Error(`timed out waiting for ${what} (${state})`);
      }
      await sleep(20);
    }
  }
}

async function transaction(wd, frames, n) {
  const decision = DECISIONS[n % DECISIONS.length];
  await wd.waitFor("return window.vtm.state === 'idle'", 'idle');
  await wd.click(await wd.find('#next-customer'));
  await wd.waitFor("return window.vtm.state === 'reviewing'", 'reviewing');
  if (frames === 'iframe') {
    await wd.enterFrame(await wd.find('#review-frame'));
  }
  const note = await wd.find('#note');
  await wd.clear(note);
  await wd.type(note, `Video call ${n}: customer confirmed the request.`);
  await wd.click(await wd.find(`#decision option[value="${decision}"]`));
  await wd.click(await wd.find('#id-verified'));
  await wd.click(await wd.find('#approve'));
  const banner = await wd.find('#result-banner');
  if (!(await wd.displayed(banner)) || (await wd.text(banner)) !== BANNERS[decision]) {
    throw new Error(`#result-banner does not show ${BANNERS[decision]}`);
  }
  if (frames === 'iframe') {
    await wd.leaveFrame();
  }
  await wd.waitFor('return window.vtm.reviewDone === true', 'reviewDone');
  await wd.click(await wd.find('#close-review'));
  await wd.waitFor("return window.vtm.state === 'idle'", 'idle after close');
}

// The same transaction driven by small scripts in the page, with no WebDriver element reference.
// This is the default for measuring: chromedriver 156 never releases the remote object behind
// each element it finds (SeleniumHQ/selenium#14534), and that pins the element's detached
// subtree, or the whole removed frame document: ~600 KB and ~5000 nodes per transaction in
// iframe mode even with retention=none. --steps webdriver measures that way anyway.
async function transactionByScript(wd, frames, n) {
  const decision = DECISIONS[n % DECISIONS.length];
  await wd.waitFor("return window.vtm.state === 'idle'", 'idle');
  await wd.script("document.getElementById('next-customer').click();");
  await wd.waitFor("return window.vtm.state === 'reviewing'", 'reviewing');
  const banner = await wd.script(`
    var doc = ${frames === 'iframe' ? "document.getElementById('review-frame').contentWindow.document" : 'document'};
    doc.getElementById('note').value = 'Video call ' + arguments[0] + ': customer confirmed the request.';
    doc.getElementById('decision').value = arguments[1];
    doc.getElementById('id-verified').click();
    doc.getElementById('approve').click();
    var banner = doc.getElementById('result-banner');
    return banner.style.display === 'none' ? '' : banner.textContent;`, [n, decision]);
  if (banner !== BANNERS[decision]) {
    throw new Error(`#result-banner shows '${banner}', not ${BANNERS[decision]}`);
  }
  await wd.waitFor('return window.vtm.reviewDone === true', 'reviewDone');
  await wd.script("document.getElementById('close-review').click();");
  await wd.waitFor("return window.vtm.state === 'idle'", 'idle after close');
}

async function measure(wd) {
  // Several rounds: detached frames and their contexts need more than one GC to go.
  for (let i = 0; i < 4; i++) {
    await wd.cdp('HeapProfiler.collectGarbage');
    await sleep(150);
  }
  const { metrics } = await wd.cdp('Performance.getMetrics');
  const get = (name) => (metrics.find((m) => m.name === name) || { value: NaN }).value;
  return {
    jsHeapUsedBytes: get('JSHeapUsedSize'),
    nodes: get('Nodes'),
    documents: get('Documents'),
    frames: get('Frames'),
    jsEventListeners: get('JSEventListeners'),
  };
}

async function runCase(wd, baseUrl, options, retention, frames) {
  const url = `${baseUrl}/vtm-review/index.html?retention=${retention}&frames=${frames}&payload_kb=${options.payloadKb}`;
  await wd.navigate(url);
  await wd.waitFor('return !!(window.vtm && window.vtm.ready)', 'vtm.ready');
  const mode = await wd.script('return [vtm.retention, vtm.frames, vtm.payloadKb];');
  if (mode[0] !== retention || mode[1] !== frames || mode[2] !== options.payloadKb) {
    throw new Error(`page reports ${mode.join(',')}`);
  }
  await wd.cdp('Performance.enable');
  // Warm-up through the UI like a person (proves the IDs, the frame switch and the banner work);
  // what it leaves behind is in both measurements, so it does not count per transaction.
  for (let i = 0; i < options.warmup; i++) await transaction(wd, frames, i);
  const step = options.steps === 'webdriver' ? transaction : transactionByScript;
  const before = await measure(wd);
  const started = Date.now();
  for (let i = 0; i < options.iterations; i++) await step(wd, frames, options.warmup + i);
  const elapsedMs = Date.now() - started;
  const after = await measure(wd);
  const vtm = await wd.script('return { opened: vtm.opened, closed: vtm.closed, retained: vtm.retained, lastError: vtm.lastError };');
  if (vtm.closed !== options.warmup + options.iterations || vtm.lastError) {
    throw new Error(`vtm reports ${JSON.stringify(vtm)}`);
  }
  const n = options.iterations;
  const result = {
    retention, frames, payloadKb: options.payloadKb, iterations: n, msPerTransaction: elapsedMs / n,
    heapKbPerTx: (after.jsHeapUsedBytes - before.jsHeapUsedBytes) / 1024 / n,
    nodesPerTx: (after.nodes - before.nodes) / n,
    documentsPerTx: (after.documents - before.documents) / n,
    listenersPerTx: (after.jsEventListeners - before.jsEventListeners) / n,
    retained: vtm.retained,
    before, after,
  };
  const expected = EXPECTATIONS[`${retention}/${frames}`];
  const bounds = (r) => [r.lo[0] * options.payloadKb + r.lo[1], r.hi[0] * options.payloadKb + r.hi[1]];
  const inRange = (v, [lo, hi]) => v >= lo && v <= hi;
  result.expected = { heapKbPerTx: bounds(expected.heapKb), nodesPerTx: bounds(expected.nodes) };
  result.ok = inRange(result.heapKbPerTx, result.expected.heapKbPerTx) && inRange(result.nodesPerTx, result.expected.nodesPerTx);
  return result;
}

// review.html must carry exactly the markup of review-fragment.html (same IDs in both modes).
function checkFragmentCopy() {
  const dir = path.join(PAGES_DIR, 'vtm-review');
  const fragment = fs.readFileSync(path.join(dir, 'review-fragment.html'), 'utf8');
  const page = fs.readFileSync(path.join(dir, 'review.html'), 'utf8');
  if (!page.includes(fragment)) {
    throw new Error('pages/vtm-review/review.html no longer contains review-fragment.html verbatim');
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  checkFragmentCopy();
  const pagePort = await freePort();
  const driverPort = await freePort();
  const server = await servePages(pagePort);
  const driver = spawn(options.chromedriver, [`--port=${driverPort}`, '--allowed-ips=127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wd = new WebDriver(`http://127.0.0.1:${driverPort}`);
  const results = [];
  let failed = false;
  try {
    const deadline = Date.now() + 10000;
    for (;;) {
      try {
        const res = await fetch(`http://127.0.0.1:${driverPort}/status`);
        if (res.ok) break;
      } catch (err) {
        if (Date.now() > deadline) throw new Error('chromedriver did not start');
      }
      await sleep(100);
    }
    const baseUrl = `http://127.0.0.1:${pagePort}`;
    process.stdout.write(`payload_kb=${options.payloadKb}, ${options.iterations} transactions (${options.steps} steps) after ${options.warmup} warm-up, after GC\n`);
    process.stdout.write('retention  frames      heap KB/tx  nodes/tx  docs/tx  listeners/tx  retained  ms/tx  ok\n');
    for (const frames of options.frames) {
      for (const retention of options.retention) {
        // A fresh browser per case: nothing one case leaves behind can blur the next one.
        await wd.start(options.chromium);
        const r = await runCase(wd, baseUrl, options, retention, frames);
        await wd.quit();
        results.push(r);
        if (!r.ok) failed = true;
        process.stdout.write(`${retention.padEnd(10)} ${frames.padEnd(10)} ${r.heapKbPerTx.toFixed(1).padStart(10)} ` +
          `${r.nodesPerTx.toFixed(0).padStart(9)} ${r.documentsPerTx.toFixed(2).padStart(8)} ` +
          `${r.listenersPerTx.toFixed(2).padStart(13)} ${String(r.retained).padStart(9)} ` +
          `${r.msPerTransaction.toFixed(0).padStart(6)}  ${r.ok ? 'yes' : 'NO'}\n`);
      }
    }
  } finally {
    try { await wd.quit(); } catch (err) { /* the browser may already be gone */ }
    driver.kill('SIGTERM');
    server.close();
  }
  if (options.json) {
    fs.writeFileSync(options.json, JSON.stringify(results, null, 2));
  }
  if (options.check && failed) {
    process.stdout.write('drive_vtm: FAILED: some model is outside its expected range\n');
    return 1;
  }
  return 0;
}

main().then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`drive_vtm: ${err.stack || err}\n`);
  process.exitCode = 1;
});
