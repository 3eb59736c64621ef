//! The `strata` binary: everything lives in the library; this only hands over the arguments.

/// mimalloc instead of glibc's allocator: a plan is millions of small strings and maps, on which
/// glibc spent a third more resident memory than the live heap (see BENCHMARKS.md, fourth run).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the mimalloc v2 sources libmimalloc-sys 0.1.49 builds (the crate
/// names no constant for it). 0 hands freed pages back at once: a plan frees its configuration
/// and state before rendering, and a delayed purge would keep both resident through the render.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> std::process::ExitCode {
    // SAFETY: sets a plain integer option; mimalloc allows changing options at any time.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    strata::cli::main()
}
