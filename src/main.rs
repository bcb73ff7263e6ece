//! The `tailwheel` command line: parse arguments, set up logging and the runtime, run a
//! command, map its outcome to an exit code (0 success, 1 no solution, 2 bad input,
//! 3 network or index failure, 4 output not written).

mod args;
mod build;
mod commands;
mod direct;
mod environment;
mod failure;
mod pip_conf;
mod printer;
mod settings;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::EnvFilter;

use crate::args::{Cli, Command};
use crate::environment::Environment;
use crate::failure::Failure;
use crate::printer::Printer;

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => {
            // pubgrub's own info lines name its internal ids (`Id::<PubGrubPackage>(0)`); they
            // help only with `-vv`.
            "info,pubgrub=warn,tailwheel=debug,tw_resolver=debug,tw_metadata=debug,tw_index=debug,tw_client=debug,tw_build=debug"
        }
        (false, _) => "trace",
    };
    let filter = if verbose == 0 {
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default))
    } else {
        EnvFilter::new(default)
    };
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(ansi);
    if verbose == 0 {
        // Plain warnings: no timestamps unless debugging.
        builder.without_time().init();
    } else {
        builder.init();
    }
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging(cli.global.verbose, cli.global.quiet);
    let printer = Printer::new(cli.global.quiet, cli.global.no_progress);
    let env = Environment::capture();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            printer.always(&format!("error: cannot start the async runtime: {err}"));
            return ExitCode::from(3);
        }
    };
    let result: Result<(), Failure> = runtime.block_on(async {
        match &cli.command {
            Command::Resolve(args) => commands::resolve::run(args, &env, &printer, &argv).await,
            Command::Download(args) => commands::download::run(args, &env, &printer).await,
            Command::Tree(args) => commands::tree::tree(args, printer),
            Command::Why(args) => commands::tree::why(args, printer),
        }
    });
    // Do not wait for blocking tasks nobody needs any more (a DNS lookup for a connection
    // the finished resolution never used can take seconds).
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            printer.always(&failure.to_string());
            ExitCode::from(failure.code)
        }
    }
}
