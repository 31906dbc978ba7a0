// args: path, script. Runs a scenario script inside a frame: the function is made by the
// frame's own Function, so its globals are the frame's.
var path = arguments[0];
var script = arguments[1];
return harnessRun(function (w) {
  var fn = new w.Function(script);
  return fn.apply(w, []);
}, path);
