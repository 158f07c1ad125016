// The browser half of helpers.widgets.PhotoUpload (lessons 01 and 11).
//
// Each chosen file is opened by the browser first. A photo larger than max_side pixels on its long
// side (a phone photo is often 4000-6000 px and over 10 MB, more than the kernel connection carries
// in one message) is drawn onto a canvas at max_side px and sent as a JPEG; smaller photos are sent
// as they are. A file that is refused gets a sentence saying why; the button always stays usable.
// Photos go only to this notebook's kernel; nothing is stored or sent anywhere else.

const SENDABLE = ["image/jpeg", "image/png", "image/bmp", "image/gif", "image/webp"];
const QUALITIES = [0.92, 0.85, 0.75, 0.6, 0.45];
const OPEN_LIMIT = 200 * 1000 * 1000;  // bytes: larger files are refused before the browser tries to open them

function megabytes(bytes) {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

async function decode(file) {
  // An ImageBitmap (upright, EXIF orientation applied), or an Error saying why not.
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) {
      // fall through to the <img> route, which a few browsers handle for more formats
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    return image;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function toBlob(canvas, quality) {
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
}

async function shrink(picture, width, height, maxSide, maxBytes) {
  // A JPEG Blob of the picture at most maxSide px on its long side and at most maxBytes, or null.
  const scale = Math.min(1, maxSide / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  const context = canvas.getContext("2d");
  context.fillStyle = "#ffffff";  // transparent parts of a PNG become white, not black
  context.fillRect(0, 0, canvas.width, canvas.height);
  context.imageSmoothingQuality = "high";
  context.drawImage(picture, 0, 0, canvas.width, canvas.height);
  for (const quality of QUALITIES) {
    const blob = await toBlob(canvas, quality);
    if (blob && blob.size <= maxBytes) return { blob, width: canvas.width, height: canvas.height };
  }
  return null;
}

function render({ model, el }) {
  el.classList.add("photo-upload");
  el.innerHTML = `
    <label class="pu-button"><input type="file" class="pu-input"><span class="pu-text"></span></label>
    <span class="pu-count"></span>
    <div class="pu-message" role="status" aria-live="polite"></div>`;
  const $ = (selector) => el.querySelector(selector);
  const input = $(".pu-input"), button = $(".pu-button");
  const view = Math.random().toString(36).slice(2);  // answers are sent to every view: keep ours
  let nextId = 1, waiting = new Map(), lines = [];

  function settings() {
    input.accept = model.get("accept");
    input.multiple = model.get("multiple");
    $(".pu-text").textContent = model.get("description");
    const received = model.get("received");
    $(".pu-count").textContent = received ? `${received} photo${received === 1 ? "" : "s"} received` : "";
  }

  function show(status) {
    el.dataset.status = status;
    $(".pu-message").innerHTML = "";
    for (const { kind, text } of lines) {
      const line = document.createElement("div");
      line.className = `pu-line pu-${kind}`;
      line.textContent = text;
      $(".pu-message").appendChild(line);
    }
    try {
      model.set("status", status);
      model.set("message", lines.map((line) => line.text).join("\n"));
      model.save_changes();
    } catch (error) {
      // the kernel is gone: the message on the page is all there is
    }
  }

  function note(id, kind, text) {
    const found = lines.find((line) => line.id === id);
    if (found) Object.assign(found, { kind, text });
    else lines.push({ id, kind, text });
  }

  function status() {
    if (waiting.size) return "sending";
    return lines.some((line) => line.kind === "refused" || line.kind === "error") ? "refused" : "done";
  }

  async function prepare(file) {
    // { data: ArrayBuffer, details } ready to send, or { refused: sentence }.
    const name = file.name;
    if (file.type && !file.type.startsWith("image/")) {
      return { refused: `${name} is not an image (its type is ${file.type}). Choose a photo: JPEG, PNG, BMP, GIF or WebP.` };
    }
    if (file.size > OPEN_LIMIT) {
      return { refused: `${name} is too large to open here (${megabytes(file.size)}; the limit is ${megabytes(OPEN_LIMIT)}). ` +
        "Choose a smaller photo." };
    }
    let picture;
    try {
      picture = await decode(file);
    } catch (error) {
      return { refused: `${name} could not be opened as a photo by this browser: the file is damaged, or in a format ` +
        "the browser cannot read (such as HEIC from some phones). Save it as JPEG or PNG and choose it again." };
    }
    const width = picture.width, height = picture.height;
    const maxSide = model.get("max_side"), maxBytes = model.get("max_bytes");
    const details = { name, original_bytes: file.size, original_width: width, original_height: height };
    if (SENDABLE.includes(file.type) && Math.max(width, height) <= maxSide && file.size <= maxBytes) {
      if (picture.close) picture.close();
      return { data: await file.arrayBuffer(), details: { ...details, width, height, shrunk: false } };
    }
    const small = await shrink(picture, width, height, maxSide, maxBytes);
    if (picture.close) picture.close();
    if (!small) {
      return { refused: `${name} is too large even after shrinking it to ${maxSide} px (over ${megabytes(maxBytes)} as a JPEG). ` +
        "Choose a smaller photo." };
    }
    return { data: await small.blob.arrayBuffer(),
      details: { ...details, width: small.width, height: small.height, shrunk: true } };
  }

  async function choose() {
    const files = Array.from(input.files || []);
    input.value = "";  // the same file can be chosen again
    if (!files.length) return;
    lines = [];
    for (const file of files) {
      const id = nextId++;
      note(id, "busy", `${file.name}: opening…`);
      show("sending");
      let prepared;
      try {
        prepared = await prepare(file);
      } catch (error) {
        prepared = { refused: `${file.name} could not be prepared (${error.name}: ${error.message}). Try another photo.` };
      }
      if (prepared.refused) {
        note(id, "refused", prepared.refused);
        show(status());
        continue;
      }
      const { details } = prepared;
      const shrunk = details.shrunk ? ` → shrunk here to ${details.width} × ${details.height} px ` +
        `(${megabytes(prepared.data.byteLength)} JPEG)` : "";
      note(id, "busy", `${file.name}: ${details.original_width} × ${details.original_height} px, ` +
        `${megabytes(details.original_bytes)}${shrunk}; sending to the kernel…`);
      waiting.set(id, { sent: performance.now(), name: file.name });
      try {
        model.send({ type: "photo", view, id, bytes: prepared.data.byteLength, ...details }, undefined, [prepared.data]);
      } catch (error) {
        waiting.delete(id);
        note(id, "error", `${file.name} could not be sent: the kernel is not connected. Run the cell again.`);
      }
      show(status());
    }
  }

  model.on("msg:custom", (message) => {
    if (message.view !== view || !waiting.has(message.id)) return;
    waiting.delete(message.id);
    note(message.id, message.type === "received" ? "ok" : "error", message.message);
    show(status());
  });

  const watchdog = setInterval(() => {
    for (const [id, { sent, name }] of waiting) {
      if (performance.now() - sent > 20000) {
        note(id, "busy", `${name}: sent, still waiting for the kernel (is another cell running?). ` +
          "The answer appears below when it is free; you can choose another photo meanwhile.");
        show(status());
      }
    }
  }, 2000);
  function onKernelGone() {
    waiting.clear();
    lines = [{ id: 0, kind: "error", text: "The kernel restarted or the widget was closed. Run the cell again to upload photos." }];
    input.disabled = true;
    button.classList.add("pu-disabled");
    show("closed");
  }
  model.on("change:description", settings);
  model.on("change:received", settings);
  model.on("change:multiple", settings);
  model.on("comm_live_update", onKernelGone);
  model.on("destroy", onKernelGone);
  input.addEventListener("change", choose);
  settings();
  lines = [{ id: 0, kind: "idle", text: model.get("hint") }];
  show("idle");

  return () => {
    clearInterval(watchdog);
    model.off("comm_live_update", onKernelGone);
    model.off("destroy", onKernelGone);
  };
}

export default { render };
