//! The apply engine against a scriptable in-process resource kind (`support::fake_kind`), no
//! AWS emulator: scheduling, retries, rollback, the journal, reconcile and destroy, each with
//! the provider failing exactly where a test says.

mod engine;
mod support;
