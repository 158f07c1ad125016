// The browser half of helpers.camera_widget.CameraWidget (lesson 11).
//
// One loop: grab the newest video frame, scale its central square to the model's input size,
// send the pixels to the kernel, wait for the answer, draw it, repeat. Only one frame is ever
// in flight, so nothing queues up: while the kernel works, newer camera frames replace older
// ones in the <video> element and the next capture takes whatever is newest.
// Frames go only to this notebook's kernel; nothing is stored or sent anywhere else.

const STAGES = ["capture", "transfer", "preprocess", "invoke", "display"];
const FALLBACK = "Without a camera, run the recorded clip cells of the notebook instead.";
const PROBLEMS = {
  NotAllowedError: "Camera permission was denied. Allow the camera for this page (the camera icon in the " +
    "address bar, or the browser's site settings), then press Start camera again.",
  NotFoundError: "No camera was found. Connect one, then press Start camera again.",
  OverconstrainedError: "No camera was found that can deliver video. Connect one, then press Start camera again.",
  NotReadableError: "The camera could not be started: another program may be using it. Close that program, " +
    "then press Start camera again.",
  AbortError: "The camera could not be started. Press Start camera to try again.",
  insecure: "This browser offers no camera here: pages must be https:// or http://localhost to use one.",
  ended: "The camera stopped sending video (unplugged, switched off, or taken by another program). " +
    "Press Start camera to try again.",
  hidden: "Paused: this tab is in the background, where browsers slow down or stop video. " +
    "Come back to this tab to resume.",
  kernel: "Waiting for the kernel: another cell may be running. Frames resume when it answers.",
  gone: "The kernel restarted or the widget was closed, so the camera is off. Run the cell again for a new camera.",
};

function render({ model, el }) {
  el.classList.add("camera-widget");
  el.innerHTML = `
    <div class="cw-row">
      <div class="cw-video"><video muted playsinline aria-label="camera preview"></video></div>
      <div class="cw-side">
        <div class="cw-model"></div>
        <ol class="cw-top" aria-label="top 3 answers"></ol>
        <div class="cw-fps" aria-live="off"></div>
        <div class="cw-stages" title="milliseconds per stage of the last frame; the line is the budget"></div>
      </div>
    </div>
    <div class="cw-buttons"><button class="cw-start">Start camera</button>
      <button class="cw-stop" disabled>Stop camera</button></div>
    <div class="cw-message" role="status"></div>`;
  const $ = (selector) => el.querySelector(selector);
  const video = $("video"), start = $(".cw-start"), stop = $(".cw-stop");
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const view = Math.random().toString(36).slice(2);  // answers are sent to every view: keep ours
  let stream = null, inFlight = null, nextId = 1, previous = null, lastVideoFrame = null;
  let answered = [];  // arrival times of recent answers, for the fps figure

  function say(status, text) {
    el.dataset.status = status;
    $(".cw-message").textContent = text;
    try {
      model.set("status", status);
      model.set("message", text);
      model.save_changes();
    } catch (error) {
      // the kernel is gone: the message on the page is all there is
    }
  }

  function release(status, text) {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    inFlight = null;
    video.srcObject = null;
    start.disabled = false;
    stop.disabled = true;
    say(status, text);
  }

  async function open() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return say("unavailable", `${PROBLEMS.insecure} ${FALLBACK}`);
    }
    start.disabled = true;
    say("starting", "Asking for the camera…");
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
    } catch (error) {
      const text = PROBLEMS[error.name] || `The camera could not be started (${error.name}: ${error.message}).`;
      return release(error.name === "NotAllowedError" ? "denied" : "no-camera", `${text} ${FALLBACK}`);
    }
    stream.getVideoTracks()[0].addEventListener("ended", () => release("ended", PROBLEMS.ended));
    video.srcObject = stream;
    await video.play();
    stop.disabled = false;
    say("running", "");
    capture();
  }

  function capture() {
    if (!stream || inFlight || document.hidden || video.readyState < 2) return;
    const began = performance.now();
    const width = model.get("input_width"), height = model.get("input_height");
    const side = Math.min(video.videoWidth, video.videoHeight);  // the central square, as the models expect
    canvas.width = width;
    canvas.height = height;
    context.drawImage(video, (video.videoWidth - side) / 2, (video.videoHeight - side) / 2, side, side,
      0, 0, width, height);
    const pixels = context.getImageData(0, 0, width, height).data;  // RGBA bytes
    const quality = video.getVideoPlaybackQuality ? video.getVideoPlaybackQuality() : null;
    const videoFrame = quality ? quality.totalVideoFrames : null;
    const skipped = lastVideoFrame === null || videoFrame === null ? 0 : Math.max(0, videoFrame - lastVideoFrame - 1);
    lastVideoFrame = videoFrame;
    const sent = performance.now();
    inFlight = { id: nextId++, sent };
    model.send({ type: "frame", view, id: inFlight.id, width, height, encoding: "rgba",
      capture_ms: sent - began, skipped, previous }, undefined, [pixels.buffer]);
    previous = null;
  }

  function drawAnswer(answer, transfer) {
    $(".cw-model").textContent = model.get("model_name");
    $(".cw-top").innerHTML = answer.top.map(([label, prob]) =>
      `<li><span class="cw-label"></span><span class="cw-bar" style="width:${Math.round(prob * 100)}%"></span>` +
      `<span class="cw-prob">${prob.toFixed(2)}</span></li>`).join("");
    $(".cw-top").querySelectorAll(".cw-label").forEach((node, i) => { node.textContent = answer.top[i][0]; });
    const now = performance.now();
    answered = answered.filter((t) => now - t < 2000).concat([now]);
    const fps = answered.length > 1 ? (answered.length - 1) / ((now - answered[0]) / 1000) : 0;
    $(".cw-fps").textContent = `${fps.toFixed(1)} fps · invoke ${answer.invoke_ms.toFixed(1)} ms · ` +
      `transfer ${transfer.toFixed(1)} ms`;
    el.dataset.fps = fps.toFixed(1);
  }

  function drawStages(stages) {
    const budget = model.get("budget_ms");
    const total = STAGES.reduce((sum, stage) => sum + stages[stage], 0);
    const scale = 100 / Math.max(total, budget * 1.5);
    $(".cw-stages").innerHTML = STAGES.map((stage) =>
      `<span class="cw-stage cw-${stage}" style="width:${stages[stage] * scale}%" ` +
      `title="${stage} ${stages[stage].toFixed(1)} ms"></span>`).join("") +
      `<span class="cw-budget" style="left:${budget * scale}%"></span>` +
      `<div class="cw-legend">${STAGES.map((s) => `${s} ${stages[s].toFixed(1)}`).join(" · ")} ms = ` +
      `${total.toFixed(1)} ms (budget ${budget.toFixed(1)} ms)</div>`;
  }

  model.on("msg:custom", (message) => {
    if (message.type === "stop") return release("stopped", "Camera off.");
    if (!inFlight || message.view !== view || message.id !== inFlight.id) return;
    if (message.type === "error") return release("error", `The kernel could not classify the frame: ${message.message}`);
    const arrived = performance.now();
    const transfer = Math.max(0, arrived - inFlight.sent - message.kernel_ms);
    if (el.dataset.status === "waiting") say("running", "");
    drawAnswer(message, transfer);
    requestAnimationFrame(() => {  // runs just before the browser paints the answer
      const display = performance.now() - arrived;
      previous = { id: message.id, transfer_ms: transfer, display_ms: display };
      drawStages({ capture: message.capture_ms, transfer, preprocess: message.preprocess_ms,
        invoke: message.invoke_ms, display });
      inFlight = null;
      capture();
    });
  });

  const watchdog = setInterval(() => {
    if (inFlight && performance.now() - inFlight.sent > 5000 && el.dataset.status === "running") {
      say("waiting", PROBLEMS.kernel);
    }
  }, 1000);
  function onVisibility() {
    if (!stream) return;
    if (document.hidden) say("paused", PROBLEMS.hidden);
    else { say("running", ""); capture(); }
  }
  function onKernelGone() {  // a kernel restart or shutdown takes the widget's connection away
    release("closed", PROBLEMS.gone);
    start.disabled = true;
  }
  document.addEventListener("visibilitychange", onVisibility);
  model.on("comm_live_update", onKernelGone);
  model.on("destroy", onKernelGone);
  start.addEventListener("click", open);
  stop.addEventListener("click", () => release("stopped", "Camera off."));
  say("idle", "Press Start camera. Frames stay in this tab and the notebook's kernel; nothing is saved.");

  return () => {  // the view is removed (widget closed, output cleared): let go of the camera
    clearInterval(watchdog);
    document.removeEventListener("visibilitychange", onVisibility);
    model.off("comm_live_update", onKernelGone);
    model.off("destroy", onKernelGone);
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
  };
}

export default { render };
