/*
 * Page mode (README "Page mode"): the page runs the workflow itself, with no driver attached,
 * and reports to the harness after set-up and after every iteration with a beacon. The harness
 * answers once it has measured (a checkpoint is taken while the page waits), telling the page to
 * go on or to stop. ES5 and XMLHttpRequest: it must run in IE11, including Enhanced Protected
 * Mode, where no driver can attach.
 *
 *   HarnessPage.run({
 *     setup: function (done) { ...; done(); },                  // optional
 *     iteration: function (n, done) { ...; done(errorOrNull); }  // one business transaction
 *   });
 *
 * The harness adds ?harness_beacon=<url>&harness_warmup=<n> to the page's URL; without them
 * (opened by hand) the page does nothing. Before each beacon the page calls IE's
 * CollectGarbage() when there is one.
 */
(function (window) {
  'use strict';

  function param(name) {
    var pairs = window.location.search.replace(/^\?/, '').split('&');
    for (var i = 0; i < pairs.length; i++) {
      var eq = pairs[i].indexOf('=');
      var key = decodeURIComponent(eq < 0 ? pairs[i] : pairs[i].substring(0, eq));
      if (key === name) {
        return eq < 0 ? '' : decodeURIComponent(pairs[i].substring(eq + 1).replace(/\+/g, ' '));
      }
    }
    return null;
  }

  function now() {
    return new Date().getTime();
  }

  function collectGarbage() {
    if (typeof window.CollectGarbage === 'function') {
      try {
        window.CollectGarbage();
      } catch (e) {
        // Not available in this document mode: nothing to do.
      }
    }
  }

  // Posts one beacon; callback(goOn) with false when the harness says stop or cannot be reached.
  function post(url, body, callback) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url, true);
    xhr.setRequestHeader('Content-Type', 'application/json');
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) {
        return;
      }
      var reply = null;
      try {
        reply = JSON.parse(xhr.responseText);
      } catch (e) {
        reply = null;
      }
      callback(xhr.status === 200 && reply !== null && reply['continue'] === true);
    };
    xhr.send(JSON.stringify(body));
  }

  function describe(error) {
    if (!error) {
      return null;
    }
    return error.message ? String(error.message) : String(error);
  }

  window.HarnessPage = {
    running: false,
    iteration: null,
    stopped: false,
    run: function (workflow) {
      var beacon = param('harness_beacon');
      if (!beacon) {
        return false;
      }
      var state = window.HarnessPage;
      var warmup = parseInt(param('harness_warmup') || '0', 10) || 0;
      state.running = true;

      function report(body, next) {
        collectGarbage();
        post(beacon, body, function (goOn) {
          if (goOn) {
            window.setTimeout(next, 0);
          } else {
            state.running = false;
            state.stopped = true;
          }
        });
      }

      function iterate(n) {
        var started = now();
        var finished = false;
        state.iteration = n;
        function done(error) {
          if (finished) {
            return;
          }
          finished = true;
          report({ phase: 'iteration', iteration: n, ok: !error, error: describe(error),
                   page_ms: now() - started },
                 function () { iterate(n === -1 ? 1 : n + 1); });
        }
        try {
          workflow.iteration(n, done);
        } catch (e) {
          done(e);
        }
      }

      function ready(error) {
        report({ phase: 'ready', iteration: 0, ok: !error, error: describe(error) },
               function () { iterate(warmup > 0 ? -warmup : 1); });
      }

      if (workflow.setup) {
        try {
          workflow.setup(ready);
        } catch (e) {
          ready(e);
        }
      } else {
        ready(null);
      }
      return true;
    }
  };
})(window);
