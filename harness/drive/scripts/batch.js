// args: ops, callback (execute/async). Runs consecutive scripted steps of a scenario in the page
// in one WebDriver round trip (step_runner.cpp, "batches"), with the step code of prelude.js.
// Each op: {k: kind, p: frame path, t: timeout ms, ...}:
//   click {s}  type {s, x: text, c: clear}  select {s, v: value, x: text}   act, retried while
//              the element is missing, hidden or disabled (a settling page), until t
//   frame      wait until the frame at p has a document
//   state {s, w: 0 absent | 1 present | 2 visible}   wait for the selector's state
//   until {x}  wait until the script returns something truthy
//   exec {x}   run a script once;  async {x}: run it with a callback and wait for the call
//   sleep      wait t ms;  gc: CollectGarbage() / gc()
// Waits are event-driven: the condition is checked again on every DOM mutation of the top
// document and of the op's frame, on every animation frame, and at least every 10 ms (animation
// frames stop in hidden pages; a condition on a script variable changes without a mutation: page
// mode's workflows poll at the same 10 ms). The reply:
//   {done: [[start, duration], ...] ms from the batch's start, one per finished op,
//    failed: null | {op, problem, detail, at, waited, timed_out},
//    navigated: null | {op, acted, at, waited}}: the page started unloading (a click followed a
//    link); op `op` was in progress (since `at`, for `waited` ms) and `acted` says whether its
//    action had run. The harness sends the rest again once the next document is there.
// Everything the batch sets up (observer, listeners, timers) is removed before it answers, so
// driving leaves nothing behind in the page.
var ops = arguments[0];
var callback = arguments[arguments.length - 1];
var perf = window.performance;
var clock = perf && perf.now ? function () { return perf.now(); }
                             : function () { return new Date().getTime(); };
var origin = clock();
var done = [];
var index = 0;
var opStarted = null;
var acting = false;
var finished = false;
var lastProblem = null;
var observer = null;
var observed = null;
var frameRequest = null;
var timer = null;
var asyncState = null;
var running = false;

function cancelWake() {
  if (frameRequest !== null && window.cancelAnimationFrame) {
    window.cancelAnimationFrame(frameRequest);
  }
  if (timer !== null) {
    window.clearTimeout(timer);
  }
  frameRequest = null;
  timer = null;
}

function unwatch() {
  cancelWake();
  if (observer) {
    observer.disconnect();
  }
  observer = null;
  observed = null;
}

function finish(failed, navigated) {
  if (finished) {
    return;
  }
  finished = true;
  unwatch();
  asyncState = null;
  if (window.removeEventListener) {
    window.removeEventListener('beforeunload', onUnload, false);
    window.removeEventListener('pagehide', onUnload, false);
  }
  callback({ done: done, failed: failed || null, navigated: navigated || null });
}

function onUnload() {
  var started = opStarted === null ? clock() : opStarted;
  finish(null, { op: index, acted: acting, at: started - origin, waited: clock() - started });
}

// The window an op works in; a frame that is missing (or has no document) yet is null.
function opWindow(op) {
  try {
    return harnessWindow(op.p || []);
  } catch (e) {
    if (e && e.harness === 'cross_origin') {
      throw e;
    }
    return null;
  }
}

function describeError(e) {
  if (e && e.message) {
    return String(e.message);
  }
  return String(e);
}

function compiled(op, w) {
  if (!op.fn || op.fnWindow !== w) {
    op.fn = new w.Function(op.x);
    op.fnWindow = w;
  }
  return op.fn;
}

// One attempt at op: true when it is done, false to wait and try again. Throws
// {harness: code, detail} for a final problem (cross-origin frame, script error).
function attempt(op) {
  var w;
  switch (op.k) {
    case 'click':
    case 'type':
    case 'select':
    case 'frame':
      try {
        w = harnessWindow(op.p || []);
        acting = true;
        if (op.k === 'click') {
          harnessClick(w, op.s);
        } else if (op.k === 'type') {
          harnessType(w, op.s, op.x, op.c);
        } else if (op.k === 'select') {
          harnessSelect(w, op.s, op.v, op.x);
        }
        acting = false;
        return true;
      } catch (e) {
        acting = false;
        if (e && e.harness) {
          lastProblem = e;
          if (e.harness === 'cross_origin') {
            throw e;
          }
          return false;
        }
        throw { harness: 'script', detail: describeError(e) };
      }
    case 'state':
      w = opWindow(op);
      var s = w ? harnessState(w, op.s) : 0;
      return op.w === 0 ? s === 0 : op.w === 2 ? s === 2 : s >= 1;
    case 'until':
    case 'exec':
      w = harnessWindow(op.p || []);
      try {
        acting = op.k === 'exec';
        var value = compiled(op, w).apply(w, []);
        acting = false;
        return op.k === 'exec' || !!value;
      } catch (e) {
        acting = false;
        throw { harness: 'script', detail: describeError(e) };
      }
    case 'async':
      if (asyncState === null) {
        w = harnessWindow(op.p || []);
        var state = { called: false };
        asyncState = state;
        try {
          acting = true;
          compiled(op, w).apply(w, [function () {
            state.called = true;
            if (asyncState === state) {
              step();
            }
          }]);
          acting = false;
        } catch (e) {
          acting = false;
          throw { harness: 'script', detail: describeError(e) };
        }
      }
      if (asyncState.called) {
        asyncState = null;
        return true;
      }
      return false;
    case 'sleep':
      return clock() - opStarted >= op.t;
    case 'gc':
      if (typeof window.CollectGarbage === 'function') {
        window.CollectGarbage();
      } else if (typeof window.gc === 'function') {
        window.gc();
      }
      return true;
    default:
      throw { harness: 'bad_op', detail: String(op.k) };
  }
}

function wake() {
  cancelWake();
  step();
}

// Wait for the next mutation, animation frame or 10 ms, whichever comes first.
function watch(op) {
  if (op.k !== 'sleep' && op.k !== 'async' && window.MutationObserver) {
    var w = null;
    try {
      w = op.p && op.p.length ? harnessWindow(op.p) : null;
    } catch (e) {
      w = null;
    }
    var doc = w ? w.document : null;
    if (!observer || observed !== doc) {
      if (observer) {
        observer.disconnect();
      }
      observer = new window.MutationObserver(wake);
      var options = { childList: true, subtree: true, attributes: true };
      observer.observe(window.document, options);
      if (doc && doc !== window.document) {
        observer.observe(doc, options);
      }
      observed = doc;
    }
  }
  if (frameRequest === null && window.requestAnimationFrame && op.k !== 'sleep') {
    frameRequest = window.requestAnimationFrame(wake);
  }
  if (timer === null) {
    var left = op.t - (clock() - opStarted);
    timer = window.setTimeout(wake, Math.max(0, Math.min(10, left)));
  }
}

// Runs ops until one has to wait. Not re-entered: a script that calls its callback at once, or
// a mutation made by an action, comes back here only after the current pass.
function step() {
  if (finished || running) {
    return;
  }
  running = true;
  try {
    pass();
  } finally {
    running = false;
  }
}

function pass() {
  while (index < ops.length) {
    var op = ops[index];
    if (opStarted === null) {
      opStarted = clock();
      lastProblem = null;
    }
    var ok;
    try {
      ok = attempt(op);
    } catch (e) {
      var problem = e && e.harness ? e : { harness: 'script', detail: describeError(e) };
      finish({ op: index, problem: problem.harness, detail: problem.detail,
               at: opStarted - origin, waited: clock() - opStarted, timed_out: false });
      return;
    }
    if (finished) {
      return;  // the op's action started unloading the page
    }
    if (!ok) {
      var waited = clock() - opStarted;
      if (waited >= op.t) {
        finish({ op: index, problem: lastProblem ? lastProblem.harness : 'timeout',
                 detail: lastProblem ? lastProblem.detail : '', at: opStarted - origin,
                 waited: waited, timed_out: true });
        return;
      }
      watch(op);
      return;
    }
    done.push([opStarted - origin, clock() - opStarted]);
    index++;
    opStarted = null;
    if (observer) {
      observer.disconnect();
      observer = null;
      observed = null;
    }
  }
  finish(null, null);
}

// Scenario scripts become functions with the page's Function(). A Content-Security-Policy
// without 'unsafe-eval' forbids that in the page's own tasks (a timer, an animation frame) but
// not while the driver's call runs (measured: a page with script-src 'self' 'unsafe-inline').
// So the scripts of the top document are made now, before the first wait; if even that is
// refused (or a script does not parse), the batch answers `no_eval` before anything ran and the
// harness runs these steps one by one, with WebDriver's execute script as before. Scripts in
// frames are made when their frame is there (a frame whose own policy forbids eval fails them).
function evalForbidden() {
  for (var i = 0; i < ops.length; i++) {
    var op = ops[i];
    if ((op.k === 'until' || op.k === 'exec' || op.k === 'async') && !(op.p && op.p.length)) {
      try {
        compiled(op, window);
      } catch (e) {
        return true;
      }
    }
  }
  return false;
}

if (evalForbidden()) {
  finish({ op: 0, problem: 'no_eval', detail: 'the page forbids eval', at: 0, waited: 0,
           timed_out: false });
} else {
  if (window.addEventListener) {
    window.addEventListener('beforeunload', onUnload, false);
    window.addEventListener('pagehide', onUnload, false);
  }
  step();
}
