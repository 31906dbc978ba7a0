// args: path, script, callback (from execute/async). Runs a scenario script inside a frame;
// the script gets its own callback as its last argument.
var path = arguments[0];
var script = arguments[1];
var callback = arguments[arguments.length - 1];
var started = harnessRun(function (w) {
  var fn = new w.Function(script);
  fn.apply(w, [function (value) {
    callback({ ok: true, value: value });
  }]);
  return true;
}, path);
if (!started.ok) {
  callback(started);
}
