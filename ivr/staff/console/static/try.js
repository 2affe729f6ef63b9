// Play the audio of the call's latest step in order, as a caller would hear it.
(function () {
  "use strict";
  var events = Array.prototype.slice.call(document.querySelectorAll(".call .event"));
  var last = -1;
  events.forEach(function (event, index) {
    if (event.classList.contains("gather")) {
      last = index;
    }
  });
  var players = events.slice(last + 1).map(function (event) {
    return event.querySelector("audio");
  }).filter(Boolean);
  function play(index) {
    if (index >= players.length) {
      return;
    }
    players[index].addEventListener("ended", function () { play(index + 1); }, { once: true });
    var started = players[index].play();
    if (started && started.catch) {
      started.catch(function () { /* the browser wants a click first: controls are there */ });
    }
  }
  play(0);
})();
