// args: select element, text -> its <option> whose visible text is text, or null.
var s = arguments[0];
var t = arguments[1];
for (var i = 0; i < s.options.length; i++) {
  var o = s.options[i];
  if ((o.text || '').replace(/^\s+|\s+$/g, '') === t) {
    return o;
  }
}
return null;
