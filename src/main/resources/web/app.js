// Ladder's web page: drives the JSON API on the same origin. No framework, no build step.
// User content only ever reaches the page through textContent, never innerHTML.
'use strict';

const MAX_POST_BYTES = 1024;
const PAGE_SIZE = 20;
const HANDLE_KEY = 'ladder.handle';
const HANDLE_PATTERN = /^[a-z0-9_]{3,30}$/;
const PHOTO_TYPES = ['image/jpeg', 'image/png'];
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
const MAX_PHOTOS_PER_POST = 4;
const PHOTO_POLL_MS = 500;
const PHOTO_POLL_LIMIT = 240; // two minutes of polling, then the page stops asking

const encoder = new TextEncoder();
const $ = (id) => document.getElementById(id);

// ---- API ------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, title, detail, requestId) {
    super(detail ? `${title}: ${detail}` : title);
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.requestId = requestId;
  }
}

async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'Network error', 'The server could not be reached.');
  }
  if (response.status === 401) {
    // The session is gone or was never there: forget who we thought we were.
    setHandle(null);
  }
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response.status === 204 ? null : response.json();
}

// Turns an error response into an ApiError, using problem+json when the server sent it.
async function problemOf(response) {
  let title = `${response.status} ${response.statusText}`.trim();
  let detail = '';
  let requestId = null;
  if ((response.headers.get('Content-Type') || '').includes('json')) {
    try {
      const problem = await response.json();
      title = problem.title || title;
      detail = problem.detail || '';
      requestId = problem.requestId || null;
    } catch {
      // Not JSON after all; the status line will do.
    }
  }
  return new ApiError(response.status, title, detail, requestId);
}

const path = (...segments) => '/' + segments.map(encodeURIComponent).join('/');

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) search.set(name, value);
  }
  return '?' + search;
}

// ---- Messages -------------------------------------------------------------

// An error may carry a source ('draft'), so that fixing the draft can clear it again.
function showError(error) {
  const box = $('error');
  box.replaceChildren();
  box.dataset.source = error.source || '';
  if (error instanceof ApiError) {
    const title = document.createElement('strong');
    title.textContent = error.title;
    box.append(title);
    if (error.detail) box.append(' ' + error.detail);
    if (error.status >= 500 && error.requestId) {
      // The same id is in the server's log, so a report with it can be traced.
      const reference = document.createElement('small');
      reference.textContent = ` (request ${error.requestId})`;
      box.append(reference);
    }
  } else {
    box.textContent = error instanceof Error ? error.message : String(error);
  }
  box.hidden = false;
  hideNotice();
}

function clearError() {
  $('error').hidden = true;
  $('error').replaceChildren();
  $('error').dataset.source = '';
}

function showNotice(text) {
  $('notice').textContent = text;
  $('notice').hidden = false;
}

function hideNotice() {
  $('notice').hidden = true;
  $('notice').textContent = '';
}

// Runs an action triggered by the user: disables its button meanwhile and shows any failure.
async function attempt(button, action) {
  button.disabled = true;
  try {
    clearError();
    hideNotice();
    await action();
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

// ---- Session --------------------------------------------------------------

// The server has no "who am I" endpoint, so the handle from the last login is kept here.
function currentHandle() {
  return localStorage.getItem(HANDLE_KEY);
}

function setHandle(handle) {
  if (handle) localStorage.setItem(HANDLE_KEY, handle);
  else localStorage.removeItem(HANDLE_KEY);
  renderSession();
}

function renderSession() {
  const handle = currentHandle();
  $('session').hidden = !handle;
  $('auth').hidden = Boolean(handle);
  $('composer').hidden = !handle;
  $('whoami').textContent = handle || '';
  $('whoami').href = handle ? '#' + path('u', handle) : '#/';
  for (const post of document.querySelectorAll('#timeline .post')) {
    post.querySelector('.post-actions').hidden = !handle || post.dataset.author !== handle;
  }
}

async function signUp(event) {
  event.preventDefault();
  const handle = $('signup-handle').value.trim();
  await attempt($('signup-submit'), async () => {
    const user = await api('POST', '/api/users', {
      handle,
      email: $('signup-email').value.trim(),
      password: $('signup-password').value,
    });
    $('signup-form').reset();
    $('login-handle').value = user.handle;
    $('login-password').focus();
    showNotice(`Welcome, ${user.handle}! Your account is ready: log in to start posting.`);
  });
}

async function logIn(event) {
  event.preventDefault();
  const handle = $('login-handle').value.trim();
  await attempt($('login-submit'), async () => {
    await api('POST', '/api/sessions', { handle, password: $('login-password').value });
    $('login-form').reset();
    hideNotice();
    setHandle(handle);
    $('post-body').focus();
  });
}

async function logOut() {
  await attempt($('logout'), async () => {
    try {
      await api('DELETE', '/api/sessions/current');
    } catch (error) {
      // 401: the session had already ended, which is what logging out wants anyway.
      if (error.status !== 401) throw error;
    }
    setHandle(null);
    showNotice('You are logged out.');
  });
}

// ---- Posts ----------------------------------------------------------------

const byteLength = (text) => encoder.encode(text).length;

function overLimitError(bytes) {
  const error = new ApiError(400, 'Post too long',
    `It is ${bytes} bytes of UTF-8; the limit is ${MAX_POST_BYTES}.`);
  error.source = 'draft';
  return error;
}

// Shows the size of a draft next to it; returns the size in bytes.
function countBytes(textarea, counter) {
  const bytes = byteLength(textarea.value);
  counter.textContent = `${bytes} / ${MAX_POST_BYTES} bytes`;
  const over = bytes > MAX_POST_BYTES;
  counter.classList.toggle('over', over);
  textarea.setAttribute('aria-invalid', String(over));
  return bytes;
}

// Checks a draft before it is sent; throws the error to show if it cannot be.
function checkDraft(text) {
  const bytes = byteLength(text);
  if (text.trim() === '') throw new ApiError(400, 'Empty post', 'Write something first.');
  if (bytes > MAX_POST_BYTES) throw overLimitError(bytes);
}

function onDraftInput() {
  const bytes = countBytes($('post-body'), $('post-bytes'));
  if (bytes > MAX_POST_BYTES) showError(overLimitError(bytes));
  else if ($('error').dataset.source === 'draft') clearError();
}

async function publish(event) {
  event.preventDefault();
  const body = $('post-body').value;
  await attempt($('post-submit'), async () => {
    checkDraft(body);
    const photoIds = draft.photos.map((photo) => photo.id);
    await api('POST', '/api/posts', photoIds.length ? { body, photoIds } : { body });
    $('post-body').value = '';
    countBytes($('post-body'), $('post-bytes'));
    clearAttachments();
    await loadView();
  });
}

function formatTime(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

function timeElement(iso, prefix = '') {
  const time = document.createElement('time');
  time.dateTime = iso;
  time.textContent = prefix + formatTime(iso);
  return time;
}

function button(text, onClick, className = 'link') {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = className;
  element.textContent = text;
  element.addEventListener('click', onClick);
  return element;
}

function renderPost(post) {
  const item = document.createElement('li');
  item.className = 'post';
  item.id = 'post-' + post.id;
  item.dataset.id = post.id;
  item.dataset.author = post.author;

  const head = document.createElement('div');
  head.className = 'post-head';
  const author = document.createElement('a');
  author.className = 'post-author';
  author.href = '#' + path('u', post.author);
  author.textContent = post.author;
  head.append(author, ' ', timeElement(post.createdAt));
  if (post.updatedAt && post.updatedAt !== post.createdAt) {
    const edited = document.createElement('span');
    edited.className = 'edited';
    edited.title = 'Edited ' + formatTime(post.updatedAt);
    edited.textContent = '(edited)';
    head.append(' ', edited);
  }

  const body = document.createElement('p');
  body.className = 'post-body';
  body.textContent = post.body;

  const actions = document.createElement('div');
  actions.className = 'post-actions';
  actions.hidden = post.author !== currentHandle();
  actions.append(
    button('Edit', () => startEdit(item, post)),
    button('Delete', (event) => deletePost(event.currentTarget, item, post)));

  item.append(head, body);
  if (post.photos && post.photos.length) item.append(renderPhotos(post.photos));
  item.append(actions);
  return item;
}

function startEdit(item, post) {
  if (item.querySelector('.post-edit')) return;
  const form = document.createElement('form');
  form.className = 'post-edit';
  form.noValidate = true;
  const fieldId = 'edit-' + post.id;
  const label = document.createElement('label');
  label.htmlFor = fieldId;
  label.className = 'visually-hidden';
  label.textContent = 'Edit post';
  const textarea = document.createElement('textarea');
  textarea.id = fieldId;
  textarea.rows = 3;
  textarea.value = post.body;
  const counter = document.createElement('span');
  counter.className = 'bytes';
  counter.id = fieldId + '-bytes';
  textarea.setAttribute('aria-describedby', counter.id);
  textarea.addEventListener('input', () => countBytes(textarea, counter));
  countBytes(textarea, counter);
  const save = document.createElement('button');
  save.type = 'submit';
  save.textContent = 'Save';
  const cancel = button('Cancel', () => item.replaceWith(renderPost(post)), 'secondary');
  const foot = document.createElement('div');
  foot.className = 'composer-foot';
  foot.append(counter, cancel, save);
  form.append(label, textarea, foot);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await attempt(save, async () => {
      checkDraft(textarea.value);
      const updated = await api('PUT', path('api', 'posts', post.id), { body: textarea.value });
      item.replaceWith(renderPost(updated));
    });
  });

  item.querySelector('.post-body').hidden = true;
  item.querySelector('.post-actions').hidden = true;
  item.append(form);
  textarea.focus();
}

async function deletePost(trigger, item, post) {
  if (!confirm('Delete this post? This cannot be undone.')) return;
  await attempt(trigger, async () => {
    await api('DELETE', path('api', 'posts', post.id));
    item.remove();
    $('empty').hidden = $('timeline').children.length > 0;
    showNotice('Post deleted.');
  });
}

// ---- Photos ---------------------------------------------------------------

// Photos chosen for the post being written: uploaded at once, shown as their thumbnails arrive.
const draft = { photos: [] };

// Uploads the file as the raw body; the server answers 202 with the photo, still pending.
async function uploadPhoto(file) {
  let response;
  try {
    response = await fetch('/api/photos', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': file.type },
      body: file,
    });
  } catch {
    throw new ApiError(0, 'Network error', 'The server could not be reached.');
  }
  if (response.status === 401) setHandle(null);
  if (!response.ok) throw await problemOf(response);
  return response.json();
}

// Asks for the photo until it is no longer pending; resolves with its final state.
async function awaitPhoto(photo) {
  let current = photo;
  for (let polls = 0; current.status === 'pending' && polls < PHOTO_POLL_LIMIT; polls++) {
    await new Promise((resolve) => setTimeout(resolve, PHOTO_POLL_MS));
    current = await api('GET', path('api', 'photos', photo.id));
  }
  return current;
}

// A thumbnail once ready, a note while pending (replaced when it is ready) or when it failed.
function photoElement(photo) {
  const holder = document.createElement('span');
  holder.className = 'photo';
  holder.dataset.id = photo.id;
  const show = (current) => {
    if (current.status === 'ready') {
      const link = document.createElement('a');
      link.href = current.url;
      link.target = '_blank';
      link.rel = 'noopener';
      const image = document.createElement('img');
      image.className = 'thumb';
      image.src = current.thumbnailUrl;
      image.alt = `Photo, ${current.width}×${current.height}`;
      if (current.thumbnailWidth) image.width = current.thumbnailWidth;
      if (current.thumbnailHeight) image.height = current.thumbnailHeight;
      link.append(image);
      holder.replaceChildren(link);
    } else {
      holder.textContent = current.status === 'failed' ? 'This photo could not be processed.' : 'Making a thumbnail…';
      holder.classList.toggle('failed', current.status === 'failed');
    }
  };
  show(photo);
  if (photo.status === 'pending') {
    awaitPhoto(photo).then(show, () => { holder.textContent = 'The photo could not be loaded.'; });
  }
  return holder;
}

function renderPhotos(photos) {
  const list = document.createElement('div');
  list.className = 'post-photos';
  list.append(...photos.map(photoElement));
  return list;
}

function renderAttachments() {
  const list = $('attachments');
  list.replaceChildren(...draft.photos.map((photo) => {
    const item = document.createElement('li');
    item.append(photoElement(photo), button('Remove', () => {
      draft.photos = draft.photos.filter((other) => other.id !== photo.id);
      renderAttachments();
    }));
    return item;
  }));
  list.hidden = draft.photos.length === 0;
  $('photo-input').disabled = draft.photos.length >= MAX_PHOTOS_PER_POST;
}

function clearAttachments() {
  draft.photos = [];
  renderAttachments();
}

async function onPhotoChosen() {
  const input = $('photo-input');
  const file = input.files[0];
  if (!file) return;
  const picker = input.closest('label');
  picker.classList.add('busy');
  input.disabled = true;
  try {
    clearError();
    if (!PHOTO_TYPES.includes(file.type)) {
      throw new ApiError(415, 'Not a photo', `“${file.name}” is not a JPEG or PNG image.`);
    }
    if (file.size > MAX_PHOTO_BYTES) {
      throw new ApiError(413, 'Photo too large', `“${file.name}” is ${file.size} bytes; the limit is ${MAX_PHOTO_BYTES}.`);
    }
    draft.photos.push(await uploadPhoto(file));
  } catch (error) {
    showError(error);
  } finally {
    input.value = '';
    picker.classList.remove('busy');
    renderAttachments();
  }
}

// ---- Views (hash routing: #/ and #/u/{handle}) ----------------------------

const view = { postsPath: '/api/posts', next: null, generation: 0 };

function parseRoute() {
  const hash = location.hash.replace(/^#/, '') || '/';
  if (hash === '/') return { name: 'timeline' };
  const match = /^\/u\/([^/]+)$/.exec(hash);
  if (match) {
    let handle;
    try {
      handle = decodeURIComponent(match[1]);
    } catch {
      return { name: 'missing' };
    }
    return { name: 'user', handle };
  }
  return { name: 'missing' };
}

async function route() {
  clearError();
  hideNotice();
  const target = parseRoute();
  const generation = ++view.generation;
  $('timeline').replaceChildren();
  $('empty').hidden = true;
  $('load-more').hidden = true;
  $('view-meta').hidden = true;

  if (target.name === 'timeline') {
    $('view-title').textContent = 'Timeline';
    document.title = 'Ladder';
    view.postsPath = '/api/posts';
  } else if (target.name === 'user') {
    $('view-title').textContent = target.handle;
    document.title = target.handle + ' · Ladder';
    if (!HANDLE_PATTERN.test(target.handle)) {
      showError(new ApiError(404, 'No such user', `There is no user called “${target.handle}”.`));
      return;
    }
    view.postsPath = path('api', 'users', target.handle, 'posts');
    try {
      const user = await api('GET', path('api', 'users', target.handle));
      if (generation !== view.generation) return;
      $('view-meta').replaceChildren(timeElement(user.createdAt, 'Joined '));
      $('view-meta').hidden = false;
    } catch (error) {
      if (generation === view.generation) showError(error);
      return;
    }
  } else {
    $('view-title').textContent = 'Not found';
    document.title = 'Not found · Ladder';
    showError(new ApiError(404, 'Not found', 'There is no such page here.'));
    return;
  }
  await loadPage(generation, null);
}

// Reloads the current view from its first page.
function loadView() {
  return loadPage(++view.generation, null);
}

// Fetches one page of posts and appends it; a page for a view the user has left is dropped.
async function loadPage(generation, before) {
  const list = $('timeline');
  list.setAttribute('aria-busy', 'true');
  try {
    const page = await api('GET', view.postsPath + query({ limit: PAGE_SIZE, before }));
    if (generation !== view.generation) return;
    if (before === null) list.replaceChildren();
    list.append(...page.items.map(renderPost));
    view.next = page.next;
    $('load-more').hidden = !page.next;
    $('empty').hidden = list.children.length > 0;
  } catch (error) {
    if (generation === view.generation) showError(error);
  } finally {
    if (generation === view.generation) list.setAttribute('aria-busy', 'false');
  }
}

function loadMore() {
  const trigger = $('load-more');
  return attempt(trigger, () => loadPage(view.generation, view.next));
}

// ---- Start ----------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  $('signup-form').addEventListener('submit', signUp);
  $('login-form').addEventListener('submit', logIn);
  $('logout').addEventListener('click', logOut);
  $('composer').addEventListener('submit', publish);
  $('post-body').addEventListener('input', onDraftInput);
  $('photo-input').addEventListener('change', onPhotoChosen);
  $('load-more').addEventListener('click', loadMore);
  window.addEventListener('hashchange', route);
  // Another tab logging in or out changes who we are here too.
  window.addEventListener('storage', (event) => {
    if (event.key === HANDLE_KEY) renderSession();
  });
  renderSession();
  route();
});
