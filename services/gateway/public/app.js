// The clinician's page: upload the photos of one patient, show the analysis. Plain browser
// JavaScript with no dependencies, so the gateway serves it offline. One request analyses the
// photos (POST /v1/analyses); boxes, heat map and crops are drawn here over the photos the
// browser already has, rather than asking the server to analyse them again for each picture.
'use strict';

(function main() {
  const CLASS_NAMES = ['background', 'skin_edge', 'skin', 'nspl_a', 'nspl_b', 'spl'];
  const CLASS_LABELS = {
    background: 'Background',
    skin_edge: 'Skin edge',
    skin: 'Skin',
    nspl_a: 'NSPL-A',
    nspl_b: 'NSPL-B',
    spl: 'SPL',
  };
  const CLASS_MEANINGS = {
    background: 'not skin',
    skin_edge: 'edge of the skin',
    skin: 'plain skin',
    nspl_a: 'non-suspicious pigmented lesion',
    nspl_b: 'non-suspicious, follow up',
    spl: 'suspicious pigmented lesion',
  };
  const PIGMENTED = new Set(['nspl_a', 'nspl_b', 'spl']);
  /** Step 9 of the method: yellow boxes for class 4 (nspl_b), red for class 5 (spl). */
  const BOX_COLOURS = { nspl_b: '#ffd400', spl: '#ff1f3d' };
  const HIGHLIGHT = '#00b3ff';
  /** Photos are drawn at most this wide (px); boxes are scaled with them. */
  const MAX_DRAW_WIDTH = 1600;
  const CROP_PX = 88;
  const ACCEPTED_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/tiff'];
  // File name endings of the accepted formats, for files whose type the browser does not know.
  const ACCEPTED_NAME = /\.(jpe?g|png|webp|tiff?)$/i;

  const $ = (id) => document.getElementById(id);
  const limits = JSON.parse(document.querySelector('meta[name="skinlesion-limits"]').content);

  // The key lives in this tab's session storage only: gone when the tab closes.
  const API_KEY_STORAGE = 'skinlesion-api-key';
  if (limits.apiKeyRequired) {
    $('api-key-row').hidden = false;
    $('api-key').value = sessionStorage.getItem(API_KEY_STORAGE) || '';
    $('api-key').addEventListener('change', () => sessionStorage.setItem(API_KEY_STORAGE, $('api-key').value.trim()));
  }
  /** The headers every API call carries: the key, when this server needs one. */
  function apiHeaders() {
    const key = limits.apiKeyRequired ? $('api-key').value.trim() : '';
    return key ? { 'x-api-key': key } : {};
  }

  const state = {
    files: [],
    running: null,
    result: null,
    /** Per photo: { image (HTMLImageElement) | null, scale, boxesCanvas, heatCanvas, figure }. */
    photos: [],
    view: 'boxes',
    highlighted: null,
  };

  // ---- formatting -------------------------------------------------------------------------

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0) + ' MB';
  }

  function percent(value) {
    return (value * 100).toFixed(value >= 0.995 || value < 0.0005 ? 0 : 1) + ' %';
  }

  function plural(count, word, words) {
    return count + ' ' + (count === 1 ? word : words || word + 's');
  }

  function element(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'text') node.textContent = value;
      else if (key === 'className') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  /** The jet colour map the method's heat map uses: 0 = blue (common), 1 = red (odd). */
  function jet(t) {
    const channel = (offset) => Math.round(255 * Math.max(0, Math.min(1, 1.5 - Math.abs(4 * t - offset))));
    return 'rgb(' + channel(3) + ', ' + channel(2) + ', ' + channel(1) + ')';
  }

  // ---- choosing photos --------------------------------------------------------------------

  $('limits-text').textContent = 'Up to ' + plural(limits.maxPhotos, 'photo') + ' of at most ' + megabytes(limits.maxUploadBytes) + ' each.';

  function problemsWithFiles(files) {
    const problems = [];
    if (files.length > limits.maxPhotos) problems.push('Choose at most ' + plural(limits.maxPhotos, 'photo') + ' for one analysis; you chose ' + files.length + '.');
    files.forEach((file, index) => {
      const label = 'Photo ' + (index + 1) + ' (' + file.name + ')';
      if (file.size > limits.maxUploadBytes) problems.push(label + ' is ' + megabytes(file.size) + ', larger than the ' + megabytes(limits.maxUploadBytes) + ' limit. Export it smaller and try again.');
      else if (file.size === 0) problems.push(label + ' is empty.');
      else if (!ACCEPTED_TYPES.includes(file.type) && !ACCEPTED_NAME.test(file.name)) problems.push(label + ' is not a JPEG, PNG, WebP or TIFF image.');
    });
    return problems;
  }

  function chooseFiles(files) {
    state.files = Array.from(files);
    const list = $('chosen');
    list.replaceChildren(...state.files.map((file) => element('li', { text: file.name + ' (' + megabytes(file.size) + ')' })));
    list.hidden = state.files.length === 0;
    const problems = problemsWithFiles(state.files);
    if (problems.length > 0) showError('These photos cannot be analysed:', problems);
    else hideError();
    $('analyse').disabled = state.files.length === 0 || problems.length > 0;
  }

  $('photos').addEventListener('change', (event) => chooseFiles(event.target.files));

  const dropZone = $('drop-zone');
  dropZone.addEventListener('dragover', (event) => {
    event.preventDefault();
    dropZone.classList.add('dragging');
  });
  dropZone.addEventListener('dragleave', () => dropZone.classList.remove('dragging'));
  dropZone.addEventListener('drop', (event) => {
    event.preventDefault();
    dropZone.classList.remove('dragging');
    if (event.dataTransfer && event.dataTransfer.files.length > 0) chooseFiles(event.dataTransfer.files);
  });

  // ---- status and errors ------------------------------------------------------------------

  let timer = null;

  function showStatus(text, fraction) {
    $('status').hidden = false;
    if ($('status-text').textContent !== text) $('status-text').textContent = text;
    const progress = $('progress');
    if (fraction === undefined) progress.removeAttribute('value');
    else progress.value = Math.round(fraction * 100);
  }

  function startClock() {
    const started = performance.now();
    const tick = () => {
      $('elapsed').textContent = Math.floor((performance.now() - started) / 1000) + ' s';
    };
    tick();
    timer = setInterval(tick, 1000);
  }

  function stopClock() {
    clearInterval(timer);
    timer = null;
    $('elapsed').textContent = '';
  }

  function showError(title, lines, requestId) {
    const box = $('error');
    box.replaceChildren(element('p', { className: 'error-title', text: title }));
    if (lines && lines.length > 0) box.append(element('ul', {}, lines.map((line) => element('li', { text: line }))));
    if (requestId) box.append(element('p', { className: 'hint', text: 'Request id for support: ' + requestId }));
    box.hidden = false;
  }

  function hideError() {
    $('error').hidden = true;
    $('error').replaceChildren();
  }

  /** What a problem+json answer means for the person at the screen. */
  function explainProblem(status, problem, retryAfter) {
    const kind = typeof problem.type === 'string' ? problem.type.split('/').pop() : '';
    const photo = Number.isInteger(problem.photo) ? 'Photo ' + (problem.photo + 1) : 'A photo';
    switch (kind) {
      case 'all-photos-blurred': {
        const lines = (problem.photos || []).map((entry) => 'Photo ' + (entry.photo + 1) + ': sharpness ' + entry.blurScore.toFixed(2) + ', at least ' + entry.blurThreshold + ' is needed.');
        return { title: (state.files.length === 1 ? 'The photo is' : 'Every photo is') + ' too blurred to analyse. Retake it in focus, holding the camera steady, in good light.', lines };
      }
      case 'photo-too-large':
      case 'body-too-large':
        return { title: photo + ' is too large: at most ' + megabytes(problem.max || limits.maxUploadBytes) + ' per photo. Export it smaller and try again.' };
      case 'too-many-photos':
      case 'too-many-parts':
        return { title: 'Too many photos: at most ' + plural(problem.max || limits.maxPhotos, 'photo') + ' for one analysis.' };
      case 'invalid-image':
      case 'empty-image':
      case 'unsupported-media-type':
      case 'no-image':
        return { title: photo + ' is not an image that can be read. Send JPEG, PNG, WebP or TIFF photos.', lines: problem.detail ? [problem.detail] : [] };
      case 'limit-exceeded':
        return { title: photo + ' is too large to analyse.', lines: [problem.detail] };
      case 'unprocessable-input':
        return { title: photo + ' cannot be analysed.', lines: [problem.detail] };
      case 'unauthenticated':
        return { title: limits.apiKeyRequired ? 'The API key is missing or not accepted. Enter the key you were given and try again.' : 'This server needs an API key.' };
      case 'rate-limited':
        return { title: 'Too many requests with this key. Try again in ' + plural(Number(retryAfter) || 1, 'second') + '.' };
      case 'service-unavailable':
      case 'overloaded':
        return { title: 'The analysis service is busy or unavailable. Try again in ' + plural(Number(retryAfter) || 1, 'second') + '.' };
      case 'deadline-exceeded':
        return { title: 'The analysis took too long and was stopped. Try again, or with fewer or smaller photos.' };
      default:
        return { title: 'The analysis failed (' + status + ').', lines: problem.detail ? [problem.detail] : [] };
    }
  }

  // ---- the request ------------------------------------------------------------------------

  function analyse(files, correction) {
    const form = new FormData();
    for (const file of files) form.append('image', file, file.name);
    const total = files.reduce((sum, file) => sum + file.size, 0);
    const what = plural(files.length, 'photo');
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      state.running = request;
      request.open('POST', '/v1/analyses?correction=' + correction);
      request.setRequestHeader('accept', 'application/json, application/problem+json');
      for (const [name, value] of Object.entries(apiHeaders())) request.setRequestHeader(name, value);
      request.upload.addEventListener('progress', (event) => {
        if (event.lengthComputable) showStatus('Uploading ' + what + ' (' + megabytes(total) + ')…', event.loaded / event.total);
      });
      request.upload.addEventListener('load', () => showStatus('Analysing ' + what + ': finding, classifying and ranking the lesions…'));
      request.addEventListener('load', () => {
        let body = null;
        try {
          body = JSON.parse(request.responseText);
        } catch (error) {
          body = null;
        }
        resolve({ status: request.status, body, requestId: request.getResponseHeader('x-request-id'), retryAfter: request.getResponseHeader('retry-after') });
      });
      request.addEventListener('error', () => reject(new Error('The server could not be reached. Check the connection and try again.')));
      request.addEventListener('abort', () => reject(new Error('The analysis was cancelled.')));
      showStatus('Uploading ' + what + ' (' + megabytes(total) + ')…', 0);
      $('cancel').hidden = false;
      request.send(form);
    });
  }

  $('upload-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (state.running) return;
    const files = state.files;
    const problems = problemsWithFiles(files);
    if (files.length === 0 || problems.length > 0) {
      showError(files.length === 0 ? 'Choose at least one photo first.' : 'These photos cannot be analysed:', problems);
      return;
    }
    hideError();
    $('results').hidden = true;
    const button = $('analyse');
    button.disabled = true;
    button.textContent = 'Analysing…';
    document.body.setAttribute('aria-busy', 'true');
    startClock();
    try {
      const answer = await analyse(files, $('correction').checked);
      if (answer.status === 200 && answer.body) {
        await showResults(answer.body, files);
        const lesions = answer.body.lesions.length;
        showStatus('Done: ' + plural(lesions, 'candidate') + ' in ' + plural(files.length, 'photo') + ', risk ' + answer.body.risk + '.', 1);
        $('results-heading').focus();
      } else {
        const explained = explainProblem(answer.status, answer.body || {}, answer.retryAfter);
        $('status').hidden = true;
        showError(explained.title, (explained.lines || []).filter(Boolean), answer.requestId || (answer.body && answer.body.requestId));
      }
    } catch (error) {
      $('status').hidden = true;
      showError(error.message);
    } finally {
      state.running = null;
      $('cancel').hidden = true;
      stopClock();
      document.body.removeAttribute('aria-busy');
      button.disabled = state.files.length === 0;
      button.textContent = 'Analyse';
    }
  });

  $('cancel').addEventListener('click', () => {
    if (state.running) state.running.abort();
  });

  // ---- results ------------------------------------------------------------------------------

  function loadImage(file) {
    return new Promise((resolve) => {
      const image = new Image();
      image.onload = () => resolve(image);
      // TIFF and other formats browsers do not draw: the server draws those pictures instead.
      image.onerror = () => resolve(null);
      image.src = URL.createObjectURL(file);
    });
  }

  function lesionsOf(photoIndex) {
    return state.result.lesions.filter((lesion) => lesion.photo === photoIndex);
  }

  function riskExplanation(result) {
    const pigmented = CLASS_NAMES.filter((name) => PIGMENTED.has(name)).reduce((sum, name) => sum + result.counts[name], 0);
    const { nspl_b: follow, spl: suspicious } = result.counts;
    if (result.risk === 'HIGH') {
      const reasons = [];
      if (suspicious >= 1) reasons.push(plural(suspicious, 'suspicious lesion') + ' (SPL)');
      if (follow >= 3) reasons.push(plural(follow, 'lesion') + ' to follow up (NSPL-B)');
      if (pigmented >= 50) reasons.push(plural(pigmented, 'pigmented lesion'));
      return 'High: ' + reasons.join(', ') + '.';
    }
    if (result.risk === 'MEDIUM') return 'Medium: ' + plural(pigmented, 'pigmented lesion') + ', ' + plural(follow, 'lesion') + ' to follow up, none suspicious.';
    return 'Low: ' + plural(pigmented, 'pigmented lesion') + ', none to follow up or suspicious.';
  }

  function renderSummary(result) {
    const risk = $('risk');
    risk.className = 'risk risk-' + result.risk.toLowerCase();
    risk.replaceChildren(
      element('span', { className: 'risk-label', text: 'Risk' }),
      element('span', { className: 'risk-value', text: result.risk }),
      element('span', { className: 'risk-why', text: riskExplanation(result) }),
    );
    $('counts').replaceChildren(
      ...CLASS_NAMES.flatMap((name) => [
        element('dt', { className: 'class-' + name }, [element('abbr', { title: CLASS_MEANINGS[name], text: CLASS_LABELS[name] })]),
        element('dd', { text: String(result.counts[name]) }),
      ]),
    );
    const ud = result.uglyDuckling;
    $('ud-note').textContent = ud.ranked
      ? 'Ugly-duckling ranking over ' + plural(ud.lesions, 'pigmented lesion') + ' of all photos together: 1 is the oddest.'
      : 'No ugly-duckling ranking: ' + ud.reason + '.';
    $('photo-notes').replaceChildren(
      ...result.photos.flatMap((photo, index) => {
        const notes = [];
        if (photo.blurred) notes.push(element('li', { className: 'warn', text: 'Photo ' + (index + 1) + ' is too blurred to analyse (sharpness ' + photo.blurScore.toFixed(2) + ', at least ' + photo.blurThreshold + ' needed): retake it.' }));
        if (photo.truncated) notes.push(element('li', { className: 'warn', text: 'Photo ' + (index + 1) + ' has more candidates than the server analyses; only the first ' + photo.candidates + ' are shown.' }));
        return notes;
      }),
    );
    $('model-line').textContent = 'Model ' + result.model.name + ' version ' + result.model.version + (result.correction ? ', with' : ', without') + ' the rule correction; ' + (result.timingsMs.total / 1000).toFixed(1) + ' s on the server.';
  }

  function drawBoxes(entry, photoIndex) {
    const canvas = entry.boxesCanvas;
    const context = canvas.getContext('2d');
    context.drawImage(entry.image, 0, 0, canvas.width, canvas.height);
    // Sizes follow the canvas, which the page shows at about half its width on a laptop.
    const line = Math.max(2, Math.round(canvas.width / 400));
    const fontPx = Math.max(14, Math.round(canvas.width / 55));
    context.font = '700 ' + fontPx + 'px system-ui, sans-serif';
    context.textBaseline = 'bottom';
    for (const lesion of lesionsOf(photoIndex)) {
      const colour = BOX_COLOURS[lesion.class];
      const highlighted = state.highlighted === lesion.id;
      if (!colour && !highlighted) continue;
      const [x0, y0, x1, y1] = lesion.box.map((value) => value * entry.scale);
      // A dark outline under the colour keeps the box visible on pale and on dark skin.
      context.lineWidth = line + 2;
      context.strokeStyle = 'rgba(0, 0, 0, 0.6)';
      context.strokeRect(x0, y0, x1 - x0, y1 - y0);
      context.lineWidth = line;
      context.strokeStyle = colour || HIGHLIGHT;
      context.strokeRect(x0, y0, x1 - x0, y1 - y0);
      if (highlighted) {
        context.lineWidth = line * 2;
        context.strokeStyle = HIGHLIGHT;
        context.strokeRect(x0 - line * 2, y0 - line * 2, x1 - x0 + line * 4, y1 - y0 + line * 4);
      }
      if (lesion.udRank !== null) {
        const label = '#' + lesion.udRank;
        const width = context.measureText(label).width + line * 2;
        const height = fontPx + line;
        context.fillStyle = 'rgba(0, 0, 0, 0.7)';
        context.fillRect(x0, Math.max(0, y0 - height), width, height);
        context.fillStyle = colour || HIGHLIGHT;
        context.fillText(label, x0 + line, Math.max(height, y0) - line / 2);
      }
    }
  }

  function drawHeatmap(entry, photoIndex) {
    const canvas = entry.heatCanvas;
    const context = canvas.getContext('2d');
    context.drawImage(entry.image, 0, 0, canvas.width, canvas.height);
    const ranked = lesionsOf(photoIndex).filter((lesion) => lesion.udScore !== null);
    if (ranked.length === 0) return;
    // Step 9: a filled circle of radius d at each pigmented lesion, coloured by its UD score,
    // blurred and blended over the photo.
    const layer = document.createElement('canvas');
    layer.width = canvas.width;
    layer.height = canvas.height;
    const paint = layer.getContext('2d');
    for (const lesion of ranked.sort((a, b) => a.udScore - b.udScore)) {
      paint.beginPath();
      paint.arc(lesion.x * entry.scale, lesion.y * entry.scale, lesion.diameter * entry.scale, 0, 2 * Math.PI);
      paint.fillStyle = jet(lesion.udScore);
      paint.fill();
    }
    const meanDiameter = ranked.reduce((sum, lesion) => sum + lesion.diameter, 0) / ranked.length;
    context.save();
    context.globalAlpha = 0.65;
    context.filter = 'blur(' + Math.max(2, Math.round((meanDiameter * entry.scale) / 3)) + 'px)';
    context.drawImage(layer, 0, 0);
    context.restore();
  }

  function redraw() {
    state.photos.forEach((entry, index) => {
      if (!entry.image) return;
      drawBoxes(entry, index);
      drawHeatmap(entry, index);
    });
  }

  function setView(view) {
    state.view = view;
    for (const button of document.querySelectorAll('.toggle button')) button.setAttribute('aria-pressed', String(button.dataset.view === view));
    for (const entry of state.photos) {
      entry.figure.querySelector('.view-boxes').hidden = view !== 'boxes';
      entry.figure.querySelector('.view-heatmap').hidden = view !== 'heatmap';
    }
    $('legend').replaceChildren(
      ...(view === 'boxes'
        ? [element('span', { className: 'swatch swatch-nspl_b' }), ' NSPL-B, follow up   ', element('span', { className: 'swatch swatch-spl' }), ' SPL, suspicious   #n = ugly-duckling rank']
        : [element('span', { className: 'swatch swatch-jet' }), ' common (blue) to odd (red), by ugly-duckling score']),
    );
  }

  for (const button of document.querySelectorAll('.toggle button')) button.addEventListener('click', () => setView(button.dataset.view));

  /** The server draws the pictures of a photo the browser cannot (e.g. TIFF): one more analysis each. */
  function serverPicture(photoIndex, kind, alt) {
    const image = element('img', { alt, className: 'photo', loading: 'lazy' });
    const form = new FormData();
    state.files.forEach((each) => form.append('image', each, each.name));
    const query = 'kind=' + kind + '&photo=' + photoIndex + '&maxWidth=' + MAX_DRAW_WIDTH + '&correction=' + state.result.correction;
    fetch('/v1/analyses/picture?' + query, { method: 'POST', body: form, headers: apiHeaders() })
      .then((response) => (response.ok ? response.blob() : Promise.reject(new Error(String(response.status)))))
      .then((blob) => {
        image.src = URL.createObjectURL(blob);
      })
      .catch(() => {
        image.replaceWith(element('p', { className: 'warn', text: 'The picture of photo ' + (photoIndex + 1) + ' could not be drawn.' }));
      });
    return image;
  }

  function boxesSummary(photoIndex) {
    const lesions = lesionsOf(photoIndex);
    const yellow = lesions.filter((lesion) => lesion.class === 'nspl_b').length;
    const red = lesions.filter((lesion) => lesion.class === 'spl').length;
    return 'Photo ' + (photoIndex + 1) + ' with ' + plural(yellow, 'yellow box', 'yellow boxes') + ' (NSPL-B) and ' + plural(red, 'red box', 'red boxes') + ' (SPL).';
  }

  async function renderPhotos(result, files) {
    const images = await Promise.all(files.map(loadImage));
    state.photos = result.photos.map((photo, index) => {
      const image = images[index];
      const drawable = image && image.naturalWidth === photo.width && image.naturalHeight === photo.height;
      const scale = Math.min(1, MAX_DRAW_WIDTH / photo.width);
      const heading = element('figcaption', { text: 'Photo ' + (index + 1) + ': ' + files[index].name + ' (' + photo.width + ' x ' + photo.height + ')' });
      const figure = element('figure', { className: 'figure', 'data-photo': index });
      const entry = { image: drawable ? image : null, scale, figure, boxesCanvas: null, heatCanvas: null };
      if (drawable) {
        const size = { width: Math.round(photo.width * scale), height: Math.round(photo.height * scale) };
        entry.boxesCanvas = element('canvas', { className: 'photo view-boxes', role: 'img', 'aria-label': boxesSummary(index), ...size });
        entry.heatCanvas = element('canvas', { className: 'photo view-heatmap', role: 'img', 'aria-label': 'Photo ' + (index + 1) + ' with the ugly-duckling heat map: blue is common, red is odd.', ...size });
        figure.append(entry.boxesCanvas, entry.heatCanvas, heading);
      } else {
        const boxes = serverPicture(index, 'boxes', boxesSummary(index));
        boxes.classList.add('view-boxes');
        const heat = serverPicture(index, 'heatmap', 'Photo ' + (index + 1) + ' with the ugly-duckling heat map.');
        heat.classList.add('view-heatmap');
        figure.append(boxes, heat, heading, element('p', { className: 'hint', text: 'This browser cannot show this photo format, so the server drew these pictures.' }));
      }
      return entry;
    });
    $('figures').replaceChildren(...state.photos.map((entry) => entry.figure));
    redraw();
    setView(state.view);
  }

  function cropCanvas(lesion) {
    const entry = state.photos[lesion.photo];
    if (!entry || !entry.image) return element('div', { className: 'crop crop-missing', text: 'no preview' });
    const canvas = element('canvas', { className: 'crop', width: CROP_PX, height: CROP_PX, role: 'img', 'aria-label': 'Crop of lesion ' + lesion.id });
    const [x0, y0, x1, y1] = lesion.box;
    canvas.getContext('2d').drawImage(entry.image, x0, y0, Math.max(1, x1 - x0), Math.max(1, y1 - y0), 0, 0, CROP_PX, CROP_PX);
    return canvas;
  }

  function barFill(name, probability) {
    const fill = element('span', { className: 'bar-fill class-fill-' + name });
    // Set through the CSSOM, which a Content-Security-Policy without 'unsafe-inline' allows.
    fill.style.width = (probability * 100).toFixed(1) + '%';
    return fill;
  }

  function probabilityBars(probabilities) {
    const top = CLASS_NAMES.slice().sort((a, b) => probabilities[b] - probabilities[a]).slice(0, 3);
    return element(
      'ul',
      { className: 'bars', 'aria-label': 'Most likely classes' },
      top.map((name) =>
        element('li', {}, [
          element('span', { className: 'bar-name', text: CLASS_LABELS[name] }),
          element('span', { className: 'bar', 'aria-hidden': 'true' }, [barFill(name, probabilities[name])]),
          element('span', { className: 'bar-value', text: percent(probabilities[name]) }),
        ]),
      ),
    );
  }

  function highlight(id) {
    if (state.highlighted === id) return;
    state.highlighted = id;
    for (const item of document.querySelectorAll('#lesions > li')) item.classList.toggle('active', item.dataset.id === id);
    redraw();
  }

  function renderLesions(result) {
    const pigmented = result.lesions.filter((lesion) => PIGMENTED.has(lesion.class));
    const order = result.uglyDuckling.ranked
      ? pigmented.slice().sort((a, b) => a.udRank - b.udRank)
      : pigmented.slice().sort((a, b) => b.probabilities.spl - a.probabilities.spl);
    $('ranked-hint').textContent = result.uglyDuckling.ranked
      ? 'Select a lesion to mark it on its photo.'
      : 'Not ranked (' + result.uglyDuckling.reason + '); listed by SPL probability. Select a lesion to mark it on its photo.';
    const items = order.map((lesion) => {
      const rank = lesion.udRank !== null ? element('span', { className: 'rank', text: '#' + lesion.udRank, title: 'ugly-duckling rank' }) : null;
      const label =
        (lesion.udRank !== null ? 'Rank ' + lesion.udRank + ', ' : '') +
        CLASS_LABELS[lesion.class] + ' (' + CLASS_MEANINGS[lesion.class] + ') ' + percent(lesion.probabilities[lesion.class]) +
        (lesion.udScore !== null ? ', ugly-duckling score ' + lesion.udScore.toFixed(2) : '') + ', photo ' + (lesion.photo + 1);
      const button = element('button', { type: 'button', className: 'lesion', 'aria-label': label, 'aria-describedby': 'ranked-hint' }, [
        cropCanvas(lesion),
        element('span', { className: 'lesion-body' }, [
          element('span', { className: 'lesion-head' }, [
            rank,
            element('span', { className: 'class-tag class-' + lesion.class, text: CLASS_LABELS[lesion.class] }),
            element('span', { className: 'meaning', text: CLASS_MEANINGS[lesion.class] }),
          ]),
          probabilityBars(lesion.probabilities),
          element('span', {
            className: 'lesion-meta',
            text:
              (lesion.udScore !== null ? 'UD score ' + lesion.udScore.toFixed(2) + ' · ' : '') +
              'photo ' + (lesion.photo + 1) + ' · ' + Math.round(lesion.diameter) + ' px' +
              (lesion.modelClass !== lesion.class ? ' · model said ' + CLASS_LABELS[lesion.modelClass] : ''),
          }),
        ]),
      ]);
      button.addEventListener('focus', () => highlight(lesion.id));
      button.addEventListener('mouseenter', () => highlight(lesion.id));
      button.addEventListener('click', () => {
        highlight(lesion.id);
        state.photos[lesion.photo].figure.scrollIntoView({ behavior: 'smooth', block: 'center' });
      });
      return element('li', { 'data-id': lesion.id, 'data-class': lesion.class }, [button]);
    });
    $('lesions').replaceChildren(...items);
    if (items.length === 0) $('lesions').append(element('li', { className: 'empty', text: 'No pigmented lesions were found.' }));

    $('all-count').textContent = String(result.lesions.length);
    $('all-rows').replaceChildren(
      ...result.lesions.map((lesion) =>
        element('tr', {}, [
          element('td', { text: lesion.id }),
          element('td', { text: String(lesion.photo + 1) }),
          element('td', { text: CLASS_LABELS[lesion.class] }),
          element('td', { text: CLASS_LABELS[lesion.modelClass] }),
          element('td', { text: percent(lesion.probabilities[lesion.class]) }),
          element('td', { text: lesion.udScore === null ? '—' : lesion.udScore.toFixed(2) }),
          element('td', { text: String(Math.round(lesion.diameter)) }),
        ]),
      ),
    );
  }

  async function showResults(result, files) {
    state.result = result;
    state.highlighted = null;
    renderSummary(result);
    await renderPhotos(result, files);
    renderLesions(result);
    $('results').hidden = false;
  }
})();
