/*
 * vtm-review in page mode: the same transaction the driver-mode scenario performs (open the next
 * customer's review, write a note, approve, close), run by the page itself under
 * HarnessPage.run (../harness/page-runner.js). Does nothing unless the harness started the page
 * in page mode. ES5, for IE11 (Enhanced Protected Mode has no driver: this is how it is tested).
 */
(function (window, document) {
  'use strict';

  var STEP_TIMEOUT_MS = 30000;

  function waitFor(test, callback) {
    var started = new Date().getTime();
    (function poll() {
      var ok = false;
      try {
        ok = test();
      } catch (e) {
        ok = false;
      }
      if (ok) {
        callback(null);
      } else if (new Date().getTime() - started > STEP_TIMEOUT_MS) {
        callback(new Error('timed out waiting: ' + String(test).replace(/\s+/g, ' ')));
      } else {
        window.setTimeout(poll, 10);
      }
    })();
  }

  function fire(doc, element, type) {
    var event = doc.createEvent('HTMLEvents');
    event.initEvent(type, true, false);
    element.dispatchEvent(event);
  }

  function reviewDocument(vtm) {
    if (vtm.frames !== 'iframe') {
      return document;
    }
    var frame = document.getElementById('review-frame');
    return frame && frame.contentWindow ? frame.contentWindow.document : null;
  }

  function transaction(n, done) {
    var vtm = window.vtm;
    if (!vtm.next()) {
      done(new Error('cannot open the next review in state ' + vtm.state));
      return;
    }
    waitFor(function () { return vtm.state === 'reviewing'; }, function (error) {
      if (error) {
        done(error);
        return;
      }
      var doc = reviewDocument(vtm);
      var note = doc.getElementById('note');
      note.value = 'Reviewed in iteration ' + n;
      fire(doc, note, 'change');
      var decision = doc.getElementById('decision');
      decision.value = 'approve';
      fire(doc, decision, 'change');
      doc.getElementById('id-verified').click();
      doc.getElementById('approve').click();
      waitFor(function () { return vtm.reviewDone === true; }, function (approveError) {
        if (approveError) {
          done(approveError);
          return;
        }
        vtm.close();
        waitFor(function () { return vtm.state === 'idle'; }, done);
      });
    });
  }

  if (window.HarnessPage) {
    window.HarnessPage.run({
      setup: function (done) {
        waitFor(function () { return !!(window.vtm && window.vtm.ready); }, done);
      },
      iteration: transaction
    });
  }
})(window, document);
