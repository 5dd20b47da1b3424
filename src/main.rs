//! The `greenroom` binary: signal dispositions and the report hooks, then the command line.

fn main() -> std::process::ExitCode {
    // Behave like other command-line tools when output goes to a closed pipe (`| head`): stop
    // quietly instead of panicking on the failed write.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    greenroom::report::install();
    greenroom::cli::main()
}
