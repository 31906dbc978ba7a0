// Leak attribution where no heap snapshot exists (IE11; run/attribution.cpp): the elements of
// every document the page can reach through window.frames, as a JSON string
// [{"frame": "top/0", "url": "...", "elements": N}, ...]. A cross-origin frame is listed with
// elements -1; a removed frame is not reachable at all (what IE cannot tell: README).
var out = [];
function visit(win, path, depth) {
  var doc = null;
  var url = '';
  try {
    doc = win.document;
    url = String(win.location.href);
  } catch (e) {
    doc = null;
  }
  out.push({ frame: path, url: url, elements: doc ? doc.getElementsByTagName('*').length : -1 });
  var count = 0;
  try {
    count = win.frames.length;
  } catch (e2) {
    count = 0;
  }
  for (var i = 0; i < count && depth < 8; i++) {
    var child = null;
    try {
      child = win.frames[i];
    } catch (e3) {
      child = null;
    }
    if (child) {
      visit(child, path + '/' + i, depth + 1);
    }
  }
}
visit(window, 'top', 0);
return JSON.stringify(out);
