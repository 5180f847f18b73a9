// Nibble web demo: plain JavaScript, no build step. Talks to the JSON API of `nibble serve`.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const state = {
    models: [],
    backends: null,
    lora: null,
    limits: null,
    model: null,
    running: false,
    history: [],
    vocabulary: null,
  };

  // Colours the built-in model knows, for the sketch palette (approximate).
  const PALETTE = {
    red: '#dc2626', green: '#16a34a', blue: '#2563eb', yellow: '#facc15', purple: '#9333ea',
    orange: '#f97316', white: '#ffffff', black: '#000000', gray: '#808080',
  };

  // ------------------------------------------------------------------ helpers

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }

  const mib = (b) => (b === undefined || b === null) ? '–' : (b / 1048576).toFixed(b < 10 * 1048576 ? 2 : 1) + ' MiB';
  const ms = (v) => (v === undefined || v === null) ? '–' : (v >= 100 ? Math.round(v) : v.toFixed(1)) + ' ms';
  const article = (w) => (/^[aeiou]/.test(w) ? 'an' : 'a');
  const pick = (a) => a[Math.floor(Math.random() * a.length)];

  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
    return r.json();
  }

  function show(id, visible) { $(id).hidden = !visible; }

  function setError(msg) {
    $('error').textContent = msg || '';
    show('error', !!msg);
  }

  function setWarnings(list) {
    const box = $('warnings');
    box.replaceChildren();
    if (!list || list.length === 0) { box.hidden = true; return; }
    const ul = el('ul');
    for (const w of list) ul.append(el('li', { text: w }));
    box.append(ul);
    box.hidden = false;
  }

  // ------------------------------------------------------------------ loading the catalogue

  async function load() {
    try {
      const [models, backends] = await Promise.all([getJson('/api/models'), getJson('/api/backends')]);
      state.models = models.models;
      state.lora = models.lora;
      state.limits = models.limits;
      state.backends = backends;
      fillModels();
      fillBackends();
      fillLora();
      $('server-status').textContent = 'ready · ' + (backends.auto ? 'auto → ' + backends.auto : 'no backend available')
        + ' · queue ' + models.limits.queue_capacity + ' per device';
    } catch (e) {
      $('server-status').textContent = 'cannot reach the server';
      setError('Cannot load the model list: ' + e.message);
    }
  }

  function fillModels() {
    const sel = $('model');
    sel.replaceChildren();
    for (const m of state.models) {
      const label = m.label + (m.usable ? (m.quantized ? ' · 4-bit' : '') : ' — unusable');
      sel.append(el('option', { value: m.id, disabled: !m.usable, title: m.reason || m.pipeline, text: label }));
    }
    const first = state.models.find((m) => m.usable);
    if (first) sel.value = first.id;
    onModelChange();
  }

  function fillBackends() {
    const sel = $('backend');
    sel.replaceChildren();
    const b = state.backends;
    sel.append(el('option', { value: 'auto', text: 'auto' + (b.auto ? ' (' + b.auto + ')' : ' (none available)') }));
    for (const x of b.backends) {
      const dev = x.devices && x.devices.length ? ' · ' + x.devices[0].name : '';
      const why = x.available ? '' : ' — unavailable';
      sel.append(el('option', { value: x.name, disabled: !x.available, title: x.reason, text: x.name + dev + why }));
    }
    const unavailable = b.backends.filter((x) => !x.available).map((x) => x.name + ': ' + x.reason);
    sel.title = unavailable.length ? 'Unavailable: ' + unavailable.join(' | ') : '';
  }

  function fillLora() {
    const sel = $('lora');
    const l = state.lora;
    sel.replaceChildren(el('option', { value: '', text: 'none' }));
    for (const f of l.files) sel.append(el('option', { value: f.id, text: f.id + ' (' + mib(f.size_bytes) + ')' }));
    sel.disabled = !l.enabled || l.files.length === 0;
    onLoraChange();
    $('lora-note').textContent = !l.enabled ? 'Disabled: ' + l.reason + '.'
      : l.files.length === 0 ? 'No LoRA files (*.safetensors) under the server\'s --models folders.'
        : l.files.length + ' LoRA file(s) found; applied to the denoiser at the chosen strength.';
  }

  function onLoraChange() {
    const on = !$('lora').disabled && $('lora').value !== '';
    $('lora-strength').disabled = !on;
    $('lora-strength-out').textContent = Number($('lora-strength').value).toFixed(2);
  }

  function currentModel() { return state.models.find((m) => m.id === $('model').value) || null; }

  function onModelChange() {
    const m = currentModel();
    state.model = m;
    if (!m) return;
    const d = m.defaults;
    const prec = $('precision');
    prec.replaceChildren();
    for (const p of m.precisions) prec.append(el('option', { value: p, text: p }));
    prec.value = m.default_precision;
    $('steps').value = d.steps;
    $('steps').max = state.limits ? state.limits.max_steps : 200;
    for (const id of ['width', 'height']) {
      $(id).value = d[id];
      $(id).step = d.size_multiple;
      $(id).min = d.size_multiple;
      $(id).max = state.limits ? state.limits.max_output_side : 2048;
    }
    const g = $('guidance');
    g.disabled = !d.guidance_used;
    g.value = d.guidance_used ? d.guidance : '';
    $('guidance-note').textContent = d.guidance_used ? '' : 'This model has no guidance (FLUX.1-schnell style): the value is ignored.';
    show('negative-row', d.negative_prompt);
    // vocabulary: the built-in model only
    state.vocabulary = m.vocabulary || null;
    fillSuggestions();
    updateVocabWarning();
    // comparison
    const cm = $('compare-model');
    cm.replaceChildren();
    for (const id of m.compare_with) cm.append(el('option', { value: id, text: id }));
    const canCompare = m.compare_with.length > 0;
    $('compare').disabled = !canCompare;
    if (!canCompare) $('compare').checked = false;
    $('compare-note').textContent = canCompare
      ? (m.quantized ? 'Runs the 16-bit model in bf16 and this one in svdq-int4, same seed.'
        : 'Runs this model in bf16 and the 4-bit folder in svdq-int4, same seed.')
      : 'Needs a ' + (m.quantized ? '16-bit' : '4-bit (svdq-int4)') + ' counterpart under the server\'s --models folders'
        + (m.quantized ? '.' : ': make one with `nibble quantize --model ' + m.id + ' --out DIR`.');
    onCompareChange();
    onModeChange(false);
  }

  function onCompareChange() {
    const on = $('compare').checked;
    show('compare-row', on);
    $('precision').disabled = on;
  }

  // ------------------------------------------------------------------ prompt help

  function fillSuggestions() {
    const box = $('suggestions');
    box.replaceChildren();
    const v = state.vocabulary;
    show('random-prompt', !!v);
    show('vocab', !!v);
    if (!v) return;
    for (const p of v.examples) {
      box.append(el('button', { type: 'button', class: 'chip', text: p, onclick: () => setPrompt(p) }));
    }
    const words = $('vocab-words');
    words.replaceChildren();
    const groups = [v.sizes, v.colours, v.shapes, v.positions, v.relations, ['on a', 'background']];
    for (const g of groups) {
      for (const w of g) {
        words.append(el('button', { type: 'button', class: 'chip', text: w, onclick: () => appendWord(w) }));
      }
    }
    if (!$('prompt').value) $('prompt').value = v.examples[0];
    updateVocabWarning();
  }

  function setPrompt(p) {
    $('prompt').value = p;
    updateVocabWarning();
    $('prompt').focus();
  }

  function appendWord(w) {
    const t = $('prompt').value.trimEnd();
    setPrompt((t ? t + ' ' : '') + w);
  }

  function randomPrompt() {
    const v = state.vocabulary;
    const colour = pick(v.colours);
    const shape = pick(v.shapes);
    const size = Math.random() < 0.6 ? pick(v.sizes) : null;
    let p = article(size || colour) + ' ' + (size ? size + ' ' : '') + colour + ' ' + shape;
    const used = [colour];
    if (Math.random() < 0.3) {
      const c2 = pick(v.colours.filter((c) => c !== colour));
      used.push(c2);
      p += ' ' + pick(v.relations) + ' ' + article(c2) + ' ' + c2 + ' ' + pick(v.shapes);
    } else if (Math.random() < 0.8) {
      p += ' ' + pick(v.positions);
    }
    if (Math.random() < 0.8) {
      const bg = pick(v.background_colours.filter((c) => !used.includes(c)));
      p += ' on ' + article(bg) + ' ' + bg + ' background';
    }
    return p;
  }

  function unknownWords(prompt) {
    const vocab = new Set(state.vocabulary.words);
    const out = [];
    for (const w of prompt.split(/[^\p{L}\p{N}]+/u)) {
      if (w && !vocab.has(w) && !out.includes(w)) out.push(w);
    }
    return out;
  }

  function updateVocabWarning() {
    const box = $('vocab-warning');
    if (!state.vocabulary) { box.hidden = true; return; }
    const unknown = unknownWords($('prompt').value);
    if (unknown.length === 0) { box.hidden = true; return; }
    const upper = unknown.some((w) => w !== w.toLowerCase() && state.vocabulary.words.includes(w.toLowerCase()));
    box.textContent = 'This model never saw ' + unknown.map((w) => '“' + w + '”').join(', ')
      + ': such words act as noise' + (upper ? ' (its prompts are all lower case)' : '')
      + '. It knows shapes, colours, sizes and positions — try an example below.';
    box.hidden = false;
  }

  // ------------------------------------------------------------------ input modes

  function mode() { return document.querySelector('input[name=mode]:checked').value; }

  function onModeChange(resetStrength = true) {
    const m = mode();
    show('image-panel', m === 'image');
    show('sketch-panel', m === 'sketch');
    show('strength-row', m !== 'text');
    if (resetStrength && state.model && m !== 'text') {
      const s = m === 'sketch' ? state.model.defaults.sketch_strength : state.model.defaults.image_strength;
      $('strength').value = s;
      $('strength-out').textContent = Number(s).toFixed(2);
    }
  }

  function onImageFile() {
    const f = $('image-file').files[0];
    const img = $('image-preview');
    if (!f) { img.hidden = true; return; }
    if (state.limits && f.size > state.limits.max_upload_bytes) {
      setError('The image is ' + mib(f.size) + '; the server accepts at most ' + mib(state.limits.max_upload_bytes) + '.');
    } else {
      setError('');
    }
    if (img.src.startsWith('blob:')) URL.revokeObjectURL(img.src);
    img.src = URL.createObjectURL(f);
    img.hidden = false;
  }

  // ------------------------------------------------------------------ sketch canvas

  const sketch = {
    ops: [],       // {type:'fill', colour} | {type:'stroke', colour, width, points:[[x,y],...]}
    current: null,
    canvas: null,
    ctx: null,
  };

  function setupSketch() {
    const c = $('sketch');
    sketch.canvas = c;
    sketch.ctx = c.getContext('2d');
    redraw();
    const pos = (e) => {
      const r = c.getBoundingClientRect();
      return [(e.clientX - r.left) * c.width / r.width, (e.clientY - r.top) * c.height / r.height];
    };
    c.addEventListener('pointerdown', (e) => {
      e.preventDefault();
      c.setPointerCapture(e.pointerId);
      sketch.current = { type: 'stroke', colour: $('sketch-colour').value, width: Number($('sketch-size').value), points: [pos(e)] };
      sketch.ops.push(sketch.current);
      redraw();
    });
    c.addEventListener('pointermove', (e) => {
      if (!sketch.current) return;
      e.preventDefault();
      sketch.current.points.push(pos(e));
      redraw();
    });
    const end = () => { sketch.current = null; };
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
    c.addEventListener('lostpointercapture', end);
    $('sketch-clear').addEventListener('click', () => { sketch.ops = []; redraw(); });
    $('sketch-undo').addEventListener('click', () => { sketch.ops.pop(); redraw(); });
    $('sketch-fill').addEventListener('click', () => { sketch.ops.push({ type: 'fill', colour: $('sketch-colour').value }); redraw(); });
    const pal = $('palette');
    for (const [name, hex] of Object.entries(PALETTE)) {
      const sw = el('button', {
        type: 'button', class: 'swatch', title: name, 'aria-label': name, 'aria-pressed': 'false',
        onclick: (ev) => {
          $('sketch-colour').value = hex;
          for (const b of pal.children) b.setAttribute('aria-pressed', String(b === ev.currentTarget));
        },
      });
      sw.style.backgroundColor = hex; // CSSOM, not a style attribute: the page's CSP forbids inline styles
      pal.append(sw);
    }
  }

  function redraw() {
    const { ctx, canvas } = sketch;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    for (const op of sketch.ops) {
      if (op.type === 'fill') {
        ctx.fillStyle = op.colour;
        ctx.fillRect(0, 0, canvas.width, canvas.height);
        continue;
      }
      ctx.strokeStyle = op.colour;
      ctx.fillStyle = op.colour;
      ctx.lineWidth = op.width;
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      if (op.points.length === 1) {
        const [x, y] = op.points[0];
        ctx.beginPath();
        ctx.arc(x, y, op.width / 2, 0, Math.PI * 2);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(op.points[0][0], op.points[0][1]);
      for (const [x, y] of op.points.slice(1)) ctx.lineTo(x, y);
      ctx.stroke();
    }
    $('sketch-undo').disabled = sketch.ops.length === 0;
  }

  const canvasBlob = () => new Promise((resolve) => sketch.canvas.toBlob(resolve, 'image/png'));

  // ------------------------------------------------------------------ generating

  async function generate(ev) {
    ev.preventDefault();
    if (state.running) return;
    setError('');
    setWarnings([]);
    const m = currentModel();
    if (!m) { setError('No usable model.'); return; }
    const fd = new FormData();
    fd.append('prompt', $('prompt').value);
    fd.append('model', m.id);
    fd.append('backend', $('backend').value);
    const compare = $('compare').checked;
    if (compare) {
      fd.append('compare', 'true');
      if ($('compare-model').value) fd.append('compare_model', $('compare-model').value);
    } else {
      fd.append('precision', $('precision').value);
    }
    for (const f of ['steps', 'seed', 'width', 'height']) if ($(f).value !== '') fd.append(f, $(f).value);
    if (!$('guidance').disabled && $('guidance').value !== '') fd.append('guidance', $('guidance').value);
    if (!$('negative-row').hidden && $('negative').value) fd.append('negative_prompt', $('negative').value);
    if (!$('lora').disabled && $('lora').value) {
      fd.append('lora', $('lora').value);
      fd.append('lora_strength', $('lora-strength').value);
    }
    const md = mode();
    if (md === 'image') {
      const f = $('image-file').files[0];
      if (!f) { setError('Choose an image to start from, or switch to Text.'); return; }
      fd.append('image', f, f.name);
      fd.append('strength', $('strength').value);
    } else if (md === 'sketch') {
      if (sketch.ops.length === 0) { setError('Draw something first, or switch to Text.'); return; }
      fd.append('sketch', await canvasBlob(), 'sketch.png');
      fd.append('strength', $('strength').value);
    }
    state.running = true;
    $('generate').disabled = true;
    $('generate').textContent = 'Generating…';
    progress(0, 'sending…');
    let job;
    try {
      const r = await fetch('/api/generate', { method: 'POST', body: fd });
      const body = await r.json().catch(() => ({ message: 'HTTP ' + r.status }));
      if (r.status === 429) throw new Error('Busy: ' + body.message);
      if (!r.ok) throw new Error(body.message || 'HTTP ' + r.status);
      job = body;
    } catch (e) {
      finish();
      setError(e.message);
      return;
    }
    progress(0, job.position > 0 ? 'queued: ' + job.position + ' ahead' : 'starting…');
    follow(job);
  }

  function progress(value, text) {
    show('progress', true);
    $('progress-bar').value = value;
    $('progress-text').textContent = text;
  }

  function finish() {
    state.running = false;
    $('generate').disabled = false;
    $('generate').textContent = 'Generate';
  }

  function follow(job) {
    const es = new EventSource(job.events_url);
    const parts = [];   // promises of {part json, url}
    const warnings = [];
    let labels = {};
    let done = false;
    es.addEventListener('start', () => progress(0, 'starting…'));
    es.addEventListener('part-start', (e) => {
      const d = JSON.parse(e.data);
      labels[d.part] = d.parts > 1 ? d.label + ': ' : '';
      progress(d.part / d.parts, labels[d.part] + 'encoding the prompt…');
    });
    es.addEventListener('progress', (e) => {
      const d = JSON.parse(e.data);
      progress((d.part + d.step / d.total) / d.parts,
        (labels[d.part] || '') + 'step ' + d.step + '/' + d.total + ' · ' + ms(d.step_ms));
    });
    es.addEventListener('warning', (e) => {
      const d = JSON.parse(e.data);
      if (!warnings.includes(d.message)) warnings.push(d.message);
      setWarnings(warnings);
    });
    es.addEventListener('part', (e) => {
      const d = JSON.parse(e.data);
      parts[d.part] = fetch(d.image_url).then((r) => r.blob()).then((b) => ({ part: d, url: URL.createObjectURL(b) }));
      parts[d.part].then(() => Promise.all(parts.filter(Boolean))).then((ps) => {
        if (!done) renderParts(ps, $('prompt').value, false);   // the final render is the result event's
      });
    });
    es.addEventListener('result', async (e) => {
      done = true;
      es.close();
      const d = JSON.parse(e.data);
      const ps = await Promise.all(parts);
      progress(1, 'done in ' + ms(d.elapsed_ms));
      const entry = { job: d, parts: ps, prompt: d.request.prompt };
      state.history.unshift(entry);
      renderParts(ps, d.request.prompt, true);
      addHistory(entry);
      finish();
      $('result').scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    });
    es.addEventListener('failed', (e) => {
      done = true;
      es.close();
      const d = JSON.parse(e.data);
      progress(0, 'failed');
      setError((d.error && d.error.message) || 'generation failed');
      addHistory({ job: d, parts: [], prompt: d.request.prompt, failed: true });
      finish();
    });
    es.onerror = () => {
      // The connection, not the job: EventSource reconnects by itself (the server replays what was missed).
      if (!done && es.readyState === EventSource.CLOSED) {
        setError('Lost the connection to the server while waiting for the result.');
        finish();
      }
    };
  }

  // ------------------------------------------------------------------ results

  function renderParts(ps, prompt, final) {
    const box = $('result');
    box.classList.remove('empty');
    box.replaceChildren(...ps.map((p) => card(p, prompt)));
    const sum = $('compare-summary');
    if (final && ps.length === 2) {
      sum.textContent = compareText(ps[0].part, ps[1].part);
      sum.hidden = false;
    } else {
      sum.hidden = true;
    }
  }

  function card(p, prompt) {
    const r = p.part;
    const t = r.timings_ms;
    const mem = r.memory_bytes;
    const w = r.weight_bytes;
    const img = el('img', { class: 'result-image', src: p.url, alt: prompt, width: r.width, height: r.height });
    if (r.width < 256) img.classList.add('pixelated');
    const steps = t.steps.length;
    const time = 'total ' + ms(t.total) + ' · denoise ' + ms(t.denoise) + ' (' + steps + ' step' + (steps === 1 ? '' : 's')
      + ', ' + ms(t.mean_step) + '/step) · text ' + ms(t.text_encode)
      + (t.vae_encode > 0 ? ' · vae encode ' + ms(t.vae_encode) : '') + ' · vae decode ' + ms(t.vae_decode)
      + (t.load > 0 ? ' · load ' + ms(t.load) : '');
    const memory = 'weights ' + mib(w.total) + ' (denoiser ' + mib(w.denoiser) + ') · activations '
      + mib(mem.activation_arena) + ' (peak live ' + mib(mem.activation_peak_live) + ') · device high-water '
      + mib(mem.device_high_water) + ' · host peak RSS ' + mib(mem.host_peak_rss);
    return el('article', { class: 'result-card', 'data-precision': r.precision },
      el('h3', { text: r.label }),
      img,
      el('dl', { class: 'figures' },
        el('dt', { text: 'Time' }), el('dd', { class: 'result-time', text: time }),
        el('dt', { text: 'Memory' }), el('dd', { class: 'result-memory', text: memory })),
      el('div', { class: 'meta', text: r.model + ' · ' + r.backend + (r.device !== r.backend ? ' (' + r.device + ')' : '')
        + ' · ' + r.precision + ' · ' + r.width + '×' + r.height + ' · ' + r.mode + ' · seed ' + r.seed
        + (r.strength !== null ? ' · strength ' + r.strength : '')
        + (r.lora ? ' · LoRA ' + r.lora + ' × ' + Number(r.lora_strength).toFixed(2) : '')
        + ' · ' + r.steps_run + '/' + r.steps + ' steps' }));
  }

  function compareText(a, b) {
    const ratio = (x, y) => (y > 0 ? x / y : NaN);
    const speed = ratio(a.timings_ms.denoise, b.timings_ms.denoise);
    const weights = ratio(a.weight_bytes.denoiser, b.weight_bytes.denoiser);
    const speedText = !isFinite(speed) ? '' : speed >= 1
      ? 'denoising ' + speed.toFixed(2) + '× faster' : 'denoising ' + (1 / speed).toFixed(2) + '× slower';
    return '4-bit vs 16-bit: ' + speedText + ' · denoiser weights ' + (isFinite(weights) ? weights.toFixed(2) + '× smaller' : '–')
      + ' (' + mib(b.weight_bytes.denoiser) + ' vs ' + mib(a.weight_bytes.denoiser) + ')';
  }

  function addHistory(entry) {
    const li = el('li', { class: entry.failed ? 'failed' : '' });
    const first = entry.parts[0];
    const total = entry.parts.reduce((s, p) => s + p.part.timings_ms.total, 0);
    const text = (entry.prompt || '(empty prompt)') + ' · '
      + (entry.failed ? 'failed' : (entry.parts.length > 1 ? '16 vs 4-bit · ' : '') + ms(total));
    li.append(el('button', {
      type: 'button', title: text,
      onclick: () => {
        if (entry.failed) { setError(entry.job.error ? entry.job.error.message : 'failed'); return; }
        setError('');
        setWarnings([]);
        renderParts(entry.parts, entry.prompt, true);
      },
    }, first ? el('img', { src: first.url, alt: '' }) : el('span', { text: '✕' }), el('span', { class: 'h-text', text })));
    $('history').prepend(li);
  }

  // ------------------------------------------------------------------ wiring

  document.addEventListener('DOMContentLoaded', () => {
    $('form').addEventListener('submit', generate);
    $('model').addEventListener('change', onModelChange);
    $('compare').addEventListener('change', onCompareChange);
    $('prompt').addEventListener('input', updateVocabWarning);
    $('prompt').addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); $('form').requestSubmit(); }
    });
    $('random-prompt').addEventListener('click', () => setPrompt(randomPrompt()));
    $('seed-random').addEventListener('click', () => { $('seed').value = Math.floor(Math.random() * 4294967296); });
    for (const r of document.querySelectorAll('input[name=mode]')) r.addEventListener('change', () => onModeChange(true));
    $('image-file').addEventListener('change', onImageFile);
    $('lora').addEventListener('change', onLoraChange);
    $('lora-strength').addEventListener('input', onLoraChange);
    $('strength').addEventListener('input', () => { $('strength-out').textContent = Number($('strength').value).toFixed(2); });
    setupSketch();
    load();
  });
})();
