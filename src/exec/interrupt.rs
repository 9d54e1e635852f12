//! Ctrl-C: the first one asks the run to stop (stages finish or abandon their current item,
//! finished items stay cached, nothing partial is committed); a second one exits at once,
//! which is just as safe for the cache, only less tidy.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

static CANCELLED: AtomicBool = AtomicBool::new(false);
static PRESSES: AtomicUsize = AtomicUsize::new(0);

/// Installs the handler (once per process; later calls are no-ops).
pub fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            CANCELLED.store(true, Ordering::SeqCst);
            if PRESSES.fetch_add(1, Ordering::SeqCst) >= 1 {
                std::process::exit(crate::exit_code::INTERRUPTED);
            }
            eprintln!("radflow: stopping after the items in progress (Ctrl-C again to quit now)");
        });
    });
}

pub fn cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}
