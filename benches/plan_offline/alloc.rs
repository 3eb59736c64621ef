//! A global allocator that counts live heap bytes and remembers the peak, so each measured run
//! can report how much heap the pipeline needed at its worst moment.
//!
//! The counters are per thread: the plan pipeline runs on the bench's main thread, and plain
//! thread-local arithmetic costs next to nothing. Shared atomics (`lock xadd` plus a
//! compare-and-swap loop for the peak on every allocation) took about a tenth of the measured
//! time in a profile, which would have inflated every number in the report.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// Heap bytes this thread allocated and has not freed.
    static CURRENT: Cell<usize> = const { Cell::new(0) };
    /// Highest value `CURRENT` reached since the last [`reset_peak`].
    static PEAK: Cell<usize> = const { Cell::new(0) };
}

/// `System` with byte counting; installed as the bench binary's global allocator.
pub struct CountingAlloc;

fn grew(bytes: usize) {
    let now = CURRENT.get().wrapping_add(bytes);
    CURRENT.set(now);
    if now > PEAK.get() {
        PEAK.set(now);
    }
}

fn shrank(bytes: usize) {
    // Wrapping: a block allocated on another thread may be freed here; the bench never does
    // that, and a wrong count must not abort an allocation.
    CURRENT.set(CURRENT.get().wrapping_sub(bytes));
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the `GlobalAlloc`
// contract; the counters are only bookkeeping and never affect the returned pointers.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let new_ptr = unsafe { System.realloc(ptr, layout, new_size) };
        if !new_ptr.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        new_ptr
    }
}

/// Heap bytes this thread has live right now.
pub fn current_bytes() -> usize {
    CURRENT.get()
}

/// The highest live heap of this thread since the last [`reset_peak`].
pub fn peak_bytes() -> usize {
    PEAK.get()
}

/// Start a new peak measurement from what is live now.
pub fn reset_peak() {
    PEAK.set(CURRENT.get());
}
