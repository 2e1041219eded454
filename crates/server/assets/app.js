// Switchyard's staff UI: the little it needs beyond htmx, with no inline script (the
// content security policy runs none).
//
// - An element with `data-keep-focus` takes the focus back whenever it loses it to
//   the page (a barcode scanner types into whatever has focus), after every htmx swap.
// - A swapped-in element with `data-sound="ok"` or `data-sound="bad"` beeps: a short
//   high tone for a right scan, a low long one for a wrong one.
(function () {
  "use strict";
  var audio = null;
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = kind === "ok" ? 1320 : 220;
      osc.type = kind === "ok" ? "sine" : "square";
      gain.gain.value = 0.15;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (kind === "ok" ? 0.08 : 0.45));
    } catch (e) {
      /* no sound on this device: the colour still says it */
    }
  }
  function keepFocus() {
    var field = document.querySelector("[data-keep-focus]");
    if (field && document.activeElement !== field) {
      field.focus();
    }
  }
  function afterSwap(root) {
    var sounds = (root || document).querySelectorAll("[data-sound]");
    for (var i = 0; i < sounds.length; i++) {
      beep(sounds[i].getAttribute("data-sound"));
      sounds[i].removeAttribute("data-sound");
    }
    keepFocus();
  }
  document.addEventListener("DOMContentLoaded", function () {
    afterSwap(document);
    document.addEventListener("focusout", function (e) {
      if (e.target && e.target.hasAttribute && e.target.hasAttribute("data-keep-focus")) {
        // Let a click on another field or button land; the bench has none to click.
        setTimeout(function () {
          var active = document.activeElement;
          if (!active || active === document.body) {
            keepFocus();
          }
        }, 0);
      }
    });
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    afterSwap(e.target);
  });
})();
