//! HTTPS for [`IndexOptions::tls`](crate::IndexOptions::tls): a server certificate for
//! `127.0.0.1` and `localhost`, signed by a test CA that no system trusts.
//!
//! The files in `tls/` were made once with `openssl` (P-256 keys, valid until 2126): a CA
//! (`basicConstraints=CA:TRUE`) and a server certificate it signed (`CA:FALSE`,
//! `serverAuth`, `subjectAltName=IP:127.0.0.1,DNS:localhost`). A client that trusts
//! [`CA_CERTIFICATE_PEM`] (for example through `SSL_CERT_FILE`) can talk to the index; any
//! other client must refuse it.

use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{self, ServerConfig};

/// The test CA's certificate (PEM), to trust in a test.
pub(crate) const CA_CERTIFICATE_PEM: &str = include_str!("tls/ca.pem");
const SERVER_CERTIFICATE_PEM: &[u8] = include_bytes!("tls/server.pem");
const SERVER_KEY_PEM: &[u8] = include_bytes!("tls/server.key");

/// A TLS acceptor with the test server certificate.
pub(crate) fn acceptor() -> TlsAcceptor {
    let certificate = CertificateDer::from_pem_slice(SERVER_CERTIFICATE_PEM)
        .expect("the bundled test certificate is valid PEM");
    let key =
        PrivateKeyDer::from_pem_slice(SERVER_KEY_PEM).expect("the bundled test key is valid PEM");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the default provider supports the default versions")
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .expect("the bundled certificate and key match");
    TlsAcceptor::from(Arc::new(config))
}
