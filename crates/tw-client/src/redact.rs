//! Credentials never reach a log line or an error message.

use url::Url;

/// The URL as text with any user name and password replaced by `****`.
pub fn redact_url(url: &Url) -> String {
    if url.username().is_empty() && url.password().is_none() {
        return url.to_string();
    }
    let mut redacted = url.clone();
    // Setting credentials only fails for URLs that cannot carry them, which then have none.
    let _ = redacted.set_username("****");
    let _ = redacted.set_password(None);
    redacted.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_credentials() {
        let url = Url::parse("https://user:secret@index.example.invalid/simple/").unwrap();
        assert_eq!(
            redact_url(&url),
            "https://****@index.example.invalid/simple/"
        );
        let plain = Url::parse("https://index.example.invalid/simple/").unwrap();
        assert_eq!(redact_url(&plain), "https://index.example.invalid/simple/");
    }
}
