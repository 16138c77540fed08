// ferlib's browser-camera widget: the camera runs in the browser (getUserMedia), JPEG frames go to
// the kernel, and the faces it finds come back and are drawn over the live picture. One frame is in
// flight at a time, so a slow kernel lowers the frame rate instead of building a queue.

const COLOURS = {
  angry: "#d62728", disgust: "#8c564b", fear: "#9467bd", happy: "#ffbf00",
  sad: "#1f77b4", surprise: "#17becf", neutral: "#7f7f7f",
};

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
  let waiting = false;
  let timer = null;

  function sendFrame() {
    if (!stream || waiting || video.videoWidth === 0) return;
    const width = model.get("frame_width");
    const scale = width / video.videoWidth;
    grab.width = width;
    grab.height = Math.round(video.videoHeight * scale);
    grab.getContext("2d").drawImage(video, 0, 0, grab.width, grab.height);
    waiting = true;
    grab.toBlob(async (blob) => {
      const bytes = await blob.arrayBuffer();
      model.send({ type: "frame", width: grab.width, height: grab.height }, undefined, [bytes]);
    }, "image/jpeg", 0.8);
  }

  model.on("msg:custom", (message) => {
    // A reply can arrive after "Stop camera"; the camera is off, so it is no longer news.
    if (message.type !== "faces" || !stream) return;
    waiting = false;
    overlay.width = video.clientWidth;
    overlay.height = video.clientHeight;
    drawFaces(overlay.getContext("2d"), message.faces, video.clientWidth / message.width);
    status.textContent = message.error ? `kernel: ${message.error}` : message.faces.length
      ? message.faces.map((f) => f.emotion).join(", ") + ` (${message.milliseconds} ms in the kernel)`
      : `no face in view (${message.milliseconds} ms in the kernel)`;
    el.dataset.faces = String(message.faces.length);
    el.dataset.emotions = message.faces.map((f) => f.emotion).join(",");
  });

  async function start() {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
    } catch (error) {
      status.textContent = `the browser gave no camera: ${error.message}. Allow camera access and try again.`;
      return;
    }
    video.srcObject = stream;
    button.textContent = "Stop camera";
    status.textContent = "camera on";
    timer = setInterval(sendFrame, 1000 / model.get("max_fps"));
  }

  function stop() {
    clearInterval(timer);
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    waiting = false;
    video.srcObject = null;
    overlay.getContext("2d").clearRect(0, 0, overlay.width, overlay.height);
    button.textContent = "Start camera";
    status.textContent = "camera off";
  }

  button.addEventListener("click", () => (stream ? stop() : start()));
  if (model.get("autostart")) start();
  return () => stop();
}

export default { render };
