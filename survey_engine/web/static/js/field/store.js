// IndexedDB on the device: the outbox, the cached bootstrap (work of the interviewer), the
// questionnaires by content hash (never dropped while an interview may need them), slot
// tallies and the unfinished interview.  Survives closing the browser and rebooting.

const DB_NAME = "survey-engine-field";
const DB_VERSION = 1;
export const STORES = { outbox: "outbox", kv: "kv", questionnaires: "questionnaires" };

let opening = null;

export function openDatabase() {
  if (opening) return opening;
  opening = new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains(STORES.outbox)) db.createObjectStore(STORES.outbox, { keyPath: "key" });
      if (!db.objectStoreNames.contains(STORES.kv)) db.createObjectStore(STORES.kv);
      if (!db.objectStoreNames.contains(STORES.questionnaires)) db.createObjectStore(STORES.questionnaires);
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opening;
}

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function run(storeName, mode, fn) {
  const db = await openDatabase();
  const tx = db.transaction(storeName, mode);
  const result = fn(tx.objectStore(storeName));
  const value = result instanceof IDBRequest ? await done(result) : result;
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  return value;
}

export const getValue = (store, key) => run(store, "readonly", (s) => s.get(key));
export const putValue = (store, value, key = undefined) =>
  run(store, "readwrite", (s) => (key === undefined ? s.put(value) : s.put(value, key)));
export const deleteValue = (store, key) => run(store, "readwrite", (s) => s.delete(key));
export const allValues = (store) => run(store, "readonly", (s) => s.getAll());

/** Ask the browser to keep this site's storage under pressure (best effort). */
export async function persistStorage() {
  try {
    if (navigator.storage?.persist) await navigator.storage.persist();
  } catch { /* not granted: IndexedDB still works */ }
}
