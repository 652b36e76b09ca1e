/**
 * Working arrays kept from one blob detection to the next. A fresh multi-megabyte typed array
 * costs a page fault per 4 KiB page on first touch: on a 12-megapixel photo that was 1,400 to
 * 8,400 faults and 4 to 20 ms of system time per detection (2-core VM), for arrays whose
 * contents are rebuilt every time anyway. Detection is synchronous, so one set per thread
 * (module instance) is never used by two detections at once.
 *
 * Arrays come back with stale contents: callers write before they read. A slot grows to 1.5
 * times the request when too small, and is not kept at all beyond MAX_KEPT_BYTES, so that one
 * huge photo does not pin its memory for the life of the process. Only pages a detection
 * touches become resident, about 40 MB for a 12-megapixel photo.
 */
const MAX_KEPT_BYTES = 64 * 1024 * 1024;

export type Int32Slot = 'changes' | 'runX' | 'parent' | 'minX' | 'maxX' | 'maxY' | 'starts' | 'startRows';
export type Uint8Slot = 'framed';

const int32Slots = new Map<Int32Slot, Int32Array>();
const uint8Slots = new Map<Uint8Slot, Uint8Array>();

function kept<T extends Int32Array | Uint8Array>(slots: Map<string, T>, slot: string, length: number, make: (length: number) => T): T {
  const current = slots.get(slot);
  if (current !== undefined && current.length >= length) return current.subarray(0, length) as T;
  const capacity = Math.ceil(length * 1.5);
  if (capacity * make(0).BYTES_PER_ELEMENT > MAX_KEPT_BYTES) {
    slots.delete(slot);
    return make(length);
  }
  const fresh = make(capacity);
  slots.set(slot, fresh);
  return fresh.subarray(0, length) as T;
}

/** An Int32Array of exactly `length` elements (a view of a kept buffer), contents unspecified. */
export function scratchInt32(slot: Int32Slot, length: number): Int32Array {
  return kept(int32Slots, slot, length, (n) => new Int32Array(n));
}

/** A Uint8Array of exactly `length` bytes (a view of a kept buffer), contents unspecified. */
export function scratchUint8(slot: Uint8Slot, length: number): Uint8Array {
  return kept(uint8Slots, slot, length, (n) => new Uint8Array(n));
}

/**
 * scratchInt32 for a slot that must grow while in use: `array` (the slot's last result) keeps
 * its first `keep` elements.
 */
export function growScratchInt32(slot: Int32Slot, array: Int32Array, keep: number, length: number): Int32Array {
  if (array.length >= length) return array;
  const current = int32Slots.get(slot);
  if (current !== undefined && current.length >= length && current.buffer === array.buffer) return current.subarray(0, length);
  const bigger = scratchInt32(slot, length);
  bigger.set(array.subarray(0, keep));
  return bigger;
}

let identity = new Int32Array(0);

/** 0, 1, ..., length - 1 (read only): copying it initialises a union-find forest natively. */
export function identityInt32(length: number): Int32Array {
  if (identity.length < length) {
    const capacity = Math.ceil(length * 1.5);
    if (capacity * Int32Array.BYTES_PER_ELEMENT > MAX_KEPT_BYTES) return iota(length);
    identity = iota(capacity);
  }
  return identity.subarray(0, length);
}

function iota(length: number): Int32Array<ArrayBuffer> {
  const values = new Int32Array(length);
  for (let i = 0; i < length; i++) values[i] = i;
  return values;
}
