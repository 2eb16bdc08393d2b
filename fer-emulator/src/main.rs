//! `fer-emulator --listen ADDR [--username OID --password PASS] [--state FILE]`: the FER 2.0 Vitrina
//! and gateway emulator as a program. Prints its base URL and the credentials in force, then serves
//! until Ctrl-C. The program is [`fer_emulator::cli::main`], its flags
//! [`fer_emulator::cli::EmulatorArgs`], shared with `fer emulator`.

fn main() -> std::process::ExitCode {
    fer_emulator::cli::main()
}
