// ferlib's recognition in the page: the same steps as EmotionRecognizer with BlazeFaceDetector in the
// kernel (ferlib/faces/blazeface.py, ferlib/faces/crop.py, ferlib/imageops.py), on the same .tflite
// files, run with LiteRT.js. Pictures are RGBA ImageData; OpenCV's resizing, warping and grey
// conversion are reproduced here (area averaging, bilinear with 1/32-pixel steps, fixed-point grey),
// so crops match the kernel's to a grey level or so.
//
// createRecognizer(litert, models, settings) -> {recognize(imageData) -> faces, delete()}; a face is
// {box: [x, y, w, h], eyes, emotion, scores: {emotion: probability}} as FaceEmotion.to_dict() gives.

const RAW_SCORE_LIMIT = 80;

// ---- pixels -----------------------------------------------------------------------------------------

// One channel of an interleaved uint8 picture resized like cv2.resize: INTER_AREA (pixel-area weights)
// when shrinking, INTER_LINEAR (half-pixel centres) when growing; rounded to uint8 as OpenCV does.
export function resizeChannels(src, width, height, channels, newW, newH) {
  if (newW === width && newH === height) return src; // OpenCV copies; nothing to compute
  const out = new Uint8ClampedArray(newW * newH * channels);
  const shrink = newW <= width && newH <= height;
  const xTaps = shrink ? areaTaps(width, newW) : linearTaps(width, newW);
  const yTaps = shrink ? areaTaps(height, newH) : linearTaps(height, newH);
  const row = new Float64Array(newW * channels);
  for (let y = 0; y < newH; y++) {
    row.fill(0);
    for (const [sy, wy] of yTaps[y]) {
      const base = sy * width * channels;
      for (let x = 0; x < newW; x++) {
        for (const [sx, wx] of xTaps[x]) {
          const w = wx * wy;
          const at = base + sx * channels;
          for (let c = 0; c < channels; c++) row[x * channels + c] += src[at + c] * w;
        }
      }
    }
    const offset = y * newW * channels;
    for (let i = 0; i < row.length; i++) out[offset + i] = Math.round(row[i]);
  }
  return out;
}

// Source pixels and weights of each destination pixel when `size` shrinks to `newSize` (INTER_AREA).
function areaTaps(size, newSize) {
  const scale = size / newSize;
  const taps = [];
  for (let d = 0; d < newSize; d++) {
    const start = d * scale, end = Math.min(size, start + scale);
    const list = [];
    for (let s = Math.floor(start); s < end; s++) {
      const cover = Math.min(end, s + 1) - Math.max(start, s);
      if (cover > 1e-9) list.push([s, cover / scale]);
    }
    taps.push(list);
  }
  return taps;
}

// Source pixels and weights of each destination pixel when `size` grows to `newSize` (INTER_LINEAR).
function linearTaps(size, newSize) {
  const scale = size / newSize;
  const taps = [];
  for (let d = 0; d < newSize; d++) {
    const s = (d + 0.5) * scale - 0.5;
    let left = Math.floor(s), frac = s - left;
    if (left < 0) { left = 0; frac = 0; }
    if (left >= size - 1) { left = size - 1; frac = 0; }
    taps.push(frac ? [[left, 1 - frac], [left + 1, frac]] : [[left, 1]]);
  }
  return taps;
}

// RGBA to grey as cv2.cvtColor(..., COLOR_RGB2GRAY): fixed-point 0.299 R + 0.587 G + 0.114 B.
export function toGray(rgba, width, height) {
  const gray = new Uint8Array(width * height);
  for (let i = 0; i < gray.length; i++) {
    const p = i * 4;
    gray[i] = (rgba[p] * 4899 + rgba[p + 1] * 9617 + rgba[p + 2] * 1868 + 8192) >> 14;
  }
  return gray;
}

function toRgb(rgba, width, height) {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgb[i] = rgba[j]; rgb[i + 1] = rgba[j + 1]; rgb[i + 2] = rgba[j + 2];
  }
  return rgb;
}

// cv2.warpAffine(gray, M, (outW, outH), INTER_LINEAR, BORDER_REPLICATE) for the inverse map `inv`
// (destination to source): source positions in 1/32 pixels, weights rounded to 15 bits, as OpenCV.
function warpGray(gray, width, height, inv, outW, outH) {
  const out = new Uint8Array(outW * outH);
  const at = (x, y) => gray[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))];
  for (let y = 0; y < outH; y++) {
    const x0 = Math.round((inv[1] * y + inv[2]) * 1024), y0 = Math.round((inv[4] * y + inv[5]) * 1024);
    for (let x = 0; x < outW; x++) {
      const X = (x0 + Math.round(inv[0] * x * 1024) + 16) >> 5;
      const Y = (y0 + Math.round(inv[3] * x * 1024) + 16) >> 5;
      const ix = X >> 5, iy = Y >> 5, fx = (X & 31) / 32, fy = (Y & 31) / 32;
      const w00 = Math.round((1 - fx) * (1 - fy) * 32768), w01 = Math.round(fx * (1 - fy) * 32768);
      const w10 = Math.round((1 - fx) * fy * 32768), w11 = 32768 - w00 - w01 - w10;
      const sum = at(ix, iy) * w00 + at(ix + 1, iy) * w01 + at(ix, iy + 1) * w10 + at(ix + 1, iy + 1) * w11;
      out[y * outW + x] = Math.min(255, Math.max(0, (sum + 16384) >> 15));
    }
  }
  return out;
}

// ---- the detector (ferlib/faces/blazeface.py) ------------------------------------------------------

function anchors(grids) {
  const centres = [];
  for (const [cells, perCell] of grids) {
    for (let row = 0; row < cells; row++) {
      for (let col = 0; col < cells; col++) {
        for (let k = 0; k < perCell; k++) centres.push([(col + 0.5) / cells, (row + 0.5) / cells]);
      }
    }
  }
  return centres;
}

// The picture as the model's input: RGB in [-1, 1], fitted into side x side inside a black border of
// `padding` times its longer side, centred (_letterbox in blazeface.py).
function letterbox(rgb, width, height, side, padding) {
  const scale = side / (Math.max(height, width) * (1 + 2 * padding));
  const newW = Math.max(1, Math.round(width * scale)), newH = Math.max(1, Math.round(height * scale));
  const padX = (side - newW) / 2, padY = (side - newH) / 2;
  const tensor = new Float32Array(side * side * 3).fill(-1);
  const resized = resizeChannels(rgb, width, height, 3, newW, newH);
  const top = Math.floor(padY), left = Math.floor(padX);
  for (let y = 0; y < newH; y++) {
    for (let x = 0; x < newW * 3; x++) {
      tensor[((top + y) * side + left) * 3 + x] = resized[y * newW * 3 + x] / 127.5 - 1;
    }
  }
  return { tensor, scaleX: newW / width, scaleY: newH / height, padX: left, padY: top };
}

// MediaPipe's weighted non-maximum suppression (_weighted_nms in blazeface.py).
function weightedNms(found, overlap) {
  const area = (c) => Math.max(0, c[2] - c[0]) * Math.max(0, c[3] - c[1]);
  let order = [...found].sort((a, b) => b.score - a.score);
  const merged = [];
  while (order.length) {
    const best = order[0];
    const group = [best], rest = [];
    for (const other of order.slice(1)) {
      const iw = Math.max(0, Math.min(other.corners[2], best.corners[2]) - Math.max(other.corners[0], best.corners[0]));
      const ih = Math.max(0, Math.min(other.corners[3], best.corners[3]) - Math.max(other.corners[1], best.corners[1]));
      const inter = iw * ih;
      const iou = inter / Math.max(area(other.corners) + area(best.corners) - inter, 1e-12);
      (iou > overlap ? group : rest).push(other);
    }
    order = rest;
    const total = group.reduce((s, f) => s + f.score, 0);
    const corners = [0, 0, 0, 0], eyes = [0, 0, 0, 0];
    for (const face of group) {
      const w = face.score / total;
      for (let i = 0; i < 4; i++) { corners[i] += w * face.corners[i]; eyes[i] += w * face.eyes[i]; }
    }
    merged.push({ corners, eyes, score: best.score });
  }
  return merged;
}

class BlazeFace {
  constructor(model, spec, minScore, overlap) {
    this.model = model;
    this.side = spec.side;
    this.anchors = anchors(spec.grids);
    this.minScore = minScore;
    this.overlap = overlap;
  }

  // Every face as {box: [x, y, w, h] (may cross the edge), score, eyes: [[x, y], [x, y]]} in pixels.
  async detectFaces(litert, rgb, width, height, padding = 0, minScore = this.minScore) {
    return (await this.look(litert, rgb, width, height, padding, minScore)).faces;
  }

  // BlazeFace.look: the faces, and the highest score of any anchor (topScore), kept or not.
  async look(litert, rgb, width, height, padding = 0, minScore = this.minScore) {
    const side = this.side;
    const { tensor, scaleX, scaleY, padX, padY } = letterbox(rgb, width, height, side, padding);
    const input = new litert.Tensor(tensor, [1, side, side, 3]);
    const outputs = await this.model.run([input]);
    input.delete();
    const arrays = outputs.map((t) => t.toTypedArray().slice());
    outputs.forEach((t) => t.delete());
    const count = this.anchors.length;
    const raw = arrays.find((a) => a.length === count * 16), logits = arrays.find((a) => a.length === count);
    const found = [];
    let topScore = 0;
    for (let i = 0; i < count; i++) {
      const score = 1 / (1 + Math.exp(-Math.min(RAW_SCORE_LIMIT, Math.max(-RAW_SCORE_LIMIT, logits[i]))));
      topScore = Math.max(topScore, score);
      if (score < minScore) continue;
      const [ax, ay] = this.anchors[i];
      const p = (k) => raw[i * 16 + k] / side;
      const cx = p(0) + ax, cy = p(1) + ay, w = p(2), h = p(3);
      found.push({
        corners: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2],
        eyes: [p(4) + ax, p(5) + ay, p(6) + ax, p(7) + ay],
        score,
      });
    }
    const px = (u) => (u * side - padX) / scaleX, py = (v) => (v * side - padY) / scaleY;
    const faces = weightedNms(found, this.overlap).map(({ corners: [x0, y0, x1, y1], eyes: [ax, ay, bx, by], score }) => ({
      box: [px(x0), py(y0), px(x1) - px(x0), py(y1) - py(y0)],
      score,
      eyes: [[px(ax), py(ay)], [px(bx), py(by)]],
    }));
    return { faces, topScore };
  }
}

// BlazeFaceDetector.detect_faces: the picture shrunk once to the full-range model's side (area
// averaging), full range first, where it finds none the close-up pass; faces scaled back to the picture.
async function detectFaces(litert, detectors, closeUp, rgb, width, height) {
  const side = detectors.full_range.side;
  const scale = side / Math.max(width, height);
  let [small, w, h] = [rgb, width, height];
  if (scale < 1) {
    [w, h] = [Math.max(1, pyRound(width * scale)), Math.max(1, pyRound(height * scale))];
    small = resizeChannels(rgb, width, height, 3, w, h);
  }
  let found = await detectors.full_range.detectFaces(litert, small, w, h);
  if (!found.length && closeUp) found = await detectCloseUp(litert, detectors, closeUp, small, w, h);
  if (small === rgb) return found;
  const [sx, sy] = [width / w, height / h];
  return found.map(({ box: [x, y, bw, bh], score, eyes }) => ({
    box: [x * sx, y * sy, bw * sx, bh * sy], score, eyes: eyes.map(([ex, ey]) => [ex * sx, ey * sy]),
  }));
}

// detect_close_up: confirmed close-ups, or else, where the first look saw something face-like
// (`mirror_look_min_score`), those of the mirrored picture scoring at least `mirror_min_score`, put back.
async function detectCloseUp(litert, detectors, closeUp, rgb, width, height) {
  const { faces: found, topScore } = await confirmedCloseUps(litert, detectors, closeUp, rgb, width, height);
  if (found.length || topScore < closeUp.mirror_look_min_score) return found;
  const mirror = new Uint8Array(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (y * width + x) * 3, to = (y * width + width - 1 - x) * 3;
      mirror[to] = rgb[from]; mirror[to + 1] = rgb[from + 1]; mirror[to + 2] = rgb[from + 2];
    }
  }
  return (await confirmedCloseUps(litert, detectors, closeUp, mirror, width, height, closeUp.mirror_min_score)).faces.map(
    ({ box: [x, y, w, h], score, eyes: [[ax, ay], [bx, by]] }) => ({
      box: [width - x - w, y, w, h], score, eyes: [[width - bx, by], [width - ax, ay]],
    }));
}

// The short-range model's candidates on the padded picture (scoring at least `minScore`), confirmed by
// the full-range model, as {faces, topScore} (the short-range model's highest score anywhere).
async function confirmedCloseUps(litert, detectors, closeUp, rgb, width, height, minScore = 0) {
  const side = Math.min(width, height);
  const { faces: seen, topScore } = await detectors.short_range.look(litert, rgb, width, height, closeUp.padding);
  const candidates = seen.filter(
    (f) => closeUp.widths[0] * side <= f.box[2] && f.box[2] <= closeUp.widths[1] * side
      && (f.box[2] >= closeUp.mid_width * side || f.score >= closeUp.mid_min_score) && f.score >= minScore);
  if (!candidates.length) return { faces: [], topScore };
  const confirming = await detectors.full_range.detectFaces(
    litert, rgb, width, height, closeUp.confirm_padding, closeUp.confirm_min_score);
  return { faces: candidates.filter((f) => confirming.some((o) => agree(f.box, o.box))), topScore };
}

// BlazeFaceDetector.detect: boxes rounded and clipped to the picture, left to right.
async function detect(litert, detectors, closeUp, rgb, width, height) {
  const found = await detectFaces(litert, detectors, closeUp, rgb, width, height);
  const boxes = [];
  for (const face of found) {
    const [x, y, w, h] = face.box;
    const left = Math.max(0, pyRound(x)), top = Math.max(0, pyRound(y));
    const right = Math.min(width, pyRound(x + w)), bottom = Math.min(height, pyRound(y + h));
    if (right > left && bottom > top) boxes.push({ box: [left, top, right - left, bottom - top], eyes: face.eyes });
  }
  return boxes.sort((a, b) => a.box[0] - b.box[0] || a.box[1] - b.box[1]);
}

function agree(box, other) {
  const [x, y, w, h] = box;
  const cx = other[0] + other[2] / 2, cy = other[1] + other[3] / 2;
  return x <= cx && cx <= x + w && y <= cy && cy <= y + h && other[2] / w >= 0.5 && other[2] / w <= 2;
}

// Python's round(): halves to even.
function pyRound(v) {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ---- the crop (ferlib/faces/crop.py) and the model ---------------------------------------------------

// crop_face: the box widened by the framing, turned about its centre to level the eyes, 48x48 grey.
export function cropFace(gray, width, height, face, framing, align, size) {
  const [bx, by, bw, bh] = face.box;
  let cropW = bw * (1 + 2 * framing.margin), cropH = bh * (1 + 2 * framing.margin);
  if (framing.square) cropW = cropH = Math.max(cropW, cropH);
  const outW = Math.max(1, pyRound(cropW)), outH = Math.max(1, pyRound(cropH));
  const cx = bx + bw / 2, cy = by + bh / 2 + framing.offset * bh;
  let angle = 0;
  if (align && face.eyes) {
    const [[ax, ay], [ex, ey]] = [...face.eyes].sort((p, q) => p[0] - q[0] || p[1] - q[1]);
    angle = Math.atan2(ey - ay, ex - ax);
  }
  // cv2.getRotationMatrix2D(centre, degrees(angle), 1) moved so the centre lands mid-crop; inverted.
  const a = Math.cos(angle), b = Math.sin(angle);
  const m = [a, b, (1 - a) * cx - b * cy + outW / 2 - cx, -b, a, b * cx + (1 - a) * cy + outH / 2 - cy];
  const inv = [a, -b, -(a * m[2] - b * m[5]), b, a, -(b * m[2] + a * m[5])];
  const cut = warpGray(gray, width, height, inv, outW, outH);
  if (outW === size && outH === size) return cut;
  return resizeChannels(cut, outW, outH, 1, size, size);
}

// Models, anchors and settings in; a recognizer out. `models`: compiled LiteRT.js models
// {full_range, short_range, emotion}; `settings`: what the kernel sent (see BrowserCamera.page_settings).
export function createRecognizer(litert, models, settings) {
  const specs = settings.detector.models;
  const detectors = {
    full_range: new BlazeFace(models.full_range, specs.full_range, settings.detector.min_score, settings.detector.overlap),
    short_range: new BlazeFace(models.short_range, specs.short_range, settings.detector.min_score, settings.detector.overlap),
  };
  const size = settings.face_size;
  async function recognize(image) {
    const { width, height, data } = image;
    const boxes = await detect(litert, detectors, settings.detector.close_up, toRgb(data, width, height), width, height);
    if (!boxes.length) return [];
    const gray = toGray(data, width, height);
    const faces = [];
    for (const face of boxes) {
      const crop = cropFace(gray, width, height, face, settings.framing, settings.align, size);
      const input = new litert.Tensor(Float32Array.from(crop), [1, size, size, 1]);
      const outputs = await models.emotion.run([input]);
      input.delete();
      const row = outputs[0].toTypedArray();
      const scores = Object.fromEntries(settings.emotions.map((name, i) => [name, row[i]]));
      outputs.forEach((t) => t.delete());
      const emotion = settings.emotions.reduce((best, name) => (scores[name] > scores[best] ? name : best));
      faces.push({ box: face.box, emotion, scores });
    }
    return faces;
  }
  return { recognize };
}
