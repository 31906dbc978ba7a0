// args: path, selector, value, text. Selects the option with that value (or, when value is
// empty, that visible text) and fires change.
var path = arguments[0];
var selector = arguments[1];
var value = arguments[2];
var text = arguments[3];
return harnessRun(function (w) {
  var el = harnessElement(w, selector);
  if (el.disabled) {
    throw { harness: 'disabled', detail: selector };
  }
  for (var i = 0; i < el.options.length; i++) {
    var option = el.options[i];
    var matches = value ? option.value === value
                        : (option.text || '').replace(/^\s+|\s+$/g, '') === text;
    if (matches) {
      el.selectedIndex = i;
      harnessFire(w, el, 'input');
      harnessFire(w, el, 'change');
      return true;
    }
  }
  throw { harness: 'no_option', detail: value || text };
}, path);
