//! URL normalisation, so that two reports of the same content compare equal.

/// Normalises an `http`/`https` URL: lower-case scheme and host, no default port, no fragment,
/// no trailing `/` on a bare host, percent-encoding and IDNs as the WHATWG URL standard
/// canonicalises them. Query strings are kept (on many platforms they identify the content,
/// as in `watch?v=`).
pub fn normalise(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.len() > 2048 {
        return Err("must be a URL of at most 2048 characters".into());
    }
    let mut url = url::Url::parse(text).map_err(|error| format!("must be an absolute http(s) URL ({error})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err("must name a host".into());
    }
    url.set_fragment(None);
    if url.query() == Some("") {
        url.set_query(None);
    }
    Ok(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn normalises() {
        assert_eq!(
            normalise("HTTPS://Video.Example.NET:443/watch?v=abc#t=10").unwrap(),
            "https://video.example.net/watch?v=abc"
        );
        assert_eq!(normalise("http://example.org").unwrap(), "http://example.org/");
        assert_eq!(normalise("http://example.org:8080/a?").unwrap(), "http://example.org:8080/a");
        for bad in ["", "example.org/x", "ftp://example.org/x", "javascript:alert(1)", "http://"] {
            assert!(normalise(bad).is_err(), "{bad:?} accepted");
        }
    }
}
