// The draft form: the preview, a warning before leaving with unsaved
// text, and a copy of the typed text in this browser so that an expired
// session or a crash loses nothing.
(function () {
  "use strict";
  var form = document.getElementById("draft-form");
  if (!form) { return; }
  var storageKey = form.dataset.storageKey;
  var dirty = false;
  var sending = false;
  var saveTimer = null;

  function fieldValues() {
    var values = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.name === "csrf_token" || element.name === "lock_version") { return; }
      if (element.type === "checkbox") {
        values[element.name] = values[element.name] || [];
        if (element.checked) { values[element.name].push(element.value); }
      } else {
        values[element.name] = element.value;
      }
    });
    return values;
  }

  function applyValues(values) {
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!(element.name in values) || element.name === "csrf_token" || element.name === "lock_version") { return; }
      if (element.type === "checkbox") {
        element.checked = values[element.name].indexOf(element.value) !== -1;
      } else {
        element.value = values[element.name];
      }
    });
  }

  function readStored() {
    try { return JSON.parse(window.localStorage.getItem(storageKey) || "null"); } catch (e) { return null; }
  }

  function store() {
    try {
      window.localStorage.setItem(storageKey, JSON.stringify({ values: fieldValues(), at: new Date().toISOString() }));
    } catch (e) { /* storage full or disabled: the unsaved-text warning still protects the text */ }
  }

  function forget() {
    try { window.localStorage.removeItem(storageKey); } catch (e) { /* nothing kept */ }
  }

  function markDirty() {
    dirty = true;
    document.getElementById("dirty-note").hidden = false;
    window.clearTimeout(saveTimer);
    saveTimer = window.setTimeout(store, 400);
  }

  // Text kept from an earlier visit that differs from what the server has.
  var kept = readStored();
  if (kept && JSON.stringify(kept.values) !== JSON.stringify(fieldValues())) {
    var banner = document.getElementById("restore-banner");
    banner.hidden = false;
    document.getElementById("restore-yes").addEventListener("click", function () {
      applyValues(kept.values);
      form.dispatchEvent(new CustomEvent("huibian:restored"));  // the body editor reloads the body
      banner.hidden = true;
      markDirty();
    });
    document.getElementById("restore-no").addEventListener("click", function () {
      forget();
      banner.hidden = true;
    });
  } else {
    forget();
  }

  form.addEventListener("input", markDirty);
  form.addEventListener("change", markDirty);
  // The copy in storage stays until a page shows the same text as saved.
  form.addEventListener("submit", function () { store(); sending = true; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !sending) {
      store();
      event.preventDefault();
      event.returnValue = "";
    }
  });

  var previewButton = document.getElementById("preview-button");
  var preview = document.getElementById("preview");
  var removedList = document.getElementById("preview-removed");

  // The server renders with the same allow-list as a save, and names what it would remove.
  function requestPreview(body, format) {
    var data = new FormData();
    data.append("body", body);
    data.append("body_format", format || "markdown");
    return fetch(form.dataset.previewUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": form.elements.csrf_token.value, "Accept": "application/json" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (!response.ok || type.indexOf("application/json") === -1) { throw new Error("no preview"); }
      return response.json();
    });
  }

  function showRemovals(removed) {
    removedList.innerHTML = "";
    if (removed.length) {
      var title = document.createElement("li");
      title.textContent = form.dataset.textRemoved;
      removedList.appendChild(title);
      removed.forEach(function (item) {
        var li = document.createElement("li");
        li.textContent = item;
        removedList.appendChild(li);
      });
    }
    removedList.hidden = removed.length === 0;
  }

  previewButton.addEventListener("click", function () {
    var body = form.elements.body.value;
    if (!body.trim()) {
      preview.innerHTML = "";
      var empty = document.createElement("p");
      empty.className = "empty";
      empty.textContent = form.dataset.textEmpty;
      preview.appendChild(empty);
      removedList.hidden = true;
      return;
    }
    previewButton.disabled = true;
    requestPreview(body, form.elements.body_format.value).then(function (result) {
      // The server sanitised this HTML with the same allow-list as a save.
      preview.innerHTML = result.html;
      showRemovals(result.removed);
    }).catch(function () {
      preview.innerHTML = "";
      var failed = document.createElement("p");
      failed.className = "error";
      failed.textContent = form.dataset.textPreviewFailed;
      preview.appendChild(failed);
    }).then(function () { previewButton.disabled = false; });
  });

  // Pasted HTML (from Word, WPS, a web page), as it came, before the editor kept what it could.
  form.addEventListener("huibian:pasted", function (event) {
    requestPreview(event.detail.html, "html").then(function (result) {
      if (result.removed.length) { showRemovals(result.removed); }
    }).catch(function () { /* the save sanitises too, and says what it removed */ });
  });
}());
