// ferlib's browser-camera widget: the camera runs in the browser (getUserMedia), JPEG frames go to
// the kernel, and the faces it finds come back and are drawn over the live picture. One frame is in
// flight at a time, so a slow kernel lowers the frame rate instead of building a queue.
//
// Nothing stalls silently: each frame is numbered and the kernel answers every one (faces, or an
// error shown in the status line, after which the next frame goes out as usual); a frame the browser
// cannot grab or encode is skipped with a message and the next tick tries again; a kernel that stays
// silent is reported in the status line, and an answer that never comes is given up after a while. Answers after "Stop camera", or to an older frame, are ignored.

const COLOURS = {
  angry: "#d62728", disgust: "#8c564b", fear: "#9467bd", happy: "#ffbf00",
  sad: "#1f77b4", surprise: "#17becf", neutral: "#7f7f7f",
};

// Past this, a frame in flight is reported as unanswered (the kernel may be busy running a cell).
const KERNEL_SILENCE_MS = 5000;
// Past this, its answer is given up for lost and the next frame goes out (a late answer is ignored).
const KERNEL_GIVE_UP_MS = 15000;

function drawFaces(ctx, faces, scale) {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.lineWidth = 3;
  ctx.font = "16px sans-serif";
  for (const face of faces) {
    const [x, y, w, h] = face.box.map((v) => v * scale);
    const colour = COLOURS[face.emotion] || "#00ff00";
    ctx.strokeStyle = colour;
    ctx.strokeRect(x, y, w, h);
    const label = `${face.emotion} ${Math.round(face.scores[face.emotion] * 100)}%`;
    const width = ctx.measureText(label).width + 8;
    ctx.fillStyle = colour;
    ctx.fillRect(x, Math.max(0, y - 22), width, 22);
    ctx.fillStyle = "#000";
    ctx.fillText(label, x + 4, Math.max(16, y - 6));
  }
}

function render({ model, el }) {
  el.classList.add("ferlib-browser-camera");
  const stage = document.createElement("div");
  stage.className = "ferlib-stage";
  const video = document.createElement("video");
  video.autoplay = true;
  video.muted = true;
  video.playsInline = true;
  const overlay = document.createElement("canvas");
  overlay.className = "ferlib-overlay";
  const status = document.createElement("div");
  status.className = "ferlib-status";
  const button = document.createElement("button");
  button.textContent = "Start camera";
  stage.append(video, overlay);
  el.append(button, status, stage);

  const grab = document.createElement("canvas");
  let stream = null;
  let timer = null;
  let numbered = 0; // frames numbered so far; each answer names the frame it is for
  let pending = null; // the number of the frame in flight (being encoded or with the kernel), or null
  let pendingSince = 0;

  function showStatus(text, problem = false) {
    status.textContent = text;
    status.classList.toggle("ferlib-error", problem);
    if (problem) el.dataset.error = text;
    else delete el.dataset.error;
  }

  function clearOverlay() {
    overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
  }

  // The frame in flight failed before reaching the kernel: free the slot; the next tick sends another.
  function dropFrame(seq, text) {
    if (seq !== pending) return;
    pending = null;
    showStatus(text, true);
  }

  async function sendEncoded(seq, blob, width, height) {
    if (seq !== pending) return; // the camera stopped (or restarted) while the frame was encoded
    if (!blob) {
      dropFrame(seq, "the browser could not encode a camera frame; trying the next one");
      return;
    }
    try {
      const bytes = await blob.arrayBuffer();
      if (seq !== pending) return;
      model.send({ type: "frame", seq, width, height }, undefined, [bytes]);
    } catch (error) {
      dropFrame(seq, `could not send a frame to the kernel: ${error.message}; trying the next one`);
    }
  }

  function tick() {
    if (!stream) return;
    if (pending !== null) {
      const silent = performance.now() - pendingSince;
      if (silent > KERNEL_SILENCE_MS) {
        showStatus(`no answer from the kernel for ${Math.round(silent / 1000)} s: is it busy running a cell?`, true);
      }
      if (silent <= KERNEL_GIVE_UP_MS) return;
      pending = null; // a lost answer must not stall the camera: send a new frame
    }
    if (video.videoWidth === 0) return;
    const seq = ++numbered;
    pending = seq;
    pendingSince = performance.now();
    try {
      const width = model.get("frame_width");
      const scale = width / video.videoWidth;
      grab.width = width;
      grab.height = Math.round(video.videoHeight * scale);
      grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
      const [w, h] = [grab.width, grab.height];
      grab.toBlob((blob) => sendEncoded(seq, blob, w, h), "image/jpeg", 0.8);
    } catch (error) {
      dropFrame(seq, `could not grab a camera frame: ${error.message}; trying the next one`);
    }
  }

  model.on("msg:custom", (message) => {
    // A reply can arrive after "Stop camera" (the camera is off, so it is no longer news) or belong to
    // a frame sent before a restart: only the answer to the frame in flight counts.
    if (message.type !== "faces" || !stream || pending === null || message.seq !== pending) return;
    pending = null;
    overlay.width = video.clientWidth;
    overlay.height = video.clientHeight;
    drawFaces(overlay.getContext("2d"), message.faces, video.clientWidth / message.width);
    if (message.error) showStatus(`kernel: ${message.error}`, true);
    else if (message.faces.length) {
      showStatus(message.faces.map((f) => f.emotion).join(", ") + ` (${message.milliseconds} ms in the kernel)`);
    } else showStatus(`no face in view (${message.milliseconds} ms in the kernel)`);
    el.dataset.faces = String(message.faces.length);
    el.dataset.emotions = message.faces.map((f) => f.emotion).join(",");
  });

  async function start() {
    // Browsers offer the camera only to secure pages: HTTPS, or http://localhost.
    if (globalThis.isSecureContext === false || !navigator.mediaDevices) {
      showStatus("the browser offers the camera only to pages served over HTTPS or from localhost: " +
        "open this notebook through https:// or on localhost", true);
      return;
    }
    let camera;
    try {
      camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    } catch (error) {
      showStatus(`the browser gave no camera: ${error.message}. Allow camera access and try again.`, true);
      return;
    }
    if (stream) { // started twice (a double click): keep the first camera
      camera.getTracks().forEach((track) => track.stop());
      return;
    }
    stream = camera;
    for (const track of camera.getVideoTracks()) {
      track.addEventListener("ended", () => {
        if (stream !== camera) return;
        stop();
        showStatus("the camera stopped (unplugged, or taken by another program?); press Start camera", true);
      });
    }
    video.srcObject = stream;
    button.textContent = "Stop camera";
    showStatus("camera on");
    timer = setInterval(tick, 1000 / model.get("max_fps"));
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    pending = null;
    video.srcObject = null;
    clearOverlay();
    button.textContent = "Start camera";
    showStatus("camera off");
  }

  button.addEventListener("click", () => (stream ? stop() : start()));
  if (model.get("autostart")) start();
  return () => stop();
}

export default { render };
