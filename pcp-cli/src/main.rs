//! pcpctl (work in progress).
#![forbid(unsafe_code)]
fn main() {
    eprintln!("pcpctl: not implemented yet");
    std::process::exit(2);
}
