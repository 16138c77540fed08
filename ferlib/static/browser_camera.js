// ferlib's browser-camera widget: the camera runs in the browser (getUserMedia) and the faces found are
// drawn over the live picture, with score bars and the frame rate. Two modes (the `where` trait):
// "kernel": JPEG frames go to the kernel and the faces it finds come back. One frame is in flight at a
// time, so a slow kernel lowers the frame rate instead of building a queue.
// "browser": the kernel sends LiteRT.js, browser_recognizer.js and the models once (the "files"
// messages, one per file), and every frame is recognised in the page; the kernel receives no pixels, and each frame's
// results (boxes and scores) only while `share_results` is on.
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
// Browser mode: past this without the runtime and models (one message of about 13 MiB), the page says
// so and goes on waiting: a kernel busy with a cell sends them later, but a proxy that drops large
// websocket messages never delivers them (tornado's relays stop at 10 MiB by default).
const FILES_SILENCE_MS = 20000;

const EMOTION_ORDER = Object.keys(COLOURS);

// Boxes, labels and score bars (one per emotion, under the box) as recognizer.draw_face draws them.
function drawFaces(ctx, faces, scale) {
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.lineWidth = 3;
  for (const face of faces) {
    const [x, y, w, h] = face.box.map((v) => v * scale);
    const colour = COLOURS[face.emotion] || "#00ff00";
    ctx.strokeStyle = colour;
    ctx.strokeRect(x, y, w, h);
    ctx.font = "16px sans-serif";
    const label = `${face.emotion} ${Math.round(face.scores[face.emotion] * 100)}%`;
    const width = ctx.measureText(label).width + 8;
    ctx.fillStyle = colour;
    ctx.fillRect(x, Math.max(0, y - 22), width, 22);
    ctx.fillStyle = "#000";
    ctx.fillText(label, x + 4, Math.max(16, y - 6));
    const barH = Math.max(3, Math.floor(h / 14));
    ctx.font = `${Math.max(8, barH)}px sans-serif`;
    EMOTION_ORDER.forEach((emotion, i) => {
      const top = y + h + 4 + i * (barH + 1);
      if (top + barH >= ctx.canvas.height) return;
      const length = Math.round((face.scores[emotion] || 0) * w * 0.7);
      ctx.fillStyle = COLOURS[emotion];
      ctx.fillRect(x, top, length, barH);
      ctx.fillStyle = "#fff";
      ctx.fillText(emotion, x + length + 3, top + barH - 1);
    });
  }
}

const asBytes = (view) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
const blobUrl = (view, type) => URL.createObjectURL(new Blob([asBytes(view)], { type }));

// LiteRT.js loads once per page (it keeps its WebAssembly module in a global), whichever widget asks first.
function loadLiteRt(litertJs, glue, wasm) {
  if (!globalThis.ferlibLiteRt) {
    globalThis.ferlibLiteRt = (async () => {
      const litert = await import(blobUrl(litertJs, "text/javascript"));
      globalThis.Module = { // the glue script takes the WebAssembly from here; its notes are no errors
        wasmBinary: asBytes(wasm),
        printErr: (text) => {
          const note = String(text);
          if (note.startsWith("INFO:")) console.debug(note);
          else if (note.startsWith("WARNING:")) console.warn(note); // e.g. no NPU, which ferlib does not use
          else console.error(note);
        },
      };
      // the name after "#" tells LiteRT.js that this is the glue script itself, not its folder
      await litert.loadLiteRt(blobUrl(glue, "text/javascript") + "#litert_wasm_compat_internal.js");
      return litert;
    })();
    globalThis.ferlibLiteRt.catch(() => { globalThis.ferlibLiteRt = undefined; });
  }
  return globalThis.ferlibLiteRt;
}

// The page's recognizer from the kernel's "files" messages: runtime, script, then the three models.
async function pageRecognizer(settings, buffers) {
  const [litertJs, glue, wasm, script, fullRange, shortRange, emotion] = buffers;
  const litert = await loadLiteRt(litertJs, glue, wasm);
  const { createRecognizer } = await import(blobUrl(script, "text/javascript"));
  const compile = (view) => litert.loadAndCompile(asBytes(view).slice(), { accelerator: "wasm" });
  const models = {
    full_range: await compile(fullRange), short_range: await compile(shortRange), emotion: await compile(emotion),
  };
  return createRecognizer(litert, models, settings);
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
  const snapshot = document.createElement("button"); // browser mode: the one way a picture reaches the kernel
  const inPage = model.get("where") === "browser";
  if (inPage) { // the learner decides whether the kernel sees results (never pixels)
    const share = document.createElement("label");
    share.className = "ferlib-share";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = model.get("share_results");
    box.addEventListener("change", () => { model.set("share_results", box.checked); model.save_changes(); });
    model.on("change:share_results", () => { box.checked = model.get("share_results"); });
    share.append(box, " Send results to the kernel (no pictures)");
    el.append(share);
    snapshot.textContent = "Snapshot";
    snapshot.className = "ferlib-snapshot";
    snapshot.disabled = true;
    snapshot.addEventListener("click", () => takeSnapshot());
    el.insertBefore(snapshot, status);
  }
  el.dataset.where = inPage ? "browser" : "kernel";

  const grab = document.createElement("canvas");
  let stream = null;
  let timer = null;
  let numbered = 0; // frames numbered so far; each answer names the frame it is for
  let pending = null; // the number of the frame in flight (being encoded or with the kernel), or null
  let pendingSince = 0;
  let recognizer = null; // browser mode: the page's recognizer, once loaded
  let filesArrived = null; // browser mode: resolves when the kernel's "files" messages have all come
  let fileParts = []; // browser mode: the files come so far, in the kernel's order
  let filesSilence = null; // browser mode: the timer that reports files that have not come
  let shown = 0; // frames drawn since the camera started, for the frame rate
  let shownSince = 0;
  let noteUntil = 0; // the status line keeps a snapshot's note until then
  let lastFaces = []; // browser mode: the faces of the frame last drawn, and that frame
  const lastFrame = document.createElement("canvas");

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

  // Browser mode: one frame at a time is recognised in the page; results go to the kernel only if shared.
  async function recogniseInPage() {
    if (pending !== null || video.videoWidth === 0) return;
    const seq = ++numbered;
    pending = seq;
    let faces;
    try {
      const width = model.get("frame_width");
      grab.width = width;
      grab.height = Math.round(video.videoHeight * (width / video.videoWidth));
      const ctx = grab.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, grab.width, grab.height);
      const start = performance.now();
      faces = await recognizer.recognize(ctx.getImageData(0, 0, grab.width, grab.height));
      if (seq !== pending) return; // stopped meanwhile
      show(faces, grab.width, `${Math.round(performance.now() - start)} ms in the page`, null);
      [lastFaces, lastFrame.width, lastFrame.height] = [faces, grab.width, grab.height];
      lastFrame.getContext("2d").drawImage(grab, 0, 0);
    } catch (error) {
      if (seq === pending) showStatus(`the page could not recognise a frame: ${error.message}; trying the next one`, true);
      return;
    } finally {
      if (seq === pending) pending = null;
    }
    if (model.get("share_results")) {
      model.send({ type: "results", seq, faces, width: grab.width, fps: Number(el.dataset.fps) });
    }
  }

  // Draw one frame's faces (found `where`), the status line, the frame rate and the test hooks.
  function show(faces, width, where, error) {
    overlay.width = video.clientWidth;
    overlay.height = video.clientHeight;
    drawFaces(overlay.getContext("2d"), faces, video.clientWidth / width);
    shown += 1;
    const seconds = (performance.now() - shownSince) / 1000;
    const fps = shown > 1 && seconds > 0 ? (shown - 1) / seconds : 0;
    el.dataset.fps = fps.toFixed(1);
    el.dataset.frames = String(shown);
    const rate = `${fps.toFixed(1)} frames/s`;
    if (error) showStatus(`kernel: ${error}`, true);
    else if (performance.now() < noteUntil) { /* a snapshot's note stays a moment */ }
    else if (faces.length) showStatus(faces.map((f) => f.emotion).join(", ") + ` (${where}, ${rate})`);
    else showStatus(`no face in view (${where}, ${rate})`);
    el.dataset.faces = String(faces.length);
    el.dataset.emotions = faces.map((f) => f.emotion).join(",");
    el.dataset.boxes = JSON.stringify(faces.map((f) => f.box));
  }

  function tick() {
    if (!stream) return;
    if (inPage) {
      recogniseInPage();
      return;
    }
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

  model.on("msg:custom", (message, buffers) => {
    if (message.type === "files") { // one file a message (or one error), gathered until all have come
      if (!filesArrived) return;
      if (message.error) return filesArrived({ message, buffers: [] });
      fileParts[message.index] = buffers[0];
      if (fileParts.filter(Boolean).length === message.count) filesArrived({ message, buffers: fileParts });
      return;
    }
    if (message.type === "snapshot") {
      showStatus(message.error || `snapshot saved by the kernel: ${message.path}`, Boolean(message.error));
      noteUntil = performance.now() + 3000;
      return;
    }
    // A reply can arrive after "Stop camera" (the camera is off, so it is no longer news) or belong to
    // a frame sent before a restart: only the answer to the frame in flight counts.
    if (message.type !== "faces" || !stream || pending === null || message.seq !== pending) return;
    pending = null;
    show(message.faces, message.width, `${message.milliseconds} ms in the kernel`, message.error);
  });

  // Browser mode: the frame last drawn, its faces drawn on, saved by the kernel as a PNG: on a click only.
  function takeSnapshot() {
    if (!lastFrame.width) return;
    const picture = document.createElement("canvas");
    [picture.width, picture.height] = [lastFrame.width, lastFrame.height];
    const marks = document.createElement("canvas");
    [marks.width, marks.height] = [lastFrame.width, lastFrame.height];
    drawFaces(marks.getContext("2d"), lastFaces, 1);
    const ctx = picture.getContext("2d");
    ctx.drawImage(lastFrame, 0, 0);
    ctx.drawImage(marks, 0, 0);
    const faces = lastFaces;
    picture.toBlob(async (blob) => {
      if (!blob) return showStatus("the browser could not encode the snapshot", true);
      model.send({ type: "snapshot", faces }, undefined, [await blob.arrayBuffer()]);
    }, "image/png");
  }

  // Browser mode: ask the kernel for the runtime and the models, and build the page's recognizer once.
  // Each way this can fail gives one line; the kernel mode does not depend on any of it.
  async function loadRecognizer() {
    if (recognizer) return true;
    if (typeof WebAssembly !== "object") {
      showStatus("this browser has no WebAssembly, so recognition cannot run in the page: " +
        "use BrowserCamera(where=\"kernel\") or another browser", true);
      return false;
    }
    showStatus("loading the recogniser into the page...");
    fileParts = [];
    const arrived = new Promise((resolve) => { filesArrived = resolve; });
    clearTimeout(filesSilence); // pressed again while waiting: the files are asked for afresh
    filesSilence = setTimeout(() => showStatus(`the kernel has not sent the recogniser in ${FILES_SILENCE_MS / 1000} s: ` +
      "is it busy running a cell, or does a proxy on the way drop large messages? Press Start camera to ask " +
      "again, or use BrowserCamera(where=\"kernel\")", true), FILES_SILENCE_MS);
    model.send({ type: "load" });
    const { message, buffers } = await arrived;
    clearTimeout(filesSilence);
    filesArrived = null;
    if (message.error) {
      showStatus(message.error, true);
      return false;
    }
    try {
      recognizer = await pageRecognizer(message.settings, buffers);
    } catch (error) {
      showStatus(`the page could not load the recogniser: ${error.message || error}`, true);
      return false;
    }
    return true;
  }

  async function start() {
    delete el.dataset.frames; // counted afresh for each run of the camera
    delete el.dataset.fps;
    if (inPage && !(await loadRecognizer())) return;
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
    snapshot.disabled = false;
    shown = 0;
    shownSince = performance.now();
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
    snapshot.disabled = true;
    lastFrame.width = 0;
    button.textContent = "Start camera";
    showStatus("camera off");
  }

  button.addEventListener("click", () => (stream ? stop() : start()));
  if (model.get("autostart")) start();
  return () => stop();
}

export default { render };
