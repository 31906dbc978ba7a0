// args: selector -> the index in window.frames of the frame an <iframe> shows, or -1.
// Native input mode enters frames by index so the driver holds no reference to the <iframe>.
var el = document.querySelector(arguments[0]);
if (!el || !el.contentWindow) {
  return -1;
}
for (var i = 0; i < window.frames.length; i++) {
  if (window.frames[i] === el.contentWindow) {
    return i;
  }
}
return -1;
