fn main() {
    // Rust ignores SIGPIPE, which turns `radflow status | head` into a panic on the next
    // print; the default action (exit quietly) is what a command-line tool should do.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    std::process::exit(radflow::cli::main());
}
