// Record a prompt in the browser (MediaRecorder), hear it, then send it to be checked.
// The server converts and checks it exactly as an upload, and keeps it aside to listen
// to before it goes live.
(function () {
  "use strict";
  var section = document.querySelector(".record");
  if (!section || !window.MediaRecorder || !navigator.mediaDevices) {
    return;
  }
  var panel = section.querySelector(".recorder");
  section.querySelector(".needs-js").hidden = true;
  panel.hidden = false;
  var start = panel.querySelector(".start");
  var stop = panel.querySelector(".stop");
  var send = panel.querySelector(".send");
  var state = panel.querySelector(".state");
  var playback = panel.querySelector(".playback");
  var token = section.querySelector(".csrf").value;
  var recorder = null;
  var chunks = [];
  var recording = null;

  start.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", function (event) {
        if (event.data.size > 0) {
          chunks.push(event.data);
        }
      });
      recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        recording = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
        playback.src = URL.createObjectURL(recording);
        playback.hidden = false;
        send.disabled = false;
        state.textContent = "Recorded. Listen to it, then use it or record again.";
        start.disabled = false;
        start.focus();
      });
      recorder.start();
      start.disabled = true;
      stop.disabled = false;
      send.disabled = true;
      stop.focus();
      state.textContent = "Recording… say the words, then press Stop.";
    }).catch(function (error) {
      state.textContent = "The microphone could not be used (" + error.name + "). You can upload a file instead.";
    });
  });

  stop.addEventListener("click", function () {
    if (recorder && recorder.state === "recording") {
      recorder.stop();
    }
    stop.disabled = true;
  });

  send.addEventListener("click", function () {
    if (!recording) {
      return;
    }
    var form = new FormData();
    var type = recording.type.indexOf("ogg") >= 0 ? "ogg" : recording.type.indexOf("mp4") >= 0 ? "m4a" : "webm";
    form.append("audio", recording, "browser-recording." + type);
    send.disabled = true;
    state.textContent = "Checking the recording…";
    fetch(section.dataset.upload, {
      method: "POST",
      body: form,
      headers: { "X-CSRFToken": token, "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (answer) {
      if (answer.ok && answer.body.next) {
        window.location.assign(answer.body.next);
      } else {
        state.textContent = "Not saved: " + (answer.body.error || "the recording was refused.");
        send.disabled = false;
      }
    }).catch(function () {
      state.textContent = "Not saved: the console could not be reached. Try again.";
      send.disabled = false;
    });
  });
})();
