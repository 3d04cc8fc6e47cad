// Runs on the page. Saves a Blob (or Blob parts) as a real download through an <a download>
// element: the bytes stay in the browser's Blob storage, never copied into a string or array.

/** Starts a download of `blob` named `fileName`. */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has taken its reference by the time the click handler returns in every current
  // browser, but revoking at once aborts it in some; a minute is generous and frees the memory.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 60_000);
}

/** Starts a download of the concatenation of `parts`, e.g. the safetensors writer's output. */
export function saveParts(parts: BlobPart[], fileName: string, type = 'application/octet-stream'): void {
  saveBlob(new Blob(parts, { type }), fileName);
}
