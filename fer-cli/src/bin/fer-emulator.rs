//! The `fer-emulator` program, built beside `fer` for the Python wheel (the `wheel` feature), so
//! that `pip install` gives a vendor without a Rust toolchain both programs. It is
//! [`fer_emulator::cli::main`], the same program as the fer-emulator crate's binary.

fn main() -> std::process::ExitCode {
    fer_emulator::cli::main()
}
