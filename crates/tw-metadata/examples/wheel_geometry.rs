#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a measuring tool prints its results"
)]

//! Measure where `METADATA`, the central directory and the end records sit in real wheels,
//! with tailwheel's own zip tail reader and range requests only.
//!
//! Reads wheel URLs from stdin (one per line) and prints one tab-separated line per wheel:
//! `url total directory_offset directory_size entries metadata_offset metadata_compressed requests`.
//! `bench/wheel_tails.py` turns this into the table in `docs/lazy-wheel.md`.
//!
//! ```sh
//! cargo run --release -p tw-metadata --example wheel_geometry < urls.txt
//! ```

use std::io::BufRead;

use tw_client::{ByteRange, ClientBuilder};
use tw_metadata::{Step, Window, read_metadata};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = ClientBuilder::new().concurrency(8).build()?;
    let urls: Vec<String> = std::io::stdin()
        .lock()
        .lines()
        .map_while(Result::ok)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let mut tasks = Vec::new();
    for url in urls {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let parsed = url::Url::parse(url.trim()).map_err(|e| e.to_string())?;
            let first = client
                .get_range(&parsed, ByteRange::Suffix(64 * 1024))
                .await
                .map_err(|e| e.to_string())?;
            let (start, _, total) = first.content_range().ok_or("no Content-Range")?;
            let mut window = Window::new(start, first.body.to_vec(), total);
            let mut requests = 1;
            loop {
                match read_metadata(&window, &|_| true).map_err(|e| e.to_string())? {
                    Step::Done(_, g) => {
                        return Ok::<_, String>(format!(
                            "{url}\t{}\t{}\t{}\t{}\t{}\t{}\t{requests}",
                            g.total,
                            g.directory_offset,
                            g.directory_size,
                            g.entries,
                            g.metadata_offset,
                            g.metadata_compressed
                        ));
                    }
                    Step::Need(range) => {
                        requests += 1;
                        let response = client
                            .get_range(
                                &parsed,
                                ByteRange::Inclusive(range.start, range.end.saturating_sub(1)),
                            )
                            .await
                            .map_err(|e| e.to_string())?;
                        let (first, _, _) = response.content_range().ok_or("no Content-Range")?;
                        window.add(first, response.body.to_vec());
                    }
                }
            }
        }));
    }
    for task in tasks {
        match task.await? {
            Ok(line) => println!("{line}"),
            Err(err) => eprintln!("error: {err}"),
        }
    }
    Ok(())
}
