// Records the page's uncaught JavaScript errors for the report (every frame of the page; Chromium
// runs it in each new document, IE gets it after each load). Entries are plain strings kept on the
// top window, at most 200, and the harness takes them away at each checkpoint:
//   var e = window.__harnessErrors; return e ? e.splice(0, e.length) : [];
// ES5: it runs in IE11 too.
(function () {
  var top = window;
  try {
    if (window.top && window.top.document) {
      top = window.top;
    }
  } catch (e) {
    top = window;  // a cross-origin frame records into its own window
  }
  var sink = top.__harnessErrors || (top.__harnessErrors = []);
  function record(message, source, line, column) {
    if (sink.length < 200) {
      sink.push({
        message: String(message),
        source: String(source || window.location.href) + ':' + (line || 0) + ':' + (column || 0),
        t: new Date().getTime()
      });
    }
  }
  if (window.addEventListener) {
    window.addEventListener('error', function (event) {
      record(event.message, event.filename, event.lineno, event.colno);
    }, false);
  }
})();
