fn main() -> std::process::ExitCode {
    greenroom::cli::main()
}
