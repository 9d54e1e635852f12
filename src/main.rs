fn main() {
    std::process::exit(radflow::cli::main());
}
